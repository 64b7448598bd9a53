/**
 * MOrA's confidence in a value (0..1): how likely the value keeps to its risk target on the next day, predicted from
 * the series' own calibration days (calibration.ts). Measured on the backtest by bench:frontier (docs/BENCHMARKS.md
 * § Risk–waste frontier, "Confidence").
 */
import type { ResourceKind } from '../baselines/strategy';
import type { CalibrationDay } from './calibration';

/**
 * Confidence (0..1) that the value keeps to its target, from what predicted misses on the backtest (docs/ENGINE.md § Risk):
 *  - calibration days n: n / (n + 4) (none: 0.2);
 *  - dispersion of the recent days' ratios (log of each day's (1−α) sample ratio for CPU, of its peak ratio for memory, over
 *    the last 7 days): 1 / (1 + (sd / s0)²), s0 = 2 (CPU) / 0.3 (memory) — an unstable series misses more;
 *  - the margin itself: k < 1 means the past days ran below their base (usage falling, or a spike still in the window) and
 *    the rule sizes under its own recent quantile; such days missed about twice as often: min(1, k^(1/0.02));
 *    (CPU only: for memory it did not predict misses)
 *  - memory: each OOM day the rule had over the last 14 days halves it.
 */
export function confidenceOf(kind: ResourceKind, alpha: number, cal: readonly CalibrationDay[], k: number): number {
  const n = cal.length;
  if (n === 0) return 0.2;
  const history = n / (n + 4);
  const recent = cal.slice(-7);
  const xs = recent.map((d) => Math.log(Math.max(1e-12, kind === 'memory' ? d.peakRatio : quantileOfSorted(d.ratios, 1 - alpha))));
  const mu = xs.reduce((s, x) => s + x, 0) / xs.length;
  const s0 = kind === 'memory' ? 0.3 : 2;
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((s, x) => s + (x - mu) ** 2, 0) / (xs.length - 1)) : s0;
  const stability = 1 / (1 + (sd / s0) ** 2);
  const under = kind === 'memory' ? 1 : k > 0 ? Math.min(1, Math.exp((Math.log(k) + 0.02) / 0.02)) : 0;
  const misses = kind === 'memory' ? Math.pow(0.5, cal.slice(-14).filter((d) => d.achieved > 0).length) : 1;
  return Math.max(0, Math.min(1, history * stability * under * misses));
}

function quantileOfSorted(a: Float64Array, q: number): number {
  if (a.length === 0) return NaN;
  const pos = (a.length - 1) * q;
  const lo = Math.floor(pos), hi = Math.ceil(pos);
  return a[lo] + (a[hi] - a[lo]) * (pos - lo);
}
