// A patch the API server does not answer in time (a slow or half-dead server): MOrA must not report "failed" while the
// patch may have landed. The request is aborted (a request not yet sent is then never sent), and the object is read
// back: applied → success; unchanged → "not applied so far", with the kubectl command to check; no answer → "may or
// may not have been applied", with the command. A fake API server (plain HTTP) holds the PATCH without answering.
import * as assert from 'node:assert/strict';
import type * as http from 'node:http';
import type { WorkloadRef } from '../../src/core/workload';
import { KubeClient } from '../../src/data/kube/client';
import { KubeError } from '../../src/data/kube/errors';
import { GLOBAL_MODEL_CONFIGMAP, configMapApi } from '../../src/data/kube/global-model-lock';
import { patchShownIn } from '../../src/data/kube/patch';
import { until } from '../harness/wait';
import { fakeApiKubeconfigPerSuite } from './helpers/fake-api-kubeconfig';
import { LoopbackHttpServer } from './helpers/loopback-http-server';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface Behaviour {
  /** The server applies the PATCH it received (then still does not answer). */
  applies: boolean;
  /** GETs after the first PATCH are not answered either. */
  readsHang: boolean;
}

class FakeApiServer extends LoopbackHttpServer {
  deployment: Json = {};
  patches = 0;
  /** PATCH requests whose connection the client closed before any answer. */
  abandoned = 0;
  behaviour: Behaviour = { applies: false, readsHang: false };

  constructor() {
    super();
    this.reset();
  }

  reset(behaviour: Behaviour = { applies: false, readsHang: false }): void {
    this.behaviour = behaviour;
    this.patches = 0;
    this.abandoned = 0;
    this.deployment = {
      apiVersion: 'apps/v1', kind: 'Deployment',
      metadata: { name: 'web', namespace: 'shop', resourceVersion: '100', generation: 1 },
      spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: {
        containers: [{ name: 'app', image: 'shop/web:1', resources: { requests: { cpu: '1', memory: '1Gi' } } }],
      } } },
    };
  }

  protected answer(req: http.IncomingMessage, res: http.ServerResponse, body: string): void {
    if (req.method === 'POST' || req.method === 'PUT') { // another write (a ConfigMap's): held, never answered
      this.patches++;
      res.on('close', () => { if (!res.writableEnded) this.abandoned++; });
      return;
    }
    if (req.url?.split('?')[0] !== '/apis/apps/v1/namespaces/shop/deployments/web') {
      res.writeHead(404, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 }));
      return;
    }
    if (req.method === 'GET') {
      if (this.behaviour.readsHang && this.patches > 0) return; // held: never answered
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(this.deployment));
      return;
    }
    if (req.method === 'PATCH') {
      this.patches++;
      res.on('close', () => { if (!res.writableEnded) this.abandoned++; });
      if (this.behaviour.applies) {
        const patch = JSON.parse(body) as Json;
        const containers = this.deployment.spec.template.spec.containers as Json[];
        for (const c of patch.spec.template.spec.containers as Json[]) {
          const target = containers.find((x) => x.name === c.name)!;
          target.resources = { ...target.resources, requests: { ...target.resources.requests, ...c.resources.requests } };
        }
        this.deployment.metadata.resourceVersion = '101';
      }
      return; // the answer never comes
    }
    res.writeHead(405).end();
  }
}

