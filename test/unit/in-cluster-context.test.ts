// `mora recommend --in-cluster --context x`: the health check before the recommendations looks at context x — the one
// the shard lists, reads and writes — not at the kubeconfig's current context; an unknown name is refused before
// anything is asked, with the kubeconfig's contexts. A loopback HTTP double serves context x (API server and
// Prometheus: one namespace, one MOrA VPA, no samples); the current context points at a closed loopback port.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { inClusterCommand, type ShardSummary } from '../../src/cli/commands/recommend-in-cluster';
import { UserError } from '../../src/cli/errors';
import { closedPort } from '../harness/ports';
import { OneVpaCluster } from './helpers/one-vpa-cluster';
import { RECOMMEND_DEFAULTS } from './helpers/recommend-options';

describe('recommend --in-cluster --context: the named context is the one checked and used', () => {
  const x = new OneVpaCluster();
  let dir: string;
  let kubeconfig: string;
  let server: string;
  let dead: string;

  before(async () => {
    server = await x.start();
    dead = `http://127.0.0.1:${await closedPort()}`;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mora-in-cluster-context-'));
    kubeconfig = path.join(dir, 'config');
    fs.writeFileSync(kubeconfig, [
      'apiVersion: v1', 'kind: Config', 'current-context: other',
      `clusters: [{ name: cx, cluster: { server: "${server}", insecure-skip-tls-verify: true } }, { name: cother, cluster: { server: "${dead}", insecure-skip-tls-verify: true } }]`,
      'users: [{ name: u, user: { token: t0k3n } }]',
      'contexts: [{ name: x, context: { cluster: cx, user: u } }, { name: other, context: { cluster: cother, user: u } }]', '',
    ].join('\n'));
  });
  after(async () => {
    await x.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const run = (context: string) => inClusterCommand({
    ...RECOMMEND_DEFAULTS, source: 'cluster', inCluster: true, kubeconfig, context, prometheus: server, shardIndex: '0', shards: '1', connectTimeout: '2',
  }, {});

  it('checks context x (not the current context, whose server is down) and writes its VPA', async () => {
    x.seen.length = 0;
    let out: string;
    try {
      out = await run('x');
    } catch (e) {
      assert.fail(`the run failed: ${(e as Error).message}`);
    }
    const summary = JSON.parse(out) as ShardSummary;
    assert.equal(summary.context, 'x');
    assert.deepEqual(summary.vpas.map((v) => `${v.namespace}/${v.name} ${v.outcome}`), ['shop/api no-recommendation']);
    assert.ok(x.seen.includes('GET /version'), `the Kubernetes check asked context x's API server: ${x.seen.join(', ')}`);
  });

  it('an unknown --context is refused before any request, naming the kubeconfig\'s contexts (exit 2)', async () => {
    x.seen.length = 0;
    await assert.rejects(run('nope'), (e: unknown) => {
      assert.ok(e instanceof UserError, String(e));
      assert.equal(e.exitCode, 2);
      assert.match(e.message, /no kubeconfig context "nope"; contexts: x, other/);
      return true;
    });
    assert.deepEqual(x.seen, []);
  });
});
