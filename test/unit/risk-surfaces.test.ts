/**
 * One risk, read the same on every surface (the reviewer's list at 166e4f5): the hover's replay says which value it
 * replayed and the CPU limit that is kept; a container without a risk statement reads `—` and why in the CLI table and
 * the HTML report alike (never a bare confidence, nor the workload's in one and the container's in the other); the JSON
 * replica risk has the CSV's statement; the CSV's VPA/KRR memory is in Mi as the other cells; the replica count carries
 * its risk in the CLI table and the tree.
 */
import { strict as assert } from 'node:assert';
import { recommendationsCsv, recommendationsData, recommendationsTable } from '../../src/cli/format/recommendations';
import { renderHtmlReport, type ReportRun } from '../../src/cli/format/html';
import { shareText } from '../../src/core/advice-text';
import type { ContainerRecommendation, Recommendation } from '../../src/core/recommendation';
import { series } from '../../src/core/series';
import { DemoDataSource } from '../../src/data/demo';
import type { EngineResult } from '../../src/rightsizing/engine';
import { evidenceLines, evidenceMarkdown } from '../../src/views/recommendation-text';
import { ClusterTreeModel, type TreeNode } from '../../src/views/tree-model';
import { demoEngineRuns } from './helpers/demo-runs';

/** The report with a small chart per resource (the evidence is written under the charts). */
const chart = series([0, 60, 120], [0.05, 0.06, 0.07]);
const report = (runs: readonly EngineResult[]): string =>
  renderHtmlReport(runs.map((r): ReportRun => ({ ...r, history: { cpu: chart, memory: chart } })), { title: 't', generatedAt: new Date(0) });
const row = (table: string, name: string): string => table.split('\n').find((l) => l.startsWith(`${name} `)) ?? '';

/** The run with its first container's risk statements removed (a value the engine stated no risk for), confidences apart. */
function withoutRisk(r: EngineResult): EngineResult {
  const strip = <T extends ContainerRecommendation['cpu']>(x: T): T => (x ? { ...x, evidence: { ...x.evidence, risk: undefined } } : x);
  const [c, ...rest] = r.recommendation.containers;
  const containers = [{ ...c, confidence: 0.87, cpu: strip(c.cpu), memory: strip(c.memory) }, ...rest];
  return { ...r, recommendation: { ...r.recommendation, confidence: 0.42, containers } };
}

async function treeWorkloads(recs: readonly Recommendation[]): Promise<TreeNode[]> {
  const model = new ClusterTreeModel(new DemoDataSource(), {
    ensure: async () => recs.length,
    get: (ref) => recs.find((r) => r.workload.name === ref.name && r.workload.kind === ref.kind),
  });
  const [ctx] = await model.children();
  const [ns] = await model.children(ctx);
  return model.children(ns);
}

