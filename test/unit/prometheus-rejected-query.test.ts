// A query Prometheus refuses (422 "query processing would load too many samples", a Mimir tenant limit) is not "no
// usage samples": its message reaches the container's unsized reason (stderr, JSON `unsized[].reason`), or the skip
// reason when neither CPU nor memory could be read. A refused OOM-kill query loses the kills only, with a warning.
import * as assert from 'node:assert/strict';
import type { Workload } from '../../src/core/workload';
import { ClusterDataSource } from '../../src/data/cluster';
import type { DataSource } from '../../src/data/datasource';
import type { PrometheusClient } from '../../src/data/prometheus/client';
import { PrometheusError } from '../../src/data/prometheus/errors';
import { recommendFromSource } from '../../src/pipeline/recommend';
import { fixedWorkloadsSource } from './helpers/cluster-source';

const NOW = 1_800_000_000;
const workload = { context: 'prod', namespace: 'shop', kind: 'Deployment', name: 'web', replicas: 1, containers: [{ name: 'app', resources: { requests: {}, limits: {} } }] } as unknown as Workload;
const REFUSED = 'Prometheus at http://prom:9090 answered 422 Unprocessable Entity for query x: execution: query processing would load too many samples into memory in query execution';

/** Answers CPU with a steady usage; refuses the queries `refuse` matches as Prometheus does (kind "query"). */
function fakePrometheus(refuse: RegExp): PrometheusClient {
  return {
    maxPoints: 11_000,
    queryRange: async (promql: string, start: number, end: number, step: number) => {
      if (refuse.test(promql)) throw new PrometheusError(REFUSED, 'query', 422);
      if (!promql.includes('container_cpu_usage_seconds_total')) return { series: [], warnings: [], step, start, end };
      const t: number[] = [];
      for (let x = start; x <= end; x += step) t.push(x);
      return { series: [{ labels: {}, t: Float64Array.from(t), v: Float64Array.from(t, (x) => 0.2 + 0.05 * Math.sin(x / 3600)) }], warnings: [], step, start, end };
    },
    query: async () => [],
  } as unknown as PrometheusClient;
}

/** The cluster source with its workload list given (no Kubernetes API in a unit test). */
function source(client: PrometheusClient): DataSource {
  return fixedWorkloadsSource(new ClusterDataSource({ prometheus: client, prometheusPlan: 'per-workload', now: () => NOW }), [workload]);
}

describe('a query Prometheus rejects is reported with its message, not as "no usage samples"', () => {
  it('memory refused, CPU read: the memory value is unsized with Prometheus\' message; CPU is sized', async () => {
    const runs = await recommendFromSource(source(fakePrometheus(/container_memory_working_set_bytes/)), { onSkip: (_w, why) => assert.fail(`skipped: ${why}`) });
    assert.equal(runs.length, 1);
    const c = runs[0].recommendation.containers[0];
    assert.ok(c.cpu, 'CPU was read and sized');
    const memory = c.unsized?.find((u) => u.resource === 'memory');
    assert.equal(memory?.reason, REFUSED);
    assert.equal(c.unsized?.some((u) => u.resource === 'cpu'), false);
  });

  it('CPU and memory refused: the workload is skipped with Prometheus\' message, not "no samples for …"', async () => {
    const skipped: string[] = [];
    const runs = await recommendFromSource(source(fakePrometheus(/container_(cpu_usage_seconds_total|memory_working_set_bytes)/)), { onSkip: (_w, why) => skipped.push(why) });
    assert.equal(runs.length, 0);
    assert.deepEqual(skipped, [REFUSED]);
  });

  it('the OOM-kill query refused: one workload\'s frame is read without kills, with Prometheus\' message as a warning', async () => {
    const cluster = new ClusterDataSource({ prometheus: fakePrometheus(/kube_pod_container_status_last_terminated_reason/), now: () => NOW });
    const range = { from: NOW - 86400, to: NOW, step: 300 };
    const frame = await cluster.metrics({ workload, container: 'app' }, range);
    assert.ok(frame.values.cpu_usage, 'CPU read');
    assert.equal(frame.oomKills, undefined, 'not known');
    assert.deepEqual(frame.warnings, [`OOM kills not read: ${REFUSED}`]);
    const runs = await recommendFromSource(source(fakePrometheus(/kube_pod_container_status_last_terminated_reason/)), { onSkip: (_w, why) => assert.fail(`skipped: ${why}`) });
    const cpu = runs[0].recommendation.containers[0].cpu;
    assert.ok(cpu, 'the recommendation is kept');
    assert.ok(cpu.evidence.notes.includes(`Prometheus warning: OOM kills not read: ${REFUSED}`), cpu.evidence.notes.join('; '));
  });

  it('the OOM-kill query unanswered (Prometheus unreachable): the frame fails, as the batched plan\'s', async () => {
    const client = fakePrometheus(/^$/);
    const queryRange = client.queryRange.bind(client);
    client.queryRange = async (promql, ...rest) => {
      if (promql.includes('kube_pod_container_status_restarts_total')) throw new PrometheusError('Prometheus at http://prom:9090 refused the connection', 'unreachable');
      return queryRange(promql, ...rest);
    };
    await assert.rejects(new ClusterDataSource({ prometheus: client, now: () => NOW }).metrics({ workload, container: 'app' }, { from: NOW - 86400, to: NOW, step: 300 }), /refused the connection/);
  });
});
