/**
 * The one shape every sizing strategy has (VPA, KRR, Autopilot, MOrA), so the backtest replays them identically:
 * samples go in strictly in time order through `observe`; `recommend(now)` uses only what was observed.
 */
import type { Bounded } from '../../core/recommendation';

export type ResourceKind = 'cpu' | 'memory';

/** A strategy's value for the next day, with its bounds and, where the strategy knows them, its risk and confidence. */
export interface StrategyValue extends Bounded {
  /** The target risk this value was calibrated to (MOrA only): CPU exceedance share, memory OOM-day share. */
  risk?: number;
  /** 0..1: how far the strategy trusts its own value (MOrA only); the backtest checks it against what happened. */
  confidence?: number;
}

export interface SizingStrategy {
  readonly name: string;
  readonly kind: ResourceKind;
  /** Feeds samples (time ascending, after every sample already observed). Base units: cores or bytes. */
  observe(t: ArrayLike<number>, v: ArrayLike<number>): void;
  /**
   * The value to apply from `now` on (CPU request; memory limit) with the strategy's own bounds,
   * or undefined when the strategy has not seen enough data to say anything.
   */
  recommend(now: number): StrategyValue | undefined;
  /** Why the last `recommend` gave no value, where the strategy can say (KRR: too few points; Autopilot: a gap), for the CLI's note. */
  whyNoValue?(): string | undefined;
}

export type StrategyFactory = (kind: ResourceKind) => SizingStrategy;

/** Weighted quantile (the smallest value whose cumulative weight reaches q of the total), as moving-window recommenders use it. */
export function weightedQuantile(values: ArrayLike<number>, weights: ArrayLike<number>, q: number): number {
  return weightedQuantiles(values, weights, [q])[0];
}

/** weightedQuantile at several q, sorting once (Autopilot reads three of the same window every day). */
export function weightedQuantiles(values: ArrayLike<number>, weights: ArrayLike<number>, qs: readonly number[]): number[] {
  const n = values.length;
  if (n === 0) return qs.map(() => NaN);
  const idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  idx.sort((a, b) => values[a] - values[b]);
  let total = 0;
  for (let i = 0; i < n; i++) total += weights[i];
  return qs.map((q) => {
    const threshold = q * total;
    let acc = 0;
    for (let k = 0; k < n; k++) {
      acc += weights[idx[k]];
      if (acc >= threshold) return values[idx[k]];
    }
    return values[idx[n - 1]];
  });
}

/**
 * weightedQuantile of values that come as ascending runs, each of one weight (a window of whole days, each day's samples
 * sorted once when it closed, weighted by its age): the same value, found by walking down from the largest samples instead
 * of sorting the whole window — at 10-s steps a window is ~70,000 samples, and the quantiles read (p80–p99.9) sit near its top.
 * The total is summed in the same order as weightedQuantile over the runs laid end to end, so with dyadic weights (halving per
 * day) every partial sum is exact and the result is identical.
 */
export function weightedQuantileOfRuns(runs: readonly Float64Array[], weights: readonly number[], q: number): number {
  let total = 0, n = 0;
  for (let r = 0; r < runs.length; r++) { n += runs[r].length; for (let j = 0; j < runs[r].length; j++) total += weights[r]; }
  if (n === 0) return NaN;
  const threshold = q * total;
  const top = runs.map((x) => x.length - 1);
  // cum = the cumulative weight up to and including the largest sample not yet walked past (the whole total at first).
  let cum = total;
  for (;;) {
    let best = -1, bv = -Infinity;
    for (let r = 0; r < runs.length; r++) if (top[r] >= 0 && runs[r][top[r]] > bv) { bv = runs[r][top[r]]; best = r; }
    if (best < 0) return NaN;
    const below = cum - weights[best];
    // The smallest value whose cumulative weight reaches the threshold: the one below it does not.
    if (!(below >= threshold) || n === 1) return bv;
    cum = below; top[best]--; n--;
  }
}
