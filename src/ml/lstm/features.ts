/**
 * Turning a series into LSTM windows.
 *
 * Univariate input (a `timestamp,value` series) uses 6 features per step, in this order (UNIVARIATE_FEATURES):
 *   value        min-max scaled with the training part's min and max
 *   tod_sin/cos  time of day (UTC) as a point on the unit circle
 *   dow_sin/cos  day of week (UTC) likewise
 *   value_lag    the scaled value one season (one day) earlier — or the previous step when the history is shorter than
 *                two seasons — so the network sees "what happened at this time yesterday" without a 288-step window.
 * Multivariate input (the 12 service metrics, load level, replica count) is any matrix of named columns: `windowsFromColumns`.
 *
 * The network predicts the change from the last observed value, scaled by the training range. The seasonal lag feature
 * is *led* by the chunk length so yesterday's values at the predicted times are inside the window. Measured alternatives
 * (docs/LSTM.md): a target relative to the seasonal-naive value, with or without the lead, trained to ~zero output and
 * did no better than seasonal-naive on a seeded AR + daily-cycle series; this target cut the validation error by ~25%.
 */
import type { Series } from '../../core/series';

export const UNIVARIATE_FEATURES = ['value', 'tod_sin', 'tod_cos', 'dow_sin', 'dow_cos', 'value_lag'] as const;

export interface MinMax { min: number; max: number }

export function fitMinMax(v: ArrayLike<number>, from = 0, to = v.length): MinMax {
  let min = Infinity, max = -Infinity;
  for (let i = from; i < to; i++) { const x = v[i]; if (Number.isFinite(x)) { if (x < min) min = x; if (x > max) max = x; } }
  if (!Number.isFinite(min)) return { min: 0, max: 1 };
  return { min, max: max > min ? max : min + 1 };
}

export const scale = (s: MinMax, x: number): number => (x - s.min) / (s.max - s.min);
export const unscale = (s: MinMax, x: number): number => s.min + x * (s.max - s.min);

/** A series on a regular grid: gaps filled by linear interpolation and counted. */
export interface Regular { t0: number; step: number; v: Float64Array; filled: number }

export function regularize(s: Series, step: number): Regular {
  const n = s.t.length;
  if (n === 0) return { t0: 0, step, v: new Float64Array(0), filled: 0 };
  const t0 = s.t[0];
  const len = Math.round((s.t[n - 1] - t0) / step) + 1;
  const v = new Float64Array(len).fill(NaN);
  for (let i = 0; i < n; i++) {
    const k = Math.round((s.t[i] - t0) / step);
    if (k >= 0 && k < len) v[k] = s.v[i];
  }
  let filled = 0, last = -1;
  for (let k = 0; k < len; k++) {
    if (Number.isNaN(v[k])) continue;
    if (last >= 0 && k - last > 1) {
      for (let j = last + 1; j < k; j++) { v[j] = v[last] + ((v[k] - v[last]) * (j - last)) / (k - last); filled++; }
    }
    last = k;
  }
  return { t0, step, v, filled };
}

export function seasonPeriod(step: number, length: number, window: number): number {
  const p = Math.round(86400 / step);
  // A seasonal lag is only useful when at least two seasons plus a window are there to learn from.
  return p >= 2 && length >= 3 * p + window ? p : 0;
}

/** Baseline of the targets: the last known value (observable at prediction time). */
export function baselineAt(v: ArrayLike<number>, known: number): number {
  return v[known - 1];
}

/**
 * Writes the 6 univariate features of absolute index k (time tk) into out[o..o+6).
 * The seasonal lag is *led* by `lead` steps (the chunk length): step k carries v[k + lead - period], so the last `lead`
 * steps of a window hold yesterday's values at exactly the times being predicted.
 */
export function univariateStep(v: ArrayLike<number>, k: number, tk: number, period: number, lead: number, s: MinMax, out: Float32Array, o: number): void {
  const tod = (2 * Math.PI * (((tk % 86400) + 86400) % 86400)) / 86400;
  const dow = (2 * Math.PI * ((((Math.floor(tk / 86400) + 3) % 7) + 7) % 7)) / 7; // 0 = Monday
  out[o] = scale(s, v[k]);
  out[o + 1] = Math.sin(tod); out[o + 2] = Math.cos(tod);
  out[o + 3] = Math.sin(dow); out[o + 4] = Math.cos(dow);
  const lag = period > 0 ? k + lead - period : k - 1;
  out[o + 5] = scale(s, v[Math.max(0, lag)]);
}

/**
 * Windows ending at indices `ends` (the window covers [end-steps+1, end]); targets are the next `outputs` values as scaled
 * deviations from the baseline. Returns sample-major x [n][steps][6] and y [n][outputs].
 */
export function univariateWindows(
  r: Regular, ends: number[], steps: number, outputs: number, period: number, s: MinMax,
): { x: Float32Array; y: Float32Array; n: number } {
  const D = UNIVARIATE_FEATURES.length;
  const x = new Float32Array(ends.length * steps * D);
  const y = new Float32Array(ends.length * outputs);
  const range = s.max - s.min;
  ends.forEach((end, i) => {
    for (let j = 0; j < steps; j++) {
      const k = end - steps + 1 + j;
      univariateStep(r.v, k, r.t0 + k * r.step, period, outputs, s, x, (i * steps + j) * D);
    }
    for (let h = 0; h < outputs; h++) {
      const k = end + 1 + h;
      y[i * outputs + h] = k < r.v.length ? (r.v[k] - baselineAt(r.v, end + 1)) / range : 0;
    }
  });
  return { x, y, n: ends.length };
}

/**
 * Multivariate windows from named, equally long columns (e.g. the 12 metrics + load + replicas): each column is min-max
 * scaled with `scalers` (fit them on the training part with `fitMinMax`), the window covers [end-steps+1, end].
 */
export function windowsFromColumns(columns: Float64Array[], scalers: MinMax[], ends: number[], steps: number): Float32Array {
  const D = columns.length;
  const x = new Float32Array(ends.length * steps * D);
  ends.forEach((end, i) => {
    for (let j = 0; j < steps; j++) {
      const k = end - steps + 1 + j;
      for (let d = 0; d < D; d++) x[(i * steps + j) * D + d] = scale(scalers[d], columns[d][k]);
    }
  });
  return x;
}
