// Apply to Cluster, before anything is written: the diff a person confirms, the GitOps warning, pod admission
// (LimitRange, ResourceQuota) judged on the patched template, and the one-line refusals — without a cluster.
import * as assert from 'node:assert/strict';
import type { Recommendation } from '../../src/core/recommendation';
import { unifiedDiff } from '../../src/core/unified-diff';
import type { WorkloadRef } from '../../src/core/workload';
import {
  clusterChange, gitOpsOwners, gitOpsWarning, planApply, podAdmissionProblems, resourcesYamlOf, type PlanClient,
} from '../../src/data/kube/apply-plan';
import type { ApplyResult } from '../../src/data/kube/client';
import { KubeError, kubeError } from '../../src/data/kube/errors';
import type { K8sWorkloadObject } from '../../src/data/kube/workloads';

const ref: WorkloadRef = { context: 'prod', namespace: 'shop', kind: 'Deployment', name: 'checkout' };
const MiB = 2 ** 20;

function deployment(server: Record<string, Record<string, string>>, replicas = 2, meta: Partial<NonNullable<K8sWorkloadObject['metadata']>> = {}): K8sWorkloadObject {
  return {
    metadata: { name: 'checkout', namespace: 'shop', resourceVersion: '41', ...meta },
    spec: { replicas, template: { spec: { containers: [
      { name: 'server', image: 'shop/checkout:1.4', resources: server },
      { name: 'envoy', image: 'envoy:1', resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } } },
    ] } } },
  };
}

const live = deployment({ requests: { memory: '256Mi', cpu: '200m' }, limits: { memory: '512Mi' } });
const after = deployment({ requests: { cpu: '40m', memory: '300Mi' }, limits: { memory: '512Mi' } }, 3);

describe('Apply to Cluster: the diff', () => {
  it('shows replicas and each container\'s resources at their paths, live against the dry run, as a unified diff', () => {
    const diff = unifiedDiff(resourcesYamlOf('Deployment', live), resourcesYamlOf('Deployment', after), { from: 'live', to: 'dry run' });
    assert.equal(diff, [
      '--- live',
      '+++ dry run',
      '@@ -3,15 +3,15 @@',
      '   name: checkout',
      '   namespace: shop',
      ' spec:',
      '-  replicas: 2',
      '+  replicas: 3',
      '   template:',
      '     spec:',
      '       containers:',
      '         - name: server',
      '           resources:',
      '             requests:',
      '-              cpu: 200m',
      '-              memory: 256Mi',
      '+              cpu: 40m',
      '+              memory: 300Mi',
      '             limits:',
      '               memory: 512Mi',
      '         - name: envoy',
      '',
    ].join('\n'));
  });

  it('is empty when nothing changes, and puts a CronJob\'s containers under its job template', () => {
    assert.equal(unifiedDiff(resourcesYamlOf('Deployment', live), resourcesYamlOf('Deployment', structuredClone(live)), { from: 'a', to: 'b' }), '');
    const cron = { metadata: { name: 'report', namespace: 'shop' }, spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: 'report', resources: { requests: { cpu: '300m' } } }] } } } } } };
    assert.equal(resourcesYamlOf('CronJob', cron), [
      'kind: CronJob', 'metadata:', '  name: report', '  namespace: shop', 'spec:', '  jobTemplate:', '    spec:', '      template:', '        spec:',
      '          containers:', '            - name: report', '              resources:', '                requests:', '                  cpu: 300m', '',
    ].join('\n'));
  });
});

describe('Apply to Cluster: what MOrA writes', () => {
  const rec = (hpa: boolean): Recommendation => ({
    workload: ref, qos: 'Burstable', confidence: 0.9, generatedAt: 0,
    containers: [{
      container: 'server', current: { requests: {}, limits: {} }, verdict: 'over-provisioned', confidence: 0.9,
      cpu: { request: { value: 0.04, lower: 0.03, upper: 0.05 }, confidence: 0.9, evidence: {} as never },
      memory: { request: { value: 300 * MiB, lower: 0, upper: 0 }, limit: { value: 600 * MiB, lower: 0, upper: 0 }, confidence: 0.9, evidence: {} as never },
    }],
    replicas: { current: 2, recommended: { value: 3.2, lower: 3, upper: 4 }, reason: '', ...(hpa ? { hpa: { minReplicas: 2, maxReplicas: 6, targetCpuUtilization: 0.7, reason: '' } } : {}) },
  });

  it('sets requests, the limits the policy sets (an unset CPU limit stays as it is), and replicas only when asked and no HPA', () => {
    assert.deepEqual(clusterChange(rec(false)), { containers: [{ container: 'server', requests: { cpu: 0.04, memory: 300 * MiB }, limits: { memory: 600 * MiB } }] });
    assert.equal(clusterChange(rec(false), { replicas: true }).replicas, 3);
    assert.equal(clusterChange(rec(true), { replicas: true }).replicas, undefined, 'an HPA owns the count');
  });
});

