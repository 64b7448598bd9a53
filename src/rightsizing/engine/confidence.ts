/**
 * MOrA's confidence in a value (0..1): how likely the value keeps to its risk target on the next day, predicted from
 * the series' own calibration days (calibration.ts). Measured on the backtest by bench:frontier (docs/BENCHMARKS.md
 * § Risk–waste frontier, "Confidence").
 */
import type { ResourceKind } from '../baselines/strategy';
import type { CalibrationDay } from './calibration';

/** Half-life (days) of a calibration day's weight in the CPU confidence: recent days say more. */
const KEPT_HALF_LIFE_DAYS = 14;

/**
 * Confidence (0..1) that the value keeps to its target on the next day (docs/ENGINE.md § Risk). Cold start (no
 * calibration day): 0.2.
 *
 * CPU: the share of the series' own past days on which this value would have kept to the target — the day's share of
 * samples above base × k at most α — weighted by recency (half-life 14 days, half the kept history; 7 days did as well on Bitbrains and Azure
 * and worse on the smooth cluster averages) and with one kept and one missed
 * pseudo-day (Laplace), so that three clean days read 0.8, not certainty. It is the direct estimate of what bench:frontier
 * scores (a day whose exceedance went above the target): a steady series exceeds a little on about half its days and reads
 * ≈0.5; a bursty one keeps on most days and misses whole days rarely. (An earlier score from the dispersion of the ratios
 * rated the steady series highest, and its high-confidence days missed more often than its low ones.)
 *
 * Memory (an OOM day is rare, so few past days ever missed): calibration days n / (n + 4) × the stability of the recent
 * peak ratios 1 / (1 + (sd / 0.3)²) (log peak ratios over the last 7 days) × ½ for each OOM day the rule had over the
 * last 14 days.
 */
export function confidenceOf(kind: ResourceKind, alpha: number, cal: readonly CalibrationDay[], k: number): number {
  const n = cal.length;
  if (n === 0) return 0.2;
  if (kind === 'cpu') {
    let kept = 0, total = 0;
    for (let j = 0; j < n; j++) {
      const w = Math.pow(2, -(n - 1 - j) / KEPT_HALF_LIFE_DAYS);
      total += w;
      if (cal[j].ratios.length > 0 && countAbove(cal[j].ratios, k) / cal[j].ratios.length <= alpha) kept += w;
    }
    return (kept + 1) / (total + 2);
  }
  const history = n / (n + 4);
  const xs = cal.slice(-7).map((d) => Math.log(Math.max(1e-12, d.peakRatio)));
  const mu = xs.reduce((s, x) => s + x, 0) / xs.length;
  const s0 = 0.3;
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((s, x) => s + (x - mu) ** 2, 0) / (xs.length - 1)) : s0;
  const stability = 1 / (1 + (sd / s0) ** 2);
  const misses = Math.pow(0.5, cal.slice(-14).filter((d) => d.achieved > 0).length);
  return Math.max(0, Math.min(1, history * stability * misses));
}

function countAbove(sorted: Float64Array, x: number): number {
  let lo = 0, hi = sorted.length;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (sorted[mid] > x) hi = mid; else lo = mid + 1; }
  return sorted.length - lo;
}
