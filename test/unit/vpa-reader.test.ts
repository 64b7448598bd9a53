// Reading MOrA's in-cluster recommendations back from VPA statuses (src/data/kube/vpa-recommendation.ts), the freshness
// stamp the writer adds (vpa-status.ts withConfirmation), and how the tree and the lenses say where the numbers came from.
import { strict as assert } from 'node:assert';
import { verdictLabel } from '../../src/core/advice-text';
import { ageText, originBrief } from '../../src/core/origin-text';
import type { ContainerRecommendation, Recommendation, ResourceRecommendation } from '../../src/core/recommendation';
import type { Workload } from '../../src/core/workload';
import { DemoDataSource } from '../../src/data/demo';
import { KubeError } from '../../src/data/kube/errors';
import { recommendationFromVpa, recommendationsFromVpas, withCurrent } from '../../src/data/kube/vpa-recommendation';
import { fallbackReason } from '../../src/data/kube/vpa-reader';
import { CONFIRMED_CONDITION, CONFIRM_REFRESH_MS, MORA_REASON, apiTime, vpaStatusFor, vpaStatusWithout, withConfirmation, type VpaObject, type VpaStatus } from '../../src/data/kube/vpa-status';
import { sameStatus } from '../../src/data/kube/vpa-writer';
import { InClusterRecommendations } from '../../src/views/in-cluster';
import { manifestView } from '../../src/views/manifest-lens-model';
import { ClusterTreeModel, type TreeNode } from '../../src/views/tree-model';

const Mi = 2 ** 20;
const NOW = Date.UTC(2026, 10, 29, 12) / 1000;
const canonicalEq = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function vpa(name: string, status?: VpaStatus, spec: Partial<VpaObject['spec']> = {}, namespace = 'shop'): VpaObject {
  return {
    apiVersion: 'autoscaling.k8s.io/v1', kind: 'VerticalPodAutoscaler', metadata: { name, namespace },
    spec: { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name }, recommenders: [{ name: 'mora' }], ...spec },
    ...(status ? { status } : {}),
  };
}

/** A status as MOrA's writer leaves it, stamped `hoursAgo` before NOW. */
function moraStatus(hoursAgo: number, containers: Array<{ name: string; cpu?: [string, string, string]; memory?: [string, string, string] }>): VpaStatus {
  const at = apiTime((NOW - hoursAgo * 3600) * 1000);
  const res = (i: number, c: (typeof containers)[number]) => ({ ...(c.cpu ? { cpu: c.cpu[i] } : {}), ...(c.memory ? { memory: c.memory[i] } : {}) });
  return {
    recommendation: {
      containerRecommendations: containers.map((c) => ({ containerName: c.name, lowerBound: res(0, c), target: res(1, c), upperBound: res(2, c), uncappedTarget: res(1, c) })),
    },
    conditions: [
      { type: 'RecommendationProvided', status: 'True', lastTransitionTime: apiTime((NOW - 100 * 3600) * 1000), reason: MORA_REASON, message: 'MOrA recommended 1 container(s) of Deployment api (moving-window; confidence 0.82)' },
      { type: CONFIRMED_CONDITION, status: 'True', lastTransitionTime: at, reason: 'MOrARun', message: '' },
    ],
  };
}

const workload = (name: string, containers: Array<[string, number, number]>): Workload => ({
  context: 'prod', namespace: 'shop', kind: 'Deployment', name, replicas: 2,
  containers: containers.map(([n, cpu, memory]) => ({ name: n, resources: { requests: { cpu, memory }, limits: {} } })),
});