describe('Apply to Cluster: GitOps and Helm ownership', () => {
  it('names Argo CD, Flux and Helm by their labels and annotations, and suggests the manifest instead', () => {
    const argo = gitOpsOwners({ metadata: { labels: { 'argocd.argoproj.io/instance': 'shop-prod' } } });
    assert.deepEqual(argo, [{ tool: 'Argo CD', owner: 'application "shop-prod"', marker: 'label argocd.argoproj.io/instance=shop-prod' }]);
    assert.deepEqual(gitOpsOwners({ metadata: { annotations: { 'argocd.argoproj.io/tracking-id': 'shop:apps/Deployment:shop/checkout' } } })[0].owner, 'application "shop"');
    assert.deepEqual(gitOpsOwners({ metadata: { labels: { 'kustomize.toolkit.fluxcd.io/name': 'apps', 'kustomize.toolkit.fluxcd.io/namespace': 'flux-system' } } })[0],
      { tool: 'Flux', owner: 'Kustomization flux-system/apps', marker: 'label kustomize.toolkit.fluxcd.io/name=apps' });
    // A Flux HelmRelease is Helm underneath: Flux is what reverts, and it is named once.
    const fluxHelm = gitOpsOwners({ metadata: { labels: { 'helm.toolkit.fluxcd.io/name': 'shop', 'app.kubernetes.io/managed-by': 'Helm' }, annotations: { 'meta.helm.sh/release-name': 'shop' } } });
    assert.deepEqual(fluxHelm.map((o) => `${o.tool}: ${o.owner}`), ['Flux: HelmRelease shop']);
    const helm = gitOpsOwners({ metadata: { labels: { 'app.kubernetes.io/managed-by': 'Helm' }, annotations: { 'meta.helm.sh/release-name': 'shop' } } });
    assert.deepEqual(helm.map((o) => `${o.tool}: ${o.owner}`), ['Helm: release "shop"']);
    assert.deepEqual(gitOpsOwners({ metadata: { labels: { app: 'checkout' } } }), []);
    assert.equal(gitOpsWarning(ref, []), undefined);
    assert.equal(gitOpsWarning(ref, argo),
      'Deployment shop/checkout is managed by Argo CD (application "shop-prod"; label argocd.argoproj.io/instance=shop-prod): a live patch will be reverted — '
      + 'Argo CD marks the application OutOfSync and its next sync (at once with self-heal) puts the old values back. '
      + 'Change the manifest in Git instead: Apply to the manifest (CodeLens) or mora recommend --apply-to <path>.');
    assert.match(gitOpsWarning(ref, helm)!, /managed by Helm \(release "shop"; annotation meta\.helm\.sh\/release-name=shop\): a live patch will be reverted — the next helm upgrade or rollback/);
  });
});

