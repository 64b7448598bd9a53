import assert from 'node:assert/strict';
import { Rng } from '../../src/core/random';
import { series, type Series } from '../../src/core/series';
import { runForecasts } from '../../src/ml/forecast';
import { GLOBAL_RECENT_DAYS, GlobalLstmModel, globalLstmOverride, trainGlobalLstm, type GlobalLstmOptions, type GlobalScaling } from '../../src/ml/lstm/global';

const T0 = 1_700_006_400; // a midnight UTC

/** Hourly series with a daily peak at `peakHour` (3 h wide) on a drifting level, ± `amp` around `level`. */
function daily(days: number, level: number, amp: number, peakHour: number, seed: number): Series {
  const rng = new Rng(seed);
  const t: number[] = [], v: number[] = [];
  let ar = 0;
  for (let i = 0; i < days * 24; i++) {
    const h = i % 24;
    const shape = h >= peakHour && h < peakHour + 3 ? 1.5 : 0;
    ar += 0.05 * rng.normal();
    t.push(T0 + i * 3600);
    v.push(level + amp * (shape + ar + 0.03 * rng.normal()));
  }
  return series(t, v);
}

const SMALL: Partial<GlobalLstmOptions> = { steps: 24, chunk: 12, units1: 16, units2: 8, dense: 8, epochs: 12, patience: 4, batchSize: 64, learningRate: 5e-3, windowsPerSeries: 200, seed: 7 };

