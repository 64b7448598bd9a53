// `mora recommend --in-cluster --dry-run` (with or without --create-vpas): the shard reads and recommends as usual and
// writes nothing (no VPA status PATCH, no VPA create), and its summary (`dryRun: true`) carries per VPA the status it
// would write. A loopback double is the API server and Prometheus (one namespace, one MOrA VPA); here Prometheus has
// two weeks of samples for the Deployment's one container, so there is a recommendation to show.
import { strict as assert } from 'node:assert';
import { inClusterCommand, type ShardSummary } from '../../src/cli/commands/recommend-in-cluster';
import { OneVpaClusterWithSamples, useOneVpaCluster } from './helpers/one-vpa-cluster';
import { RECOMMEND_DEFAULTS } from './helpers/recommend-options';


describe('recommend --in-cluster --dry-run: computes the statuses, writes nothing, prints them', () => {
  const cluster = new OneVpaClusterWithSamples();
  const fx = useOneVpaCluster(cluster, 'mora-dry-run-');

  const run = (extra: Record<string, unknown>) => inClusterCommand({
    ...RECOMMEND_DEFAULTS, source: 'cluster', inCluster: true, kubeconfig: fx.kubeconfig, prometheus: fx.server, shardIndex: '0', shards: '1', connectTimeout: '2', ...extra,
  }, { MORA_NOW: '1790000000' });

  for (const flags of [{ dryRun: true }, { dryRun: true, createVpas: true }]) {
    it(`${flags.createVpas ? '--create-vpas --dry-run' : '--dry-run'}: no PATCH or POST; the would-be status per VPA`, async () => {
      cluster.seen.length = 0;
      const summary = JSON.parse(await run(flags)) as ShardSummary;
      assert.deepEqual(cluster.seen.filter((s) => !s.startsWith('GET ') && !s.startsWith('POST /api/v1/query')), [], cluster.seen.join(', '));
      assert.equal(summary.dryRun, true);
      assert.equal(summary.writes, 0);
      assert.deepEqual(summary.vpas.map((v) => `${v.namespace}/${v.name} ${v.target} ${v.outcome}`), ['shop/api Deployment/api would-write']);
      const [c] = summary.vpas[0]!.status!.recommendation!.containerRecommendations;
      assert.equal(c!.containerName, 'app');
      for (const b of [c!.lowerBound, c!.target, c!.upperBound]) assert.ok(b.cpu && b.memory, JSON.stringify(c));
      assert.ok(cluster.seen.some((s) => s.endsWith('/api/v1/query_range')), 'Prometheus was read');
    });
  }

  it('without --dry-run the same shard writes the status (the double answers the PATCH)', async () => {
    cluster.seen.length = 0;
    const summary = JSON.parse(await run({})) as ShardSummary;
    assert.deepEqual(summary.vpas.map((v) => v.outcome), ["written"], JSON.stringify(summary.vpas) + cluster.seen.join(","));
    assert.equal(summary.vpas[0]!.status, undefined);
    assert.ok(cluster.seen.includes('PATCH /apis/autoscaling.k8s.io/v1/namespaces/shop/verticalpodautoscalers/api/status'), cluster.seen.join(', '));
  });
});
