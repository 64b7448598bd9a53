// Reading MOrA's in-cluster recommendations back from a REAL kube-apiserver (test/harness/control-plane.ts) with the
// VPA CRDs installed from the upstream module's own files (scripts/install-vpa-crd.sh, cached outside the repo):
//   - before the CRD exists, the read falls back with one line (404: no VPA API), never an error;
//   - statuses written by MOrA's writer (VpaWriter, its freshness stamp on a pinned clock) read back, page by page
//     (`limit` / `continue`), as the same numbers; a stale one, one of another recommender and one that never got a
//     recommendation are left out;
//   - a ServiceAccount without "list" on verticalpodautoscalers gets the RBAC fallback reason, not an error;
//   - the cluster data source (what the extension uses with mora.dataSource = cluster) gives the same;
//   - a VPA whose container policy controls memory only, on a Deployment with a sidecar MOrA has no value for: the
//     server reads 'partial' (no CPU: controlledResources), the sidecar is named (not in the status), never 'ok';
//   - the memory limit and a leak MOrA's risk is about survive the CRD's schema (in the condition message) and read
//     back as the same statement; other risk targets than the editor's send the workload to be computed locally.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { riskBrief } from '../../src/core/advice-text';
import type { Recommendation } from '../../src/core/recommendation';
import { ClusterDataSource } from '../../src/data/cluster';
import { VpaReader } from '../../src/data/kube/vpa-reader';
import { CONFIRMED_CONDITION, vpaStatusFor, type VpaObject } from '../../src/data/kube/vpa-status';
import { VpaWriter } from '../../src/data/kube/vpa-writer';
import { InClusterRecommendations } from '../../src/views/in-cluster';
import { ControlPlane } from '../harness/control-plane';
import { until } from '../harness/wait';

type Json = Record<string, unknown>;
const repo = path.resolve(__dirname, '..', '..');
const INSTALL = path.join(repo, 'scripts', 'install-vpa-crd.sh');
const VPA = '/apis/autoscaling.k8s.io/v1';
const Mi = 2 ** 20;

function vpaCrdFile(): string {
  const file = execFileSync('bash', [INSTALL, '--print-file'], { encoding: 'utf8' }).trim();
  if (!fs.existsSync(file)) execFileSync('bash', [INSTALL], { stdio: ['ignore', 'inherit', 'inherit'], timeout: 300_000 });
  if (!fs.existsSync(file)) throw new Error(`the VPA CRD is not cached at ${file}: run bash scripts/install-vpa-crd.sh`);
  return file;
}

/** MOrA's recommendation for one `server` container, as the engine would hand it to the writer. */
function rec(namespace: string, name: string, cpu: number, memory: number): Recommendation {
  const r = (value: number) => ({
    request: { value, lower: value * 0.8, upper: value * 1.5 }, confidence: 0.7,
    evidence: { observed: { p50: 0, p95: 0, p99: 0, max: 0, samples: 1, days: 1 }, margin: 0.1, method: 'moving-window', reason: '', completeness: 1, notes: [] },
  });
  return {
    workload: { context: 'x', namespace, kind: 'Deployment', name }, qos: 'Burstable', confidence: 0.7, generatedAt: 0,
    containers: [{ container: 'server', current: { requests: {}, limits: {} }, verdict: 'over-provisioned', confidence: 0.7, cpu: r(cpu), memory: r(memory) }],
  };
}

