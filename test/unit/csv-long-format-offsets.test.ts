// A long-format file (timestamp,pod,value) whose pods were scraped at different offsets never repeats a timestamp, so
// the repeated-timestamp check let it through as one series that jumps between the pods. The label column's values
// tell the series apart; a column that only looks like a label (a row id, a second metric, a shift, a rare status, a
// pod renamed midway) is still one series.
import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseTimeseriesCsv } from '../../src/data/timeseries-csv';
import { inputError, T0 } from './helpers/csv-rows';
import { mora } from './helpers/run-cli';
import { inTempDir } from './helpers/temp-dir';

/** One pod's rows: `n` samples every `step` seconds from T0 + `offset`, around `level`. */
function pod(name: string, n: number, step: number, offset: number, level: number): Array<[number, string, string]> {
  return Array.from({ length: n }, (_, i) => [T0 + offset + i * step, name, (level * (1 + 0.05 * Math.sin(i / 7))).toFixed(4)]);
}

/** The rows in time order as `timestamp,pod,value` lines. */
function longCsv(...pods: Array<Array<[number, string, string]>>): string {
  const all = pods.flat().sort((x, y) => x[0] - y[0]);
  return ['timestamp,pod,value', ...all.map(([ts, p, v]) => `${ts},${p},${v}`)].join('\n');
}

describe('long-format CSV whose series never share a timestamp', () => {
  it('two pods scraped 30 s apart are several series, named by their column and the first row of the second pod', () => {
    const text = longCsv(pod('a', 240, 60, 0, 0.2), pod('b', 240, 60, 30, 2));
    assert.throws(() => parseTimeseriesCsv(text, 'offset.csv'),
      inputError(/^offset\.csv: line 3: the file holds several series: pod "b" \(from this row\) and "a" take turns over the same time .*; mora reads one series per file: split it by pod/));
  });

  it('pods at other cadences, a short-lived second replica, and a row id beside the pod are still several series', () => {
    // Every 15 s beside every 60 s.
    assert.throws(() => parseTimeseriesCsv(longCsv(pod('a', 960, 15, 0, 1), pod('b', 240, 60, 7, 1)), 'cadence.csv'), inputError(/several series: pod "b"/));
    // A replica up for one hour of two days.
    assert.throws(() => parseTimeseriesCsv(longCsv(pod('a', 2880, 60, 0, 1), pod('b', 60, 60, 86400 + 30, 1)), 'replica.csv'), inputError(/several series: pod "b"/));
    // id,timestamp,value,pod: the id is unique per row (no label), the pod column splits the rows.
    const rows = [...pod('a', 100, 60, 0, 1), ...pod('b', 100, 60, 20, 3)].sort((x, y) => x[0] - y[0]);
    const text = ['id,timestamp,value,pod', ...rows.map(([ts, p, v], j) => `${j + 1},${ts},${v},${p}`)].join('\n');
    assert.throws(() => parseTimeseriesCsv(text, 'ids.csv'), inputError(/^ids\.csv: line 3: the file holds several series: pod "b".* split it by pod/));
  });

  it('columns that only look like a label leave one series', () => {
    const n = 4 * 288;
    const at = (i: number) => T0 + i * 300;
    const cases: Record<string, (i: number) => string> = {
      // A pod renamed midway (a rollout): one after the other.
      pod: (i) => (i < n / 2 ? 'web-1' : 'web-2'),
      // A shift: 12-hour runs that recur every day.
      shift: (i) => (Math.floor(i / 144) % 2 ? 'night' : 'day'),
      // A status set on a few rows among many.
      status: (i) => (i % 20 === 0 ? 'warn' : 'ok'),
      // A second metric with few values (numeric: no label).
      replicas: (i) => String(1 + (i % 2)),
    };
    for (const [col, label] of Object.entries(cases)) {
      const text = [`timestamp,value,${col}`, ...Array.from({ length: n }, (_, i) => `${at(i)},${(1 + 0.1 * Math.sin(i / 9)).toFixed(4)},${label(i)}`)].join('\n');
      const r = parseTimeseriesCsv(text, `${col}.csv`);
      assert.equal(r.series.t.length, n, col);
    }
    // A row id, unique per row, beside the timestamp: one series.
    const ids = parseTimeseriesCsv(['id,timestamp,value', ...Array.from({ length: 300 }, (_, i) => `r${i},${at(i)},1`)].join('\n'));
    assert.equal(ids.series.t.length, 300);
  });

  it('mora forecast refuses such a file with exit 2, naming the column to split by; mora backtest replays one series per pod', async () => {
    await inTempDir(async (dir) => {
      const file = join(dir, 'long_offset.csv');
      writeFileSync(file, longCsv(pod('a', 10 * 288, 300, 0, 0.2), pod('b', 10 * 288, 300, 150, 2)));
      const r = await mora(['forecast', '--input', file, '--horizon', '2']);
      assert.equal(r.code, 2);
      assert.match(r.err, /long_offset\.csv: line 3: the file holds several series: .*split it by pod \(mora backtest --series-column pod/);
      assert.equal(r.out, '');
      // Its one label column beside timestamp and value says how it splits (before: refused as forecast refuses it).
      const out = join(dir, 'recs.csv');
      const b = await mora(['backtest', '-i', file, '-k', 'cpu', '-s', 'vpa', '-o', out]);
      assert.equal(b.code, 0, b.err);
      assert.match(b.err, /long_offset\.csv: 2 series by its pod column, one per pod \(as --series-column pod reads them\)/);
      assert.deepEqual([...new Set(readFileSync(out, 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')[0]))], ['a', 'b']);
      // With a second label column, which of them names a series is a question the flags answer.
      const two = longCsv(pod('a', 10 * 288, 300, 0, 0.2), pod('b', 10 * 288, 300, 150, 2)).replace(/^timestamp,pod,value/, 'timestamp,pod,value,node')
        .replace(/\n(.*,(a|b),[^,\n]*)/g, (_m, row: string, p: string) => `\n${row},n-${p}`);
      writeFileSync(file, two);
      const q = await mora(['backtest', '-i', file, '-k', 'cpu', '-s', 'vpa', '-q']);
      assert.equal(q.code, 2);
      assert.match(q.err, /several series: .*--series-column/);
    });
  });
});
