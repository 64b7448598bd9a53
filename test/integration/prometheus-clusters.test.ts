// Several clusters in one Prometheus (Thanos, Mimir, federation: a `cluster` label) with the same pod names:
// --prometheus-matchers 'cluster="prod-eu"' reads one of them in every query (CPU, memory, owners, ready replicas).
// Without it the two are mixed (here 1.1 cores: right for neither).
import * as assert from 'node:assert/strict';
import type { Workload } from '../../src/core/workload';
import { ClusterDataSource } from '../../src/data/cluster';
import type { MetricFrame } from '../../src/data/datasource';
import { startPrometheus, toOpenMetrics, type OpenMetricsSeries, type RunningPrometheus } from '../harness/prometheus';

const STEP = 60;
const HOURS = 3;
const Mi = 1024 * 1024;
const POD = 'checkout-6b7f9c8d5e-k2x9p';
const CLUSTERS = { 'prod-eu': { cpu: 0.2, wss: 200 * Mi, ready: 1 }, 'prod-us': { cpu: 2, wss: 2000 * Mi, ready: 3 } } as const;

function generate(end: number): OpenMetricsSeries[] {
  const ts: number[] = [];
  for (let t = end - HOURS * 3600; t <= end; t += STEP) ts.push(t);
  const out: OpenMetricsSeries[] = [];
  for (const [cluster, v] of Object.entries(CLUSTERS)) {
    const labels = { cluster, namespace: 'shop', pod: POD, container: 'server' };
    out.push({ name: 'container_cpu_usage_seconds', type: 'counter', labels, samples: ts.map((t, i) => [t, Math.round(v.cpu * STEP * i * 1000) / 1000] as [number, number]) });
    out.push({ name: 'container_memory_working_set_bytes', type: 'gauge', labels, samples: ts.map((t) => [t, v.wss] as [number, number]) });
    out.push({ name: 'kube_pod_owner', type: 'gauge', labels: { cluster, namespace: 'shop', pod: POD, owner_kind: 'ReplicaSet', owner_name: 'checkout-6b7f9c8d5e', owner_is_controller: 'true' }, samples: ts.map((t) => [t, 1] as [number, number]) });
    out.push({ name: 'kube_replicaset_owner', type: 'gauge', labels: { cluster, namespace: 'shop', replicaset: 'checkout-6b7f9c8d5e', owner_kind: 'Deployment', owner_name: 'checkout', owner_is_controller: 'true' }, samples: ts.map((t) => [t, 1] as [number, number]) });
    out.push({ name: 'kube_deployment_status_replicas_ready', type: 'gauge', labels: { cluster, namespace: 'shop', deployment: 'checkout' }, samples: ts.map((t) => [t, v.ready] as [number, number]) });
  }
  return out;
}

const WORKLOAD: Workload = { context: 'test', namespace: 'shop', kind: 'Deployment', name: 'checkout', replicas: 1, containers: [{ name: 'server', resources: { requests: {}, limits: {} } }] };

describe('one cluster of several in one Prometheus: --prometheus-matchers (real Prometheus, backfilled)', function () {
  this.timeout(120_000);
  const end = Math.floor(Date.now() / 1000 / 3600) * 3600 - 3600;
  const range = { from: end - HOURS * 3600 + 600, to: end, step: STEP };
  let prom: RunningPrometheus | undefined;

  before(async () => {
    prom = await startPrometheus({ openMetrics: toOpenMetrics(generate(end)) });
  });
  after(async () => {
    await prom?.stop();
  });

  let lastWarnings: string[] = [];
  async function read(plan: 'batched' | 'per-workload', matchers?: string): Promise<MetricFrame> {
    const source = new ClusterDataSource({ prometheusUrl: prom!.url, now: () => end, prometheusPlan: plan, prometheusMatchers: matchers });
    let frame: MetricFrame | undefined;
    lastWarnings = [];
    for await (const item of source.metricsDetailedForNamespace('shop', [WORKLOAD], range)) {
      const f = item.containers.get('server');
      assert.ok(f && !(f instanceof Error), `server: ${(f as Error | undefined)?.message}`);
      frame = f.frame;
      lastWarnings = f.warnings;
    }
    assert.ok(frame);
    return frame;
  }

  const all = (v: Float64Array | undefined, expected: number, what: string) => {
    assert.ok(v, `${what} read`);
    const xs = [...v].filter((x) => !Number.isNaN(x));
    assert.ok(xs.length > 100, `${what}: ${xs.length} values`);
    for (const x of xs) assert.ok(Math.abs(x - expected) <= 1e-6 * Math.max(1, expected), `${what}: ${x}, expected ${expected}`);
  };

  for (const plan of ['batched', 'per-workload'] as const) {
    it(`${plan} plan: each cluster's own values with its matcher; mixed without`, async () => {
      for (const [cluster, v] of Object.entries(CLUSTERS)) {
        const f = await read(plan, `cluster="${cluster}"`);
        all(f.values.cpu_usage, v.cpu, `${cluster} cpu`);
        all(f.values.memory_working_set, v.wss, `${cluster} memory`);
        all(f.values.ready_replicas, v.ready, `${cluster} ready`);
      }
      const mixed = await read(plan);
      assert.ok([...mixed.values.cpu_usage!].some((x) => Math.abs(x - CLUSTERS['prod-eu'].cpu) > 0.1), 'without a matcher the clusters are mixed (what the matcher is for)');
    });
  }

  it('batched plan without a matcher: a warning names the cluster label, its values and the option', async () => {
    await read('batched');
    assert.ok(lastWarnings.some((w) => /1 pod name\(s\) are in 2 clusters of this Prometheus \(label cluster: prod-eu, prod-us\).*--prometheus-matchers 'cluster="prod-eu"'/.test(w)), lastWarnings.join('\n'));
    await read('batched', 'cluster="prod-us"');
    assert.ok(!lastWarnings.some((w) => /clusters of this Prometheus/.test(w)), lastWarnings.join('\n'));
  });
});
