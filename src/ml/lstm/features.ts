/**
 * Turning a series into LSTM windows.
 *
 * Univariate input (a `timestamp,value` series) uses 6 features per step, in this order (UNIVARIATE_FEATURES):
 *   value        min-max scaled with the training part's min and max, after isolated extremes are replaced (`despike`)
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

/**
 * Isolated extremes (a counter reset, a scrape glitch: one sample of 1e12 in a series of ~1) would otherwise set the
 * min-max range — every normal value then scales to ~0 and the network learns nothing — and enter the windows as inputs
 * and targets. `despike` replaces them by the median of their neighbourhood before scaling, in training and forecasting:
 *
 *   fence      [q01 − K·s, q99 + K·s] of the fitted part, s = q99 − q01 (K = SPIKE_FENCE_K = 100): the bulk of the
 *              series by quantiles that up to 1% of glitches cannot move, widened by 100 times its own spread — a
 *              glitch is orders of magnitude off; real bursts (2–80× a series' level on the tuning traces) stay.
 *   isolated   the value is outside the fence while the median of the ±SPIKE_HALF_WINDOW (5) steps around it is inside:
 *              a level shift or a peak day lasting longer than 5 steps moves that median with it and is kept as it is,
 *              so only bursts of ≤ 5 steps can be replaced. At the very end of the history a jump is kept once its
 *              last SPIKE_CONFIRM_STEPS (3) steps all show it; 1–2 steps there are replaced (a glitch in the latest
 *              scrape would otherwise be the value every forecast starts from).
 *   recurring  kept anyway when the steps around the same time one day earlier or later are outside the fence on the
 *              same side (a daily cron burst is a pattern, not a glitch).
 *
 * A series with nothing outside the fence is left bit-identical, so clean series train and forecast exactly as before.
 * K = 3 replaced real bursts on 7 of the 37 tuning series and moved their forecasts (fused geo-mean MASE 0.504 → 0.512);
 * K = 100 touches none of them and still catches the glitches (docs/LSTM.md § Scaling, BENCHMARKS.md).
 * Between the two, a burst of up to 100 spreads is still min-max scaled as before (normal values keep ≥ 1/200 of the
 * range — compressed, not lost as with 1e12).
 */
export const SPIKE_FENCE_K = 100;
export const SPIKE_HALF_WINDOW = 5;
export const SPIKE_CONFIRM_STEPS = 3;
const SPIKE_QUANTILE = 0.01;

export interface Fence { lo: number; hi: number }

/** The fence of `v[from..to)` (see `despike`); undefined when fewer than 20 finite values are there to fit it. */
export function spikeFence(v: ArrayLike<number>, from = 0, to = v.length, k = SPIKE_FENCE_K): Fence | undefined {
  const a: number[] = [];
  for (let i = from; i < to; i++) if (Number.isFinite(v[i])) a.push(v[i]);
  if (a.length < 20) return undefined;
  const sorted = Float64Array.from(a).sort();
  const lo = sorted[Math.floor(SPIKE_QUANTILE * (sorted.length - 1))];
  const hi = sorted[Math.ceil((1 - SPIKE_QUANTILE) * (sorted.length - 1))];
  const s = hi - lo;
  return { lo: lo - k * s, hi: hi + k * s };
}

/**
 * Replaces, in place, each isolated extreme of `v` (outside `fence`, its ±SPIKE_HALF_WINDOW neighbourhood's median
 * inside, not recurring a day of `stepsPerDay` away) by that median (±Infinity count as extreme, NaN is left). Returns how
 * many were replaced. Decisions are made on the values as given (a replacement does not change its neighbours' test).
 */
export function despike(v: Float64Array, fence: Fence | undefined, stepsPerDay = 0): number {
  if (!fence) return 0;
  const n = v.length, h = SPIKE_HALF_WINDOW;
  const side = (x: number): number => (x > fence.hi ? 1 : x < fence.lo ? -1 : 0);
  const fixes: Array<[number, number]> = [];
  for (let k = 0; k < n; k++) {
    const sk = side(v[k]);
    if (sk === 0) continue;
    const near: number[] = [];
    for (let j = Math.max(0, k - h); j <= Math.min(n - 1, k + h); j++) if (!Number.isNaN(v[j])) near.push(v[j]);
    if (!near.length) continue;
    near.sort((a, b) => a - b);
    const med = near[Math.floor(near.length / 2)];
    if (side(med) !== 0) continue;
    // A jump at the very end: kept once the run of extremes reaching the last step is SPIKE_CONFIRM_STEPS long.
    let end = k;
    while (end < n && side(v[end]) === sk) end++;
    if (end === n && n - startOfRun(v, k, sk, side) >= SPIKE_CONFIRM_STEPS) continue;
    if (stepsPerDay > h && recurs(v, k, stepsPerDay, sk, side)) continue;
    fixes.push([k, med]);
  }
  for (const [k, m] of fixes) v[k] = m;
  return fixes.length;
}

