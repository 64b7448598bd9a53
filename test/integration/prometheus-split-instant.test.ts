// The batched plan's owner lookups (kube_pod_owner, kube_replicaset_owner: instant queries over the whole history of a
// namespace) refused as too large — a namespace of many short-lived pods under a Prometheus --query.max-samples, a
// Mimir series or chunk limit — are read again in parts of their name label (PrometheusClient.queryInParts). A real
// Prometheus started with a --query.max-samples that refuses the whole pod-owner lookup and passes each half of it (the
// limit measured on the same data: Prometheus' own peakSamples, `stats=all`) must give the same owners as one whole
// read on a Prometheus with the default limit. Before: the lookup failed, the read fell back to pod-name patterns with
// the warning 'owner lookup failed, pods matched by name: … 422 …'.
import * as assert from 'node:assert/strict';
import type { Workload } from '../../src/core/workload';
import { PrometheusClient, tooLarge, type InstantSample } from '../../src/data/prometheus/client';
import { OWNER_LOOKUP_FAILED, batchedFrames, newBatchPlanStats } from '../../src/data/prometheus/batch-plan';
import { DEFAULT_QUERY_CONFIG } from '../../src/data/prometheus/queries';
import { startPrometheus, toOpenMetrics, type OpenMetricsSeries, type RunningPrometheus } from '../harness/prometheus';

const STEP = 60;
const HOURS = 6;
/** Pods that each lived 20 minutes (a busy rollout history): many series, few points each. */
const PODS = 600;
const LIFE = 20 * 60;
/** Kubernetes' random-name alphabet (k8s.io/apimachinery rand.String). */
const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function generate(end: number): { series: OpenMetricsSeries[]; pods: string[] } {
  const start = end - HOURS * 3600;
  const r = rng(11);
  const name = (n: number) => Array.from({ length: n }, () => ALPHABET[Math.floor(r() * ALPHABET.length)]).join('');
  const series: OpenMetricsSeries[] = [];
  const pods: string[] = [];
  const replicaSets = Array.from({ length: 12 }, () => `checkout-${name(10)}`);
  for (const rs of replicaSets) {
    const samples: Array<[number, number]> = [];
    for (let t = start; t <= end; t += STEP) samples.push([t, 1]);
    series.push({ name: 'kube_replicaset_owner', type: 'gauge', labels: { namespace: 'shop', replicaset: rs, owner_kind: 'Deployment', owner_name: 'checkout', job: 'ksm' }, samples });
  }
  for (let p = 0; p < PODS; p++) {
    const rs = replicaSets[p % replicaSets.length];
    const pod = `${rs}-${name(5)}`;
    pods.push(pod);
    const born = start + Math.floor(r() * (HOURS * 3600 - LIFE) / STEP) * STEP;
    const samples: Array<[number, number]> = [];
    for (let t = born; t < born + LIFE; t += STEP) samples.push([t, 1]);
    series.push({ name: 'kube_pod_owner', type: 'gauge', labels: { namespace: 'shop', pod, owner_kind: 'ReplicaSet', owner_name: rs, job: 'ksm' }, samples });
  }
  return { series, pods };
}

const WORKLOADS: Workload[] = [
  { context: 'test', namespace: 'shop', kind: 'Deployment', name: 'checkout', replicas: 3, containers: [{ name: 'server', resources: { requests: {}, limits: {} } }] },
];

/** The plan's pod-owner lookup over [end - span, end], as batch-plan.ts writes it. */
const podOwners = (span: number) => (part: string) => `max by (pod, owner_kind, owner_name, cluster) (max_over_time(kube_pod_owner{namespace="shop"${part}}[${span}s]))`;

/** Prometheus' peakSamples for an instant query (`stats=all`). */
async function peakSamples(url: string, query: string, time: number): Promise<number> {
  const res = await fetch(`${url}/api/v1/query`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ query, time: String(time), stats: 'all' }).toString() });
  const body = await res.json() as { data?: { stats?: { samples?: { peakSamples?: number } } } };
  const peak = body.data?.stats?.samples?.peakSamples;
  assert.ok(typeof peak === 'number', `peakSamples of ${query}: ${JSON.stringify(body).slice(0, 300)}`);
  return peak;
}

const byPod = (xs: InstantSample[]) => xs.map((x) => `${x.labels.pod} ${x.labels.owner_name} ${x.v}`).sort();

