// A file of aggregates without a time column (cpu_usage,mem_usage,disk per interval, as cluster-trace exports give) was
// refused with "which column is the timestamp?" naming only --time-column: the error now says backtest --step <seconds>
// reads its rows as evenly spaced. A file whose columns hold times gets no such hint. And --step with --value-column
// of a second column read the first column's usage numbers (0.52) as step numbers: the rows are the steps now.
import { strict as assert } from 'node:assert';
import { parseTimeseriesBytes } from '../../src/data/timeseries-csv';
import { inputError, T0 } from './helpers/csv-rows';

const N = 40;
const usage = (i: number) => `${(0.5 + 0.3 * Math.sin(i / 5)).toFixed(3)},${Math.round(2e9 + 1e8 * Math.cos(i / 7))},${i % 3}`;
const aggregates = Buffer.from(['cpu_usage,mem_usage,disk', ...Array.from({ length: N }, (_, i) => usage(i))].join('\n'));

describe('a CSV with no time column: --step is suggested', () => {
  it('aggregates: the timestamp error names backtest --step <seconds>', () => {
    assert.throws(() => parseTimeseriesBytes(aggregates, 'agg.csv'),
      inputError(/which column is the timestamp\?.*--time-column.*no column holds times.*mora backtest --step <seconds> --value-column <name>/));
  });

  it('a column of epoch seconds or ISO dates under another name: no --step hint', () => {
    for (const at of [(i: number) => String(T0 + 300 * i), (i: number) => new Date((T0 + 300 * i) * 1000).toISOString()]) {
      const text = Buffer.from(['at,cpu_usage,mem_usage,disk', ...Array.from({ length: N }, (_, i) => `${at(i)},${usage(i)}`)].join('\n'));
      assert.throws(() => parseTimeseriesBytes(text, 'at.csv'), (e: Error) => /which column is the timestamp\?/.test(e.message) && !/--step/.test(e.message));
    }
  });

  it('--step 300 --value-column mem_usage: rows 300 s apart, mem values (not cpu_usage read as steps)', () => {
    const [r] = parseTimeseriesBytes(aggregates, 'agg.csv', { step: 300, valueColumn: 'mem_usage' });
    assert.equal(r.read.series.t.length, N);
    assert.deepEqual(Array.from(r.read.series.t.slice(0, 3)), [0, 300, 600]);
    assert.equal(r.read.series.v[0], Math.round(2e9 + 1e8));
  });

  it('--step over a step counter column still reads it as step numbers', () => {
    const text = Buffer.from(['n,cpu_usage,mem_usage,disk', ...Array.from({ length: N }, (_, i) => `${2 * i},${usage(i)}`)].join('\n'));
    const [r] = parseTimeseriesBytes(text, 'n.csv', { step: 60, valueColumn: 'cpu_usage' });
    assert.deepEqual(Array.from(r.read.series.t.slice(0, 3)), [0, 120, 240]);
  });
});