describe('Apply to Cluster: pod admission judged before writing', () => {
  const limits = (items: object[]) => ({ metadata: { name: 'limits' }, spec: { limits: items } });

  it('LimitRange: a limit above the max, a request below the min, a ratio too high — in the API server\'s words', () => {
    const big = deployment({ requests: { cpu: '350m' }, limits: { cpu: '2' } });
    assert.deepEqual(podAdmissionProblems('Deployment', big, { limitRanges: [limits([{ type: 'Container', max: { cpu: '1' } }])], quotas: [] }),
      ['LimitRange "limits" refuses container "server": maximum cpu usage per Container is 1, but limit is 2']);
    const small = deployment({ requests: { cpu: '5m', memory: '300Mi' } });
    assert.deepEqual(podAdmissionProblems('Deployment', small, { limitRanges: [limits([{ type: 'Container', min: { cpu: '10m' } }])], quotas: [] }),
      ['LimitRange "limits" refuses container "server": minimum cpu usage per Container is 10m, but request is 5m']);
    const ratio = deployment({ requests: { memory: '100Mi' }, limits: { memory: '1Gi' } });
    assert.deepEqual(podAdmissionProblems('Deployment', ratio, { limitRanges: [limits([{ type: 'Container', maxLimitRequestRatio: { memory: '4' } }])], quotas: [] }),
      ['LimitRange "limits" refuses container "server": memory max limit to request ratio per Container is 4, but provided ratio is 10.240000']);
  });

  it('LimitRange defaults fill what the template leaves out before the checks, as LimitRanger does', () => {
    // No CPU limit in the template: the default (500m) applies and is within the max; without a default it would be "No limit".
    const noLimit = deployment({ requests: { cpu: '100m' } });
    const lr = limits([{ type: 'Container', max: { cpu: '1' }, default: { cpu: '500m' }, defaultRequest: { cpu: '100m' } }]);
    assert.deepEqual(podAdmissionProblems('Deployment', noLimit, { limitRanges: [lr], quotas: [] }), []);
    assert.deepEqual(podAdmissionProblems('Deployment', noLimit, { limitRanges: [limits([{ type: 'Container', max: { cpu: '1' } }])], quotas: [] }),
      ['LimitRange "limits" refuses container "server": maximum cpu usage per Container is 1.  No limit is specified']);
  });

  it('ResourceQuota: the first new pod on top of what the quota reports used, and resources a quota needs specified', () => {
    const pod = deployment({ requests: { cpu: '700m', memory: '256Mi' }, limits: { memory: '512Mi' } });
    const quota = { metadata: { name: 'compute' }, spec: { hard: { 'requests.cpu': '2' } }, status: { hard: { 'requests.cpu': '2', 'requests.memory': '4Gi' }, used: { 'requests.cpu': '1500m', 'requests.memory': '1Gi' } } };
    // server 700m + envoy 50m = 750m; 1500m + 750m > 2
    assert.deepEqual(podAdmissionProblems('Deployment', pod, { limitRanges: [], quotas: [quota] }),
      ['exceeded quota: compute, requested: requests.cpu=750m, used: requests.cpu=1500m, limited: requests.cpu=2']);
    const limitsQuota = { metadata: { name: 'compute' }, status: { hard: { 'limits.cpu': '4' }, used: {} } };
    assert.deepEqual(podAdmissionProblems('Deployment', pod, { limitRanges: [], quotas: [limitsQuota] }),
      ['failed quota: compute: must specify limits.cpu for: server']);
    // A quota the controller has not computed yet, or a scoped one, is not judged.
    assert.deepEqual(podAdmissionProblems('Deployment', pod, { limitRanges: [], quotas: [{ metadata: { name: 'new' }, spec: { hard: { 'requests.cpu': '1' } } }] }), []);
  });
});

