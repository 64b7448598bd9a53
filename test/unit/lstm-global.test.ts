import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../src/core/random';
import { series, type Series } from '../../src/core/series';
import { runForecasts } from '../../src/ml/forecast';
import type { FusedForecast } from '../../src/ml/fusion';
import { GLOBAL_RECENT_DAYS, GlobalLstmError, GlobalLstmModel, globalLstmOverride, loadGlobalLstm, saveGlobalLstm, trainGlobalLstm, type GlobalLstmOptions } from '../../src/ml/lstm/global';
import { loadModel } from '../../src/ml/lstm/persist';

const T0 = 1_700_006_400; // a midnight UTC

/**
 * Hourly series sharing one daily shape (a sharp morning peak, an evening shoulder) at `level` ± `amp`, on a drifting level
 * (random walk) with a little white noise: the drift makes yesterday's values a poor forecast and the shape makes the last
 * value one, so only a model that learnt the shape beats both.
 */
function shaped(days: number, level: number, amp: number, seed: number): Series {
  const rng = new Rng(seed);
  const t: number[] = [], v: number[] = [];
  let ar = 0;
  for (let i = 0; i < days * 24; i++) {
    const h = i % 24;
    const shape = h >= 8 && h < 11 ? 1.6 - 0.4 * (h - 8) : h >= 17 && h < 21 ? 0.6 : 0;
    ar += 0.08 * rng.normal();
    t.push(T0 + i * 3600);
    v.push(level + amp * (shape + ar + 0.03 * rng.normal()));
  }
  return series(t, v);
}

const SMALL: Partial<GlobalLstmOptions> = { steps: 24, chunk: 12, units1: 16, units2: 8, dense: 8, epochs: 30, patience: 8, batchSize: 64, learningRate: 5e-3, windowsPerSeries: 400, seed: 7 };

function mae(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
  return s / a.length;
}

function split(s: Series, hold: number): { train: Series; actual: Float64Array } {
  const n = s.t.length;
  return { train: { t: s.t.subarray(0, n - hold), v: s.v.subarray(0, n - hold) }, actual: Float64Array.from(s.v.subarray(n - hold)) };
}

