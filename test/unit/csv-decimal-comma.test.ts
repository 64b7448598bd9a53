// Decimal commas (European locales: Excel and LibreOffice write `1700000000;0,25`) through `mora forecast` and
// `mora backtest`'s reader, with and without a header, one or several value columns. A `;`- or tab-separated file reads,
// its decimal commas as decimals; a comma-separated file without a header whose values may be decimal commas read as
// two columns (`1700000000,0,25`: 0 and 25) is an error naming the line and saying what to change — before, with
// `--no-header --time-column 1 --value-column 2` every value read as its whole part (0), silently, and a `;` file failed
// with '"1700000060;0" is not a timestamp' (or "export with commas").
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseTimeseries, parseTimeseriesCsv } from '../../src/data/timeseries-csv';
import { inputError } from './helpers/csv-rows';
import { mora } from './helpers/run-cli';
import { inTempDir } from './helpers/temp-dir';

const T = 1_700_000_000;
/** CPU in cores under one core, as a locale with a decimal comma writes it: `0,25`, `0,5`, `0,75`. */
const cores = (k: number) => `0,${[25, 5, 75, 4][k % 4]}`;
const lines = (n: number, row: (k: number) => string) => Array.from({ length: n }, (_, k) => row(k)).join('\n');
const noHeader = { noHeader: true, timeColumn: '1', valueColumn: '2' };

