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
}

export type StrategyFactory = (kind: ResourceKind) => SizingStrategy;

/** Weighted quantile (the smallest value whose cumulative weight reaches q of the total), as moving-window recommenders use it. */
export function weightedQuantile(values: ArrayLike<number>, weights: ArrayLike<number>, q: number): number {
  const n = values.length;
  if (n === 0) return NaN;
  const idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  idx.sort((a, b) => values[a] - values[b]);
  let total = 0;
  for (let i = 0; i < n; i++) total += weights[i];
  const threshold = q * total;
  let acc = 0;
  for (let k = 0; k < n; k++) {
    acc += weights[idx[k]];
    if (acc >= threshold) return values[idx[k]];
  }
  return values[idx[n - 1]];
}
