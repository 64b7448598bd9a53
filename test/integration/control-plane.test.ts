// MOrA's Kubernetes client against a REAL control plane: kube-apiserver (built from k8s.io/kubernetes) on kine, started
// by test/harness/control-plane.ts with RBAC and admission on: defaulting and validation, strategic merge with the
// API's own patch metadata, the RBAC authorizer, LimitRanger, the TokenRequest API are the real thing (the hand-written
// API stand-in these tests once used is gone). No controller-manager or kubelet runs: the harness writes the
// ReplicaSets, Pods and statuses they would.
import * as assert from 'node:assert/strict';
import type { WorkloadRef } from '../../src/core/workload';
import { ClusterDataSource } from '../../src/data/cluster';
import { KubeClient } from '../../src/data/kube/client';
import { KubeError, kubeError } from '../../src/data/kube/errors';
import { ApiError, ControlPlane, apiPath, type CreatedDeployment } from '../harness/control-plane';

type Json = Record<string, unknown>;
type Container = { name: string; image: string; resources?: { requests?: Record<string, string>; limits?: Record<string, string> } };
const MiB = 2 ** 20;

const containersOf = (o: Json) => ((o.spec as Json).template as { spec: { containers: Container[] } }).spec.containers;

describe('Kubernetes client against a real control plane (kube-apiserver + kine)', function () {
  this.timeout(60_000);
  let cp: ControlPlane | undefined;
  let source: ClusterDataSource;
  let kubeconfig: string;
  let checkout: CreatedDeployment;
  const ref: WorkloadRef = { context: 'mora-real', namespace: 'shop', kind: 'Deployment', name: 'checkout' };
  // MOrA never reads Prometheus in these tests; a closed port makes any accidental use fail loudly.
  const prometheusUrl = 'http://127.0.0.1:9';

  before(async function () {
    this.timeout(120_000);
    const t0 = Date.now();
    cp = await ControlPlane.start();
    const started = Date.now() - t0;
    await cp.createNode('mora-node-1', { cpu: '8', memory: '32Gi' });
    await Promise.all([cp.createNamespace('shop'), cp.createNamespace('payments')]);
    // Real admission: LimitRanger gives containers without a CPU limit this default, and refuses pods above the max.
    await cp.createLimitRange('shop', 'limits', { max: { cpu: '1', memory: '1Gi' }, default: { cpu: '500m', memory: '512Mi' } });
    checkout = await cp.createDeployment('shop', {
      name: 'checkout', replicas: 2,
      containers: [
        { name: 'server', image: 'shop/checkout:1.4', requests: { cpu: '200m', memory: '256Mi' }, limits: { memory: '512Mi' } },
        { name: 'envoy', image: 'envoyproxy/envoy:v1.31', requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } },
      ],
    });
    await cp.createDeployment('shop', { name: 'checkout-gateway', replicas: 1, containers: [{ name: 'server', requests: { cpu: '100m', memory: '128Mi' } }] });
    await cp.create({
      apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db', namespace: 'shop' },
      spec: { replicas: 1, serviceName: 'db', selector: { matchLabels: { app: 'db' } },
        template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'postgres', image: 'postgres:17', resources: { requests: { memory: '1Gi' } } }] } } },
    });
    const cron = await cp.create({
      apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'report', namespace: 'shop' },
      spec: { schedule: '0 3 * * *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'report', image: 'shop/report:2', resources: { requests: { cpu: '300m' } } }] } } } } },
    });
    // A Job the CronJob controller would have created: MOrA shows it under its CronJob, not as a workload of its own.
    await cp.create({
      apiVersion: 'batch/v1', kind: 'Job',
      metadata: { name: 'report-29000000', namespace: 'shop', ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'report', uid: (cron.metadata as Json).uid, controller: true, blockOwnerDeletion: true }] },
      spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'report', image: 'shop/report:2' }] } } },
    });
    await cp.createHpa('shop', { name: 'checkout', target: 'checkout', minReplicas: 2, maxReplicas: 6, cpuUtilization: 70, memoryUtilization: 80 });
    // A read-only ServiceAccount (the built-in "view" ClusterRole, bound in "shop" only) and a user with no binding at all.
    await cp.createServiceAccount('shop', 'mora-viewer');
    await cp.bind('shop', 'mora-viewer', { kind: 'ClusterRole', name: 'view' }, ['serviceaccount:shop:mora-viewer']);
    const viewer = await cp.serviceAccountCredentials('shop', 'mora-viewer');
    const nobody = await cp.userCredentials('mora-nobody', ['mora-testers']);
    kubeconfig = cp.writeKubeconfig([
      { name: 'mora-real', credentials: cp.admin, namespace: 'shop' },
      { name: 'mora-viewer', credentials: viewer, namespace: 'shop' },
      { name: 'mora-nobody', credentials: nobody, namespace: 'payments' },
    ]);
    source = new ClusterDataSource({ prometheusUrl, kubeconfig });
    console.log(`      (kube-apiserver ${cp.version} on kine ready in ${(started / 1000).toFixed(1)} s; objects created in ${((Date.now() - t0 - started) / 1000).toFixed(1)} s)`);
  });
  after(async () => {
    await cp?.stop();
  });

  it('answers /version with the built release, through MOrA\'s client', async () => {
    assert.match(cp!.version, /^v1\.\d+\.\d+$/);
    assert.equal(await source.kube().version('mora-real'), cp!.version);
  });

  it('the harness left what the controllers and the kubelet would: owner chain, running pods, statuses, LimitRanger defaults', async () => {
    const { deployment, replicaSet, pods } = checkout;
    const rsMeta = replicaSet.metadata as { name: string; ownerReferences: Json[]; labels: Record<string, string> };
    assert.match(rsMeta.name, /^checkout-[bcdfghjklmnpqrstvwxz2456789]{6,10}$/);
    assert.equal(rsMeta.ownerReferences[0].name, 'checkout');
    assert.equal(rsMeta.ownerReferences[0].uid, (deployment.metadata as Json).uid);
    assert.equal(pods.length, 2);
    for (const pod of pods) {
      const meta = pod.metadata as { name: string; ownerReferences: Json[]; annotations?: Record<string, string> };
      assert.ok(meta.name.startsWith(`${rsMeta.name}-`) && meta.name.length === rsMeta.name.length + 6, meta.name);
      assert.equal(meta.ownerReferences[0].kind, 'ReplicaSet');
      assert.equal((pod.status as Json).phase, 'Running');
      // Admission ran on the pods: LimitRanger set the default CPU limit on "server" (it had none), and said so.
      const server = (pod.spec as { containers: Container[] }).containers.find((c) => c.name === 'server')!;
      assert.equal(server.resources?.limits?.cpu, '500m');
      assert.match(meta.annotations?.['kubernetes.io/limit-ranger'] ?? '', /LimitRanger plugin set: cpu limit for container server/);
      // ...and the ServiceAccount plugin gave it the namespace's default account.
      assert.equal((pod.spec as Json).serviceAccountName, 'default');
    }
    const ds = deployment.status as Json;
    assert.deepEqual([ds.replicas, ds.readyReplicas, ds.availableReplicas, ds.observedGeneration], [2, 2, 2, 1]);
  });

  it('lists contexts, namespaces and workloads with requests, limits, replicas and the HPA (autoscaling/v2)', async () => {
    assert.deepEqual(await source.contexts(), ['mora-real', 'mora-viewer', 'mora-nobody']);
    const namespaces = await source.namespaces('mora-real');
    for (const ns of ['default', 'kube-system', 'payments', 'shop']) assert.ok(namespaces.includes(ns), `${ns} in ${namespaces.join(', ')}`);
    const ws = await source.workloads('mora-real', 'shop');
    assert.deepEqual(ws.map((w) => `${w.kind}/${w.name}`).sort(), ['CronJob/report', 'Deployment/checkout', 'Deployment/checkout-gateway', 'StatefulSet/db']);
    assert.deepEqual(source.lastWarnings, []);
    const c = ws.find((w) => w.name === 'checkout')!;
    assert.equal(c.replicas, 2);
    assert.deepEqual(c.containers.map((x) => x.name), ['server', 'envoy']);
    assert.deepEqual(c.containers[0].resources, { requests: { cpu: 0.2, memory: 256 * MiB }, limits: { memory: 512 * MiB } });
    assert.deepEqual(c.containers[1].resources, { requests: { cpu: 0.05, memory: 64 * MiB }, limits: { cpu: 0.2, memory: 128 * MiB } });
    assert.deepEqual(c.hpa, { minReplicas: 2, maxReplicas: 6, targetCpuUtilization: 0.7, targetMemoryUtilization: 0.8 });
    assert.equal(ws.find((w) => w.name === 'checkout-gateway')!.hpa, undefined);
    const report = ws.find((w) => w.name === 'report')!;
    assert.deepEqual(report.containers.map((x) => [x.name, x.resources.requests?.cpu]), [['report', 0.3]]);
    // The Deployment's template is stored as the API server defaulted it, not as sent: no LimitRanger on Deployments.
    assert.equal(containersOf(checkout.deployment)[0].resources?.limits?.cpu, undefined);
  });

  it('applies a resources change with a strategic-merge patch: the real server merges containers by name and keeps the rest', async () => {
    const before = await cp!.get('apps/v1', 'Deployment', 'shop', 'checkout');
    const r = await source.kube().applyResources(ref, [{ container: 'server', requests: { cpu: 0.35, memory: 300 * MiB }, limits: { memory: null } }]);
    assert.equal(r.attempts, 1);
    const after = await cp!.get('apps/v1', 'Deployment', 'shop', 'checkout');
    const meta = after.metadata as { resourceVersion: string; generation: number };
    assert.equal(meta.resourceVersion, r.resourceVersion);
    assert.equal(meta.generation, (before.metadata as { generation: number }).generation + 1, 'a template change is a new generation');
    const [server, envoy] = containersOf(after);
    assert.deepEqual(server.resources, { requests: { cpu: '350m', memory: '300Mi' } }, 'memory limit removed, requests set');
    assert.equal(server.image, 'shop/checkout:1.4', 'other fields of the container are kept');
    assert.deepEqual(envoy, containersOf(before)[1], 'the other container is untouched');
    // MOrA reads it back the same way.
    const w = (await source.workloads('mora-real', 'shop')).find((x) => x.name === 'checkout')!;
    assert.deepEqual(w.containers[0].resources, { requests: { cpu: 0.35, memory: 300 * MiB }, limits: {} });

    // A dry run is validated by the server and saves nothing.
    const dry = await source.kube().applyResources(ref, [{ container: 'envoy', requests: { cpu: 0.1 } }], { dryRun: true });
    assert.equal(dry.dryRun, true);
    const unchanged = await cp!.get('apps/v1', 'Deployment', 'shop', 'checkout');
    assert.equal((unchanged.metadata as Json).resourceVersion, r.resourceVersion);
    assert.equal(containersOf(unchanged)[1].resources?.requests?.cpu, '50m');

    // Replicas: a JSON merge patch; a dry run changes nothing.
    const s = await source.kube().scale(ref, 3);
    assert.equal(s.attempts, 1);
    assert.equal(((await cp!.get('apps/v1', 'Deployment', 'shop', 'checkout')).spec as Json).replicas, 3);
    await source.kube().scale(ref, 5, { dryRun: true });
    assert.equal(((await cp!.get('apps/v1', 'Deployment', 'shop', 'checkout')).spec as Json).replicas, 3);
  });

  it('retries when the real API server answers 409 Conflict (another writer got in between MOrA\'s read and its patch)', async () => {
    const client = KubeClient.load({ kubeconfig });
    const read = client.read.bind(client);
    let reads = 0;
    // The other writer (say, a GitOps controller adding a label) writes right after MOrA's first read.
    client.read = async (r) => {
      const obj = await read(r);
      if (reads++ === 0) {
        await cp!.api('PATCH', apiPath('apps/v1', 'Deployment', 'shop', 'checkout'), { metadata: { labels: { team: 'payments' } } }, { contentType: 'application/merge-patch+json' });
      }
      return obj;
    };
    const r = await client.applyResources(ref, [{ container: 'envoy', requests: { memory: 80 * MiB } }]);
    assert.equal(r.attempts, 2, 'the first patch carried a stale resourceVersion: 409, read again, retried');
    const obj = await cp!.get('apps/v1', 'Deployment', 'shop', 'checkout');
    assert.equal((obj.metadata as { labels: Record<string, string> }).labels.team, 'payments', "the other writer's change survives");
    assert.equal(containersOf(obj)[1].resources?.requests?.memory, '80Mi');
  });

  it('a ServiceAccount with the "view" role lists its namespace but gets MOrA\'s RBAC message (one line) for a patch', async () => {
    // It may not list namespaces cluster-wide: MOrA falls back to the context's namespace.
    assert.deepEqual(await source.namespaces('mora-viewer'), ['shop']);
    const ws = await source.workloads('mora-viewer', 'shop');
    assert.deepEqual(ws.map((w) => w.name).sort(), ['checkout', 'checkout-gateway', 'db', 'report']);
    assert.deepEqual(source.lastWarnings, []);
    const err = await source.kube().applyResources({ ...ref, context: 'mora-viewer' }, [{ container: 'server', requests: { cpu: 0.5 } }])
      .then(() => assert.fail('expected a 403'), (e: unknown) => e);
    assert.ok(err instanceof KubeError && err.kind === 'forbidden', String(err));
    assert.equal(err.message,
      'RBAC denied: cannot patch deployments.apps "checkout" in namespace "shop" (context "mora-viewer") — ask for verb "patch" on resource "deployments" in API group "apps" (namespace "shop"): '
      + 'deployments.apps "checkout" is forbidden: User "system:serviceaccount:shop:mora-viewer" cannot patch resource "deployments" in API group "apps" in the namespace "shop"');
    const scaleErr = await source.kube().scale({ ...ref, context: 'mora-viewer' }, 1).then(() => assert.fail('expected a 403'), (e: Error) => e);
    assert.match(scaleErr.message, /^RBAC denied: cannot patch deployments\.apps "checkout"/);
    assert.equal(((await cp!.get('apps/v1', 'Deployment', 'shop', 'checkout')).spec as Json).replicas, 3, 'nothing changed');
  });

  it('a user with no role at all gets one RBAC line for the listing, not a stack trace', async () => {
    assert.deepEqual(await source.namespaces('mora-nobody'), ['payments']);
    const err = await source.workloads('mora-nobody', 'payments').then(() => assert.fail('expected a 403'), (e: unknown) => e);
    assert.ok(err instanceof KubeError && err.kind === 'forbidden', String(err));
    assert.doesNotMatch(err.message, /\n|\bat .*\.(ts|js):\d+/);
    assert.match(err.message, /^RBAC denied: cannot list [a-z.]+ in namespace "payments" \(context "mora-nobody"\) — ask for verb "list" on resource "[a-z]+" .*User "mora-nobody" cannot list resource/);
  });

  it('validation: requests above limits is refused by the real API server, in one line, and nothing changes', async () => {
    const rv = ((await cp!.get('apps/v1', 'Deployment', 'shop', 'checkout')).metadata as Json).resourceVersion;
    const err = await source.kube().applyResources(ref, [{ container: 'envoy', requests: { cpu: 0.5 } }])
      .then(() => assert.fail('expected a 422'), (e: unknown) => e);
    assert.ok(err instanceof KubeError && err.kind === 'invalid', String(err));
    assert.doesNotMatch(err.message, /\n/);
    assert.match(err.message, /^the Kubernetes API \(context "mora-real"\) rejected the change to deployments\.apps "checkout" in namespace "shop" as invalid: Deployment\.apps "checkout" is invalid: spec\.template\.spec\.containers\[1\]\.resources\.requests: Invalid value: "500m": must be less than or equal to cpu limit of 200m$/);
    assert.equal(((await cp!.get('apps/v1', 'Deployment', 'shop', 'checkout')).metadata as Json).resourceVersion, rv);
  });

  it('LimitRange: the API server admits the Deployment (LimitRanger checks Pods), and refuses the Pods its ReplicaSet would create', async () => {
    // Real-server fact a hand-written stand-in could not show: a LimitRange is enforced on Pods, so a patch of a Deployment above
    // the namespace's max is accepted, and only the ReplicaSet controller's pod creation is refused (FailedCreate).
    const r = await source.kube().applyResources(ref, [{ container: 'server', limits: { cpu: 2 } }], { dryRun: true });
    assert.equal(r.dryRun, true);
    const template = structuredClone((checkout.deployment.spec as Json).template) as { metadata: Json; spec: { containers: Container[] } };
    template.spec.containers[0].resources = { requests: { cpu: '350m' }, limits: { cpu: '2' } };
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { ...template.metadata, name: 'checkout-probe', namespace: 'shop' }, spec: template.spec };
    const res = await cp!.raw('POST', `${apiPath('v1', 'Pod', 'shop')}?dryRun=All`, pod);
    assert.equal(res.status, 403);
    const status = res.body as { reason: string; message: string };
    assert.equal(status.reason, 'Forbidden');
    assert.equal(status.message, 'pods "checkout-probe" is forbidden: maximum cpu usage per Container is 1, but limit is 2');
    // MOrA's error line for that answer keeps the admission message whole, on one line.
    const line = kubeError({ code: 403, body: status }, { verb: 'create', resource: 'pods', group: '', namespace: 'shop', context: 'mora-real' }).message;
    assert.doesNotMatch(line, /\n/);
    assert.ok(line.endsWith(': pods "checkout-probe" is forbidden: maximum cpu usage per Container is 1, but limit is 2'), line);
  });

  it('names a deleted workload (404) and a container the workload does not have', async () => {
    const gone = await cp!.createDeployment('shop', { name: 'cart', replicas: 1, containers: [{ name: 'server', requests: { cpu: '100m', memory: '64Mi' } }] });
    await cp!.api('DELETE', apiPath('apps/v1', 'Deployment', 'shop', 'cart'));
    await assert.rejects(source.kube().scale({ ...ref, name: 'cart' }, 2), (e: KubeError) => e.kind === 'not-found'
      && e.message === 'not found: deployments.apps "cart" in namespace "shop" (context "mora-real") (deployments.apps "cart" not found) — was it renamed or deleted?');
    assert.ok(gone.pods.length === 1);
    await assert.rejects(source.kube().applyResources(ref, [{ container: 'sidecar', requests: { cpu: 0.1 } }]), /has no container "sidecar"; containers: server, envoy/);
  });

  it('the harness reports a clear error for an API call that fails (ApiError with the server\'s message)', async () => {
    await assert.rejects(cp!.get('apps/v1', 'Deployment', 'shop', 'nope'), (e: ApiError) => e.status === 404 && /deployments\.apps "nope" not found/.test(e.message));
  });

  it('kube-state-metrics against the real API server exposes the owner chain and requests of the harness pods', async function () {
    const ksm = await cp!.startKubeStateMetrics(['deployments', 'replicasets', 'pods', 'horizontalpodautoscalers', 'namespaces', 'nodes']);
    try {
      const rs = (checkout.replicaSet.metadata as { name: string }).name;
      const pod = (checkout.pods[0].metadata as { name: string }).name;
      const want = [
        `kube_pod_owner{namespace="shop",pod="${pod}",uid="${String((checkout.pods[0].metadata as Json).uid)}",owner_kind="ReplicaSet",owner_name="${rs}",owner_is_controller="true"} 1`,
        `kube_replicaset_owner{namespace="shop",replicaset="${rs}",owner_kind="Deployment",owner_name="checkout",owner_is_controller="true"} 1`,
        'kube_deployment_spec_replicas{namespace="shop",deployment="checkout"} 3',
      ];
      const deadline = Date.now() + 20_000;
      let text = '';
      while (Date.now() < deadline) {
        text = await ksm.metrics();
        if (want.every((w) => text.includes(w))) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      for (const w of want) assert.ok(text.includes(w), `${w}\nnot in:\n${text.split('\n').filter((l) => /owner|spec_replicas/.test(l)).join('\n')}`);
      assert.match(text, new RegExp(`kube_pod_container_resource_requests\\{namespace="shop",pod="${pod}",uid="[^"]+",container="server",node="mora-node-1",resource="cpu",unit="core"\\} 0\\.2`));
      assert.match(text, new RegExp(`kube_pod_status_ready\\{namespace="shop",pod="${pod}",uid="[^"]+",condition="true"\\} 1`));
    } finally {
      await ksm.stop();
    }
  });

  it('MOrA\'s client also loads the admin kubeconfig the harness writes', async () => {
    const client = KubeClient.load({ kubeconfig: cp!.kubeconfig });
    assert.deepEqual(client.contexts(), ['mora-real']);
    assert.equal(await client.version('mora-real'), cp!.version);
  });
});
