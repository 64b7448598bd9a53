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
 * Weekly candidates. A series with a weekly pattern (weekdays high, weekends low) defeats every median of the last days:
 * on Saturday they read Friday, on Monday the weekend. So the baseline also offers the same weekday: the median of the
 * same time of day on the same weekday over the last w weeks (w = 1: weekly seasonal-naive). It is carried through the
 * same `days` parameter as a negative count, days = −w (weeklyDays), so every reader of the baseline (baselineMedianAt,
 * levelOutside, seasonalMedianForecast, describeBaseline, the fusion's anchor and band windows) takes it unchanged. A
 * weekly pattern shows only at the weekday/weekend edges, which 3 consecutive one-day holdout windows may all miss (Tue–
 * Thu), so a weekly candidate is scored against the best daily candidate on a week of windows (WEEKLY_HOLDOUT_DAYS) and
 * replaces the daily winner only when it errs less than half as much there (WEEKLY_MARGIN; against the best daily one, as a
 * one-off burst on a flat series costs the 1-day median twice, the miss and its repeat, and the weekly one once); it needs its w weeks before the earliest of those
 * windows (two weeks of history for w = 1). The margin: a weekly pattern worth reading shows as a several-fold error of
 * the daily medians at the weekday/weekend edges (the generated series of the unit test: 0.2×), while on the Bitbrains
 * traces, which have none, a weekly candidate won a week of windows by chance by up to 0.73× and then forecast the next
 * day worse (with "strictly better" as the rule 7 of 24 switched: one's baseline MASE 0.93 → 2.14, the cpu group's fused
 * MASE 0.554 → 0.578; BENCHMARKS.md § "Weekly baseline"). For a level shift it lags (a week-old value reads the old level for a week) the last week is scanned
 * (weeklyShiftDays).
 *
 * Filled points (a gap interpolated by onRegularGrid, passed here as NaN by observedValues) are no data: the median at a
 * time of day is over the observed values among its k days; where all k are filled, the nearest earlier day observed
 * at that time stands in (else the last observed value), and a holdout window is scored on its observed points only.
 */
import type { Forecast } from './forecast-types';
import { levelShiftAt, outsideRecentDays, type LevelShift } from './level-shift';
import { historyFloor } from './history-floor';

/** Day counts the baseline chooses between. */
export const BASELINE_DAYS = [1, 3, 7] as const;
/** Week counts of the same-weekday candidates (header, "Weekly candidates"). */
export const BASELINE_WEEKS = [1, 2, 3] as const;
/** Days of holdout windows a weekly candidate is scored on against the best daily candidate: one of each weekday. */
export const WEEKLY_HOLDOUT_DAYS = 7;
/**
 * A weekly candidate replaces the daily winner only when its error over the week of windows is below this share of the
 * best daily candidate's there (header, "Weekly candidates").
 */
export const WEEKLY_MARGIN = 0.5;

/** The `days` value of the same-weekday median over the last `weeks` weeks (a negative count). */
export const weeklyDays = (weeks: number): number => -weeks;
/** Weeks of a same-weekday baseline `days` value, or 0 for a median of the last days. */
export const weeksOf = (days: number): number => (days < 0 ? -days : 0);
/**
 * The `days` levelShiftAt scans for (level-shift.ts laggedDays): a k-day median's own, and for a same-weekday median the
 * last week (13 → 7 days), which a week-old value lags a shift by.
 */
const shiftDays = (days: number): number => (days < 0 ? 13 : days);

/** The level shift baselineMedianAt re-levels for at `start` (its day count, a weekly one's included), if any. */
export function baselineShiftAt(v: ArrayLike<number>, start: number, period: number, days = 1): LevelShift | undefined {
  return levelShiftAt(v, start, period, shiftDays(days));
}

export interface BaselineChoice {
  /** Days the median is taken over (1 = seasonal-naive); negative, −w: the same weekday over the last w weeks. */
  days: number;
  /** Mean holdout MAE of each candidate that had enough history, by its day count. */
  scores: Record<number, number>;
  /**
   * When a weekly candidate had the history: the mean MAE over WEEKLY_HOLDOUT_DAYS days of windows of each daily
   * candidate that had the history there and of each weekly candidate, by day count.
   */
  weekScores?: Record<number, number>;
}

/**
 * Baseline values for v[start .. start+len): for step i the median of v[start + (i mod period) − j·period], j = 1..days,
 * over those ≥ 0. Reads only values before `start`. Period < 2 or start < period: the last value before start.
 */
export function seasonalMedianAt(v: ArrayLike<number>, start: number, len: number, period: number, days = 1): Float64Array {
  if (days < 0) return weekdayMedianAt(v, start, len, period, -days);
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
 * The same-weekday baseline for v[start .. start+len) (period P = one day): for step i the median of the values a week,
 * two, … `weeks` weeks before it at the same time of day, over those observed; with none of them (under a week of
 * history, or all filled), the nearest earlier week observed there, else the daily seasonal-naive value.
 */
function weekdayMedianAt(v: ArrayLike<number>, start: number, len: number, P: number, weeks: number): Float64Array {
  const daily = seasonalMedianAt(v, start, len, P, 1);
  if (P < 2) return daily;
  const W = 7 * P, out = new Float64Array(len), xs: number[] = [];
  for (let i = 0; i < len; i++) {
    xs.length = 0;
    const phase = start + (i % W);
    for (let j = 1; j <= weeks && phase - j * W >= 0; j++) { const x = v[phase - j * W]; if (Number.isFinite(x)) xs.push(x); }
    for (let j = weeks + 1; !xs.length && phase - j * W >= 0; j++) { const x = v[phase - j * W]; if (Number.isFinite(x)) xs.push(x); }
    out[i] = xs.length ? median(xs) : daily[i];
  }
  return out;
}

/**
 * Why a model's forecast `f` from `start` is at a level the (re-levelled) history does not show (level-shift.ts,
 * outsideRecentDays), or undefined.
 */
export function levelOutside(v: ArrayLike<number>, start: number, period: number, days: number, f: ArrayLike<number>): string | undefined {
  const shift = levelShiftAt(v, start, period, shiftDays(days));
  return outsideRecentDays(shift ? relevelled(v, start, shift) : v, start, period, f)
    ? `forecasts a level outside the last days' range at the same time of day${shift ? ' (after the level shift)' : ''} at nine leads of ten` : undefined;
}

/**
 * seasonalMedianAt after a level shift the median would lag (level-shift.ts): the values before the shift read at the new
 * level. Without such a shift, identical to seasonalMedianAt.
 */
export function baselineMedianAt(v: ArrayLike<number>, start: number, len: number, period: number, days = 1): Float64Array {
  const shift = baselineShiftAt(v, start, period, days);
  return seasonalMedianAt(shift ? relevelled(v, start, shift) : v, start, len, period, days);
}

/**
 * After a level shift the baseline re-levels for at `start` (baselineShiftAt): each observed point of the run at the new
 * level (v[shift.at .. start), but for leading points still at the old level) minus the baseline's value for it from
 * the re-levelled days before it — the baseline's error at the new level, had it known the shift (NaN at a filled point). Undefined without a shift. The fused band's
 * calibration windows come from before the shift (those that straddle it are left out: band-calibration.ts § After a level
 * shift), and a series that sat still at its old level (idle at 0, then a daily pattern from 12 hours before the origin)
 * erred there by nothing: these residuals are the only ones that show the new level's spread.
 */
export function shiftRunResiduals(v: ArrayLike<number>, start: number, period: number, days = 1): Float64Array | undefined {
  const shift = baselineShiftAt(v, start, period, days);
  if (!shift) return undefined;
  const moved = relevelled(v, start, shift);
  // The detector's run may begin with a few points still at the old level (level-shift.ts: up to a tenth of it may lie
  // inside the reference range): those leading ones closer to the old level's baseline than to the new are left out.
  let from = shift.at;
  while (from < start && !(Number.isFinite(v[from]) && Math.abs(v[from] - seasonalMedianAt(moved, from, 1, period, days)[0]) <= Math.abs(v[from] - seasonalMedianAt(v, from, 1, period, days)[0]))) from++;
  return Float64Array.from({ length: start - from }, (_, i) => {
    const j = from + i;
    return Number.isFinite(v[j]) ? v[j] - seasonalMedianAt(moved, j, 1, period, days)[0] : NaN;
  });
}

/**
 * v[0..start) with the values before `shift.at` moved by its offset (floored at history-floor.ts's floor: 0 when none was
 * below 0, the lowest value when the series is below 0 only as noise), or, for a
 * multiplicative shift (level-shift.ts: the new days' swing scaled with their level), multiplied by its ratio, so the
 * older days carry the new daily swing too.
 */
export function relevelled(v: ArrayLike<number>, start: number, shift: LevelShift): Float64Array {
  const out = Float64Array.from({ length: start }, (_, i) => v[i]);
  if (shift.ratio !== undefined) {
    for (let i = 0; i < shift.at; i++) out[i] *= shift.ratio;
    return out;
  }
  const floor = historyFloor(out);
  for (let i = 0; i < shift.at; i++) out[i] = Math.max(floor, out[i] + shift.offset);
  return out;
}

/**
 * Picks the day count with the lowest mean MAE over `holdoutDays` consecutive windows of `len` steps ending at the end of
 * `v`; then, where the history allows, a same-weekday candidate (`weeks`) replaces it when it errs less than WEEKLY_MARGIN
 * times the best daily candidate over a week of windows (header, "Weekly candidates").
 */
export function chooseBaselineDays(
  v: ArrayLike<number>, period: number, len: number, holdoutDays = 3, candidates: readonly number[] = BASELINE_DAYS, weeks: readonly number[] = BASELINE_WEEKS,
): BaselineChoice {
  const n = v.length;
  const scores: Record<number, number> = {};
  if (period < 2 || len < 1) return { days: 1, scores };
  let windows = 0;
  while (windows < holdoutDays && n - (windows + 1) * len >= period) windows++;
  if (windows === 0) return { days: 1, scores };
  /** Mean MAE of candidate k over the last `w` windows (observed points only: a filled one, NaN, is no data). */
  const score = (k: number, w: number): number | undefined => {
    let e = 0, count = 0;
    for (let d = 1; d <= w; d++) {
      const start = n - d * len;
      const f = baselineMedianAt(v, start, len, period, k);
      for (let i = 0; i < len; i++) if (Number.isFinite(v[start + i])) { e += Math.abs(f[i] - v[start + i]); count++; }
    }
    return count ? e / count : undefined;
  };
  let best = 1, bestScore = Infinity;
  for (const k of candidates) {
    if (k > 1 && n - windows * len - k * period < 0) continue;
    const s = score(k, windows);
    if (s === undefined) continue;
    scores[k] = s;
    // A longer median must be better by more than rounding to replace a shorter one.
    if (bestScore === Infinity || s < bestScore * (1 - 1e-9)) { best = k; bestScore = s; }
  }
  // The weekly candidates: a week of windows, each with its w weeks of history before the earliest, against the best
  // daily candidate over the same windows (not only the 3-window winner: on a flat series a one-off burst costs the
  // 1-day median twice, the miss and its repeat a day later, and a weekly candidate once, 0.5x, where a longer median
  // costs the same once).
  const weekWindows = Math.ceil((WEEKLY_HOLDOUT_DAYS * period) / len);
  const fits = weeks.filter((w) => w >= 1 && n - weekWindows * len - w * 7 * period >= 0);
  if (!fits.length) return { days: best, scores };
  const weekScores: Record<number, number> = {};
  let dailyScore = Infinity;
  for (const k of candidates) {
    if (n - weekWindows * len - k * period < 0) continue;
    const s = score(k, weekWindows);
    if (s === undefined) continue;
    weekScores[k] = s;
    dailyScore = Math.min(dailyScore, s);
  }
  if (dailyScore === Infinity) return { days: best, scores };
  let weekBest = best, weekBestScore = dailyScore;
  for (const w of fits) {
    const k = weeklyDays(w), s = score(k, weekWindows);
    if (s === undefined) continue;
    weekScores[k] = s;
    if (s < WEEKLY_MARGIN * dailyScore && s < weekBestScore * (1 - 1e-9)) { weekBest = k; weekBestScore = s; }
  }
  return { days: weekBest, scores, weekScores };
}

/** The baseline forecast of `horizon` steps after `v` (timestamps `t`), as a zero-width Forecast. */
export function seasonalMedianForecast(v: ArrayLike<number>, horizon: number, period: number, days: number, t: Float64Array): BaselineForecast {
  const mean = new Float64Array(horizon);
  const n = v.length;
  let recentResidual: Float64Array | undefined;
  if (period >= 2 && n >= 2 * period) {
    // How the last day's observations stood against this baseline made a day before them (fusion.ts, "Carried level").
    const before = baselineMedianAt(v, n - period, period, period, days);
    recentResidual = Float64Array.from(before, (b, j) => v[n - period + j] - b);
  }
  if (period >= 2 && n >= period) {
    // Beyond one period (a week for a same-weekday median) the baseline repeats its own first period (the median reads
    // observed values only).
    const span = days < 0 ? 7 * period : period;
    const day = baselineMedianAt(v, n, Math.min(span, horizon), period, days);
    for (let i = 0; i < horizon; i++) mean[i] = day[i % span];
  } else {
    mean.fill(v[n - 1]);
  }
  const floor = historyFloor(v);
  return { t, mean, lower: mean, upper: mean, intervalWidth: 0, ...(recentResidual ? { recentResidual } : {}), ...(floor > -Infinity ? { floor } : {}) };
}

/**
 * The seasonal baseline's forecast, with `recentResidual` when the history holds two periods: the last period's
 * observations minus the baseline's values for them made at its start (NaN at a filled point), the evidence the fused
 * forecast's carried level is checked against (fusion.ts, "Carried level"), and `floor`, the level it stops at.
 */
export interface BaselineForecast extends Forecast {
  readonly recentResidual?: Float64Array;
  /** The history's floor (history-floor.ts) when it has one: the fused forecast's carried level stops there. */
  readonly floor?: number;
}

/**
 * The baseline choice as the fused model's `fitted` JSON says it: `baseline` in words; `baselineDays` for a median of the
 * last days, `baselineWeeks` (and no `baselineDays`) for the same weekday; `baselineScores` the 3-window scores by day
 * count and, when weekly candidates were scored, `week`: each candidate's over the week of windows ("1d", "7d", "1w", …).
 */
export function baselineFitted(choice: BaselineChoice): { baseline: string; baselineDays?: number; baselineWeeks?: number; baselineScores: Record<string, unknown> } {
  const w = weeksOf(choice.days);
  const week = choice.weekScores
    ? Object.fromEntries(Object.entries(choice.weekScores).map(([k, s]) => [weeksOf(Number(k)) ? `${weeksOf(Number(k))}w` : `${k}d`, s]))
    : undefined;
  return {
    baseline: describeBaseline(choice.days), ...(w ? { baselineWeeks: w } : { baselineDays: choice.days }),
    baselineScores: { ...choice.scores, ...(week ? { week } : {}) },
  };
}

export function describeBaseline(days: number): string {
  const w = weeksOf(days);
  if (w) return w === 1 ? 'weekly seasonal-naive (the same weekday a week back)' : `median of the same weekday over the last ${w} weeks at the same time of day`;
  return days === 1 ? 'seasonal-naive (yesterday repeated)' : `median of the last ${days} days at the same time of day`;
}

function median(xs: number[]): number {
  if (xs.length === 1) return xs[0];
  const s = xs.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