describe('in-cluster recommendations: reading VPA statuses MOrA wrote', () => {
  it('maps target → the recommended request and lowerBound / upperBound → its bounds, per container', () => {
    const v = vpa('api', moraStatus(3, [
      { name: 'server', cpu: ['80m', '120m', '300m'], memory: ['100Mi', '200Mi', '400Mi'] },
      { name: 'envoy', cpu: ['10m', '20m', '40m'] },
    ]));
    const r = recommendationFromVpa(v, { context: 'prod', now: NOW, maxAgeHours: 36 });
    assert.ok('recommendation' in r, JSON.stringify(r));
    const rec = r.recommendation;
    assert.deepEqual(rec.workload, { context: 'prod', namespace: 'shop', kind: 'Deployment', name: 'api' });
    assert.deepEqual(rec.containers.map((c) => c.container), ['server', 'envoy']);
    const [server, envoy] = rec.containers;
    assert.deepEqual(server.cpu!.request, { value: 0.12, lower: 0.08, upper: 0.3 });
    assert.deepEqual(server.memory!.request, { value: 200 * Mi, lower: 100 * Mi, upper: 400 * Mi });
    assert.equal(envoy.memory, undefined, 'a resource the VPA does not recommend stays absent');
    assert.equal(rec.confidence, 0.82, 'the confidence MOrA\'s condition states');
    assert.deepEqual(rec.origin, { kind: 'in-cluster', vpa: 'shop/api', writtenAt: NOW - 3 * 3600 });
    assert.equal(rec.generatedAt, NOW - 3 * 3600);
    assert.match(server.cpu!.evidence.reason, /^in-cluster \(VPA status, written 3 h ago\)/);
    assert.match(server.cpu!.evidence.reason, /moving-window/);
  });

  it('ignores a status older than maxAgeHours, by MOrA\'s stamp (else RecommendationProvided\'s time)', () => {
    const fresh = recommendationFromVpa(vpa('api', moraStatus(35.9, [{ name: 'server', cpu: ['1m', '2m', '3m'] }])), { context: 'prod', now: NOW, maxAgeHours: 36 });
    assert.ok('recommendation' in fresh);
    const stale = recommendationFromVpa(vpa('api', moraStatus(36.5, [{ name: 'server', cpu: ['1m', '2m', '3m'] }])), { context: 'prod', now: NOW, maxAgeHours: 36 });
    assert.ok('skip' in stale);
    assert.match(stale.skip.reason, /^stale: written 37 h ago, older than 36 h/);
    // Written before the stamp existed: it ages from its last transition (100 h ago here) — stale at 36 h, used at 200 h.
    const old = moraStatus(1, [{ name: 'server', cpu: ['1m', '2m', '3m'] }]);
    old.conditions = old.conditions!.filter((c) => c.type !== CONFIRMED_CONDITION);
    assert.ok('skip' in recommendationFromVpa(vpa('api', old), { context: 'prod', now: NOW, maxAgeHours: 36 }));
    assert.ok('recommendation' in recommendationFromVpa(vpa('api', old), { context: 'prod', now: NOW, maxAgeHours: 200 }));
  });

  it('skips, with a reason, what is not MOrA\'s or is malformed — never throws', () => {
    const skip = (v: VpaObject) => {
      const r = recommendationFromVpa(v, { context: 'prod', now: NOW, maxAgeHours: 36 });
      assert.ok('skip' in r, JSON.stringify(r));
      return r.skip.reason;
    };
    const ok = () => moraStatus(1, [{ name: 'server', cpu: ['1m', '2m', '3m'] }]);
    assert.match(skip(vpa('api', ok(), { recommenders: [{ name: 'other' }] })), /not MOrA's/);
    assert.match(skip(vpa('api', ok(), { recommenders: undefined })), /not MOrA's/);
    assert.match(skip(vpa('api', undefined)), /no recommendation written by MOrA/);
    const notProvided = ok();
    notProvided.conditions![0] = { ...notProvided.conditions![0], status: 'False', reason: 'NoMetrics' };
    assert.match(skip(vpa('api', notProvided)), /no recommendation written by MOrA/);
    const badQuantity = ok();
    badQuantity.recommendation!.containerRecommendations[0].target.cpu = 'lots';
    assert.match(skip(vpa('api', badQuantity)), /malformed container server/);
    const noName = ok();
    (noName.recommendation!.containerRecommendations[0] as { containerName?: string }).containerName = undefined;
    assert.match(skip(vpa('api', noName)), /without containerName/);
    const empty = ok();
    empty.recommendation = { containerRecommendations: [] };
    assert.match(skip(vpa('api', empty)), /no containerRecommendations/);
    const noList = ok();
    (noList as { recommendation?: unknown }).recommendation = { containerRecommendations: 'x' };
    assert.match(skip(vpa('api', noList)), /no containerRecommendations/);
    const badTime = ok();
    for (const c of badTime.conditions!) c.lastTransitionTime = 'yesterday';
    assert.match(skip(vpa('api', badTime)), /no time/);
    assert.match(skip(vpa('api', ok(), { targetRef: undefined })), /no spec.targetRef/);
    assert.match(skip(vpa('api', ok(), { targetRef: { kind: 'CloneSet', name: 'api' } })), /kind CloneSet/);
    assert.match(skip({ metadata: {} } as VpaObject), /no name or namespace/);
  });

  it('a listing: others counted, skips kept, the newest of two MOrA VPAs on one target wins', () => {
    const out = recommendationsFromVpas([
      vpa('api', moraStatus(5, [{ name: 'server', cpu: ['1m', '2m', '3m'] }])),
      vpa('api-2', moraStatus(1, [{ name: 'server', cpu: ['4m', '5m', '6m'] }]), { targetRef: { kind: 'Deployment', name: 'api' } }),
      vpa('worker', moraStatus(1, [{ name: 'w', memory: ['1Mi', '2Mi', '3Mi'] }]), { recommenders: undefined }),
      vpa('old', moraStatus(99, [{ name: 'w', memory: ['1Mi', '2Mi', '3Mi'] }])),
    ], { context: 'prod', now: NOW, maxAgeHours: 36 });
    assert.equal(out.others, 1);
    assert.deepEqual(out.skipped.map((s) => s.vpa), ['shop/old']);
    assert.equal(out.recommendations.length, 1);
    assert.equal(out.recommendations[0].containers[0].cpu!.request.value, 0.005);
  });

  it('a VPA targeting an Argo Rollout maps to the Rollout, apart from a Deployment of the same name', () => {
    const rollout = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'api' };
    const out = recommendationsFromVpas([
      vpa('api', moraStatus(2, [{ name: 'server', cpu: ['1m', '2m', '3m'] }])),
      vpa('api-ro', moraStatus(2, [{ name: 'server', cpu: ['4m', '5m', '6m'] }]), { targetRef: rollout }),
    ], { context: 'prod', now: NOW, maxAgeHours: 36 });
    assert.deepEqual(out.skipped, []);
    assert.deepEqual(out.recommendations.map((r) => [`${r.workload.kind}/${r.workload.name}`, r.containers[0].cpu!.request.value]).sort(), [['Deployment/api', 0.002], ['Rollout/api', 0.005]]);
  });

  it('against the workload as it runs: current requests, verdicts, containers it no longer has dropped', () => {
    const r = recommendationFromVpa(vpa('api', moraStatus(1, [
      { name: 'server', cpu: ['80m', '100m', '200m'], memory: ['100Mi', '200Mi', '400Mi'] },
      { name: 'gone', cpu: ['1m', '2m', '3m'] },
    ])), { context: 'prod', now: NOW, maxAgeHours: 36 });
    assert.ok('recommendation' in r);
    const at = (cpu: number, memory: number) => withCurrent(r.recommendation, workload('api', [['server', cpu, memory]]));
    assert.deepEqual(at(1, 1024 * Mi).containers.map((c) => c.container), ['server']);
    assert.deepEqual(at(1, 1024 * Mi).containers[0].current.requests, { cpu: 1, memory: 1024 * Mi });
    assert.equal(at(1, 1024 * Mi).containers[0].verdict, 'over-provisioned');
    assert.equal(at(0.05, 256 * Mi).containers[0].verdict, 'under-provisioned', 'cpu below the lower bound');
    assert.equal(at(0.1, 50 * Mi).containers[0].verdict, 'under-provisioned', 'memory below the lower bound');
    assert.equal(at(0.12, 256 * Mi).containers[0].verdict, 'ok');
  });

  it('splits a namespace: in-cluster where MOrA wrote one, the rest to compute locally', () => {
    const read = recommendationsFromVpas([vpa('api', moraStatus(2, [{ name: 'server', cpu: ['1m', '2m', '3m'] }]))], { context: 'prod', now: NOW, maxAgeHours: 36 });
    const idx = new InClusterRecommendations({ ...read, pages: 1 });
    const { fromCluster, toCompute } = idx.split('shop', [workload('api', [['server', 1, Mi]]), workload('cart', [['server', 1, Mi]])]);
    assert.deepEqual(fromCluster.map((r) => r.workload.name), ['api']);
    assert.deepEqual(toCompute.map((w) => w.name), ['cart']);
    // A workload whose containers were all renamed since: computed locally.
    assert.equal(idx.split('shop', [workload('api', [['app', 1, Mi]])]).toCompute.length, 1);
  });

  it('a container whose status lacks CPU or memory reads partial, never ok, saying which is missing and why', () => {
    // envoy: MOrA's run had no memory value; server: the container policy controls memory only, so no CPU is written.
    const v = vpa('api', moraStatus(1, [
      { name: 'server', memory: ['100Mi', '200Mi', '400Mi'] },
      { name: 'envoy', cpu: ['10m', '20m', '40m'] },
    ]), { resourcePolicy: { containerPolicies: [{ containerName: 'server', controlledResources: ['memory'] }] } });
    const r = recommendationFromVpa(v, { context: 'prod', now: NOW, maxAgeHours: 36 });
    assert.ok('recommendation' in r, JSON.stringify(r));
    // Requests that fit what is there: before, both read 'ok'.
    const fitted = withCurrent(r.recommendation, workload('api', [['server', 0.1, 200 * Mi], ['envoy', 0.02, 64 * Mi]]));
    const [server, envoy] = fitted.containers;
    assert.deepEqual(fitted.containers.map((c) => [c.container, c.verdict]), [['server', 'partial'], ['envoy', 'partial']]);
    assert.deepEqual(server.unsized!.map((u) => u.resource), ['cpu']);
    assert.match(server.unsized![0].reason, /^not in VPA shop\/api's status: its container policy limits controlledResources to \[memory\], so MOrA writes no CPU value/);
    assert.deepEqual(envoy.unsized!.map((u) => u.resource), ['memory']);
    assert.match(envoy.unsized![0].reason, /^not in VPA shop\/api's status: MOrA's last run had no memory value for this container \(too few usage samples yet/);
    assert.match(verdictLabel(envoy, true), /^partial \(no memory value: not in VPA shop\/api's status: MOrA's last run had no memory value/);
    // Without the workload (no requests to compare) too; a real finding still wins over partial.
    assert.deepEqual(r.recommendation.containers.map((c) => c.verdict), ['partial', 'partial']);
    assert.equal(withCurrent(r.recommendation, workload('api', [['server', 1, 200 * Mi], ['envoy', 1, 64 * Mi]])).containers[1].verdict, 'over-provisioned');
    // A container with both resources has nothing unsized and reads ok as before.
    const both = recommendationFromVpa(vpa('api', moraStatus(1, [{ name: 'server', cpu: ['80m', '100m', '200m'], memory: ['100Mi', '200Mi', '400Mi'] }])), { context: 'prod', now: NOW, maxAgeHours: 36 });
    assert.ok('recommendation' in both);
    const [whole] = withCurrent(both.recommendation, workload('api', [['server', 0.12, 256 * Mi]])).containers;
    assert.equal(whole.verdict, 'ok');
    assert.equal(whole.unsized, undefined);
  });

  it('a container the workload runs but the status does not list is named with why, not dropped', () => {
    const status = moraStatus(1, [{ name: 'server', cpu: ['80m', '100m', '200m'], memory: ['100Mi', '200Mi', '400Mi'] }]);
    const runs = workload('api', [['server', 0.12, 256 * Mi], ['istio-proxy', 0.1, 128 * Mi]]);
    const r = recommendationFromVpa(vpa('api', status), { context: 'prod', now: NOW, maxAgeHours: 36 });
    assert.ok('recommendation' in r);
    const mapped = withCurrent(r.recommendation, runs);
    assert.deepEqual(mapped.containers.map((c) => [c.container, c.verdict]), [['server', 'ok'], ['istio-proxy', 'no-data']]);
    const proxy = mapped.containers[1];
    assert.deepEqual(proxy.current.requests, { cpu: 0.1, memory: 128 * Mi });
    assert.equal(proxy.cpu ?? proxy.memory, undefined);
    assert.deepEqual(proxy.unsized!.map((u) => u.resource), ['cpu', 'memory']);
    assert.match(proxy.unsized![0].reason, /^not in VPA shop\/api's status.recommendation.containerRecommendations: MOrA's last run had no CPU or memory value for this container/);
    // Given the workload while reading (the listing's lookup), the same.
    const read = recommendationFromVpa(vpa('api', status), { context: 'prod', now: NOW, maxAgeHours: 36, workload: runs });
    assert.ok('recommendation' in read);
    assert.deepEqual(read.recommendation.containers.map((c) => [c.container, c.verdict]), [['server', 'ok'], ['istio-proxy', 'no-data']]);
    // The VPA turns the sidecar off (mode Off): that is the reason given, by name or by '*' (a policy of its own wins).
    for (const policies of [[{ containerName: 'istio-proxy', mode: 'Off' }], [{ containerName: '*', mode: 'Off' }, { containerName: 'server', mode: 'Auto' }]]) {
      const off = recommendationFromVpa(vpa('api', status, { resourcePolicy: { containerPolicies: policies } }), { context: 'prod', now: NOW, maxAgeHours: 36 });
      assert.ok('recommendation' in off);
      const [s, p] = withCurrent(off.recommendation, runs).containers;
      assert.equal(s.unsized, undefined);
      assert.match(p.unsized![0].reason, /^not in VPA shop\/api's status: its container policy has mode Off, so MOrA writes no recommendation for this container$/);
    }
    // The split keeps it in-cluster (server has values) and the sidecar is in it.
    const idx = new InClusterRecommendations({ ...recommendationsFromVpas([vpa('api', status)], { context: 'prod', now: NOW, maxAgeHours: 36 }), pages: 1 });
    const { fromCluster } = idx.split('shop', [runs]);
    assert.deepEqual(fromCluster[0].containers.map((c) => c.container), ['server', 'istio-proxy']);
  });

  it('a listed container with neither target is named as no-data; a status with no value at all is skipped', () => {
    const status = moraStatus(1, [{ name: 'server', cpu: ['80m', '100m', '200m'], memory: ['100Mi', '200Mi', '400Mi'] }, { name: 'empty' }]);
    const r = recommendationFromVpa(vpa('api', status), { context: 'prod', now: NOW, maxAgeHours: 36 });
    assert.ok('recommendation' in r);
    const empty = r.recommendation.containers.find((c) => c.container === 'empty')!;
    assert.equal(empty.verdict, 'no-data');
    assert.deepEqual(empty.unsized!.map((u) => u.resource), ['cpu', 'memory']);
    const none = recommendationFromVpa(vpa('api', moraStatus(1, [{ name: 'empty' }])), { context: 'prod', now: NOW, maxAgeHours: 36 });
    assert.ok('skip' in none);
    assert.match(none.skip.reason, /no container with a cpu or memory target/);
  });

  it('RBAC denial and a missing CRD fall back with one line', () => {
    assert.equal(fallbackReason(new KubeError('cannot list', 'forbidden', 403), 'prod'),
      'in-cluster recommendations not readable in context "prod" (RBAC: no "list" on verticalpodautoscalers.autoscaling.k8s.io); computing locally');
    assert.equal(fallbackReason(new KubeError('404 page not found', 'not-found', 404), 'prod'),
      'no VerticalPodAutoscaler API in context "prod" (the VPA CRD is not installed); computing locally');
    assert.match(fallbackReason(new Error('ECONNREFUSED\nstack'), 'prod'), /^in-cluster recommendations unavailable in context "prod" \(ECONNREFUSED\); computing locally$/);
  });

  it('ages read as a person says them', () => {
    assert.equal(ageText(NOW - 30, NOW), '1 min ago');
    assert.equal(ageText(NOW - 25 * 60, NOW), '25 min ago');
    assert.equal(ageText(NOW - 3 * 3600, NOW), '3 h ago');
    assert.equal(ageText(NOW - 50 * 3600, NOW), '2 d ago');
  });
});

describe('in-cluster recommendations: the writer\'s freshness stamp', () => {
  const rec = (cpu: number): Recommendation => ({
    workload: { context: 'c', namespace: 'shop', kind: 'Deployment', name: 'api' }, qos: 'Burstable', confidence: 0.8, generatedAt: 0,
    containers: [{ container: 'server', current: { requests: {}, limits: {} }, verdict: 'ok', confidence: 0.8, cpu: {
      request: { value: cpu, lower: cpu / 2, upper: cpu * 2 }, confidence: 0.8,
      evidence: { observed: { p50: 0, p95: 0, p99: 0, max: 0, samples: 1, days: 1 }, margin: 0, method: 'moving-window', reason: '', completeness: 1, notes: [] },
    } satisfies ResourceRecommendation } satisfies ContainerRecommendation],
  });
  const T0 = NOW * 1000;

  it('is added with a recommendation, kept within the hour (a rerun writes nothing), renewed after', () => {
    const v = vpa('api');
    const first = withConfirmation(v.status, vpaStatusFor(v, rec(0.1), T0), T0, canonicalEq);
    const stamp = first.conditions!.find((c) => c.type === CONFIRMED_CONDITION)!;
    assert.equal(stamp.lastTransitionTime, apiTime(T0));
    assert.equal(first.conditions![0].type, 'RecommendationProvided', 'RecommendationProvided stays first');
    const stored = { ...v, status: first };
    const rerun = withConfirmation(first, vpaStatusFor(stored, rec(0.1), T0 + 10 * 60_000), T0 + 10 * 60_000, canonicalEq);
    assert.ok(sameStatus(first, rerun), 'a rerun within the hour: nothing to write');
    const daily = withConfirmation(first, vpaStatusFor(stored, rec(0.1), T0 + CONFIRM_REFRESH_MS + 1000), T0 + CONFIRM_REFRESH_MS + 1000, canonicalEq);
    assert.ok(!sameStatus(first, daily), 'the next day\'s run renews the stamp');
    assert.equal(daily.conditions!.find((c) => c.type === CONFIRMED_CONDITION)!.lastTransitionTime, apiTime(T0 + CONFIRM_REFRESH_MS + 1000));
    const changed = withConfirmation(first, vpaStatusFor(stored, rec(0.2), T0 + 60_000), T0 + 60_000, canonicalEq);
    assert.equal(changed.conditions!.find((c) => c.type === CONFIRMED_CONDITION)!.lastTransitionTime, apiTime(T0 + 60_000), 'new numbers: new stamp');
  });

  it('is not renewed when MOrA has no recommendation, so the old one ages out', () => {
    const v = vpa('api');
    const first = withConfirmation(v.status, vpaStatusFor(v, rec(0.1), T0), T0, canonicalEq);
    const later = T0 + 40 * 3600_000;
    const without = withConfirmation(first, vpaStatusWithout({ ...v, status: first }, 'NoMetrics', 'no samples', later), later, canonicalEq);
    assert.equal(without.conditions!.find((c) => c.type === CONFIRMED_CONDITION)!.lastTransitionTime, apiTime(T0));
    const stored = vpa('api', { ...first, conditions: without.conditions });
    const r = recommendationFromVpa(stored, { context: 'c', now: later / 1000, maxAgeHours: 36 });
    assert.ok('skip' in r, 'RecommendationProvided False: not shown');
  });

  it('round trip: what the writer writes, the reader reads back as the same numbers', () => {
    const v = vpa('api');
    const status = withConfirmation(v.status, vpaStatusFor(v, rec(0.25), T0), T0, canonicalEq);
    const r = recommendationFromVpa({ ...v, status }, { context: 'c', now: NOW + 3 * 3600, maxAgeHours: 36 });
    assert.ok('recommendation' in r, JSON.stringify(r));
    assert.deepEqual(r.recommendation.containers[0].cpu!.request, { value: 0.25, lower: 0.125, upper: 0.5 });
    assert.equal(r.recommendation.confidence, 0.8);
    assert.equal(originBrief(r.recommendation.origin!, NOW + 3 * 3600), 'in-cluster, 3 h ago');
  });

  it('round trip of the risk: the message states each container\'s targets and expected risks, the reader reads them back', () => {
    const v = vpa('api');
    const withRisk = rec(0.25);
    const c = withRisk.containers[0];
    c.cpu!.evidence.risk = { measure: 'exceedance', target: 0.05, expected: 0.00933, calibrationDays: 14 };
    c.memory = { request: { value: 256 * Mi, lower: 200 * Mi, upper: 300 * Mi }, limit: { value: 256 * Mi, lower: 256 * Mi, upper: 256 * Mi }, confidence: 0.8,
      evidence: { ...c.cpu!.evidence, risk: { measure: 'oom-days', target: 0.01, expected: 0.0075, calibrationDays: 14 } } };
    const status = withConfirmation(v.status, vpaStatusFor(v, withRisk, T0), T0, canonicalEq);
    const message = status.conditions!.find((x) => x.type === 'RecommendationProvided')!.message;
    assert.equal(message, 'MOrA recommended 1 container(s) of Deployment api (moving-window; confidence 0.80; '
      + 'risk server: cpu expected 0.00933 target 0.05 calibrated 14d, memory expected 0.0075 target 0.01 calibrated 14d; interval server: cpu 125m..500m, memory 200Mi..300Mi; '
      + 'limit server: memory 256Mi)');
    const r = recommendationFromVpa({ ...v, status }, { context: 'c', now: NOW + 3 * 3600, maxAgeHours: 36 });
    assert.ok('recommendation' in r, JSON.stringify(r));
    const [server] = r.recommendation.containers;
    assert.deepEqual(server.cpu!.evidence.risk, { measure: 'exceedance', target: 0.05, expected: 0.00933, calibrationDays: 14 });
    assert.deepEqual(server.memory!.evidence.risk, { measure: 'oom-days', target: 0.01, expected: 0.0075, calibrationDays: 14 });
    assert.deepEqual(server.memory!.limit, { value: 256 * Mi, lower: 256 * Mi, upper: 256 * Mi }, 'the limit the OOM days are at');
    assert.equal(server.cpu!.limit, undefined, 'no CPU limit written, none read');
    assert.equal(r.recommendation.confidence, 0.8);
    assert.match(server.cpu!.evidence.reason, /moving-window$/, 'the method is read as before');
  });

  it('an older message (no risk part) reads as before; one without a confidence gets none made up', () => {
    const old = recommendationFromVpa(vpa('api', moraStatus(3, [{ name: 'server', cpu: ['80m', '120m', '300m'] }])), { context: 'c', now: NOW, maxAgeHours: 36 });
    assert.ok('recommendation' in old);
    assert.equal(old.recommendation.confidence, 0.82);
    assert.equal(old.recommendation.containers[0].cpu!.evidence.risk, undefined);
    const status = moraStatus(3, [{ name: 'server', cpu: ['80m', '120m', '300m'] }]);
    status.conditions![0].message = 'MOrA recommended 1 container(s) of Deployment api';
    const bare = recommendationFromVpa(vpa('api', status), { context: 'c', now: NOW, maxAgeHours: 36 });
    assert.ok('recommendation' in bare);
    assert.ok(Number.isNaN(bare.recommendation.confidence), `confidence ${bare.recommendation.confidence}, not a default`);
    assert.ok(Number.isNaN(bare.recommendation.containers[0].cpu!.confidence));
  });
});

describe('in-cluster recommendations: what the tree and the lenses say', () => {
  const source = new DemoDataSource();
  const now = Date.now() / 1000;
  const read = (name: string): Recommendation | undefined => {
    if (name !== 'cartservice') return undefined;
    const r = recommendationFromVpa(vpa('cartservice', moraStatus(0, [{ name: 'server', cpu: ['50m', '90m', '200m'], memory: ['40Mi', '60Mi', '120Mi'] }])),
      { context: 'demo', now: NOW, maxAgeHours: 36 });
    assert.ok('recommendation' in r);
    return { ...r.recommendation, origin: { ...r.recommendation.origin!, writtenAt: now - 3 * 3600 } };
  };

  async function expand(model: ClusterTreeModel, path: string[]): Promise<TreeNode[]> {
    let nodes = await model.children();
    for (const label of path) nodes = await model.children(nodes.find((n) => n.label === label)!);
    return nodes;
  }

  it('a workload read from the cluster says "in-cluster, 3 h ago"; computed ones say nothing of it', async () => {
    const model = new ClusterTreeModel(source, { ensure: async () => 11, get: (w) => read(w.name) });
    const workloads = await expand(model, ['demo', 'shop']);
    const cart = workloads.find((w) => w.label === 'cartservice')!;
    assert.match(cart.description!, / · in-cluster, 3 h ago$/);
    assert.match(cart.tooltip!, /Recommendation: in-cluster \(VPA status, written 3 h ago\) — VPA shop\/cartservice/);
    assert.ok(workloads.filter((w) => w.label !== 'cartservice').every((w) => !/in-cluster/.test(`${w.description}${w.tooltip}`)));
    const [server] = await model.children(cart);
    assert.match(server.description!, /cpu 200m→90m · mem 64Mi→60Mi/);
    assert.match(server.tooltip!, /in-cluster \(VPA status, written 3 h ago\) — VPA shop\/cartservice\./);
  });

  it('a container whose VPA status has CPU only: the tree says partly sized, and why memory is missing', async () => {
    const cpuOnly = recommendationFromVpa(vpa('cartservice', moraStatus(0, [{ name: 'server', cpu: ['150m', '180m', '300m'] }])), { context: 'demo', now: NOW, maxAgeHours: 36 });
    assert.ok('recommendation' in cpuOnly);
    const running = (await source.workloads('demo', 'shop')).find((w) => w.name === 'cartservice')!;
    const model = new ClusterTreeModel(source, { ensure: async () => 11, get: (w) => (w.name === 'cartservice' ? withCurrent(cpuOnly.recommendation, running) : undefined) });
    const cart = (await expand(model, ['demo', 'shop'])).find((w) => w.label === 'cartservice')!;
    const [server] = await model.children(cart);
    assert.match(server.tooltip!, /partly sized \(CPU or memory has no value\) \(no memory value: not in VPA shop\/cartservice's status: MOrA's last run had no memory value/);
  });

  it('the CodeLens says so too', () => {
    const yaml = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: cartservice\n  namespace: shop\nspec:\n  template:\n    spec:\n      containers:\n      - name: server\n        resources:\n          requests:\n            cpu: 200m\n            memory: 64Mi\n';
    const view = manifestView(yaml, (_ns, _k, name) => read(name), 'default');
    const lens = view.lenses.find((l) => l.kind === 'container')!;
    assert.match(lens.title, /^MOrA: cpu 200m → 90m · mem 64Mi → 60Mi · risk — \(no risk stated for an in-cluster value\) · in-cluster, 3 h ago$/);
  });

  it('the risk the in-cluster run stated, not a bare confidence, in the lens, the tree and the hover', async () => {
    const status = moraStatus(0, [{ name: 'server', cpu: ['50m', '90m', '200m'], memory: ['40Mi', '60Mi', '120Mi'] }]);
    status.conditions![0].message = 'MOrA recommended 1 container(s) of Deployment cartservice (moving-window; confidence 0.82; '
      + 'risk server: cpu expected 0.009 target 0.05 calibrated 14d, memory expected 0.0075 target 0.01 calibrated 14d)';
    const r = recommendationFromVpa(vpa('cartservice', status), { context: 'demo', now: NOW, maxAgeHours: 36 });
    assert.ok('recommendation' in r);
    const stated = { ...r.recommendation, origin: { ...r.recommendation.origin!, writtenAt: now - 3 * 3600 } };
    const yaml = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: cartservice\n  namespace: shop\nspec:\n  template:\n    spec:\n      containers:\n      - name: server\n        resources:\n          requests:\n            cpu: 200m\n            memory: 64Mi\n';
    const view = manifestView(yaml, (_ns, _k, name) => (name === 'cartservice' ? stated : undefined), 'default');
    const lens = view.lenses.find((l) => l.kind === 'container')!;
    assert.equal(lens.title, 'MOrA: cpu 200m → 90m · mem 64Mi → 60Mi · cpu request exceeded ≈0.9% of the time (target ≤5%) · ≈1 OOM day in 133 at 60Mi (target ≤1 in 100) · in-cluster, 3 h ago');
    assert.match(view.hovers[0].markdown, /request exceeded ≈0\.9% of the time \(≈13 min a day\)\n(- .*\n)*- risk target ≤5% of the time \(set by MOrA's in-cluster run\)/);
    assert.doesNotMatch(view.hovers[0].markdown, /setting mora\.risk/, 'the editor\'s setting did not set these targets');
    assert.doesNotMatch(view.hovers[0].markdown, /confident/);
    const model = new ClusterTreeModel(source, { ensure: async () => 11, get: (w) => (w.name === 'cartservice' ? stated : undefined) });
    const cart = (await expand(model, ['demo', 'shop'])).find((w) => w.label === 'cartservice')!;
    assert.doesNotMatch(cart.description!, /%/);
    const [server] = await model.children(cart);
    assert.match(server.description!, /· risk 0\.9%·1\/133 \(≤5%·≤1\/100\)$/);
    assert.ok(server.tooltip!.includes('risk 0.9%·1/133 (≤5%·≤1/100): cpu request exceeded ≈0.9% of the time (target ≤5%) · ≈1 OOM day in 133 at 60Mi (target ≤1 in 100).'), server.tooltip);
    assert.doesNotMatch(server.tooltip!, /Confidence|setting mora\.risk/);
    assert.match(server.tooltip!, /Memory: ≈1 OOM day in 133 at this value; risk target ≤1 OOM day in 100 \(set by MOrA's in-cluster run\)/);
    assert.match(cart.tooltip!, /Sized to the risk targets: .* \(set by MOrA's in-cluster run\)/);
  });
});
