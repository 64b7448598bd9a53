// `mora recommend --in-cluster --metrics-file FILE`: FILE is a path the user gave, so its folder must exist, as for
// every other output path (`--out`, `--html`): a missing folder is refused before the shard asks the API server
// anything or writes any VPA status (exit 2, naming the folder), and is not created. A loopback HTTP double is the API
// server and Prometheus of the kubeconfig's context (one namespace, one MOrA VPA, no samples) and remembers each request.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { inClusterCommand, type ShardSummary } from '../../src/cli/commands/recommend-in-cluster';
import { UserError } from '../../src/cli/errors';
import { LoopbackHttpServer } from './helpers/loopback-http-server';
import { RECOMMEND_DEFAULTS } from './helpers/recommend-options';
import { mora } from './helpers/run-cli';

type Json = Record<string, unknown>;

const VPA: Json = {
  apiVersion: 'autoscaling.k8s.io/v1', kind: 'VerticalPodAutoscaler', metadata: { name: 'api', namespace: 'shop', generation: 1, resourceVersion: '1' },
  spec: { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' }, recommenders: [{ name: 'mora' }] },
};

/** API server and Prometheus in one: remembers each request's method and path. */
class Cluster extends LoopbackHttpServer {
  readonly seen: string[] = [];
  protected answer(req: http.IncomingMessage, res: http.ServerResponse, body: string): void {
    const url = new URL(req.url ?? '/', 'http://double');
    this.seen.push(`${req.method} ${url.pathname}`);
    const send = (code: number, b: unknown): void => { res.writeHead(code, { 'Content-Type': 'application/json' }).end(JSON.stringify(b)); };
    const list = (kind: string, items: Json[]): void => send(200, { apiVersion: 'v1', kind: `${kind}List`, metadata: { resourceVersion: '1' }, items });
    const p = url.pathname;
    if (p === '/version') return send(200, { major: '1', minor: '30', gitVersion: 'v1.30.0' });
    if (p === '/api/v1/status/buildinfo') return send(200, { status: 'success', data: { version: '2.53.0' } });
    if (p === '/api/v1/query') return send(200, { status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [1, '3'] }] } });
    if (p === '/api/v1/query_range') return send(200, { status: 'success', data: { resultType: 'matrix', result: [] } });
    if (p === '/api/v1/namespaces') return list('Namespace', [{ metadata: { name: 'shop' } }]);
    if (p.endsWith('/verticalpodautoscalers/api/status') && req.method === 'PATCH') {
      const patch = body ? JSON.parse(body) as Json : {};
      return send(200, { ...VPA, ...patch, metadata: VPA.metadata });
    }
    if (p.endsWith('/verticalpodautoscalers/api')) return send(200, VPA);
    if (p.endsWith('/verticalpodautoscalers')) return list('VerticalPodAutoscaler', [VPA]);
    if (p === '/apis/apps/v1/namespaces/shop/deployments') {
      return list('Deployment', [{
        apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api', namespace: 'shop', uid: 'd1' },
        spec: { replicas: 1, selector: { matchLabels: { app: 'api' } }, template: { metadata: { labels: { app: 'api' } }, spec: { containers: [{ name: 'app', image: 'app:1' }] } } },
      }]);
    }
    if (req.method === 'GET') return list('Thing', []);
    send(405, { kind: 'Status', code: 405 });
  }
}

describe('recommend --in-cluster --metrics-file: a user-given path whose folder must exist', () => {
  const cluster = new Cluster();
  let dir: string;
  let kubeconfig: string;
  let server: string;

  before(async () => {
    server = await cluster.start();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mora-metrics-file-'));
    kubeconfig = path.join(dir, 'config');
    fs.writeFileSync(kubeconfig, [
      'apiVersion: v1', 'kind: Config', 'current-context: x',
      `clusters: [{ name: cx, cluster: { server: "${server}", insecure-skip-tls-verify: true } }]`,
      'users: [{ name: u, user: { token: t0k3n } }]',
      'contexts: [{ name: x, context: { cluster: cx, user: u } }]', '',
    ].join('\n'));
  });
  after(async () => {
    await cluster.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const run = (metricsFile: string) => inClusterCommand({
    ...RECOMMEND_DEFAULTS, source: 'cluster', inCluster: true, kubeconfig, prometheus: server, shardIndex: '0', shards: '1', connectTimeout: '2', metricsFile,
  }, {});

  it('a missing folder is exit 2 naming it, before any request or status write; the folder is not created', async () => {
    cluster.seen.length = 0;
    const missing = path.join(dir, 'typo');
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
    const missing = path.join(dir, 'a', 'b');
    const r = await mora(['recommend', '--in-cluster', '--kubeconfig', kubeconfig, '--prometheus', server, '--shard-index', '0', '--shards', '1', '-q',
      '--metrics-file', path.join(missing, 'm.om')]);
    assert.equal(r.code, 2, r.err);
    assert.equal(r.out, '');
    assert.match(r.err, /the directory .*mora-metrics-file-[^/]+\/a does not exist/);
    assert.deepEqual(cluster.seen, []);
    assert.equal(fs.existsSync(path.join(dir, 'a')), false);
  });

  it('an existing folder: the shard runs and the file holds its OpenMetrics text', async () => {
    cluster.seen.length = 0;
    const file = path.join(dir, 'shard-0.om');
    const summary = JSON.parse(await run(file)) as ShardSummary;
    assert.deepEqual(summary.vpas.map((v) => `${v.namespace}/${v.name} ${v.outcome}`), ['shop/api no-recommendation']);
    const text = fs.readFileSync(file, 'utf8');
    assert.match(text, /^mora_recommender_run_success\{shard="0",shards="1"\} 1$/m);
    assert.match(text, /# EOF\n$/);
    assert.ok(cluster.seen.includes('PATCH /apis/autoscaling.k8s.io/v1/namespaces/shop/verticalpodautoscalers/api/status'), cluster.seen.join(', '));
  });
});
