import assert from 'node:assert/strict';
import { Rng } from '../../src/core/random';
import { onRegularGrid, type Series } from '../../src/core/series';
import { runForecasts, type ModelRun } from '../../src/ml/forecast';
import type { FusedForecast } from '../../src/ml/fusion';
import { mae } from '../../src/ml/lstm/holdout-run';
import { shapeLstm } from './helpers/lstm-stand-in';

/**
 * A hole in the history (a scrape outage, hours missing from a CSV). The fusion's holdouts and its seasonal baseline
 * count steps: after the hole, "the last day's values" and "P values back" were no longer the last day and yesterday,
 * so Prophet was scored against values from other hours and dropped as far worse than it is — on every forecast of a
 * workload whose Prometheus had a gap in the last days.
 */
const P = 24, STEP = 3600, T0 = 1_700_000_000 - (1_700_000_000 % 86400), DAYS = 10;
const shape = (i: number): number => 50 + 20 * Math.sin((2 * Math.PI * i) / P) + 8 * Math.sin((4 * Math.PI * i) / P);

function history(seed: number, hole?: [number, number]): { series: Series; future: Float64Array } {
  const rng = new Rng(seed);
  const t: number[] = [], v: number[] = [];
  for (let i = 0; i < DAYS * P; i++) {
    const x = shape(i) + 1.5 * rng.normal();
    if (hole && i >= hole[0] && i < hole[1]) continue;
    t.push(T0 + i * STEP); v.push(x);
  }
  return { series: { t: Float64Array.from(t), v: Float64Array.from(v) }, future: Float64Array.from({ length: P }, (_, j) => shape(DAYS * P + j)) };
}

/** An LSTM stand-in that knows the daily shape and errs by a little, scored on the last day as the real one is. */
function lstmOn(series: Series, seed: number): () => Promise<ModelRun> {
  return shapeLstm(series, seed, { t0: T0, step: STEP, period: P, shape, noise: 2, actual: 'series' });
}

async function fused(series: Series, seed: number): Promise<FusedForecast> {
  const [run] = await runForecasts(series, ['fused'], { horizon: P, seed: 1, overrides: { lstm: lstmOn(series, seed) } });
  return run.forecast as FusedForecast;
}

describe('fusion on a history with a hole', () => {
  it('scores its members on the right hours: Prophet is kept and the forecast is as good as without the hole', async () => {
    for (const seed of [1, 2, 3]) {
      // Eight hours missing on the second-to-last day: inside Prophet's rolling holdout windows.
      const hole: [number, number] = [(DAYS - 2) * P + 5, (DAYS - 2) * P + 13];
      const { series: whole, future } = history(seed);
      const { series: holed } = history(seed, hole);
      const a = await fused(whole, seed), b = await fused(holed, seed);
      assert.ok(!a.dropped.some((d) => d.name === 'prophet'), `seed ${seed}: Prophet dropped on the whole history: ${JSON.stringify(a.dropped)}`);
      assert.ok(!b.dropped.some((d) => d.name === 'prophet'), `seed ${seed}: Prophet dropped after an 8-hour hole: ${JSON.stringify(b.dropped)}`);
      assert.ok((b.weights.prophet ?? 0) > 0, `seed ${seed}: Prophet has no weight after the hole: ${JSON.stringify(b.weights)}`);
      const ea = mae(a.mean, future), eb = mae(b.mean, future);
      assert.ok(eb <= 1.25 * ea + 0.2, `seed ${seed}: fused error ${eb.toFixed(3)} with the hole, ${ea.toFixed(3)} without`);
    }
  });
});

describe('onRegularGrid', () => {
  it('fills a hole on the median step by linear interpolation and keeps a series without one as it is', () => {
    const t = Float64Array.from([0, 60, 120, 300, 360, 420]), v = Float64Array.from([1, 2, 3, 6, 7, 8]);
    const { series, filled } = onRegularGrid({ t, v });
    assert.deepEqual(Array.from(series.t), [0, 60, 120, 180, 240, 300, 360, 420]);
    assert.deepEqual(Array.from(series.v), [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.equal(filled, 2);
    // Scrape jitter (no hole): the timestamps stay as they were.
    const jittered = { t: Float64Array.from([0, 15.2, 29.9, 45.1, 60]), v: Float64Array.from([1, 2, 3, 4, 5]) };
    const same = onRegularGrid(jittered);
    assert.equal(same.series, jittered);
    assert.equal(same.filled, 0);
    // Samples in bursts (+0/+1/+2 s each minute: the median step is 1 s): a 1-s grid would be 95% invented. Kept as given.
    const bursts = { t: Float64Array.from({ length: 300 }, (_, i) => 60 * Math.floor(i / 3) + (i % 3)), v: Float64Array.from({ length: 300 }, (_, i) => i) };
    const kept = onRegularGrid(bursts);
    assert.equal(kept.series, bursts);
    assert.equal(kept.filled, 0);
  });
});
