// Prometheus' warnings (Thanos/Mimir "partial response: store … unavailable") reach the user: each distinct one once
// (the CLI prints `mora: warning: Prometheus: …`), and in the evidence notes of the workloads whose data they concern.
import * as assert from 'node:assert/strict';
import type { Workload } from '../../src/core/workload';
import { ClusterDataSource } from '../../src/data/cluster';
import type { PrometheusClient } from '../../src/data/prometheus/client';
import { recommendFromSource } from '../../src/pipeline/recommend';
import { fixedWorkloadsSource } from './helpers/cluster-source';

const NOW = 1_800_000_000;
const wl = (name: string) => ({ context: 'prod', namespace: 'shop', kind: 'Deployment', name, replicas: 1, containers: [{ name: 'app', resources: { requests: {}, limits: {} } }] }) as unknown as Workload;
const PARTIAL = 'partial response: store 10.0.3.7:10901 unavailable';

/** CPU and memory with steady values; every answer carries the store warning, the memory ones a second warning too. */
function fakePrometheus(): PrometheusClient {
  return {
    maxPoints: 11_000,
    queryRange: async (promql: string, start: number, end: number, step: number) => {
      const memory = promql.includes('container_memory_working_set_bytes');
      const warnings = memory ? [PARTIAL, 'deduplication disabled'] : [PARTIAL];
      // kube-state-metrics is scraped (the OOM-kill query's "seen" series): no OOM warning of MOrA's own in the way.
      if (promql.includes('mora_oom')) return { series: [{ labels: { mora_oom: 'seen' }, t: Float64Array.of(end), v: Float64Array.of(0) }], warnings, step, start, end };
      if (!memory && !promql.includes('container_cpu_usage_seconds_total')) return { series: [], warnings, step, start, end };
      const t: number[] = [];
      for (let x = start; x <= end; x += step) t.push(x);
      return { series: [{ labels: {}, t: Float64Array.from(t), v: Float64Array.from(t, () => (memory ? 3e8 : 0.2)) }], warnings, step, start, end };
    },
    query: async () => [],
  } as unknown as PrometheusClient;
}

describe('Prometheus warnings are reported, not dropped', () => {
  for (const plan of ['per-workload', 'namespace at once'] as const) {
    it(`each distinct warning once per run, and in the evidence notes (${plan})`, async () => {
      const workloads = [wl('web'), wl('api')];
      const cluster = new ClusterDataSource({ prometheus: fakePrometheus(), prometheusPlan: 'per-workload', now: () => NOW });
      const source = fixedWorkloadsSource(cluster, workloads, { namespaceAtOnce: plan === 'namespace at once' });
      const warned: string[] = [];
      const runs = await recommendFromSource(source, { onSourceWarning: (m) => warned.push(m), onSkip: (_w, why) => assert.fail(`skipped: ${why}`) });
      assert.equal(runs.length, 2);
      assert.deepEqual([...warned].sort(), ['deduplication disabled', PARTIAL]);
      for (const run of runs) {
        const cpu = run.recommendation.containers[0].cpu;
        assert.ok(cpu, 'sized');
        assert.ok(cpu.evidence.notes.includes(`Prometheus warning: ${PARTIAL}`), cpu.evidence.notes.join(' | '));
      }
    });
  }
});
