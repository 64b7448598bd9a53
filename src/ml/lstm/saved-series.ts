/**
 * A per-series LSTM saved by "MOrA: Train Models", used by the forecast view instead of training again — when it fits
 * the series: same step, same lookback (window steps), trained on history that ends before the view's holdout (so the
 * fusion's holdout score stays honest) and not long before it. Otherwise the reason, and the caller trains as before.
 *
 * Train Models trains each container's CPU and memory on the view's own series (its panel history at the view's bucket)
 * with the view's holdout run (runLstmWithHoldout): the saved network is the one fitted on the history minus the
 * holdout, so a view opened afterwards scores it on days it never saw.
 */
import * as path from 'node:path';
import { existsSync } from 'node:fs';
import { clean, observedValues, onRegularGrid, type Series } from '../../core/series';
import { quantile } from '../../core/stats';
import type { Forecast } from '../forecast-types';
import { DEFAULT_LSTM_OPTIONS, LstmModel, type LstmState } from './forecaster';
import { holdoutSplit, mae, stampedFrom, type Holdout } from './holdout-run';
import { loadModel } from './persist';

/**
 * A saved model older than this (its training history ends this long before the series does) is not used: trained
 * again instead. The global model's refresh limit (REFRESH_MAX_DAYS in src/pipeline/global-lstm.ts), not tuned.
 */
export const SAVED_SERIES_MAX_AGE_DAYS = 7;

/**
 * How far (as a fraction of the saved scaler's range max − min) the fit part's values may lie beyond the saved min or
 * max before the model is refused as "series level changed". The network only ever saw inputs scaled into [0, 1] by that
 * scaler; a series ×3 (or ×1e9, a unit change) feeds it values far outside, and its forecasts are extrapolation (a probe:
 * holdout MAE 0.77 instead of 0.25 at ×3). Half the range on either side, i.e. scaled inputs within [−0.5, 1.5], still
 * admits ordinary drift and the holdout's own peaks (the scaler is fitted on the training part only); chosen as a round
 * bound on the scaled-input domain, not tuned to any dataset. A drop that stays inside the range is caught by the
 * level rule below (SAVED_SERIES_LEVEL_SHIFT).
 */
export const SAVED_SERIES_LEVEL_MARGIN = 0.5;

/**
 * The level rule: the series' typical level now — the median of its last whole day — must lie near the levels of the
 * whole days the model was trained on: the median of each whole day (counted back from the end of the history Train
 * Models had) from the start of its training window (trainedOn.from) to the end of its saved tail, read from this
 * history where it still reaches back that far and from the saved tail for the tail's own span. Refused only when the
 * last day's median lies outside [min, max] of those daily medians widened by the largest of
 *  - SAVED_SERIES_LEVEL_SHIFT × their spread (max − min): a weekday/weekend series trained on both kinds of days has a
 *    wide spread and keeps its range,
 *  - SAVED_SERIES_LEVEL_SHIFT × the bound (min below, max above): a flat series may still drift by a quarter of its level,
 *  - 5% of the saved scaler's range (so an idle series at 0 is not refused for float noise).
 * Whole days against whole days, so a daily cycle compares like with like: a business-hours load (1.0 for 11 h, 0.1 the
 * rest) has a median of 0.1 over any whole day, whatever the hour the series ends at. (The older rule compared the last
 * day with the saved tail alone, ~1.6 days holding two daytime stretches, and refused such series unchanged.)
 * A range check alone (SAVED_SERIES_LEVEL_MARGIN) misses a drop that stays inside the trained range: trained at ~1.0
 * with a burst to 2.0 and a dip to 0.15, a series that now sits at 0.2 is "inside" [0.15, 2.0] but the network only
 * ever saw that level for a few steps. Round bounds on what "the same level" means, not tuned to any dataset. A change
 * that leaves the daily median alone (a business-hours load whose daytime stretch vanished) is not caught.
 */
export const SAVED_SERIES_LEVEL_SHIFT = 0.25;

/** Where Train Models saves a container's model of `metric` under `root` (the extension's global storage + /models). */
export function savedSeriesModelPath(root: string, w: { context: string; namespace: string; kind: string; name: string }, container: string, metric: string): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '_');
  return path.join(root, safe(w.context), safe(w.namespace), `${safe(w.kind)}-${safe(w.name)}`, `${safe(container)}.${metric}.json`);
}

