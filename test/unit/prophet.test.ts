import assert from 'node:assert/strict';
import { Rng } from '../../src/core/random';
import { clean, series, type Series } from '../../src/core/series';
import { quantileSorted } from '../../src/core/stats';
import { fitProphet, ProphetInputError, type ProphetModel } from '../../src/ml/prophet';
import { chooseSeasonalities, makeScaling, placeChangepoints, scaleTime, seasonalFeatures } from '../../src/ml/prophet/design';
import { featureSign, gram, hingeGram, objective, residualSumSquares, type MapProblem } from '../../src/ml/prophet/map-fit';
import { quantilesInPlace, zigguratNormal } from '../../src/ml/prophet/sampling';

const DAY = 86400;
const STEP = 300;
const START = 1_700_000_000 - (1_700_000_000 % DAY); // midnight UTC

/** n points at STEP from START with value f(t) + noise·N(0,1), seeded. */
function gen(n: number, f: (ts: number) => number, noise: number, seed = 1, start = START): Series {
  const rng = new Rng(seed);
  const t = new Float64Array(n), v = new Float64Array(n);
  for (let i = 0; i < n; i++) { t[i] = start + i * STEP; v[i] = f(t[i]) + noise * rng.normal(); }
  return series(t, v);
}

const daily = (amp: number) => (ts: number) => amp * Math.sin((2 * Math.PI * ts) / DAY);
const weekly = (amp: number) => (ts: number) => amp * Math.cos((2 * Math.PI * ts) / (7 * DAY));

function slopeOf(a: Float64Array, t: Float64Array): number {
  return (a[a.length - 1] - a[0]) / (t[t.length - 1] - t[0]);
}

function amplitude(c: Float64Array): number {
  let lo = Infinity, hi = -Infinity;
  for (const x of c) { lo = Math.min(lo, x); hi = Math.max(hi, x); }
  return (hi - lo) / 2;
}

describe('prophet: recovers known structure', () => {
  it('recovers a linear trend slope within 5%', () => {
    // Prophet's Laplace prior still lets noise bend the last segments a little: a few % on 14 days of 5-min data.
    const slopePerDay = 5;
    const s = gen(4032, (ts) => 100 + (slopePerDay * (ts - START)) / DAY + daily(3)(ts), 0.5, 11);
    const m = fitProphet(s);
    const fc = m.predict({ horizon: 288 });
    const slope = slopeOf(fc.components!.trend, fc.t) * DAY;
    assert.ok(Math.abs(slope - slopePerDay) / slopePerDay < 0.05, `slope ${slope} per day, truth ${slopePerDay}`);
  });

  it('locates a slope change and continues with the new slope', () => {
    const change = START + 6 * DAY;
    const f = (ts: number): number => 50 + (2 * (ts - START)) / DAY + (ts > change ? (-6 * (ts - change)) / DAY : 0) + daily(2)(ts);
    const s = gen(4032, f, 0.5, 12);
    const m = fitProphet(s);
    // The rate changes concentrate at the true changepoint: their |delta|-weighted mean time is within half a day.
    let w = 0, wt = 0;
    m.changepointsUnix.forEach((c, j) => { w += Math.abs(m.params.delta[j]); wt += Math.abs(m.params.delta[j]) * c; });
    assert.ok(Math.abs(wt / w - change) < 0.5 * DAY, `changepoint at ${(wt / w - START) / DAY} days, truth 6`);
    const fc = m.predict({ horizon: 288 });
    const slope = slopeOf(fc.components!.trend, fc.t) * DAY;
    assert.ok(Math.abs(slope - -4) < 0.2, `final slope ${slope} per day, truth -4`);
  });

  it('recovers daily and weekly amplitudes within 5%', () => {
    const s = gen(4032, (ts) => 20 + daily(3)(ts) + weekly(2)(ts), 0.5, 13);
    const m = fitProphet(s);
    const fc = m.predict({ horizon: 7 * 288 });
    const d = amplitude(fc.components!.daily);
    const w = amplitude(fc.components!.weekly);
    assert.ok(Math.abs(d - 3) / 3 < 0.05, `daily amplitude ${d}, truth 3`);
    assert.ok(Math.abs(w - 2) / 2 < 0.05, `weekly amplitude ${w}, truth 2`);
  });

  it('the 90% band covers 85–95% of held-out points under Gaussian noise', () => {
    let covered = 0, total = 0;
    for (let seed = 1; seed <= 6; seed++) {
      const all = gen(4032 + 288, (ts) => 10 + (0.3 * (ts - START)) / DAY + daily(2)(ts) + weekly(1)(ts), 1, 100 + seed);
      const n = 4032;
      const m = fitProphet(series(all.t.subarray(0, n), all.v.subarray(0, n)), { seed });
      const fc = m.predictAt(Float64Array.from(all.t.subarray(n)));
      for (let i = 0; i < fc.t.length; i++) { total++; if (all.v[n + i] >= fc.lower[i] && all.v[n + i] <= fc.upper[i]) covered++; }
    }
    const cov = covered / total;
    assert.ok(cov >= 0.85 && cov <= 0.95, `coverage ${cov}`);
  });
});

