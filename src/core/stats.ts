/** Small numeric helpers shared by the engine, baselines, backtest and views. */

/** Linear-interpolated quantile (type 7, as numpy/R default) of the finite values. q in [0, 1]. */
export function quantile(values: ArrayLike<number>, q: number): number {
  const a = finiteSorted(values);
  if (a.length === 0) return NaN;
  return quantileSorted(a, q);
}

export function quantileSorted(a: ArrayLike<number>, q: number): number {
  if (a.length === 0) return NaN;
  const h = (a.length - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(h);
  const hi = Math.min(a.length - 1, lo + 1);
  return a[lo] + (h - lo) * (a[hi] - a[lo]);
}

export function finiteSorted(values: ArrayLike<number>): Float64Array {
  const out: number[] = [];
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) out.push(values[i]);
  return Float64Array.from(out).sort();
}

export function mean(values: ArrayLike<number>): number {
  let s = 0, n = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) { s += values[i]; n++; }
  return n ? s / n : NaN;
}

export function max(values: ArrayLike<number>): number {
  let m = -Infinity;
  for (let i = 0; i < values.length; i++) if (values[i] > m) m = values[i];
  return m === -Infinity ? NaN : m;
}

export function geometricMean(values: ArrayLike<number>): number {
  let s = 0, n = 0;
  for (let i = 0; i < values.length; i++) if (values[i] > 0 && Number.isFinite(values[i])) { s += Math.log(values[i]); n++; }
  return n ? Math.exp(s / n) : NaN;
}
