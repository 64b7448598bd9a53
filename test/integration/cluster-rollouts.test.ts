// Argo Rollouts (argoproj.io/v1alpha1 Rollout: a Deployment with a progressive strategy) in the cluster listing, on a
// real kube-apiserver: a minimal Rollout CRD (the schema preserves unknown fields, as far as MOrA cares the same as the
// upstream one), a Rollout with its ReplicaSet and pods as the Argo controller would leave them, an HPA on it. Before
// the CRD exists the listing says nothing about Rollouts (404 for the admin, 403 for a role without the rule); after,
// the Rollout is listed with its containers' requests, its pods are its own (not "not recommended"), a role without the
// rule gets a warning naming it, and a recommendation is written to it by a JSON merge patch.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { Workload, WorkloadRef } from '../../src/core/workload';
import { KubeClient } from '../../src/data/kube/client';
import type { Recommendation } from '../../src/core/recommendation';
import { ControlPlane, type Credentials } from '../harness/control-plane';
import { ROLLOUTS_API as ROLLOUTS, createRollout, installRolloutCrd } from '../harness/argo-rollouts';
import { usageSeries } from '../harness/live-cluster';
import { startPrometheus, toOpenMetrics, type RunningPrometheus } from '../harness/prometheus';
import { until } from '../harness/wait';
import { cleanEnv, moraProcess } from '../unit/helpers/run-cli';

type Json = Record<string, unknown>;
const MiB = 2 ** 20;
const repo = path.resolve(__dirname, '..', '..');
/** The ClusterRoles of a shipped RBAC file. */
const clusterRoles = (file: string) => parseAllDocuments(fs.readFileSync(path.join(repo, file), 'utf8'))
  .map((d) => d.toJS() as Json | null).filter((o): o is Json => o?.kind === 'ClusterRole');

