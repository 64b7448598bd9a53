// Rows made only of separators — Excel's trailing `,\r\n` rows after the data, a `,,` line between two exports — are
// blank lines, not rows with an empty timestamp; a row with a value but no timestamp is still an error.
import { strict as assert } from 'node:assert';
import { parseTimeseriesCsv } from '../../src/data/timeseries-csv';
import { inputError, rows } from './helpers/csv-rows';

describe('timestamp,value CSV: rows made only of separators', () => {
  it('skips Excel\'s trailing "," rows (CRLF), as blank lines are', () => {
    const r = parseTimeseriesCsv(['timestamp,value', ...rows(4032), ',', ',', ' , ', ''].join('\r\n'), 'excel.csv');
    assert.equal(r.series.t.length, 4032);
    assert.equal(r.missing, 0);
  });

  it('skips separator-only rows inside the data and quoted empty cells in a wider file', () => {
    const text = ['timestamp,value,pod', ...rows(3).map((l) => `${l},a`), ',,', '"","",""', ...rows(6).slice(3).map((l) => `${l},a`)].join('\n');
    const r = parseTimeseriesCsv(text, 'wide.csv');
    assert.equal(r.series.t.length, 6);
  });

  it('still refuses a row with a value but no timestamp', () => {
    assert.throws(() => parseTimeseriesCsv(['timestamp,value', ...rows(3), ',5'].join('\n'), 'x.csv'),
      inputError(/^x\.csv: line 5: "" is not a timestamp/));
  });
});
