// A range Prometheus refuses as too large (422 "query processing would load too many samples into memory", its
// --query.max-samples; Mimir's chunk limits) is read again in halves of its time range before it is given up as
// missing. A real Prometheus started with a --query.max-samples that refuses the largest full-range reads of both plans
// and passes every half of them (the limit measured on the same data: Prometheus' own peakSamples, `stats=all`) must
// give the same frames as an unsplit read from a Prometheus with the default limit. Before: the refused metrics were
// missing (`rejected`, Prometheus' message as their hint).
import * as assert from 'node:assert/strict';
import type { Workload } from '../../src/core/workload';
import { PrometheusClient, tooLarge } from '../../src/data/prometheus/client';
import { batchedFrames, newBatchPlanStats } from '../../src/data/prometheus/batch-plan';
import { fetchFrame, type FetchedFrame } from '../../src/data/prometheus/frame';
import { DEFAULT_QUERY_CONFIG, metricQueries } from '../../src/data/prometheus/queries';
import { startPrometheus, toOpenMetrics, type OpenMetricsSeries, type RunningPrometheus } from '../harness/prometheus';

const STEP = 60;
const HOURS = 6;
const PODS = 20;
const CONTAINERS = ['server', 'envoy'];

/** A seeded generator (mulberry32): the same fixture every run. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function generate(end: number): OpenMetricsSeries[] {
  const start = end - HOURS * 3600;
  const ts: number[] = [];
  for (let t = start; t <= end; t += STEP) ts.push(t);
  const r = rng(7);
  const counter = (mean: number) => {
    let c = 0;
    return ts.map((t) => [t, Math.round((c += mean * STEP * (0.5 + r())) * 1000) / 1000] as [number, number]);
  };
  const gauge = (mean: number) => ts.map((t) => [t, Math.round(mean * (0.5 + r()))] as [number, number]);
  const out: OpenMetricsSeries[] = [];
  for (let p = 0; p < PODS; p++) {
    const pod = `checkout-6b7f9c8d5e-${String(p).padStart(5, 'a').slice(-5).replace(/[0-9]/g, (d) => 'bcdefghijk'[Number(d)])}`;
    const base = { namespace: 'shop', pod, job: 'kubelet' };
    for (const container of CONTAINERS) {
      const labels = { ...base, container };
      out.push({ name: 'container_cpu_usage_seconds', type: 'counter', labels, samples: counter(0.2) });
      out.push({ name: 'container_memory_working_set_bytes', type: 'gauge', labels, samples: gauge(2e8) });
      out.push({ name: 'container_memory_rss', type: 'gauge', labels, samples: gauge(1.5e8) });
    }
    const app = { namespace: 'shop', pod, job: 'checkout', container: 'server' };
    out.push({ name: 'http_requests', type: 'counter', labels: { ...app, code: '200' }, samples: counter(5) });
    out.push({ name: 'http_requests', type: 'counter', labels: { ...app, code: '503' }, samples: counter(0.2) });
    for (const [le, rate] of [['0.1', 3], ['0.5', 5], ['+Inf', 5.2]] as const) {
      out.push({ name: 'http_request_duration_seconds_bucket', type: 'gauge', labels: { ...app, le }, samples: counter(rate) });
    }
  }
  return out;
}

const WORKLOADS: Workload[] = [
  { context: 'test', namespace: 'shop', kind: 'Deployment', name: 'checkout', replicas: PODS, containers: CONTAINERS.map((name) => ({ name, resources: { requests: {}, limits: {} } })) },
];

interface Recorded { query: string; start: number; end: number; step: number; peak: number }

/**
 * fetch through to Prometheus with `stats=all`, recording each range request and the peak samples Prometheus held for
 * it (what --query.max-samples limits). The answer's text is handed back as is.
 */
function recordingFetch(log: Recorded[]): typeof fetch {
  return async (input, init) => {
    const body = new URLSearchParams(String(init?.body ?? ''));
    const url = String(input);
    if (url.includes('/api/v1/query_range')) body.set('stats', 'all');
    const res = await fetch(url, { ...init, body: init?.body === undefined ? undefined : body.toString() });
    const text = await res.text();
    if (url.includes('/api/v1/query_range') && res.ok) {
      const peak = (JSON.parse(text) as { data?: { stats?: { samples?: { peakSamples?: number } } } }).data?.stats?.samples?.peakSamples;
      assert.ok(typeof peak === 'number', `peakSamples in the stats of ${url}`);
      log.push({ query: body.get('query')!, start: Number(body.get('start')), end: Number(body.get('end')), step: Number(body.get('step')), peak });
    }
    return new Response(text, { status: res.status, statusText: res.statusText, headers: res.headers });
  };
}

async function perWorkload(client: PrometheusClient, range: { from: number; to: number; step: number }): Promise<Map<string, FetchedFrame>> {
  const frames = new Map<string, FetchedFrame>();
  for (const c of CONTAINERS) {
    frames.set(c, await fetchFrame(client, metricQueries({ namespace: 'shop', kind: 'Deployment', name: 'checkout', container: c }, DEFAULT_QUERY_CONFIG, range.step), range));
  }
  return frames;
}