describe('global LSTM (one network, many series)', function () {
  this.timeout(120000);
  const pool = [1, 5, 20, 80, 300, 2].map((amp, i) => ({ id: `w${i}`, series: shaped(21, 10 * amp, amp, 100 + i) }));
  let model: GlobalLstmModel;

  before(() => {
    model = trainGlobalLstm(pool.map((p) => ({ id: p.id, series: split(p.series, 24).train })), SMALL);
  });

  it('learns the shared shape: a new series at a new scale is forecast better than seasonal-naive and a flat forecast (zero shot)', () => {
    // Never in the pool, 1000× the smallest amplitude, a different noise draw.
    let e = 0, eSn = 0, eFlat = 0;
    for (let k = 0; k < 5; k++) {
      const { train, actual } = split(shaped(10, 5e4, 1000, 999 + k), 12);
      const fk = model.forecast(train, 12);
      e += mae(fk.mean, actual);
      eSn += mae(train.v.subarray(train.v.length - 24, train.v.length - 12), actual);
      eFlat += mae(new Float64Array(12).fill(train.v[train.v.length - 1]), actual);
    }
    assert.ok(e < 0.85 * eSn, `global ${e.toFixed(1)} vs seasonal-naive ${eSn.toFixed(1)}`);
    assert.ok(e < 0.85 * eFlat, `global ${e.toFixed(1)} vs flat ${eFlat.toFixed(1)}`);
    const train = split(shaped(10, 5e4, 1000, 999), 12).train;
    const f = model.forecast(train, 12);
    assert.ok(f.lower.every((x, i) => x <= f.mean[i] && f.mean[i] <= f.upper[i]));
    // Scale equivariance: the same series ×10 gets the forecast ×10.
    const f10 = model.forecast({ t: train.t, v: train.v.map((x) => 10 * x) }, 12);
    for (let i = 0; i < 12; i++) assert.ok(Math.abs(f10.mean[i] - 10 * f.mean[i]) < 1e-3 * Math.abs(10 * f.mean[i]) + 1e-6);
  });

  it('forecasts members with their own scalers, many at once equal to one by one', () => {
    const items = pool.map((p) => ({ id: p.id, history: split(p.series, 24).train }));
    const many = model.forecastMany(items, 24);
    items.forEach((it, i) => {
      const one = model.forecast(it.history, 24, it.id);
      for (let h = 0; h < 24; h++) assert.ok(Math.abs(one.mean[h] - many[i].mean[h]) <= 1e-4 * Math.abs(one.mean[h]) + 1e-6, `${one.mean[h]} vs ${many[i].mean[h]}`);
    });
    assert.deepEqual(model.seriesIds.sort(), pool.map((p) => p.id).sort());
    assert.equal(model.version, 1);
  });

  it('save → load gives identical predictions and metadata (TF.js artefact)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mora-global-'));
    try {
      const path = join(dir, 'model.json');
      saveGlobalLstm(path, model);
      const raw = loadModel(path) as { kind: string; scalers: unknown; features: unknown; config: { steps: number }; version: number };
      assert.equal(raw.kind, 'mora-lstm-global');
      assert.deepEqual(raw.scalers, model.state.scalers);
      assert.deepEqual(raw.features, model.state.features);
      assert.equal(raw.config.steps, 24);
      const back = loadGlobalLstm(path);
      assert.equal(back.version, model.version);
      const h = split(pool[2].series, 24).train;
      assert.deepEqual(Array.from(back.forecast(h, 36, 'w2').mean), Array.from(model.forecast(h, 36, 'w2').mean));
      assert.deepEqual(Array.from(back.forecast(h, 36).upper), Array.from(model.forecast(h, 36).upper));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refresh fine-tunes from the saved weights: weights change, scalers of known series stay, new series get theirs, version + 1', () => {
    const newer = pool.map((p) => ({ id: p.id, series: p.series }));
    newer.push({ id: 'new', series: shaped(21, 7, 3, 555) });
    const refreshed = model.refresh(newer, { epochs: 2 });
    assert.equal(refreshed.version, 2);
    assert.equal(refreshed.state.refreshes.length, 1);
    const before = model.weights(), after = refreshed.weights();
    assert.ok(before.some((w, i) => w.some((x, j) => x !== after[i][j])), 'weights unchanged');
    for (const p of pool) {
      const a = { ...model.state.scalers[p.id] }, b = { ...refreshed.state.scalers[p.id] };
      assert.equal(b.center, a.center); assert.equal(b.scale, a.scale); assert.equal(b.period, a.period);
    }
    assert.ok(refreshed.state.scalers.new);
    // The original is untouched.
    assert.equal(model.version, 1);
  });

  it('plugs into the fusion as the lstm member (ForecastRequest.overrides)', async () => {
    const h = split(pool[1].series, 24).train;
    const runs = await runForecasts(h, ['lstm', 'fused'], { horizon: 24, overrides: { lstm: globalLstmOverride(model, 'w1') } });
    assert.equal((runs[0].fitted as { kind: string }).kind, 'mora-lstm-global');
    const fused = runs[1].forecast as FusedForecast;
    assert.equal(fused.mean.length, 24);
    assert.ok(fused.mean.every(Number.isFinite));
    assert.ok(fused.used.some((u) => u === 'lstm') || fused.dropped.some((d) => d.name === 'lstm'));
  });

  it('is the lstm registry entry with --set lstm.global=<model.json> [lstm.series=<id>], fused included', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mora-global-'));
    try {
      const path = join(dir, 'model.json');
      saveGlobalLstm(path, model);
      const h = split(pool[3].series, 24).train;
      const runs = await runForecasts(h, ['lstm', 'fused'], { horizon: 24, options: { lstm: { global: path, series: 'w3' } } });
      const fitted = runs[0].fitted as { kind: string; series: string; holdout: { mae: number } };
      assert.equal(fitted.kind, 'mora-lstm-global');
      assert.equal(fitted.series, 'w3');
      assert.ok(Number.isFinite(fitted.holdout.mae));
      // The fusion member scales by the series' last GLOBAL_RECENT_DAYS days (its stored scaler's step and lag) or by its
      // stored scaler, whichever its holdout picked (GLOBAL_SCALING), and says which.
      const picked = (runs[0].fitted as { scaling: string }).scaling;
      assert.ok(picked === 'recent' || picked === 'stored', picked);
      assert.deepEqual(Array.from(runs[0].forecast.mean), Array.from(model.forecast(h, 24, 'w3', { recentDays: picked === 'recent' ? GLOBAL_RECENT_DAYS : 0 }).mean));
      assert.ok((runs[1].forecast as FusedForecast).mean.every(Number.isFinite));
      const zeroShot = await runForecasts(h, ['lstm'], { horizon: 24, options: { lstm: { global: path } } });
      assert.equal((zeroShot[0].fitted as { series: unknown }).series, null);
      await assert.rejects(runForecasts(h, ['lstm'], { horizon: 24, options: { lstm: { global: path, series: 'nope' } } }), (e: Error) => e.name === 'ForecastInputError' && /"nope" is not in the global model's pool \(6 series\)/.test(e.message));
      await assert.rejects(runForecasts(h, ['lstm'], { horizon: 24, options: { lstm: { global: join(dir, 'missing.json') } } }), (e: Error) => e.name === 'ForecastInputError' && /lstm.global: cannot use/.test(e.message));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses bad input with a clear error', () => {
    const ok = pool[0].series;
    assert.throws(() => trainGlobalLstm([], SMALL), (e: Error) => e instanceof GlobalLstmError && /no series/.test(e.message));
    assert.throws(() => trainGlobalLstm([{ id: 'empty', series: series([], []) }], SMALL), /series "empty" is empty/);
    const nan = { t: ok.t, v: ok.v.map(() => NaN) };
    assert.throws(() => trainGlobalLstm([{ id: 'a', series: ok }, { id: 'nan', series: nan }], SMALL), /series "nan" has 0 usable point\(s\) of 504 \(504 NaN or non-finite dropped\)/);
    const short = { t: ok.t.subarray(0, 40), v: ok.v.subarray(0, 40) };
    assert.throws(() => trainGlobalLstm([{ id: 'short', series: short }], SMALL), /series "short" is too short \(40 regular steps\)/);
    assert.throws(() => trainGlobalLstm([{ id: 'a', series: ok }, { id: 'a', series: ok }], SMALL), /appears twice/);
    assert.throws(() => model.forecast(short, 12), /needs 48 regular steps of history to forecast, got 40/);
    assert.throws(() => model.forecast({ t: ok.t.map((x) => x * 2), v: ok.v }, 12, 'w0'), /7200 s step; it was trained at 3600 s/);
  });
});
