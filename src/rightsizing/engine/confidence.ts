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
 * Weekly workloads: where the days that miss come on the same weekdays (a cluster whose batch peaks fall on Mondays), the
 * share over all days is highest the day before the peak, after a run of kept days — so it rated the days that then missed
 * highest (the two cluster CPU averages: high / low 1.68). A second estimate, the same weekday's record (days 7, 14, 21 … back)
 * with the share over all days as its prior worth two pseudo-days, is averaged in by how well each predicted the series'
 * own past days (Bayesian model averaging on their one-step-ahead predictive likelihood, Dawid's prequential approach),
 * from two weeks of calibration days on (before, no weekday has been predicted once): a series whose days do not follow
 * the week keeps the share over all days; one that does moves to its weekday's record.
 * Days are counted back by index (the calibration days are consecutive but for days with an idle base, which are left out).
 *
 * Memory (an OOM day is rare, so few past days ever missed): calibration days n / (n + 4) × the stability of the recent
 * peak ratios 1 / (1 + (sd / 0.3)²) (log peak ratios over the last 7 days) × ½ for each OOM day the rule had over the
 * last 14 days.
 */
export function confidenceOf(kind: ResourceKind, alpha: number, cal: readonly CalibrationDay[], k: number): number {
  const n = cal.length;
  if (n === 0) return 0.2;
  if (kind === 'cpu') {
    const kept = cal.map((d) => d.ratios.length > 0 && countAbove(d.ratios, k) / d.ratios.length <= alpha);
    // Each estimate of day m from days 0 … m − 1, and their log predictive likelihood over the past days (from the first
    // day with a same-weekday day before it: until then the two are equal). The recency-weighted sums run forward:
    // each day older multiplies the weights by `decay`.
    const decay = Math.pow(2, -1 / KEPT_HALF_LIFE_DAYS);
    let keptW = 0, totalW = 0, logAll = 0, logWeek = 0;
    for (let m = 0; m <= n; m++) {
      const all = (keptW + 1) / (totalW + 2), week = weekdayShare(kept, m, all);
      if (m === n) {
        // Until each weekday has been predicted once (two weeks of days), a one-day weekday record against a few days of
        // evidence would swing the confidence by a day a week ago: the share over all days alone.
        const wWeek = n >= 2 * WEEK ? 1 / (1 + Math.exp(logAll - logWeek)) : 0;
        return (1 - wWeek) * all + wWeek * week;
      }
      if (m >= WEEK) { logAll += Math.log(kept[m] ? all : 1 - all); logWeek += Math.log(kept[m] ? week : 1 - week); }
      keptW = keptW * decay + (kept[m] ? 1 : 0);
      totalW = totalW * decay + 1;
    }
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

const WEEK = 7;

/** Day m's weekday record (days m − 7, m − 14, …), with `prior` (the share over all days) worth two pseudo-days. */
function weekdayShare(kept: readonly boolean[], m: number, prior: number): number {
  let k = 0, count = 0;
  for (let j = m - WEEK; j >= 0; j -= WEEK) { count++; if (kept[j]) k++; }
  return (k + 2 * prior) / (count + 2);
}

function countAbove(sorted: Float64Array, x: number): number {
  let lo = 0, hi = sorted.length;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (sorted[mid] > x) hi = mid; else lo = mid + 1; }
  return sorted.length - lo;
}
