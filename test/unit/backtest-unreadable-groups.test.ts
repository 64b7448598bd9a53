// A directory's files that fail for the same reason are reported once for people (the reason once, then which files),
// while JSON keeps every file with its own reason. Before, 12 exports with the same layout printed the same ~400
// characters 12 times on one line (all unreadable, exit 2) or in 12 lines (some unreadable, exit 4).
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { groupUnreadable } from '../../src/cli/commands/backtest-input';
import { rows, T0 } from './helpers/csv-rows';
import { mora } from './helpers/run-cli';

/** A CSV whose header has several value-like columns, none named for --kind cpu: the reader cannot tell which is the value. */
const WIDE = ['timestamp,rx,tx,disk', `${T0},0.1,100,5`, `${T0 + 300},0.2,110,6`, `${T0 + 600},0.3,120,7`].join('\n');
const WIDE_REASON = 'line 1: which column is the value? The header has 4 columns (timestamp, rx, tx, disk)';

function count(text: string, part: string): number {
  return text.split(part).length - 1;
}

describe('mora backtest: unreadable files of a directory grouped by reason', () => {
  let root = '';
  before(() => { root = mkdtempSync(join(tmpdir(), 'mora-bt-groups-')); });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('12 files failing alike: the reason once, five names, "and 7 more", the count; exit 2', async () => {
    const dir = join(root, 'all12');
    mkdirSync(dir);
    for (let i = 1; i <= 12; i++) writeFileSync(join(dir, `f${String(i).padStart(2, '0')}.csv`), WIDE);
    const r = await mora(['backtest', '--input', dir, '--kind', 'cpu', '--strategies', 'mora', '-q']);
    assert.equal(r.code, 2, r.err);
    assert.equal(count(r.err, WIDE_REASON), 1, r.err);
    assert.match(r.err, /no \.csv or \.json file could be read \(12\): 12 files \(f01\.csv, f02\.csv, f03\.csv, f04\.csv, f05\.csv and 7 more\): line 1: which column is the value\?/);
    assert.doesNotMatch(r.err, /f06\.csv/);
    assert.ok(r.err.length < 600, `${r.err.length} characters: ${r.err}`);
  });

  describe('a directory of good files and files failing for several reasons', () => {
    let mixed = '', good = '';
    const goodRows = ['timestamp,value', ...rows(10 * 288)];
    /** goodRows with one value replaced (file line `line`, 1-based) by `cell`. */
    const badAt = (line: number, cell: string) => goodRows.map((l, i) => (i === line - 1 ? `${T0 + (line - 2) * 300},${cell}` : l)).join('\n');
    before(() => {
      mixed = join(root, 'mixed');
      good = join(root, 'good');
      mkdirSync(mixed);
      mkdirSync(good);
      for (const d of [mixed, good]) {
        writeFileSync(join(d, 'alpha.csv'), goodRows.join('\n'));
        writeFileSync(join(d, 'omega.csv'), goodRows.map((l, i) => (i > 0 ? l.replace(/,(.*)$/, (_, v: string) => `,${(Number(v) * 2).toFixed(4)}`) : l)).join('\n'));
      }
      for (const n of ['w1', 'w2', 'w3', 'w4', 'w5', 'w6', 'w7']) writeFileSync(join(mixed, `${n}.csv`), WIDE);
      // The same text but for the line number: one group, each file named with its line.
      writeFileSync(join(mixed, 'oops-a.csv'), badAt(501, 'oops'));
      writeFileSync(join(mixed, 'oops-b.csv'), badAt(301, 'oops'));
      // Another cell: another reason, even at the same line as oops-b.
      writeFileSync(join(mixed, 'nope.csv'), badAt(301, 'nope'));
      writeFileSync(join(mixed, 'empty.csv'), '');
    });

    it('each reason once with its files, exit 4; the good files\' summary and rows are those of the good files alone', async () => {
      const outMixed = join(root, 'mixed.out'), outGood = join(root, 'good.out');
      const r = await mora(['backtest', '--input', mixed, '--kind', 'cpu', '--strategies', 'mora,vpa', '--out', outMixed, '-q']);
      const g = await mora(['backtest', '--input', good, '--kind', 'cpu', '--strategies', 'mora,vpa', '--out', outGood, '-q']);
      assert.equal(g.code, 0, g.err);
      assert.equal(r.code, 4, r.err);
      assert.equal(count(r.err, WIDE_REASON), 1, r.err);
      assert.match(r.err, /^mora: skipped 7 files in .*mixed \(w1\.csv, w2\.csv, w3\.csv, w4\.csv, w5\.csv and 2 more\): line 1: which column is the value\?/m);
      assert.match(r.err, /^mora: skipped 2 files in .*mixed \(oops-a\.csv line 501, oops-b\.csv line 301\): value "oops" is not a number$/m);
      assert.match(r.err, /^mora: skipped file .*nope\.csv: line 301: value "nope" is not a number$/m);
      assert.match(r.err, /^mora: skipped file .*empty\.csv: the file is empty/m);
      assert.equal(count(r.err, 'mora: skipped'), 4, r.err);
      assert.match(r.err, /^mora: 11 of 13 files could not be read \(named above\); the others were replayed$/m);
      // The summary of the good files is unchanged; the names line lists every skipped file.
      assert.equal(r.out, g.out + 'skipped (unreadable, see stderr): empty.csv, nope.csv, oops-a.csv, oops-b.csv, w1.csv, w2.csv, w3.csv, w4.csv, w5.csv, w6.csv, w7.csv\n');
      assert.equal(readFileSync(outMixed, 'utf8'), readFileSync(outGood, 'utf8'));
    });

    it('JSON keeps every skipped file with its own reason and line', async () => {
      const r = await mora(['backtest', '--input', mixed, '--kind', 'cpu', '--strategies', 'mora', '--format', 'json', '-q']);
      assert.equal(r.code, 4, r.err);
      const skipped = JSON.parse(r.out).skipped as Array<{ series: string; file: string; reason: string }>;
      assert.deepEqual(skipped.map((s) => s.series), ['empty', 'nope', 'oops-a', 'oops-b', 'w1', 'w2', 'w3', 'w4', 'w5', 'w6', 'w7']);
      const why = new Map(skipped.map((s) => [s.series, s.reason]));
      assert.equal(why.get('oops-a'), 'line 501: value "oops" is not a number');
      assert.equal(why.get('oops-b'), 'line 301: value "oops" is not a number');
      for (const n of ['w1', 'w2', 'w3', 'w4', 'w5', 'w6', 'w7']) assert.ok(why.get(n)!.startsWith(WIDE_REASON), n);
    });
  });

  it('groups only reasons that are the same text, or the same but for their leading line number', () => {
    const dir = join('data', 'traces');
    const groups = groupUnreadable([
      { file: join(dir, 'a.csv'), reason: 'line 5: value "x" is not a number' },
      { file: join(dir, 'sub', 'b.csv'), reason: 'line 7: value "x" is not a number' },
      { file: join(dir, 'c.csv'), reason: 'line 5: value "y" is not a number' },
      { file: join(dir, 'd.csv'), reason: 'line 9: "1" reads as Unix seconds, but line 2 as ms; use one unit' },
      { file: join(dir, 'e.csv'), reason: 'line 9: "1" reads as Unix seconds, but line 3 as ms; use one unit' },
      { file: join(dir, 'f.csv'), reason: 'the file is empty' },
      { file: join(dir, 'g.csv'), reason: 'the file is empty' },
      { file: join(dir, 'h.csv'), reason: 'line 5: value "y" is not a number' },
    ], dir);
    assert.deepEqual(groups.map((g) => [g.reason, g.files]), [
      ['value "x" is not a number', ['a.csv line 5', 'sub/b.csv line 7']],
      ['line 5: value "y" is not a number', ['c.csv', 'h.csv']],
      ['line 9: "1" reads as Unix seconds, but line 2 as ms; use one unit', ['d.csv']],
      ['line 9: "1" reads as Unix seconds, but line 3 as ms; use one unit', ['e.csv']],
      ['the file is empty', ['f.csv', 'g.csv']],
    ]);
    assert.deepEqual(groups[0].entries.map((e) => e.reason), ['line 5: value "x" is not a number', 'line 7: value "x" is not a number']);
  });
});
