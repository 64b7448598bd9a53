// Series scraped twice (kube-prometheus-stack with kubelet.serviceMonitor.resource=true scrapes /metrics/resource
// beside /metrics/cadvisor; an HA Prometheus pair without dedup; a second cAdvisor or kube-state-metrics job) must not
// be added together: per (namespace, pod, container) there is one cgroup, so the duplicates are the same value.
// A real Prometheus backfilled with every series twice (told apart only by scrape labels); both query plans must read
// the true values (before: CPU 0.4 and memory 400Mi for 0.2 / 200Mi, ready replicas doubled).
import * as assert from 'node:assert/strict';
import type { Workload } from '../../src/core/workload';
import { PrometheusClient } from '../../src/data/prometheus/client';
import { batchedFrames, oomKillsQuery, OOM_STEP } from '../../src/data/prometheus/batch-plan';
import { fetchFrame, type FetchedFrame } from '../../src/data/prometheus/frame';
import { DEFAULT_QUERY_CONFIG, metricQueries } from '../../src/data/prometheus/queries';
import { startPrometheus, toOpenMetrics, type OpenMetricsSeries, type RunningPrometheus } from '../harness/prometheus';

const STEP = 60;
const HOURS = 3;
const Mi = 1024 * 1024;
const POD = 'checkout-6b7f9c8d5e-k2x9p';
// Two scrapes of the same kubelet (the labels Prometheus adds differ; the value is the same cgroup's).
const SCRAPES = [
  { job: 'kubelet', metrics_path: '/metrics/cadvisor', prometheus_replica: 'prometheus-0' },
  { job: 'kubelet', metrics_path: '/metrics/resource', prometheus_replica: 'prometheus-1' },
];
const APP_SCRAPES = [
  { job: 'shop/checkout', instance: '10.1.0.7:8080', endpoint: 'http', prometheus_replica: 'prometheus-0' },
  { job: 'shop/checkout-istio', instance: '10.1.0.7:15020', endpoint: 'http-envoy-prom', prometheus_replica: 'prometheus-1' },
];
// Requests per second by status; cumulative latency buckets per second (p50 in the first bucket at 0.05 s, p95 and p99
// in the 0.1–0.5 s bucket).
const APP = {
  codes: { '200': 8, '503': 0.5 },
  buckets: { '0.1': 6, '0.5': 8.5, '+Inf': 8.5 },
  requestRate: 8.5,
  errorRate: 0.5,
  latency: { latency_p50: 0.1 * (4.25 / 6), latency_p95: 0.1 + 0.4 * ((0.95 * 8.5 - 6) / 2.5), latency_p99: 0.1 + 0.4 * ((0.99 * 8.5 - 6) / 2.5) },
} as const;
const TRUE = {
  server: { cpu: 0.2, wss: 200 * Mi, rss: 150 * Mi, periods: 10, throttled: 3 },
  envoy: { cpu: 0.05, wss: 50 * Mi, rss: 40 * Mi, periods: 0, throttled: 0 },
} as const;