describe('global LSTM: per-series fine-tuning from the global weights', function () {
  this.timeout(120000);
  // The pool peaks in the morning; the series to fine-tune on peaks in the evening and was never in the pool.
  const pool = [1, 4, 20].map((amp, i) => ({ id: `w${i}`, series: daily(21, 10 * amp, amp, 8, 100 + i) }));
  const unseen = daily(21, 300, 30, 18, 999);
  let model: GlobalLstmModel;

  before(() => { model = trainGlobalLstm(pool, SMALL); });

  it('lowers the loss on a series the global model has not seen, and leaves the global weights untouched', () => {
    const before = model.weights().map((w) => Float32Array.from(w));
    const stateWeights = [...model.state.weights];
    const tuned = model.fineTune(unseen, 'new', { epochs: 8, learningRate: 5e-3, windows: 300, batchSize: 32, patience: 3 });
    const ft = tuned.state.fineTuned!;
    assert.equal(ft.kept, 'tuned');
    assert.ok(ft.valAfter < ft.valBefore, `validation loss ${ft.valAfter} should be below the global weights' ${ft.valBefore}`);
    assert.equal(ft.from, model.version);
    assert.deepEqual(Object.keys(tuned.state.scalers), ['new']);
    // The global model is unchanged: same weights in the net and in its state; the copy's differ.
    model.weights().forEach((w, i) => assert.deepEqual(w, before[i]));
    assert.deepEqual(model.state.weights, stateWeights);
    assert.equal(model.state.fineTuned, undefined);
    assert.ok(tuned.weights().some((w, i) => w.some((x, j) => x !== before[i][j])));
    // The copy forecasts the series through the scaler it was tuned with.
    const f = tuned.forecast(unseen, 24, 'new');
    assert.equal(f.mean.length, 24);
    assert.ok(Array.from(f.mean).every(Number.isFinite));
  });

  it('keeps the global weights when no epoch beats them on the series\' own recent windows', () => {
    const same = model.fineTune(pool[0].series, 'w0', { epochs: 2, learningRate: 0 });
    assert.equal(same.state.fineTuned!.kept, 'global');
    assert.equal(same.state.fineTuned!.valAfter, same.state.fineTuned!.valBefore);
    same.weights().forEach((w, i) => assert.deepEqual(w, model.weights()[i]));
    // A pool member is tuned through its stored scaler.
    assert.deepEqual({ ...same.state.scalers.w0, to: 0 }, { ...model.state.scalers.w0, to: 0 });
  });

  it('as the fusion\'s lstm member: fine-tuned on the fit part only, its run says so', async () => {
    const [l, fu] = await runForecasts(unseen, ['lstm', 'fused'], { horizon: 24, overrides: { lstm: globalLstmOverride(model, undefined, { fineTune: { epochs: 2, windows: 64 } }) } });
    const fitted = l.fitted as { fineTuned: { series: string; windows: number }; holdout: { points: number } };
    assert.equal(fitted.fineTuned.series, '#series');
    assert.ok(fitted.fineTuned.windows > 0 && fitted.fineTuned.windows <= 64);
    assert.equal(l.forecast.mean.length, 24);
    assert.equal(fu.forecast.mean.length, 24);
    // Without the option the run is the global model's, untuned.
    const [plain] = await runForecasts(unseen, ['lstm'], { horizon: 24, overrides: { lstm: globalLstmOverride(model) } });
    assert.equal((plain.fitted as { fineTuned: unknown }).fineTuned, null);
  });

  it('holdoutWindows: the member is scored on that many consecutive windows, and the fusion compares it with the baseline on the same ones', async () => {
    const run = globalLstmOverride(model, undefined, { holdoutWindows: 3 });
    const [l, fu] = await runForecasts(unseen, ['lstm', 'fused'], { horizon: 24, overrides: { lstm: run } });
    const h = (l.fitted as { holdout: { mae: number; windowMaes?: number[]; points: number } }).holdout;
    assert.equal(h.windowMaes?.length, 3);
    assert.ok(Math.abs(h.mae - (h.windowMaes![0] + h.windowMaes![1] + h.windowMaes![2]) / 3) < 1e-9);
    // The last window is the default one-window score.
    const [one] = await runForecasts(unseen, ['lstm'], { horizon: 24, overrides: { lstm: globalLstmOverride(model) } });
    const h1 = (one.fitted as { holdout: { mae: number; windowMaes?: number[] } }).holdout;
    assert.equal(h1.windowMaes, undefined);
    assert.ok(Math.abs(h.windowMaes![0] - h1.mae) < 1e-9);
    assert.equal(fu.forecast.mean.length, 24);
    // Too short a history for more windows: as many as fit (here one), never a failure.
    const short = { t: unseen.t.subarray(0, 24 * 5), v: unseen.v.subarray(0, 24 * 5) };
    const [ls] = await runForecasts(short, ['lstm'], { horizon: 24, overrides: { lstm: globalLstmOverride(model, undefined, { holdoutWindows: 10 }) } });
    assert.ok(((ls.fitted as { holdout: { windowMaes?: number[] } }).holdout.windowMaes?.length ?? 1) < 10);
  });

  it('scaling: the holdout picks the series\' scaling — recent days or stored — and the forecast is that scaling\'s', async () => {
    // A series that moved lately (same last 7 days, another level and size before them): the two scalings differ.
    const moved = { t: unseen.t, v: unseen.v.map((x, i) => (i < unseen.v.length - 7 * 24 ? x / 20 - 50 : x)) };
    for (const h of [unseen, moved]) {
      const run = async (scaling?: GlobalScaling) => (await runForecasts(h, ['lstm'], { horizon: 24, overrides: { lstm: globalLstmOverride(model, undefined, scaling ? { scaling } : {}) } }))[0];
      const [recent, stored, picked] = [await run('recent'), await run('stored'), await run()];
      type Fitted = { scaling: string; recentDays: number; scalingChoice: Record<string, number> | null; holdout: { mae: number } };
      const [fr, fs, fp] = [recent.fitted as Fitted, stored.fitted as Fitted, picked.fitted as Fitted];
      assert.deepEqual([fr.scaling, fr.recentDays, fr.scalingChoice], ['recent', GLOBAL_RECENT_DAYS, null]);
      assert.deepEqual([fs.scaling, fs.recentDays, fs.scalingChoice], ['stored', 0, null]);
      assert.notEqual(fr.holdout.mae, fs.holdout.mae);
      // The default scores both on the same holdout and keeps the lower one's forecast and score.
      assert.deepEqual(fp.scalingChoice, { recent: fr.holdout.mae, stored: fs.holdout.mae });
      const winner = fr.holdout.mae <= fs.holdout.mae ? recent : stored;
      assert.equal(fp.scaling, (winner.fitted as Fitted).scaling);
      assert.equal(fp.holdout.mae, Math.min(fr.holdout.mae, fs.holdout.mae));
      assert.deepEqual(Array.from(picked.forecast.mean), Array.from(winner.forecast.mean));
    }
    // recentDays 0 still means the stored scaling only.
    const [zero] = await runForecasts(unseen, ['lstm'], { horizon: 24, overrides: { lstm: globalLstmOverride(model, undefined, { recentDays: 0 }) } });
    assert.equal((zero.fitted as { scaling: string }).scaling, 'stored');
  });

  it('recentDays: the forecast is scaled by the last days only, so what happened before them does not change it', () => {
    // Same last 7 days, a very different level and size before them (the series moved lately).
    const moved = { t: unseen.t, v: unseen.v.map((x, i) => (i < unseen.v.length - 7 * 24 ? x / 20 - 50 : x)) };
    const a = model.forecast(unseen, 24, undefined, { recentDays: 7 }), b = model.forecast(moved, 24, undefined, { recentDays: 7 });
    Array.from(a.mean).forEach((x, i) => assert.ok(Math.abs(x - b.mean[i]) < 1e-6 * Math.abs(x), `step ${i}: ${x} vs ${b.mean[i]}`));
    // By the whole history (the default of forecast()), the old level changes the scaling and so the forecast.
    const c = model.forecast(moved, 24);
    assert.ok(Array.from(a.mean).some((x, i) => Math.abs(x - c.mean[i]) > 1e-3 * Math.abs(x)));
    // Still scale-equivariant: ×10 in, ×10 out.
    const x10 = model.forecast({ t: unseen.t, v: unseen.v.map((x) => 10 * x) }, 24, undefined, { recentDays: 7 });
    Array.from(a.mean).forEach((x, i) => assert.ok(Math.abs(10 * x - x10.mean[i]) < 1e-4 * Math.abs(10 * x)));
  });
});
