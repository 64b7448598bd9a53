import { strict as assert } from 'node:assert';
import type { ContainerRecommendation, Recommendation, ResourceRecommendation } from '../../src/core/recommendation';
import { InClusterMetrics, checkPushgatewayUrl, countingFetch, modelErrorsOf } from '../../src/data/kube/in-cluster-metrics';
import { mora } from './helpers/run-cli';

/** OpenMetrics text → { 'name{labels}': value } (labels as printed, sorted by the exposition). */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^(\S+?)(\{.*\})? (\S+)$/.exec(line);
    assert.ok(m, `sample line: ${line}`);
    out.set(`${m[1]}${m[2] ?? ''}`, Number(m[3]));
  }
  return out;
}

function resource(notes: string[]): ResourceRecommendation {
  return {
    request: { value: 1, lower: 1, upper: 1 }, confidence: 0.9,
    evidence: { observed: { p50: 1, p95: 1, p99: 1, max: 1, samples: 1, days: 1 }, margin: 0, method: 'moving-window', reason: 't', completeness: 1, notes },
  };
}
function rec(...containers: Array<[string[], string[]]>): Recommendation {
  const cs: ContainerRecommendation[] = containers.map(([cpu, mem], i) => ({
    container: `c${i}`, current: { requests: {}, limits: {} }, cpu: resource(cpu), memory: resource(mem), verdict: 'ok', confidence: 0.9,
  }));
  return { workload: { context: 'c', namespace: 'shop', kind: 'Deployment', name: 'api' }, containers: cs, qos: 'Burstable', confidence: 0.9, generatedAt: 0 };
}

