// `mora recommend --in-cluster --context x`: the health check before the recommendations looks at context x — the one
// the shard lists, reads and writes — not at the kubeconfig's current context; an unknown name is refused before
// anything is asked, with the kubeconfig's contexts. A loopback HTTP double serves context x (API server and
// Prometheus: one namespace, one MOrA VPA, no samples); the current context points at a closed loopback port.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { inClusterCommand, type ShardSummary } from '../../src/cli/commands/recommend-in-cluster';
import { UserError } from '../../src/cli/errors';
import { closedPort } from '../harness/ports';
import { LoopbackHttpServer } from './helpers/loopback-http-server';
import { RECOMMEND_DEFAULTS } from './helpers/recommend-options';

type Json = Record<string, unknown>;

const VPA: Json = {
  apiVersion: 'autoscaling.k8s.io/v1', kind: 'VerticalPodAutoscaler', metadata: { name: 'api', namespace: 'shop', generation: 1, resourceVersion: '1' },
  spec: { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' }, recommenders: [{ name: 'mora' }] },
};

/** API server and Prometheus of context "x" in one: remembers each request's method and path. */
class ContextX extends LoopbackHttpServer {
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

describe('recommend --in-cluster --context: the named context is the one checked and used', () => {
  const x = new ContextX();
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
