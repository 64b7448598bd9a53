/**
 * MOrA's in-cluster run writes a VPA status (src/data/kube/vpa-status.ts), the editor reads it back
 * (vpa-recommendation.ts): computed → written → read must say the same on every surface — the lens and the tree
 * (riskBrief, riskCell), the webview headline (containerHeadline), the hover (evidence lines) — also where the memory
 * risk is about the limit and where memory leaks. And a recommendation read from the cluster that was sized to other risk
 * targets than mora.risk.cpu / mora.risk.memory is computed locally (src/views/in-cluster.ts), not shown with the old
 * "(target ≤5%)".
 */
import { strict as assert } from 'node:assert';
import { riskBrief, riskCell, riskStatement } from '../../src/core/advice-text';
import type { Recommendation } from '../../src/core/recommendation';
import { DemoDataSource } from '../../src/data/demo';
import { recommendationFromVpa, recommendationsFromVpas, withCurrent, type InClusterRead } from '../../src/data/kube/vpa-recommendation';
import { vpaStatusFor, withConfirmation, type VpaObject } from '../../src/data/kube/vpa-status';
import type { EngineResult } from '../../src/rightsizing/engine';
import { InClusterRecommendations } from '../../src/views/in-cluster';
import { recommendSettings } from '../../src/views/recommend-settings';
import { containerHeadline, evidenceMarkdown, riskLines } from '../../src/views/recommendation-text';
import { RecommendationModel } from '../../src/views/recommendation-store';
import { demoEngineRuns } from './helpers/demo-runs';

const T0 = Date.UTC(2026, 10, 29, 12);
const canonicalEq = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The VPA naming MOrA for the recommendation's workload, with the status MOrA's run writes for it. */
function written(rec: Recommendation): VpaObject {
  const v: VpaObject = {
    apiVersion: 'autoscaling.k8s.io/v1', kind: 'VerticalPodAutoscaler', metadata: { name: rec.workload.name, namespace: rec.workload.namespace },
    spec: { targetRef: { apiVersion: 'apps/v1', kind: rec.workload.kind, name: rec.workload.name }, recommenders: [{ name: 'mora' }] },
  };
  return { ...v, status: withConfirmation(undefined, vpaStatusFor(v, rec, T0), T0, canonicalEq) };
}

/** The hover's per-resource lines (`**CPU** request …`, `**Memory** request …`). */
const resourceLines = (md: string): string[] => md.split('\n').filter((l) => /^\*\*(CPU|Memory)\*\*/.test(l));

