// Prometheus' warnings (Thanos/Mimir "partial response": the numbers may rest on incomplete data) lower the confidence
// of the values read with them: halved (PARTIAL_DATA_CONFIDENCE_FACTOR), with a note saying so; workloads whose answers
// carried no warning keep theirs. Against a test double of the Prometheus client (a real Prometheus rarely warns).
import * as assert from 'node:assert/strict';
import type { Workload } from '../../src/core/workload';
import { ClusterDataSource } from '../../src/data/cluster';
import { batchedFrames, CLUSTER_MIX, lowersConfidence, OOM_MISSING, OOM_NOT_READ, OWNER_LOOKUP_FAILED } from '../../src/data/prometheus/batch-plan';
import type { PrometheusClient } from '../../src/data/prometheus/client';
import { DEFAULT_QUERY_CONFIG } from '../../src/data/prometheus/queries';
import { PARTIAL_DATA_CONFIDENCE_FACTOR, PARTIAL_DATA_NOTE, recommendFromSource, type WorkloadRun } from '../../src/pipeline/recommend';
import { fixedWorkloadsSource } from './helpers/cluster-source';

const NOW = 1_800_000_000;
const wl = (name: string) => ({ context: 'prod', namespace: 'shop', kind: 'Deployment', name, replicas: 1, containers: [{ name: 'app', resources: { requests: {}, limits: {} } }] }) as unknown as Workload;
const PARTIAL = 'partial response: store 10.0.3.7:10901 unavailable';

/**
 * Test double: CPU and memory with a daily wave; the answers about pods of `warnFor` carry the store warning. Without
 * `oomSeries` the OOM query finds no series (MOrA's own "OOM kills not read" warning).
 */
function fakePrometheus(warnFor: string | undefined, oomSeries = true, warning = PARTIAL, warnOn: (promql: string) => boolean = () => true): PrometheusClient {
  return {
    maxPoints: 11_000,
    queryRange: async (promql: string, start: number, end: number, step: number) => {
      const warnings = warnFor !== undefined && promql.includes(`${warnFor}-`) && warnOn(promql) ? [warning] : [];
      if (promql.includes('mora_oom')) return { series: oomSeries ? [{ labels: { mora_oom: 'seen' }, t: Float64Array.of(end), v: Float64Array.of(0) }] : [], warnings, step, start, end };
      const memory = promql.includes('container_memory_working_set_bytes');
      if (!memory && !promql.includes('container_cpu_usage_seconds_total')) return { series: [], warnings, step, start, end };
      const t: number[] = [];
      for (let x = start; x <= end; x += step) t.push(x);
      const wave = (x: number) => 1 + 0.3 * Math.sin((2 * Math.PI * x) / 86400);
      return { series: [{ labels: {}, t: Float64Array.from(t), v: Float64Array.from(t, (x) => (memory ? 3e8 : 0.2) * wave(x)) }], warnings, step, start, end };
    },
    query: async () => [],
  } as unknown as PrometheusClient;
}

async function runs(warnFor: string | undefined, oomSeries = true, warning = PARTIAL, warnOn?: (promql: string) => boolean): Promise<Map<string, WorkloadRun>> {
  const workloads = [wl('web'), wl('api')];
  const cluster = new ClusterDataSource({ prometheus: fakePrometheus(warnFor, oomSeries, warning, warnOn), prometheusPlan: 'per-workload', now: () => NOW });
  const source = fixedWorkloadsSource(cluster, workloads);
  const out = await recommendFromSource(source, { onSourceWarning: () => undefined, onSkip: (_w, why) => assert.fail(`skipped: ${why}`) });
  return new Map(out.map((r) => [r.recommendation.workload.name, r]));
}

