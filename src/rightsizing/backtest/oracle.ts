/**
 * The per-day oracle's risk–waste frontier: knowing each scored day in advance, the least mean waste ratio for each
 * mean risk, over the same series and days the backtest scores (same averaging as meanSummary: per series, then the
 * mean over series; an idle series, with no usage on any scored day, is left out as meanSummary leaves it out). It is
 * the limit any rule that sets one value per day can reach; a uniform per-day percentile (every day at its own p95,
 * say) is one point on or above it, not the limit.
 *
 * Exact by a Lagrangian sweep: for a multiplier λ every day independently picks the value v minimising
 *   waste_d(v) / U_s + λ · risk_d(v) / N_s
 * (U_s = the series' total usage over its scored days; CPU: risk_d = samples above v, N_s = the series' scored samples;
 * memory: risk_d = 1 when v is below the day's peak (an OOM day), N_s = its scored days). Candidates: the day's sample
 * values (between two samples waste only grows and risk stays), plus, for memory, the smallest sample (an OOM day at
 * no waste). Sweeping λ from ∞ to 0 moves each day along the lower convex hull of its own (risk, waste) candidates;
 * merging every day's hull edges by slope gives all the sweep's breakpoints, i.e. the whole Lagrangian frontier.
 * It is exact at its vertices; between two vertices it is the straight line (a mix of two neighbouring choices on one day).
 */
import type { Series } from '../../core/series';
import { quantileSorted } from '../../core/stats';
import type { ResourceKind } from '../baselines/strategy';
import { scoredDays, type ReplayOptions } from '../replay/replay';
import { seriesOptions } from './warmup';

export interface FrontierPoint {
  /** Mean over series of the risk (CPU exceedance share; memory OOM-day share). */
  risk: number;
  /** Mean over series of the waste ratio (Σ waste / Σ usage). */
  waste: number;
}

interface Edge { dRisk: number; dWaste: number }

/** A series the backtest averages: scored days, and usage on at least one (not idle, replay/score.ts). */
function hasUsage(days: ReadonlyArray<{ values: Float64Array }>): boolean {
  let sum = 0;
  for (const d of days) for (const x of d.values) sum += x;
  return sum > 0;
}

/** Lower convex hull of (risk, waste) candidates, from the zero-risk end; returns its start and the edges in slope order. */
function dayHull(points: Array<[number, number]>): { start: [number, number]; edges: Edge[] } {
  points.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const uniq: Array<[number, number]> = [];
  for (const p of points) if (!uniq.length || uniq[uniq.length - 1][0] !== p[0]) uniq.push(p);
  const hull: Array<[number, number]> = [];
  for (const p of uniq) {
    // Only points that lower the waste can be on the frontier.
    if (hull.length && p[1] >= hull[hull.length - 1][1]) continue;
    while (hull.length >= 2) {
      const [a, b] = [hull[hull.length - 2], hull[hull.length - 1]];
      // Drop b when it lies on or above the segment a → p.
      if ((b[1] - a[1]) * (p[0] - a[0]) >= (p[1] - a[1]) * (b[0] - a[0])) hull.pop(); else break;
    }
    hull.push(p);
  }
  const edges: Edge[] = [];
  for (let i = 1; i < hull.length; i++) edges.push({ dRisk: hull[i][0] - hull[i - 1][0], dWaste: hull[i][1] - hull[i - 1][1] });
  return { start: hull[0], edges };
}

/** One day's candidates: (risk_d(v), waste_d(v)) for v = each sample value (and the memory OOM choice). */
function dayCandidates(values: Float64Array, kind: ResourceKind): Array<[number, number]> {
  const u = Float64Array.from(values).sort();
  const n = u.length;
  if (kind === 'memory') {
    let waste = 0;
    for (let i = 0; i < n; i++) waste += u[n - 1] - u[i];
    // Limit at the day's peak: no OOM; anything lower is an OOM day, cheapest at the smallest sample (no waste).
    return [[0, waste], [1, 0]];
  }
  const out: Array<[number, number]> = [];
  let prefix = 0;
  for (let i = 0; i < n; i++) {
    prefix += u[i];
    if (i + 1 < n && u[i + 1] === u[i]) continue; // the last of equal values: all of them are ≤ v
    out.push([n - 1 - i, (i + 1) * u[i] - prefix]);
  }
  return out;
}

/**
 * The oracle frontier over `inputs` (each series' scored days, as replay scores them): points from zero risk
 * (every day at its peak) to the highest risk, risk ascending, waste descending; convex.
 */