describe('in-cluster round trip: computed → VPA status → read back says the same', function () {
  this.timeout(90000);
  let runs: EngineResult[];
  const source = new DemoDataSource();
  before(async () => {
    runs = await demoEngineRuns();
  });
  const back = async (name: string): Promise<{ local: Recommendation; read: Recommendation }> => {
    const local = runs.find((r) => r.recommendation.workload.name === name)!.recommendation;
    const r = recommendationFromVpa(written(local), { context: local.workload.context, now: T0 / 1000 + 3 * 3600, maxAgeHours: 36 });
    assert.ok('recommendation' in r, JSON.stringify(r));
    const running = (await source.workloads(local.workload.context, local.workload.namespace)).find((w) => w.name === name)!;
    return { local, read: withCurrent(r.recommendation, running) };
  };

  it('frontend: the OOM days are at the limit 48Mi read back, not at the 40Mi request', async () => {
    const { local, read } = await back('frontend');
    assert.match(riskBrief(local.containers[0]), /≈1 OOM day in 133 at limit 48Mi \(target ≤1 in 100\)/);
    assert.equal(riskBrief(read.containers[0]), riskBrief(local.containers[0]));
    assert.equal(riskStatement(read.containers[0].memory!), '≈1 OOM day in 133 at this limit');
  });

  it('recommendationservice: the leak is read back (an OOM kill in ≈5 days at the limit), not "1 OOM day in 5" at the request', async () => {
    const { local, read } = await back('recommendationservice');
    assert.match(riskBrief(local.containers[0]), /OOM kill in ≈5 days at limit 467Mi \(a leak; target ≤1 in 100\)/);
    assert.equal(riskBrief(read.containers[0]), riskBrief(local.containers[0]));
    assert.equal(riskStatement(read.containers[0].memory!), riskStatement(local.containers[0].memory!));
    assert.match(riskStatement(read.containers[0].memory!), /^OOM kill in ≈5 days at this limit: peaks grow ≈\d+Mi\/day \(a leak/);
    assert.equal(riskCell(read.containers[0]), riskCell(local.containers[0]));
  });

  it('every demo workload: lens / tree / webview / hover statements equal the locally computed ones', async () => {
    let compared = 0;
    for (const run of runs) {
      const { local, read } = await back(run.recommendation.workload.name);
      for (const c of local.containers) {
        const r = read.containers.find((x) => x.container === c.container)!;
        const where = `${local.workload.name}/${c.container}`;
        assert.equal(riskBrief(r), riskBrief(c), `${where}: lens / tree`);
        assert.equal(riskCell(r), riskCell(c), `${where}: tree risk cell`);
        assert.equal(containerHeadline(r), containerHeadline(c), `${where}: webview headline`);
        assert.deepEqual(resourceLines(evidenceMarkdown(read, r)), resourceLines(evidenceMarkdown(local, c)), `${where}: hover`);
        // The tree's tooltip names what set the targets (the in-cluster run, the settings); the statements are the same.
        const unlabelled = (lines: string[]) => lines.map((l) => l.replace(/ \((setting mora\.risk\.\w+|set by MOrA's in-cluster run)\)/, ''));
        assert.deepEqual(unlabelled(riskLines(r, read.origin)), unlabelled(riskLines(c)), `${where}: tree tooltip`);
        compared++;
      }
    }
    assert.equal(compared, 11);
  });

  it('a limit below the target read back (a minAllowed raised the target above MOrA\'s limit) is not read: no invalid limit', async () => {
    const local = runs.find((r) => r.recommendation.workload.name === 'frontend')!.recommendation;
    const v = written(local);
    const policy = { containerPolicies: [{ containerName: '*', minAllowed: { memory: '64Mi' } }] };
    const capped = { ...v, spec: { ...v.spec, resourcePolicy: policy } };
    const r = recommendationFromVpa({ ...capped, status: vpaStatusFor(capped, local, T0) }, { context: 'demo', now: T0 / 1000, maxAgeHours: 36 });
    assert.ok('recommendation' in r);
    assert.equal(r.recommendation.containers[0].memory!.request.value, 64 * 2 ** 20);
    assert.equal(r.recommendation.containers[0].memory!.limit, undefined, 'the 48Mi limit is below the 64Mi target');
  });

  it('the status stays within the VPA v1 schema: containerRecommendations hold only its five fields; the rest is in the condition message', async () => {
    const { local } = await back('recommendationservice');
    const status = written(local).status!;
    for (const c of status.recommendation!.containerRecommendations) {
      assert.deepEqual(Object.keys(c).sort(), ['containerName', 'lowerBound', 'target', 'uncappedTarget', 'upperBound']);
      for (const k of ['lowerBound', 'target', 'uncappedTarget', 'upperBound'] as const) assert.deepEqual(Object.keys(c[k]).sort(), ['cpu', 'memory']);
    }
    assert.deepEqual(Object.keys(status).sort(), ['conditions', 'recommendation']);
    for (const c of status.conditions!) assert.deepEqual(Object.keys(c).sort(), ['lastTransitionTime', 'message', 'reason', 'status', 'type']);
    const message = status.conditions!.find((c) => c.type === 'RecommendationProvided')!.message!;
    assert.match(message, /; limit server: memory 467Mi\)$/);
    assert.match(message, /memory expected [\d.e-]+ target 0\.01 calibrated \d+d leak [\d.e+]+\/day [\d.e+-]+d;/);
  });
});

/** The demo with MOrA's in-cluster statuses of its workloads as the cluster would list them, written at `T0`. */
class DemoWithStatuses extends DemoDataSource {
  constructor(private readonly statuses: readonly VpaObject[]) {
    super();
  }

  async inClusterRecommendations(context: string, options: { maxAgeHours: number }): Promise<InClusterRead> {
    const workloads = await this.workloads(context, 'shop');
    const mapped = recommendationsFromVpas(this.statuses, {
      context, now: T0 / 1000 + 3600, maxAgeHours: options.maxAgeHours,
      workloads: (_ns, kind, name) => workloads.find((w) => w.kind === kind && w.name === name),
    });
    return { ...mapped, pages: 1 };
  }
}

function storeOn(source: DemoDataSource, settings: Record<string, unknown>): RecommendationModel {
  return new RecommendationModel({
    source: () => source,
    log: { info: () => undefined, warn: () => undefined },
    settings: () => {
      const { warnings: _warnings, ...s } = recommendSettings(<T>(key: string, fallback: T) => (key in settings ? settings[key] as T : fallback));
      return s;
    },
    experiments: () => undefined,
    inClusterMaxAgeHours: () => 36,
  });
}

describe('in-cluster recommendations sized to other risk targets than the settings are computed locally', function () {
  this.timeout(90000);
  let statuses: VpaObject[];
  before(async () => {
    // The in-cluster run at the default targets (CPU ≤5% of the time, memory ≤1 OOM day in 100).
    statuses = (await demoEngineRuns()).map((r) => written(r.recommendation));
  });

  it('split: a stated target other than the setting goes to compute; the same (or no setting given) stays from the cluster', () => {
    const read = recommendationsFromVpas(statuses, { context: 'demo', now: T0 / 1000, maxAgeHours: 36 });
    const idx = new InClusterRecommendations({ ...read, pages: 1 });
    const workloads = read.recommendations.map((r) => ({ context: 'demo', namespace: 'shop', kind: r.workload.kind, name: r.workload.name, replicas: 1,
      containers: r.containers.map((c) => ({ name: c.container, resources: { requests: {}, limits: {} } })) }));
    assert.equal(idx.split('shop', workloads).fromCluster.length, 11);
    assert.equal(idx.split('shop', workloads, { cpu: 0.05, memory: 0.01 }).fromCluster.length, 11);
    const cpu = idx.split('shop', workloads, { cpu: 0.01, memory: 0.01 });
    assert.deepEqual([cpu.fromCluster.length, cpu.toCompute.length], [0, 11]);
    const memory = idx.split('shop', workloads, { cpu: 0.05, memory: 0.001 });
    assert.deepEqual([memory.fromCluster.length, memory.toCompute.length], [0, 11]);
  });

  it('mora.risk.cpu 0.01: the store computes the workloads locally and says "(target ≤1%)", not the cluster\'s "(target ≤5%)"', async () => {
    const source = new DemoWithStatuses(statuses);
    const atDefaults = storeOn(source, {});
    await atDefaults.computeNamespace('shop', { context: 'demo' });
    const before = atDefaults.all().find((r) => r.workload.name === 'frontend')!;
    assert.equal(before.origin?.kind, 'in-cluster', 'at the targets the run used: read from the cluster');
    assert.match(riskBrief(before.containers[0]), /\(target ≤5%\)/);

    const strict = storeOn(source, { 'risk.cpu': 0.01 });
    await strict.computeNamespace('shop', { context: 'demo' });
    const recs = strict.all();
    assert.equal(recs.length, 11);
    for (const r of recs) {
      assert.equal(r.origin, undefined, `${r.workload.name}: computed locally`);
      assert.equal(r.containers[0].cpu?.evidence.risk?.target, 0.01, r.workload.name);
    }
    const frontend = recs.find((r) => r.workload.name === 'frontend')!;
    assert.match(riskBrief(frontend.containers[0]), /\(target ≤1%\)/);
    assert.doesNotMatch(riskBrief(frontend.containers[0]), /target ≤5%/);
  });
});