describe('risk across surfaces: the same statement, labelled, everywhere', function () {
  this.timeout(90000);
  let runs: EngineResult[];
  before(async () => {
    runs = await demoEngineRuns();
  });
  const run = (name: string): EngineResult => runs.find((r) => r.recommendation.workload.name === name)!;

  it('currencyservice: the hover names the CPU limit kept and which value the replay is about, as the HTML report does', () => {
    const r = run('currencyservice');
    const c = r.recommendation.containers[0];
    const md = evidenceMarkdown(r.recommendation, c);
    const cpuLine = md.split('\n').find((l) => l.startsWith('**CPU**'))!;
    assert.match(cpuLine, /, limit 100m kept · request exceeded ≈47% of the time/);
    assert.doesNotMatch(cpuLine, /no limit/);
    const share = shareText(c.cpu!.evidence.replay!.exceedanceShare);
    assert.ok(md.includes(`- replay of ${c.cpu!.evidence.replay!.days} days of the value the rule needs (195m; the request is held at the CPU limit): above it ${share} of the time`), md);
    assert.ok(evidenceLines(r.recommendation, c).some((l) => l.includes(`of the value the rule needs (195m; the request is held at the CPU limit): above it ${share}`)));
    // The HTML report: the same share, the same value named.
    assert.ok(report([r]).includes(`Replayed over the last ${c.cpu!.evidence.replay!.days} days of the value the rule needs (195m; the request is held at the CPU limit): ${share} of samples above`));
  });

  it('a container without a risk statement: `—` and why in the CLI table and the HTML report, never a bare confidence', () => {
    const mixed = runs.map((r) => (r.recommendation.workload.name === 'cartservice' ? withoutRisk(r) : r));
    const table = recommendationsTable(mixed, Infinity);
    const cart = row(table, 'cartservice');
    assert.match(cart, / —$/, table);
    assert.doesNotMatch(cart, /8[67]%|42%/);
    assert.match(table, /^— cartservice: no risk stated for a moving-window value$/m);
    const html = report(mixed);
    const tr = html.split('\n').find((l) => l.startsWith('<tr><td>cartservice</td>'))!;
    assert.match(tr, /<td>—<br><small>no risk stated for a moving-window value<\/small><\/td><\/tr>$/);
    assert.doesNotMatch(tr, /8[67]%|42%/);
  });

  it('JSON replicas.risk carries the CSV replica row\'s statement; the CSV\'s VPA/KRR memory is in Mi as the other cells', () => {
    const csv = recommendationsCsv(runs).trim().split('\n').map((l) => l.split(','));
    const [header, ...rows] = csv;
    const col = (name: string): number => header.indexOf(name);
    const data = recommendationsData(runs) as Array<{ workload: { name: string }; replicas?: { risk?: { statement?: string } } }>;
    let compared = 0;
    for (const rec of data) {
      const csvRow = rows.find((r) => r[col('workload')] === rec.workload.name && r[col('resource')] === 'replicas');
      if (!csvRow || !rec.replicas?.risk) continue;
      assert.ok(csvRow[col('risk_statement')], rec.workload.name);
      assert.equal(rec.replicas.risk.statement, csvRow[col('risk_statement')], rec.workload.name);
      compared++;
    }
    assert.ok(compared >= 5, `${compared} replica rows compared`);
    const memoryRows = rows.filter((r) => r[col('resource')] === 'memory');
    assert.ok(memoryRows.length >= 10);
    for (const r of memoryRows) {
      for (const k of ['vpa', 'krr', 'request', 'limit']) assert.match(r[col(k)], /^\d+(Mi|Gi)$/, `${r[col('workload')]} ${k}: ${r[col(k)]}`);
    }
  });

  it('the replica count carries its risk: the CLI table\'s replicas column and the tree\'s workload row and tooltip', async () => {
    const cart = run('cartservice');
    const rep = cart.recommendation.replicas!;
    assert.ok(rep.risk && !rep.hpa);
    const brief = `(${shareText(rep.risk.expected)})`;
    const table = recommendationsTable(runs, Infinity);
    assert.match(row(table, 'cartservice'), new RegExp(`\\s2 \\${brief.slice(0, -1)}\\)\\s`), table);
    assert.match(table, /^replicas \(0\.4%\) = share of time the load per replica exceeds its capacity/m);
    const tree = await treeWorkloads(runs.map((r) => r.recommendation));
    const node = tree.find((n) => n.label === 'cartservice')!;
    // The row names the target beside the share (the table's header and the tooltip name it there).
    assert.equal(node.description, `Deployment · replicas 2 (${shareText(rep.risk.expected)} ≤5%)`);
    assert.match(node.tooltip!, new RegExp(`Replica advice: keep 2 replicas \\(per-replica load above capacity ≈${shareText(rep.risk.expected).replace('.', '\\.')} of the time, target ≤5%\\)\\.`));
    // Under an HPA the HPA sets the count: no share next to it.
    assert.match(tree.find((n) => n.label === 'frontend')!.description!, /replicas HPA 2–6→2–12 of 80m$|replicas HPA 2–6 → 2–12 of 80m$/);
  });
});
