// The forecast view uses a per-series LSTM saved by Train Models instead of training again, when it fits the series:
// the same forecast as the in-memory model Train Models fitted, no training at all; and when it does not fit (another
// step, another lookback, stale, trained on the holdout, unreadable, none) the reason, for the caller to train as before.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Series } from '../../src/core/series';
import { LstmForecaster } from '../../src/ml/lstm/forecaster';
import { runLstmWithHoldout } from '../../src/ml/lstm/holdout-run';
import { saveModel } from '../../src/ml/lstm/persist';
import { SAVED_SERIES_MAX_AGE_DAYS, runSavedSeriesLstm, savedSeriesModelPath, savedSeriesTrainingHistory } from '../../src/ml/lstm/saved-series';
import { inTempDir } from './helpers/temp-dir';

const STEP = 900;
const HORIZON = 192; // the forecast view's 48 h at its 15-minute bucket
const OPTIONS = { epochs: 2, maxWindows: 64, seed: 7 };

/** `days` of a daily cycle (plus a weekly tilt) at STEP, ending at `end`: a CPU-like series with no spikes. */
function cpuSeries(days: number, end = 1_780_000_200): Series {
  const n = Math.round((days * 86400) / STEP);
  const t = new Float64Array(n), v = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    t[i] = end - (n - 1 - i) * STEP;
    v[i] = 0.5 + 0.3 * Math.sin((2 * Math.PI * t[i]) / 86400) + 0.05 * Math.sin((2 * Math.PI * t[i]) / (7 * 86400)) + 0.02 * Math.sin(i * 1.7);
  }
  return { t, v };
}

/** Calls of LstmForecaster.fit while `fn` runs. */
function fitsDuring<T>(fn: () => T): { value: T; fits: number } {
  const original = LstmForecaster.prototype.fit;
  let fits = 0;
  LstmForecaster.prototype.fit = function (this: LstmForecaster, h: Series) { fits++; return original.call(this, h); };
  try {
    return { value: fn(), fits };
  } finally {
    LstmForecaster.prototype.fit = original;
  }
}

