/**
 * The recommendations table: quantities are never cut ("220Mi→376…" hid the value to set), the width follows the
 * terminal (process.stdout.columns, then $COLUMNS, else unlimited for a pipe), a long name is shortened in its middle
 * (start and tail kept, one line per row: table-fit-width.test.ts), and a namespace column appears when the rows span
 * more than one namespace.
 */
import { strict as assert } from 'node:assert';
import { recommendCommand } from '../../src/cli/commands/recommend';
import { comparisonTable, recommendationsTable } from '../../src/cli/format/recommendations';
import { renderTable, terminalWidth } from '../../src/cli/format/table';
import type { EngineResult } from '../../src/rightsizing/engine';
import { demoEngineRuns } from './helpers/demo-runs';
import { asPipe } from './helpers/as-pipe';
import { RECOMMEND_DEFAULTS } from './helpers/recommend-options';

describe('recommendations table width', function () {
  this.timeout(60000);
  let runs: EngineResult[];
  before(async () => {
    runs = await demoEngineRuns();
  });

  it('terminalWidth: the terminal\'s columns, then $COLUMNS, else unlimited', () => {
    assert.equal(terminalWidth({ isTTY: true, columns: 163 }, { COLUMNS: '80' }), 163);
    assert.equal(terminalWidth({ isTTY: false }, { COLUMNS: '200' }), 200);
    assert.equal(terminalWidth({ isTTY: false }, {}), Infinity);
    assert.equal(terminalWidth({ isTTY: false }, { COLUMNS: 'wide' }), Infinity);
  });

  it('never cuts a quantity, at 100 columns and at 60', () => {
    for (const width of [100, 60]) {
      const t = recommendationsTable(runs, width);
      const rec = runs.find((r) => r.recommendation.workload.name === 'recommendationservice')!.recommendation.containers[0];
      const memory = rec.memory!.request.value;
      // 220Mi→376Mi in the demo: the value to set is whole on its line.
      assert.ok(t.includes(`→${Math.round(memory / 2 ** 20)}Mi`), `${width}:\n${t}`);
      for (const l of t.split('\n')) assert.ok(!/\d…/.test(l), `${width}: a quantity was cut: ${l}`);
    }
  });

  it('fits 100 columns with every row on one line: names shortened with an ellipsis (start and tail kept), never wrapped', () => {
    const t = recommendationsTable(runs, 100);
    const table = t.split('\n').slice(0, 2 + runs.length);
    for (const l of table) assert.ok(l.length <= 100, `${l.length}: ${l}`);
    assert.ok(t.split('\n')[2 + runs.length].startsWith('to fit 100 columns: '), t);
    const names = table.slice(2).map((l) => l.split('  ')[0].trim());
    runs.forEach((r, i) => {
      const full = r.recommendation.workload.name, shown = names[i];
      const at = shown.indexOf('…');
      assert.ok(shown === full || (at >= 3 && full.startsWith(shown.slice(0, at)) && full.endsWith(shown.slice(at + 1))), `${shown} for ${full}`);
    });
    assert.equal(new Set(names).size, runs.length);
  });

  it('shows a namespace column when the rows span two namespaces, none for one', () => {
    const other = runs.slice(0, 2).map((r) => ({ ...r, recommendation: { ...r.recommendation, workload: { ...r.recommendation.workload, namespace: 'shop-eu' } } }));
    const mixed = recommendationsTable([...runs.slice(0, 2), ...other], 100);
    assert.match(mixed.split('\n')[0], /^namespace\s+workload/);
    assert.equal(mixed.split('\n').filter((l) => l.startsWith('shop-eu')).length, 2);
    assert.match(comparisonTable([...runs.slice(0, 2), ...other], 100).split('\n')[0], /^namespace\s+service/);
    assert.match(recommendationsTable(runs, 100).split('\n')[0], /^workload/);
  });

  it('1000 workloads that differ only in their tail stay apart at 100 columns', () => {
    const t = renderTable([{ header: 'workload', wrap: true }, { header: 'mem req', keep: true }, { header: 'verdict', keep: true, wrap: true }, { header: 'x'.repeat(60), keep: true }],
      Array.from({ length: 1000 }, (_, i) => [`frontend-${String(i).padStart(4, '0')}`, '220Mi→376Mi', 'under-provisioned', '']), 100);
    const lines = t.split('\n');
    for (const l of lines) assert.ok(l.length <= 100, `${l.length}: ${l}`);
    const rows = lines.filter((l) => l.includes('220Mi→376Mi'));
    assert.equal(rows.length, 1000);
    // `fron…042`: the start and enough of the tail to tell them apart, on the row's own line, never `frontend…` for all.
    const names = rows.map((l) => l.split(' ')[0]);
    assert.equal(new Set(names).size, 1000, rows.slice(-4).join('\n'));
    names.forEach((n, i) => {
      const full = `frontend-${String(i).padStart(4, '0')}`, at = n.indexOf('…');
      assert.ok(at >= 3 && full.startsWith(n.slice(0, at)) && full.endsWith(n.slice(at + 1)), `${n} for ${full}`);
    });
  });

  it('mora recommend follows $COLUMNS in a pipe, and is unlimited without it', async () => {
    const wide = await asPipe(undefined, () => recommendCommand(RECOMMEND_DEFAULTS));
    assert.ok(wide.split('\n').some((l) => l.startsWith('recommendationservice ')), wide);
    assert.ok(!wide.includes('…'));
    const at200 = await asPipe('200', () => recommendCommand(RECOMMEND_DEFAULTS));
    assert.ok(at200.split('\n').some((l) => l.startsWith('recommendationservice ')), at200);
    // At 80 columns: the verdict short, the kept CPU limit and the risk left out, long names shortened, no row wraps.
    const at80 = await asPipe('80', () => recommendCommand(RECOMMEND_DEFAULTS));
    const head = at80.split('\n').slice(0, at80.split('\n').findIndex((l) => l.startsWith('to fit 80 columns')));
    assert.equal(head.length, 2 + runs.length, at80);
    for (const l of head) assert.ok(l.length <= 80, `${l.length}: ${l}`);
    assert.ok(head.some((l) => /^recommen\S*…\S*service /.test(l)) && !head.some((l) => l.startsWith('dationse')), head.join('\n'));
    // The HPA's bounds lose the pods they count (`HPA 2–6→2–12 of 80m` → `HPA 2–6→2–12`) before the replicas column goes.
    assert.match(at80.replace(/\n */g, ' '), /not shown: cpu lim, risk, replicas pod size; all of it: -f csv, -f json or \| less -S/);
    assert.ok(head.some((l) => /^frontend .* HPA 2–6→2–12 /.test(l)), head.join('\n'));
  });
});
