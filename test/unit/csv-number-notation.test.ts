// A value cell in another notation than a plain decimal (thousands separators, hexadecimal, …) is refused, as before,
// and its one-line error now says what to write instead (README: "each error says what to change"). MOrA has no
// option for thousands separators or another decimal mark in a comma-separated file, so the remedy is to export plain
// numbers (a ";"-separated file with decimal commas reads: csv-third-party-inputs.test.ts).
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTimeseriesCsv } from '../../src/data/timeseries-csv';
import { T0 } from './helpers/csv-rows';
import { mora } from './helpers/run-cli';

/** The error for a file whose second row's value cell is `cell` (as written: quoted where it holds a comma). */
function errorFor(cell: string): string {
  try {
    parseTimeseriesCsv(['timestamp,value', `${T0},0.5`, `${T0 + 300},${cell}`].join('\n'), 'n.csv');
  } catch (e) {
    return (e as Error).message;
  }
  assert.fail(`${cell} was read`);
}

const ACCEPTED = 'values read as decimal numbers with a dot as the decimal mark, such as 0.25, -3, 1234.5 or 2.5e-3 (empty or NaN: no sample)';

describe('value cells in another notation: the error says what to write', () => {
  it('thousands separators (commas, apostrophes, spaces, underscores): the number without them, and that no option reads them', () => {
    for (const [cell, shown, plain] of [['"1,234.5"', '1,234.5', '1234.5'], ['"12,345,678"', '12,345,678', '12345678'], ["1'234.5", "1'234.5", '1234.5'],
      ['"1 234 567"', '1 234 567', '1234567'], ['1_000', '1_000', '1000']]) {
      assert.equal(errorFor(cell), `n.csv: line 3: value "${shown}" is not a number: thousands separators? export the numbers without them (${plain}); no option reads them`);
    }
    // One comma before three digits: either reading is possible, so both are named.
    assert.equal(errorFor('"1,234"'), 'n.csv: line 3: value "1,234" is not a number: a thousands separator (1234) or a decimal comma (1.234)? '
      + 'export plain numbers, a dot as the decimal mark and no thousands separators (no option reads them)');
    // Dots grouping thousands before a decimal comma (a European spreadsheet's number, quoted in a comma-separated file).
    assert.equal(errorFor('"1.234,5"'), 'n.csv: line 3: value "1.234,5" is not a number: thousands dots and a decimal comma? export plain numbers (1234.5) '
      + 'or separate the columns with ";", which reads decimal commas');
    // A decimal comma that groups nothing keeps its hint.
    assert.equal(errorFor('"0,125"'), 'n.csv: line 3: value "0,125" is not a number: a decimal comma? write a dot as the decimal mark');
  });

  it('hexadecimal, octal, binary: the decimal value to write and the forms that read; other number-like cells: the forms that read', () => {
    assert.equal(errorFor('0x10'), `n.csv: line 3: value "0x10" is not a number: hexadecimal is not read; write 16: ${ACCEPTED}`);
    assert.equal(errorFor('0xff'), `n.csv: line 3: value "0xff" is not a number: hexadecimal is not read; write 255: ${ACCEPTED}`, 'not a unit "xff"');
    assert.equal(errorFor('-0X1F'), `n.csv: line 3: value "-0X1F" is not a number: hexadecimal is not read; write -31: ${ACCEPTED}`);
    assert.equal(errorFor('0o17'), `n.csv: line 3: value "0o17" is not a number: octal is not read; write 15: ${ACCEPTED}`);
    assert.equal(errorFor('0b101'), `n.csv: line 3: value "0b101" is not a number: binary is not read; write 5: ${ACCEPTED}`);
    assert.equal(errorFor('0xFFFFFFFFFFFFFFFFFFFF'), `n.csv: line 3: value "0xFFFFFFFFFFFFFFFFFFFF" is not a number: hexadecimal is not read; write it in decimal: ${ACCEPTED}`);
    for (const cell of ['1.2.3', '(5)', '$5', '5-', '0b102']) assert.equal(errorFor(cell), `n.csv: line 3: value "${cell}" is not a number: ${ACCEPTED}`, cell);
    // No number at all and units keep their messages; an infinity is no sample, as NaN is (counted, not an error).
    assert.equal(errorFor('oops'), 'n.csv: line 3: value "oops" is not a number');
    assert.match(errorFor('250m'), /: it carries a unit \("m"\); write plain numbers/);
    const inf = parseTimeseriesCsv(['timestamp,value', `${T0},+Inf`, `${T0 + 300},inf`, `${T0 + 600},-Infinity`, `${T0 + 900},1`].join('\n'), 'i.csv');
    assert.deepEqual([inf.missing, inf.infinite, inf.series.t.length], [3, 3, 1]);
  });

  it('mora forecast prints it on one line, exit 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mora-notation-'));
    try {
      const file = join(dir, 'h.csv');
      writeFileSync(file, ['timestamp,value', `${T0},0.5`, `${T0 + 300},0x10`, ''].join('\n'));
      const r = await mora(['forecast', '-i', file, '-H', '2']);
      assert.equal(r.code, 2);
      assert.equal(r.err, `mora: ${file}: line 3: value "0x10" is not a number: hexadecimal is not read; write 16: ${ACCEPTED}\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
