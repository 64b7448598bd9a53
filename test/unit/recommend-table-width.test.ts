/**
 * The recommendations table: quantities are never cut ("220Mi→376…" hid the value to set), the width follows the
 * terminal (process.stdout.columns, then $COLUMNS, else unlimited for a pipe), names wrap instead of losing their tail,
 * and a namespace column appears when the rows span more than one namespace.
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

  it('fits 100 columns by wrapping names (and the verdict at its hyphen last), keeping every name\'s tail', () => {
    const t = recommendationsTable(runs, 100);
    const table = t.split('\n').slice(0, t.split('\n').findIndex((l) => l.startsWith('a value') || l.startsWith('risk =')));
    for (const l of table) assert.ok(l.length <= 100, `${l.length}: ${l}`);
    assert.ok(!t.includes('…'), t);
    // The wrapped pieces of the name column read back as the full names.
    const nameWidth = table[1].indexOf(' ');
    const names = table.slice(2).map((l) => l.slice(0, nameWidth).trim());
    const joined: string[] = [];
    for (let i = 0; i < names.length; i++) {
      if (table[2 + i].slice(nameWidth, nameWidth + 20).trim()) joined.push(names[i]); // a row's first line has its quantities
      else joined[joined.length - 1] += names[i];
    }
    for (const r of runs) assert.ok(joined.includes(r.recommendation.workload.name), `${r.recommendation.workload.name} in ${joined.join(', ')}`);
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
    assert.ok(!t.includes('…'));
    assert.equal(lines.filter((l) => l.includes('220Mi→376Mi')).length, 1000);
    // frontend- / 0999 on two lines, never "frontend…" for all of them.
    assert.equal(new Set(lines.filter((l) => /^-\d{4} /.test(l)).map((l) => l.slice(0, 5))).size, 1000, lines.slice(-4).join('\n'));
  });

  it('mora recommend follows $COLUMNS in a pipe, and is unlimited without it', async () => {
    const wide = await asPipe(undefined, () => recommendCommand(RECOMMEND_DEFAULTS));
    assert.ok(wide.split('\n').some((l) => l.startsWith('recommendationservice ')), wide);
    assert.ok(!wide.includes('…'));
    const at200 = await asPipe('200', () => recommendCommand(RECOMMEND_DEFAULTS));
    assert.ok(at200.split('\n').some((l) => l.startsWith('recommendationservice ')), at200);
    // 80 columns cannot hold the quantities whole: the names and the verdict wrap, nothing is cut, the table is as narrow as it gets.
    const at80 = await asPipe('80', () => recommendCommand(RECOMMEND_DEFAULTS));
    const head = at80.split('\n').slice(0, at80.split('\n').findIndex((l) => l.startsWith('a value') || l.startsWith('risk =')));
    assert.ok(!at80.includes('…'));
    assert.ok(Math.max(...head.map((l) => l.length)) < Math.max(...wide.split('\n').slice(0, 13).map((l) => l.length)));
    assert.ok(head.some((l) => l.startsWith('recommen ')) && head.some((l) => l.startsWith('dationse')), head.join('\n'));
  });
});