describe('prophet: the MAP fit', () => {
  it('no small perturbation of the fitted parameters lowers the objective', () => {
    const s = gen(2000, (ts) => 5 + (0.5 * (ts - START)) / DAY + daily(1)(ts), 0.3, 21);
    const m = fitProphet(s);
    // Rebuild the problem through the public fit to evaluate the objective at perturbed points.
    const rng = new Rng(5);
    const base = m.info.objective;
    assert.ok(Number.isFinite(base));
    const { k, m: off, delta, beta, sigma_obs } = m.params;
    const theta = Float64Array.from([k, off, ...delta, ...beta]);
    const pr = problemOf(m, s);
    const f0 = objective(pr, theta, sigma_obs, residualSumSquares(pr.X, pr.y, pr.n, pr.p, theta));
    assert.ok(Math.abs(f0 - base) < 1e-6 * Math.abs(base), `objective recomputed ${f0} vs reported ${base}`);
    for (let trial = 0; trial < 200; trial++) {
      const th = Float64Array.from(theta);
      const j = rng.int(th.length);
      th[j] += (rng.next() - 0.5) * 1e-4;
      const sig = sigma_obs * (1 + (rng.next() - 0.5) * 1e-4);
      const f = objective(pr, th, sig, residualSumSquares(pr.X, pr.y, pr.n, pr.p, th));
      assert.ok(f >= f0 - 1e-9 * Math.abs(f0), `perturbing parameter ${j} lowered the objective: ${f} < ${f0}`);
    }
  });

  it('the suffix-sum normal equations equal the dense XᵀX, Xᵀy', () => {
    const rng = new Rng(8);
    const n = 300, K = 6;
    const t = Float64Array.from({ length: n }, () => rng.next()).sort();
    const y = Float64Array.from({ length: n }, () => rng.normal());
    const F = Float64Array.from({ length: n * K }, () => rng.normal());
    // Changepoints at rows, between rows, at 0 (Prophet's dummy), repeated, and after the last row.
    for (const tChange of [Float64Array.of(t[10], t[50], t[51], 0.5, 0.9), Float64Array.of(0), Float64Array.of(0.2, 0.2, 1.5)]) {
      const S = tChange.length, p = 2 + S + K;
      const X = new Float64Array(n * p);
      for (let i = 0; i < n; i++) {
        X[i * p] = t[i]; X[i * p + 1] = 1;
        for (let j = 0; j < S; j++) X[i * p + 2 + j] = t[i] >= tChange[j] ? t[i] - tChange[j] : 0;
        for (let k = 0; k < K; k++) X[i * p + 2 + S + k] = F[i * K + k];
      }
      const dense = gram(X, y, n, p), fast = hingeGram(t, tChange, F, K, y);
      for (let i = 0; i < p * p; i++) assert.ok(Math.abs(dense.G[i] - fast.G[i]) < 1e-9 * (1 + Math.abs(dense.G[i])), `G[${i}] ${dense.G[i]} vs ${fast.G[i]}`);
      for (let i = 0; i < p; i++) assert.ok(Math.abs(dense.b[i] - fast.b[i]) < 1e-9 * (1 + Math.abs(dense.b[i])), `b[${i}]`);
    }
  });

  it('feature-sign search matches a long coordinate-descent solve of a random lasso', () => {
    const rng = new Rng(9);
    const p = 8, n = 60;
    const X = new Float64Array(n * p);
    const y = new Float64Array(n);
    for (let i = 0; i < n * p; i++) X[i] = rng.normal();
    for (let i = 0; i < n; i++) y[i] = X[i * p] * 2 - X[i * p + 3] + 0.5 * rng.normal();
    const H = new Float64Array(p * p), b = new Float64Array(p);
    for (let r = 0; r < n; r++) for (let i = 0; i < p; i++) { b[i] += X[r * p + i] * y[r]; for (let j = 0; j < p; j++) H[i * p + j] += X[r * p + i] * X[r * p + j]; }
    const isL1 = Uint8Array.from([0, 1, 1, 1, 1, 1, 1, 0]);
    const lambda = 15;
    const x = new Float64Array(p);
    featureSign(H, b, p, isL1, lambda, x);
    const cd = new Float64Array(p);
    for (let sweep = 0; sweep < 20000; sweep++) {
      for (let j = 0; j < p; j++) {
        let r = b[j];
        for (let k = 0; k < p; k++) if (k !== j) r -= H[j * p + k] * cd[k];
        cd[j] = isL1[j] ? Math.sign(r) * Math.max(0, Math.abs(r) - lambda) / H[j * p + j] : r / H[j * p + j];
      }
    }
    for (let j = 0; j < p; j++) assert.ok(Math.abs(x[j] - cd[j]) < 1e-8, `coordinate ${j}: ${x[j]} vs ${cd[j]}`);
    assert.ok(x.some((v, j) => isL1[j] && v === 0), 'some L1 coordinates are exactly zero');
  });
});

