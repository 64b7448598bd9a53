import assert from 'node:assert/strict';
import type { Workload } from '../../src/core/workload';
import type { DataSource, MetricFrame } from '../../src/data/datasource';
import { recommendFromSource } from '../../src/pipeline/recommend';

const DAY = 86400;
const MiB = 2 ** 20;
const NOW = 1_800_000_000 - (1_800_000_000 % DAY);
const STEP = 300;

/** A container at its 256Mi limit (working set 240–256Mi every day), with the OOM kills the source reports. */
function source(oomKills: readonly number[] | undefined): DataSource {
  const workload = { context: 'prod', namespace: 'shop', kind: 'Deployment', name: 'cache', replicas: 1,
    containers: [{ name: 'app', resources: { requests: { cpu: 0.2, memory: 200 * MiB }, limits: { memory: 256 * MiB } } }] } as unknown as Workload;
  const from = NOW - 14 * DAY;
  return {
    kind: 'cluster',
    contexts: async () => ['prod'],
    namespaces: async () => ['shop'],
    workloads: async () => [workload],
    historyRange: async () => ({ from, to: NOW, step: STEP }),
    metrics: async (_t, r): Promise<MetricFrame> => {
      const n = Math.floor((r.to - r.from) / r.step);
      const t = Float64Array.from({ length: n }, (_, i) => r.from + i * r.step);
      const memory = Float64Array.from(t, (x) => (240 + 16 * Math.max(0, Math.sin((2 * Math.PI * (x % DAY)) / DAY))) * MiB);
      const cpu = Float64Array.from(t, () => 0.1);
      return { t, step: r.step, values: { cpu_usage: cpu, memory_working_set: memory }, ...(oomKills ? { oomKills } : {}) };
    },
    health: async () => ({ ok: true, message: '' }),
  };
}

describe('recommend: OOM kills the source reports reach the engine', () => {
  const daily = Array.from({ length: 14 }, (_, d) => NOW - (d + 0.5) * DAY);

  it('a container killed every day at its 256Mi limit: memory raised by the OOM rule, verdict at-risk', async () => {
    const [run] = await recommendFromSource(source(daily));
    const c = run.recommendation.containers[0];
    assert.ok(c.memory!.limit!.value >= 356 * MiB, `limit ${c.memory!.limit!.value / MiB}Mi ≥ max(256 + 100, 256 × 1.2)Mi`);
    assert.ok(c.memory!.evidence.notes.some((n) => /^14 OOM kill\(s\): raised to VPA's OOM rule/.test(n)), c.memory!.evidence.notes.join(' | '));
    assert.equal(c.verdict, 'at-risk');
  });

  it('without kills (or kills older than the history window) the same container is sized from its usage alone', async () => {
    for (const kills of [undefined, [], [NOW - 30 * DAY]]) {
      const [run] = await recommendFromSource(source(kills));
      const c = run.recommendation.containers[0];
      assert.ok(c.memory!.limit!.value < 300 * MiB, `${JSON.stringify(kills)}: ${c.memory!.limit!.value / MiB}Mi`);
      assert.ok(!c.memory!.evidence.notes.some((n) => /OOM kill/.test(n)), JSON.stringify(kills));
    }
  });
});
