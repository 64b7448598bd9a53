// "N files read" on stderr counted the files that then failed to read, and the exit-4 line counted series (a file of
// two pods counted twice) beside files. Now the line counts the files read, lists those that could not be read, and the
// last line says how many of the directory's files failed.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rows } from './helpers/csv-rows';
import { mora } from './helpers/run-cli';

describe('mora backtest: the directory line counts the files read', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'mora-files-read-'));
    const good = rows(10 * 288);
    writeFileSync(join(dir, 'a.csv'), ['timestamp,value', ...good].join('\n'));
    // Two series in one file: one file read, not two.
    writeFileSync(join(dir, 'b.csv'), ['timestamp,pod,value', ...['p1', 'p2'].flatMap((p) => good.map((r) => r.replace(',', `,${p},`)))].join('\n'));
    writeFileSync(join(dir, 'c.csv'), '');
    writeFileSync(join(dir, 'd.csv'), ['timestamp,value', good[0], good[1].replace(/,.*/, ',oops')].join('\n'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('2 files read, 2 that could not be, named; 2 of 4 files in the last line; exit 4', async () => {
    const r = await mora(['backtest', '--input', dir, '--kind', 'cpu', '--strategies', 'mora']);
    assert.equal(r.code, 4, r.err);
    assert.match(r.err, /: 2 files read \(a\.csv, b\.csv\); 2 could not be read \(c\.csv, d\.csv; why below\)/, r.err);
    assert.doesNotMatch(r.err, /4 files read/);
    assert.match(r.err, /skipped file .*c\.csv: /);
    assert.match(r.err, /skipped file .*d\.csv: /);
    assert.match(r.err, /2 of 4 files could not be read/, r.err);
  });
});
