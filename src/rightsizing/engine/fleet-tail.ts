/**
 * Borrowing the tail from the fleet when a series' own history is short (docs/ENGINE.md § Risk, "Borrowing the fleet's
 * tail"; option `fleetTail` of MoraStrategyOptions, CPU).
 *
 * The CPU margin k is the (1−α) quantile of a series' calibration ratios (usage / the base the rule had before the day,
 * calibration.ts). The unit that varies is the day: with n calibration days a series has seen n draws of "what a day can
 * do against its base", and a day-level event rarer than about 1/(n+1) — a level shift, a burst day — is not in them.
 * Empirical Bayes: the other workloads' calibration ratios are draws of the same statistic (each normalised by its own
 * base), so their pooled distribution is a prior for the series' own. The quantile is read off the mixture
 *
 *   S(x) = n/(n + n0) · S_own(x) + n0/(n + n0) · S_fleet(x),   k = the x with S(x) = α,
 *
 * S = the share of ratios above x; S_fleet is the mean over the other workloads of each one's own share (every workload
 * weighs the same, whatever its length). n0 is the number of days at which a series' own days start to identify the
 * target's quantile as a day-level event: an event of probability α shows up in n days with n + 1 ≈ 1/α, so n0 = 1/α − 1
 * (19 days at 5%, 99 at 1%, 2.3 at 30%). A long series at a loose target is its own; a short one, or a tight target, leans
 * on the fleet. Not fitted to a dataset.
 *
 * The fleet's shares are kept on a log-spaced grid of ratios (1e-4 … 1e4, 1024 bins: 1.8% apart, linear within a bin), so
 * a query costs O(1) whatever the fleet's size.
 */
import type { CalibrationDay, Margin } from './calibration';

const LO = Math.log(1e-4);
const HI = Math.log(1e4);
const BINS = 1024;
const STEP = (HI - LO) / BINS;
const DAY = 86400;

/** The fleet's share of ratios above x, for a rule sizing the day that starts at `day` (NaN: no other workload has a day yet). */
export interface FleetTail {
  above(x: number, day: number): number;
}

/** Shares above each bin's lower edge (g[b] = share of ratios in bins ≥ b; g[BINS] = 0). */
function tailOf(ratios: ArrayLike<number>): Float64Array {
  const c = new Float64Array(BINS + 1);
  for (let i = 0; i < ratios.length; i++) {
    const r = ratios[i];
    const b = r > 0 ? Math.min(BINS - 1, Math.max(0, Math.floor((Math.log(r) - LO) / STEP))) : 0;
    c[b]++;
  }
  for (let b = BINS - 1; b >= 0; b--) c[b] += c[b + 1];
  return c;
}

function shareAbove(g: Float64Array, x: number): number {
  if (!(x > 0)) return g[0];
  const u = (Math.log(x) - LO) / STEP;
  if (u < 0) return g[0];
  if (u >= BINS) return 0;
  const b = Math.floor(u), f = u - b;
  return g[b + 1] + (1 - f) * (g[b] - g[b + 1]);
}

/**
 * The calibration days of every workload in scope, by replay day (day index since each workload's first day, as the
 * fleet backtest aligns them), from which each workload reads the others' days before its own day, over the last
 * `windowDays` (the rule's own kept history).
 */
export class FleetTailPool {
  /** Per workload: day index → counts above each bin's edge, and the number of ratios. */
  private readonly days: Array<Map<number, { g: Float64Array; n: number }>> = [];
  private readonly first: number[] = [];
  /** Per day index k: Σ over workloads with a day in [k − window, k) of their own share above each edge, and how many. */
  private readonly total = new Map<number, { g: Float64Array; count: number }>();

  constructor(readonly windowDays = 28) {}

  /** A workload's calibration day (its ratios, any order) for the day starting at `day`; `firstDay` = the workload's first day. */
  add(workload: number, firstDay: number, day: number, ratios: ArrayLike<number>): void {
    while (this.days.length <= workload) { this.days.push(new Map()); this.first.push(NaN); }
    this.first[workload] = firstDay;
    this.days[workload].set(Math.round((day - firstDay) / DAY), { g: tailOf(ratios), n: ratios.length });
    this.total.clear();
  }

