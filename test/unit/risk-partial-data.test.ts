/**
 * A Prometheus answer that warned its data may be incomplete (markPartialData): the note says what it does to what the
 * views show (the risk estimate), not to a confidence no view shows, and the compact risk texts (the tree's row, the
 * lens / webview brief) carry a ⚠ with it, so "≈1 OOM day in 100" is never stated without the caveat.
 */
import { strict as assert } from 'node:assert';
import { riskBrief } from '../../src/core/advice-text';
import type { ContainerRecommendation, Evidence, Recommendation, RiskStatement } from '../../src/core/recommendation';
import { DemoDataSource } from '../../src/data/demo';
import type { EngineResult } from '../../src/rightsizing/engine';
import { markPartialData, PARTIAL_DATA_NOTE } from '../../src/pipeline/recommend';
import { manifestView } from '../../src/views/manifest-lens-model';
import { ClusterTreeModel, compactRisk } from '../../src/views/tree-model';

const Mi = 2 ** 20;
const CPU_RISK: RiskStatement = { measure: 'exceedance', target: 0.05, expected: 0.009, calibrationDays: 14 };
const MEM_RISK: RiskStatement = { measure: 'oom-days', target: 0.01, expected: 0.0075, calibrationDays: 14 };

const evidence = (risk: RiskStatement): Evidence => ({
  observed: { p50: 0, p95: 0, p99: 0, max: 0, samples: 1, days: 14 }, margin: 0.1, method: 'moving-window', reason: 'p95', completeness: 1, notes: [], risk,
});

function recommendation(): Recommendation {
  const c: ContainerRecommendation = {
    container: 'server', current: { requests: { cpu: 0.2, memory: 64 * Mi }, limits: {} }, verdict: 'ok', confidence: 0.8,
    cpu: { request: { value: 0.18, lower: 0.15, upper: 0.2 }, confidence: 0.8, evidence: evidence(CPU_RISK) },
    memory: { request: { value: 420 * Mi, lower: 400 * Mi, upper: 440 * Mi }, limit: { value: 512 * Mi, lower: 512 * Mi, upper: 512 * Mi }, confidence: 0.8, evidence: evidence(MEM_RISK) },
  };
  return { workload: { context: 'demo', namespace: 'shop', kind: 'Deployment', name: 'cartservice' }, qos: 'Burstable', confidence: 0.8, generatedAt: 0, containers: [c] };
}

const warned = (): Recommendation => markPartialData({ recommendation: recommendation() } as unknown as EngineResult, new Set(['server'])).recommendation;

async function containerNode(rec: Recommendation) {
  const model = new ClusterTreeModel(new DemoDataSource(), { ensure: async () => 11, get: (w) => (w.name === 'cartservice' ? rec : undefined) });
  let list = await model.children();
  for (const label of ['demo', 'shop']) list = await model.children(list.find((n) => n.label === label)!);
  return (await model.children(list.find((n) => n.label === 'cartservice')!))[0];
}

describe('risk stated on data Prometheus warned may be incomplete', () => {
  it('the note speaks of the risk estimate, not of a halved confidence no view shows', () => {
    assert.doesNotMatch(PARTIAL_DATA_NOTE, /confidence/);
    assert.match(PARTIAL_DATA_NOTE, /^risk estimate less certain: Prometheus answered with warnings/);
    assert.ok(warned().containers[0].memory!.evidence.notes.includes(PARTIAL_DATA_NOTE));
  });

  it('the compact risk texts carry ⚠ with the caveat, and only with it', () => {
    const plain = recommendation().containers[0];
    const c = warned().containers[0];
    assert.equal(compactRisk(plain), 'risk 0.9%·1/133 (≤5%·≤1/100)');
    assert.equal(compactRisk(c), '⚠ risk 0.9%·1/133 (≤5%·≤1/100)');
    assert.doesNotMatch(riskBrief(plain), /⚠/);
    assert.match(riskBrief(c), /^⚠ cpu request exceeded ≈0\.9% of the time .*≈1 OOM day in 133 at limit 512Mi/);
  });

  it('the tree\'s row and tooltip, and the lens, say it', async () => {
    const node = await containerNode(warned());
    assert.match(node.description!, /· ⚠ risk 0\.9%·1\/133 \(≤5%·≤1\/100\)$/);
    assert.ok(node.tooltip!.includes(`⚠ ${PARTIAL_DATA_NOTE}.`), node.tooltip);
    const yaml = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: cartservice\n  namespace: shop\nspec:\n  template:\n    spec:\n'
      + '      containers:\n      - name: server\n        resources:\n          requests:\n            cpu: 200m\n            memory: 64Mi\n';
    const lens = manifestView(yaml, () => warned(), 'default').lenses.find((l) => l.kind === 'container')!;
    assert.match(lens.title, /^MOrA: cpu 200m → 180m · mem 64Mi → 420Mi · ⚠ cpu request exceeded/);
    assert.ok(lens.tooltip!.includes(PARTIAL_DATA_NOTE), lens.tooltip);
    const clean = await containerNode(recommendation());
    assert.doesNotMatch(`${clean.description} ${clean.tooltip}`, /⚠|less certain/);
  });
});
