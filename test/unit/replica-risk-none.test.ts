/**
 * A replica risk of exactly 0 is what the history showed (no sample of it with the per-replica load above capacity at
 * the advised count: src/rightsizing/engine/replicas.ts counts them), not an estimate near 0: every surface says
 * `per-replica load above capacity at no time in the history`, never `≈0%` (review: the demo's currencyservice read
 * `replicas 2 → 5 · per-replica load above capacity ≈0% of the time` in the lens, the tree's tooltip, the report and the
 * JSON statement). A share above 0 keeps its estimate: `≈1.2%`, and `<0.1%` below a tenth of a percent.
 */
import { strict as assert } from 'node:assert';
import { recommendationsCsv, recommendationsData } from '../../src/cli/format/recommendations';
import { renderHtmlReport, type ReportRun } from '../../src/cli/format/html';
import { replicaRiskStatement } from '../../src/core/advice-text';
import type { ReplicaRecommendation } from '../../src/core/recommendation';
import { series } from '../../src/core/series';
import { DemoDataSource } from '../../src/data/demo';
import type { EngineResult } from '../../src/rightsizing/engine';
import { recommendReplicas } from '../../src/rightsizing/engine/replicas';
import { manifestView } from '../../src/views/manifest-lens-model';
import { ClusterTreeModel } from '../../src/views/tree-model';
import { demoEngineRuns } from './helpers/demo-runs';
import { deployment } from './helpers/replica-lens-fixtures';

const NONE = 'per-replica load above capacity at no time in the history';

describe('a replica risk of 0: none in the history, never ≈0%', function () {
  this.timeout(90000);

  it('the statement: none in the history at 0, the estimate above it', () => {
    const rep = (expected: number): ReplicaRecommendation => ({ current: 2, recommended: { value: 5, lower: 2, upper: 5 }, reason: 'r', risk: { target: 0.05, expected } });
    assert.equal(replicaRiskStatement(rep(0)), NONE);
    assert.equal(replicaRiskStatement(rep(0.012)), 'per-replica load above capacity ≈1.2% of the time');
    assert.equal(replicaRiskStatement(rep(0.0004)), 'per-replica load above capacity <0.1% of the time');
  });

  it('the reason says the same as the statement at 0 (each of the three ways a count is sized), the share above it', () => {
    const n = 20;
    const flat = (x: number) => new Float64Array(n).fill(x);
    // A measured capacity (20 req/s) the load (30 req/s) never exceeds at 2 replicas.
    const measured = recommendReplicas({ current: 4, requestRate: flat(30), readyReplicas: flat(4), measuredCapacity: 20, targetCpuUtilization: 1 })!;
    assert.equal(measured.risk?.expected, 0);
    assert.ok(measured.reason.includes(`(CPU risk target ≤5% of the time, ${NONE})`), measured.reason);
    // No capacity: the request covers the need, the count is kept.
    const kept = recommendReplicas({ current: 2, requestRate: flat(30), readyReplicas: flat(2), targetCpuUtilization: 1, cpuRequest: 0.2, cpuNeed: 0.1, cpuRequestExpected: 0 })!;
    assert.equal(kept.risk?.expected, 0);
    assert.ok(kept.reason.includes(`${NONE}: a pod's CPU above that request`), kept.reason);
    // No capacity: the request is held below the need; 3 replicas bring each pod's 0.25 cores at 2 to 0.17 < 0.2.
    const held = recommendReplicas({ current: 2, requestRate: flat(30), readyReplicas: flat(2), cpuPerPod: flat(0.25), targetCpuUtilization: 1, cpuRequest: 0.2, cpuNeed: 0.3, cpuRequestExpected: 0.5 })!;
    assert.equal(held.risk?.expected, 0);
    assert.ok(held.reason.includes(`(idle 0m per pod), ${NONE};`), held.reason);
    for (const r of [measured, kept, held]) assert.doesNotMatch(r.reason, /capacity 0% of the time/);
    const some = recommendReplicas({ current: 2, requestRate: flat(30), readyReplicas: flat(2), targetCpuUtilization: 1, cpuRequest: 0.2, cpuNeed: 0.1, cpuRequestExpected: 0.012 })!;
    assert.ok(some.reason.includes('per-replica load above capacity 1.2% of the time: a pod\'s CPU above that request'), some.reason);
  });

  describe('the demo\'s currencyservice (2 → 5 replicas, none of its history above capacity at 5)', () => {
    let runs: EngineResult[];
    let cur: EngineResult;
    before(async () => {
      runs = await demoEngineRuns();
      cur = runs.find((r) => r.recommendation.workload.name === 'currencyservice')!;
      assert.equal(cur.recommendation.replicas?.risk?.expected, 0);
    });

    it('JSON and CSV', () => {
      const data = recommendationsData([cur]) as Array<{ replicas: { risk: { statement: string } } }>;
      assert.equal(data[0].replicas.risk.statement, NONE);
      const reason = (data[0] as unknown as { replicas: { reason: string } }).replicas.reason;
      assert.ok(reason.includes(NONE), reason);
      assert.doesNotMatch(reason, /capacity 0% of the time/);
      const csv = recommendationsCsv([cur]);
      assert.ok(csv.includes(NONE), csv);
      assert.doesNotMatch(csv, /≈0%/);
    });

    it('the lens on replicas:', () => {
      const rec = { ...cur.recommendation, workload: { ...cur.recommendation.workload, namespace: 'default' } };
      const view = manifestView(deployment('currencyservice', 2), (_ns, kind, name) => (name === 'currencyservice' && kind === 'Deployment' ? rec : undefined), 'default');
      const lens = view.lenses.find((l) => l.kind === 'replicas')!;
      assert.equal(lens.title, `MOrA: replicas 2 → 5 · ${NONE} (target ≤5%)`);
    });

    it('the tree\'s tooltip and the HTML report', async () => {
      const recs = runs.map((r) => r.recommendation);
      const model = new ClusterTreeModel(new DemoDataSource(), {
        ensure: async () => recs.length,
        get: (ref) => recs.find((r) => r.workload.name === ref.name && r.workload.kind === ref.kind),
      });
      const [ctx] = await model.children();
      const [ns] = await model.children(ctx);
      const node = (await model.children(ns)).find((n) => n.label === 'currencyservice')!;
      const tooltip = typeof node.tooltip === 'function' ? (node.tooltip as () => string)() : node.tooltip!;
      assert.ok(tooltip.includes(`Replica advice: replicas 2 → 5 (${NONE}, target ≤5%).`), tooltip);
      // The row itself: the risk the count carries beside the target it was sized to, as the containers' rows do.
      assert.match(node.description!, /replicas 2 → 5 \(0% ≤5%\)/);
      const chart = series([0, 60, 120], [0.05, 0.06, 0.07]);
      const html = renderHtmlReport([{ ...cur, history: { cpu: chart, memory: chart } } as ReportRun], { title: 't', generatedAt: new Date(0) });
      assert.ok(html.includes(`, ${NONE} (target ≤5%);`), html);
      assert.doesNotMatch(html, /≈0%/);
    });
  });
});