function generate(end: number): OpenMetricsSeries[] {
  const start = end - HOURS * 3600;
  const ts: number[] = [];
  for (let t = start; t <= end; t += STEP) ts.push(t);
  const counter = (rate: number) => ts.map((t, i) => [t, Math.round(rate * STEP * i * 1000) / 1000] as [number, number]);
  const gauge = (v: number) => ts.map((t) => [t, v] as [number, number]);
  const out: OpenMetricsSeries[] = [];
  const base = { namespace: 'shop', pod: POD };
  for (const s of SCRAPES) {
    for (const [c, v] of Object.entries(TRUE)) {
      const labels = { ...base, ...s, container: c };
      out.push({ name: 'container_cpu_usage_seconds', type: 'counter', labels, samples: counter(v.cpu) });
      out.push({ name: 'container_memory_working_set_bytes', type: 'gauge', labels, samples: gauge(v.wss) });
      out.push({ name: 'container_memory_rss', type: 'gauge', labels, samples: gauge(v.rss) });
      if (v.periods) {
        out.push({ name: 'container_cpu_cfs_periods', type: 'counter', labels, samples: counter(v.periods) });
        out.push({ name: 'container_cpu_cfs_throttled_periods', type: 'counter', labels, samples: counter(v.throttled) });
      }
    }
    // The pod's cgroup: never a container.
    out.push({ name: 'container_cpu_usage_seconds', type: 'counter', labels: { ...base, ...s, container: '' }, samples: counter(0.3) });
    out.push({ name: 'container_network_receive_bytes', type: 'counter', labels: { ...base, ...s, container: '', interface: 'eth0' }, samples: counter(1000) });
    out.push({ name: 'container_network_transmit_bytes', type: 'counter', labels: { ...base, ...s, container: '', interface: 'eth0' }, samples: counter(500) });
    out.push({ name: 'kube_pod_owner', type: 'gauge', labels: { ...base, ...s, owner_kind: 'ReplicaSet', owner_name: 'checkout-6b7f9c8d5e', owner_is_controller: 'true' }, samples: gauge(1) });
    out.push({ name: 'kube_replicaset_owner', type: 'gauge', labels: { namespace: 'shop', ...s, replicaset: 'checkout-6b7f9c8d5e', owner_kind: 'Deployment', owner_name: 'checkout', owner_is_controller: 'true' }, samples: gauge(1) });
    out.push({ name: 'kube_deployment_status_replicas_ready', type: 'gauge', labels: { namespace: 'shop', ...s, deployment: 'checkout' }, samples: gauge(1) });
    out.push({ name: 'kube_pod_status_ready', type: 'gauge', labels: { namespace: 'shop', ...s, pod: 'one-off', condition: 'true' }, samples: gauge(1) });
    out.push({ name: 'container_cpu_usage_seconds', type: 'counter', labels: { namespace: 'shop', ...s, pod: 'one-off', container: 'main' }, samples: counter(0.1) });
    // One OOM kill of server, an hour in: restarts 0 → 1, last termination OOMKilled.
    out.push({ name: 'kube_pod_container_status_restarts', type: 'counter', labels: { ...base, ...s, container: 'server' }, samples: ts.map((t) => [t, t >= start + 3600 + 1800 ? 1 : 0] as [number, number]) });
    out.push({ name: 'kube_pod_container_status_last_terminated_reason', type: 'gauge', labels: { ...base, ...s, container: 'server', reason: 'OOMKilled' }, samples: gauge(1) });
  }
  // The application's own counter and histogram, scraped twice too: through two jobs (a ServiceMonitor on the app's
  // port beside Istio's merged metrics on 15020), by both replicas of an HA pair. Same series, other scrape labels.
  for (const s of APP_SCRAPES) {
    const labels = { ...base, ...s, container: 'server' };
    for (const [code, rate] of Object.entries(APP.codes)) {
      out.push({ name: 'http_requests', type: 'counter', labels: { ...labels, code, path: '/cart' }, samples: counter(rate) });
    }
    for (const [le, rate] of Object.entries(APP.buckets)) {
      out.push({ name: 'http_request_duration_seconds_bucket', type: 'gauge', labels: { ...labels, le }, samples: counter(rate) });
    }
  }
  // A service selected by a configured app selector, without pod labels: two targets told apart by instance alone.
  for (const [instance, rate] of [['10.1.0.8:8080', 2], ['10.1.0.9:8080', 3]] as const) {
    out.push({ name: 'legacy_requests', type: 'counter', labels: { job: 'legacy', instance, code: '200' }, samples: counter(rate) });
  }
  return out;
}

const WORKLOADS: Workload[] = [
  { context: 'test', namespace: 'shop', kind: 'Deployment', name: 'checkout', replicas: 1, containers: ['server', 'envoy'].map((name) => ({ name, resources: { requests: {}, limits: {} } })) },
  { context: 'test', namespace: 'shop', kind: 'Pod', name: 'one-off', replicas: 1, containers: [{ name: 'main', resources: { requests: {}, limits: {} } }] },
];

function values(f: FetchedFrame, m: keyof FetchedFrame['frame']['values']): number[] {
  const v = f.frame.values[m];
  assert.ok(v, `${m} present (missing: ${f.missing.map((q) => q.metric).join(', ')})`);
  const out = [...v].filter((x) => !Number.isNaN(x));
  assert.ok(out.length > 100, `${m}: ${out.length} values`);
  return out;
}

function assertAll(vs: number[], expected: number, what: string): void {
  for (const v of vs) assert.ok(Math.abs(v - expected) <= 1e-6 * Math.max(1, expected), `${what}: ${v}, expected ${expected}`);
}

