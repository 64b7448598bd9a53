/**
 * MOrA's confidence in a value (0..1): how likely the value keeps to its risk target on the next day, predicted from
 * the series' own calibration days (calibration.ts). Measured on the backtest by bench:frontier (docs/BENCHMARKS.md
 * § Risk–waste frontier, "Confidence").
 */
import type { ResourceKind } from '../baselines/strategy';
import type { CalibrationDay } from './calibration';

/**
 * Half-lives (days) of the recency weighting the CPU confidence averages over: from "yesterday decides" to "the whole kept
 * history", a doubling-like grid with no value chosen on the backtest (docs/ENGINE.md § Risk, "Confidence").
 */
const KEPT_HALF_LIVES_DAYS = [1, 3, 7, 14, 28] as const;

/** The days of one-step-ahead predictions before the model weights start counting (as the weekday record needs). */
const WEEK = 7;

/**
 * Confidence (0..1) that the value keeps to its target on the next day (docs/ENGINE.md § Risk). Cold start (no
 * calibration day): 0.2.
 *
 * CPU: the chance that the next day keeps to the target — its share of samples above base × k at most α — predicted
 * from the series' own past days at this k. Each past day counts as kept or missed; the estimate is a Bayesian model
 * average of simple predictors of the next day's outcome, weighted by how well each predicted the series' own past days
 * one day ahead (their prequential likelihood, Dawid): for each half-life h in 1, 3, 7, 14, 28 days, the recency-weighted
 * share of kept days with one kept and one missed pseudo-day (Laplace: three clean days read 0.8, not certainty), and,
 * from two weeks of calibration days on, the same weekday's record (days 7, 14, 21 … back) with that share as its prior
 * worth two pseudo-days. Likelihoods count from the eighth day (day 7) on; before that every predictor weighs the same.
 *  - Why several half-lives: misses come in runs (a busy spell, a level the base has not caught up with), and how long
 *    a run lasts is the series' own. Over all CPU groups a day after a day whose share at today's k was 1–2α missed
 *    50% of the time, after a clean day (share 0) 15%; one fixed 14-day half-life could not see that, and after the body
 *    base (626f9b3) the Bitbrains days it rated ≥ 0.8 missed 22.7% against 35.7% below 0.5 (ratio 0.63).
 *  - Why the weekday record: where the days that miss come on the same weekdays (a cluster whose batch peaks fall on
 *    Mondays), the share over all days is highest the day before the peak, after a run of kept days (the two cluster
 *    CPU averages: high / low 1.68 before it).
 * A series whose misses are independent of the day before keeps a long half-life's share; one that misses in runs moves
 * to the short ones; one that follows the week to its weekday's record.
 * Days are counted back by index (the calibration days are consecutive but for days with an idle base, which are left out).
 *
 * Memory (an OOM day is rare, so few past days ever missed): calibration days n / (n + 4) × the stability of the recent
 * peak ratios 1 / (1 + (sd / 0.3)²) (log peak ratios over the last 7 days) × ½ for each OOM day the rule had over the
 * last 14 days.
 */
export function confidenceOf(kind: ResourceKind, alpha: number, cal: readonly CalibrationDay[], k: number): number {
  const n = cal.length;
  if (n === 0) return 0.2;
  if (kind === 'cpu') return keptChance(cal.map((d) => d.ratios.length > 0 && countAbove(d.ratios, k) / d.ratios.length <= alpha));
  const history = n / (n + 4);
  const xs = cal.slice(-7).map((d) => Math.log(Math.max(1e-12, d.peakRatio)));
  const mu = xs.reduce((s, x) => s + x, 0) / xs.length;
  const s0 = 0.3;
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((s, x) => s + (x - mu) ** 2, 0) / (xs.length - 1)) : s0;
  const stability = 1 / (1 + (sd / s0) ** 2);
  const misses = Math.pow(0.5, cal.slice(-14).filter((d) => d.achieved > 0).length);
  return Math.max(0, Math.min(1, history * stability * misses));
}

/**
 * The model average of the CPU confidence (above) for the next day after `kept` (oldest first). The recency-weighted sums
 * run forward: each day older multiplies a half-life's weights by its decay.
 */
export function keptChance(kept: readonly boolean[]): number {
  const n = kept.length, hs = KEPT_HALF_LIVES_DAYS, M = hs.length;
  const decay = hs.map((h) => Math.pow(2, -1 / h));
  const keptW = new Float64Array(M), totalW = new Float64Array(M), logAll = new Float64Array(M), logWeek = new Float64Array(M);
  const all = new Float64Array(M), week = new Float64Array(M);
  for (let m = 0; m <= n; m++) {
    for (let i = 0; i < M; i++) { all[i] = (keptW[i] + 1) / (totalW[i] + 2); week[i] = weekdayShare(kept, m, all[i]); }
    if (m === n) {
      // Until each weekday has been predicted once (two weeks of days), a one-day weekday record against a few days of
      // evidence would swing the confidence by a day a week ago: the shares over all days alone.
      const withWeek = n >= 2 * WEEK;
      let best = -Infinity;
      for (let i = 0; i < M; i++) best = Math.max(best, logAll[i], withWeek ? logWeek[i] : -Infinity);
      let num = 0, den = 0;
      for (let i = 0; i < M; i++) {
        const wa = Math.exp(logAll[i] - best);
        num += wa * all[i]; den += wa;
        if (withWeek) { const ww = Math.exp(logWeek[i] - best); num += ww * week[i]; den += ww; }
      }
      return num / den;
    }
    if (m >= WEEK) {
      for (let i = 0; i < M; i++) {
        logAll[i] += Math.log(kept[m] ? all[i] : 1 - all[i]);
        logWeek[i] += Math.log(kept[m] ? week[i] : 1 - week[i]);
      }
    }
    for (let i = 0; i < M; i++) { keptW[i] = keptW[i] * decay[i] + (kept[m] ? 1 : 0); totalW[i] = totalW[i] * decay[i] + 1; }
  }
  return NaN; // not reached: the loop returns at m = n
}

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
