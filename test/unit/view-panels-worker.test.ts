// The forecast view's panel models in the LSTM worker pool (job `view-panels`): the same numbers as on the calling thread,
// and an LSTM member from per-series results the pool trained, or a clear error when no global model is cached.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LstmWorkerPool } from '../../src/ml/worker/pool';
import { forecastPanels, panelHistory, PANELS, type LstmRunResult } from '../../src/views/forecast-panels';
import { panelFrame } from '../harness/panel-frame';

const options = { bucket: 1800, horizonHours: 24, seed: 7, lstmPanels: ['cpu' as const] };

describe('forecast view panels in the worker pool', function () {
  this.timeout(60000);
  const pool = new LstmWorkerPool({ size: 1, workerFile: join(__dirname, '../../src/ml/worker/main.ts') });
  after(() => pool.close());

  it('gives the same panels and notes as the calling thread', async () => {
    const f = panelFrame(1);
    const here = await forecastPanels(f, options);
    const there = await pool.viewPanels(f, options).result;
    assert.deepEqual(there.panels.map((p) => p.id), ['cpu', 'memory', 'requests', 'replicas']);
    assert.deepEqual(there, here);
    assert.ok(!there.lstmRan);
  });

  it('fuses LSTM forecasts trained already (per series, by panel)', async () => {
    const f = panelFrame(2);
    const history = panelHistory(PANELS[0], f, options.bucket)!;
    const horizon = (options.horizonHours * 3600) / options.bucket;
    const last = history.t[history.t.length - 1];
    const mean = Float64Array.from({ length: horizon }, (_, i) => history.v[history.v.length - 48 + (i % 48)]);
    const cpu: LstmRunResult = {
      forecast: { t: Float64Array.from({ length: horizon }, (_, i) => last + (i + 1) * options.bucket), mean, lower: mean.map((x) => x * 0.9), upper: mean.map((x) => x * 1.1), intervalWidth: 0.9 },
    };
    const r = await pool.viewPanels(f, options, { kind: 'trained', results: { cpu } }).result;
    assert.ok(r.lstmRan);
    assert.deepEqual(r.panels[0].runs.map((x) => x.model), ['prophet', 'lstm', 'fused']);
    assert.deepEqual(r.panels[1].runs.map((x) => x.model), ['prophet', 'fused'], 'the LSTM only where a result was given');
  });

  it('says so when the cache holds no global model, instead of forecasting without it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mora-view-panels-'));
    try {
      await assert.rejects(pool.viewPanels(panelFrame(3), options, { kind: 'global', dir }).result, /no global LSTM cached in/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
