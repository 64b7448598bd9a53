/**
 * Prophet's prediction band (R 1.0 `sample_predictive_trend` + `sample_model`, MAP case): each sample draws new
 * future changepoints from a Poisson process with the history's changepoint rate (S per unit of scaled time)
 * on (1, T], magnitudes Laplace(0, mean|δ| + 1e-8), and adds Gaussian observation noise σ_obs. The band is the
 * type-7 quantile pair of the samples at each time. Samples are laid out row-major (time × sample) in one
 * Float64Array so the per-time quantiles select from contiguous memory.
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
  const sim = new Float64Array(h * S);
  let tMax = -Infinity;
  for (let i = 0; i < h; i++) tMax = Math.max(tMax, inp.t[i]);
  let meanAbs = 0;
  for (let j = 0; j < inp.delta.length; j++) meanAbs += Math.abs(inp.delta[j]);
  const lambda = (inp.delta.length ? meanAbs / inp.delta.length : 0) + 1e-8;
  const rate = tMax > 1 ? inp.changepointCount * (tMax - 1) : 0;
  for (let s = 0; s < S; s++) {
    const nNew = rate > 0 ? poisson(rng, rate) : 0;
    for (let c = 0; c < nNew; c++) {
      const tc = 1 + rng.next() * (tMax - 1);
      const d = laplace(rng, lambda);
      // Rows are sorted: find the first row at or after the new changepoint.
      let lo = 0, hi = h;
      while (lo < hi) { const mid = (lo + hi) >>> 1; if (inp.t[mid] < tc) lo = mid + 1; else hi = mid; }
      for (let i = lo; i < h; i++) sim[i * S + s] += d * (inp.t[i] - tc);
    }
  }
  const qs = [(1 - inp.intervalWidth) / 2, (1 + inp.intervalWidth) / 2];
  const q = new Float64Array(2);
  const noise = new Float64Array(S);
  for (let i = 0; i < h; i++) {
    const row = sim.subarray(i * S, (i + 1) * S);
    const base = inp.yhat[i];
    fillNormals(rng, noise);
    for (let s = 0; s < S; s++) row[s] += base + inp.sigma * noise[s];
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
