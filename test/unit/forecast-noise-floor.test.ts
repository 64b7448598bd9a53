import assert from 'node:assert/strict';
import { Rng } from '../../src/core/random';
import { series, type Series } from '../../src/core/series';
import { runForecast, runForecasts } from '../../src/ml/forecast';
import type { FusedForecast } from '../../src/ml/fusion';
import { historyFloor, NEGATIVE_SHARE } from '../../src/ml/history-floor';
import { relevelled } from '../../src/ml/seasonal-baseline';
import { fitProphet } from '../../src/ml/prophet';
import { LstmForecaster, LstmModel } from '../../src/ml/lstm/forecaster';

/**
 * A usage series below 0 only as noise (CPU mostly 0.2–1.0, a few samples at −0.01 from a rate's jitter) lost the floor
 * at 0 its forecasts and band had while no value was below 0, and a downward trend at the origin drained them to clearly
 * negative values (history-floor.ts). Now they stop at its lowest value; a genuinely signed series (a centred metric
 * spanning −5..5) keeps no floor. Generated: 15-minute steps, the real Prophet, the LSTM left out of the fused run.
 */
describe('forecast floor from the observed history (a series below 0 only as noise)', () => {
  const P = 96, STEP = 900, T0 = 1_700_000_000 - (1_700_000_000 % 86400);
  const NOISE_FLOOR = -0.01;

  /** 8 days: a daily swing around a level falling from 1.0 to 0.2, noise, and 8 samples at −0.01. */
  const draining = (seed: number): Series => {
    const rng = new Rng(seed), n = 8 * P;
    const level = (i: number): number => 1 - (0.1 * i) / P;
    const v = Float64Array.from({ length: n }, (_, i) => level(i) + 0.1 * Math.sin((2 * Math.PI * i) / P) + 0.02 * rng.normal());
    for (const i of [40, 130, 170, 220, 300, 350, 500, 700]) v[i] = NOISE_FLOOR;
    return series(Float64Array.from({ length: n }, (_, i) => T0 + i * STEP), v);
  };

  it('historyFloor: 0 for a non-negative series, the lowest value for rare negatives, none for a signed series', () => {
    assert.equal(historyFloor([0.2, 0.5, 1, 0]), 0);
    const noisy = Array.from({ length: 100 }, (_, i) => (i % 25 === 0 ? -0.01 : 0.5));
    assert.equal(historyFloor(noisy), -0.01);
    // More negatives than the band's lower tail: a signed quantity, no floor.
    const often = Array.from({ length: 100 }, (_, i) => (i < 100 * NEGATIVE_SHARE + 1 ? -0.01 : 0.5));
    assert.equal(historyFloor(often), -Infinity);
    const centred = Array.from({ length: 200 }, (_, i) => 5 * Math.sin(i / 7));
    assert.equal(historyFloor(centred), -Infinity);
    // Filled points (NaN) are no data.
    assert.equal(historyFloor([NaN, 0.3, -0.2, ...Array(40).fill(0.4)]), -0.2);
    assert.equal(historyFloor([NaN]), -Infinity);
  });

  it('prophet: floored at the lowest observed value, not drained below it', async function () {
    this.timeout(60_000);
    const h = draining(1);
    const raw = fitProphet(h).predict({ horizon: 4 * P });
    assert.ok(Math.min(...raw.mean) < -0.1, `the raw model drains well below −0.01 here (what the test is about): ${Math.min(...raw.mean).toFixed(3)}`);
    const run = await runForecast(h, { model: 'prophet', horizon: 4 * P });
    for (const a of [run.forecast.mean, run.forecast.lower, run.forecast.upper]) assert.ok(Math.min(...a) >= NOISE_FLOOR, `min ${Math.min(...a)}`);
    raw.mean.forEach((x, i) => { if (x > NOISE_FLOOR) assert.equal(run.forecast.mean[i], x); });
  });

  it('fused: neither the forecast nor its band drains below the lowest observed value', async function () {
    this.timeout(120_000);
    for (const seed of [1, 2]) {
      const runs = await runForecasts(draining(seed), ['fused'], { horizon: 4 * P, overrides: { lstm: () => Promise.reject(new Error('not in this test')) } });
      const f = runs[0].forecast as FusedForecast;
      for (let i = 0; i < f.mean.length; i++) {
        assert.ok(f.mean[i] >= NOISE_FLOOR - 1e-12 && f.lower[i] >= NOISE_FLOOR - 1e-12, `seed ${seed} lead ${i}: mean ${f.mean[i].toFixed(3)}, lower ${f.lower[i].toFixed(3)}`);
      }
    }
  });

  it('lstm: the model keeps the floor (saved with it) and its forecast and band stop there', function () {
    this.timeout(60_000);
    const model = new LstmForecaster({ units1: 8, units2: 4, dense: 4, chunk: 6, epochs: 2, maxWindows: 200, seed: 3 }).fit(draining(1));
    assert.equal(model.state.floor, NOISE_FLOOR);
    assert.equal(model.state.nonNegative, false);
    const again = LstmModel.fromJSON(JSON.parse(JSON.stringify(model.toJSON())));
    assert.equal(again.state.floor, NOISE_FLOOR);
    const f = again.predict({ horizon: 4 * P });
    for (const a of [f.mean, f.lower]) assert.ok(Math.min(...a) >= NOISE_FLOOR, `min ${Math.min(...a)}`);
    // A non-negative history keeps the old state: nonNegative, no floor key.
    const clean = draining(1);
    const plain = new LstmForecaster({ units1: 8, units2: 4, dense: 4, chunk: 6, epochs: 1, maxWindows: 100, seed: 3 }).fit({ t: clean.t, v: clean.v.map((x) => Math.max(0, x)) });
    assert.equal(plain.state.nonNegative, true);
    assert.equal('floor' in plain.state, false);
  });

  it('the re-levelled history of a downward shift stops at the floor too', () => {
    const v = Float64Array.from({ length: 40 }, (_, i) => (i === 3 ? -0.01 : 0.3 + 0.01 * (i % 5)));
    const out = relevelled(v, 40, { at: 30, offset: -0.5 });
    for (let i = 0; i < 30; i++) assert.equal(out[i], -0.01);
  });

  it('a genuinely signed series (a centred metric spanning −5..5) is left alone', async function () {
    this.timeout(60_000);
    const n = 4 * P;
    const h = series(Float64Array.from({ length: n }, (_, i) => T0 + i * STEP), Float64Array.from({ length: n }, (_, i) => 5 * Math.sin((2 * Math.PI * i) / P) - (2 * i) / n));
    const raw = fitProphet(h).predict({ horizon: 4 * P });
    assert.ok(Math.min(...raw.mean) < Math.min(...h.v), 'the raw model goes below the history here');
    const run = await runForecast(h, { model: 'prophet', horizon: 4 * P });
    assert.deepEqual(Array.from(run.forecast.mean), Array.from(raw.mean));
  });
});
