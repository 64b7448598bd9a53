// PromQL generation for the 12 metrics and the grid a range maps to. What users rely on: a workload's queries select
// its own pods and no similarly named neighbour's, label values are escaped, every metric has a query, and gaps stay NaN.
import * as assert from 'node:assert/strict';
import { METRIC_NAMES } from '../../src/core/metrics';
import { PrometheusClient } from '../../src/data/prometheus/client';
import { fetchFrame, frameGrid, toGrid } from '../../src/data/prometheus/frame';
import { DEFAULT_QUERY_CONFIG, metricQueries, podNameRegex, promString } from '../../src/data/prometheus/queries';
import type { WorkloadKind } from '../../src/core/workload';
import { Rng } from '../../src/core/random';

function podName(rng: Rng, kind: WorkloadKind, name: string): string {
  const alnum = (n: number) => Array.from({ length: n }, () => 'bcdfghjklmnpqrstvwxz2456789'[rng.int(27)]).join('');
  switch (kind) {
    case 'Deployment':
    case 'Rollout': return `${name}-${alnum(9 + rng.int(2))}-${alnum(5)}`;
    case 'StatefulSet': return `${name}-${rng.int(12)}`;
    case 'CronJob': return `${name}-${29000000 + rng.int(100000)}-${alnum(5)}`;
    default: return `${name}-${alnum(5)}`;
  }
}