/**
 * The part of a series Train Models trains on: everything before the recommendation engine's checked day (the last
 * whole day before the day the series ends in: checkForecast in src/rightsizing/engine/forecast-choice.ts), which the
 * holdout run then splits once more (the fusion's holdout, the day before). So the saved model has seen neither day a
 * recommendation scores its forecast on — the recommendations can use it from the start (src/pipeline/recommend.ts,
 * savedLstmRoot) — and Show Forecast's holdout, the series' last day, is unseen too. Cut at the series' own end, which
 * is never after the engine's `now`, so the cut is never later than the engine's.
 */
export function savedSeriesTrainingHistory(history: Series): Series {
  const n = history.t.length;
  if (n === 0) return history;
  const cut = Math.floor(history.t[n - 1] / 86400) * 86400 - 86400;
  let k = 0;
  while (k < n && history.t[k] < cut) k++;
  return { t: history.t.subarray(0, k), v: history.v.subarray(0, k) };
}

export type SavedSeriesRun =
  | { used: true; forecast: Forecast; holdout: Holdout; note: string }
  | { used: false; reason: string };

/**
 * The forecast view's LSTM run (forecast of `horizon` steps, holdout score) from the model saved at `file`, without
 * training; or why that model does not fit `history` (none saved, another step or lookback, stale, trained on the holdout,
 * the series' level far outside the range the model was trained on).
 */
export function runSavedSeriesLstm(file: string, history: Series, horizon: number, options: { steps?: number } = {}): SavedSeriesRun {
  if (!existsSync(file)) return { used: false, reason: 'no model saved by Train Models' };
  let model: LstmModel;
  try {
    model = LstmModel.fromJSON(loadModel(file));
  } catch (e) {
    return { used: false, reason: `the saved model cannot be read: ${(e as Error).message}` };
  }
  const s = model.state;
  const cleaned = clean(history).series;
  const grid = onRegularGrid(cleaned), full = grid.series;
  const n = full.t.length;
  if (n < 2) return { used: false, reason: 'too little history' };
  const { fitPart, points, step } = holdoutSplit(full, horizon);
  if (s.step !== step) return { used: false, reason: `saved at a ${s.step} s step, this series is at ${step} s` };
  const steps = options.steps ?? DEFAULT_LSTM_OPTIONS.steps;
  if (s.config.steps !== steps) return { used: false, reason: `saved with ${s.config.steps}-step windows, this forecast uses ${steps}` };
  const holdoutStart = full.t[n - points];
  if (s.trainedOn.to >= holdoutStart) return { used: false, reason: 'the saved model was trained on the days this forecast holds out to score it' };
  const ageDays = (full.t[n - 1] - s.trainedOn.to) / 86400;
  if (ageDays > SAVED_SERIES_MAX_AGE_DAYS) return { used: false, reason: `the saved model's history ends ${ageDays.toFixed(1)} days before this one (more than ${SAVED_SERIES_MAX_AGE_DAYS})` };
  const level = levelChange(fitPart.v, s.scaler) ?? levelShift(full, Math.round(86400 / step), s);
  if (level) return { used: false, reason: `series level changed since Train Models (${level})` };
  let forecast: Forecast, hv: Forecast;
  try {
    hv = model.withHistory(fitPart).predict({ horizon: points });
    // Stamped from the last sample, as the view's trained run (holdout-run.ts stampedFrom) and Prophet's are.
    forecast = stampedFrom(model.withHistory(full).predict({ horizon }), cleaned.t[cleaned.t.length - 1], step);
  } catch (e) {
    return { used: false, reason: (e as Error).message };
  }
  const actual = full.v.subarray(n - points);
  // Scored on the observed points only (a gap's straight line is no data), as the trained run's holdout.
  const holdout: Holdout = { points, t: Array.from(hv.t), actual: Array.from(actual), mean: Array.from(hv.mean), mae: mae(hv.mean, observedValues(full.v, grid.mask).subarray(n - points)) };
  const to = new Date(s.trainedOn.to * 1000).toISOString().slice(0, 16).replace('T', ' ');
  return { used: true, forecast, holdout, note: `LSTM saved by Train Models (trained on history to ${to} UTC, ${s.epochs} epochs), not retrained` };
}

