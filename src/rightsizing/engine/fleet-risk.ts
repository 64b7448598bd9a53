/**
 * A fleet risk budget (docs/ENGINE.md § Risk, "Fleet risk budget"): the user states the mean risk over a set of
 * workloads ("mean exceedance across this namespace ≤ 5%") and MOrA chooses each workload's own target so that the
 * total waste is least, with no workload above a cap.
 *
 * Each workload brings its waste–risk curve: for a grid of targets, what the value calibrated to that target wasted on
 * the workload's own recent past days (waste / usage, as the scorer normalises it). The allocation is Lagrangian: for a
 * multiplier λ every workload takes the target minimising waste(α) + λ·α; λ is the one at which the mean of the chosen
 * targets is the fleet target. On the lower convex hull of each curve (linear between grid targets) this is exact by
 * merging every hull edge by slope — steepest waste saved per unit of risk first — until the budget N × target is spent;
 * the edge that crosses it is taken in part (that workload's target lies between two grid targets). Bisection on λ
 * reaches the same point; the merge needs no tolerance.
 *
 * The risk charged is the target itself (each workload's calibration keeps its own achieved risk near its target), so
 * the mean of the achieved risks follows the mean of the targets as far as each workload's calibration does. (Charging
 * the risk each target achieved on the past days instead was tried on Bitbrains CPU, in an earlier state of the curve:
 * 1.37× VPA's waste against 1.35×, and the fleet mean ran 7.5% at 5%.)
 */

/** A workload's share of a fleet risk budget: its own target, and the fleet's mean target over how many workloads. */
export interface AllottedRisk {
  target: number;
  fleet: { target: number; workloads: number };
}

/** Which target a container's CPU or memory got from a fleet budget (undefined: the policy's own target applies). */
export type RiskAllotment = (workload: { context: string; namespace: string; name: string }, container: string, kind: 'cpu' | 'memory') => AllottedRisk | undefined;

/** One point of a workload's curve: a target and what its value wasted on the recent past (waste / usage). */
export interface FleetCurvePoint {
  target: number;
  waste: number;
  /** What the value achieved on those days (exceedance share / OOM-day share), for evidence; not charged. */
  risk?: number;
}

export interface FleetMember {
  /** Curve over the grid (any order); empty or undefined = no track record yet: the member gets the fleet target. */
  curve?: readonly FleetCurvePoint[];
}

export interface FleetBudget {
  /** The fleet's mean target. */
  target: number;
  /** No member's target goes above this (default `defaultFleetCap(target)`). */
  cap?: number;
}

export interface FleetAllocation {
  /** Each member's target, in input order. */
  targets: number[];
  /** The multiplier at the allocation (waste saved per unit of target at the margin); 0 when the budget was not binding. */
  lambda: number;
  /** Mean of the targets (= the fleet target unless every curve ran out of waste to save or of grid below the cap). */
  mean: number;
}

/**
 * Default per-workload cap: 4× the fleet target, never above 30% (no workload is sacrificed to the others); a fleet
 * target above 30% is its own cap. On Bitbrains CPU a 2× cap kept about half the gain (1.20× VPA's waste at its point
 * against 0.97× at 4× and 0.96× with 30% for every target).
 */
export function defaultFleetCap(target: number): number {
  return Math.max(target, Math.min(4 * target, 0.3));
}

/**
 * Targets every workload's curve is kept at (one rule each, shared by any fleet target): MOrA's frontier grid with two
 * tighter targets. A cap between two of them cuts the curve there (linear between the two).
 */
export const FLEET_GRID: readonly number[] = [0.001, 0.002, 0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5];

/** The curve up to the cap: points above it dropped, and a point at the cap itself, linear between its neighbours. */
function capped(curve: readonly FleetCurvePoint[], cap: number): FleetCurvePoint[] {
  const ps = [...curve].sort((a, b) => a.target - b.target);
  const out = ps.filter((p) => p.target <= cap + 1e-12);
  const above = ps.find((p) => p.target > cap + 1e-12);
  const below = out[out.length - 1];
  if (above && below && below.target < cap) {
    const f = (cap - below.target) / (above.target - below.target);
    out.push({ target: cap, waste: below.waste + f * (above.waste - below.waste) });
  }
  return out;
}

interface Edge { member: number; from: number; to: number; slope: number; order: number }

/** Lower convex hull of a curve, left to right, cut where the waste stops falling (more risk that saves nothing is not spent). */
export function lowerHull(points: readonly FleetCurvePoint[]): FleetCurvePoint[] {
  const ps = points.filter((p) => Number.isFinite(p.target) && Number.isFinite(p.waste)).sort((a, b) => a.target - b.target || a.waste - b.waste);
  const hull: FleetCurvePoint[] = [];
  for (const p of ps) {
    if (hull.length && hull[hull.length - 1].target === p.target) continue;
    while (hull.length >= 2) {
      const a = hull[hull.length - 2], b = hull[hull.length - 1];
      // b is above the chord a–p: not on the lower hull.
      if ((b.waste - a.waste) * (p.target - a.target) >= (p.waste - a.waste) * (b.target - a.target)) hull.pop();
      else break;
    }
    hull.push(p);
  }
  let end = 1;
  while (end < hull.length && hull[end].waste < hull[end - 1].waste) end++;
  return hull.slice(0, end);
}

/**
 * Each member's target for the fleet budget (see the module comment). Members without a curve are held at the fleet
 * target (capped) and spend their share of the budget; the others start at their curve's lowest target and take hull
 * edges steepest first.
 */
export function allocateFleetRisk(members: readonly FleetMember[], budget: FleetBudget): FleetAllocation {
  const cap = budget.cap ?? defaultFleetCap(budget.target);
  if (!(budget.target > 0) || !(cap >= budget.target)) throw new RangeError(`fleet risk: target ${budget.target} must be > 0 and the cap ${cap} at least the target`);
  const n = members.length;
  const targets = new Array<number>(n).fill(budget.target);
  if (n === 0) return { targets, lambda: 0, mean: NaN };
  const hulls = members.map((m) => lowerHull(capped(m.curve ?? [], cap)));
  let left = n * budget.target;
  const edges: Edge[] = [];
  hulls.forEach((h, i) => {
    if (h.length === 0) { left -= budget.target; return; }
    targets[i] = h[0].target;
    left -= h[0].target;
    for (let k = 1; k < h.length; k++) {
      edges.push({ member: i, from: h[k - 1].target, to: h[k].target, slope: (h[k].waste - h[k - 1].waste) / (h[k].target - h[k - 1].target), order: k });
    }
  });
  // Within a member the hull's slopes rise, so sorting by slope keeps each member's edges in order (ties by position).
  edges.sort((a, b) => a.slope - b.slope || a.order - b.order);
  let lambda = 0;
  for (const e of edges) {
    if (left <= 1e-15) break;
    const width = e.to - e.from;
    const take = Math.min(width, left);
    targets[e.member] = e.from + take;
    left -= take;
    lambda = -e.slope;
  }
  // The budget was below what the members' lowest targets need (a fleet target under the grid): nothing to trade.
  return { targets, lambda, mean: targets.reduce((a, b) => a + b, 0) / n };
}
