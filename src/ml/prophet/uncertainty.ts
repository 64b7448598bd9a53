/**
 * Prophet's prediction band (R 1.0 `sample_predictive_trend` + `sample_model`, MAP case): each sample draws new
 * future changepoints from a Poisson process with the history's changepoint rate (S per unit of scaled time)
 * on (1, T], magnitudes Laplace(0, mean|δ| + 1e-8), and adds Gaussian observation noise σ_obs. The band is the
 * type-7 quantile pair of the samples at each time. Rows must be sorted by time: the simulation walks them once.
 */
import { Rng } from '../../core/random';
import { fillNormals, quantilesInPlace } from './sampling';

export interface BandInput {
  /** Scaled times of the rows to predict (sorted ascending). */
  readonly t: Float64Array;
  /** Point forecast in scaled units (MAP trend + seasonality). */
  readonly yhat: Float64Array;
  /** Number of potential changepoints of the fit (Prophet's S; 1 for the dummy). */
  readonly changepointCount: number;
  readonly delta: Float64Array;
  readonly sigma: number;
  readonly samples: number;
  readonly intervalWidth: number;
  readonly seed: number;
}

/** Lower and upper band in scaled units. */
export function simulateBand(inp: BandInput): { lower: Float64Array; upper: Float64Array } {
  const h = inp.t.length;
  const S = inp.samples;
  const lower = new Float64Array(h);
  const upper = new Float64Array(h);
  if (h === 0) return { lower, upper };
  if (S === 0) { lower.set(inp.yhat); upper.set(inp.yhat); return { lower, upper }; }
  const rng = new Rng(inp.seed);
  let tMax = -Infinity;
  for (let i = 0; i < h; i++) tMax = Math.max(tMax, inp.t[i]);
  let meanAbs = 0;
  for (let j = 0; j < inp.delta.length; j++) meanAbs += Math.abs(inp.delta[j]);
  const lambda = (inp.delta.length ? meanAbs / inp.delta.length : 0) + 1e-8;
  const rate = tMax > 1 ? inp.changepointCount * (tMax - 1) : 0;
  // Each sample's new changepoints (sorted times, magnitudes), stored flat with per-sample offsets.
  const offsets = new Int32Array(S + 1);
  const counts = new Int32Array(S);
  for (let s = 0; s < S; s++) counts[s] = rate > 0 ? poisson(rng, rate) : 0;
  for (let s = 0; s < S; s++) offsets[s + 1] = offsets[s] + counts[s];
  const times = new Float64Array(offsets[S]);
  const mags = new Float64Array(offsets[S]);
  for (let s = 0; s < S; s++) {
    // As R: sorted uniform times on (1, T], then i.i.d. Laplace magnitudes in that order.
    const ts = times.subarray(offsets[s], offsets[s + 1]);
    for (let c = 0; c < ts.length; c++) ts[c] = 1 + rng.next() * (tMax - 1);
    ts.sort();
    for (let c = offsets[s]; c < offsets[s + 1]; c++) mags[c] = laplace(rng, lambda);
  }
  // Walk the rows in time order keeping, per sample, the summed slope change and intercept of the changepoints
  // passed so far: memory O(samples + changepoints), not O(rows × samples), so long horizons stay cheap.
  const ptr = Int32Array.from(offsets.subarray(0, S));
  const slope = new Float64Array(S);
  const icpt = new Float64Array(S);
  const row = new Float64Array(S);
  const noise = new Float64Array(S);
  const qs = [(1 - inp.intervalWidth) / 2, (1 + inp.intervalWidth) / 2];
  const q = new Float64Array(2);
  for (let i = 0; i < h; i++) {
    const ti = inp.t[i];
    const base = inp.yhat[i];
    fillNormals(rng, noise);
    for (let s = 0; s < S; s++) {
      let p = ptr[s];
      const end = offsets[s + 1];
      while (p < end && times[p] <= ti) { slope[s] += mags[p]; icpt[s] += mags[p] * times[p]; p++; }
      ptr[s] = p;
      row[s] = base + slope[s] * ti - icpt[s] + inp.sigma * noise[s];
    }
    quantilesInPlace(row, qs, q);
    lower[i] = q[0];
    upper[i] = q[1];
  }
  return { lower, upper };
}

/** Poisson(mean) by Knuth's product method, in chunks so exp(−mean) never underflows for long horizons. */
export function poisson(rng: Rng, mean: number): number {
  let n = 0;
  let rest = mean;
  while (rest > 0) {
    const chunk = Math.min(rest, 30);
    rest -= chunk;
    const limit = Math.exp(-chunk);
    let prod = rng.next();
    while (prod > limit) { n++; prod *= rng.next(); }
  }
  return n;
}

function laplace(rng: Rng, scale: number): number {
  for (;;) {
    const v = rng.laplace(scale);
    if (Number.isFinite(v)) return v; // u = −0.5 exactly gives −∞ (probability 2⁻³²): redraw
  }
}
