import assert from 'node:assert/strict';
import { Rng } from '../../src/core/random';
import { series, type Series } from '../../src/core/series';
import { despike, spikeFence } from '../../src/ml/lstm/features';
import { LstmForecaster } from '../../src/ml/lstm/forecaster';
import { trainGlobalLstm, type GlobalLstmOptions } from '../../src/ml/lstm/global';

const T0 = 1_700_006_400; // a midnight UTC

/** Hourly, values ≈ 1 ± 0.1 with a daily cycle and AR(1) noise. */
function daily(days: number, seed: number, level = 1): Series {
  const rng = new Rng(seed);
  const t: number[] = [], v: number[] = [];
  let ar = 0;
  for (let i = 0; i < days * 24; i++) {
    ar = 0.8 * ar + 0.01 * rng.normal();
    t.push(T0 + i * 3600);
    v.push(level * (1 + 0.08 * Math.sin((2 * Math.PI * i) / 24) + ar));
  }
  return series(t, v);
}

const withSpike = (s: Series, at: number, value: number): Series => {
  const v = Float64Array.from(s.v);
  v[at] = value;
  return { t: s.t, v };
};

const range = (a: ArrayLike<number>): [number, number] => [Math.min(...Array.from(a)), Math.max(...Array.from(a))];

describe('LSTM scaling: isolated extremes (despike)', () => {
  const clean = Float64Array.from(daily(20, 1).v);

  it('leaves a clean series bit-identical', () => {
    const v = Float64Array.from(clean);
    assert.equal(despike(v, spikeFence(v), 24), 0);
    assert.deepEqual(Array.from(v), Array.from(clean));
  });

  it('replaces one sample of 1e12, of 1e4 and of −1e6 by its neighbourhood, anywhere including the last step', () => {
    for (const [at, x] of [[200, 1e12], [5, 1e4], [300, -1e6], [clean.length - 1, 1e12], [0, 1e12], [100, Infinity]] as const) {
      const v = Float64Array.from(clean);
      v[at] = x;
      assert.equal(despike(v, spikeFence(v), 24), 1, `spike ${x} at ${at}`);
      assert.ok(v[at] > 0.85 && v[at] < 1.15, `replaced by ${v[at]}`);
      v.forEach((y, i) => { if (i !== at) assert.equal(y, clean[i]); });
    }
  });

  it('keeps what persists: a level shift (also at the very end once 3 steps show it) and a peak day', () => {
    const shift = Float64Array.from(clean, (x, i) => (i >= 300 ? x * 50 : x));
    assert.equal(despike(shift, spikeFence(shift, 0, 300), 24), 0);
    const late = Float64Array.from(clean, (x, i) => (i >= clean.length - 3 ? x * 50 : x));
    assert.equal(despike(late, spikeFence(late), 24), 0);
    const tooLate = Float64Array.from(clean, (x, i) => (i >= clean.length - 2 ? x * 50 : x));
    assert.equal(despike(tooLate, spikeFence(tooLate), 24), 2, 'two steps at the end are not yet a level');
    const peak = Float64Array.from(clean, (x, i) => (i >= 240 && i < 252 ? x * 50 : x));
    assert.equal(despike(peak, spikeFence(peak), 24), 0);
  });

  it('leaves a real burst alone: one sample 20× the level of a series of ≈ 1 ± 0.1 is inside the fence', () => {
    const v = Float64Array.from(clean);
    v[200] = 20;
    assert.equal(despike(v, spikeFence(v), 24), 0);
  });

  it('keeps a burst that recurs at the same time of day (a cron job), replaces a one-off', () => {
    const cron = Float64Array.from(clean, (x, i) => (i % 24 === 3 ? 40 : x));
    assert.equal(despike(cron, spikeFence(cron), 24), 0);
    const v = Float64Array.from(clean, (x, i) => (i % 24 === 3 ? 40 : x));
    v[24 * 5 + 15] = 1e9;
    assert.equal(despike(v, spikeFence(v), 24), 1);
  });
});

describe('LSTM with one bad sample', function () {
  this.timeout(180000);
  const SMALL = { units1: 24, units2: 12, dense: 8, chunk: 6, epochs: 30, patience: 5, maxWindows: 600, learningRate: 3e-3 };
  const clean = daily(40, 7);
  const [lo, hi] = range(clean.v);

  it('forecasts within the true range when one sample is 1e12 (a counter reset): the scaler ignores it', () => {
    const m = new LstmForecaster(SMALL).fit(withSpike(clean, 600, 1e12));
    assert.ok(m.state.scaler.max < 2 * hi, `scaler max ${m.state.scaler.max}`);
    const [flo, fhi] = range(m.predict({ horizon: 48 }).mean);
    assert.ok(flo > lo / 1.5 && fhi < hi * 1.5, `forecast ${flo}..${fhi} vs history ${lo}..${hi}`);
  });

  it('forecasts a clean series as before the despiking (values of f79dfb1, the commit before it)', () => {
    const before = [0.99346127, 1.0102115, 1.0337603, 1.0449584, 1.06124, 1.0711201, 1.0750864, 1.0744003, 1.0661874, 1.0571527, 1.0408492, 1.0180536];
    const mean = new LstmForecaster(SMALL).fit(clean).predict({ horizon: 12 }).mean;
    mean.forEach((x, i) => assert.ok(Math.abs(x - before[i]) < 1e-5, `step ${i}: ${x} vs ${before[i]}`));
  });

  it('a glitch in the latest sample of the history it continues from (withHistory) is not where the forecast starts', () => {
    const m = new LstmForecaster(SMALL).fit(clean);
    const [flo, fhi] = range(m.withHistory(withSpike(clean, clean.t.length - 1, 1e12)).predict({ horizon: 24 }).mean);
    assert.ok(flo > lo / 1.5 && fhi < hi * 1.5, `forecast ${flo}..${fhi}`);
  });
});

describe('global LSTM with a spiky series in the pool', function () {
  this.timeout(180000);
  const SMALL: Partial<GlobalLstmOptions> = { steps: 24, chunk: 12, units1: 16, units2: 8, dense: 8, epochs: 10, patience: 4, batchSize: 64, learningRate: 5e-3, windowsPerSeries: 200, seed: 7 };

  it('scales the spiky series like its clean twin and forecasts it (stored and zero shot) within its range', () => {
    const clean = daily(21, 3, 0.5);
    const spiky = withSpike(clean, 200, 500); // 1000× on a 0.5-core series
    const model = trainGlobalLstm([{ id: 'a', series: daily(21, 4, 2) }, { id: 'spiky', series: spiky }, { id: 'twin', series: clean }], SMALL);
    const s = model.state.scalers.spiky, twin = model.state.scalers.twin;
    assert.ok(s.scale < 1.5 * twin.scale, `spiky scale ${s.scale} vs clean ${twin.scale}`);
    const [lo, hi] = range(clean.v);
    for (const f of [model.forecast(spiky, 24, 'spiky'), model.forecast(spiky, 24)]) {
      const [flo, fhi] = range(f.mean);
      assert.ok(flo > lo / 1.5 && fhi < hi * 1.5, `forecast ${flo}..${fhi} vs ${lo}..${hi}`);
    }
  });
});
