// `mora recommend --in-cluster --metrics-file FILE`: FILE is a path the user gave, so its folder must exist, as for
// every other output path (`--out`, `--html`): a missing folder is refused before the shard asks the API server
// anything or writes any VPA status (exit 2, naming the folder), and is not created. A loopback HTTP double is the API
// server and Prometheus of the kubeconfig's context (one namespace, one MOrA VPA, no samples) and remembers each request.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { inClusterCommand, type ShardSummary } from '../../src/cli/commands/recommend-in-cluster';
import { UserError } from '../../src/cli/errors';
import { OneVpaCluster, useOneVpaCluster } from './helpers/one-vpa-cluster';
import { RECOMMEND_DEFAULTS } from './helpers/recommend-options';
import { mora } from './helpers/run-cli';

describe('recommend --in-cluster --metrics-file: a user-given path whose folder must exist', () => {
  const cluster = new OneVpaCluster();
  const fx = useOneVpaCluster(cluster, 'mora-metrics-file-');

  const run = (metricsFile: string) => inClusterCommand({
    ...RECOMMEND_DEFAULTS, source: 'cluster', inCluster: true, kubeconfig: fx.kubeconfig, prometheus: fx.server, shardIndex: '0', shards: '1', connectTimeout: '2', metricsFile,
  }, {});

  it('a missing folder is exit 2 naming it, before any request or status write; the folder is not created', async () => {
    cluster.seen.length = 0;
    const missing = path.join(fx.dir, 'typo');
    const file = path.join(missing, 'shard-0.om');
    await assert.rejects(run(file), (e: unknown) => {
      assert.ok(e instanceof UserError, String(e));
      assert.equal(e.exitCode, 2);
      assert.equal(e.message, `--metrics-file ${file}: cannot write: the directory ${missing} does not exist (MOrA does not create it: create it first) (ENOENT)`);
      return true;
    });
    assert.deepEqual(cluster.seen, [], 'nothing asked of the API server or Prometheus, no VPA status written');
    assert.equal(fs.existsSync(missing), false, 'the folder is not created');
  });

  it('the same through the CLI: exit 2, one line on stderr, stdout empty', async () => {
    cluster.seen.length = 0;
    const missing = path.join(fx.dir, 'a', 'b');
    const r = await mora(['recommend', '--in-cluster', '--kubeconfig', fx.kubeconfig, '--prometheus', fx.server, '--shard-index', '0', '--shards', '1', '-q',
      '--metrics-file', path.join(missing, 'm.om')]);
    assert.equal(r.code, 2, r.err);
    assert.equal(r.out, '');
    assert.match(r.err, /the directory .*mora-metrics-file-[^/]+\/a does not exist/);
    assert.deepEqual(cluster.seen, []);
    assert.equal(fs.existsSync(path.join(fx.dir, 'a')), false);
  });

  it('an existing folder: the shard runs and the file holds its OpenMetrics text', async () => {
    cluster.seen.length = 0;
    const file = path.join(fx.dir, 'shard-0.om');
    const summary = JSON.parse(await run(file)) as ShardSummary;
    assert.deepEqual(summary.vpas.map((v) => `${v.namespace}/${v.name} ${v.outcome}`), ['shop/api no-recommendation']);
    const text = fs.readFileSync(file, 'utf8');
    assert.match(text, /^mora_recommender_run_success\{shard="0",shards="1"\} 1$/m);
    assert.match(text, /# EOF\n$/);
    assert.ok(cluster.seen.includes('PATCH /apis/autoscaling.k8s.io/v1/namespaces/shop/verticalpodautoscalers/api/status'), cluster.seen.join(', '));
  });
});