export function oracleFrontier(inputs: ReadonlyArray<{ series: Series; warmupDays?: number }>, kind: ResourceKind, options: ReplayOptions = {}): FrontierPoint[] {
  const perSeries = inputs.map((x) => scoredDays(x.series, seriesOptions(x, options))).filter(hasUsage);
  const S = perSeries.length;
  if (S === 0) return [];
  let risk = 0, waste = 0;
  const edges: Edge[] = [];
  for (const days of perSeries) {
    let U = 0, N = 0;
    for (const d of days) { for (const x of d.values) U += x; N += kind === 'memory' ? 1 : d.values.length; }
    const wScale = 1 / (U * S);
    const rScale = 1 / (N * S);
    for (const d of days) {
      const h = dayHull(dayCandidates(d.values, kind));
      risk += h.start[0] * rScale; waste += h.start[1] * wScale;
      for (const e of h.edges) edges.push({ dRisk: e.dRisk * rScale, dWaste: e.dWaste * wScale });
    }
  }
  // Steepest waste drop per unit of risk first: the order in which λ falling from ∞ switches the days' choices.
  edges.sort((a, b) => (a.dWaste / a.dRisk) - (b.dWaste / b.dRisk));
  const out: FrontierPoint[] = [{ risk, waste }];
  for (const e of edges) {
    risk += e.dRisk; waste += e.dWaste;
    out.push({ risk, waste: Math.max(0, waste) });
  }
  return out;
}

/**
 * The oracle with every series held to the same risk: each series' own frontier (its days known in advance, the risk spent
 * on its days where it saves the most), read at r and averaged. The limit of a rule calibrated per series — one that keeps
 * each workload at the user's target, as MOrA does — where `oracleFrontier` may also spend one series' risk on another.
 */
export function seriesOracleFrontiers(inputs: ReadonlyArray<{ series: Series; warmupDays?: number }>, kind: ResourceKind, options: ReplayOptions = {}): FrontierPoint[][] {
  return inputs.map((x) => oracleFrontier([x], kind, options)).filter((f) => f.length > 0);
}

/** Mean over series of each series' own oracle waste at risk r (see seriesOracleFrontiers); NaN without series. */
export function heldOracleWasteAt(frontiers: readonly FrontierPoint[][], r: number): number {
  if (frontiers.length === 0) return NaN;
  // Every series' frontier starts at risk 0 (each day at its peak), so r ≥ 0 is always reached.
  return frontiers.reduce((sum, f) => sum + oracleWasteAt(f, r), 0) / frontiers.length;
}

/** The frontier's least waste at mean risk ≤ r (linear between vertices); NaN when r is below its zero-risk end. */
export function oracleWasteAt(frontier: readonly FrontierPoint[], r: number): number {
  if (frontier.length === 0 || !(r >= frontier[0].risk)) return NaN;
  for (let i = 1; i < frontier.length; i++) {
    const a = frontier[i - 1], b = frontier[i];
    if (r <= b.risk) return b.risk > a.risk ? a.waste + ((r - a.risk) / (b.risk - a.risk)) * (b.waste - a.waste) : b.waste;
  }
  return frontier[frontier.length - 1].waste;
}

/** At most `n` points of the frontier for a plot or a table: evenly spaced in risk over [0, maxRisk], vertices interpolated. */
export function sampleFrontier(frontier: readonly FrontierPoint[], n: number, maxRisk = frontier[frontier.length - 1]?.risk ?? 0): FrontierPoint[] {
  if (frontier.length === 0) return [];
  const lo = frontier[0].risk, hi = Math.min(maxRisk, frontier[frontier.length - 1].risk);
  const out: FrontierPoint[] = [];
  for (let i = 0; i < n; i++) {
    const r = n === 1 ? lo : lo + ((hi - lo) * i) / (n - 1);
    out.push({ risk: r, waste: oracleWasteAt(frontier, r) });
  }
  return out;
}

/**
 * CPU only: a clairvoyant uniform per-day percentile — every scored day at its own (1 − r) quantile, for each r.
 * Not the limit (the oracle frontier spends the risk where it saves the most waste; this spends it evenly): the gap
 * between the two is what allocating risk across days is worth, the gap from here to a real rule what not knowing the day costs.
 */
export function dayQuantileCurve(inputs: ReadonlyArray<{ series: Series; warmupDays?: number }>, risks: readonly number[], options: ReplayOptions = {}): Array<FrontierPoint & { target: number }> {
  const perSeries = inputs.map((x) => scoredDays(x.series, seriesOptions(x, options))).filter(hasUsage).map((days) => days.map((d) => Float64Array.from(d.values).sort()));
  return risks.map((r) => {
    let risk = 0, waste = 0;
    for (const days of perSeries) {
      let exc = 0, n = 0, w = 0, u = 0;
      for (const sorted of days) {
        const v = quantileSorted(sorted, 1 - r);
        for (const x of sorted) { u += x; if (x > v) exc++; else w += v - x; }
        n += sorted.length;
      }
      risk += exc / n / perSeries.length;
      waste += w / u / perSeries.length;
    }
    return { target: r, risk, waste };
  });
}