describe('prophet: edge cases', () => {
  it('fits irregular timestamps with a 31-hour gap', () => {
    const rng = new Rng(31);
    const t: number[] = [], v: number[] = [];
    const f = (ts: number): number => 40 + daily(5)(ts) + (0.2 * (ts - START)) / DAY;
    for (let ts = START; ts < START + 14 * DAY; ts += STEP + Math.floor(rng.next() * 120) - 60) {
      if (ts > START + 5 * DAY && ts < START + 5 * DAY + 31 * 3600) continue; // the gap
      t.push(ts); v.push(f(ts) + 0.5 * rng.normal());
    }
    const m = fitProphet(series(t, v));
    const fc = m.predict({ horizon: 288 });
    let err = 0;
    for (let i = 0; i < fc.t.length; i++) err += Math.abs(fc.mean[i] - f(fc.t[i]));
    assert.ok(err / fc.t.length < 0.5, `MAE against the truth ${err / fc.t.length}`);
    assert.ok(Math.abs(m.info.step - STEP) <= 60, `median step ${m.info.step}`);
  });

  it('drops and counts NaN values', () => {
    const s = gen(2000, (ts) => 3 + daily(1)(ts), 0.1, 41);
    const v = Float64Array.from(s.v);
    for (let i = 0; i < v.length; i += 10) v[i] = NaN;
    v[5] = Infinity;
    const m = fitProphet(series(s.t, v));
    assert.equal(m.info.dropped, 201);
    assert.equal(m.info.points, 1799);
    const fc = m.predict({ horizon: 10 });
    assert.ok(fc.mean.every(Number.isFinite) && fc.lower.every(Number.isFinite));
  });

  it('forecasts a constant series as that constant with a (numerically) zero-width band', () => {
    const s = gen(500, () => 7.25, 0);
    const m = fitProphet(s);
    assert.equal(m.params.sigma_obs, 0);
    const fc = m.predict({ horizon: 20 });
    for (let i = 0; i < 20; i++) {
      // Prophet's band adds 1e-8 to the simulated changepoint scale, so the band is 1e-8-ish, not exactly 0.
      assert.ok(Math.abs(fc.mean[i] - 7.25) < 1e-12, `mean ${fc.mean[i]}`);
      assert.ok(Math.abs(fc.lower[i] - 7.25) < 1e-6 && Math.abs(fc.upper[i] - 7.25) < 1e-6, `band ${fc.lower[i]}..${fc.upper[i]}`);
    }
  });

  it('refuses fewer than 2 points with a clear error, and degrades gracefully above', () => {
    assert.throws(() => fitProphet(series([START], [1])), (e: Error) => e instanceof ProphetInputError && /at least 2/.test(e.message));
    assert.throws(() => fitProphet(series([START, START + 300], [1, NaN])), ProphetInputError);
    for (const n of [2, 3, 5, 30]) {
      const s = gen(n, (ts) => 1 + (ts - START) / DAY, 0.01, n);
      const fc = fitProphet(s).predict({ horizon: 5 });
      assert.ok(fc.mean.every(Number.isFinite) && fc.lower.every(Number.isFinite) && fc.upper.every(Number.isFinite), `n=${n}`);
      for (let i = 0; i < 5; i++) assert.ok(fc.lower[i] <= fc.mean[i] + 1e-9 && fc.mean[i] <= fc.upper[i] + 1e-9);
    }
  });

  it('is scale-equivariant from 1e-3 to 1e12', () => {
    const s = gen(2016, (ts) => 1 + 0.5 * daily(1)(ts) + (0.05 * (ts - START)) / DAY, 0.1, 51);
    const ref = fitProphet(s).predict({ horizon: 50 });
    for (const c of [1e-3, 1e12]) {
      const fc = fitProphet(series(s.t, s.v.map((x) => x * c))).predict({ horizon: 50 });
      for (let i = 0; i < 50; i++) {
        assert.ok(Math.abs(fc.mean[i] / c - ref.mean[i]) < 1e-6 * Math.abs(ref.mean[i]), `scale ${c}: ${fc.mean[i] / c} vs ${ref.mean[i]}`);
        assert.ok(Math.abs(fc.upper[i] / c - ref.upper[i]) < 1e-6 * Math.abs(ref.upper[i]));
      }
    }
  });

  it("applies Prophet's 'auto' seasonality rule and explicit true/false", () => {
    const short = gen(432, (ts) => 5 + daily(1)(ts), 0.1, 61); // 1.5 days
    assert.deepEqual(fitProphet(short, { daily_seasonality: 'auto', weekly_seasonality: 'auto' }).seasonalities.map((x) => x.name), []);
    // MOrA's default (weekly and daily on) needs one full period: weekly is left out of 1.5 days; explicit true keeps it.
    assert.deepEqual(fitProphet(short).seasonalities.map((x) => x.name), ['daily']);
    assert.deepEqual(fitProphet(short, { weekly_seasonality: true, daily_seasonality: true }).seasonalities.map((x) => x.name), ['weekly', 'daily']);
    const long = gen(4100, (ts) => 5 + daily(1)(ts), 0.1, 62); // just over 14 days: 'auto' turns weekly on
    assert.deepEqual(fitProphet(long, { daily_seasonality: 'auto', weekly_seasonality: 'auto' }).seasonalities.map((x) => x.name), ['weekly', 'daily']);
    const under = gen(4032, (ts) => 5 + daily(1)(ts), 0.1, 63); // 13.99 days: weekly 'auto' stays off
    assert.deepEqual(fitProphet(under, { daily_seasonality: 'auto', weekly_seasonality: 'auto' }).seasonalities.map((x) => x.name), ['daily']);
    assert.deepEqual(fitProphet(long, { weekly_seasonality: false, daily_seasonality: 6 }).seasonalities.map((x) => [x.name, x.fourierOrder]), [['daily', 6]]);
  });

  it('rejects unknown or invalid options by name', () => {
    const s = gen(100, () => 1, 0.1);
    assert.throws(() => fitProphet(s, { nope: 1 } as never), /unknown Prophet option "nope"/);
    assert.throws(() => fitProphet(s, { interval_width: 1.5 }), /interval_width/);
    assert.throws(() => fitProphet(s, { changepoint_prior_scale: -1 }), /changepoint_prior_scale/);
  });

  it('places changepoints at history rows over the first changepoint_range of the rows', () => {
    const s = gen(1000, (ts) => (ts - START) / DAY, 0.1, 71);
    const m = fitProphet(s, { n_changepoints: 10, changepoint_range: 0.5 });
    assert.equal(m.changepointsUnix.length, 10);
    const rows = new Set(Array.from(s.t));
    for (const c of m.changepointsUnix) assert.ok(rows.has(c));
    assert.ok(m.changepointsUnix[9] <= s.t[499] && m.changepointsUnix[0] > s.t[0]);
  });

  it('simulates long horizons in bounded memory, the band widening with distance', () => {
    // A trend that changes slope several times gives the simulated future changepoints a real scale.
    const bends = [3, 6, 9].map((d) => START + d * DAY);
    const f = (ts: number): number => 10 + daily(1)(ts) + bends.reduce((acc, b, j) => acc + (ts > b ? ((j % 2 ? 1 : -1) * (ts - b)) / DAY : 0), (0.5 * (ts - START)) / DAY);
    const m = fitProphet(gen(4032, f, 0.3, 91));
    const h = 10 * 288; // 10 days ahead of a 14-day history
    const fc = m.predict({ horizon: h });
    assert.ok(fc.lower.every(Number.isFinite) && fc.upper.every(Number.isFinite));
    const meanWidth = (from: number, to: number): number => { let w = 0; for (let i = from; i < to; i++) w += fc.upper[i] - fc.lower[i]; return w / (to - from); };
    const first = meanWidth(0, 288), last = meanWidth(h - 288, h);
    assert.ok(last > 1.5 * first, `mean width ${first} on day 1, ${last} on day 10`);
  });

  it('is reproducible for a seed and varies with it', () => {
    const s = gen(2016, (ts) => 1 + daily(1)(ts), 0.2, 81);
    const m = fitProphet(s);
    const a = m.predict({ horizon: 30, seed: 1 }), b = m.predict({ horizon: 30, seed: 1 }), c = m.predict({ horizon: 30, seed: 2 });
    assert.deepEqual(Array.from(a.upper), Array.from(b.upper));
    assert.notDeepEqual(Array.from(a.upper), Array.from(c.upper));
  });
});

