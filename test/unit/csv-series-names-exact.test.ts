// recs.csv is a contract a harness joins on: the series column must hold each series' name exactly as the input gave
// it. Real ids begin with characters a spreadsheet would read as a formula (the Azure public dataset's VM ids are
// base64: '+0eOX…', '/2Tb…'), so no guard prefix is added to them (one was tried and reverted, 2026-12-01); Kubernetes
// names, the other CSV outputs' text, cannot begin with such a character (DNS-1123).
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCsv } from './helpers/csv-cells';
import { rows } from './helpers/csv-rows';
import { mora } from './helpers/run-cli';

describe('mora backtest --out: series names as the input gave them', () => {
  let dir = '';
  before(() => { dir = mkdtempSync(join(tmpdir(), 'mora-series-names-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes base64-like ids starting with + or / and a quoted name unchanged', async () => {
    const pods = ['+0eOXgv8Rz/4=', '/2TbYq+1Fw==', '-a1', 'web "blue", 1'];
    const quote = (p: string) => (/[",]/.test(p) ? `"${p.replace(/"/g, '""')}"` : p);
    const body = pods.flatMap((p) => rows(10 * 288).map((r) => { const [t, v] = r.split(','); return `${t},${quote(p)},${v}`; }));
    const input = join(dir, 'pods.csv'), out = join(dir, 'recs.csv');
    writeFileSync(input, ['timestamp,pod,value', ...body].join('\n'));
    const r = await mora(['backtest', '--input', input, '--kind', 'cpu', '--strategies', 'mora,vpa', '--out', out, '-q']);
    assert.equal(r.code, 0, r.err);
    const [header, ...read] = parseCsv(readFileSync(out, 'utf8'));
    assert.deepEqual(header, ['series', 'day_start', 'strategy', 'value']);
    assert.deepEqual([...new Set(read.map((c) => c[0]))].sort(), [...pods].sort());
    for (const c of read) assert.equal(c.length, 4, c.join('|'));
  });
});
