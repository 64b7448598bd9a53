// Argo Rollouts in MOrA's in-cluster path, on a real kube-apiserver with the upstream VPA CRDs and a Rollout CRD
// (test/harness/argo-rollouts.ts), and a real Prometheus backfilled with the Rollouts' pods' usage:
//   - --create-vpas creates an updateMode Off MOrA VPA for a Rollout without one, its targetRef the Rollout
//     (argoproj.io/v1alpha1, kind Rollout: the VPA components resolve it through its scale subresource), and writes
//     its status in the same run;
//   - a Rollout with spec.workloadRef (here "storefront" taking Deployment "legacy"'s template) gets its own VPA on the Rollout (its pods are the Rollout's: Pod → ReplicaSet →
//     Rollout, the top-most owner the VPA matches pods by), sized for the referenced Deployment's containers; the
//     Deployment keeps its own VPA (with workloadRef.scaleDown "never" it keeps its pods);
//   - a user's MOrA VPA on a Rollout gets MOrA's status;
//   - the editor's reader (VpaReader) reads the Rollouts' recommendations back instead of skipping them.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import type { ShardSummary } from '../../src/cli/commands/recommend-in-cluster';
import { VpaReader } from '../../src/data/kube/vpa-reader';
import type { VpaObject } from '../../src/data/kube/vpa-status';
import { createRollout, installRolloutCrd } from '../harness/argo-rollouts';
import { ControlPlane } from '../harness/control-plane';
import { usageSeries } from '../harness/live-cluster';
import { startPrometheus, toOpenMetrics, type RunningPrometheus } from '../harness/prometheus';
import { VPA_API as VPA, installVpaCrds, vpaCrdFile } from '../harness/vpa-crd';
import { until } from '../harness/wait';
import { cleanEnv, moraProcess } from '../unit/helpers/run-cli';

type Json = Record<string, unknown>;
const MiB = 2 ** 20;
const repo = path.resolve(__dirname, '..', '..');

/** The shipped ClusterRole mora-recommender (deploy/base) with the rule deploy/components/create-vpas adds to it. */
function shippedCreateVpasRole(): Json {
  const role = parseAllDocuments(fs.readFileSync(path.join(repo, 'deploy/base/rbac.yaml'), 'utf8')).map((d) => d.toJS() as Json | null)
    .find((o) => o?.kind === 'ClusterRole' && (o.metadata as Json).name === 'mora-recommender')!;
  const component = parse(fs.readFileSync(path.join(repo, 'deploy/components/create-vpas/kustomization.yaml'), 'utf8')) as { patches: Array<{ target: { kind: string }; patch: string }> };
  const added = component.patches.filter((p) => p.target.kind === 'ClusterRole').flatMap((p) => (parse(p.patch) as Array<{ value: Json }>).map((op) => op.value));
  assert.ok(added.length > 0, 'the component adds a rule');
  return { ...role, rules: [...(role.rules as Json[]), ...added] };
}

