/**
 * The seasonal baseline the fusion is anchored on: the median of the values at the same time of day over the last k days,
 * k picked per series by rolling-origin holdout error.
 *
 * k = 1 is seasonal-naive (yesterday repeated): it follows a level change at once but repeats yesterday's noise and
 * anomalies. The median of 3 or 7 days ignores one odd day and averages the noise out, but lags a level change by days.
 * Which matters more is a property of the series, so it is measured: each candidate forecasts the last `holdoutDays`
 * windows (each from the history before it, as it would have been used) and the lowest mean MAE wins; ties go to fewer days.
 * A candidate needs its k days before the earliest holdout window; with a period under 2 steps or too little history the
 * baseline is the last value. The fusion reads it through baselineMedianAt: after a level shift the median would lag
 * (level-shift.ts) the history before the shift is read at the new level.
 *
 * Filled points (a gap interpolated by onRegularGrid, passed here as NaN by observedValues) are no data: the median at a
 * time of day is over the observed values among its k days; where all k are filled, the nearest earlier day observed
 * at that time stands in (else the last observed value), and a holdout window is scored on its observed points only.
 */
import type { Forecast } from './forecast-types';
import { levelShiftAt, outsideRecentDays, type LevelShift } from './level-shift';

/** Day counts the baseline chooses between. */
export const BASELINE_DAYS = [1, 3, 7] as const;

export interface BaselineChoice {
  /** Days the median is taken over (1 = seasonal-naive). */
  days: number;
  /** Mean holdout MAE of each candidate that had enough history, by its day count. */
  scores: Record<number, number>;
}

/**
 * Baseline values for v[start .. start+len): for step i the median of v[start + (i mod period) − j·period], j = 1..days,
 * over those ≥ 0. Reads only values before `start`. Period < 2 or start < period: the last value before start.
 */
export function seasonalMedianAt(v: ArrayLike<number>, start: number, len: number, period: number, days = 1): Float64Array {
  const out = new Float64Array(len);
  let last = v[start - 1];
  for (let k = start - 2; !Number.isFinite(last) && k >= 0; k--) last = v[k];
  if (period < 2 || start < period) return out.fill(last);
  const xs: number[] = [];
  for (let i = 0; i < len; i++) {
    xs.length = 0;
    const phase = start + (i % period);
    for (let j = 1; j <= days && phase - j * period >= 0; j++) { const x = v[phase - j * period]; if (Number.isFinite(x)) xs.push(x); }
    // Every one of the k days filled at this time of day: the nearest earlier day observed at it, else the last value.
    for (let j = days + 1; !xs.length && phase - j * period >= 0; j++) { const x = v[phase - j * period]; if (Number.isFinite(x)) xs.push(x); }
    out[i] = xs.length ? median(xs) : last;
  }
  return out;
}

/**
 * Why a model's forecast `f` from `start` is at a level the (re-levelled) history does not show (level-shift.ts,
 * outsideRecentDays), or undefined.
 */
export function levelOutside(v: ArrayLike<number>, start: number, period: number, days: number, f: ArrayLike<number>): string | undefined {
  const shift = levelShiftAt(v, start, period, days);
  return outsideRecentDays(shift ? relevelled(v, start, shift) : v, start, period, f)
    ? `forecasts a level outside the last days' range at the same time of day${shift ? ' (after the level shift)' : ''} at nine leads of ten` : undefined;
}

/**
 * seasonalMedianAt after a level shift the median would lag (level-shift.ts): the values before the shift read at the new
 * level. Without such a shift, identical to seasonalMedianAt.
 */
export function baselineMedianAt(v: ArrayLike<number>, start: number, len: number, period: number, days = 1): Float64Array {
  const shift = levelShiftAt(v, start, period, days);
  return seasonalMedianAt(shift ? relevelled(v, start, shift) : v, start, len, period, days);
}

/**
 * v[0..start) with the values before `shift.at` moved by its offset (floored at 0 when none was below 0), or, for a
 * multiplicative shift (level-shift.ts: the new days' swing scaled with their level), multiplied by its ratio, so the
 * older days carry the new daily swing too.
 */
export function relevelled(v: ArrayLike<number>, start: number, shift: LevelShift): Float64Array {
  const out = Float64Array.from({ length: start }, (_, i) => v[i]);
  if (shift.ratio !== undefined) {
    for (let i = 0; i < shift.at; i++) out[i] *= shift.ratio;
    return out;
  }
  let nonNegative = true;
  for (let i = 0; i < start; i++) if (out[i] < 0) { nonNegative = false; break; }
  for (let i = 0; i < shift.at; i++) out[i] = nonNegative ? Math.max(0, out[i] + shift.offset) : out[i] + shift.offset;
  return out;
}

/** Picks the day count with the lowest mean MAE over `holdoutDays` consecutive windows of `len` steps ending at the end of `v`. */
export function chooseBaselineDays(v: ArrayLike<number>, period: number, len: number, holdoutDays = 3, candidates: readonly number[] = BASELINE_DAYS): BaselineChoice {
  const n = v.length;
  const scores: Record<number, number> = {};
  if (period < 2 || len < 1) return { days: 1, scores };
  let windows = 0;
  while (windows < holdoutDays && n - (windows + 1) * len >= period) windows++;
  if (windows === 0) return { days: 1, scores };
  let best = 1, bestScore = Infinity;
  for (const k of candidates) {
    if (k > 1 && n - windows * len - k * period < 0) continue;
    let e = 0, count = 0;
    for (let d = 1; d <= windows; d++) {
      const start = n - d * len;
      const f = baselineMedianAt(v, start, len, period, k);
      // Observed points only (a filled one, NaN, is no data to score on).
      for (let i = 0; i < len; i++) if (Number.isFinite(v[start + i])) { e += Math.abs(f[i] - v[start + i]); count++; }
    }
    if (!count) continue;
    scores[k] = e / count;
    // A longer median must be better by more than rounding to replace a shorter one.
    if (bestScore === Infinity || scores[k] < bestScore * (1 - 1e-9)) { best = k; bestScore = scores[k]; }
  }
  return { days: best, scores };
}

/** The baseline forecast of `horizon` steps after `v` (timestamps `t`), as a zero-width Forecast. */
export function seasonalMedianForecast(v: ArrayLike<number>, horizon: number, period: number, days: number, t: Float64Array): Forecast {
  const mean = new Float64Array(horizon);
  const n = v.length;
  if (period >= 2 && n >= period) {
    // Beyond one period the baseline repeats its own first period (the median reads observed values only).
    const day = baselineMedianAt(v, n, period, period, days);
    for (let i = 0; i < horizon; i++) mean[i] = day[i % period];
  } else {
    mean.fill(v[n - 1]);
  }
  return { t, mean, lower: mean, upper: mean, intervalWidth: 0 };
}

export function describeBaseline(days: number): string {
  return days === 1 ? 'seasonal-naive (yesterday repeated)' : `median of the last ${days} days at the same time of day`;
}

function median(xs: number[]): number {
  if (xs.length === 1) return xs[0];
  const s = xs.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