describe('Show Forecast: a per-series LSTM saved by Train Models is used instead of training again', function () {
  this.timeout(60_000);
  const history = cpuSeries(8);
  // What Train Models does (in a worker): the view's holdout run on the view's series, the model saved as a TF.js artefact.
  const trained = runLstmWithHoldout(history, HORIZON, OPTIONS);
  const w = { context: 'kind-a', namespace: 'shop', kind: 'Deployment', name: 'cart' };

  it('the same forecast and holdout as the in-memory model, and no training', () => inTempDir(async (dir) => {
    const file = savedSeriesModelPath(path.join(dir, 'models'), w, 'server', 'cpu_usage');
    saveModel(file, trained.model.toJSON());
    const { value: run, fits } = fitsDuring(() => runSavedSeriesLstm(file, history, HORIZON));
    assert.equal(fits, 0, 'the saved model forecasts without training');
    assert.ok(run.used, run.used ? '' : run.reason);
    assert.deepEqual(Array.from(run.forecast.t), Array.from(trained.forecast.t));
    assert.deepEqual(Array.from(run.forecast.mean), Array.from(trained.forecast.mean));
    assert.deepEqual(Array.from(run.forecast.upper), Array.from(trained.forecast.upper));
    assert.equal(run.holdout.points, trained.holdout.points);
    assert.deepEqual(run.holdout.actual, trained.holdout.actual);
    assert.ok(Math.abs(run.holdout.mae - trained.holdout.mae) <= 1e-9 * Math.max(1, trained.holdout.mae), `holdout MAE ${run.holdout.mae} vs ${trained.holdout.mae}`);
    assert.match(run.note, /saved by Train Models .*not retrained/);
    // Training again on the same history is what the view did before: it costs a fit.
    assert.equal(fitsDuring(() => runLstmWithHoldout(history, HORIZON, OPTIONS)).fits, 1);
  }));

  it('a day later the saved model continues from the newer history (its holdout days still unseen in training)', () => inTempDir(async (dir) => {
    const file = path.join(dir, 'm.json');
    saveModel(file, trained.model.toJSON());
    const later = cpuSeries(9, history.t[history.t.length - 1] + 86400);
    const run = runSavedSeriesLstm(file, later, HORIZON);
    assert.ok(run.used, run.used ? '' : run.reason);
    assert.equal(run.forecast.t[0], later.t[later.t.length - 1] + STEP);
    assert.deepEqual(Array.from(run.forecast.mean), Array.from(trained.model.withHistory(later).predict({ horizon: HORIZON }).mean));
  }));

  it('does not fit: none saved, another step, another lookback, stale, trained on the holdout, unreadable — each says why', () => inTempDir(async (dir) => {
    const file = path.join(dir, 'm.json');
    assert.deepEqual(runSavedSeriesLstm(file, history, HORIZON), { used: false, reason: 'no model saved by Train Models' });
    saveModel(file, trained.model.toJSON());
    const atFiveMinutes: Series = { t: Float64Array.from({ length: 3 * history.t.length }, (_x, i) => history.t[0] + i * 300), v: new Float64Array(3 * history.t.length).fill(0.5) };
    assert.deepEqual(runSavedSeriesLstm(file, atFiveMinutes, HORIZON), { used: false, reason: 'saved at a 900 s step, this series is at 300 s' });
    assert.deepEqual(runSavedSeriesLstm(file, history, HORIZON, { steps: 48 }), { used: false, reason: 'saved with 30-step windows, this forecast uses 48' });
    const muchLater = cpuSeries(8, history.t[history.t.length - 1] + (SAVED_SERIES_MAX_AGE_DAYS + 1) * 86400);
    const stale = runSavedSeriesLstm(file, muchLater, HORIZON);
    assert.ok(!stale.used && /ends 9\.0 days before this one \(more than 7\)/.test(stale.reason), JSON.stringify(stale));
    // Fitted on the whole history (no holdout): the view's holdout would score it on days it was trained on.
    saveModel(file, new LstmForecaster(OPTIONS).fit(history).toJSON());
    assert.deepEqual(runSavedSeriesLstm(file, history, HORIZON), { used: false, reason: 'the saved model was trained on the days this forecast holds out to score it' });
    fs.writeFileSync(file, '{"kind":"something else"}');
    const unreadable = runSavedSeriesLstm(file, history, HORIZON);
    assert.ok(!unreadable.used && /^the saved model cannot be read: /.test(unreadable.reason), JSON.stringify(unreadable));
  }));

  it('does not fit when the series level changed since Train Models (×3, ×1e9); ×1.1 still fits', () => inTempDir(async (dir) => {
    const file = path.join(dir, 'm.json');
    saveModel(file, trained.model.toJSON());
    const times = (k: number): Series => ({ t: history.t, v: history.v.map((x) => x * k) });
    for (const k of [3, 1e9]) {
      const run = runSavedSeriesLstm(file, times(k), HORIZON);
      assert.ok(!run.used && /^series level changed since Train Models \(now .+, trained on .+\)$/.test(run.reason), `×${k}: ${JSON.stringify(run.used ? run.note : run)}`);
    }
    const slightly = runSavedSeriesLstm(file, times(1.1), HORIZON);
    assert.ok(slightly.used, slightly.used ? '' : slightly.reason);
  }));

  it('does not fit when the level dropped inside the trained range (a series at ~1.0 with a burst and a dip, now at 0.2); a modest move still fits', () => inTempDir(async (dir) => {
    // Trained at ~1.0 (a small daily cycle) with a 3-step burst to 2.0 and a 3-step dip to 0.15: the scaler's range is
    // 0.15..2.0, so a series now sitting at 0.2 is inside it and the range rule alone let the model through.
    const level = (end: number, days: number, at: (t: number) => number): Series => {
      const n = Math.round((days * 86400) / STEP);
      const t = Float64Array.from({ length: n }, (_x, i) => end - (n - 1 - i) * STEP);
      return { t, v: t.map((x, i) => at(x) + 0.05 * Math.sin((2 * Math.PI * x) / 86400) + 0.01 * Math.sin(i * 1.7)) };
    };
    const end = history.t[history.t.length - 1];
    const base = level(end, 8, () => 1);
    for (let i = 200; i < 203; i++) base.v[i] = 2;
    for (let i = 400; i < 403; i++) base.v[i] = 0.15;
    const file = path.join(dir, 'm.json');
    saveModel(file, runLstmWithHoldout(base, HORIZON, OPTIONS).model.toJSON());
    const later = end + 2 * 86400;
    // The last two days at 0.2: refused, saying so.
    const dropped = level(later, 8, (t) => (t > later - 2 * 86400 ? 0.2 : 1));
    for (let i = 0; i < dropped.v.length; i++) if (dropped.t[i] <= end) dropped.v[i] = base.v[base.t.indexOf(dropped.t[i])];
    const run = runSavedSeriesLstm(file, dropped, HORIZON);
    assert.ok(!run.used && /^series level changed since Train Models \(the last day's median is 0\.(19|20)\d; the 6 whole days the model was trained on had medians (0\.99\d|1\.00)–(0\.99\d|1\.0\d), so 0\.7[45]\d–1\.2[56]\d? would fit\)$/.test(run.reason), JSON.stringify(run.used ? run.note : run));
    // A modest move (to 0.85, 15% down) still fits, as does the same level two days later.
    const modest = level(later, 8, (t) => (t > later - 2 * 86400 ? 0.85 : 1));
    const ok = runSavedSeriesLstm(file, modest, HORIZON);
    assert.ok(ok.used, ok.used ? '' : ok.reason);
    const same = runSavedSeriesLstm(file, level(later, 8, () => 1), HORIZON);
    assert.ok(same.used, same.used ? '' : same.reason);
    // Saved on other data (this series ×3, still inside the range rule's bound): this history's past does not hold the
    // saved tail, so only the tail's whole day counts, and the series is refused.
    saveModel(file, runLstmWithHoldout({ t: base.t, v: base.v.map((x) => 3 * x) }, HORIZON, OPTIONS).model.toJSON());
    const other = runSavedSeriesLstm(file, base, HORIZON);
    assert.ok(!other.used && /^series level changed since Train Models \(the last day's median is (0\.99\d|1\.00); the whole day the model was saved with had a median of (2\.99|3\.00), so 2\.2\d–3\.7\d would fit\)$/.test(other.reason), JSON.stringify(other.used ? other.note : other));
  }));

  describe('a daily or weekly cycle, unchanged, is not a level change (whole days compared with whole days)', () => {
    const MIDNIGHT = 1_780_012_800; // 2026-05-29 00:00 UTC, a Friday
    const hour = (t: number) => (((t % 86400) + 86400) % 86400) / 3600;
    /** 10 days at STEP ending at `end`, `at(t)` plus a little noise. */
    const cycle = (end: number, at: (t: number) => number): Series => {
      const n = Math.round((10 * 86400) / STEP);
      const t = Float64Array.from({ length: n }, (_x, i) => end - (n - 1 - i) * STEP);
      return { t, v: t.map((x, i) => at(x) + 0.005 * Math.sin(i * 1.7)) };
    };
    /** What Train Models does (savedSeriesTrainingHistory, the view's holdout run, saved), then the same series read back. */
    const savedThenRun = (dir: string, s: Series) => {
      const file = path.join(dir, 'm.json');
      saveModel(file, runLstmWithHoldout(savedSeriesTrainingHistory(s), HORIZON, OPTIONS).model.toJSON());
      return runSavedSeriesLstm(file, s, HORIZON);
    };

    it('a business-hours load (1.0 from 8:00 to 19:00, else 0.1) ending at midnight is used', () => inTempDir(async (dir) => {
      // Before: the 1.6-day saved tail held two daytime stretches (median 1.0), a whole day's median is 0.1: refused.
      const run = savedThenRun(dir, cycle(MIDNIGHT, (t) => (hour(t) >= 8 && hour(t) < 19 ? 1 : 0.1)));
      assert.ok(run.used, run.used ? '' : run.reason);
    }));

    it('a 14-hour daily batch (1.0 from 0:00 to 14:00, else 0.1) is used whatever hour the series ends at', () => inTempDir(async (dir) => {
      const refused: string[] = [];
      for (let h = 0; h < 24; h++) {
        const run = savedThenRun(dir, cycle(MIDNIGHT + h * 3600, (t) => (hour(t) < 14 ? 1 : 0.1)));
        if (!run.used) refused.push(`ending ${h}:00: ${run.reason}`);
      }
      assert.deepEqual(refused, []);
    }));

    it('weekdays at 1.0, weekends at 0.5: used whichever day the series ends on; a drop below both still refused', () => inTempDir(async (dir) => {
      const weekly = (t: number) => { const wd = (Math.floor(t / 86400) + 4) % 7; return wd === 0 || wd === 6 ? 0.5 : 1; }; // 0 = Sunday
      const refused: string[] = [];
      for (let d = 0; d < 7; d++) {
        const run = savedThenRun(dir, cycle(MIDNIGHT + d * 86400 + 12 * 3600, weekly));
        if (!run.used) refused.push(`ending ${new Date((MIDNIGHT + d * 86400) * 1000).toUTCString().slice(0, 3)} 12:00: ${run.reason}`);
      }
      assert.deepEqual(refused, []);
      // The same model, the series' last day (after its saved tail) at 0.3 — below the weekend level the model saw, inside
      // the range rule's bound: refused.
      const file = path.join(dir, 'm.json');
      const s = cycle(MIDNIGHT + 12 * 3600, weekly);
      saveModel(file, runLstmWithHoldout(savedSeriesTrainingHistory(s), HORIZON, OPTIONS).model.toJSON());
      const end = s.t[s.t.length - 1];
      const dropped: Series = { t: s.t, v: s.v.map((x, i) => (s.t[i] > end - 86400 ? 0.3 : x)) };
      const run = runSavedSeriesLstm(file, dropped, HORIZON);
      assert.ok(!run.used && /^series level changed since Train Models \(the last day's median is 0\.\d+; the \d+ whole days the model was trained on had medians 0\.5\d*–1\.0\d*, so 0\.37\d–1\.2\d* would fit\)$/.test(run.reason), JSON.stringify(run.used ? run.note : run));
    }));
  });
});