describe('In-cluster recommender and reader: Argo Rollouts (real API server, VPA and Rollout CRDs)', function () {
  this.timeout(120_000);
  let cp: ControlPlane | undefined;
  let prom: RunningPrometheus | undefined;
  let now = 0;
  let summary: ShardSummary;
  const vpaPath = (ns: string, name?: string) => `${VPA}/namespaces/${ns}/verticalpodautoscalers${name ? `/${name}` : ''}`;
  const getVpa = (ns: string, name: string) => cp!.api('GET', vpaPath(ns, name)) as Promise<Json & VpaObject>;
  const targetOf = (ns: string, target: string) => summary.created?.find((c) => c.namespace === ns && c.target === target);

  before(async function () {
    this.timeout(240_000);
    const crdFile = vpaCrdFile();
    cp = await ControlPlane.start();
    await cp.createNode('mora-node-1', { cpu: '16', memory: '64Gi' });
    await installVpaCrds(cp, crdFile);
    await installRolloutCrd(cp);
    const end = Math.floor(Date.now() / 60_000) * 60 - 120;
    now = end + 60;
    const start = end - 6 * 3600;
    const series = [];

    // shop opts in to --create-vpas: a Rollout with its own template, and a Rollout migrating from a Deployment.
    await cp.createNamespace('shop', { 'mora.dev/create-vpa': 'true' });
    const template = {
      metadata: { labels: { app: 'checkout' } },
      spec: { containers: [
        { name: 'server', image: 'shop/checkout:2.1', resources: { requests: { cpu: '250m', memory: '256Mi' } } },
        { name: 'envoy', image: 'envoyproxy/envoy:v1.31', resources: { requests: { cpu: '50m', memory: '64Mi' } } },
      ] },
    };
    const checkout = await createRollout(cp, 'shop', { name: 'checkout', replicas: 2, template, nodeName: 'mora-node-1' });
    series.push(...usageSeries(checkout.pods, 'shop', { server: { cpu: 0.2, memory: 200e6 }, envoy: { cpu: 0.03, memory: 40e6 } }, start, end));
    const legacy = await cp.createDeployment('shop', { name: 'legacy', replicas: 0, containers: [{ name: 'app', image: 'shop/legacy:1', requests: { cpu: '400m', memory: '1Gi' } }] });
    const legacyTemplate = (legacy.deployment.spec as Json).template as { metadata: { labels: Record<string, string> }; spec: Json };
    const migrating = await createRollout(cp, 'shop', { name: 'storefront', replicas: 2, workloadRef: 'legacy', nodeName: 'mora-node-1' }, legacyTemplate);
    series.push(...usageSeries(migrating.pods, 'shop', { app: { cpu: 0.1, memory: 300e6 } }, start, end));

    // migrate opts in: a workloadRef Rollout named like its Deployment (as in Argo's migration guide), with
    // kube-state-metrics' owner series (Pod → ReplicaSet → Rollout) beside the usage.
    await cp.createNamespace('migrate', { 'mora.dev/create-vpa': 'true' });
    const old = await cp.createDeployment('migrate', { name: 'legacy', replicas: 0, containers: [{ name: 'app', image: 'migrate/legacy:1', requests: { cpu: '400m', memory: '1Gi' } }] });
    const same = await createRollout(cp, 'migrate', { name: 'legacy', replicas: 2, workloadRef: 'legacy', nodeName: 'mora-node-1' }, (old.deployment.spec as Json).template as typeof legacyTemplate);
    series.push(...usageSeries(same.pods, 'migrate', { app: { cpu: 0.1, memory: 300e6 } }, start, end));
    const ones = () => Array.from({ length: Math.floor((end - start) / 60) + 1 }, (_, i) => [start + 60 * i, 1] as const);
    const rsOf = (pod: Json) => String(((pod.metadata as Json).ownerReferences as Json[])[0].name);
    for (const pod of same.pods) {
      series.push({ name: 'kube_pod_owner', type: 'gauge' as const, labels: { namespace: 'migrate', pod: String((pod.metadata as Json).name), owner_kind: 'ReplicaSet', owner_name: rsOf(pod), owner_is_controller: 'true' }, samples: ones() });
    }
    series.push({ name: 'kube_replicaset_owner', type: 'gauge' as const, labels: { namespace: 'migrate', replicaset: rsOf(same.pods[0]), owner_kind: 'Rollout', owner_name: 'legacy', owner_is_controller: 'true' }, samples: ones() });

    // payments does not opt in: a user's MOrA VPA on a Rollout.
    await cp.createNamespace('payments');
    const api = await createRollout(cp, 'payments', {
      name: 'api', replicas: 1, nodeName: 'mora-node-1',
      template: { metadata: { labels: { app: 'api' } }, spec: { containers: [{ name: 'server', image: 'payments/api:3', resources: { requests: { cpu: '1', memory: '1Gi' } } }] } },
    });
    series.push(...usageSeries(api.pods, 'payments', { server: { cpu: 0.08, memory: 120e6 } }, start, end));
    const userVpa = {
      apiVersion: 'autoscaling.k8s.io/v1', kind: 'VerticalPodAutoscaler', metadata: { name: 'api', namespace: 'payments' },
      spec: { targetRef: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'api' }, recommenders: [{ name: 'mora' }], updatePolicy: { updateMode: 'Off' } },
    };
    // The first VPA may meet a discovery cache that has not caught up: retry the create within the deadline.
    const created = await until(() => cp!.raw('POST', vpaPath('payments'), userVpa), (r) => r.status === 201, 20_000);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    prom = await startPrometheus({ openMetrics: toOpenMetrics(series) });

    const r = await moraProcess(['recommend', '--in-cluster', '--create-vpas', '--kubeconfig', cp.kubeconfig, '--prometheus', prom.url, '-q'],
      cleanEnv({ JOB_COMPLETION_INDEX: '0', MORA_SHARDS: '1', MORA_NOW: String(now) }));
    assert.equal(r.code, 0, `exit ${r.code}\n${r.err}\n${r.out}`);
    summary = JSON.parse(r.out) as ShardSummary;
  });
  after(async () => {
    await prom?.stop();
    await cp?.stop();
  });

  it('--create-vpas creates an updateMode Off MOrA VPA for a Rollout, its targetRef the Rollout (argoproj.io/v1alpha1)', async () => {
    const c = targetOf('shop', 'Rollout/checkout');
    assert.ok(c, `a VPA planned for Rollout/checkout: ${JSON.stringify(summary.created)}`);
    assert.deepEqual([c.name, c.outcome], ['checkout-mora', 'created']);
    const v = await getVpa('shop', 'checkout-mora');
    assert.deepEqual(v.spec?.targetRef, { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'checkout' });
    assert.deepEqual(v.spec?.recommenders, [{ name: 'mora' }]);
    assert.equal((v.spec as Json).updatePolicy && ((v.spec as Json).updatePolicy as Json).updateMode, 'Off');
  });

  it('its status is written in the same run, per container, within the pods\' usage plus margin', async () => {
    assert.equal(summary.vpas.find((o) => o.namespace === 'shop' && o.name === 'checkout-mora')?.outcome, 'written', JSON.stringify(summary.vpas));
    const recs = (await getVpa('shop', 'checkout-mora')).status?.recommendation?.containerRecommendations ?? [];
    const target = (name: string) => recs.find((x) => x.containerName === name)?.target ?? {};
    const cores = (q: unknown) => (String(q).endsWith('m') ? Number(String(q).slice(0, -1)) / 1000 : Number(q));
    const bytes = (q: unknown) => { const m = /^(\d+)(Mi|Ki|Gi)?$/.exec(String(q)); return m ? Number(m[1]) * ({ Ki: 1024, Mi: MiB, Gi: 1024 * MiB }[m[2] as 'Ki' | 'Mi' | 'Gi'] ?? 1) : NaN; };
    for (const [name, cpu, mem] of [['server', 0.2, 200e6], ['envoy', 0.03, 40e6]] as const) {
      const t = target(name);
      assert.ok(cores(t.cpu) >= cpu * 0.8 && cores(t.cpu) <= cpu * 2, `${name} cpu ${String(t.cpu)} for usage ${cpu}`);
      assert.ok(bytes(t.memory) >= mem * 0.9 && bytes(t.memory) <= mem * 1.6, `${name} memory ${String(t.memory)} for usage ${mem}`);
    }
  });

  it('a Rollout with spec.workloadRef: its VPA targets the Rollout and is sized for the Deployment\'s container; the Deployment keeps its own', async () => {
    const ro = targetOf('shop', 'Rollout/storefront');
    const dep = targetOf('shop', 'Deployment/legacy');
    assert.ok(ro && dep, JSON.stringify(summary.created));
    assert.deepEqual([ro.name, ro.outcome, dep.name], ['storefront-mora', 'created', 'legacy-mora']);
    const v = await getVpa('shop', ro.name);
    assert.deepEqual(v.spec?.targetRef, { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'storefront' });
    assert.equal(summary.vpas.find((o) => o.name === ro.name)?.outcome, 'written', JSON.stringify(summary.vpas));
    const recs = v.status?.recommendation?.containerRecommendations ?? [];
    assert.deepEqual(recs.map((x) => x.containerName), ['app']);
    const cpu = String(recs[0].target?.cpu);
    const cores = cpu.endsWith('m') ? Number(cpu.slice(0, -1)) / 1000 : Number(cpu);
    assert.ok(cores >= 0.08 && cores <= 0.2, `app cpu ${cpu} for usage 0.1`);
  });

  it('a workloadRef Rollout named like its Deployment, with kube-state-metrics\' owner series: the usage is the Rollout\'s, not the Deployment\'s', async () => {
    const ro = summary.created?.find((c) => c.namespace === 'migrate' && c.target === 'Rollout/legacy');
    const dep = summary.created?.find((c) => c.namespace === 'migrate' && c.target === 'Deployment/legacy');
    assert.ok(ro && dep, JSON.stringify(summary.created));
    // One name for two workloads: the Deployment (first in kind order) keeps the plain one, the Rollout the hashed one.
    assert.equal(dep.name, 'legacy-mora');
    assert.match(ro.name, /^legacy-[0-9a-f]{8}-mora$/);
    const outcome = (name: string) => summary.vpas.find((o) => o.namespace === 'migrate' && o.name === name);
    assert.equal(outcome(ro.name)?.outcome, 'written', JSON.stringify(summary.vpas));
    assert.equal(outcome(dep.name)?.outcome, 'no-recommendation', JSON.stringify(summary.vpas));
  });

  it('a user\'s MOrA VPA on a Rollout gets MOrA\'s status', async () => {
    assert.equal(summary.vpas.find((o) => o.namespace === 'payments' && o.name === 'api')?.outcome, 'written', JSON.stringify(summary.vpas));
    const cond = (await getVpa('payments', 'api')).status?.conditions?.find((c) => c.type === 'RecommendationProvided');
    assert.equal(cond?.status, 'True');
  });

  it('the reader (editor\'s in-cluster view) reads the Rollouts\' recommendations back, none skipped', async () => {
    const read = await new VpaReader({ kubeconfig: cp!.kubeconfig }).read({ now });
    assert.equal(read.fallback, undefined);
    assert.deepEqual(read.skipped.filter((x) => !['shop/legacy-mora', 'migrate/legacy-mora'].includes(x.vpa)), [], 'none of the Rollouts\' VPAs skipped');
    const got = read.recommendations.filter((r) => r.workload.kind === 'Rollout').map((r) => `${r.workload.namespace}/${r.workload.name}`).sort();
    assert.deepEqual(got, ['migrate/legacy', 'payments/api', 'shop/checkout', 'shop/storefront']);
    const checkout = read.recommendations.find((r) => r.workload.kind === 'Rollout' && r.workload.name === 'checkout')!;
    assert.deepEqual(checkout.containers.map((c) => c.container).sort(), ['envoy', 'server']);
    assert.ok(checkout.containers.every((c) => c.cpu && c.memory), 'cpu and memory for both');
  });

  it('as a ServiceAccount with the shipped role and the create-vpas component only: a Rollout in an opted-in namespace gets its VPA, exit 0', async () => {
    const c = cp!;
    await c.createNamespace('catalog', { 'mora.dev/create-vpa': 'true' });
    await createRollout(c, 'catalog', {
      name: 'web', replicas: 1, nodeName: 'mora-node-1',
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'catalog/web:1', resources: { requests: { cpu: '100m', memory: '128Mi' } } }] } },
    });
    await c.create(shippedCreateVpasRole());
    await c.createServiceAccount('catalog', 'ro-recommender');
    await c.bind(undefined, 'ro-recommender', { kind: 'ClusterRole', name: 'mora-recommender' }, ['serviceaccount:catalog:ro-recommender']);
    const credentials = await c.serviceAccountCredentials('catalog', 'ro-recommender');
    // The RBAC authorizer sees a new binding through its informers: wait (with a deadline) until it is in effect.
    const bound = await until(() => c.raw('GET', `${VPA}/namespaces/catalog/verticalpodautoscalers`, undefined, { credentials }), (x) => x.status === 200, 10_000);
    assert.equal(bound.status, 200, 'the binding is in effect');
    const kubeconfig = c.writeKubeconfig([{ name: 'ro-recommender', credentials, namespace: 'catalog' }]);
    const r = await moraProcess(['recommend', '--in-cluster', '--create-vpas', '--kubeconfig', kubeconfig, '--prometheus', prom!.url, '-q'],
      cleanEnv({ JOB_COMPLETION_INDEX: '0', MORA_SHARDS: '1', MORA_NOW: String(now) }));
    assert.equal(r.code, 0, `exit ${r.code}\n${r.err}\n${r.out}`);
    const s = JSON.parse(r.out) as ShardSummary;
    assert.deepEqual(s.created?.map((x) => `${x.namespace}/${x.name} ${x.target} ${x.outcome}`), ['catalog/web-mora Rollout/web created']);
    assert.deepEqual((await getVpa('catalog', 'web-mora')).spec?.targetRef, { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'web' });
    // No usage was backfilled for it: the status says so (RecommendationProvided False), not a failure.
    assert.equal(s.vpas.find((o) => o.namespace === 'catalog')?.outcome, 'no-recommendation', JSON.stringify(s.vpas));
  });
});
