/**
 * Confidence as a risk statement: how a value's evidence.risk reads in every view (one module, src/core/advice-text.ts),
 * for both measures, and the fallback to today's confidence wording where a value carries no risk statement
 * (baselines, metrics.k8s.io snapshots). Hand-made recommendations, so these do not depend on the engine's calibration.
 */
import { strict as assert } from 'node:assert';
import {
  dayShareText, oomDaysCell, oomDaysText, riskBrief, riskCell, riskSettingText, riskStatement, riskTargetNote, riskTargetsLine, shareText, targetShareText,
} from '../../src/core/advice-text';
import type { ContainerRecommendation, Evidence, Recommendation, RiskStatement } from '../../src/core/recommendation';
import { DemoDataSource } from '../../src/data/demo';
import { manifestView } from '../../src/views/manifest-lens-model';
import { containerHeadline, evidenceMarkdown, riskLines } from '../../src/views/recommendation-text';
import { ClusterTreeModel, type TreeNode } from '../../src/views/tree-model';

const Mi = 2 ** 20;
const CPU_RISK: RiskStatement = { measure: 'exceedance', target: 0.05, expected: 0.05, calibrationDays: 14 };
const MEM_RISK: RiskStatement = { measure: 'oom-days', target: 0.01, expected: 0.01, calibrationDays: 14 };

function evidence(risk?: RiskStatement): Evidence {
  return { observed: { p50: 0, p95: 0, p99: 0, max: 0, samples: 1, days: 14 }, margin: 0.1, method: 'moving-window', reason: 'p95 of the window', completeness: 1, notes: [], ...(risk ? { risk } : {}) };
}

function container(cpuRisk?: RiskStatement, memRisk?: RiskStatement, confidence = 0.87): ContainerRecommendation {
  return {
    container: 'server', current: { requests: { cpu: 0.5, memory: 1024 * Mi }, limits: { memory: 1024 * Mi } }, verdict: 'over-provisioned', confidence,
    cpu: { request: { value: 0.18, lower: 0.15, upper: 0.2 }, confidence, evidence: evidence(cpuRisk) },
    memory: { request: { value: 420 * Mi, lower: 400 * Mi, upper: 440 * Mi }, limit: { value: 420 * Mi, lower: 400 * Mi, upper: 440 * Mi }, confidence, evidence: evidence(memRisk) },
  };
}

function recommendation(name: string, c: ContainerRecommendation): Recommendation {
  return { workload: { context: 'demo', namespace: 'shop', kind: 'Deployment', name }, qos: 'Burstable', confidence: c.confidence, generatedAt: 0, containers: [c] };
}

