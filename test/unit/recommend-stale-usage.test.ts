// `mora recommend --source cluster` when cAdvisor's CPU/memory series stopped minutes ago (a scrape target down, a
// clock skewed): the rule of `mora health` (newest sample over STALE_SAMPLE_SECONDS old) is said once on stderr, naming
// the metric, the age and what to fix, and the history up to then is still read into recommendations. Before, the run
// said nothing (health() put the stale check only into the message the editor's tooltip shows).
// Two loopback test doubles: a Kubernetes API with one Deployment (its ReplicaSet and Pod), and a Prometheus answering
// the health checks (the newest sample `age` seconds old) and every range read with a flat series for that pod.
import * as assert from 'node:assert/strict';
import type * as http from 'node:http';
import { fakeApiKubeconfigPerSuite } from './helpers/fake-api-kubeconfig';
import { LoopbackHttpServer } from './helpers/loopback-http-server';
import { mora } from './helpers/run-cli';

type Json = Record<string, unknown>;

const POD = 'web-6d4cf56db6-x7k2p';
const RS = 'web-6d4cf56db6';

function send(res: http.ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

class FakeKubeApi extends LoopbackHttpServer {
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

class FakePrometheus extends LoopbackHttpServer {
  /** Seconds between now and the newest cAdvisor sample, as `time() - max(timestamp(…))` answers it. */
  age = 240;

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
      const values: Array<[number, string]> = [];
      for (let t = start; t <= end; t += step) values.push([t, String(value)]);
      return send(res, 200, { status: 'success', data: { resultType: 'matrix', result: values.length ? [{ metric: labels, values }] : [] } });
    }
    if (u.pathname.endsWith('/query')) {
      const at = Number(form.get('time') ?? now) || now;
      const one = (v: number, metric: Json = {}) => send(res, 200, { status: 'success', data: { resultType: 'vector', result: [{ metric, value: [at, String(v)] }] } });
      if (/^time\(\) - max\(timestamp\(container_/.test(query)) return one(this.age);
      if (/^count\(container_/.test(query)) return one(1);
      return send(res, 200, { status: 'success', data: { resultType: 'vector', result: [] } });
    }
    return send(res, 404, { status: 'error', errorType: 'not_found', error: u.pathname });
  }
}

describe('mora recommend --source cluster: cAdvisor series that stopped (loopback Kubernetes API and Prometheus doubles)', function () {
  this.timeout(60_000);
  const api = new FakeKubeApi();
  const kube = fakeApiKubeconfigPerSuite(api, { context: 'prod', token: 'kube-t0ken' }, 'mora-stale-usage-');
  const prom = new FakePrometheus();
  let promUrl = '';
  before(async () => { promUrl = await prom.start(); });
  after(() => prom.stop());

  const run = () => mora(['recommend', '--source', 'cluster', '--prometheus', promUrl, '--kubeconfig', kube.kubeconfig, '-n', 'shop', '-f', 'json', '-q']);

  it('newest sample 4 minutes old: one warning naming the metric, the age and the fix; recommendations from the history', async () => {
    prom.age = 240;
    const r = await run();
    assert.equal(r.code, 0, r.err);
    // Once (not per workload or per read); the OOM-history note this double also earns is another line.
    const warnings = r.err.split('\n').filter((l) => /newest sample/.test(l));
    assert.equal(warnings.length, 1, r.err);
    assert.match(warnings[0], /^mora: warning: cAdvisor: 1 series of container_cpu_usage_seconds_total, but container_\w+: newest sample is 4m00s old \(none in the last 3m00s\) — the kubelet\/cAdvisor scrape target is down or no longer scraped .*recommendations would miss the latest usage$/);
    const recs = JSON.parse(r.out) as Array<{ workload: { name: string }; containers: Array<{ name: string; cpu?: { request?: number } }> }>;
    assert.deepEqual(recs.map((x) => x.workload.name), ['web'], r.out);
    assert.ok(recs[0].containers[0].cpu?.request, r.out);
  });

  it('fresh (newest sample 30 s old): no warning', async () => {
    prom.age = 30;
    const r = await run();
    assert.equal(r.code, 0, r.err);
    assert.doesNotMatch(r.err, /newest sample|scrape target/, r.err);
    assert.deepEqual((JSON.parse(r.out) as Array<{ workload: { name: string } }>).map((x) => x.workload.name), ['web'], r.out);
  });
});
