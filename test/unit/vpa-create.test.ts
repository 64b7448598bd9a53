import { strict as assert } from 'node:assert';
import {
  CREATE_VPA_SELECTOR, MAX_NAME, hashedVpaName, moraVpaManifest, moraVpaName, optedIn, sameVpaTarget, vpasToCreate, vpasToCreateIn, type WorkloadId,
} from '../../src/data/kube/vpa-create';
import type { VpaObject } from '../../src/data/kube/vpa-status';
import { InClusterMetrics } from '../../src/data/kube/in-cluster-metrics';
import { mora } from './helpers/run-cli';

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function vpa(name: string, kind: string, target: string, recommenders?: string[]): VpaObject {
  return {
    metadata: { name, namespace: 'shop' },
    spec: { targetRef: { apiVersion: 'apps/v1', kind, name: target }, ...(recommenders ? { recommenders: recommenders.map((n) => ({ name: n })) } : {}) },
  };
}
const w = (kind: string, name: string): WorkloadId => ({ kind, name });

describe('Creating MOrA VPAs (--create-vpas): the selection', () => {
  it('only namespaces labelled mora.dev/create-vpa=true (exactly "true") opt in', () => {
    assert.equal(CREATE_VPA_SELECTOR, 'mora.dev/create-vpa=true');
    assert.equal(optedIn({ 'mora.dev/create-vpa': 'true' }), true);
    const others: Array<Record<string, string> | undefined> = [undefined, {}, { 'mora.dev/create-vpa': 'false' }, { 'mora.dev/create-vpa': 'True' }, { 'mora.dev/create-vpa': '' }, { 'mora.dev/other': 'true' }];
    for (const labels of others) {
      assert.equal(optedIn(labels), false, JSON.stringify(labels));
    }
    const workloads: Record<string, WorkloadId[]> = { shop: [w('Deployment', 'api')], search: [w('Deployment', 'api')], ads: [w('Deployment', 'api')] };
    const plan = vpasToCreate(['shop', 'search', 'ads'], new Set(['shop', 'ads', 'elsewhere']), (ns) => workloads[ns] ?? [], () => []);
    assert.deepEqual(plan.map((p) => `${p.namespace}/${p.name}`), ['shop/api-mora', 'ads/api-mora'], 'the unlabelled namespace (and namespaces outside the shard) untouched');
  });

  it('skips workloads any VPA already targets, whatever its recommender; only long-lived kinds the VPA can target', () => {
    const existing = [
      vpa('api', 'Deployment', 'api'), // the default recommender's
      vpa('cache-vpa', 'StatefulSet', 'cache', ['someone-else']),
      vpa('worker', 'deployment', 'worker', ['mora']), // kind in another case: still the same target
      vpa('no-target', 'Deployment', ''),
    ];
    const plan = vpasToCreateIn('shop', [
      w('Deployment', 'api'), w('StatefulSet', 'cache'), w('Deployment', 'worker'),
      w('Deployment', 'web'), w('StatefulSet', 'db'), w('DaemonSet', 'agent'), w('CronJob', 'nightly'), w('Job', 'migrate'), w('Pod', 'debug'),
    ], existing);
    assert.deepEqual(plan.map((p) => `${p.target.kind}/${p.target.name}=${p.name}`), [
      'Deployment/web=web-mora', 'StatefulSet/db=db-mora', 'DaemonSet/agent=agent-mora', 'CronJob/nightly=nightly-mora',
    ]);
    // A rerun after creating them: nothing more.
    const after = [...existing, ...plan.map((p) => p.manifest)];
    assert.deepEqual(vpasToCreateIn('shop', [w('Deployment', 'web'), w('StatefulSet', 'db'), w('DaemonSet', 'agent'), w('CronJob', 'nightly')], after), []);
  });

  it('the manifest: updateMode Off, recommender mora, managed-by mora, the targetRef with its apiVersion', () => {
    const [p] = vpasToCreateIn('shop', [w('StatefulSet', 'db')], []);
    assert.deepEqual(p.manifest, {
      apiVersion: 'autoscaling.k8s.io/v1', kind: 'VerticalPodAutoscaler',
      metadata: { name: 'db-mora', namespace: 'shop', labels: { 'app.kubernetes.io/managed-by': 'mora' } },
      spec: { targetRef: { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db' }, recommenders: [{ name: 'mora' }], updatePolicy: { updateMode: 'Off' } },
    });
    assert.equal(moraVpaManifest('shop', 'n-mora', w('CronJob', 'n')).spec.targetRef?.apiVersion, 'batch/v1');
    assert.throws(() => moraVpaManifest('shop', 'x', w('Job', 'x')), /does not create VPAs for a Job/);
    // An Argo Rollout is targeted as itself (the VPA components resolve it through its scale subresource).
    assert.deepEqual(vpasToCreateIn('shop', [w('Rollout', 'checkout')], []).map((x) => x.manifest.spec.targetRef), [{ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'checkout' }]);
    assert.ok(sameVpaTarget(p.manifest, { kind: 'StatefulSet', name: 'db' }));
    assert.ok(!sameVpaTarget(p.manifest, { kind: 'Deployment', name: 'db' }));
  });

  it('names: <workload>-mora; a long name or a taken one gets a stable hash, within 63 characters, a valid DNS name', () => {
    assert.equal(moraVpaName(w('Deployment', 'checkout')), 'checkout-mora');
    const fits = 'a'.repeat(MAX_NAME - 5);
    assert.equal(moraVpaName(w('Deployment', fits)), `${fits}-mora`);
    const long = `${'x'.repeat(50)}.y-${'z'.repeat(200)}`;
    const n = moraVpaName(w('Deployment', long));
    assert.ok(n.length <= MAX_NAME, n);
    assert.match(n, DNS_SUBDOMAIN);
    assert.match(n, /-[0-9a-f]{8}-mora$/);
    assert.equal(moraVpaName(w('Deployment', long)), n, 'deterministic');
    assert.notEqual(hashedVpaName(w('StatefulSet', long)), n, 'the kind is in the hash');
    assert.notEqual(moraVpaName(w('Deployment', `${long}2`)), n, 'two long names sharing a prefix differ');
    // A cut that would end in "-" or "." is trimmed: still a valid name.
    for (let i = 40; i < 52; i++) {
      const name = `${'a'.repeat(i)}-b.c-d.e${'f'.repeat(100)}`;
      assert.match(name, DNS_SUBDOMAIN);
      assert.match(hashedVpaName(w('Deployment', name)), DNS_SUBDOMAIN, name);
    }
    // The plain name already held by a VPA for another workload: the hashed one; collisions inside one run too
    // (a Deployment and a StatefulSet both named api: the Deployment keeps the plain name, always).
    const plan = vpasToCreateIn('shop', [w('StatefulSet', 'api'), w('Deployment', 'api'), w('Deployment', 'web')], [vpa('web-mora', 'Deployment', 'old-web')]);
    assert.deepEqual(plan.map((p) => [p.target.kind, p.target.name, p.name]), [
      ['Deployment', 'api', 'api-mora'], ['Deployment', 'web', hashedVpaName(w('Deployment', 'web'))], ['StatefulSet', 'api', hashedVpaName(w('StatefulSet', 'api'))],
    ]);
    // A shard killed after creating the Deployment's VPA: its rerun gives the StatefulSet the same name as before.
    const rerun = vpasToCreateIn('shop', [w('StatefulSet', 'api'), w('Deployment', 'api')], [plan[0].manifest]);
    assert.deepEqual(rerun.map((p) => p.name), [plan[2].name]);
  });

  // --in-cluster --dry-run without --create-vpas is a preview of the statuses now (in-cluster-dry-run.test.ts).
  it('flags: --create-vpas only with --in-cluster', async () => {
    const a = await mora(['recommend', '--create-vpas']);
    assert.equal(a.code, 2, a.err);
    assert.match(a.err, /--create-vpas goes with --in-cluster/);
  });

  it('self-metrics: vpas_created_total{outcome} appears only in runs that create, all outcomes from 0', async () => {
    const without = new InClusterMetrics();
    without.setShard({ index: 0, count: 1 });
    assert.doesNotMatch(await without.openMetrics(), /vpas_created/);
    const m = new InClusterMetrics();
    m.setShard({ index: 1, count: 2 });
    m.vpaCreated();
    m.vpaCreated('created');
    m.vpaCreated('created');
    m.vpaCreated('exists');
    m.phase('create', 0.5);
    const text = await m.openMetrics();
    const v = (outcome: string) => Number(new RegExp(`^mora_recommender_vpas_created_total\\{[^}]*outcome="${outcome}"[^}]*\\} (\\S+)$`, 'm').exec(text)?.[1]);
    assert.deepEqual(['created', 'exists', 'taken', 'failed'].map(v), [2, 1, 0, 0], text);
    assert.match(text, /mora_recommender_phase_duration_seconds\{[^}]*phase="create"[^}]*\} 0\.5/);
  });
});
