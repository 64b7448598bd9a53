// A loopback HTTP double of one kube context's API server and Prometheus in one: namespace "shop" with one Deployment
// and one MOrA VPA, Prometheus with no samples. It remembers each request's method and path, so a test can say what the
// in-cluster shard asked (or that it asked nothing).
import * as fs from 'node:fs';
import type * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { LoopbackHttpServer } from './loopback-http-server';

export type Json = Record<string, unknown>;

export const VPA: Json = {
  apiVersion: 'autoscaling.k8s.io/v1', kind: 'VerticalPodAutoscaler', metadata: { name: 'api', namespace: 'shop', generation: 1, resourceVersion: '1' },
  spec: { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' }, recommenders: [{ name: 'mora' }] },
};

/** API server and Prometheus in one: remembers each request's method and path. */
export class OneVpaCluster extends LoopbackHttpServer {
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

/** A kubeconfig in `dir` whose one context, "x", is the double at `server` (a token user, TLS not verified). */
export function kubeconfigFor(dir: string, server: string): string {
  const file = path.join(dir, 'config');
  fs.writeFileSync(file, [
    'apiVersion: v1', 'kind: Config', 'current-context: x',
    `clusters: [{ name: cx, cluster: { server: "${server}", insecure-skip-tls-verify: true } }]`,
    'users: [{ name: u, user: { token: t0k3n } }]',
    'contexts: [{ name: x, context: { cluster: cx, user: u } }]', '',
  ].join('\n'));
  return file;
}

/** The same cluster, with Prometheus answering every range query with a steady series for pod api-5d9f8c7b6-x7k2p, container app. */
export class OneVpaClusterWithSamples extends OneVpaCluster {
  protected override answer(req: http.IncomingMessage, res: http.ServerResponse, body: string): void {
    const url = new URL(req.url ?? '/', 'http://double');
    if (url.pathname !== '/api/v1/query_range') return super.answer(req, res, body);
    this.seen.push(`${req.method} ${url.pathname}`);
    const q = new URLSearchParams(body || url.search.slice(1));
    const start = Number(q.get('start')), end = Number(q.get('end')), step = Number(q.get('step')) || 300;
    const memory = /memory/.test(q.get('query') ?? '');
    const values: Array<[number, string]> = [];
    for (let t = Math.ceil(start / step) * step, i = 0; t <= end; t += step, i++) values.push([t, String(memory ? 200e6 + (i % 7) * 1e6 : 0.2 + (i % 5) * 0.01)]);
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({
      status: 'success', data: { resultType: 'matrix', result: [{ metric: { namespace: 'shop', pod: 'api-5d9f8c7b6-x7k2p', container: 'app' }, values }] },
    }));
  }
}

/**
 * Starts `cluster` before the suite and writes its kubeconfig in a temp folder named `prefix…`; stops and removes both
 * after. The fields are set once the suite's `before` has run.
 */
export function useOneVpaCluster(cluster: OneVpaCluster, prefix: string): { server: string; dir: string; kubeconfig: string } {
  const fixture = { server: '', dir: '', kubeconfig: '' };
  before(async () => {
    fixture.server = await cluster.start();
    fixture.dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    fixture.kubeconfig = kubeconfigFor(fixture.dir, fixture.server);
  });
  after(async () => {
    await cluster.stop();
    if (fixture.dir) fs.rmSync(fixture.dir, { recursive: true, force: true });
  });
  return fixture;
}