describe('series scraped twice are not added together (real Prometheus, backfilled)', function () {
  this.timeout(120_000);
  const end = Math.floor(Date.now() / 1000 / 3600) * 3600 - 3600;
  const range = { from: end - HOURS * 3600 + 600, to: end, step: STEP };
  let prom: RunningPrometheus | undefined;
  let client: PrometheusClient;

  before(async () => {
    prom = await startPrometheus({ openMetrics: toOpenMetrics(generate(end)) });
    client = new PrometheusClient({ url: prom.url });
  });
  after(async () => {
    await prom?.stop();
  });

  function check(frames: Map<string, FetchedFrame>, plan: string): void {
    for (const [c, v] of Object.entries(TRUE)) {
      const f = frames.get(`checkout/${c}`)!;
      assertAll(values(f, 'cpu_usage'), v.cpu, `${plan} ${c} cpu_usage`);
      assertAll(values(f, 'memory_working_set'), v.wss, `${plan} ${c} memory_working_set`);
      assertAll(values(f, 'memory_rss'), v.rss, `${plan} ${c} memory_rss`);
      assertAll(values(f, 'network_rx'), 1000, `${plan} ${c} network_rx`);
      assertAll(values(f, 'network_tx'), 500, `${plan} ${c} network_tx`);
      assertAll(values(f, 'ready_replicas'), 1, `${plan} ${c} ready_replicas`);
      if (v.periods) assertAll(values(f, 'cpu_throttling_ratio'), v.throttled / v.periods, `${plan} ${c} cpu_throttling_ratio`);
    }
    // The application's series: one workload's request and error rates and latency, not twice them.
    for (const c of Object.keys(TRUE)) {
      const f = frames.get(`checkout/${c}`)!;
      assertAll(values(f, 'request_rate'), APP.requestRate, `${plan} ${c} request_rate`);
      assertAll(values(f, 'error_rate'), APP.errorRate, `${plan} ${c} error_rate`);
      for (const [m, v] of Object.entries(APP.latency)) assertAll(values(f, m as 'latency_p50'), v, `${plan} ${c} ${m}`);
    }
    const one = frames.get('one-off/main')!;
    assertAll(values(one, 'cpu_usage'), 0.1, `${plan} one-off cpu_usage`);
    assertAll(values(one, 'ready_replicas'), 1, `${plan} one-off ready_replicas`);
  }

  it('the per-workload plan reads each container once', async () => {
    const frames = new Map<string, FetchedFrame>();
    for (const wl of WORKLOADS) {
      for (const c of wl.containers) {
        frames.set(`${wl.name}/${c.name}`, await fetchFrame(client, metricQueries({ namespace: wl.namespace, kind: wl.kind, name: wl.name, container: c.name }, DEFAULT_QUERY_CONFIG, range.step), range));
      }
    }
    check(frames, 'per-workload');
  });

  for (const aggregateInPrometheus of [true, false]) {
    it(`the batched plan reads each container once (${aggregateInPrometheus ? 'aggregated in Prometheus' : 'per pod'})`, async () => {
      const frames = new Map<string, FetchedFrame>();
      for await (const item of batchedFrames(client, DEFAULT_QUERY_CONFIG, 'shop', WORKLOADS, range, { aggregateInPrometheus })) {
        for (const [name, f] of item.containers) frames.set(`${item.workload.name}/${name}`, f);
      }
      check(frames, 'batched');
    });
  }

  it('with a configured app selector, series told apart only by instance are two targets, not a duplicate', async () => {
    const cfg = { ...DEFAULT_QUERY_CONFIG, names: { ...DEFAULT_QUERY_CONFIG.names, requests: 'legacy_requests_total' }, appSelector: 'job="legacy"' };
    const f = await fetchFrame(client, metricQueries({ namespace: 'shop', kind: 'Deployment', name: 'legacy' }, cfg, range.step), range);
    assertAll(values(f, 'request_rate'), 5, 'request_rate');
  });

  it('an OOM kill counts once', async () => {
    const start = end - HOURS * 3600;
    const m = await client.queryRange(oomKillsQuery('namespace="shop"', 'container!="",container!="POD"'), start + OOM_STEP, end, OOM_STEP);
    const kills = m.series.filter((r) => r.labels.container === 'server');
    assert.equal(kills.length, 1, JSON.stringify(m.series.map((r) => r.labels)));
    assert.deepEqual([...kills[0].v], [1]);
  });
});
