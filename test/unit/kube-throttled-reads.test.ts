// 429 Too Many Requests on the in-cluster recommender's READS (the namespace list, --create-vpas's opted-in namespaces,
// a namespace's workload lists, its VPA list), against a loopback HTTP double of the API server that answers 429 with Retry-After a set number of times
// before answering: the read waits its Retry-After and is sent again, as status writes always did (throttle.ts). Spent
// attempts fail as a transient error (kind 'unreachable', 429), which the shard turns into exit 3 — a throttled status
// write included (before: kind 'other', exit 1, while docs/IN-CLUSTER.md promised 3).
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { statusWriteFailure } from '../../src/cli/commands/recommend-in-cluster';
import { KubeClient } from '../../src/data/kube/client';
import { KubeError } from '../../src/data/kube/errors';
import type { VpaObject } from '../../src/data/kube/vpa-status';
import { VpaCreator } from '../../src/data/kube/vpa-creator';
import { VpaWriter } from '../../src/data/kube/vpa-writer';
import { writeKubeconfig } from './helpers/kubeconfig';

describe('In-cluster reads answered 429 Too Many Requests wait their Retry-After (loopback API server double)', () => {
  let server: http.Server;
  let dir: string;
  let kubeconfig: string;
  /** Per path: how many 429s are left before the double answers (Infinity: always). */
  const throttle = new Map<string, number>();
  /** Per path: when each request came. */
  const seen = new Map<string, number[]>();
  let retryAfter = '1';
  const vpa: VpaObject = {
    apiVersion: 'autoscaling.k8s.io/v1', kind: 'VerticalPodAutoscaler', metadata: { name: 'api', namespace: 'shop', resourceVersion: '7' },
    spec: { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' }, recommenders: [{ name: 'mora' }] },
  } as VpaObject;

  before(async () => {
    server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const p = new URL(req.url ?? '/', 'http://double').pathname;
        seen.set(p, [...(seen.get(p) ?? []), Date.now()]);
        const send = (code: number, body: unknown, headers: Record<string, string> = {}) => res.writeHead(code, { 'Content-Type': 'application/json', ...headers }).end(JSON.stringify(body));
        const left = throttle.get(p) ?? 0;
        if (left > 0) {
          throttle.set(p, left - 1);
          send(429, { kind: 'Status', status: 'Failure', reason: 'TooManyRequests', code: 429, message: 'Too many requests, please try again later.' }, retryAfter ? { 'Retry-After': retryAfter } : {});
          return;
        }
        if (p === '/api/v1/namespaces') send(200, { kind: 'NamespaceList', metadata: {}, items: [{ metadata: { name: 'shop' } }, { metadata: { name: 'ads' } }] });
        else if (p === '/apis/apps/v1/namespaces/shop/deployments') {
          send(200, { kind: 'DeploymentList', metadata: {}, items: [{ metadata: { name: 'api', namespace: 'shop' }, spec: { replicas: 1, template: { spec: { containers: [{ name: 'app' }] } } } }] });
        } else if (p === '/apis/autoscaling.k8s.io/v1/namespaces/shop/verticalpodautoscalers') send(200, { kind: 'VerticalPodAutoscalerList', metadata: {}, items: [vpa] });
        else if (p.endsWith('/rollouts')) send(404, { kind: 'Status', code: 404, reason: 'NotFound' });
        else if (req.method === 'PATCH') send(200, vpa);
        else send(200, { kind: 'List', metadata: {}, items: [] });
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mora-throttled-reads-'));
    kubeconfig = writeKubeconfig(dir, { context: 't', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, token: 'tok-3c1d' });
    // Loads client-node and its request stack once, here: inside the first case (10 s) it took 7-9.5 s on a loaded
    // machine, on top of the 1 s Retry-After. (beforeEach forgets what this one list left in `seen`.)
    await KubeClient.load({ kubeconfig, connectTimeoutMs: 0 }).namespaces('t', { strict: true });
  });
  beforeEach(() => { throttle.clear(); seen.clear(); retryAfter = '1'; });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const waited = (p: string) => { const t = seen.get(p) ?? []; return t.length > 1 ? t[1] - t[0] : 0; };

  it('the namespace list: one 429 with Retry-After 1 is waited out and the list answers', async function () {
    this.timeout(10_000);
    throttle.set('/api/v1/namespaces', 1);
    const ns = await KubeClient.load({ kubeconfig, connectTimeoutMs: 0 }).namespaces('t', { strict: true });
    assert.deepEqual(ns, ['ads', 'shop']);
    assert.equal(seen.get('/api/v1/namespaces')?.length, 2);
    assert.ok(waited('/api/v1/namespaces') >= 950, `waited ${waited('/api/v1/namespaces')} ms for Retry-After: 1`);
  });

  it('--create-vpas\'s list of opted-in namespaces: the 429 is waited out', async function () {
    this.timeout(10_000);
    throttle.set('/api/v1/namespaces', 1);
    const opted = await new VpaCreator({ kubeconfig, connectTimeoutMs: 0 }).optedInNamespaces();
    assert.deepEqual([...opted].sort(), ['ads', 'shop']);
    assert.ok(waited('/api/v1/namespaces') >= 950, `waited ${waited('/api/v1/namespaces')} ms`);
  });

  it('a workload list (Deployments): the 429 is waited out, the Deployment is listed and no kind is reported failed', async function () {
    this.timeout(10_000);
    throttle.set('/apis/apps/v1/namespaces/shop/deployments', 1);
    const l = await KubeClient.load({ kubeconfig, connectTimeoutMs: 0 }).workloads('t', 'shop');
    assert.deepEqual(l.workloads.map((w) => `${w.kind}/${w.name}`), ['Deployment/api']);
    assert.equal(l.failedKinds, undefined, JSON.stringify(l.failedKinds));
    assert.ok(waited('/apis/apps/v1/namespaces/shop/deployments') >= 950);
  });

  it('the VPA list: the 429 is waited out and counted; still throttled after the attempts: a 429 of kind unreachable (exit 3)', async function () {
    this.timeout(10_000);
    const p = '/apis/autoscaling.k8s.io/v1/namespaces/shop/verticalpodautoscalers';
    throttle.set(p, 1);
    const writer = new VpaWriter({ kubeconfig, connectTimeoutMs: 0 });
    assert.deepEqual((await writer.list('shop')).map((v) => v.metadata.name), ['api']);
    assert.equal(writer.throttled, 1);
    assert.ok(waited(p) >= 950);
    throttle.set(p, Infinity);
    retryAfter = '0';
    const e = await new VpaWriter({ kubeconfig, connectTimeoutMs: 0, throttleRetries: 3 }).list('shop').then(() => undefined, (x: unknown) => x);
    assert.ok(e instanceof KubeError && e.kind === 'unreachable' && e.status === 429 && /still throttled after 3 attempts/.test(e.message), String(e));
  });

  it('a status write still throttled after its attempts fails as transient: exit 3, not 1', async function () {
    this.timeout(10_000);
    throttle.set('/apis/autoscaling.k8s.io/v1/namespaces/shop/verticalpodautoscalers/api/status', Infinity);
    retryAfter = '0';
    const writer = new VpaWriter({ kubeconfig, connectTimeoutMs: 0, throttleRetries: 2 });
    const e = await writer.writeStatus(vpa, () => ({ conditions: [] })).then(() => undefined, (x: unknown) => x);
    assert.ok(e instanceof KubeError && e.status === 429, String(e));
    assert.deepEqual(statusWriteFailure(e), { outcome: 'failed', exitCode: 3 });
  });
});