describe('PromQL for the 12 metrics', () => {
  it('selects the pods a controller creates and not those of a workload whose name extends it', () => {
    const rng = new Rng(7);
    for (const kind of ['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob', 'Rollout'] as WorkloadKind[]) {
      const re = new RegExp(`^(?:${podNameRegex(kind, 'api')})$`); // Prometheus anchors =~ regexes
      for (let i = 0; i < 50; i++) {
        assert.ok(re.test(podName(rng, kind, 'api')), `${kind} pod of "api"`);
        assert.ok(!re.test(podName(rng, kind, 'api-gateway')), `${kind} pod of "api-gateway" must not match "api"`);
      }
    }
    // dots in names are literal
    assert.ok(!new RegExp(`^${podNameRegex('StatefulSet', 'a.b')}$`).test('axb-0'));
  });

  it('escapes label values', () => {
    assert.equal(promString('we"ird\\ns'), '"we\\"ird\\\\ns"');
  });

  it('has a query for each of the 12 metrics with cAdvisor, scoped to the namespace, pods and container', () => {
    const qs = metricQueries({ namespace: 'shop', kind: 'Deployment', name: 'checkout', container: 'server' }, DEFAULT_QUERY_CONFIG, 60);
    assert.deepEqual(qs.map((q) => q.metric).sort(), [...METRIC_NAMES].sort());
    const cpu = qs.find((q) => q.metric === 'cpu_usage')!;
    assert.match(cpu.promql, /container_cpu_usage_seconds_total\{namespace="shop",pod=~"checkout-[^"]+",container="server"\}\[120s\]/);
    assert.match(cpu.hint, /cAdvisor/);
    assert.match(qs.find((q) => q.metric === 'ready_replicas')!.promql, /kube_deployment_status_replicas_ready\{namespace="shop",deployment="checkout"\}/);
    assert.match(qs.find((q) => q.metric === 'error_rate')!.promql, /code=~"5\.\."/);
    // without a container: every container but the pause container
    const all = metricQueries({ namespace: 'shop', kind: 'StatefulSet', name: 'db' }, DEFAULT_QUERY_CONFIG, 15);
    assert.match(all.find((q) => q.metric === 'memory_working_set')!.promql, /container!="",container!="POD"/);
    assert.match(all.find((q) => q.metric === 'cpu_usage')!.promql, /\[60s\]/, 'rate window is at least 60 s');
  });

  it('uses the configured metric and label names, and process_* metrics for a plain process', () => {
    const qs = metricQueries({ namespace: '', kind: 'Pod', name: 'svc' }, {
      ...DEFAULT_QUERY_CONFIG, resources: 'process', appSelector: 'job="svc"', statusLabel: 'status', rateWindowSeconds: 8,
      names: { ...DEFAULT_QUERY_CONFIG.names, requests: 'app_requests_total' },
    }, 2);
    assert.equal(qs.find((q) => q.metric === 'cpu_usage')!.promql, 'avg(rate(process_cpu_seconds_total{job="svc"}[8s]))');
    assert.match(qs.find((q) => q.metric === 'error_rate')!.promql, /app_requests_total\{job="svc",status=~"5\.\."\}/);
    assert.ok(!qs.some((q) => q.metric === 'network_rx'), 'a plain process has no per-container network series');
  });

  it('lays samples on the grid, NaN where there are none, and drops +Inf', () => {
    const { t, step } = frameGrid({ from: 1000, to: 1600, step: 60 }, 11_000);
    assert.equal(step, 60);
    assert.deepEqual([...t], [1000, 1060, 1120, 1180, 1240, 1300, 1360, 1420, 1480, 1540]);
    const v = toGrid(t, step, [{ labels: {}, t: Float64Array.from([1000, 1120, 1180, 1540]), v: Float64Array.from([1, 2, Infinity, 4]) }], 'cpu_usage');
    assert.deepEqual([...v].map((x) => (Number.isNaN(x) ? null : x)), [1, null, 2, null, null, null, null, null, null, 4]);
  });

  it('leaves a metric without samples out of the frame and reports it as missing', async () => {
    const fetchImpl = (async (_u: string, init?: RequestInit) => {
      const p = new URLSearchParams(String(init?.body));
      const q = p.get('query') ?? '';
      const start = Number(p.get('start')), end = Number(p.get('end')), step = Number(p.get('step'));
      const result = q.includes('container_cpu_usage_seconds_total')
        ? [{ metric: {}, values: Array.from({ length: (end - start) / step + 1 }, (_, i) => [start + i * step, '0.25']) }]
        : [];
      return Response.json({ status: 'success', data: { resultType: 'matrix', result } });
    }) as typeof fetch;
    const client = new PrometheusClient({ url: 'http://prom:9090', fetch: fetchImpl });
    const qs = metricQueries({ namespace: 'shop', kind: 'Deployment', name: 'cart' }, DEFAULT_QUERY_CONFIG, 60);
    const { frame, missing } = await fetchFrame(client, qs, { from: 0, to: 3600, step: 60 });
    assert.deepEqual(Object.keys(frame.values), ['cpu_usage']);
    assert.equal(frame.t.length, 60);
    assert.ok(frame.values.cpu_usage!.every((x) => x === 0.25));
    assert.equal(missing.length, 11);
    assert.ok(missing.every((m) => m.selector.includes('namespace="shop"') && m.hint.length > 0));
  });

  it('loses only the metric whose query Prometheus rejects; a server error fails the whole frame', async () => {
    const answer = (status: number) => (async (_u: string, init?: RequestInit) => {
      const p = new URLSearchParams(String(init?.body));
      const q = p.get('query') ?? '';
      if (status !== 200) return Response.json({ status: 'error', errorType: 'internal', error: 'out of memory' }, { status });
      if (q.includes('histogram_quantile')) return Response.json({ status: 'error', errorType: 'bad_data', error: '1:7: parse error: unexpected character' }, { status: 400 });
      const start = Number(p.get('start')), end = Number(p.get('end')), step = Number(p.get('step'));
      return Response.json({ status: 'success', data: { resultType: 'matrix', result: [{ metric: {}, values: Array.from({ length: (end - start) / step + 1 }, (_, i) => [start + i * step, '1']) }] } });
    }) as typeof fetch;
    const qs = metricQueries({ namespace: 'shop', kind: 'Deployment', name: 'cart' }, DEFAULT_QUERY_CONFIG, 60);
    const ok = await fetchFrame(new PrometheusClient({ url: 'http://prom:9090', fetch: answer(200) }), qs, { from: 0, to: 600, step: 60 });
    assert.deepEqual(ok.missing.map((m) => m.metric), ['latency_p50', 'latency_p95', 'latency_p99']);
    assert.match(ok.missing[0].hint, /400.*parse error/);
    assert.ok(ok.frame.values.cpu_usage && ok.frame.values.request_rate);
    await assert.rejects(fetchFrame(new PrometheusClient({ url: 'http://prom:9090', fetch: answer(503) }), qs, { from: 0, to: 600, step: 60 }), /503.*out of memory/);
  });
});
