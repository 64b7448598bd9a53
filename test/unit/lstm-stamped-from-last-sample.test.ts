// Every LSTM forecast is stamped from the history's last sample, as Prophet's is: the i-th value is the forecast i + 1
// steps after it. The network runs on a grid counted from the first sample, which for jittered timestamps ends up to half
// a step from the last one. 42be618 stamped the per-series holdout run (holdout-run.ts stampedFrom); the global model
// (globalLstmOverride, GlobalLstmModel.forecast), the model saved by Train Models (runSavedSeriesLstm) and a model fitted
// and predicted directly (the worker's plain training job) still stamped from the grid: 47 s off on the series below.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { Rng } from '../../src/core/random';
import { medianStep, onRegularGrid, type Series } from '../../src/core/series';
import { runForecasts } from '../../src/ml/forecast';
import { LstmForecaster } from '../../src/ml/lstm/forecaster';
import { globalLstmOverride, trainGlobalLstm } from '../../src/ml/lstm/global';
import { runLstmWithHoldout } from '../../src/ml/lstm/holdout-run';
import { saveModel } from '../../src/ml/lstm/persist';
import { runSavedSeriesLstm, savedSeriesModelPath } from '../../src/ml/lstm/saved-series';
import { inTempDir } from './helpers/temp-dir';

const STEP = 900, P = 96, T0 = 1_764_028_800 - (1_764_028_800 % 86400);

/** 6 days at 15 min, ±20 s of jitter, the first sample 47 s late, 100 samples missing on day 2. */
function jittered(): Series {
  const rng = new Rng(3);
  const t: number[] = [], v: number[] = [];
  for (let i = 0; i < 6 * P; i++) {
    if (i >= P && i < P + 100) continue;
    t.push(T0 + i * STEP + (i === 0 ? 47 : Math.round(40 * (rng.next() - 0.5))));
    v.push(1 + 0.5 * Math.sin((2 * Math.PI * (i % P)) / P) + 0.02 * rng.normal());
  }
  return { t: Float64Array.from(t), v: Float64Array.from(v) };
}

describe('LSTM forecasts are stamped from the last sample on every path', function () {
  this.timeout(120_000);
  const s = jittered();
  const last = s.t[s.t.length - 1], step = medianStep(s);
  const expected = (H: number): number[] => Array.from({ length: H }, (_, k) => last + (k + 1) * step);
  const tiny = { epochs: 1, units1: 4, units2: 4, dense: 4, maxWindows: 64, seed: 7 };

  it('the series: its grid ends off the last sample', () => {
    const grid = onRegularGrid(s).series;
    assert.ok(Math.abs(grid.t[grid.t.length - 1] - last) > 10, `grid ends ${grid.t[grid.t.length - 1] - last} s from the last sample`);
  });

  it('a model fitted and predicted directly', () => {
    const f = new LstmForecaster(tiny).fit(s).predict({ horizon: 3 });
    assert.deepEqual(Array.from(f.t), expected(3));
  });

  it('the global model: its forecast and its fused member', async () => {
    const model = trainGlobalLstm([{ id: 'a', series: s }], { steps: 24, chunk: 12, units1: 4, units2: 4, dense: 4, epochs: 1, windowsPerSeries: 32, seed: 7 });
    assert.deepEqual(Array.from(model.forecast(s, 3, 'a').t), expected(3));
    const [run] = await runForecasts(s, ['lstm'], { horizon: 3, seed: 1, overrides: { lstm: globalLstmOverride(model, 'a') } });
    assert.deepEqual(Array.from(run.forecast.t), expected(3));
  });

  it('the model saved by Train Models: the same stamps as the run that trained it', () => inTempDir(async (dir) => {
    const trained = runLstmWithHoldout(s, 8, tiny);
    assert.deepEqual(Array.from(trained.forecast.t), expected(8));
    const file = savedSeriesModelPath(path.join(dir, 'models'), { context: 'c', namespace: 'n', kind: 'Deployment', name: 'w' }, 'app', 'cpu_usage');
    saveModel(file, trained.model.toJSON());
    const run = runSavedSeriesLstm(file, s, 8);
    assert.ok(run.used, run.used ? '' : run.reason);
    assert.deepEqual(Array.from(run.forecast.t), expected(8));
    assert.deepEqual(Array.from(run.forecast.mean), Array.from(trained.forecast.mean));
  }));
});
