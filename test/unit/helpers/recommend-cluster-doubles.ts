// Loopback test doubles for `mora recommend --source cluster` in-process: a Kubernetes API with one Deployment `web`
// in namespace `shop` (its ReplicaSet and Pod), and a Prometheus answering the health checks (the newest cAdvisor
// sample `age` seconds old; over 5 minutes, instant queries see no series, as Prometheus' staleness has it) and every
// CPU/memory range read with a flat series for that pod until `age` seconds ago. Optional faults:
// `maxRangeHours` answers a longer range read as Prometheus' own --query.timeout does (503, errorType "timeout");
// `hangRanges` never answers a usage range read (held until the client gives up: MOrA's own request timeout).
import type * as http from 'node:http';
import { LoopbackHttpServer } from './loopback-http-server';

type Json = Record<string, unknown>;

const POD = 'web-6d4cf56db6-x7k2p';
const RS = 'web-6d4cf56db6';

function send(res: http.ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

export class FakeKubeApi extends LoopbackHttpServer {
  protected answer(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = (req.url ?? '').split('?')[0];
    const meta = (name: string, owner?: Json): Json => ({ name, namespace: 'shop', uid: `uid-${name}`, resourceVersion: '1', ...(owner ? { ownerReferences: [owner] } : {}) });
    const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'shop/web:1', resources: { requests: { cpu: '1', memory: '1Gi' } } }] } };
    if (url === '/version') return send(res, 200, { major: '1', minor: '37', gitVersion: 'v1.37.2' });
    if (url === '/api/v1/namespaces') return send(res, 200, { kind: 'NamespaceList', apiVersion: 'v1', metadata: {}, items: [{ metadata: { name: 'shop' } }] });
    if (url === '/api/v1/namespaces/shop') return send(res, 200, { kind: 'Namespace', apiVersion: 'v1', metadata: { name: 'shop' } });
    if (url === '/apis/apps/v1/namespaces/shop/deployments') {
      return send(res, 200, { kind: 'DeploymentList', apiVersion: 'apps/v1', metadata: {}, items: [{ apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta('web'),
        spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template }, status: { replicas: 1, readyReplicas: 1 } }] });
    }
    if (url === '/apis/apps/v1/namespaces/shop/replicasets') {
      return send(res, 200, { kind: 'ReplicaSetList', apiVersion: 'apps/v1', metadata: {}, items: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet',
        metadata: meta(RS, { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'uid-web', controller: true }), spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template } }] });
    }
    if (url === '/api/v1/namespaces/shop/pods') {
      return send(res, 200, { kind: 'PodList', apiVersion: 'v1', metadata: {}, items: [{ apiVersion: 'v1', kind: 'Pod',
        metadata: { ...meta(POD, { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: RS, uid: `uid-${RS}`, controller: true }), labels: { app: 'web' } },
        spec: template.spec, status: { phase: 'Running' } }] });
    }
    // Every other list (StatefulSets, HPAs, Jobs, …): none.
    if (req.method === 'GET' && /\/[a-z]+s$/.test(url)) return send(res, 200, { kind: 'List', apiVersion: 'v1', metadata: {}, items: [] });
    return send(res, 404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404, message: `${url} not found` });
  }
}

export class FakePrometheus extends LoopbackHttpServer {
  /** Seconds between now and the newest cAdvisor sample, as `time() - max(timestamp(…))` answers it. */
  age = 240;
  /** Range reads longer than this many hours time out as Prometheus' --query.timeout does; every range asked is in `ranges`. */
  maxRangeHours = Infinity;
  ranges: Array<[number, number]> = [];
  /** Usage range reads are never answered (the connection is held until the client closes it). */
  hangRanges = false;

  protected answer(req: http.IncomingMessage, res: http.ServerResponse, body: string): void {
    const u = new URL(req.url ?? '/', 'http://x');
    const form = new URLSearchParams(req.method === 'POST' ? body : u.search);
    const query = form.get('query') ?? '';
    const now = Date.now() / 1000;
    const labels = { namespace: 'shop', pod: POD, container: 'app' };
    const value = /memory/.test(query) ? 2e8 : 0.2;
    if (u.pathname.endsWith('/status/buildinfo')) return send(res, 200, { status: 'success', data: { version: '3.5.0' } });
    if (u.pathname.endsWith('/query_range')) {
      // Usage (CPU, memory) until `age` seconds ago; nothing for the other metrics.
      if (!/container_(cpu|memory)/.test(query)) return send(res, 200, { status: 'success', data: { resultType: 'matrix', result: [] } });
      const start = Number(form.get('start')), end = Math.min(Number(form.get('end')), now - this.age), step = Number(form.get('step'));
      this.ranges.push([start, Number(form.get('end'))]);
      if (this.hangRanges) return;
      if (Number(form.get('end')) - start > this.maxRangeHours * 3600) {
        return send(res, 503, { status: 'error', errorType: 'timeout', error: 'query timed out in expression evaluation' });
      }
      const values: Array<[number, string]> = [];
      for (let t = start; t <= end; t += step) values.push([t, String(value)]);
      return send(res, 200, { status: 'success', data: { resultType: 'matrix', result: values.length ? [{ metric: labels, values }] : [] } });
    }
    if (u.pathname.endsWith('/query')) {
      const at = Number(form.get('time') ?? now) || now;
      const one = (v: number, metric: Json = {}) => send(res, 200, { status: 'success', data: { resultType: 'vector', result: [{ metric, value: [at, String(v)] }] } });
      const none = () => send(res, 200, { status: 'success', data: { resultType: 'vector', result: [] } });
      // Prometheus' staleness: an instant query sees only series with a sample in the last 5 minutes.
      const seen = this.age <= 300;
      if (/^time\(\) - max\(timestamp\(container_/.test(query)) return seen ? one(this.age) : none();
      // The newest sample over a window (`[1h:1m]`, `[336h:1h]`): found when the window reaches back to it.
      const window = /^time\(\) - max\(max_over_time\(timestamp\(container_\w+\{\}\)\[(\d+)h:/.exec(query);
      if (window) return this.age <= Number(window[1]) * 3600 ? one(this.age) : none();
      if (/^count\(container_/.test(query)) return seen ? one(1) : none();
      return send(res, 200, { status: 'success', data: { resultType: 'vector', result: [] } });
    }
    return send(res, 404, { status: 'error', errorType: 'not_found', error: u.pathname });
  }
}