describe('Apply to Cluster: the plan (server-side dry run through a client)', () => {
  const change = { containers: [{ container: 'server', requests: { cpu: 0.04, memory: 300 * MiB } }], replicas: 3 };
  const client = (dry: () => Promise<ApplyResult>, admission = { limitRanges: [], quotas: [], warnings: [] as string[] }): PlanClient & { calls: unknown[] } => {
    const calls: unknown[] = [];
    return {
      calls,
      applyResources: async (r, c, o) => { calls.push(['apply', r.name, c, o]); return dry(); },
      podAdmissionObjects: async (ctx, ns) => { calls.push(['admission', ctx, ns]); return admission; },
    };
  };

  it('dry-runs the same patch (dryRun + replicas), diffs live against the answer and warns about the owner', async () => {
    const owned = { ...live, metadata: { ...live.metadata, labels: { 'kustomize.toolkit.fluxcd.io/name': 'apps' } } };
    const c = client(async () => ({ resourceVersion: '41', attempts: 1, dryRun: true, before: owned, after }));
    const plan = await planApply(c, ref, change);
    assert.deepEqual(c.calls[0], ['apply', 'checkout', change.containers, { dryRun: true, replicas: 3 }]);
    assert.equal(plan.changed, true);
    assert.match(plan.diff, /^--- Deployment shop\/checkout \(context prod\) live\n\+\+\+ Deployment shop\/checkout \(context prod\) after the patch \(server-side dry run\)\n@@/);
    assert.match(plan.diff, /^-\s+cpu: 200m\n-\s+memory: 256Mi\n\+\s+cpu: 40m\n\+\s+memory: 300Mi$/m);
    assert.match(plan.gitOpsWarning ?? '', /^Deployment shop\/checkout is managed by Flux \(Kustomization apps;/);
    assert.deepEqual(plan.refusals, []);
  });

  it('a validation or admission refusal becomes one line, before anything is written', async () => {
    const invalid = kubeError({ code: 422, body: { message: 'Deployment.apps "checkout" is invalid: spec.template.spec.containers[1].resources.requests: Invalid value: "500m": must be less than or equal to cpu limit of 200m' } },
      { verb: 'patch', resource: 'deployments', group: 'apps', namespace: 'shop', name: 'checkout', context: 'prod' });
    const plan = await planApply(client(async () => { throw invalid; }), ref, change);
    assert.equal(plan.changed, false);
    assert.deepEqual(plan.refusals, ['the server-side dry run was refused, nothing was changed: the Kubernetes API (context "prod") rejected the change to deployments.apps "checkout" in namespace "shop" as invalid: '
      + 'Deployment.apps "checkout" is invalid: spec.template.spec.containers[1].resources.requests: Invalid value: "500m": must be less than or equal to cpu limit of 200m']);
    const policy = kubeError({ code: 403, body: { message: 'deployments.apps "checkout" is forbidden: ValidatingAdmissionPolicy \'max-cpu\' with binding \'max-cpu\' denied request:\ncpu requests above 1 core need an exception' } },
      { verb: 'patch', resource: 'deployments', group: 'apps', namespace: 'shop', name: 'checkout', context: 'prod' });
    assert.equal(policy.kind, 'admission');
    // A policy's denial is 422 (reason Invalid) unless the policy sets another reason: still admission, not a malformed change.
    const policy422 = kubeError({ code: 422, body: { message: 'deployments.apps "checkout" is forbidden: ValidatingAdmissionPolicy \'max-cpu\' with binding \'max-cpu\' denied request: no' } },
      { verb: 'patch', resource: 'deployments', group: 'apps', namespace: 'shop', name: 'checkout', context: 'prod' });
    assert.equal(policy422.kind, 'admission');
    assert.match(policy422.message, /^the Kubernetes API \(context "prod"\) refused to patch deployments\.apps "checkout" in namespace "shop" \(admission\): deployments\.apps "checkout" is forbidden: ValidatingAdmissionPolicy/);
    const refused = await planApply(client(async () => { throw policy; }), ref, change);
    assert.deepEqual(refused.refusals, ['the server-side dry run was refused, nothing was changed: the Kubernetes API (context "prod") refused to patch deployments.apps "checkout" in namespace "shop" (admission): '
      + 'deployments.apps "checkout" is forbidden: ValidatingAdmissionPolicy \'max-cpu\' with binding \'max-cpu\' denied request: cpu requests above 1 core need an exception']);
  });

  it('pods the namespace would refuse are a refusal too; RBAC on patch names the role that grants it', async () => {
    const big = deployment({ requests: { cpu: '350m' }, limits: { cpu: '2' } });
    const lr = { metadata: { name: 'limits' }, spec: { limits: [{ type: 'Container', max: { cpu: '1' } }] } };
    const plan = await planApply(client(async () => ({ resourceVersion: '41', attempts: 1, dryRun: true, before: live, after: big }), { limitRanges: [lr] as never[], quotas: [], warnings: [] }), ref, change);
    assert.deepEqual(plan.refusals, ['the new pods would be refused in namespace "shop" (the patch itself would be accepted and the rollout would stall): '
      + 'LimitRange "limits" refuses container "server": maximum cpu usage per Container is 1, but limit is 2']);
    const rbac = kubeError({ code: 403, body: { message: 'deployments.apps "checkout" is forbidden: User "dev" cannot patch resource "deployments" in API group "apps" in the namespace "shop"' } },
      { verb: 'patch', resource: 'deployments', group: 'apps', namespace: 'shop', name: 'checkout', context: 'prod' });
    await assert.rejects(planApply(client(async () => { throw rbac; }), ref, change), (e: KubeError) => e.kind === 'forbidden' && !e.message.includes('\n')
      && e.message.startsWith('RBAC denied: cannot patch deployments.apps "checkout" in namespace "shop" (context "prod") — ask for verb "patch" on resource "deployments" in API group "apps" (namespace "shop"): ')
      && e.message.endsWith(' — the mora-applier role in deploy/rbac/ grants it'));
  });
});
