// MOrA's in-cluster recommender against a REAL kube-apiserver (test/harness/control-plane.ts) with the VPA CRDs
// installed from the upstream module's own files (k8s.io/autoscaler/vertical-pod-autoscaler, deploy/vpa-v1-crd-gen.yaml,
// fetched through the Go module proxy by scripts/install-vpa-crd.sh and cached outside the repo) and a real Prometheus
// backfilled with usage for the pods that exist:
//   - the shards of an Indexed Job (run here one after another with JOB_COMPLETION_INDEX, as no kubelet runs Jobs) cover
//     every namespace exactly once;
//   - VPAs that name "mora" in spec.recommenders get MOrA's status (the same numbers `mora recommend` prints); a VPA
//     without it is never written; a MOrA VPA whose target does not exist gets RecommendationProvided False;
//   - a rerun of one shard (the Job controller retrying a killed pod) finds the same status and writes nothing.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { formatCpu, formatMemory } from '../../src/core/quantity';
import { shardNamespaces } from '../../src/data/kube/vpa-shard';
import type { VpaObject, VpaStatus } from '../../src/data/kube/vpa-status';
import { VpaWriter } from '../../src/data/kube/vpa-writer';
import type { ShardSummary } from '../../src/cli/commands/recommend-in-cluster';
import { Command } from 'commander';
import { recommendPolicy, register as registerRecommend, type RecommendCliOptions } from '../../src/cli/commands/recommend';
import { ClusterDataSource } from '../../src/data/cluster';
import { recommendFromSource } from '../../src/pipeline/recommend';
import { cleanEnv, moraProcess } from '../unit/helpers/run-cli';
import { ControlPlane, type CreatedDeployment } from '../harness/control-plane';
import { usageSeries } from '../harness/live-cluster';
import { startPrometheus, toOpenMetrics, type RunningPrometheus } from '../harness/prometheus';
import { until } from '../harness/wait';

type Json = Record<string, unknown>;
const repo = path.resolve(__dirname, '..', '..');
const INSTALL = path.join(repo, 'scripts', 'install-vpa-crd.sh');
const VPA = '/apis/autoscaling.k8s.io/v1';
const QUANTITY = /^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$/;

/** The cached CRD file, fetched by the install script when missing (needs Go and the module proxy the first time). */
function vpaCrdFile(): string {
  const file = execFileSync('bash', [INSTALL, '--print-file'], { encoding: 'utf8' }).trim();
  if (!fs.existsSync(file)) execFileSync('bash', [INSTALL], { stdio: ['ignore', 'inherit', 'inherit'], timeout: 300_000 });
  if (!fs.existsSync(file)) throw new Error(`the VPA CRD is not cached at ${file}: run bash scripts/install-vpa-crd.sh`);
  return file;
}

