// A value cell of a very long run of digits (`1731024000,` then 400,000 nines: Infinity as a number) is refused, as it
// was, but at once: the unit check's regex (\d+\.?\d*) backtracked quadratically on it, 14 s for 80,000 digits and
// about 6 minutes for 400,000 before the refusal.
import { strict as assert } from 'node:assert';
import { parseTimeseriesCsv } from '../../src/data/timeseries-csv';

describe('a value cell of a very long number', () => {
  it('is refused with the usual message, at once (it took minutes)', () => {
    for (const digits of [80_000, 400_000]) {
      const text = `timestamp,value\n1731024000,${'9'.repeat(digits)}\n1731024300,0.5\n`;
      const started = Date.now();
      assert.throws(() => parseTimeseriesCsv(text, 'long.csv'), /^InputError: long\.csv: line 2: value "9{40}" is not a number: values read as decimal numbers/);
      // Generous for a loaded machine: a linear read of 400 KB takes milliseconds; the quadratic one took minutes.
      assert.ok(Date.now() - started < 5000, `${digits} digits: ${Date.now() - started} ms`);
    }
    // Digits then a character no number or unit has: the decimal check backtracked alike.
    const started = Date.now();
    assert.throws(() => parseTimeseriesCsv(`timestamp,value\n1731024000,${'9'.repeat(400_000)}-\n`, 'dash.csv'), /^InputError: dash\.csv: line 2: value "9{40}" is not a number/);
    assert.ok(Date.now() - started < 5000, `digits and a dash: ${Date.now() - started} ms`);
    // A number with a unit is still named as one.
    assert.throws(() => parseTimeseriesCsv(`timestamp,value\n1731024000,${'9'.repeat(1000)}Mi\n`, 'u.csv'), /it carries a unit \("Mi"\)/);
  });
});