async function ownerWarnings(client: PrometheusClient, range: { from: number; to: number; step: number }, stats = newBatchPlanStats()): Promise<string[]> {
  const out = new Set<string>();
  for await (const item of batchedFrames(client, DEFAULT_QUERY_CONFIG, 'shop', WORKLOADS, range, { stats })) {
    for (const f of item.containers.values()) for (const w of f.warnings) if (w.startsWith(OWNER_LOOKUP_FAILED)) out.add(w);
  }
  return [...out];
}

describe('an owner lookup refused as too large is read in parts of its name label (real Prometheus, --query.max-samples)', function () {
  this.timeout(180_000);
  const end = Math.floor(Date.now() / 1000 / 3600) * 3600 - 3600;
  const range = { from: end - HOURS * 3600 + 600, to: end, step: STEP };
  const span = HOURS * 3600;
  const servers: RunningPrometheus[] = [];
  let pods: string[] = [];
  let high: PrometheusClient;
  let low: PrometheusClient;
  let limit = 0;

  before(async () => {
    const g = generate(end);
    pods = g.pods;
    const openMetrics = toOpenMetrics(g.series);
    const h = await startPrometheus({ openMetrics });
    servers.push(h);
    high = new PrometheusClient({ url: h.url });
    // The limit: the larger half of the lookup fits, the whole does not.
    const whole = await peakSamples(h.url, podOwners(span)(''), end);
    const halves = [
      await peakSamples(h.url, podOwners(span)(',pod=~".*[0123456789abcdefgh]"'), end),
      await peakSamples(h.url, podOwners(span)(',pod!~".*[0123456789abcdefgh]"'), end),
    ];
    limit = Math.max(...halves);
    assert.ok(whole > limit, `the whole lookup (${whole} samples) is above the larger half (${limit})`);
    const l = await startPrometheus({ openMetrics, extraArgs: [`--query.max-samples=${limit}`] });
    servers.push(l);
    low = new PrometheusClient({ url: l.url });
  });
  after(async () => {
    for (const s of servers) await s.stop();
  });

  it('the limited Prometheus refuses the whole lookup (422, too many samples)', async () => {
    const e = await low.query(podOwners(span)(''), end).then(() => undefined, (x: unknown) => x);
    assert.ok(tooLarge(e), String(e));
    assert.equal(e.status, 422);
  });

  it('queryInParts answers the same series as one whole read on an unlimited Prometheus', async () => {
    const want = await high.query(podOwners(span)(''), end);
    assert.equal(want.length, PODS);
    assert.deepEqual(byPod(await low.queryInParts(podOwners(span), 'pod', end)), byPod(want));
    assert.deepEqual(byPod(await high.queryInParts(podOwners(span), 'pod', end)), byPod(want), 'unrefused: one read, the same');
    assert.equal(new Set(pods).size, PODS);
  });

  it('the batched plan maps every pod by its owners, without the fallback warning', async () => {
    const stats = newBatchPlanStats();
    assert.deepEqual(await ownerWarnings(low, range, stats), []);
    const unlimited = newBatchPlanStats();
    await ownerWarnings(high, range, unlimited);
    assert.equal(stats.podsByOwner, unlimited.podsByOwner);
    assert.ok(stats.podsByOwner > 0, `pods by owner: ${stats.podsByOwner}`);
    assert.equal(stats.podsByPattern, 0);
  });

  it('a lookup still refused in 8 parts falls back to name patterns, with the message and the parts tried', async () => {
    // The same data under a limit no part passes.
    const tiny = await startPrometheus({ openMetrics: toOpenMetrics(generate(end).series), extraArgs: ['--query.max-samples=10'] });
    servers.push(tiny);
    let requests = 0;
    const counted = new PrometheusClient({ url: tiny.url, fetch: (u, i) => { requests++; return fetch(u, i); } });
    const e = await counted.queryInParts(podOwners(span), 'pod', end).then(() => undefined, (x: unknown) => x);
    assert.ok(tooLarge(e), String(e));
    assert.match((e as Error).message, /too many samples.*\(also refused when read in 8 parts\)$/);
    // The whole, its halves, then down to the first eighth refused (7); at most all 15 parts (those sent before it).
    assert.ok(requests >= 7 && requests <= 15, `requests: ${requests}`);
    const stats = newBatchPlanStats();
    const warnings = await ownerWarnings(new PrometheusClient({ url: tiny.url }), range, stats);
    assert.ok(warnings.some((w) => w.includes('kube_pod_owner')), warnings.join('\n'));
    for (const w of warnings) assert.match(w, /422 .*too many samples.*\(also refused when read in 8 parts\)$/);
    assert.equal(stats.podsByOwner, 0);
  });
});
