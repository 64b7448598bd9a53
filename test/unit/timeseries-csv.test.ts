// The timestamp,value CSV reader the CLI takes (forecast, backtest): epoch numbers in seconds, milliseconds,
// microseconds or nanoseconds are told apart by magnitude, one unit per file; ISO-8601 keeps working.
import * as assert from 'node:assert/strict';
import { InputError, epochUnit, parseTimeseriesCsv, parseTimestamp } from '../../src/data/timeseries-csv';
import { mora } from './helpers/run-cli';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const T = 1_700_000_000; // 2023-11-14T22:13:20Z

describe('timestamp,value CSV timestamps', () => {
  it('reads the same instant in seconds, milliseconds, microseconds, nanoseconds and ISO-8601', () => {
    for (const raw of [`${T}`, `${T}000`, `${T}000000`, `${T}000000000`, '2023-11-14T22:13:20Z', '2023-11-14 22:13:20', `${T}.5`]) {
      assert.equal(Math.floor(parseTimestamp(raw)), T, raw);
    }
    assert.deepEqual([`${T}`, `${T}000`, `${T}000000`, `${T}000000000`].map((x) => epochUnit(Number(x))), ['s', 'ms', 'us', 'ns']);
  });

  it('a file of epoch microseconds (or nanoseconds) gives Unix seconds, not dates in the year 55,000', () => {
    for (const zeros of ['000000', '000000000']) {
      const { series } = parseTimeseriesCsv(['timestamp,value', `${T}${zeros},1`, `${T + 60}${zeros},2`, `${T + 120}${zeros},3`].join('\n'));
      assert.deepEqual([...series.t], [T, T + 60, T + 120], zeros);
    }
  });

  it('rejects timestamps whose unit changes within a file, and numbers too large for any unit, naming the line', () => {
    assert.throws(() => parseTimeseriesCsv(['timestamp,value', `${T},1`, `${T + 60}000,2`].join('\n'), 'mixed.csv'),
      (e: unknown) => e instanceof InputError && e.message === `mixed.csv: line 3: "${T + 60}000" reads as Unix milliseconds, but line 2 as seconds; use one unit for every timestamp, or give it: --time-unit s|ms|us|ns (times counted from a trace's start are fine)`);
    assert.throws(() => parseTimeseriesCsv(['timestamp,value', '170000000000000000000000,1'].join('\n'), 'big.csv'),
      (e: unknown) => e instanceof InputError && /^big\.csv: line 2: "170000000000000000000000" is not a timestamp \(too large for Unix seconds, milliseconds, microseconds or nanoseconds\)$/.test(e.message));
  });

  it('mora forecast on a microsecond CSV forecasts from the right dates', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mora-ts-'));
    try {
      const file = join(dir, 'us.csv');
      writeFileSync(file, ['timestamp,value', ...Array.from({ length: 50 }, (_, i) => `${(T + 300 * i) * 1e6},${10 + (i % 7)}`)].join('\n'));
      const r = await mora(['forecast', '--input', file, '--horizon', '2']);
      assert.equal(r.code, 0, r.err);
      assert.equal(Number(r.out.trim().split('\n')[1].split(',')[0]), T + 300 * 50);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
