import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runLstmWithHoldout } from '../../src/ml/lstm/holdout-run';
import { CancelledJobError, LstmWorkerPool } from '../../src/ml/worker/pool';

function hourly(days: number): { t: Float64Array; v: Float64Array } {
  const n = days * 24;
  const t = Float64Array.from({ length: n }, (_, i) => 1_700_006_400 + i * 3600);
  const v = Float64Array.from({ length: n }, (_, i) => 10 + 5 * Math.sin((2 * Math.PI * i) / 24) + ((i * 7919) % 13) / 13);
  return { t, v };
}

describe('LSTM worker pool', function () {
  this.timeout(60000);
  const pool = new LstmWorkerPool({ size: 2, workerFile: join(__dirname, '../../src/ml/worker/main.ts') });
  after(() => pool.close());
  const small = { units1: 8, units2: 4, dense: 4, chunk: 4, epochs: 3, maxWindows: 200 };

  it('trains jobs in parallel off the main thread, reporting progress per epoch', async () => {
    const { t, v } = hourly(10);
    const seen: number[][] = [[], []];
    const jobs = [0, 1].map((k) => pool.train(t, v, 12, { ...small, seed: k + 1 }, (p) => seen[k].push(p.epoch)));
    const results = await Promise.all(jobs.map((j) => j.result));
    for (const [k, r] of results.entries()) {
      assert.equal(r.forecast.mean.length, 12);
      assert.ok(r.forecast.mean.every((x) => Number.isFinite(x)));
      assert.equal(r.state.kind, 'mora-lstm');
      assert.deepEqual(seen[k], [0, 1, 2].slice(0, seen[k].length));
      assert.ok(seen[k].length >= 1);
    }
    assert.match(pool.backend ?? '', /mora-kernels/);
  });

  it('returns the same run as the in-process lstm model when asked for its holdout score (what the fusion weighs)', async () => {
    const { t, v } = hourly(10);
    const options = { ...small, seed: 3 };
    const r = await pool.train(t, v, 12, options, undefined, true).result;
    assert.ok(r.holdout, 'a holdout came back');
    assert.equal(r.holdout.points, 12);
    assert.deepEqual(r.holdout.actual, Array.from(v.subarray(v.length - 12)));
    const local = runLstmWithHoldout({ t, v }, 12, options);
    assert.deepEqual(r.holdout.mean, local.holdout.mean, 'trained without the last 12 points, as in-process');
    assert.equal(r.holdout.mae, local.holdout.mae);
    assert.deepEqual(Array.from(r.forecast.mean), Array.from(local.forecast.mean));
  });

  it('cancels a running job', async () => {
    const { t, v } = hourly(20);
    let handle: ReturnType<LstmWorkerPool['train']> | undefined = undefined;
    handle = pool.train(t, v, 6, { ...small, epochs: 500, patience: 500 }, () => handle?.cancel());
    await assert.rejects(handle.result, CancelledJobError);
  });

  it('delivers no progress after a cancel (the view that asked may be closed)', async () => {
    const { t, v } = hourly(20);
    let handle: ReturnType<LstmWorkerPool['train']> | undefined = undefined;
    let after = 0, cancelled = false;
    handle = pool.train(t, v, 6, { ...small, epochs: 500, patience: 500 }, () => {
      if (cancelled) { after++; return; }
      cancelled = true;
      handle?.cancel();
    });
    await assert.rejects(handle.result, CancelledJobError);
    assert.equal(after, 0, 'progress after cancel');
  });

  it('trains the 14-feature workload model in a worker and returns its three target forecasts', async () => {
    const n = 600;
    const t = Float64Array.from({ length: n }, (_, i) => 1_700_006_400 + i * 60);
    const rate = Float64Array.from({ length: n }, (_, i) => 50 + 20 * Math.sin((2 * Math.PI * i) / 60));
    const values = { request_rate: rate, cpu_usage: rate.map((r) => r * 0.002), memory_working_set: rate.map(() => 2e8), ready_replicas: rate.map(() => 2) };
    const handle = pool.trainWorkload({ t, step: 60, values }, { cpuMargin: 0.1, memoryMargin: 0.1, targetCpuUtilization: 0.7, cpuRequest: 0.1 },
      { units1: 8, units2: 4, dense: 4, horizon: 5, epochs: 2, maxWindows: 128 });
    const { state, prediction } = await handle.result;
    assert.equal(state.kind, 'mora-workload-lstm');
    assert.equal(state.features.length, 14);
    for (const k of ['cpu_target', 'memory_target', 'replica_target'] as const) assert.equal(prediction[k].length, 5);
  });
});