/** Why `v` lies well outside the saved scaler's range (SAVED_SERIES_LEVEL_MARGIN), or undefined when it does not. */
function levelChange(v: ArrayLike<number>, scaler: { min: number; max: number }): string | undefined {
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < v.length; i++) { const x = v[i]; if (Number.isFinite(x)) { if (x < lo) lo = x; if (x > hi) hi = x; } }
  if (!Number.isFinite(lo)) return undefined;
  const margin = SAVED_SERIES_LEVEL_MARGIN * (scaler.max - scaler.min);
  if (lo >= scaler.min - margin && hi <= scaler.max + margin) return undefined;
  const g = (x: number) => x.toPrecision(3);
  return `now ${g(lo)}–${g(hi)}, trained on ${g(scaler.min)}–${g(scaler.max)}`;
}

/**
 * Why the median of the last whole day (`day` points) of `full` lies outside the trained days' medians, widened
 * (SAVED_SERIES_LEVEL_SHIFT), or undefined when it does not.
 */
function levelShift(full: Series, day: number, s: Pick<LstmState, 'trainedOn' | 'tail' | 'scaler' | 'step'>): string | undefined {
  const d = Math.max(1, day);
  const now = quantile(full.v.subarray(Math.max(0, full.v.length - d)), 0.5);
  // What the model was trained on and saved with: the saved tail, and before it this history from the training window's
  // start — when this history still holds the tail's values (the same series: not one saved on other data or in other
  // units, whose past this history cannot stand for).
  const seen: number[] = [];
  if (holdsTail(full, s)) for (let i = 0; i < full.t.length && full.t[i] < s.tail.t0; i++) if (full.t[i] >= s.trainedOn.from) seen.push(full.v[i]);
  seen.push(...s.tail.v);
  const medians: number[] = [];
  for (let e = seen.length; e >= d; e -= d) {
    const m = quantile(seen.slice(e - d, e), 0.5);
    if (Number.isFinite(m)) medians.push(m);
  }
  // Less than a day saved (a model without a daily period): its whole tail as one "day".
  if (medians.length === 0) medians.push(quantile(seen, 0.5));
  const lo = Math.min(...medians), hi = Math.max(...medians);
  if (!Number.isFinite(now) || !Number.isFinite(lo) || !Number.isFinite(hi)) return undefined;
  const widen = (x: number) => Math.max(SAVED_SERIES_LEVEL_SHIFT * (hi - lo), SAVED_SERIES_LEVEL_SHIFT * Math.abs(x), 0.05 * (s.scaler.max - s.scaler.min));
  const from = lo - widen(lo), to = hi + widen(hi);
  if (now >= from && now <= to) return undefined;
  const g = (x: number) => x.toPrecision(3);
  const days = medians.length === 1 ? `the whole day the model was saved with had a median of ${g(lo)}` : `the ${medians.length} whole days the model was trained on had medians ${g(lo)}–${g(hi)}`;
  return `the last day's median is ${g(now)}; ${days}, so ${g(from)}–${g(to)} would fit`;
}

/**
 * Whether `full` holds the saved tail's values at the tail's timestamps: at least 90% of them found within 1% of the saved
 * scaler's range (the tail was despiked and put on the model's grid, so a few may differ). Round bounds, not tuned.
 */
function holdsTail(full: Series, s: Pick<LstmState, 'tail' | 'scaler' | 'step'>): boolean {
  const n = full.t.length, tail = s.tail.v;
  if (n === 0 || tail.length === 0) return false;
  const close = 0.01 * Math.max(s.scaler.max - s.scaler.min, Number.MIN_VALUE);
  let same = 0;
  for (let k = 0, i = 0; k < tail.length; k++) {
    const t = s.tail.t0 + k * s.step;
    while (i < n - 1 && full.t[i] < t - s.step / 2) i++;
    if (Math.abs(full.t[i] - t) <= s.step / 2 && Math.abs(full.v[i] - tail[k]) <= close) same++;
  }
  return same >= 0.9 * tail.length;
}