async function batched(client: PrometheusClient, range: { from: number; to: number; step: number }, stats = newBatchPlanStats()): Promise<Map<string, FetchedFrame>> {
  const frames = new Map<string, FetchedFrame>();
  for await (const item of batchedFrames(client, DEFAULT_QUERY_CONFIG, 'shop', WORKLOADS, range, { stats })) {
    for (const [name, f] of item.containers) frames.set(name, f);
  }
  return frames;
}

function assertSame(got: Map<string, FetchedFrame>, want: Map<string, FetchedFrame>, plan: string): void {
  for (const [c, w] of want) {
    const g = got.get(c)!;
    assert.deepEqual(g.missing.map((q) => `${q.metric}: ${q.hint}`), w.missing.map((q) => `${q.metric}: ${q.hint}`), `${plan} ${c}: missing`);
    assert.deepEqual(Object.keys(g.frame.values).sort(), Object.keys(w.frame.values).sort(), `${plan} ${c}: metrics`);
    assert.ok(Object.keys(w.frame.values).length >= 8, `${plan} ${c}: ${Object.keys(w.frame.values).join(', ')}`);
    for (const [m, wv] of Object.entries(w.frame.values)) {
      const gv = g.frame.values[m as keyof typeof g.frame.values]!;
      assert.equal(gv.length, wv.length, `${plan} ${c} ${m}: points`);
      for (let i = 0; i < wv.length; i++) {
        const ok = Number.isNaN(wv[i]) ? Number.isNaN(gv[i]) : Math.abs(gv[i] - wv[i]) <= 1e-9 * Math.max(1, Math.abs(wv[i]));
        assert.ok(ok, `${plan} ${c} ${m}[${i}]: ${gv[i]}, unsplit ${wv[i]}`);
      }
    }
  }
}

describe('a range refused as too large is read in halves (real Prometheus, --query.max-samples)', function () {
  this.timeout(180_000);
  const end = Math.floor(Date.now() / 1000 / 3600) * 3600 - 3600;
  const range = { from: end - HOURS * 3600 + 600, to: end, step: STEP };
  const servers: RunningPrometheus[] = [];
  let want: { perWorkload: Map<string, FetchedFrame>; batched: Map<string, FetchedFrame> };
  let low: PrometheusClient;
  let refused: Recorded;

  before(async () => {
    const openMetrics = toOpenMetrics(generate(end));
    const high = await startPrometheus({ openMetrics });
    servers.push(high);
    const log: Recorded[] = [];
    const recording = new PrometheusClient({ url: high.url, fetch: recordingFetch(log) });
    want = { perWorkload: await perWorkload(recording, range), batched: await batched(recording, range) };
    // Every half of every range read fits the limit; the largest full reads do not.
    const halves: Recorded[] = [];
    const halfClient = new PrometheusClient({ url: high.url, fetch: recordingFetch(halves) });
    for (const r of log) {
      const points = Math.round((r.end - r.start) / r.step) + 1;
      const mid = r.start + Math.floor((points - 1) / 2) * r.step;
      await halfClient.rangeRequest(r.query, r.start, mid, r.step);
      await halfClient.rangeRequest(r.query, mid + r.step, r.end, r.step);
    }
    const limit = Math.max(...halves.map((h) => h.peak));
    refused = log.reduce((a, b) => (b.peak > a.peak ? b : a));
    assert.ok(refused.peak > limit, `the largest read (${refused.peak} samples) is above the largest half (${limit})`);
    const low0 = await startPrometheus({ openMetrics, extraArgs: [`--query.max-samples=${limit}`] });
    servers.push(low0);
    low = new PrometheusClient({ url: low0.url });
  });
  after(async () => {
    for (const s of servers) await s.stop();
  });

  it('the limited Prometheus refuses the largest read whole (422, too many samples)', async () => {
    const e = await low.request('/api/v1/query_range', { query: refused.query, start: String(refused.start), end: String(refused.end), step: String(refused.step) }).then(() => undefined, (x: unknown) => x);
    assert.ok(tooLarge(e), String(e));
    assert.equal(e.status, 422);
  });

  it('the per-workload plan reads every metric, equal to an unsplit read', async () => {
    assertSame(await perWorkload(low, range), want.perWorkload, 'per-workload');
  });

  it('the batched plan reads every metric, equal to an unsplit read, in more requests', async () => {
    const stats = newBatchPlanStats();
    const unsplit = newBatchPlanStats();
    assertSame(await batched(low, range, stats), want.batched, 'batched');
    await batched(new PrometheusClient({ url: servers[0].url }), range, unsplit);
    assert.ok(stats.requests > unsplit.requests, `requests: ${stats.requests} split, ${unsplit.requests} unsplit`);
  });
});