describe('in-cluster self-metrics (prom-client)', () => {
  it('a fake run: the OpenMetrics text carries each counter and gauge with the run\'s values, labelled by shard', async () => {
    let now = 1_800_000_000_000;
    const m = new InClusterMetrics(() => now);
    m.setShard({ index: 2, count: 4 });
    m.setNamespaces(7);
    // Prometheus: three answered requests, one 503, one connection refused, one aborted by the caller (not counted).
    const answers: Array<number | Error> = [200, 200, 503, new Error('connect ECONNREFUSED'), 200, Object.assign(new Error('aborted'), { name: 'AbortError' })];
    const f = countingFetch(async () => {
      const a = answers.shift()!;
      if (a instanceof Error) throw a;
      return new Response('{}', { status: a });
    }, m);
    for (let i = 0; i < 6; i++) await f('http://prometheus:9090/api/v1/query').catch(() => undefined);
    m.phase('list', 0.5);
    m.addRecommended(5);
    m.addModelErrors(modelErrorsOf(rec([['forecast not used: prophet failed (no data)'], []], [[], ['forecast not used: fused failed (x)']])));
    m.phase('recommend', 3);
    for (const o of ['written', 'written', 'written', 'unchanged'] as const) m.vpa(o);
    m.vpa('no-recommendation', 'NoMetrics');
    m.vpa('no-recommendation', 'TargetNotFound');
    m.vpa('no-recommendation', 'TargetNotFound');
    m.vpa('failed');
    m.addWrites(6);
    m.phase('write', 1.25);
    now += 12_500;
    m.finish(true);
    m.finish(false); // idempotent: the first outcome stands

    const text = await m.openMetrics();
    assert.match(text, /# EOF\n$/);
    assert.match(text, /# TYPE mora_recommender_workloads_recommended counter/);
    const s = samples(text);
    const L = 'shard="2",shards="4"';
    const want: Array<[string, number]> = [
      [`mora_recommender_workloads_recommended_total{${L}}`, 5],
      [`mora_recommender_workloads_skipped_total{reason="TargetNotFound",${L}}`, 2],
      [`mora_recommender_workloads_skipped_total{reason="NoMetrics",${L}}`, 1],
      [`mora_recommender_vpas_total{outcome="written",${L}}`, 3],
      [`mora_recommender_vpas_total{outcome="unchanged",${L}}`, 1],
      [`mora_recommender_vpas_total{outcome="no-recommendation",${L}}`, 3],
      [`mora_recommender_vpas_total{outcome="failed",${L}}`, 1],
      [`mora_recommender_vpa_status_writes_total{${L}}`, 6],
      [`mora_recommender_prometheus_requests_total{result="ok",${L}}`, 3],
      [`mora_recommender_prometheus_requests_total{result="error",${L}}`, 2],
      [`mora_recommender_prometheus_reachable{${L}}`, 1],
      [`mora_recommender_model_errors_total{${L}}`, 2],
      [`mora_recommender_shard_namespaces{${L}}`, 7],
      [`mora_recommender_phase_duration_seconds{phase="list",${L}}`, 0.5],
      [`mora_recommender_phase_duration_seconds{phase="recommend",${L}}`, 3],
      [`mora_recommender_phase_duration_seconds{phase="write",${L}}`, 1.25],
      [`mora_recommender_run_start_time_seconds{${L}}`, 1_800_000_000],
      [`mora_recommender_shard_duration_seconds{${L}}`, 12.5],
      [`mora_recommender_run_success{${L}}`, 1],
      [`mora_recommender_last_success_timestamp_seconds{${L}}`, 1_800_000_012.5],
    ];
    for (const [k, v] of want) assert.equal(s.get(k), v, `${k} in\n${text}`);
    assert.equal(s.size, want.length, `no other series:\n${text}`);
    // The registry is back in Prometheus text format for a push.
    assert.doesNotMatch(await m.registry.metrics(), /# EOF/);
  });

  it('a failed run says so and carries no last-success time (a push then keeps the previous one); Prometheus down reads 0', async () => {
    const m = new InClusterMetrics(() => 1_000);
    m.setShard({ index: 0, count: 1 });
    const s0 = samples(await m.openMetrics());
    assert.equal(s0.has('mora_recommender_prometheus_reachable{shard="0",shards="1"}'), false, 'not known before any request');
    const f = countingFetch(async () => { throw new Error('getaddrinfo ENOTFOUND prometheus'); }, m);
    await assert.rejects(f('http://prometheus:9090/api/v1/status/buildinfo'));
    m.finish(false);
    const s = samples(await m.openMetrics());
    assert.equal(s.get('mora_recommender_run_success{shard="0",shards="1"}'), 0);
    assert.equal(s.get('mora_recommender_prometheus_reachable{shard="0",shards="1"}'), 0);
    assert.equal(s.get('mora_recommender_prometheus_requests_total{result="error",shard="0",shards="1"}'), 1);
    assert.equal([...s.keys()].some((k) => k.startsWith('mora_recommender_last_success_timestamp_seconds')), false);
  });

  it('counts a model error per resource whose forecast failed, not for a forecast that lost to the window', () => {
    assert.equal(modelErrorsOf(rec([['forecast not used: it did not beat the moving window on the last day'], []])), 0);
    assert.equal(modelErrorsOf(rec([['forecast not used: lstm failed (NaN loss)'], ['forecast not used: lstm failed (NaN loss)']])), 2);
  });

  it('a Pushgateway URL that is no http(s) URL is a usage error before the run (exit 2)', async () => {
    assert.throws(() => checkPushgatewayUrl('pushgateway:9091'), /must start with http/);
    assert.throws(() => checkPushgatewayUrl('not a url'), /is not a URL/);
    assert.equal(checkPushgatewayUrl('http://pushgateway.monitoring:9091'), 'http://pushgateway.monitoring:9091');
    const r = await mora(['recommend', '--in-cluster', '--pushgateway', 'ftp://pg:9091', '--kubeconfig', '/nonexistent/kubeconfig']);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /--pushgateway "ftp:\/\/pg:9091" must start with http/);
  });

  it('--pushgateway and --metrics-file without --in-cluster are a usage error', async () => {
    for (const flags of [['--pushgateway', 'http://pg:9091'], ['--metrics-file', '-']]) {
      const r = await mora(['recommend', ...flags]);
      assert.equal(r.code, 2, r.err);
      assert.match(r.err, /--pushgateway and --metrics-file go with --in-cluster/);
    }
  });
});
