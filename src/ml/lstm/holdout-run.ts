/**
 * The LSTM's run as the fusion needs it: trained once on the history minus a holdout (the last min(horizon, one day, 20%)
 * points), scored on that holdout, then continued from the whole history with the same weights. Shared by the `lstm`
 * registry entry (in-process, the CLI) and the worker thread (the extension), so both fuse the same way.
 */
import { clean, medianStep, onRegularGrid, type Series } from '../../core/series';
import type { Forecast } from '../forecast-types';
import { LstmForecaster, type LstmModel, type LstmOptions } from './forecaster';

export interface Holdout {
  points: number; t: number[]; actual: number[]; mean: number[]; mae: number;
  /** Scored on several consecutive windows of `points` ending at the origin (index d-1 = the window d-1 windows before the last): each one's MAE; `mae` is their mean, `t`/`actual`/`mean` the last window's. */
  windowMaes?: number[];
}

export function holdoutSplit(history: Series, horizon: number): { fitPart: Series; points: number; step: number } {
  const s = clean(history).series;
  const n = s.t.length;
  const step = medianStep(s);
  const period = Math.round(86400 / step);
  const points = Math.max(1, Math.min(horizon, period, Math.floor(n * 0.2)));
  return { fitPart: { t: s.t.subarray(0, n - points), v: s.v.subarray(0, n - points) }, points, step };
}

export interface LstmHoldoutRun {
  /** The trained network continuing from the whole history. */
  model: LstmModel;
  forecast: Forecast;
  holdout: Holdout;
  fitMs: number;
  predictMs: number;
}

export function runLstmWithHoldout(history: Series, horizon: number, options: Partial<LstmOptions>): LstmHoldoutRun {
  const full = onRegularGrid(clean(history).series).series;
  const { fitPart, points } = holdoutSplit(full, horizon);
  const t0 = performance.now();
  const trained = new LstmForecaster(options).fit(fitPart);
  const hv = trained.predict({ horizon: points });
  const actual = full.v.subarray(full.v.length - points);
  const model = trained.withHistory(full);
  const t1 = performance.now();
  const forecast = model.predict({ horizon });
  const holdout: Holdout = { points, t: Array.from(hv.t), actual: Array.from(actual), mean: Array.from(hv.mean), mae: mae(hv.mean, actual) };
  return { model, forecast, holdout, fitMs: t1 - t0, predictMs: performance.now() - t1 };
}

export function mae(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
  return a.length ? s / a.length : NaN;
}