describe('In-cluster recommender: VPA status and Indexed Job shards on a real API server', function () {
  this.timeout(120_000);
  let cp: ControlPlane | undefined;
  let prom: RunningPrometheus | undefined;
  const teams = ['shop', 'payments', 'search', 'billing', 'media', 'auth', 'ledger', 'ads'];
  const SHARDS = 3;
  const summaries: ShardSummary[] = [];
  let untouched: Map<string, Json>;
  let now = 0;

  const vpaPath = (ns: string, name?: string) => `${VPA}/namespaces/${ns}/verticalpodautoscalers${name ? `/${name}` : ''}`;
  const getVpa = (ns: string, name: string) => cp!.api('GET', vpaPath(ns, name)) as Promise<Json & VpaObject>;
  const vpa = (ns: string, name: string, target: string, spec: Json = {}) => ({
    apiVersion: 'autoscaling.k8s.io/v1', kind: 'VerticalPodAutoscaler', metadata: { name, namespace: ns },
    spec: { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: target }, updatePolicy: { updateMode: 'Off' }, ...spec },
  });
  const shard = async (index: number, extraEnv: NodeJS.ProcessEnv = {}) => {
    const r = await moraProcess(['recommend', '--in-cluster', '--kubeconfig', cp!.kubeconfig, '--prometheus', prom!.url, '-q'],
      cleanEnv({ JOB_COMPLETION_INDEX: String(index), MORA_SHARDS: String(SHARDS), MORA_NOW: String(now), ...extraEnv }));
    assert.equal(r.code, 0, `shard ${index}: exit ${r.code}\n${r.err}\n${r.out}`);
    return JSON.parse(r.out) as ShardSummary;
  };

  before(async function () {
    this.timeout(240_000);
    const crdFile = vpaCrdFile();
    cp = await ControlPlane.start();
    await cp.createNode('mora-node-1', { cpu: '16', memory: '64Gi' });
    // The upstream CRDs as the module ships them; wait until each is Established and the API group is served.
    const crds = parseAllDocuments(fs.readFileSync(crdFile, 'utf8')).map((d) => d.toJS() as Json).filter((d) => d?.kind === 'CustomResourceDefinition');
    assert.ok(crds.some((c) => (c.metadata as Json).name === 'verticalpodautoscalers.autoscaling.k8s.io'), `${crdFile} defines verticalpodautoscalers`);
    for (const crd of crds) await cp.create(crd);
    for (const crd of crds) {
      const name = String((crd.metadata as Json).name);
      const got = await until(() => cp!.get('apiextensions.k8s.io/v1', 'CustomResourceDefinition', undefined, name),
        (c) => (((c.status as Json)?.conditions ?? []) as Json[]).some((x) => x.type === 'Established' && x.status === 'True'), 30_000);
      assert.ok((((got.status as Json)?.conditions ?? []) as Json[]).some((x) => x.type === 'Established' && x.status === 'True'), `CRD ${name} established`);
    }
    const served = await until(() => cp!.raw('GET', VPA), (r) => r.status === 200 && JSON.stringify(r.body).includes('"verticalpodautoscalers/status"'), 30_000);
    assert.equal(served.status, 200, `${VPA} served: ${JSON.stringify(served.body)}`);

    const end = Math.floor(Date.now() / 60_000) * 60 - 120;
    // Every run evaluates as of one pinned time (MORA_NOW), so a rerun reads exactly the same samples; without it a rerun
    // a minute later evaluates a shifted grid (on a live cluster, new samples change the numbers anyway, rightly).
    now = end + 60;
    const start = end - 6 * 3600;
    const series = [];
    for (const [i, ns] of teams.entries()) {
      await cp.createNamespace(ns);
      const d: CreatedDeployment = await cp.createDeployment(ns, {
        name: 'api', replicas: 1,
        containers: [{ name: 'server', image: `${ns}/api:1`, requests: { cpu: '1', memory: '1Gi' } }],
      });
      series.push(...usageSeries(d.pods, ns, { server: { cpu: 0.05 + 0.02 * i, memory: (120 + 10 * i) * 2 ** 20 } }, start, end));
      // The first VPA may meet a discovery cache that has not caught up: retry the create within the deadline.
      const created = await until(() => cp!.raw('POST', vpaPath(ns), vpa(ns, 'api', 'api', { recommenders: [{ name: 'mora' }] })), (r) => r.status === 201, 20_000);
      assert.equal(created.status, 201, JSON.stringify(created.body));
    }
    // shop: a second workload whose VPA belongs to the default recommender (no spec.recommenders): MOrA must not touch it.
    const worker = await cp.createDeployment('shop', { name: 'worker', containers: [{ name: 'worker', image: 'shop/worker:1', requests: { cpu: '500m', memory: '256Mi' } }] });
    series.push(...usageSeries(worker.pods, 'shop', { worker: { cpu: 0.1, memory: 200 * 2 ** 20 } }, start, end));
    await cp.api('POST', vpaPath('shop'), vpa('shop', 'worker', 'worker'));
    // payments: another recommender by name, and a MOrA VPA with a capped container policy.
    await cp.api('POST', vpaPath('payments'), vpa('payments', 'other', 'api', { recommenders: [{ name: 'someone-else' }] }));
    // billing: a MOrA VPA whose target does not exist.
    await cp.api('POST', vpaPath('billing'), vpa('billing', 'ghost', 'ghost', { recommenders: [{ name: 'mora' }] }));
    // search: MOrA's VPA with a container policy (maxAllowed caps the target; uncappedTarget keeps MOrA's value).
    await cp.api('PUT', vpaPath('search', 'api'), { ...(await getVpa('search', 'api')), spec: { ...(await getVpa('search', 'api')).spec, resourcePolicy: { containerPolicies: [{ containerName: '*', maxAllowed: { cpu: '20m' } }] } } });

    prom = await startPrometheus({ openMetrics: toOpenMetrics(series) });
    untouched = new Map();
    for (const [ns, name] of [['shop', 'worker'], ['payments', 'other']]) untouched.set(`${ns}/${name}`, await getVpa(ns, name));
  });
  after(async () => {
    await prom?.stop();
    await cp?.stop();
  });

  it('the shards (JOB_COMPLETION_INDEX 0…N−1) cover every namespace exactly once, as the hash says', async () => {
    for (let i = 0; i < SHARDS; i++) summaries.push(await shard(i));
    const all = ((await cp!.api('GET', '/api/v1/namespaces')).items as Json[]).map((n) => String((n.metadata as Json).name)).sort();
    const seen = summaries.flatMap((s) => s.namespaces);
    assert.deepEqual([...seen].sort(), all, 'every namespace once');
    assert.equal(new Set(seen).size, seen.length, 'no namespace in two shards');
    for (const s of summaries) {
      assert.deepEqual(s.shard, { index: summaries.indexOf(s), count: SHARDS });
      assert.deepEqual(s.namespaces, shardNamespaces(all, s.shard.index, SHARDS));
    }
    const outcomes = summaries.flatMap((s) => s.vpas);
    assert.deepEqual(outcomes.map((o) => `${o.namespace}/${o.name}`).sort(), [...teams.map((t) => `${t}/api`), 'billing/ghost'].sort(), 'exactly the MOrA VPAs');
    assert.ok(outcomes.filter((o) => o.name === 'api').every((o) => o.outcome === 'written'), JSON.stringify(outcomes));
    assert.equal(summaries.reduce((n, s) => n + s.othersLeftAlone, 0), 2, 'two VPAs of other recommenders seen and left alone');
  });

  it('MOrA VPAs carry MOrA\'s recommendation (the numbers mora recommend computes) and RecommendationProvided', async () => {
    // What `mora recommend --source cluster` computes with its default flags, as of the same pinned time.
    const program = new Command();
    registerRecommend(program);
    const defaults = program.commands.find((c) => c.name() === 'recommend')!.opts() as RecommendCliOptions;
    const policy = recommendPolicy({ ...defaults, source: 'cluster' });
    const runs = await recommendFromSource(new ClusterDataSource({ kubeconfig: cp!.kubeconfig, prometheusUrl: prom!.url, historyDays: policy.historyDays, now: () => now }), { policy });
    const recs = runs.map((x) => x.recommendation);
    for (const ns of teams) {
      const v = await getVpa(ns, 'api');
      const status = v.status as VpaStatus;
      const cond = status.conditions?.find((c) => c.type === 'RecommendationProvided');
      assert.equal(cond?.status, 'True', `${ns}: ${JSON.stringify(status)}`);
      assert.equal(cond?.reason, 'MOrARecommendation');
      assert.match(cond?.lastTransitionTime ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      const [c, ...more] = status.recommendation!.containerRecommendations;
      assert.equal(more.length, 0);
      assert.equal(c.containerName, 'server');
      for (const field of ['target', 'lowerBound', 'upperBound', 'uncappedTarget'] as const) {
        for (const q of [c[field].cpu, c[field].memory]) assert.match(String(q), QUANTITY, `${ns} ${field}`);
      }
      const rec = recs.find((x) => x.workload.namespace === ns && x.workload.name === 'api')!.containers.find((x) => x.container === 'server')!;
      assert.equal(c.uncappedTarget.cpu, formatCpu(rec.cpu!.request.value), ns);
      assert.equal(c.uncappedTarget.memory, formatMemory(rec.memory!.request.value), ns);
      if (ns === 'search') {
        assert.equal(c.target.cpu, '20m', 'maxAllowed caps the target');
        assert.ok(rec.cpu!.request.value > 0.02, 'MOrA\'s own value is above the cap');
      } else {
        assert.deepEqual(c.target, c.uncappedTarget, ns);
      }
      assert.equal(c.target.memory, c.uncappedTarget.memory);
    }
  });

  it('VPAs of other recommenders are never written; a MOrA VPA without its target says why', async () => {
    for (const [k, was] of untouched) {
      const [ns, name] = k.split('/');
      const now = await getVpa(ns, name);
      assert.equal((now.metadata as Json).resourceVersion, (was.metadata as Json).resourceVersion, `${k} untouched`);
      assert.equal(now.status, undefined, `${k} has no status`);
    }
    const ghost = (await getVpa('billing', 'ghost')).status as VpaStatus;
    assert.equal(ghost.recommendation, undefined);
    assert.deepEqual(ghost.conditions?.map((c) => [c.type, c.status, c.reason]), [['RecommendationProvided', 'False', 'TargetNotFound']]);
    // The library refuses too, not only the command.
    const writer = new VpaWriter({ kubeconfig: cp!.kubeconfig });
    await assert.rejects(writer.writeStatus(await getVpa('shop', 'worker'), () => ({ conditions: [] })), /does not name "mora"/);
    assert.equal(writer.writes, 0);
  });

  it('a rerun of one shard (a pod killed mid-run, retried) writes what was missing and gives the same status', async () => {
    const target = summaries.find((s) => s.vpas.filter((o) => o.name === 'api').length >= 2) ?? summaries.find((s) => s.vpas.length > 0)!;
    const vpas = target.vpas.map((o) => [o.namespace, o.name] as const);
    const was = await Promise.all(vpas.map(([ns, n]) => getVpa(ns, n)));
    // The kill came before the first VPA's write: its status is gone (as if never written); the others were written.
    const [lostNs, lostName] = vpas[0];
    await cp!.api('PATCH', `${vpaPath(lostNs, lostName)}/status`, { status: null }, { contentType: 'application/merge-patch+json' });
    assert.equal((await getVpa(lostNs, lostName)).status, undefined);
    const again = await shard(target.shard.index);
    assert.deepEqual(again.namespaces, target.namespaces);
    assert.equal(again.writes, 1, JSON.stringify(again.vpas));
    const now = await Promise.all(vpas.map(([ns, n]) => getVpa(ns, n)));
    // Same recommendation and condition; only the rewritten condition's lastTransitionTime is that of the new write.
    const strip = (st: VpaStatus | undefined) => ({ ...st, conditions: st?.conditions?.map((c) => ({ ...c, lastTransitionTime: '' })) });
    assert.deepEqual(strip(now[0].status), strip(was[0].status));
    assert.deepEqual(now.slice(1).map((v) => v.status), was.slice(1).map((v) => v.status));
    assert.deepEqual(now.slice(1).map((v) => (v.metadata as Json).resourceVersion), was.slice(1).map((v) => (v.metadata as Json).resourceVersion), 'the others were not written');
    // And a second rerun writes nothing at all.
    const third = await shard(target.shard.index);
    assert.equal(third.writes, 0, JSON.stringify(third.vpas));
  });
  it('as a ServiceAccount with only the documented permissions: the shard runs; RBAC refuses anything more', async () => {
    await cp!.createNamespace('mora-system');
    await cp!.createServiceAccount('mora-system', 'mora');
    // docs/IN-CLUSTER.md § Running a shard: what the run needs, and nothing else.
    await cp!.createRole(undefined, 'mora-recommender', [
      { apiGroups: [''], resources: ['namespaces'], verbs: ['list'] },
      { apiGroups: ['apps'], resources: ['deployments', 'statefulsets', 'daemonsets'], verbs: ['list'] },
      { apiGroups: ['batch'], resources: ['cronjobs', 'jobs'], verbs: ['list'] },
      { apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers'], verbs: ['list'] },
      { apiGroups: ['autoscaling.k8s.io'], resources: ['verticalpodautoscalers'], verbs: ['list', 'get'] },
      { apiGroups: ['autoscaling.k8s.io'], resources: ['verticalpodautoscalers/status'], verbs: ['patch'] },
    ]);
    await cp!.bind(undefined, 'mora-recommender', { kind: 'ClusterRole', name: 'mora-recommender' }, ['serviceaccount:mora-system:mora']);
    const sa = await cp!.serviceAccountCredentials('mora-system', 'mora');
    const kubeconfig = cp!.writeKubeconfig([{ name: 'in-cluster', credentials: sa, namespace: 'mora-system' }], 'mora-sa');
    // Every shard's VPA loses its status, then each shard runs as the ServiceAccount and writes it back.
    const ours = summaries.flatMap((x) => x.vpas).filter((o) => o.name === 'api');
    for (const o of ours) await cp!.api('PATCH', `${vpaPath(o.namespace, o.name)}/status`, { status: null }, { contentType: 'application/merge-patch+json' });
    let writes = 0;
    for (let i = 0; i < SHARDS; i++) {
      const r = await moraProcess(['recommend', '--in-cluster', '--kubeconfig', kubeconfig, '--prometheus', prom!.url, '-q'],
        cleanEnv({ JOB_COMPLETION_INDEX: String(i), MORA_SHARDS: String(SHARDS), MORA_NOW: String(now) }));
      assert.equal(r.code, 0, `shard ${i} as the ServiceAccount: exit ${r.code}\n${r.err}\n${r.out}`);
      writes += (JSON.parse(r.out) as ShardSummary).writes;
    }
    assert.equal(writes, ours.length);
    for (const o of ours) assert.equal(((await getVpa(o.namespace, o.name)).status as VpaStatus).conditions?.[0]?.reason, 'MOrARecommendation');
    // Beyond that: no VPA spec, no workload change, no Secrets, no other status.
    const refused = async (method: string, p: string, body?: unknown) => {
      const r = await cp!.raw(method, p, body, { credentials: sa, contentType: 'application/merge-patch+json' });
      assert.equal(r.status, 403, `${method} ${p}: ${r.status} ${JSON.stringify(r.body)}`);
    };
    await refused('PATCH', vpaPath('shop', 'api'), { spec: { updatePolicy: { updateMode: 'Auto' } } });
    await refused('POST', vpaPath('shop'), vpa('shop', 'new', 'api', { recommenders: [{ name: 'mora' }] }));
    await refused('DELETE', vpaPath('shop', 'worker'));
    await refused('PATCH', '/apis/apps/v1/namespaces/shop/deployments/api', { spec: { replicas: 3 } });
    await refused('PATCH', '/apis/apps/v1/namespaces/shop/deployments/api/status', { status: { replicas: 3 } });
    await refused('GET', '/api/v1/namespaces/shop/secrets');
    await refused('GET', '/api/v1/namespaces/shop/pods');
  });
});