  /** The workload's own share above each edge over its days in [k − window, k), or undefined when it has none. */
  private own(w: number, k: number): Float64Array | undefined {
    const m = this.days[w];
    if (!m) return undefined;
    const g = new Float64Array(BINS + 1);
    let n = 0;
    for (let j = k - this.windowDays; j < k; j++) {
      const d = m.get(j);
      if (!d) continue;
      n += d.n;
      for (let b = 0; b <= BINS; b++) g[b] += d.g[b];
    }
    if (n === 0) return undefined;
    for (let b = 0; b <= BINS; b++) g[b] /= n;
    return g;
  }

  private totalAt(k: number): { g: Float64Array; count: number } {
    let t = this.total.get(k);
    if (!t) {
      t = { g: new Float64Array(BINS + 1), count: 0 };
      for (let w = 0; w < this.days.length; w++) {
        const o = this.own(w, k);
        if (!o) continue;
        t.count++;
        for (let b = 0; b <= BINS; b++) t.g[b] += o[b];
      }
      this.total.set(k, t);
    }
    return t;
  }

  /** What workload `w` (first day `firstDay`) reads: the other workloads' mean share above x, leaving its own days out. */
  tailFor(w: number, firstDay: number): FleetTail {
    const cache = new Map<number, Float64Array | null>();
    const fleetAt = (k: number): Float64Array | null => {
      if (!cache.has(k)) {
        const t = this.totalAt(k), o = this.own(w, k);
        const count = t.count - (o ? 1 : 0);
        if (count <= 0) cache.set(k, null);
        else {
          const g = new Float64Array(BINS + 1);
          for (let b = 0; b <= BINS; b++) g[b] = (t.g[b] - (o ? o[b] : 0)) / count;
          cache.set(k, g);
        }
      }
      return cache.get(k)!;
    };
    return { above: (x, day) => { const g = fleetAt(Math.round((day - firstDay) / DAY)); return g ? shareAbove(g, x) : NaN; } };
  }
}

/** n0 of the shrinkage: the days at which a day-level event of probability α becomes identifiable (1/α − 1), or as given. */
export function fleetTailDays(alpha: number, given = 0): number {
  return given > 0 ? given : Math.max(0, 1 / alpha - 1);
}

/**
 * CPU margin from the mixture of the series' own calibration ratios (weight n/(n + n0), n = its calibration days) and the
 * fleet's (weight n0/(n + n0)). With `atK`: the mixture's share above atK as `expected`. Without a fleet (NaN) it is the
 * series' own quantile.
 */
export function pooledCpuMargin(cal: readonly CalibrationDay[], alpha: number, fleetAbove: (x: number) => number, n0: number, atK?: number): Margin {
  let total = 0;
  for (const d of cal) total += d.ratios.length;
  const wOwn = cal.length / (cal.length + n0);
  const ownAbove = (x: number): number => {
    let above = 0;
    for (const d of cal) above += countAbove(d.ratios, x);
    return total > 0 ? above / total : 0;
  };
  const mix = (x: number): number => {
    const f = fleetAbove(x);
    return Number.isFinite(f) ? wOwn * ownAbove(x) + (1 - wOwn) * f : ownAbove(x);
  };
  if (atK !== undefined) return { k: atK, expected: mix(atK) };
  // The smallest x whose mixture share above is at most α (bisection in log x; both shares fall with x).
  let lo = LO, hi = HI;
  for (const d of cal) if (d.ratios.length) { const top = d.ratios[d.ratios.length - 1]; if (top > 0) hi = Math.max(hi, Math.log(top) + 1e-9); }
  if (mix(Math.exp(lo)) <= alpha) return { k: Math.exp(lo), expected: alpha };
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (mix(Math.exp(mid)) > alpha) lo = mid; else hi = mid;
  }
  return { k: Math.exp(hi), expected: alpha };
}

function countAbove(sorted: Float64Array, x: number): number {
  let lo = 0, hi = sorted.length;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (sorted[mid] > x) hi = mid; else lo = mid + 1; }
  return sorted.length - lo;
}
