/**
 * A time series as two parallel typed arrays. Timestamps are Unix seconds (UTC), strictly increasing.
 * Values may contain NaN for missing samples; `clean` drops them and reports how many were lost.
 */
export interface Series {
  readonly t: Float64Array;
  readonly v: Float64Array;
}

export function series(t: ArrayLike<number>, v: ArrayLike<number>): Series {
  if (t.length !== v.length) throw new Error(`series: ${t.length} timestamps but ${v.length} values`);
  return { t: Float64Array.from(t), v: Float64Array.from(v) };
}

export interface CleanResult {
  readonly series: Series;
  readonly dropped: number;
}

/** Drops NaN/±Infinity values and sorts by time (duplicate timestamps keep the last value). */
export function clean(s: Series): CleanResult {
  const idx: number[] = [];
  for (let i = 0; i < s.t.length; i++) if (Number.isFinite(s.v[i]) && Number.isFinite(s.t[i])) idx.push(i);
  idx.sort((a, b) => s.t[a] - s.t[b] || a - b);
  const t: number[] = [];
  const v: number[] = [];
  for (const i of idx) {
    if (t.length && t[t.length - 1] === s.t[i]) { v[v.length - 1] = s.v[i]; continue; }
    t.push(s.t[i]); v.push(s.v[i]);
  }
  return { series: series(t, v), dropped: s.t.length - t.length };
}

/** Median spacing between consecutive timestamps, in seconds (the series' nominal step). */
export function medianStep(s: Series): number {
  if (s.t.length < 2) return NaN;
  const d = new Float64Array(s.t.length - 1);
  for (let i = 1; i < s.t.length; i++) d[i - 1] = s.t[i] - s.t[i - 1];
  d.sort();
  return d[Math.floor(d.length / 2)];
}

/**
 * The series on its own median step's grid, gaps filled by linear interpolation (as the LSTM's windows see it,
 * ml/lstm/features.ts `regularize`). Why: the holdouts and the seasonal baseline count steps — the last `points` values
 * are taken as the last `points` steps, and P values back as yesterday. After a gap (a scrape outage, an 8-hour hole in a
 * CSV) both are false, and members were scored against values from other times. A series without a gap longer than 1.5
 * steps is returned as it is (jittered scrape timestamps are kept), and so is one whose grid would be mostly filled.
 *
 * The grid starts at the first sample (t0 + k·step). `mask` marks the filled points (1 = interpolated, not observed): a
 * straight line across a gap is no data, and what scores, re-levels or calibrates the models reads the observed points
 * only (`observedValues`). (A jittered series' grid can end up to half a step from its last sample; the LSTM's forecast
 * is stamped from that sample, ml/lstm/holdout-run.ts.)
 */
export function onRegularGrid(s: Series): { series: Series; filled: number; mask?: Uint8Array } {
  const n = s.t.length;
  const step = medianStep(s);
  if (n < 3 || !(step > 0)) return { series: s, filled: 0 };
  let gap = false;
  for (let i = 1; i < n && !gap; i++) gap = s.t[i] - s.t[i - 1] > 1.5 * step;
  if (!gap) return { series: s, filled: 0 };
  const t0 = s.t[0];
  const len = Math.round((s.t[n - 1] - t0) / step) + 1;
  // More grid points than twice the samples: the median step is not the series' cadence (samples in bursts, e.g. three
  // replicas' exports merged at +0/+1/+2 s each minute), and filling it would invent most of the series. Left as it is.
  if (len > 2 * n) return { series: s, filled: 0 };
  const v = new Float64Array(len).fill(NaN);
  for (let i = 0; i < n; i++) v[Math.min(len - 1, Math.max(0, Math.round((s.t[i] - t0) / step)))] = s.v[i];
  const mask = new Uint8Array(len);
  let filled = 0;
  for (let k = 0, last = -1; k < len; k++) {
    if (Number.isNaN(v[k])) continue;
    for (let j = last + 1; last >= 0 && j < k; j++) { v[j] = v[last] + ((v[k] - v[last]) * (j - last)) / (k - last); mask[j] = 1; filled++; }
    last = k;
  }
  const t = new Float64Array(len);
  for (let k = 0; k < len; k++) t[k] = t0 + k * step;
  return { series: { t, v }, filled, mask: filled ? mask : undefined };
}

/** `v` with NaN at the points `mask` marks as filled (onRegularGrid): the observed values only. Without a mask, `v` itself. */
export function observedValues(v: Float64Array, mask: Uint8Array | undefined): Float64Array {
  if (!mask) return v;
  return v.map((x, i) => (mask[i] ? NaN : x));
}

/**
 * Buckets a series by time: t = each bucket's start (a multiple of `step` from the epoch, so hours start on the hour), the
 * mean or the max of its finite values, and how many there were. Buckets without a finite value are left out: gaps stay
 * gaps. One implementation for the forecast view's panels, the engine's forecast input and `mora forecast --step`.
 */
export function bucketed(t: ArrayLike<number>, v: ArrayLike<number>, step: number, how: 'mean' | 'max'): { series: Series; counts: number[] } {
  const outT: number[] = [], outV: number[] = [], counts: number[] = [];
  let cur = NaN, acc = 0, n = 0;
  const flush = (): void => {
    if (n > 0) { outT.push(cur); outV.push(how === 'mean' ? acc / n : acc); counts.push(n); }
  };
  for (let i = 0; i < t.length; i++) {
    const b = Math.floor(t[i] / step) * step;
    if (b !== cur) { flush(); cur = b; acc = how === 'mean' ? 0 : -Infinity; n = 0; }
    const x = v[i];
    if (!Number.isFinite(x)) continue;
    acc = how === 'mean' ? acc + x : Math.max(acc, x);
    n++;
  }
  flush();
  return { series: { t: Float64Array.from(outT), v: Float64Array.from(outV) }, counts };
}

/** Samples with from <= t < to. */
export function slice(s: Series, from: number, to: number): Series {
  const lo = lowerBound(s.t, from);
  const hi = lowerBound(s.t, to);
  return { t: s.t.subarray(lo, hi), v: s.v.subarray(lo, hi) };
}

export function lowerBound(a: Float64Array, x: number): number {
  let lo = 0, hi = a.length;
  while (lo < hi) { const m = (lo + hi) >>> 1; if (a[m] < x) lo = m + 1; else hi = m; }
  return lo;
}
