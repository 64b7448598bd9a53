// The extension's worker pool at background priority (PoolOptions.niceness): on Linux its worker threads run with that
// nice value, so the extension host's thread is scheduled ahead of them; the CLI's pools (no niceness) stay at normal priority.
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { join } from 'node:path';
import { LstmWorkerPool } from '../../src/ml/worker/pool';

/** Nice value of every thread of this process (Linux /proc: field 19 of a task's stat, counted after the command name). */
function threadNiceness(): number[] {
  return readdirSync('/proc/self/task').map((tid) => {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  });
}

/** Starts one worker (a job it rejects at once is enough) and returns the threads' nice values while it runs. */
async function withOneWorker(pool: LstmWorkerPool): Promise<number[]> {
  const job = pool.forecast({ t: [0, 60, 120], v: [1, 2, 3] }, { model: 'no-such-model', horizon: 1, step: 60 });
  await job.result.catch(() => undefined);
  return threadNiceness();
}

describe('worker pool thread priority', function () {
  this.timeout(60000);
  const workerFile = join(__dirname, '../../src/ml/worker/main.ts');
  before(function () {
    // Per-thread nice values exist only on Linux (setpriority on a thread id); elsewhere the pool does not ask for them.
    if (process.platform !== 'linux') {
      console.log(`    skipped: worker thread priority is Linux-only, this is ${process.platform}`);
      this.skip();
    }
  });

  it('runs its workers at the nice value asked for, the calling thread unchanged', async () => {
    const base = getPriority();
    const before = threadNiceness();
    const pool = new LstmWorkerPool({ size: 1, workerFile, niceness: 10 });
    try {
      const during = await withOneWorker(pool);
      const want = Math.min(19, base + 10);
      assert.ok(during.filter((n) => n === want).length > before.filter((n) => n === want).length, `a thread at nice ${want}: ${during.join(',')}`);
      assert.equal(getPriority(), base, 'the calling thread keeps its priority');
    } finally {
      await pool.close();
    }
  });

  it('keeps normal priority without it (the CLI)', async () => {
    const base = getPriority();
    const pool = new LstmWorkerPool({ size: 1, workerFile });
    try {
      const during = await withOneWorker(pool);
      assert.ok(during.every((n) => n === base), `every thread at nice ${base}: ${during.join(',')}`);
    } finally {
      await pool.close();
    }
  });
});
