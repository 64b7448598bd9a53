// A worker thread that ends without an 'error' event (process.exit in a job) fails its job instead of leaving it pending
// forever (Train Models / the forecast view stuck "running"), and the pool replaces the worker for the next job.
import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LstmWorkerPool } from '../../src/ml/worker/pool';
import { inTempDir } from './helpers/temp-dir';

/** A stand-in worker entry: a forecast job of model "exit" ends the thread with process.exit, any other is answered. */
const WORKER = `const { parentPort } = require('node:worker_threads');
parentPort.on('message', (job) => {
  if (job.model === 'exit') process.exit(3);
  const one = Float64Array.of(1);
  parentPort.postMessage({ type: 'done-forecast', id: job.id, t: one, mean: one, lower: one, upper: one, intervalWidth: 0.9 });
});
`;

/** `p`, or a rejection once `ms` have passed without it settling (a deadline, not a wait). */
function within<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_r, reject) => { timer = setTimeout(() => reject(new Error(`still pending after ${ms} ms`)), ms); });
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}

describe('worker pool: a worker that exits fails its job', function () {
  this.timeout(30_000);

  it('rejects the exiting worker\'s job within a deadline and runs the next job on a new worker', () => inTempDir(async (dir) => {
    const workerFile = join(dir, 'worker.js');
    writeFileSync(workerFile, WORKER);
    const pool = new LstmWorkerPool({ size: 1, workerFile });
    try {
      const request = (model: string) => pool.forecast({ t: [0, 60], v: [1, 2] }, { model, horizon: 1, step: 60 }).result;
      // Queued behind the exiting one on the pool's only worker: it runs on the replacement.
      const [dies, next] = [request('exit'), request('ok')];
      await assert.rejects(within(dies, 10_000), /LSTM worker thread exited \(code 3\) before finishing its job/);
      assert.deepEqual(Array.from((await within(next, 10_000)).mean), [1]);
      assert.deepEqual(Array.from((await within(request('ok'), 10_000)).mean), [1], 'the pool keeps working');
    } finally {
      await pool.close();
    }
  }));
});
