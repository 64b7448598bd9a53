/**
 * The LSTM's run as the fusion needs it: trained once on the history minus a holdout (the last min(horizon, one day, 20%)
 * points), scored on that holdout, then continued from the whole history with the same weights. Shared by the `lstm`
 * registry entry (in-process, the CLI) and the worker thread (the extension), so both fuse the same way.
 */
import { clean, medianStep, observedValues, onRegularGrid, type Series } from '../../core/series';
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
  const cleaned = clean(history).series;
  const grid = onRegularGrid(cleaned), full = grid.series;
  const { fitPart, points, step } = holdoutSplit(full, horizon);
  const t0 = performance.now();
  // The grid's filled points (its mask) are no data: the network does not train on windows across them.
  const trained = new LstmForecaster(options).fit(fitPart, { filled: grid.mask?.subarray(0, fitPart.t.length) });
  const hv = trained.predict({ horizon: points });
  const actual = full.v.subarray(full.v.length - points);
  const model = trained.withHistory(full);
  const t1 = performance.now();
  const forecast = stampedFrom(model.predict({ horizon }), cleaned.t[cleaned.t.length - 1], step);
  const holdout: Holdout = { points, t: Array.from(hv.t), actual: Array.from(actual), mean: Array.from(hv.mean),
    // Scored on the observed points only: a gap's straight line (onRegularGrid's mask) is no data.
    mae: mae(hv.mean, observedValues(full.v, grid.mask).subarray(full.v.length - points)) };
  return { model, forecast, holdout, fitMs: t1 - t0, predictMs: performance.now() - t1 };
}

/**
 * The forecast stamped from the last observed sample: its i-th value is the forecast i + 1 steps after it. The network
 * runs on a grid counted from the first sample (features.ts regularize, core/series.ts onRegularGrid), which for
 * jittered timestamps ends up to half a step before or after the last sample, and its forecast was stamped from there:
 * `mora forecast -m all` then printed it in rows stamped by Prophet's (last sample + k·step), up to half a step off
 * (bitbrains_193_cpu_mhz: +47 s). The values are the same; only their stamps move to the ones Prophet's carry.
 */
export function stampedFrom(f: Forecast, lastSample: number, step: number): Forecast {
  const H = f.t.length;
  const shift = lastSample + (H > 1 ? f.t[1] - f.t[0] : step) - f.t[0];
  return H && Number.isFinite(shift) && shift !== 0 ? { ...f, t: f.t.map((x) => x + shift) } : f;
}

/** Mean |a − b| over the points where b (the actual) is a number: a filled point, NaN in b (observedValues), is skipped. NaN without one. */
export function mae(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0, n = 0;
  for (let i = 0; i < a.length; i++) { if (Number.isNaN(b[i])) continue; s += Math.abs(a[i] - b[i]); n++; }
  return n ? s / n : NaN;
}
