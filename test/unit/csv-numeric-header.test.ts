// Headers that name columns by numbers (Azure's V1 trace: `step,1633748,1633750,…`, one column per VM, a row counter
// first). `mora backtest` said "no header? … give --no-header", which then failed ("step" is no timestamp), when what
// reads the file is `--wide --step <seconds>`; and `--value-column 101` read 101 as a column number ("the file has
// 3 columns") although the header names a column "101".
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseTimeseries, parseTimeseriesCsv } from '../../src/data/timeseries-csv';
import { inputError, T0 } from './helpers/csv-rows';
import { mora } from './helpers/run-cli';
import { inTempDir } from './helpers/temp-dir';

/** A row counter under `first` and two VMs' columns named 101 and 102. */
const azureV1 = (first = 'step', start = 1, n = 4) => `${first},101,102\n${Array.from({ length: n }, (_, k) => `${start + k},0.5,0.${6 + (k % 3)}`).join('\n')}\n`;

describe('CSV: a header that names its columns by numbers', () => {
  it('a word over a row counter, then numbers: the error says --wide --step <seconds>, not --no-header', () => {
    assert.throws(() => parseTimeseriesCsv(azureV1(), 'a.csv'), inputError(/--wide --step <seconds>/));
    assert.throws(() => parseTimeseriesCsv(azureV1(), 'a.csv'), (e: Error) => !/--no-header/.test(e.message));
    // Counting from 0 is a counter too.
    assert.throws(() => parseTimeseriesCsv(azureV1('index', 0), 'a.csv'), inputError(/--wide --step <seconds>/));
    // What it says reads the file: one series per column, the counter as steps.
    const reads = parseTimeseries(azureV1(), 'a.csv', { wide: true, step: 300 });
    assert.deepEqual(reads.map((r) => [r.key, r.read.series.t[1]]), [['101', 600], ['102', 600]]);
  });

  it('a word over timestamps, then numbers: the error says --wide', () => {
    const text = `epoch,101,102\n${T0},0.5,0.6\n${T0 + 300},0.5,0.7\n`;
    assert.throws(() => parseTimeseriesCsv(text, 'e.csv'), inputError(/give --wide\b(?! --step)/));
  });

  it('a file without a header (numbers in most cells of its first line) still says --no-header', () => {
    assert.throws(() => parseTimeseriesCsv('c_1002,m_202,0,27,61\nc_1003,m_202,0,20,55\n', 'n.csv'), inputError(/no header\? .*--no-header/));
  });

  it('--value-column and --series-column match a header name that is a number before reading it as a column number', () => {
    const [one] = parseTimeseries(azureV1(), 'a.csv', { valueColumn: '101', step: 300 });
    assert.equal(one.read.series.v[1], 0.5);
    const [two] = parseTimeseries(azureV1(), 'a.csv', { valueColumn: '102', step: 300 });
    assert.equal(two.read.series.v[1], 0.7);
    // No column of that name: still the column number.
    const [byNumber] = parseTimeseries(azureV1(), 'a.csv', { valueColumn: '3', step: 300 });
    assert.equal(byNumber.read.series.v[1], 0.7);
    assert.throws(() => parseTimeseries(azureV1(), 'a.csv', { valueColumn: '7', step: 300 }), inputError(/--value-column 7: the file has 3 columns/));
    // A number that is both a column's number and another column's name: which is meant cannot be told, so neither is
    // read silently; the name, or the number in quotes for the column so named, says it.
    const small = `step,1,2\n1,0.5,0.6\n2,0.5,0.7\n`;
    assert.throws(() => parseTimeseries(small, 's.csv', { timeColumn: '1', valueColumn: 'step' }),
      inputError(/--time-column 1: column 1 \("step"\) or the column named "1" \(column 2\)\? give "step" for column 1, or '"1"' \(in quotes\) for column 2/));
    const [quoted] = parseTimeseries(small, 's.csv', { valueColumn: '"2"', step: 300 });
    assert.equal(quoted.read.series.v[1], 0.7);
    const [named] = parseTimeseries(small, 's.csv', { timeColumn: 'step', valueColumn: '"1"', step: 300 });
    assert.equal(named.read.series.v[0], 0.5);
    const long = `step,7,value\n1,a,0.5\n1,b,0.6\n2,a,0.5\n2,b,0.7\n`;
    const byId = parseTimeseries(long, 'l.csv', { seriesColumns: ['7'], step: 300 });
    assert.deepEqual(byId.map((r) => r.key), ['a', 'b']);
  });

  it('mora forecast --value-column 101 reads the column named 101', async () => {
    await inTempDir(async (dir) => {
      const input = join(dir, 'a.csv');
      writeFileSync(input, `timestamp,101,102\n${Array.from({ length: 2 * 288 }, (_, k) => `${T0 + k * 300},0.5,0.7`).join('\n')}\n`);
      const r = await mora(['forecast', '-i', input, '-H', '2', '--value-column', '101', '-f', 'json']);
      assert.equal(r.code, 0, r.err);
      assert.doesNotMatch(r.err, /the file has 3 columns/);
      assert.match(r.out, /0\.5/);
      assert.doesNotMatch(r.out, /0\.7/);
    });
  });
});