describe('Kubernetes API: a patch that is not answered in time', function () {
  this.timeout(20_000);
  const api = new FakeApiServer();
  const ref: WorkloadRef = { context: 'slow', namespace: 'shop', kind: 'Deployment', name: 'web' };
  const change = [{ container: 'app', requests: { cpu: 0.25, memory: 256 * 2 ** 20 } }];
  const cluster = fakeApiKubeconfigPerSuite(api, { context: 'slow', token: 'unanswered-write-test-token' }, 'mora-unanswered-');
  let kube: KubeClient;

  before(() => {
    kube = KubeClient.load({ kubeconfig: cluster.kubeconfig, env: {}, home: cluster.dir, timeoutMs: 500, connectTimeoutMs: 0 });
  });

  it('the server applied it: read back, the patch is in place → reported as applied, not as failed', async () => {
    api.reset({ applies: true, readsHang: false });
    const r = await kube.applyResources(ref, change);
    assert.equal(r.readBack, true);
    assert.equal(r.resourceVersion, '101');
    assert.deepEqual((r.after.spec?.template?.spec?.containers ?? [])[0].resources?.requests, { cpu: '250m', memory: '256Mi' });
    assert.equal(api.patches, 1, 'not sent twice');
  });

  it('the server did not apply it: "not applied so far", the unchanged resourceVersion, and the kubectl command to check', async () => {
    api.reset({ applies: false, readsHang: false });
    const err = await kube.applyResources(ref, change).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof KubeError, String(err));
    assert.equal(err.kind, 'unreachable');
    assert.match(err.message, /did not answer within 1 s .* the patch to Deployment "web" in namespace "shop" was not answered and, read back, the object is unchanged \(resourceVersion 100\): not applied so far, though a request the server already received could still land; check with kubectl get deployment web -n shop --context slow -o yaml before trying again$/);
  });

  it('no answer to the read-back either: "may or may not have been applied", with the command to check', async () => {
    api.reset({ applies: false, readsHang: true });
    const err = await kube.applyResources(ref, change).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof KubeError, String(err));
    assert.equal(err.kind, 'unreachable');
    assert.match(err.message, /the patch to Deployment "web" in namespace "shop" was sent but not answered, so it may or may not have been applied, and reading it back failed too \(.*did not answer.*\); check with kubectl get deployment web -n shop --context slow -o yaml before trying again$/);
  });

  it('the unanswered request is aborted: its connection is closed, not left to land whenever the server gets to it', async () => {
    api.reset({ applies: false, readsHang: false });
    await kube.applyResources(ref, change).catch(() => undefined);
    const abandoned = await until(async () => api.abandoned, (n) => n === api.patches, 5_000);
    assert.equal(abandoned, 1);
  });

  it('a dry run not answered in time is only aborted (it cannot have changed anything): the timeout error as before', async () => {
    api.reset({ applies: true, readsHang: false });
    const err = await kube.applyResources(ref, change, { dryRun: true }).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof KubeError, String(err));
    assert.match(err.message, /did not answer within 1 s — is the cluster reachable \(VPN, firewall\)\?$/);
  });

  it('in-cluster writes (connectKube: the shared model\'s ConfigMap lock): aborted, and said to be of unknown outcome', async () => {
    api.reset();
    const lock = configMapApi('mora', { kubeconfig: cluster.kubeconfig, env: {}, home: cluster.dir, timeoutMs: 500, connectTimeoutMs: 0 });
    const err = await lock.create({ metadata: { name: GLOBAL_MODEL_CONFIGMAP } }).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof KubeError, String(err));
    assert.equal(err.kind, 'unreachable');
    assert.match(err.message, /did not answer within 1 s — the create of configmaps mora\/mora-global-lstm was sent but not answered: it may or may not have been applied; check with kubectl get configmaps mora-global-lstm -n mora --context slow$/);
    assert.equal(await until(async () => api.abandoned, (n) => n === 1, 5_000), 1);
  });
});

describe('patchShownIn: does an object read back show a patch?', () => {
  const obj = { metadata: { resourceVersion: '7' }, spec: { replicas: 3, template: { spec: { containers: [
    { name: 'sidecar', resources: {} },
    { name: 'app', image: 'x', resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: '2Gi' } } },
  ] } } } };
  const patch = (resources: Json, extra: Json = {}) => ({ metadata: { resourceVersion: '6' }, spec: { ...extra, template: { spec: { containers: [{ name: 'app', resources }] } } } });

  it('containers matched by name; quantities by value; the metadata precondition not compared', () => {
    assert.equal(patchShownIn(patch({ requests: { cpu: '0.5', memory: '1024Mi' } }, { replicas: 3 }), obj), true);
    assert.equal(patchShownIn(patch({ requests: { cpu: '250m' } }), obj), false);
    assert.equal(patchShownIn(patch({ requests: { cpu: '500m' } }, { replicas: 2 }), obj), false);
  });

  it('a null in the patch: the key is gone', () => {
    assert.equal(patchShownIn(patch({ limits: { cpu: null } }), obj), true);
    assert.equal(patchShownIn(patch({ limits: { memory: null } }), obj), false);
  });

  it('a container the object does not have: not shown', () => {
    assert.equal(patchShownIn({ spec: { template: { spec: { containers: [{ name: 'other', resources: { requests: { cpu: '1' } } }] } } } }, obj), false);
  });
});
