// A CSV with a time column before each metric (`timestamp,cpu_usage,timestamp,memory_working_set`, columns of uneven
// length), as pod-metrics dumps merged column by column are written: each pair is a series of its own, labelled by its
// metric; --value-column picks one; backtest --kind picks the metric of that kind and says which. Fixtures are generated.
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSeriesInput, type LoadReport } from '../../src/cli/commands/backtest-input';
import { metricForKind } from '../../src/data/paired-csv';
import { InputError, parseTimeseries, parseTimeseriesCsv } from '../../src/data/timeseries-csv';
import { mora } from './helpers/run-cli';
import { inTempDir } from './helpers/temp-dir';

const T = 1_736_589_600;

/**
 * A paired file: per metric, `rows` samples 10 s apart from T (its own count, so the columns end unevenly) and a value
 * from `value(metricIndex, row)`. Shorter columns' later cells are empty, as the dumps write them.
 */
function paired(metrics: ReadonlyArray<{ name: string; rows: number; start?: number }>, value = (m: number, i: number) => (m + 1) * 1000 + i): string {
  const lines = [metrics.map((m) => `timestamp,${m.name}`).join(',')];
  const n = Math.max(...metrics.map((m) => m.rows));
  for (let i = 0; i < n; i++) {
    lines.push(metrics.map((m, k) => (i < m.rows ? `${T + (m.start ?? 0) + i * 10},${value(k, i)}` : ',')).join(','));
  }
  return lines.join('\n') + '\n';
}

const POD = [
  { name: 'cpu_system', rows: 130 }, { name: 'cpu_usage', rows: 130 }, { name: 'cpu_user', rows: 130 },
  { name: 'memory_usage', rows: 171 }, { name: 'memory_working_set', rows: 171 },
];