describe('In-cluster recommendations read back from VPA statuses on a real API server', function () {
  this.timeout(120_000);
  let cp: ControlPlane | undefined;
  const now = Date.now();
  const teams = ['shop', 'payments', 'search', 'billing', 'media'];
  const vpaPath = (ns: string, name?: string) => `${VPA}/namespaces/${ns}/verticalpodautoscalers${name ? `/${name}` : ''}`;
  const getVpa = (ns: string, name: string) => cp!.api('GET', vpaPath(ns, name)) as Promise<Json & VpaObject>;
  const vpa = (ns: string, name: string, spec: Json = {}) => ({
    apiVersion: 'autoscaling.k8s.io/v1', kind: 'VerticalPodAutoscaler', metadata: { name, namespace: ns },
    spec: { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name }, updatePolicy: { updateMode: 'Off' }, ...spec },
  });
  let beforeCrd: Awaited<ReturnType<VpaReader['read']>> | undefined;

  before(async function () {
    this.timeout(240_000);
    const crdFile = vpaCrdFile();
    cp = await ControlPlane.start();
    // No VPA CRD yet: the read says so in one line and the editor computes locally.
    beforeCrd = await new VpaReader({ kubeconfig: cp.kubeconfig }).read();
    const crds = parseAllDocuments(fs.readFileSync(crdFile, 'utf8')).map((d) => d.toJS() as Json).filter((d) => d?.kind === 'CustomResourceDefinition');
    for (const crd of crds) await cp.create(crd);
    const served = await until(() => cp!.raw('GET', VPA), (r) => r.status === 200 && JSON.stringify(r.body).includes('"verticalpodautoscalers/status"'), 30_000);
    assert.equal(served.status, 200, `${VPA} served: ${JSON.stringify(served.body)}`);
    for (const ns of teams) {
      await cp.createNamespace(ns);
      await cp.createDeployment(ns, { name: 'api', replicas: 1, containers: [{ name: 'server', image: `${ns}/api:1`, requests: { cpu: '1', memory: '1Gi' } }] });
      const created = await until(() => cp!.raw('POST', vpaPath(ns), vpa(ns, 'api', { recommenders: [{ name: 'mora' }] })), (r) => r.status === 201, 20_000);
      assert.equal(created.status, 201, JSON.stringify(created.body));
    }
    // media: its status is written 40 h ago (a run that stopped since) — stale at the default 36 h.
    // billing: MOrA's VPA that never got a status. shop/worker: the default recommender's, with a status of its own.
    await cp.createDeployment('shop', { name: 'worker', containers: [{ name: 'server', image: 'shop/worker:1', requests: { cpu: '500m', memory: '256Mi' } }] });
    await cp.api('POST', vpaPath('shop'), vpa('shop', 'worker'));
    const fresh = new VpaWriter({ kubeconfig: cp.kubeconfig, now: () => now - 3 * 3600_000 });
    const stale = new VpaWriter({ kubeconfig: cp.kubeconfig, now: () => now - 40 * 3600_000 });
    for (const [i, ns] of teams.entries()) {
      if (ns === 'billing') continue;
      const writer = ns === 'media' ? stale : fresh;
      assert.equal(await writer.writeStatus(await getVpa(ns, 'api'), (cur) => vpaStatusFor(cur, rec(ns, 'api', 0.1 + 0.05 * i, (100 + 20 * i) * Mi), now)), 'written');
    }
    await cp.api('PATCH', `${vpaPath('shop', 'worker')}/status`, {
      status: { recommendation: { containerRecommendations: [{ containerName: 'server', target: { cpu: '5m', memory: '5Mi' } }] } },
    }, { contentType: 'application/merge-patch+json' });
  });
  after(async () => {
    await cp?.stop();
  });

  it('without the VPA CRD: one line (no VerticalPodAutoscaler API), no recommendations, no error', () => {
    assert.deepEqual(beforeCrd!.recommendations, []);
    assert.match(beforeCrd!.fallback ?? '', /^no VerticalPodAutoscaler API in context "mora-real" \(the VPA CRD is not installed\); computing locally$/);
  });

  it('reads back, page by page, exactly the fresh statuses MOrA wrote, with the written numbers and their age', async () => {
    const read = await new VpaReader({ kubeconfig: cp!.kubeconfig, pageSize: 2 }).read({ now: now / 1000 });
    assert.equal(read.fallback, undefined);
    assert.ok(read.pages >= 3, `7 VPAs at 2 per page: ${read.pages} pages`);
    assert.deepEqual(read.recommendations.map((r) => r.workload.namespace).sort(), ['payments', 'search', 'shop']);
    assert.equal(read.others, 1, 'the default recommender\'s VPA, left alone');
    assert.deepEqual(read.skipped.map((s) => s.vpa).sort(), ['billing/api', 'media/api']);
    assert.match(read.skipped.find((s) => s.vpa === 'media/api')!.reason, /^stale: written 40 h ago, older than 36 h/);
    for (const r of read.recommendations) {
      const i = teams.indexOf(r.workload.namespace);
      const [c] = r.containers;
      assert.equal(c.container, 'server');
      // What the writer wrote, as quantities: millicores and Mi round-trip exactly here.
      assert.equal(c.cpu!.request.value, Math.round((0.1 + 0.05 * i) * 1000) / 1000);
      assert.equal(c.memory!.request.value, (100 + 20 * i) * Mi);
      assert.ok(c.cpu!.request.lower <= c.cpu!.request.value && c.cpu!.request.value <= c.cpu!.request.upper);
      assert.ok(c.memory!.request.lower < c.memory!.request.value && c.memory!.request.value < c.memory!.request.upper);
      assert.equal(r.confidence, 0.7);
      assert.equal(r.origin?.writtenAt, Math.floor((now - 3 * 3600_000) / 1000));
      assert.match(c.cpu!.evidence.reason, /^in-cluster \(VPA status, written 3 h ago\)/);
    }
    const stamped = (await getVpa('shop', 'api')).status?.conditions?.find((c) => c.type === CONFIRMED_CONDITION);
    assert.equal(stamped?.status, 'True', 'the stamp survives the CRD\'s schema (not pruned)');
    // A longer limit takes the stale one too.
    const lenient = await new VpaReader({ kubeconfig: cp!.kubeconfig }).read({ now: now / 1000, maxAgeHours: 48 });
    assert.deepEqual(lenient.recommendations.map((r) => r.workload.namespace).sort(), ['media', 'payments', 'search', 'shop']);
  });

  it('the cluster data source (the extension with mora.dataSource = cluster) gives the same', async () => {
    const source = new ClusterDataSource({ kubeconfig: cp!.kubeconfig, prometheusUrl: 'http://127.0.0.1:9' });
    const read = await source.inClusterRecommendations('mora-real', { maxAgeHours: 36 });
    assert.deepEqual(read.recommendations.map((r) => `${r.workload.context}/${r.workload.namespace}/${r.workload.kind}/${r.workload.name}`).sort(),
      ['mora-real/payments/Deployment/api', 'mora-real/search/Deployment/api', 'mora-real/shop/Deployment/api']);
  });

  it('a ServiceAccount without "list" on verticalpodautoscalers: the RBAC fallback line, not an error', async () => {
    await cp!.createNamespace('dev');
    await cp!.createServiceAccount('dev', 'viewer');
    await cp!.createRole(undefined, 'workload-viewer', [
      { apiGroups: [''], resources: ['namespaces'], verbs: ['list'] },
      { apiGroups: ['apps'], resources: ['deployments'], verbs: ['list'] },
    ]);
    await cp!.bind(undefined, 'workload-viewer', { kind: 'ClusterRole', name: 'workload-viewer' }, ['serviceaccount:dev:viewer']);
    const kubeconfig = cp!.writeKubeconfig([{ name: 'dev', credentials: await cp!.serviceAccountCredentials('dev', 'viewer') }], 'viewer');
    const read = await new VpaReader({ kubeconfig }).read();
    assert.deepEqual(read.recommendations, []);
    assert.equal(read.fallback, 'in-cluster recommendations not readable in context "dev" (RBAC: no "list" on verticalpodautoscalers.autoscaling.k8s.io); computing locally');
    const viaSource = await new ClusterDataSource({ kubeconfig, prometheusUrl: 'http://127.0.0.1:9' }).inClusterRecommendations('dev', { maxAgeHours: 36 });
    assert.equal(viaSource.fallback, read.fallback);
  });

  it('a status with memory only (controlledResources) and without the sidecar: partial and named, not ok', async () => {
    await cp!.createNamespace('edge');
    await cp!.createDeployment('edge', { name: 'api', replicas: 1, containers: [
      { name: 'server', image: 'edge/api:1', requests: { cpu: '200m', memory: '300Mi' } },
      { name: 'istio-proxy', image: 'istio/proxyv2:1', requests: { cpu: '100m', memory: '128Mi' } },
    ] });
    const created = await until(() => cp!.raw('POST', vpaPath('edge'), vpa('edge', 'api', {
      recommenders: [{ name: 'mora' }], resourcePolicy: { containerPolicies: [{ containerName: 'server', controlledResources: ['memory'] }] },
    })), (r) => r.status === 201, 20_000);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    // MOrA's writer leaves CPU out itself (the policy), and has nothing for istio-proxy (rec() sizes 'server' only).
    const writer = new VpaWriter({ kubeconfig: cp!.kubeconfig, now: () => now - 3600_000 });
    assert.equal(await writer.writeStatus(await getVpa('edge', 'api'), (cur) => vpaStatusFor(cur, rec('edge', 'api', 0.2, 300 * Mi), now)), 'written');
    const stored = (await getVpa('edge', 'api')).status?.recommendation?.containerRecommendations;
    assert.deepEqual(stored?.map((c) => [c.containerName, Object.keys(c.target)]), [['server', ['memory']]], 'what the API server kept');
    const source = new ClusterDataSource({ kubeconfig: cp!.kubeconfig, prometheusUrl: 'http://127.0.0.1:9' });
    const read = await source.inClusterRecommendations('mora-real', { maxAgeHours: 36 });
    const { fromCluster } = new InClusterRecommendations(read).split('edge', await source.workloads('mora-real', 'edge'));
    const [server, proxy] = fromCluster[0].containers;
    assert.deepEqual([[server.container, server.verdict], [proxy.container, proxy.verdict]], [['server', 'partial'], ['istio-proxy', 'no-data']]);
    assert.equal(server.memory!.request.value, 300 * Mi);
    assert.match(server.unsized![0].reason, /controlledResources to \[memory\], so MOrA writes no CPU value/);
    assert.match(proxy.unsized![0].reason, /^not in VPA edge\/api's status.recommendation.containerRecommendations: MOrA's last run had no CPU or memory value/);
  });

  it('a leaking memory with its limit: the written status is kept by the CRD and reads back as the same statement', async () => {
    await cp!.createNamespace('leaky');
    await cp!.createDeployment('leaky', { name: 'api', replicas: 1, containers: [{ name: 'server', image: 'leaky/api:1', requests: { cpu: '200m', memory: '300Mi' } }] });
    const created = await until(() => cp!.raw('POST', vpaPath('leaky'), vpa('leaky', 'api', { recommenders: [{ name: 'mora' }] })), (r) => r.status === 201, 20_000);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    // As the engine sizes the demo's recommendationservice: OOM kill in ≈5 days at the 467Mi limit, the request 376Mi.
    const local = rec('leaky', 'api', 0.12, 376 * Mi);
    const [c] = local.containers;
    c.cpu!.evidence.risk = { measure: 'exceedance', target: 0.05, expected: 0.03675213675213675, calibrationDays: 13 };
    c.memory = { ...c.memory!, limit: { value: 467 * Mi, lower: 400 * Mi, upper: 500 * Mi },
      evidence: { ...c.memory!.evidence, risk: { measure: 'oom-days', target: 0.01, expected: 0.1962336298949877, calibrationDays: 13, leak: { perDay: 14468312.443042468, daysToLimit: 5.095966479013507 } } } };
    const writer = new VpaWriter({ kubeconfig: cp!.kubeconfig, now: () => now - 3600_000 });
    assert.equal(await writer.writeStatus(await getVpa('leaky', 'api'), (cur) => vpaStatusFor(cur, local, now)), 'written');
    const stored = (await getVpa('leaky', 'api')).status;
    assert.match(stored?.conditions?.find((x) => x.type === 'RecommendationProvided')?.message ?? '', /leak 14468312\.443042468\/day 5\.095966479013507d;.*; limit server: memory 467Mi\)$/, 'what the API server kept');
    const source = new ClusterDataSource({ kubeconfig: cp!.kubeconfig, prometheusUrl: 'http://127.0.0.1:9' });
    const read = await source.inClusterRecommendations('mora-real', { maxAgeHours: 36 });
    const workloads = await source.workloads('mora-real', 'leaky');
    const { fromCluster } = new InClusterRecommendations(read).split('leaky', workloads, { cpu: 0.05, memory: 0.01 });
    const [server] = fromCluster[0].containers;
    assert.equal(riskBrief(server), riskBrief(c));
    assert.equal(riskBrief(server), 'cpu request exceeded ≈3.7% of the time (target ≤5%) · OOM kill in ≈5 days at limit 467Mi (a leak; target ≤1 in 100)');
    const stricter = new InClusterRecommendations(read).split('leaky', workloads, { cpu: 0.01, memory: 0.01 });
    assert.deepEqual([stricter.fromCluster.length, stricter.toCompute.map((w) => w.name)], [0, ['api']], 'sized to 5%, the setting asks 1%: computed locally');
  });
});
