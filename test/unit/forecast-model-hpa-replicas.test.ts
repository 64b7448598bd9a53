/**
 * The forecast view's replicas panel says what the tree, the lens and the hover say: for an HPA-managed workload the
 * HPA's bounds as they run and as advised (the demo's frontend: `HPA 2–6 → 2–12`) with the advice and what it is sized
 * to, never the bare count the load needs (review: the panel drew and tabulated `Recommended replicas 7`, a number no
 * other surface advised for frontend); without an HPA the advised count with its risk statement.
 */
import { strict as assert } from 'node:assert';
import { replicaAdvice, replicaRiskStatement } from '../../src/core/advice-text';
import { DemoDataSource } from '../../src/data/demo';
import { buildForecastView, DEFAULT_FORECAST_VIEW_OPTIONS } from '../../src/views/forecast-model';

describe('forecast view, replicas panel: the advice the other surfaces give', function () {
  this.timeout(120000);
  const source = new DemoDataSource();
  const view = async (name: string) => {
    const w = (await source.workloads('demo', 'shop')).find((x) => x.name === name)!;
    const { data, recommendation } = await buildForecastView(source, w, w.containers[0].name, { ...DEFAULT_FORECAST_VIEW_OPTIONS, lstmPanels: [] });
    return { panel: data.panels.find((p) => p.id === 'replicas')!, rep: recommendation!.replicas! };
  };

  it('frontend (HPA 2–6 → 2–12): the bounds now and advised, no bare count; the advice under the summary', async () => {
    const { panel, rep } = await view('frontend');
    assert.ok(rep.hpa?.current, 'the demo\'s frontend runs an HPA');
    const lines = panel.lines.map((l) => [l.label, l.value, l.role]);
    assert.deepEqual(lines, [
      ['Current replicas', rep.current, 'current'],
      ['HPA minReplicas now', 2, 'current'], ['HPA maxReplicas now', 6, 'current'],
      ['Recommended HPA minReplicas', 2, 'recommended'], ['Recommended HPA maxReplicas', 12, 'recommended'],
    ]);
    assert.ok(!panel.lines.some((l) => l.label === 'Recommended replicas'), JSON.stringify(panel.lines));
    const rows = panel.summary.rows.filter((r) => r[0].includes('HPA')).map((r) => r.slice(0, 2));
    assert.deepEqual(rows, [['HPA minReplicas now', '2'], ['HPA maxReplicas now', '6'], ['Recommended HPA minReplicas', '2'], ['Recommended HPA maxReplicas', '12']]);
    assert.equal(panel.summary.caption, `${panel.title}: summary · ${replicaAdvice(rep)}`);
    assert.match(panel.summary.caption, /: summary · HPA 2–6 → raise maxReplicas to 12 \(1\.5 × the p99 load needs 12 pods of 80m\)$/);
  });

  it('currencyservice (no HPA, 2 → 5): the advised count, whole, with its risk statement next to its target', async () => {
    const { panel, rep } = await view('currencyservice');
    assert.deepEqual(panel.lines.map((l) => [l.label, l.value]), [['Current replicas', 2], ['Recommended replicas', 5]]);
    assert.deepEqual(panel.summary.rows.find((r) => r[0] === 'Recommended replicas')!.slice(0, 2), ['Recommended replicas', '5']);
    assert.equal(panel.summary.caption, `${panel.title}: summary · replicas 2 → 5 (${replicaRiskStatement(rep)}, target ≤5%)`);
  });
});