describe('prophet: sampling helpers', () => {
  it('ziggurat normals have mean 0, variance 1 and normal tails', () => {
    const rng = new Rng(3);
    const n = 200_000;
    let s = 0, s2 = 0, tail = 0;
    for (let i = 0; i < n; i++) { const z = zigguratNormal(rng); s += z; s2 += z * z; if (Math.abs(z) > 1.6448536) tail++; }
    assert.ok(Math.abs(s / n) < 0.01);
    assert.ok(Math.abs(s2 / n - 1) < 0.015);
    assert.ok(Math.abs(tail / n - 0.1) < 0.004, `P(|z| > 1.645) = ${tail / n}`);
  });

  it('selection quantiles equal sorted type-7 quantiles', () => {
    const rng = new Rng(4);
    for (const n of [1, 2, 7, 1000]) {
      const a = Float64Array.from({ length: n }, () => Math.round(rng.normal() * 5)); // ties included
      const sorted = Float64Array.from(a).sort();
      const out = new Float64Array(3);
      quantilesInPlace(a, [0.05, 0.5, 0.95], out);
      [0.05, 0.5, 0.95].forEach((q, j) => assert.ok(Math.abs(out[j] - quantileSorted(sorted, q)) < 1e-12, `n=${n} q=${q}`));
    }
  });
});


/** The MAP problem of a fitted model, rebuilt from the same design functions the fit uses. */
function problemOf(m: ProphetModel, s: Series): MapProblem {
  const c = clean(s).series;
  const sc = makeScaling(c.t, c.v);
  const t = scaleTime(c.t, sc);
  const seas = chooseSeasonalities(c.t, m.options);
  const cps = placeChangepoints(c.t, m.options, sc);
  const { X: F, cols: K } = seasonalFeatures(c.t, seas);
  const S = cps.tChange.length, n = c.t.length, p = 2 + S + K;
  const X = new Float64Array(n * p);
  for (let i = 0; i < n; i++) {
    X[i * p] = t[i]; X[i * p + 1] = 1;
    for (let j = 0; j < S; j++) X[i * p + 2 + j] = Math.max(0, t[i] - cps.tChange[j]);
    for (let k = 0; k < K; k++) X[i * p + 2 + S + k] = F[i * K + k];
  }
  const ridge = new Float64Array(p);
  ridge[0] = ridge[1] = 1 / 25;
  for (let k = 0; k < K; k++) ridge[2 + S + k] = 1 / 100;
  return { X, y: c.v.map((v) => v / sc.yScale), n, p, s: S, ridge, tau: m.options.changepoint_prior_scale };
}
