/**
 * The risk each value carries, next to it on every CLI output: `mora recommend --compare` and `mora demo` show the risk
 * column and the targets' footnote as the plain table does, and `mora demo` takes --cpu-risk / --memory-risk.
 */
import { strict as assert } from 'node:assert';
import { riskCell, riskTargetsLine } from '../../src/core/advice-text';
import { recommendCommand } from '../../src/cli/commands/recommend';
import { comparisonTable } from '../../src/cli/format/recommendations';
import { formatCpu } from '../../src/core/quantity';
import type { Recommendation } from '../../src/core/recommendation';
import type { EngineResult } from '../../src/rightsizing/engine';
import { asPipe } from './helpers/as-pipe';
import { demoEngineRuns } from './helpers/demo-runs';
import { RECOMMEND_DEFAULTS } from './helpers/recommend-options';
import { mora } from './helpers/run-cli';

/** The table's rows by their first cell (names are whole: no width limit). */
function rowsOf(table: string): Map<string, string[]> {
  const lines = table.split('\n');
  const out = new Map<string, string[]>();
  for (const l of lines.slice(2)) {
    if (!l.trim() || /^(Δ|risk =|\*|a value)/.test(l)) continue;
    const cells = l.split(/\s{2,}/);
    out.set(cells[0], cells);
  }
  return out;
}

describe('risk next to each value: --compare and the demo', function () {
  this.timeout(90000);
  let runs: EngineResult[];
  before(async () => {
    runs = await demoEngineRuns();
  });

  it('the comparison table has a risk column (as the recommendations table) and the targets under it', () => {
    const table = comparisonTable(runs, Infinity);
    const header = table.split('\n')[0].split(/\s{2,}/);
    assert.equal(header[header.length - 1], 'risk', table);
    const rows = rowsOf(table);
    for (const r of runs) {
      const row = rows.get(r.recommendation.workload.name);
      assert.ok(row, `${r.recommendation.workload.name} in\n${table}`);
      assert.equal(row[row.length - 1], riskCell(r.recommendation.containers[0]));
    }
    const targets = riskTargetsLine(runs.map((r) => r.recommendation))!;
    assert.ok(table.includes(`risk = expected share of time above the CPU request · OOM days at the memory limit (1/100 = 1 in 100; leak 5d = memory leaks: an OOM kill in ≈5 days at the limit), from each workload's own history; ${targets} (--cpu-risk, --memory-risk)`), table);
  });

  it('values without risk statements (a baseline strategy): no risk column, no footnote', async () => {
    const t = await asPipe(undefined, () => recommendCommand({ ...RECOMMEND_DEFAULTS, strategy: 'vpa', compare: true }));
    assert.doesNotMatch(t.split('\n')[0], /risk/);
    assert.doesNotMatch(t, /risk =/);
  });

  it('mora recommend --compare --cpu-risk 0.01: the column and the footnote at that target', async () => {
    const t = await asPipe(undefined, () => recommendCommand({ ...RECOMMEND_DEFAULTS, compare: true, cpuRisk: '0.01' }));
    assert.match(t.split('\n')[0], /verdict +risk$/);
    assert.match(t, /risk targets: CPU request exceeded ≤1% of the time, memory limit ≤1 OOM day in 100 \(--cpu-risk, --memory-risk\)/);
  });

  it('mora demo --cpu-risk 0.01 --memory-risk 0.005: sized to them (the values mora recommend gives), said in one line and under the table', async () => {
    const demo = await asPipe(undefined, () => mora(['demo', '--no-report', '-q', '--cpu-risk', '0.01', '--memory-risk', '0.005']));
    assert.equal(demo.code, 0, demo.err);
    // One line: the targets and where to change them (it broke after the targets).
    assert.match(demo.out, /^MOrA sizes to your risk target: CPU request exceeded ≤1% of the time, memory limit ≤1 OOM day in 200 \(--cpu-risk \/ --memory-risk here and in mora recommend; settings mora\.risk\.cpu \/ mora\.risk\.memory\)\.$/m);
    assert.match(demo.out, /risk targets: CPU request exceeded ≤1% of the time, memory limit ≤1 OOM day in 200 \(--cpu-risk, --memory-risk\)/);
    const json = JSON.parse(await recommendCommand({ ...RECOMMEND_DEFAULTS, format: 'json', cpuRisk: '0.01', memoryRisk: '0.005' })) as Recommendation[];
    const rows = rowsOf(demo.out.slice(demo.out.search(/^service +cpu +vpa/m)));
    let tighter = 0;
    for (const r of json) {
      const row = rows.get(r.workload.name);
      assert.ok(row, r.workload.name);
      assert.equal(row[1].replace(/†$/, ''), formatCpu(r.containers[0].cpu!.request.value), r.workload.name); // † a request held at its CPU limit
      const def = runs.find((x) => x.recommendation.workload.name === r.workload.name)!.recommendation.containers[0].cpu!.request.value;
      if (r.containers[0].cpu!.request.value > def) tighter++;
    }
    assert.ok(tighter > 0, 'a 1% CPU target raises some request above the 5% default');
  });

  it('mora demo rejects a bad risk as mora recommend does, before printing anything', async () => {
    for (const [flag, value] of [['--cpu-risk', '5'], ['--memory-risk', '0.9'], ['--cpu-risk', 'x']]) {
      const r = await mora(['demo', '--no-report', '-q', flag, value]);
      assert.equal(r.code, 2, `${flag} ${value}: ${r.err}`);
      assert.equal(r.out, '');
      assert.match(r.err, new RegExp(`${flag} must be a share between 0\\.001 and 0\\.5`));
    }
  });
});