describe('CSV with decimal commas', () => {
  it('headerless, ";" separated, one value column: mora forecast reads 0,25 as 0.25', async () => {
    const text = lines(3 * 288, (k) => `${T + k * 300};${cores(k)}`);
    assert.deepEqual([...parseTimeseriesCsv(text, 'eu.csv', noHeader).series.v.slice(0, 4)], [0.25, 0.5, 0.75, 0.4]);
    // No flag: "no header", as for a comma-separated file; the flag it names reads it.
    assert.throws(() => parseTimeseriesCsv(text, 'eu.csv'), inputError(/^eu\.csv: line 1: no header; .*--no-header/));
    await inTempDir(async (dir) => {
      writeFileSync(join(dir, 'eu.csv'), text);
      const r = await mora(['forecast', '-i', join(dir, 'eu.csv'), '-H', '2', '--no-header']);
      assert.equal(r.code, 0, r.err);
      const first = r.out.trim().split('\n')[1].split(',').map(Number);
      assert.ok(first[1] > 0.2 && first[1] < 0.8, `a forecast of values 0.25…0.75, not of 0: ${r.out.split('\n')[1]}`);
    }, 'mora-dc-');
  });

  it('headerless, ";" or tab separated, two value columns: --value-column picks one, --wide reads both', () => {
    for (const sep of [';', '\t']) {
      const text = lines(10, (k) => `${T + k * 300}${sep}${cores(k)}${sep}1,${k}`);
      assert.deepEqual([...parseTimeseriesCsv(text, 'two.csv', { ...noHeader, valueColumn: '3' }).series.v.slice(0, 3)], [1.0, 1.1, 1.2]);
      const wide = parseTimeseries(text, 'two.csv', { noHeader: true, wide: true, timeColumn: '1' });
      assert.deepEqual(wide.map((s) => [s.key, s.read.series.v[0]]), [['column 2', 0.25], ['column 3', 1]]);
    }
  });

  it('a ";" header and ISO timestamps read without flags; quoted cells, 1.234,5 and -0,5 too', () => {
    const text = ['zeit;wert', ...Array.from({ length: 4 }, (_, k) => `2023-11-15 00:0${k}:00;"${['1.234,5', '-0,5', '2', ',5'][k]}"`)].join('\n');
    assert.deepEqual([...parseTimeseriesCsv(['timestamp;value', ...text.split('\n').slice(1)].join('\n'), 'h.csv').series.v], [1234.5, -0.5, 2, 0.5]);
  });

  it('a number whose dot may group thousands, in a file of decimal commas, is an error naming its line', () => {
    const text = ['timestamp;value', `${T};0,5`, `${T + 300};1.500`].join('\n');
    assert.throws(() => parseTimeseriesCsv(text, 'k.csv'),
      inputError(/^k\.csv: line 3: "1\.500" in a file whose decimal mark is a comma: a thousands separator \(1500\) or a decimal point\? export the numbers without thousands separators$/));
    // Without a decimal comma anywhere, a dot is a decimal point (a ";" file of a locale that writes dots).
    assert.deepEqual([...parseTimeseriesCsv(['timestamp;value', `${T};0.5`, `${T + 300};1.500`].join('\n'), 'd.csv').series.v], [0.5, 1.5]);
  });

  it('a tab or ";" file whose commas could all group thousands (1,234) is an error naming the line, unless its column shows decimals', () => {
    for (const [sep, what] of [['\t', 'tab'], [';', '";"']]) {
      const text = ['timestamp', 'value'].join(sep) + `\n${T}${sep}1,234\n${T + 60}${sep}999`;
      assert.throws(() => parseTimeseriesCsv(text, 't.csv'), inputError(new RegExp(`^t\\.csv: line 2: "1,234" in column 2 of a ${what}-separated file: a thousands separator \\(1234\\) `
        + 'or a decimal comma \\(1\\.234\\)\\? no other value of the column tells; export the numbers without thousands separators')));
      assert.throws(() => parseTimeseriesCsv(`${T}${sep}999\n${T + 60}${sep}12,345,678`, 'm.csv', noHeader), inputError(/^m\.csv: line 2: "12,345,678" in column 2 .*thousands separators \(12345678\)/));
      // Another cell of the column settles it: a decimal comma no thousands group can be (0,25; 1,5; 0,125).
      for (const proof of ['0,25', '1,5', '0,125', '-2,5']) {
        assert.deepEqual([...parseTimeseriesCsv(`${T}${sep}1,234\n${T + 60}${sep}${proof}`, 'p.csv', noHeader).series.v], [1.234, Number(proof.replace(',', '.'))]);
      }
      // A decimal in another column proves nothing about this one.
      assert.throws(() => parseTimeseriesCsv(`${T}${sep}1,234${sep}0,5\n${T + 60}${sep}2,345${sep}0,5`, 'o.csv', noHeader), inputError(/^o\.csv: line 1: "1,234" in column 2/));
    }
  });

  it('comma separated, no header, decimal commas under --no-header: an error naming the line and the fix, not a series of 0', async () => {
    const same = lines(20, (k) => `${T + k * 300},${cores(k)}`);
    assert.throws(() => parseTimeseriesCsv(same, 'c.csv', noHeader), inputError(
      /^c\.csv: line 1: "1700000000,0,25": a decimal comma\? .*column 2 holds only whole numbers and column 3 looks like their decimals \(column 2 is 0 on every line while column 3 varies\); .*separate the columns with ";" \(1700000000;0,25\) or write the decimal with a dot \(0\.25\); if these are two columns, give the file a header line/));
    // A "fraction" with a leading zero names its line; so does a whole value written without decimals (one cell fewer).
    const zero = lines(20, (k) => `${T + k * 300},${1 + (k % 3)},${k === 7 ? '05' : 25 + k}`);
    assert.throws(() => parseTimeseriesCsv(zero, 'z.csv', noHeader), inputError(/^z\.csv: line 8: .*\("05" in column 3 starts with 0, as decimals do\)/));
    const whole = lines(20, (k) => (k === 4 ? `${T + k * 300},2` : `${T + k * 300},${1 + (k % 3)},${25 + k}`));
    assert.throws(() => parseTimeseriesCsv(whole, 'w.csv', noHeader), inputError(/^w\.csv: line 5: .*this line has no column 3: a whole number written without decimals/));
    // --wide reads columns 2 and 3 as two series: the same error.
    assert.throws(() => parseTimeseries(same, 'c.csv', { noHeader: true, wide: true, timeColumn: '1' }), inputError(/^c\.csv: line 1: .*a decimal comma\?/));
    await inTempDir(async (dir) => {
      writeFileSync(join(dir, 'c.csv'), same);
      const r = await mora(['forecast', '-i', join(dir, 'c.csv'), '-H', '2', '--no-header', '--time-column', '1', '--value-column', '2']);
      assert.equal(r.code, 2);
      assert.match(r.err, /c\.csv: line 1: .*a decimal comma\?/);
      assert.equal(r.out, '');
      // The fixes it names read the numbers.
      writeFileSync(join(dir, 'c.csv'), same.replace(/^(\d+),/gm, '$1;'));
      assert.deepEqual([...parseTimeseriesCsv(same.replace(/^(\d+),/gm, '$1;'), 'c.csv', noHeader).series.v.slice(0, 2)], [0.25, 0.5]);
      const ok = await mora(['forecast', '-i', join(dir, 'c.csv'), '-H', '2', '--no-header']);
      assert.equal(ok.code, 0, ok.err);
      // With a header naming three columns, they are three columns.
      assert.deepEqual([...parseTimeseriesCsv(['timestamp,cores,x', same].join('\n'), 'h.csv', { valueColumn: 'cores' }).series.v.slice(0, 2)], [0, 0]);
    }, 'mora-dc-');
  });

  it('an idle series of zeros beside a column of whole numbers, without a header, reads (its "fractions" end in 0, decimals do not)', () => {
    const idle = lines(20, (k) => `${T + k * 60},0,${[523, 611, 480, 517, 700][k % 5] + k}`);
    assert.deepEqual([...parseTimeseriesCsv(idle, 'idle.csv', noHeader).series.v], Array.from({ length: 20 }, () => 0));
    assert.deepEqual([...parseTimeseriesCsv(idle, 'idle.csv', { ...noHeader, valueColumn: '3' }).series.v.slice(0, 3)], [523, 612, 482]);
    // Decimals written as decimals are (0,25, 0,5, 0,75, 0,4 never end in 0): still refused, as above.
    assert.throws(() => parseTimeseriesCsv(lines(20, (k) => `${T + k * 60},${cores(k)}`), 'c.csv', noHeader), inputError(/^c\.csv: line 1: .*a decimal comma\?/));
  });

  it('whole numbers beside whole numbers without a header (the Alibaba trace\'s columns) read as before', () => {
    const text = lines(20, (k) => `c_1,m_1,${T + k * 300},${30 + (k % 7)},${60 + k}`);
    assert.deepEqual([...parseTimeseriesCsv(text, 'ali.csv', { noHeader: true, timeColumn: '3', valueColumn: '4' }).series.v.slice(0, 3)], [30, 31, 32]);
    // A comma-separated file whose first line holds a ";" in a cell stays comma-separated.
    assert.deepEqual([...parseTimeseriesCsv(['timestamp,value,note;x', `${T},0.5,a;b`].join('\n'), 'n.csv').series.v], [0.5]);
  });
});
