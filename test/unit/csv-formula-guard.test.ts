// CSV injection (OWASP): a series name starting with =, +, -, @, a tab or a CR was written as it is into recs.csv, so a
// spreadsheet opening it ran a formula. Such a text cell is now written with a `'` before it, which unguardCsvCell drops
// again (names round-trip); numbers, negative ones too, and a `-` inside a name are left as they are.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { csvCell, toCsv, unguardCsvCell } from '../../src/cli/format/csv';
import { rows } from './helpers/csv-rows';
import { mora } from './helpers/run-cli';

/** RFC 4180 cells of one line (quoted cells, doubled quotes). */
function cells(line: string): string[] {
  const out: string[] = [];
  let cur = '', quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') { cur += '"'; i++; } else if (c === '"') quoted = false; else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { out.push(cur); cur = ''; } else cur += c;
  }
  out.push(cur);
  return out;
}

describe('CSV outputs: formula guard on text cells', () => {
  it('guards text starting with = + - @ tab CR, leaves numbers and inner dashes, and round-trips', () => {
    const names = ['=1+2', '+SUM(A1)', '-cmd', '@SUM(A1)', '\tx', '\rx', "'=q", "'plain", 'web-1', 'a=b', '-', '—'];
    for (const n of names) {
      const text = cells(csvCell(n))[0];
      if (/^'*[=+\-@\t\r]/.test(n)) assert.ok(text.startsWith("'"), `${JSON.stringify(n)} → ${JSON.stringify(text)}`);
      else assert.equal(text, n);
      assert.equal(unguardCsvCell(text), n, JSON.stringify(n));
    }
    assert.equal(toCsv(['v', 's'], [[-0.5, '-0.5'], [-3e-7, '+2']]), 'v,s\n-0.5,-0.5\n-3e-7,+2\n');
  });

  describe('mora backtest --out', () => {
    let dir = '';
    before(() => { dir = mkdtempSync(join(tmpdir(), 'mora-csv-guard-')); });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('writes a formula-like series name guarded, a dashed name and the values as they are', async () => {
      const pods = ['=HYPERLINK("http://x","y")', '@SUM(A1)', '-2+3', 'web-1'];
      const body = pods.flatMap((p) => rows(10 * 288).map((r) => { const [t, v] = r.split(','); return `${t},${p.includes(',') ? `"${p.replace(/"/g, '""')}"` : p},${v}`; }));
      const input = join(dir, 'pods.csv'), out = join(dir, 'recs.csv');
      writeFileSync(input, ['timestamp,pod,value', ...body].join('\n'));
      const r = await mora(['backtest', '--input', input, '--kind', 'cpu', '--strategies', 'mora,vpa', '--out', out, '-q']);
      assert.equal(r.code, 0, r.err);
      const lines = readFileSync(out, 'utf8').trim().split('\n');
      assert.equal(lines[0], 'series,day_start,strategy,value');
      const read = lines.slice(1).map(cells);
      const series = new Set(read.map((c) => c[0]));
      assert.deepEqual([...series].sort(), ["'-2+3", "'=HYPERLINK(\"http://x\",\"y\")", "'@SUM(A1)", 'web-1'].sort());
      assert.deepEqual([...series].map(unguardCsvCell).sort(), [...pods].sort());
      for (const c of read) {
        assert.equal(c.length, 4, c.join('|'));
        assert.ok(!/^[=+\-@\t\r]/.test(c[0]), c[0]);
        assert.match(c[3], /^\d/);
      }
    });
  });
});
