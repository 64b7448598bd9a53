import { strict as assert } from 'node:assert';
import type { Workload } from '../../src/core/workload';
import type { MetricFrame, MetricTarget, TimeRange } from '../../src/data/datasource';
import { trainingFrames } from '../../src/pipeline/training-frames';

function workload(name: string, containers: string[]): Workload {
  return { context: 'c', namespace: 'ns', kind: 'Deployment', name, replicas: 1, containers: containers.map((n) => ({ name: n, resources: { requests: {}, limits: {} } })) } as unknown as Workload;
}

/** A source whose metrics() answers when the test releases it; counts reads and the most in flight at once. */
function slowSource() {
  const reads: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const waiting: Array<() => void> = [];
  const source = {
    async historyRange(): Promise<TimeRange> { return { from: 0, to: 86400, step: 60 }; },
    metrics(target: MetricTarget, range: TimeRange): Promise<MetricFrame> {
      reads.push(`${target.workload.name}/${target.container}@${range.step}`);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      return new Promise((resolve) => waiting.push(() => { inFlight--; resolve({ t: new Float64Array([0]), step: range.step, values: {} }); }));
    },
  };
  return { source, reads, maxInFlight: () => maxInFlight, waiting };
}

async function until(ok: () => boolean): Promise<void> {
  const end = Date.now() + 5000;
  while (!ok()) {
    if (Date.now() > end) throw new Error('condition not met in 5 s');
    await new Promise((r) => setImmediate(r));
  }
}

describe('trainingFrames (Train Models\' reads)', () => {
  it('reads each container once, at most `concurrency` at a time, at 5-minute steps at the finest', async () => {
    const s = slowSource();
    const ws = [workload('a', ['app', 'sidecar']), workload('b', ['app']), workload('c', ['app'])];
    const run = trainingFrames(s.source, ws, { concurrency: 2 });
    // Release the reads one by one as they come.
    let released = 0;
    while (released < 4) {
      await until(() => s.waiting.length > 0);
      s.waiting.shift()!();
      released++;
    }
    const frames = await run;
    assert.deepEqual(s.reads.sort(), ['a/app@300', 'a/sidecar@300', 'b/app@300', 'c/app@300']);
    assert.equal(frames.length, 4);
    assert.equal(s.maxInFlight(), 2);
  });

  it('starts no read after the signal aborts (Cancel)', async () => {
    const s = slowSource();
    const abort = new AbortController();
    const ws = [workload('a', ['app']), workload('b', ['app']), workload('c', ['app']), workload('d', ['app'])];
    const run = trainingFrames(s.source, ws, { concurrency: 1, signal: abort.signal });
    await until(() => s.waiting.length === 1);
    abort.abort();
    s.waiting.shift()!();
    const frames = await run;
    assert.deepEqual(s.reads, ['a/app@300']);
    assert.equal(frames.length, 1);
  });
});