describe('CSV: a time column before each metric (paired layout)', () => {
  it('reads each pair as its own series, labelled by its metric, with its own timestamps; empty trailing cells are no rows', () => {
    const reads = parseTimeseries(paired([{ name: 'cpu_usage', rows: 5 }, { name: 'memory_working_set', rows: 8, start: 20 }]), 'pod.csv');
    assert.deepEqual(reads.map((r) => r.key), ['cpu_usage', 'memory_working_set']);
    assert.ok(reads.every((r) => r.paired));
    const [cpu, mem] = reads.map((r) => r.read);
    assert.deepEqual(Array.from(cpu.series.t), [0, 1, 2, 3, 4].map((i) => T + i * 10));
    assert.deepEqual(Array.from(cpu.series.v), [1000, 1001, 1002, 1003, 1004]);
    assert.deepEqual(Array.from(mem.series.t), [0, 1, 2, 3, 4, 5, 6, 7].map((i) => T + 20 + i * 10));
    assert.deepEqual(Array.from(mem.series.v), [2000, 2001, 2002, 2003, 2004, 2005, 2006, 2007]);
    // The three rows past cpu_usage's end are not its missing values, nor a trailing gap.
    assert.equal(cpu.missing, 0);
    assert.equal(cpu.trailing, undefined);
    assert.equal(mem.missing, 0);
  });

  it('--value-column picks one metric, read with its own time column (the longer column keeps all its rows)', () => {
    const text = paired(POD);
    const mem = parseTimeseriesCsv(text, 'pod.csv', { valueColumn: 'memory_working_set' });
    assert.equal(mem.series.t.length, 171);
    assert.equal(mem.series.v[170], 5000 + 170);
    assert.equal(mem.missing, 0);
    const cpu = parseTimeseriesCsv(text, 'pod.csv', { valueColumn: '4' });
    assert.equal(cpu.series.t.length, 130);
    assert.equal(cpu.series.v[0], 2000);
    assert.throws(() => parseTimeseriesCsv(text, 'pod.csv', { valueColumn: '3' }), /column 3 is a time column.*cpu_system, cpu_usage/);
  });

  it('one series wanted and no --value-column: an error that lists the metrics and names the flag', () => {
    assert.throws(() => parseTimeseriesCsv(paired(POD), 'pod.csv'),
      (e: Error) => e instanceof InputError && /a time column before each metric: 5 series \(cpu_system, cpu_usage, cpu_user, memory_usage, memory_working_set\).*--value-column cpu_usage/.test(e.message));
  });

  it('an empty value beside a timestamp is a missing sample; a value without its timestamp is an error naming the column', () => {
    const text = paired([{ name: 'cpu', rows: 4 }, { name: 'mem', rows: 4 }]).replace(`${T + 10},1001`, `${T + 10},`);
    const cpu = parseTimeseries(text, 'pod.csv')[0].read;
    assert.equal(cpu.series.t.length, 3);
    assert.equal(cpu.missing, 1);
    const bad = paired([{ name: 'cpu', rows: 4 }, { name: 'mem', rows: 4 }]).replace(`${T + 20},2002`, ',2002');
    assert.throws(() => parseTimeseries(bad, 'pod.csv'), /pod\.csv: line 4: "" is not a timestamp.*\(column 4 mem, its time in column 3\)/);
  });

  it('files that read before read as before: one time column, or pairs a header names otherwise', () => {
    // `timestamp,value,date,note` was read as timestamp and value; its alternating names do not make it paired.
    const r = parseTimeseries(`timestamp,value,date,note\n${T},1,2024-01-01,a\n${T + 60},2,2024-01-01,b\n`, 'x.csv');
    assert.equal(r.length, 1);
    assert.equal(r[0].key, undefined);
    assert.deepEqual(Array.from(r[0].read.series.v), [1, 2]);
  });

  it('metricForKind: CPU is the total usage, memory the working set over usage; ambiguity names --value-column', () => {
    const pod = ['cpu_system', 'cpu_usage', 'cpu_user', 'disk_reads', 'memory_usage', 'memory_working_set'];
    assert.equal(metricForKind(pod, 'cpu', 'f').name, 'cpu_usage');
    assert.match(metricForKind(pod, 'cpu', 'f').why, /total.*cpu_system and cpu_user left out/);
    assert.equal(metricForKind(pod, 'memory', 'f').name, 'memory_working_set');
    assert.equal(metricForKind(['cpu', 'cpu_user', 'mem'], 'cpu', 'f').name, 'cpu');
    // A node's dump: no working set; usage, said to count page cache.
    const node = metricForKind(['cpu_usage', 'disk_reads', 'memory_usage'], 'memory', 'f');
    assert.equal(node.name, 'memory_usage');
    assert.match(node.why, /no working-set column.*page cache/);
    assert.throws(() => metricForKind(['cpu_system', 'cpu_user', 'memory_usage'], 'cpu', 'f'), /f: which column is the total CPU usage\? cpu_system, cpu_user could be.*--value-column/);
    assert.throws(() => metricForKind(['cpu_usage', 'cpu_usage_cores'], 'cpu', 'f'), /cpu_usage, cpu_usage_cores could be/);
    assert.throws(() => metricForKind(['cpu_usage', 'disk_reads'], 'memory', 'f'), /no memory column among its metrics \(cpu_usage, disk_reads;.*--value-column/);
  });

  it('flags that read a file before read it as before, though its header alternates time and metric names', () => {
    const t0 = 1_700_000_000;
    // end_time is a metric's time only in the paired reading; --value-column read it timed by `timestamp`.
    const ended = `timestamp,cpu,end_time,duration\n${[0, 1, 2].map((i) => `${t0 + 60 * i},${i + 1},${t0 + 100_000 + 60 * i},${5 + i}`).join('\n')}\n`;
    const d = parseTimeseries(ended, 'x.csv', { valueColumn: 'duration' });
    assert.equal(d.length, 1);
    assert.equal(d[0].key, undefined);
    assert.deepEqual(Array.from(d[0].read.series.t), [t0, t0 + 60, t0 + 120]);
    assert.deepEqual(Array.from(d[0].read.series.v), [5, 6, 7]);
    // Not by the day-only `date` column (every row of a day one timestamp).
    const dated = `timestamp,cpu,date,mem\n${t0},1,2023-11-14,5\n${t0 + 60},2,2023-11-14,6\n${t0 + 120},3,2023-11-15,7\n`;
    const m = parseTimeseriesCsv(dated, 'x.csv', { valueColumn: 'mem' });
    assert.deepEqual(Array.from(m.series.t), [t0, t0 + 60, t0 + 120]);
    assert.deepEqual(Array.from(m.series.v), [5, 6, 7]);
    assert.deepEqual(Array.from(parseTimeseriesCsv(ended, 'x.csv', { valueColumn: '2' }).series.t), [t0, t0 + 60, t0 + 120]);
    // Refused by the flags (no value column with --time-unit alone): read by pairs, each metric by its own time column.
    const byPairs = parseTimeseries(ended, 'x.csv', { timeUnit: 's' });
    assert.deepEqual(byPairs.map((r) => r.key), ['cpu', 'duration']);
    assert.equal(byPairs[1].read.series.t[0], t0 + 100_000);
  });

  it('time columns of one name read as pairs with any flag: each metric by its own time column, never the first', () => {
    // Even columns whose times differ: --value-column read memory_usage by the first timestamp column before.
    const text = paired([{ name: 'cpu_usage', rows: 4 }, { name: 'memory_usage', rows: 4, start: 5 }]);
    const mem = parseTimeseriesCsv(text, 'pod.csv', { valueColumn: 'memory_usage' });
    assert.deepEqual(Array.from(mem.series.t), [0, 1, 2, 3].map((i) => T + 5 + i * 10));
    // --wide read the second "timestamp" as a series; now the metrics, each by its own time.
    const wide = parseTimeseries(text, 'pod.csv', { wide: true });
    assert.deepEqual(wide.map((r) => r.key), ['cpu_usage', 'memory_usage']);
    assert.equal(wide[1].read.series.t[0], T + 5);
  });

  it('a cumulative CPU counter is never the usage: by its _total name, or by values that only grow, steadily', async () => {
    // container_cpu_usage_seconds_total replayed as cores grows without end: one line that says to export its rate.
    const only = () => metricForKind(['container_cpu_usage_seconds_total', 'memory_working_set'], 'cpu', 'f');
    assert.throws(only, (e: Error) => e instanceof InputError && !e.message.includes('\n')
      && /^f: container_cpu_usage_seconds_total is a cumulative counter.*not usage in cores; export its rate instead \(rate\(container_cpu_usage_seconds_total\[5m\]\) in Prometheus\), or give --value-column/.test(e.message));
    assert.throws(() => metricForKind(['cpu_usage_seconds_total'], 'cpu', 'f'), /is a cumulative counter/);
    // Beside the usage, the counter is left out, and said so.
    const pick = metricForKind(['cpu_usage', 'cpu_usage_total', 'cpu_user'], 'cpu', 'f');
    assert.equal(pick.name, 'cpu_usage');
    assert.match(pick.why, /cpu_usage_total: a cumulative counter/);
    // Its rate, named as the query writes it, is the usage; a bare cpu_total (user + system in some dumps) is not judged by name.
    assert.equal(metricForKind(['rate(container_cpu_usage_seconds_total[5m])', 'cpu_user'], 'cpu', 'f').name, 'rate(container_cpu_usage_seconds_total[5m])');
    assert.equal(metricForKind(['cpu_total', 'cpu_user'], 'cpu', 'f').name, 'cpu_total');
    // By its values: a counter named cpu_usage (CPU seconds, every scrape higher) is refused; a usage that rises with noise is not.
    await inTempDir(async (dir) => {
      const counter = join(dir, 'counter.csv');
      writeFileSync(counter, paired(POD, (m, i) => (m === 1 ? 100 + i * 0.5 + 0.1 * ((i * 7) % 5) : m < 3 ? 0.01 : 5e6)));
      assert.throws(() => loadSeriesInput(counter, undefined, { unreadable: [], notes: [] }, undefined, 'cpu'),
        (e: Error) => e instanceof InputError && !e.message.includes('\n') && /cpu_usage never decreases over its 130 samples.*cumulative counter.*rate\(cpu_usage\[5m\]\).*--value-column cpu_usage if it is the usage/.test(e.message));
      // --value-column says it is the usage: read as asked.
      assert.equal(loadSeriesInput(counter, undefined, { unreadable: [], notes: [] }, { valueColumn: 'cpu_usage' }, 'cpu')[0].series.t.length, 130);
      const rising = join(dir, 'rising.csv');
      writeFileSync(rising, paired(POD, (m, i) => (m === 1 ? 0.1 + 0.004 * i + 0.02 * (((i * 7) % 5) - 2) : m < 3 ? 0.01 : 5e6)));
      const r = loadSeriesInput(rising, undefined, { unreadable: [], notes: [] }, undefined, 'cpu');
      assert.equal(r.length, 1);
      assert.equal(r[0].series.t.length, 130);
      // The CLI: exit 2 and the one line, not a replay of the counter as thousands of cores.
      const named = join(dir, 'prom.csv');
      writeFileSync(named, paired([{ name: 'container_cpu_usage_seconds_total', rows: 40 }, { name: 'memory_working_set', rows: 40 }]));
      const cli = await mora(['backtest', '-i', named, '-k', 'cpu']);
      assert.equal(cli.code, 2, cli.err);
      assert.equal(cli.err.trim().split('\n').length, 1, cli.err);
      assert.match(cli.err, /container_cpu_usage_seconds_total is a cumulative counter.*rate\(container_cpu_usage_seconds_total\[5m\]\)/);
    });
  });

  it('backtest input with --kind: the metric of that kind alone, named by the file, and a note says which column', async () => {
    await inTempDir(async (dir) => {
      // Values that go down as well as up: a column that only grows, steadily, is read as a cumulative counter (below).
      const wavy = (m: number, i: number) => (m + 1) * 1000 + (i % 7);
      writeFileSync(join(dir, 'web-1.csv'), paired(POD, wavy));
      writeFileSync(join(dir, 'web-2.csv'), paired(POD, wavy));
      writeFileSync(join(dir, 'node1.csv'), paired([{ name: 'cpu_usage', rows: 20 }, { name: 'memory_usage', rows: 20 }], wavy));
      const report: LoadReport = { unreadable: [], notes: [] };
      const mem = loadSeriesInput(dir, undefined, report, undefined, 'memory');
      assert.deepEqual(mem.map((s) => s.name), ['node1', 'web-1', 'web-2']);
      assert.equal(mem[1].series.v[0], 5000); // memory_working_set, not memory_usage (4000)
      assert.equal(mem[0].series.v[0], 2000); // the node's memory_usage
      assert.equal(report.notes.length, 2);
      assert.match(report.notes.find((n) => n.includes('2 files'))!, /2 files \(web-1\.csv, web-2\.csv\): a time column before each metric; --kind memory replays memory_working_set: the working set.*--value-column/);
      assert.match(report.notes.find((n) => n.includes('node1'))!, /replays memory_usage: no working-set column/);
      const cpu = loadSeriesInput(join(dir, 'web-1.csv'), undefined, { unreadable: [], notes: [] }, undefined, 'cpu');
      assert.equal(cpu.length, 1);
      assert.equal(cpu[0].series.v[0], 2000); // cpu_usage
      // --wide asks for every column: every metric, named by it.
      const all = loadSeriesInput(join(dir, 'web-1.csv'), undefined, { unreadable: [], notes: [] }, { wide: true }, 'cpu');
      assert.deepEqual(all.map((s) => s.name), POD.map((m) => m.name));
    });
  });

  it('mora backtest on a 28-minute paired file: one line each for the column used and why no day scores; exit 2, no NaN', async () => {
    await inTempDir(async (dir) => {
      const f = join(dir, 'pod.csv');
      writeFileSync(f, paired(POD, (m, i) => (m < 3 ? 0.01 * (m + 1) + 0.001 * (i % 7) : 5e6 + 1e4 * (i % 9))));
      const r = await mora(['backtest', '-i', f, '-k', 'memory']);
      assert.equal(r.code, 2, r.err);
      const lines = r.err.trim().split('\n');
      assert.equal(lines.length, 2, r.err);
      assert.match(lines[0], /--kind memory replays memory_working_set/);
      assert.match(lines[1], /no day could be scored: the longest series covers 28 min \(171 points\); backtest replays whole days.*mora forecast/);
      assert.doesNotMatch(r.err, /NaN|\n\s+at /);
      const fc = await mora(['forecast', '-i', f, '--value-column', 'cpu_usage', '-H', '12', '-q']);
      assert.equal(fc.code, 0, fc.err);
      assert.equal(fc.out.trim().split('\n').length, 13);
      assert.doesNotMatch(fc.out, /NaN/);
    });
  });
});