function startOfRun(v: Float64Array, k: number, sk: number, side: (x: number) => number): number {
  let j = k;
  while (j > 0 && side(v[j - 1]) === sk) j--;
  return j;
}

function recurs(v: Float64Array, k: number, p: number, sk: number, side: (x: number) => number): boolean {
  for (const c of [k - p, k + p]) {
    for (let j = Math.max(0, c - SPIKE_HALF_WINDOW); j <= Math.min(v.length - 1, c + SPIKE_HALF_WINDOW); j++) if (side(v[j]) === sk) return true;
  }
  return false;
}

/**
 * A series on a regular grid: gaps filled by linear interpolation and counted. `mask` (1 = filled, not observed) marks the
 * filled points: the ones filled here and the samples the caller marked as filled (a series already put on a grid by
 * core/series.ts onRegularGrid, whose mask comes with it). Absent when no point is filled.
 */
export interface Regular { t0: number; step: number; v: Float64Array; filled: number; mask?: Uint8Array }

/**
 * `s` on the grid t0 + k·step (t0 = its first sample), gaps filled by a straight line. `filledSamples[i]` = 1 marks sample i
 * of `s` as a filled point itself (the mask onRegularGrid returned with it): it is marked in the grid's `mask` too.
 */
export function regularize(s: Series, step: number, filledSamples?: ArrayLike<number>): Regular {
  const n = s.t.length;
  if (n === 0) return { t0: 0, step, v: new Float64Array(0), filled: 0 };
  const t0 = s.t[0];
  const len = Math.round((s.t[n - 1] - t0) / step) + 1;
  const v = new Float64Array(len).fill(NaN);
  let mask: Uint8Array | undefined;
  for (let i = 0; i < n; i++) {
    const k = Math.round((s.t[i] - t0) / step);
    if (k >= 0 && k < len) {
      v[k] = s.v[i];
      if (filledSamples?.[i]) (mask ??= new Uint8Array(len))[k] = 1;
    }
  }
  let filled = 0, last = -1;
  for (let k = 0; k < len; k++) {
    if (Number.isNaN(v[k])) continue;
    if (last >= 0 && k - last > 1) {
      mask ??= new Uint8Array(len);
      for (let j = last + 1; j < k; j++) { v[j] = v[last] + ((v[k] - v[last]) * (j - last)) / (k - last); mask[j] = 1; filled++; }
    }
    last = k;
  }
  return mask ? { t0, step, v, filled, mask } : { t0, step, v, filled };
}

/**
 * Most of a window's inputs may be filled before it is left out of training (observedWindowEnds): its value steps and the
 * day-earlier values its lag feature reads, counted together. A round half, not tuned.
 */
export const FILLED_INPUT_SHARE = 0.5;

/**
 * The window ends of `ends` (windows of `steps` inputs ending there, `chunk` targets after, seasonal lag `period` led by
 * `chunk` as univariateWindows builds them) whose windows are data rather than a gap's straight line: no target filled,
 * the last input (the value the targets are deviations from) observed, and at most FILLED_INPUT_SHARE of the inputs (value
 * steps and lag values) filled. Without a mask, `ends` itself: a series without a gap trains exactly as before.
 * Why: a network trained on windows across a filled gap learns that the series continues in a straight line.
 */
export function observedWindowEnds(ends: readonly number[], mask: Uint8Array | undefined, steps: number, chunk: number, period: number): number[] {
  if (!mask) return ends.slice();
  const n = mask.length;
  const c = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) c[i + 1] = c[i] + mask[i];
  // Filled points among indices [a, b] (clamped to the series; the lag of an index before 0 reads index 0, as univariateStep does).
  const count = (a: number, b: number): number => {
    const lo = Math.max(0, a), hi = Math.min(n - 1, b);
    return (hi >= lo ? c[hi + 1] - c[lo] : 0) + Math.max(0, Math.min(b, -1) - a + 1) * mask[0];
  };
  const lead = period > 0 ? chunk - period : -1;
  return ends.filter((e) => {
    if (mask[e] || count(e + 1, e + chunk) > 0) return false;
    const inputs = count(e - steps + 1, e) + count(e - steps + 1 + lead, e + lead);
    return inputs <= FILLED_INPUT_SHARE * 2 * steps;
  });
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