describe('Prometheus warnings lower the confidence of what they concern', function () {
  this.timeout(60_000);

  it('web\'s answers warned: its CPU, memory, container and workload confidence halved, noted; api\'s unchanged', async () => {
    const clean = await runs(undefined);
    const warned = await runs('web');
    for (const name of ['web', 'api']) {
      const a = clean.get(name)!.recommendation;
      const b = warned.get(name)!.recommendation;
      const f = name === 'web' ? PARTIAL_DATA_CONFIDENCE_FACTOR : 1;
      const [ca, cb] = [a.containers[0], b.containers[0]];
      for (const kind of ['cpu', 'memory'] as const) {
        assert.ok(ca[kind]!.confidence > 0, `${name} ${kind}: a confidence to lower`);
        assert.ok(Math.abs(cb[kind]!.confidence - f * ca[kind]!.confidence) < 1e-12, `${name} ${kind}: ${cb[kind]!.confidence} vs ${ca[kind]!.confidence}`);
        assert.equal(cb[kind]!.evidence.notes.includes(PARTIAL_DATA_NOTE), name === 'web', `${name} ${kind} notes: ${cb[kind]!.evidence.notes.join(' | ')}`);
        assert.equal(cb[kind]!.evidence.notes.includes(`Prometheus warning: ${PARTIAL}`), name === 'web');
        // The values themselves are the same: only how much to trust them changed.
        assert.equal(cb[kind]!.request.value, ca[kind]!.request.value);
      }
      assert.ok(Math.abs(cb.confidence - f * ca.confidence) < 1e-12, `${name} container`);
      assert.ok(Math.abs(b.confidence - f * a.confidence) < 1e-12, `${name} workload`);
    }
  });

  it('MOrA\'s own note that the OOM history could not be read does not lower it (the usage was read whole)', async () => {
    const withOom = await runs(undefined);
    const without = await runs(undefined, false);
    for (const name of ['web', 'api']) {
      const c = without.get(name)!.recommendation.containers[0];
      assert.ok(c.memory!.evidence.notes.includes(`Prometheus warning: ${OOM_MISSING}`), c.memory!.evidence.notes.join(' | '));
      assert.ok(!c.memory!.evidence.notes.includes(PARTIAL_DATA_NOTE));
      assert.equal(c.cpu!.confidence, withOom.get(name)!.recommendation.containers[0].cpu!.confidence);
      assert.ok(!lowersConfidence(OOM_MISSING) && lowersConfidence(PARTIAL));
    }
  });

  it('only warnings that say the data may be incomplete lower it: partial responses, limits, MOrA\'s cluster mix — not PromQL annotations or unknown notes', () => {
    for (const w of [
      PARTIAL, 'No StoreAPI matched for this query',
      'fetch series for {__name__="container_cpu_usage_seconds_total"} 10.0.3.7:10901: rpc error: code = DeadlineExceeded desc = context deadline exceeded',
      'partial response: receive series from Addr: prometheus-1:10901 LabelSets: {replica="b"}: rpc error: code = Unavailable',
      'the query hit the max number of series limit (limit: 100000 series)', 'result truncated: too many series',
      `2 pod name(s) are in 2 ${CLUSTER_MIX}prod-eu, prod-us): their series are mixed, right for none`,
    ]) assert.ok(lowersConfidence(w), w);
    for (const w of [
      'PromQL warning: bucket label "le" is missing or has a malformed value of "0.5x" for metric name "http_request_duration_seconds_bucket"',
      'PromQL info: metric might not be a counter, name does not end in _total/_sum/_count/_bucket: "http_requests"',
      'PromQL info: ignored histogram in min aggregation', 'something Prometheus said that MOrA does not know',
      OOM_MISSING, `${OOM_NOT_READ}the query exceeded the limit`, `${OWNER_LOOKUP_FAILED}forbidden`,
    ]) assert.ok(!lowersConfidence(w), w);
  });

  it('per-workload plan: a warning on the latency query only (even a partial response) leaves CPU and memory confidence as it was, and is noted', async () => {
    const clean = await runs(undefined);
    const latency = (promql: string) => promql.includes('histogram_quantile') || !/container_cpu|container_memory/.test(promql);
    for (const warning of [PARTIAL, 'PromQL warning: bucket label "le" is missing or has a malformed value of "0.5x"']) {
      const warned = await runs('web', true, warning, latency);
      const [a, b] = [clean.get('web')!.recommendation, warned.get('web')!.recommendation];
      for (const kind of ['cpu', 'memory'] as const) {
        assert.equal(b.containers[0][kind]!.confidence, a.containers[0][kind]!.confidence, `${warning}: ${kind}`);
        assert.ok(!b.containers[0][kind]!.evidence.notes.includes(PARTIAL_DATA_NOTE), `${warning}: ${kind}`);
      }
      assert.equal(b.confidence, a.confidence, warning);
      assert.ok(b.containers[0].cpu!.evidence.notes.includes(`Prometheus warning: ${warning}`), 'still noted');
    }
    // The same partial response on the CPU query does lower them.
    const cpuWarned = (await runs('web', true, PARTIAL, (q) => q.includes('container_cpu_usage_seconds_total'))).get('web')!.recommendation;
    assert.ok(cpuWarned.containers[0].cpu!.evidence.notes.includes(PARTIAL_DATA_NOTE));
    assert.ok(cpuWarned.confidence < clean.get('web')!.recommendation.confidence);
  });

  it('the batched plan gives a batch\'s warnings to its own workloads, not to those of the batches after it', async () => {
    // Test double of the client's range reads: web's answers warn, api's do not; one workload per batch (web first).
    const client = {
      maxPoints: 11_000, matchers: '', displayUrl: 'http://prom:9090',
      query: async () => [],
      rangeRequest: async (promql: string) => [{ status: 'success', data: { resultType: 'matrix', result: [] }, warnings: promql.includes('web-') ? [PARTIAL] : [] }],
    } as unknown as PrometheusClient;
    const range = { from: NOW - 86400, to: NOW, step: 60 };
    const got = new Map<string, readonly string[]>();
    for await (const item of batchedFrames(client, DEFAULT_QUERY_CONFIG, 'shop', [wl('web'), wl('api')], range, { maxPodsPerBatch: 1, owners: false })) {
      got.set(item.workload.name, item.containers.get('app')!.warnings);
    }
    assert.deepEqual([...got.keys()], ['web', 'api'], 'two batches, web first');
    assert.ok(got.get('web')!.includes(PARTIAL), JSON.stringify(got.get('web')));
    assert.ok(!got.get('api')!.includes(PARTIAL), JSON.stringify(got.get('api')));
  });
});
