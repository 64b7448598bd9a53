// Milliseconds counted from a trace's start (Alibaba's microservices trace, MSMetrics: 0, 60000, 120000, …) are under
// 1e11, so without --time-unit they read as Unix seconds: 300000 s steps, days of samples spread over decades. backtest
// said "no day could be scored" after calling the rows after 1980 "stray rows? … remove them", and forecast answered a
// meaningless daily pattern with exit 0. Both now say the times look like milliseconds and to give --time-unit ms;
// a seconds trace counted from 0 (Alibaba 2018, 10 s or 300 s steps) is still read as seconds without that hint.
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { implausibleTimestamps, unitReadAsSeconds } from '../../src/data/timeseries-csv';
import { mora } from './helpers/run-cli';
import { inTempDir } from './helpers/temp-dir';

const DAY = 86_400;

/** `n` times `step` apart from `from`. */
const times = (n: number, step: number, from = 0): number[] => Array.from({ length: n }, (_, i) => from + i * step);

/** A long-form trace as MSMetrics writes it: two instances, their times `step` units apart from 0, for `days` days of `perDay` rows. */
function msMetrics(days: number, step: number, perDay: number): string {
  const rows = ['timestamp,msinstanceid,cpu_utilization'];
  for (let k = 0; k < days * perDay; k++) for (const i of [0, 1]) rows.push(`${k * step},p${i},${(0.3 + 0.1 * Math.sin(k / 7) + 0.01 * i).toFixed(4)}`);
  return rows.join('\n') + '\n';
}

describe('milliseconds counted from a trace\'s start, read without --time-unit', () => {
  it('the warning says they look like milliseconds and to give --time-unit ms, not "stray rows"', () => {
    // 8 days of 5-minute steps in ms: read as seconds, about half fall before 1980 (they were called stray rows).
    const eight = implausibleTimestamps(times(8 * 288, 300_000));
    assert.ok(eight);
    assert.doesNotMatch(eight, /stray rows/);
    assert.match(eight, /300000 s \(3\.5 days\) apart/);
    assert.match(eight, /read as milliseconds counted from the trace's start, they are 300 s apart/);
    assert.match(eight, /--time-unit ms/);
    // 12 hours of 1-minute steps: all before 1980 (the Excel-dates warning before).
    const half = implausibleTimestamps(times(720, 60_000));
    assert.ok(half);
    assert.match(half, /they are 60 s apart/);
    assert.match(half, /--time-unit ms/);
    // Microseconds the same way: 5-minute steps are 3e8 µs.
    assert.match(implausibleTimestamps(times(300, 300e6)) ?? '', /--time-unit us/);
  });

  it('a seconds trace counted from 0 (10 s, 300 s, hourly and daily steps) gets no such hint', () => {
    for (const step of [10, 60, 300, 900, 1800, 3600, DAY]) {
      assert.equal(unitReadAsSeconds(times(2000, step)), undefined, `${step} s`);
      assert.doesNotMatch(implausibleTimestamps(times(2000, step)) ?? '', /milliseconds|--time-unit ms/, `${step} s`);
    }
    // Unix epoch milliseconds are told by magnitude already: nothing to say.
    assert.equal(unitReadAsSeconds(times(300, 300, 1_700_000_000)), undefined);
    assert.equal(implausibleTimestamps(times(300, 300, 1_700_000_000)), undefined);
  });

  it('mora backtest: the warning and the "no day could be scored" error say --time-unit ms; with it, the days are scored', async () => {
    await inTempDir(async (dir) => {
      const file = join(dir, 'ms.csv');
      writeFileSync(file, msMetrics(8, 300_000, 288));
      const flags = ['--input', file, '--kind', 'cpu', '--series-column', 'msinstanceid', '--value-column', 'cpu_utilization', '--strategies', 'mora,vpa'];
      const r = await mora(['backtest', ...flags]);
      assert.equal(r.code, 2, r.err);
      assert.doesNotMatch(r.err, /stray rows/);
      assert.match(r.err, /^mora: warning: .*\(series p0\): .*--time-unit ms/m);
      assert.match(r.err, /^mora: .*no day could be scored .*milliseconds counted from the trace's start.*give --time-unit ms/m);
      const ok = await mora(['backtest', ...flags, '--time-unit', 'ms', '-q']);
      assert.equal(ok.code, 0, ok.err);
      assert.doesNotMatch(ok.err, /milliseconds/);
    }, 'mora-ms-');
  });

  it('mora forecast: the same warning on one instance\'s milliseconds', async () => {
    await inTempDir(async (dir) => {
      const file = join(dir, 'one.csv');
      writeFileSync(file, ['timestamp,cpu_utilization', ...times(3 * 1440, 60_000).map((t, i) => `${t},${(0.3 + 0.1 * Math.sin(i / 9)).toFixed(4)}`)].join('\n') + '\n');
      const r = await mora(['forecast', '-i', file, '-H', '2', '--model', 'prophet']);
      assert.match(r.err, /^mora: warning: .*one\.csv: .*they are 60 s apart.*--time-unit ms/m);
      const ok = await mora(['forecast', '-i', file, '-H', '2', '--model', 'prophet', '--time-unit', 'ms']);
      assert.equal(ok.code, 0, ok.err);
      assert.doesNotMatch(ok.err, /milliseconds/);
    }, 'mora-ms-');
  });
});