describe('risk statements (confidence as what it means)', () => {
  it('words shares, durations and OOM days as people read them', () => {
    const cases: Array<[(x: number) => string, number, string]> = [
      [shareText, 0.05, '5%'], [shareText, 0.005, '0.5%'], [shareText, 0.0004, '<0.1%'], [shareText, 0, '0%'], [shareText, 0.25, '25%'],
      [dayShareText, 0.05, '1 h 12 min'], [dayShareText, 0.005, '7 min'], [dayShareText, 0.0001, '<1 min'], [dayShareText, 0.25, '6 h'],
      [oomDaysText, 0.01, '1 OOM day in 100'], [oomDaysText, 0.013, '1 OOM day in 77'], [oomDaysText, 0, '<1 OOM day in 1000'],
    ];
    for (const [f, x, text] of cases) assert.equal(f(x), text, `${f.name}(${x})`);
  });

  it('large and small shares stay truthful: nearby OOM-day shares stay apart, a target keeps its digits', () => {
    const oom: Array<[number, string, string, string]> = [
      [0.3, '3 OOM days in 10', '3 in 10', '3/10'], [0.4, '4 OOM days in 10', '4 in 10', '4/10'],
      [0.45, '45 OOM days in 100', '45 in 100', '45/100'], [0.7, '7 OOM days in 10', '7 in 10', '7/10'],
      [1, '10 OOM days in 10', '10 in 10', '10/10'], [0.5, '1 OOM day in 2', '1 in 2', '1/2'], [0.2, '1 OOM day in 5', '1 in 5', '1/5'],
      [0.01, '1 OOM day in 100', '1 in 100', '1/100'], [0.0075, '1 OOM day in 133', '1 in 133', '1/133'], [0.0005, '<1 OOM day in 1000', '<1 in 1000', '<1/1000'],
    ];
    for (const [x, long, short, cell] of oom) {
      assert.equal(oomDaysText(x), long, `${x}`);
      assert.equal(oomDaysText(x, true), short, `${x}`);
      assert.equal(oomDaysCell(x), cell, `${x}`);
    }
    assert.equal(riskTargetNote({ ...MEM_RISK, target: 0.3 }), 'risk target ≤3 OOM days in 10, calibrated on 14 days of its own history');
    assert.equal(riskTargetNote({ ...MEM_RISK, target: 0.4 }), 'risk target ≤4 OOM days in 10, calibrated on 14 days of its own history');
    assert.equal(riskStatement({ ...container().memory!, evidence: evidence({ ...MEM_RISK, expected: 0.7 }) }), '≈7 OOM days in 10 at this limit');
    for (const [x, text] of [[0.0015, '0.15%'], [0.05, '5%'], [0.001, '0.1%'], [0.065, '6.5%'], [0.125, '12.5%'], [0.5, '50%']] as const) assert.equal(targetShareText(x), text, `${x}`);
    assert.equal(riskSettingText({ cpu: 0.0015, memory: 0.45 }), 'CPU request exceeded ≤0.15% of the time, memory limit ≤45 OOM days in 100');
    assert.equal(riskBrief(container({ ...CPU_RISK, target: 0.0015, expected: 0.0014 }, { ...MEM_RISK, target: 0.3, expected: 0.28 })),
      'cpu request exceeded ≈0.14% of the time (target ≤0.15%) · ≈28 OOM days in 100 at limit 420Mi (target ≤3 in 10)');
  });

  it('the short forms cannot read as an amount above the request, and say a leak as the long statement does', () => {
    const leak: RiskStatement = { ...MEM_RISK, expected: 0.2, leak: { perDay: 31 * Mi, daysToLimit: 5.2 } };
    const c = container({ ...CPU_RISK, expected: 0.037 }, leak);
    c.memory!.limit = { value: 467 * Mi, lower: 467 * Mi, upper: 467 * Mi };
    assert.match(riskStatement(c.memory!), /^OOM kill in ≈5 days at this limit: peaks grow ≈31Mi\/day \(a leak/);
    assert.equal(riskBrief(c), 'cpu request exceeded ≈3.7% of the time (target ≤5%) · OOM kill in ≈5 days at limit 467Mi (a leak; target ≤1 in 100)');
    assert.equal(riskCell(c), '3.7%·leak 5d');
    assert.equal(riskCell(container(CPU_RISK, { ...leak, leak: { perDay: Mi, daysToLimit: 0.4 } })), '5%·leak <1d');
    assert.doesNotMatch(riskBrief(container({ ...CPU_RISK, expected: 0.47 }, MEM_RISK)), /over request/);
    assert.match(riskBrief(container({ ...CPU_RISK, expected: 0.47 }, MEM_RISK)), /^cpu request exceeded ≈47% of the time \(target ≤5%\)/);
  });

  it('CPU: the share of time above the request, and that time per day', () => {
    const c = container(CPU_RISK, MEM_RISK);
    assert.equal(riskStatement(c.cpu!), 'request exceeded ≈5% of the time (≈1 h 12 min a day)');
    assert.equal(riskStatement({ ...c.cpu!, evidence: evidence({ ...CPU_RISK, expected: 0.0002 }) }), 'request exceeded <0.1% of the time (<1 min a day)');
  });

  it('memory: OOM days at this limit', () => {
    const c = container(CPU_RISK, MEM_RISK);
    assert.equal(riskStatement(c.memory!), '≈1 OOM day in 100 at this limit');
    assert.equal(riskStatement({ ...c.memory!, evidence: evidence({ ...MEM_RISK, expected: 0.02 }) }), '≈1 OOM day in 50 at this limit');
    assert.equal(riskStatement({ ...c.memory!, limit: undefined }), '≈1 OOM day in 100 at this value');
  });

  it('says `risk —` and why, never a bare confidence, where a value carries no risk statement', () => {
    const c = container(undefined, undefined);
    assert.equal(riskStatement(c.cpu!), 'risk — (no risk stated for a moving-window value)');
    assert.equal(riskBrief(c), 'risk — (no risk stated for a moving-window value)');
    assert.deepEqual(riskLines(c), []);
    assert.equal(riskCell(c), undefined);
    assert.equal(containerHeadline(c), 'cpu 500m → 180m · mem 1Gi → 420Mi · risk — (no risk stated for a moving-window value)');
    assert.doesNotMatch(evidenceMarkdown(recommendation('cartservice', c), c), /risk target/);
  });

  it('names the target, the calibration and the setting next to the statement', () => {
    assert.equal(riskTargetNote(CPU_RISK, 'setting mora.risk.cpu'), 'risk target ≤5% of the time (setting mora.risk.cpu), calibrated on 14 days of its own history');
    assert.equal(riskTargetNote({ ...MEM_RISK, calibrationDays: 0 }), 'risk target ≤1 OOM day in 100, no history to calibrate on yet (the margin is a prior)');
    assert.equal(riskSettingText({ cpu: 0.05, memory: 0.01 }), 'CPU request exceeded ≤5% of the time, memory limit ≤1 OOM day in 100');
    assert.equal(riskTargetsLine([recommendation('a', container(CPU_RISK, MEM_RISK))]), 'risk targets: CPU request exceeded ≤5% of the time, memory limit ≤1 OOM day in 100');
    assert.equal(riskTargetsLine([recommendation('a', container())]), undefined);
  });

  it('the webview headline, the hover and the forecast view\'s evidence lines carry it', () => {
    const c = container(CPU_RISK, { ...MEM_RISK, expected: 0.02 });
    assert.equal(containerHeadline(c), 'cpu 500m → 180m · mem 1Gi → 420Mi · cpu request exceeded ≈5% of the time (target ≤5%) · ≈1 OOM day in 50 at limit 420Mi (target ≤1 in 100)');
    const md = evidenceMarkdown(recommendation('cartservice', c), c);
    assert.match(md, /\*\*CPU\*\* request 180m .* · request exceeded ≈5% of the time \(≈1 h 12 min a day\)/);
    assert.match(md, /- risk target ≤5% of the time \(setting mora\.risk\.cpu\), calibrated on 14 days/);
    assert.match(md, /\*\*Memory\*\* request 420Mi .*limit 420Mi · ≈1 OOM day in 50 at this limit/);
    assert.match(md, /- risk target ≤1 OOM day in 100 \(setting mora\.risk\.memory\)/);
    assert.doesNotMatch(md, /confident/);
    assert.deepEqual(riskLines(c), [
      'CPU: request exceeded ≈5% of the time (≈1 h 12 min a day); risk target ≤5% of the time (setting mora.risk.cpu), calibrated on 14 days of its own history',
      'Memory: ≈1 OOM day in 50 at this limit; risk target ≤1 OOM day in 100 (setting mora.risk.memory), calibrated on 14 days of its own history',
    ]);
    assert.equal(riskCell(c), '5%·1/50');
  });

  it('the CodeLens title and hover of a manifest carry it', () => {
    const c = container(CPU_RISK, MEM_RISK);
    const yaml = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: cartservice\n  namespace: shop\nspec:\n  template:\n    spec:\n      containers:\n'
      + '      - name: server\n        resources:\n          requests:\n            cpu: 500m\n            memory: 1Gi\n';
    const view = manifestView(yaml, (_ns, _kind, name) => (name === 'cartservice' ? recommendation(name, c) : undefined), 'default');
    const lens = view.lenses.find((l) => l.kind === 'container')!;
    assert.equal(lens.title, 'MOrA: cpu 500m → 180m · mem 1Gi → 420Mi · cpu request exceeded ≈5% of the time (target ≤5%) · ≈1 OOM day in 100 at limit 420Mi (target ≤1 in 100)');
    assert.match(lens.tooltip!, /risk target ≤5% of the time \(setting mora\.risk\.cpu\)/);
    assert.ok(view.hovers.every((h) => /≈1 OOM day in 100 at this limit/.test(h.markdown)));
    // The replica count's lens carries the risk the count carries, as the tree and the CLI table do; not under an HPA.
    const scaled: Recommendation = { ...recommendation('cartservice', c), replicas: { current: 2, recommended: { value: 3, lower: 3, upper: 3 }, reason: 'r', risk: { target: 0.05, expected: 0.004 } } };
    const withReplicas = manifestView(yaml.replace('spec:\n  template:', 'spec:\n  replicas: 2\n  template:'), () => scaled, 'default');
    assert.deepEqual(withReplicas.lenses.filter((l) => l.kind === 'replicas').map((l) => l.title), ['MOrA: replicas 2 → 3 · per-replica load above capacity ≈0.4% of the time (target ≤5%)']);
  });

  it('the tree: risk in the container\'s description and tooltip, the targets in the workload\'s tooltip; confidence without', async () => {
    const nodes = async (c: ContainerRecommendation): Promise<{ workload: TreeNode; container: TreeNode }> => {
      const model = new ClusterTreeModel(new DemoDataSource(), { ensure: async () => 11, get: (w) => recommendation(w.name, c) });
      let list = await model.children();
      for (const label of ['demo', 'shop']) list = await model.children(list.find((n) => n.label === label)!);
      const workload = list.find((n) => n.label === 'cartservice')!;
      return { workload, container: (await model.children(workload))[0] };
    };
    const withRisk = await nodes(container(CPU_RISK, MEM_RISK));
    // The row compact (a sidebar's width); the tooltip the risk next to each target and the limit the OOM days are about.
    // Each risk next to its target; the request is the limit here, so the OOM days are at the value shown.
    assert.equal(withRisk.container.description, 'cpu 200m→180m · mem 64Mi→420Mi · risk 5%·1/100 (≤5%·≤1/100)');
    assert.ok(withRisk.container.tooltip!.includes('risk 5%·1/100 (≤5%·≤1/100): cpu request exceeded ≈5% of the time (target ≤5%) · ≈1 OOM day in 100 at limit 420Mi (target ≤1 in 100).'), withRisk.container.tooltip);
    assert.match(withRisk.container.tooltip!, /CPU: request exceeded ≈5% of the time \(≈1 h 12 min a day\); risk target ≤5% of the time \(setting mora\.risk\.cpu\)/);
    assert.match(withRisk.container.tooltip!, /Memory: ≈1 OOM day in 100 at this limit; risk target ≤1 OOM day in 100 \(setting mora\.risk\.memory\)/);
    assert.doesNotMatch(withRisk.container.tooltip!, /Confidence/);
    assert.match(withRisk.workload.tooltip!, /Sized to the risk targets: CPU request exceeded ≤5% of the time, memory limit ≤1 OOM day in 100 \(settings mora\.risk\.cpu, mora\.risk\.memory\)/);
    assert.doesNotMatch(withRisk.workload.description!, /%/);
    const without = await nodes(container());
    assert.equal(without.container.description, 'cpu 200m→180m · mem 64Mi→420Mi · risk —');
    assert.match(without.container.tooltip!, /Risk —: no risk stated for a moving-window value\./);
    assert.match(without.workload.description!, / · risk —$/);
    assert.match(without.workload.tooltip!, /Risk —: no risk stated for a moving-window value/);
    assert.doesNotMatch(`${without.container.description} ${without.container.tooltip} ${without.workload.description}`, /\d%|Confidence/);
  });
  it('puts each expected risk next to its target, and the OOM days at the memory limit they are about', () => {
    // Expected below target: both numbers show, and the limit (not the request) the OOM days refer to.
    const c = container({ ...CPU_RISK, expected: 0.009 }, { ...MEM_RISK, expected: 0.0075 });
    c.memory!.limit = { value: 512 * Mi, lower: 512 * Mi, upper: 512 * Mi };
    assert.equal(riskBrief(c), 'cpu request exceeded ≈0.9% of the time (target ≤5%) · ≈1 OOM day in 133 at limit 512Mi (target ≤1 in 100)');
    // Another target: the brief follows it (what a mora.risk.* setting change does to the lens and the tree).
    const relaxed = container({ ...CPU_RISK, target: 0.1 }, { ...MEM_RISK, target: 0.2, expected: 0.19 });
    assert.equal(riskBrief(relaxed), 'cpu request exceeded ≈5% of the time (target ≤10%) · ≈1 OOM day in 5 at limit 420Mi (target ≤1 in 5)');
    // No memory limit: the value itself.
    const open = container(undefined, MEM_RISK);
    delete open.memory!.limit;
    assert.equal(riskBrief(open), '≈1 OOM day in 100 at 420Mi (target ≤1 in 100)');
  });

  it('says no risk was stated rather than a number where there is none (an in-cluster status without one)', async () => {
    const c = container(undefined, undefined, NaN);
    for (const r of [c.cpu!, c.memory!]) r.evidence = { ...r.evidence, method: 'in-cluster' };
    assert.equal(riskBrief(c), 'risk — (no risk stated for an in-cluster value)');
    assert.equal(riskStatement(c.cpu!), 'risk — (no risk stated for an in-cluster value)');
    const model = new ClusterTreeModel(new DemoDataSource(), { ensure: async () => 11, get: (w) => recommendation(w.name, c) });
    let list = await model.children();
    for (const label of ['demo', 'shop']) list = await model.children(list.find((n) => n.label === label)!);
    const workload = list.find((n) => n.label === 'cartservice')!;
    const [node] = await model.children(workload);
    assert.equal(node.description, 'cpu 200m→180m · mem 64Mi→420Mi · risk —');
    assert.doesNotMatch(`${workload.description} ${node.tooltip}`, /NaN/);
  });
});
