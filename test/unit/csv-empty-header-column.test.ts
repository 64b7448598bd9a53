// A wide CSV whose header leaves a column's name empty (`timestamp,pod-1,,pod-3`): the column was dropped, data and all,
// with no word on stderr ("2/2 series"); read without --wide, the error counted 3 columns of the 4. Now the column is a
// series named by its number (`column 3`), said on stderr, and the error counts every column.
import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseTimeseries, parseTimeseriesCsv } from '../../src/data/timeseries-csv';
import { inputError, T0 } from './helpers/csv-rows';
import { mora } from './helpers/run-cli';
import { inTempDir } from './helpers/temp-dir';

/** `n` rows of a time column and three value columns (column c's values are c + a small wave). */
function file(header: string, n: number): string {
  const lines = Array.from({ length: n }, (_, k) => `${T0 + k * 300},${[1, 2, 3].map((c) => (c + 0.1 * Math.sin(k / 30)).toFixed(4)).join(',')}`);
  return `${header}\n${lines.join('\n')}\n`;
}

describe('CSV: a column with an empty header name', () => {
  it('--wide reads it as a series named by its column number, with its values', () => {
    const reads = parseTimeseries(file('timestamp,pod-1,,pod-3', 20), 'e.csv', { wide: true });
    assert.deepEqual(reads.map((r) => r.key), ['pod-1', 'column 3', 'pod-3']);
    assert.equal(reads[1].read.series.t.length, 20);
    assert.equal(reads[1].read.series.v[0], 2);
    assert.equal(reads[1].read.unnamedColumn, 3);
    assert.equal(reads[0].read.unnamedColumn, undefined);
  });

  it('a trailing empty column of no values (every line ends in a comma) is still no series', () => {
    const text = `timestamp,a,b,\n${T0},1,2,\n${T0 + 300},3,4,\n`;
    assert.deepEqual(parseTimeseries(text, 't.csv', { wide: true }).map((r) => r.key), ['a', 'b']);
  });

  it('without --wide, the error counts every column of the header, the unnamed one too', () => {
    assert.throws(() => parseTimeseriesCsv(file('timestamp,pod-1,,pod-3', 5), 'e.csv'),
      inputError(/The header has 4 columns \(timestamp, pod-1, \(empty\), pod-3\)/));
  });

  it('mora backtest --wide replays it and says on stderr that it had no name', async () => {
    await inTempDir(async (dir) => {
      const input = join(dir, 'e.csv');
      writeFileSync(input, file('timestamp,pod-1,,pod-3', 9 * 288));
      const out = join(dir, 'r.csv');
      const r = await mora(['backtest', '-i', input, '-k', 'cpu', '--wide', '-s', 'vpa', '-o', out]);
      assert.equal(r.code, 0, r.err);
      assert.match(r.err, /column 3 has no name in the header; read as the series "column 3"/);
      const names = new Set(readFileSync(out, 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')[0]));
      assert.deepEqual([...names].sort(), ['column 3', 'pod-1', 'pod-3'].map((k) => k));
    });
  });
});