describe('Argo Rollouts in the cluster listing (real kube-apiserver, a Rollout CRD)', function () {
  this.timeout(60_000);
  let cp: ControlPlane | undefined;
  let prom: RunningPrometheus | undefined;
  let kube: KubeClient;
  let kubeconfig = '';
  let viewer: Credentials;
  const ref: WorkloadRef = { context: 'mora-real', namespace: 'shop', kind: 'Rollout', name: 'checkout' };

  before(async function () {
    this.timeout(120_000);
    cp = await ControlPlane.start();
    await cp.createNode('mora-node-1', { cpu: '8', memory: '32Gi' });
    await cp.createNamespace('shop');
    await cp.createDeployment('shop', { name: 'web', replicas: 1, containers: [{ name: 'server', requests: { cpu: '100m', memory: '128Mi' } }] });
    // A read-only ServiceAccount (the built-in "view" role, which has no rule for argoproj.io).
    await cp.createServiceAccount('shop', 'mora-viewer');
    await cp.bind('shop', 'mora-viewer', { kind: 'ClusterRole', name: 'view' }, ['serviceaccount:shop:mora-viewer']);
    viewer = await cp.serviceAccountCredentials('shop', 'mora-viewer');
    kubeconfig = cp.writeKubeconfig([
      { name: 'mora-real', credentials: cp.admin, namespace: 'shop' },
      { name: 'mora-viewer', credentials: viewer, namespace: 'shop' },
    ]);
    kube = KubeClient.load({ kubeconfig });
  });
  after(async () => {
    await prom?.stop();
    await cp?.stop();
  });

  it('without the CRD: no Rollouts and no warning, for the admin (404) and for a role without the rule (403)', async () => {
    assert.equal((await cp!.raw('GET', `${ROLLOUTS}/namespaces/shop/rollouts`)).status, 404, 'the API is not served');
    // RBAC answers before the API is looked up: the viewer gets 403 for an API that does not exist.
    assert.equal((await cp!.raw('GET', `${ROLLOUTS}/namespaces/shop/rollouts`, undefined, { credentials: viewer })).status, 403);
    for (const context of ['mora-real', 'mora-viewer']) {
      const l = await kube.workloads(context, 'shop');
      assert.deepEqual(l.workloads.map((w) => `${w.kind}/${w.name}`), ['Deployment/web'], context);
      assert.deepEqual(l.warnings, [], context);
      assert.equal(l.failedKinds, undefined, context);
    }
  });

  describe('with the CRD and a Rollout', () => {
    before(async function () {
      this.timeout(60_000);
      const c = cp!;
      await installRolloutCrd(c);
      const template = {
        metadata: { labels: { app: 'checkout' } },
        spec: { containers: [
          { name: 'server', image: 'shop/checkout:2.1', ports: [{ containerPort: 8080 }], resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '512Mi' } } },
          { name: 'envoy', image: 'envoyproxy/envoy:v1.31', resources: { requests: { cpu: '50m', memory: '64Mi' } } },
        ] },
      };
      // What the Argo controller leaves: a ReplicaSet <rollout>-<hash> owned by the Rollout, pods labelled with the hash.
      const { pods } = await createRollout(c, 'shop', { name: 'checkout', replicas: 3, template, strategy: { canary: { steps: [{ setWeight: 20 }, { pause: {} }] } }, nodeName: 'mora-node-1' });
      // Six hours of cAdvisor-shaped usage for the Rollout's pods (server 0.2 cores / 200 MB, envoy 0.03 / 40 MB).
      const end = Math.floor(Date.now() / 60_000) * 60 - 120;
      prom = await startPrometheus({ openMetrics: toOpenMetrics(usageSeries(pods, 'shop', { server: { cpu: 0.2, memory: 200e6 }, envoy: { cpu: 0.03, memory: 40e6 } }, end - 6 * 3600, end)) });
      await c.create({
        apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'checkout', namespace: 'shop' },
        spec: { scaleTargetRef: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'checkout' }, minReplicas: 3, maxReplicas: 9,
          metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } }] },
      });
    });

    it('lists the Rollout with its replicas, its containers\' requests and limits, and its HPA; no warning', async () => {
      const l = await kube.workloads('mora-real', 'shop');
      assert.deepEqual(l.warnings, []);
      assert.deepEqual(l.workloads.map((w) => `${w.kind}/${w.name}`), ['Deployment/web', 'Rollout/checkout']);
      const ro = l.workloads.find((w) => w.kind === 'Rollout')!;
      assert.equal(ro.replicas, 3);
      assert.deepEqual(ro.containers.map((c) => [c.name, c.resources]), [
        ['server', { requests: { cpu: 0.25, memory: 256 * MiB }, limits: { memory: 512 * MiB } }],
        ['envoy', { requests: { cpu: 0.05, memory: 64 * MiB }, limits: {} }],
      ]);
      assert.deepEqual(ro.hpa, { minReplicas: 3, maxReplicas: 9, targetCpuUtilization: 0.6 });
    });

    it('its pods (Pod → ReplicaSet → Rollout) are not reported as pods of a kind MOrA does not size', async () => {
      assert.equal(await kube.uncoveredPods('mora-real', 'shop'), undefined);
    });

    it('mora recommend --source cluster sizes the Rollout from its pods\' usage, and names no pod as not recommended', async () => {
      const r = await moraProcess(['recommend', '--source', 'cluster', '--prometheus', prom!.url, '--kubeconfig', kubeconfig, '-n', 'shop', '-f', 'json', '-q'], cleanEnv());
      assert.doesNotMatch(r.err, /not recommended/, r.err);
      const ro = (JSON.parse(r.out) as Recommendation[]).find((x) => x.workload.kind === 'Rollout' && x.workload.name === 'checkout');
      assert.ok(ro, `the Rollout is recommended: ${r.out.slice(0, 500)}\n${r.err}`);
      const c = (name: string) => ro.containers.find((k) => k.container === name)!;
      // Each within the generated usage (±20 % CPU, ±10 % memory) plus a bounded margin.
      for (const [name, cpu, mem] of [['server', 0.2, 200e6], ['envoy', 0.03, 40e6]] as const) {
        assert.ok(c(name).cpu!.request.value >= cpu * 0.8 && c(name).cpu!.request.value <= cpu * 2, `${name} cpu ${c(name).cpu!.request.value} for usage ${cpu}`);
        assert.ok(c(name).memory!.request.value >= mem * 0.9 && c(name).memory!.request.value <= mem * 1.6, `${name} memory ${c(name).memory!.request.value} for usage ${mem}`);
      }
      assert.deepEqual(c('server').current, { requests: { cpu: 0.25, memory: 256 * MiB }, limits: { memory: 512 * MiB } });
    });

    it('a role without the rule (CRD installed): the Rollouts are named in a warning with the rule, the rest listed', async () => {
      const l = await kube.workloads('mora-viewer', 'shop');
      assert.deepEqual(l.workloads.map((w) => `${w.kind}/${w.name}`), ['Deployment/web']);
      assert.deepEqual(l.failedKinds?.map((f) => `${f.kind} ${f.error.kind}`), ['Rollout forbidden']);
      assert.equal(l.warnings.length, 1, l.warnings.join('\n'));
      assert.match(l.warnings[0], /^RBAC denied: cannot list rollouts\.argoproj\.io in namespace "shop".*verb "list" on resource "rollouts" in API group "argoproj\.io"/);
    });

    it('the shipped roles cover Rollouts: mora-reader and mora-recommender list them without a warning, mora-applier patches one (dry run)', async () => {
      const c = cp!;
      for (const role of [...clusterRoles('deploy/rbac/mora-reader.yaml'), ...clusterRoles('deploy/rbac/mora-applier.yaml'), ...clusterRoles('deploy/base/rbac.yaml')]) await c.create(role);
      const users: Record<string, string> = { 'mora-reader': 'ro-reader', 'mora-recommender': 'ro-recommender' };
      const contexts: Array<{ name: string; credentials: Credentials; namespace: string }> = [];
      for (const [role, sa] of Object.entries(users)) {
        await c.createServiceAccount('shop', sa);
        await c.bind(undefined, `${sa}-binding`, { kind: 'ClusterRole', name: role }, [`serviceaccount:shop:${sa}`]);
        contexts.push({ name: role, credentials: await c.serviceAccountCredentials('shop', sa), namespace: 'shop' });
      }
      await c.createServiceAccount('shop', 'ro-applier');
      await c.bind('shop', 'ro-applier-read', { kind: 'ClusterRole', name: 'mora-reader' }, ['serviceaccount:shop:ro-applier']);
      await c.bind('shop', 'ro-applier-write', { kind: 'ClusterRole', name: 'mora-applier' }, ['serviceaccount:shop:ro-applier']);
      contexts.push({ name: 'mora-applier', credentials: await c.serviceAccountCredentials('shop', 'ro-applier'), namespace: 'shop' });
      const roles = KubeClient.load({ kubeconfig: c.writeKubeconfig(contexts) });
      // The RBAC authorizer sees new bindings through its informers: wait (with a deadline) until they are in effect.
      const bound = await until(() => c.raw('GET', '/apis/apps/v1/namespaces/shop/deployments', undefined, { credentials: contexts[2].credentials }), (x) => x.status === 200, 10_000);
      assert.equal(bound.status, 200, 'the applier\'s bindings are in effect');
      for (const context of ['mora-reader', 'mora-recommender']) {
        // Before the binding is in effect every kind is refused and the listing throws: taken as "not yet".
        const l = await until(() => roles.workloads(context, 'shop').catch(() => ({ warnings: ['RBAC denied: cannot list deployments (binding not in effect yet)'], workloads: [] as Workload[] })), (x) => !x.warnings.some((w) => /RBAC denied: cannot list (deployments|statefulsets|daemonsets|cronjobs|jobs)\b/.test(w)), 10_000);
        assert.deepEqual(l.warnings, [], context);
        assert.ok(l.workloads.some((w) => w.kind === 'Rollout' && w.name === 'checkout'), context);
      }
      const dry = await roles.applyResources({ ...ref, context: 'mora-applier' }, [{ container: 'envoy', requests: { cpu: 0.06 } }], { dryRun: true });
      assert.equal(dry.dryRun, true);
    });

    it('applies requests/limits and replicas to the Rollout (JSON merge patch): the other container and fields kept, a removed limit gone', async () => {
      const dry = await kube.applyResources(ref, [{ container: 'server', requests: { cpu: 0.3, memory: 300 * MiB }, limits: { memory: null } }], { dryRun: true, replicas: 4 });
      assert.equal(dry.dryRun, true);
      const stored = () => cp!.api('GET', `${ROLLOUTS}/namespaces/shop/rollouts/checkout`);
      const containersOf = (o: Json) => ((o.spec as Json).template as { spec: { containers: Json[] } }).spec.containers;
      assert.deepEqual((containersOf(await stored())[0].resources as Json), { requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '512Mi' } }, 'a dry run changes nothing');
      const r = await kube.applyResources(ref, [{ container: 'server', requests: { cpu: 0.3, memory: 300 * MiB }, limits: { memory: null } }], { replicas: 4 });
      assert.equal(r.attempts, 1);
      const after = await stored();
      const [server, envoy] = containersOf(after);
      assert.deepEqual(server, { name: 'server', image: 'shop/checkout:2.1', ports: [{ containerPort: 8080 }], resources: { requests: { cpu: '300m', memory: '300Mi' } } });
      assert.deepEqual(envoy, { name: 'envoy', image: 'envoyproxy/envoy:v1.31', resources: { requests: { cpu: '50m', memory: '64Mi' } } });
      assert.equal((after.spec as Json).replicas, 4);
      assert.deepEqual((after.spec as Json).strategy, { canary: { steps: [{ setWeight: 20 }, { pause: {} }] } }, 'the rest of the spec kept');
      // A container the Rollout does not have: refused by name, nothing written.
      const err = await kube.applyResources(ref, [{ container: 'nope', requests: { cpu: 1 } }]).then(() => assert.fail('expected an error'), (e: Error) => e);
      assert.match(err.message, /Rollout "checkout" in namespace "shop" has no container "nope"; containers: server, envoy/);
    });

    it('a Rollout with spec.workloadRef lists the referenced Deployment\'s containers; applying to it is refused, saying where the template is', async () => {
      const c = cp!;
      await c.createNamespace('migrating');
      await c.createDeployment('migrating', { name: 'legacy', replicas: 0, containers: [{ name: 'app', image: 'shop/legacy:1', requests: { cpu: '400m', memory: '1Gi' } }] });
      await c.api('POST', `${ROLLOUTS}/namespaces/migrating/rollouts`, {
        apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name: 'legacy', namespace: 'migrating' },
        spec: { replicas: 2, selector: { matchLabels: { app: 'legacy' } }, workloadRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'legacy' }, strategy: { canary: {} } },
      });
      const l = await kube.workloads('mora-real', 'migrating');
      assert.deepEqual(l.warnings, []);
      const ro = l.workloads.find((w) => w.kind === 'Rollout')!;
      assert.equal(ro.replicas, 2);
      assert.deepEqual(ro.containers.map((x) => [x.name, x.resources.requests]), [['app', { cpu: 0.4, memory: 1024 * MiB }]]);
      const err = await kube.applyResources({ context: 'mora-real', namespace: 'migrating', kind: 'Rollout', name: 'legacy' }, [{ container: 'app', requests: { cpu: 0.2 } }], { dryRun: true })
        .then(() => assert.fail('expected a refusal'), (e: Error) => e);
      assert.match(err.message, /^Rollout "legacy" in namespace "migrating" takes its pod template from Deployment "legacy" \(spec\.workloadRef\): MOrA does not write it there/);
    });
  });
});
