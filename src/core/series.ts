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
