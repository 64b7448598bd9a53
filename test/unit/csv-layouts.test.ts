// Public traces come in shapes a `timestamp,value` reader refused: long form (many series in one file, an id column;
// Alibaba 2018 container_usage without a header, Google 2019 instance usage with two id columns and microseconds from the
// trace's start, Azure vm_cpu_readings), wide form (one column per VM), step numbers as time, and directories with
// subdirectories and gzipped files. The flags --time-column, --value-column, --series-column, --no-header, --wide,
// --time-unit and --step read them; the inputs are generated here.
import { strict as assert } from 'node:assert';
import { mkdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parseTimeseries, parseTimeseriesCsv } from '../../src/data/timeseries-csv';
import { inputError, T0 } from './helpers/csv-rows';
import { mora } from './helpers/run-cli';
import { inTempDir } from './helpers/temp-dir';

const DAY = 86_400;
/** A usage level for series `c` at sample `k` (5-min steps): a daily wave around a per-series level. */
const level = (c: number, k: number) => (0.2 + 0.1 * c + 0.05 * Math.sin((2 * Math.PI * k) / 288)).toFixed(4);

/** Alibaba 2018 container_usage rows: container_id,machine_id,time_stamp (s from 0),cpu_util_percent,mem_util_percent,cpi,…; containers interleaved. */
function alibaba(containers: number, days: number, header: boolean): string {
  const rows: Array<[number, string]> = [];
  for (let c = 0; c < containers; c++) {
    for (let k = 0; k < (days * DAY) / 300; k++) {
      const ts = k * 300 + c;
      rows.push([ts, `c_${1000 + c},m_${200 + (c % 2)},${ts},${Math.round(100 * Number(level(c, k)))},${40 + c},,,,1.5,2.5,3`]);
    }
  }
  rows.sort((a, b) => a[0] - b[0]);
  return [...(header ? ['container_id,machine_id,time_stamp,cpu_util_percent,mem_util_percent,cpi,mem_gps,mpki,net_in,net_out,disk_io_percent'] : []), ...rows.map((r) => r[1])].join('\n');
}

/** Google 2019 instance usage: two id columns, start/end time in µs from the trace's start (600 s), 5-min windows. */
function google(instances: number, days: number): string {
  const rows: Array<[number, number, string]> = [];
  for (let c = 0; c < instances; c++) {
    for (let k = 0; k < (days * DAY) / 300; k++) {
      const st = (600 + k * 300) * 1e6;
      rows.push([st, c, `${3000 + Math.floor(c / 2)},${c % 2},${st},${st + 300e6},${level(c, k)},${level(c, k)},0.02`]);
    }
  }
  rows.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  return ['collection_id,instance_index,start_time,end_time,average_usage_cpus,maximum_usage_cpus,average_usage_memory', ...rows.map((r) => r[2])].join('\n');
}

/** A wide file: a time column (seconds from 0) and one column per VM. */
function wide(vms: number, days: number, time = 'timestamp'): string {
  const head = `${time},${Array.from({ length: vms }, (_, i) => `vm_${i}`).join(',')}`;
  return [head, ...Array.from({ length: (days * DAY) / 300 }, (_, k) => `${k * 300},${Array.from({ length: vms }, (_, i) => level(i, k)).join(',')}`)].join('\n');
}

describe('CSV layouts of public traces (--time-column, --value-column, --series-column, --no-header, --wide, --time-unit, --step)', () => {
  it('long form without a header (Alibaba container_usage): --no-header and columns by number give one series per container', async () => {
    const text = alibaba(3, 9, false);
    // Before: the first row was the header and the run stopped at "which column is the timestamp?"; now it says what to give.
    assert.throws(() => parseTimeseriesCsv(text, 'ali.csv'), inputError(/^ali\.csv: line 1: no header\? .*--no-header with --time-column <n> --value-column <n>.*--series-column <n>/));
    const reads = parseTimeseries(text, 'ali.csv', { noHeader: true, timeColumn: '3', valueColumn: '4', seriesColumns: ['1'] });
    assert.deepEqual(reads.map((r) => r.key), ['c_1000', 'c_1001', 'c_1002']);
    const c1 = reads[1].read.series;
    assert.equal(c1.t.length, (9 * DAY) / 300);
    assert.equal(c1.t[0], 1);
    assert.equal(c1.t[1], 301);
    assert.equal(c1.v[0], Math.round(100 * Number(level(1, 0))));
    // Empty cells in other columns (cpi, mem_gps) cost nothing.
    assert.equal(reads[0].read.missing, 0);
    await inTempDir(async (dir) => {
      const file = join(dir, 'container_usage.csv');
      writeFileSync(file, text);
      const out = join(dir, 'recs.csv');
      const r = await mora(['backtest', '-i', file, '-k', 'cpu', '-s', 'mora,vpa', '--no-header', '--time-column', '3', '--value-column', '4', '--series-column', '1', '--scale', '0.01', '-o', out, '-q']);
      assert.equal(r.code, 0, r.err);
      const series = new Set(readFileSync(out, 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')[0]));
      assert.deepEqual([...series].sort(), ['c_1000', 'c_1001', 'c_1002']);
      // Seconds from the trace's start are 1970 dates: no warning about Excel dates when --time-unit says they are seconds.
      const quiet = await mora(['backtest', '-i', file, '-k', 'cpu', '-s', 'vpa', '--no-header', '--time-column', '3', '--value-column', '4', '--series-column', '1', '--time-unit', 's', '-q']);
      assert.equal(quiet.code, 0, quiet.err);
      assert.doesNotMatch(quiet.err, /Excel/);
    });
  });

  it('long form with a header: the several-series and which-value errors name the flags; a header name selects the columns', () => {
    const text = alibaba(2, 2, true);
    assert.throws(() => parseTimeseriesCsv(text, 'h.csv'), inputError(/which column is the value\?.*--value-column.*--series-column/));
    const renamed = text.replace('cpu_util_percent', 'value');
    // The detection that it holds several series still works, and now says how to read each.
    assert.throws(() => parseTimeseriesCsv(renamed, 'v.csv'), inputError(/several series: .*split it by container_id \(mora backtest --series-column container_id does/));
    const reads = parseTimeseries(text, 'h.csv', { valueColumn: 'CPU_UTIL_PERCENT', seriesColumns: ['container_id'] });
    assert.deepEqual(reads.map((r) => [r.key, r.read.series.t.length]), [['c_1000', 576], ['c_1001', 576]]);
    // A value column alone on a long-form file is not one series jumping between containers: the error names --series-column.
    assert.throws(() => parseTimeseries(text, 'h.csv', { valueColumn: 'cpu_util_percent' }), inputError(/several series: container_id "c_1001" and "c_1000" take turns .*; give --series-column container_id/));
    assert.throws(() => parseTimeseries(alibaba(2, 2, false), 'n.csv', { noHeader: true, timeColumn: '3', valueColumn: '4' }),
      inputError(/several series: column 1 "c_1001" and "c_1000" take turns .*; give --series-column 1 /));
    // Quoted ids with commas stay one cell; rows of separators only are skipped; cells past the used ones are not looked at.
    const quoted = parseTimeseries(['id,timestamp,value,note', `"a,b",${T0},1,x`, ',,,', `"a,b",${T0 + 60},2,"y,z"`, `c,${T0},3,`, `c,${T0 + 60},4`].join('\n'), 'q.csv', { seriesColumns: ['id'] });
    assert.deepEqual(quoted.map((r) => [r.key, Array.from(r.read.series.v)]), [['a,b', [1, 2]], ['c', [3, 4]]]);
    // An unknown column or a number past the last says which columns there are.
    assert.throws(() => parseTimeseries(text, 'h.csv', { valueColumn: 'cpu' }), inputError(/--value-column "cpu": no such column; the header has 1 container_id, 2 machine_id, 3 time_stamp/));
    assert.throws(() => parseTimeseries(text, 'h.csv', { valueColumn: '12' }), inputError(/--value-column 12: the file has 11 columns/));
  });

  it('Google instance usage: two id columns joined, microseconds from the trace start with --time-unit us', () => {
    const text = google(3, 2);
    // Before: the units were guessed per row (600000000 as seconds, 100200000000 as milliseconds) and the file refused.
    assert.throws(() => parseTimeseries(text, 'g.csv', { timeColumn: 'start_time', valueColumn: 'average_usage_cpus', seriesColumns: ['collection_id', 'instance_index'] }),
      inputError(/reads as Unix milliseconds, but line 2 as seconds; give the unit with --time-unit s\|ms\|us\|ns/));
    // Two time columns: which one is a question, answered by --time-column.
    assert.throws(() => parseTimeseries(text, 'g.csv', { valueColumn: 'average_usage_cpus', seriesColumns: ['collection_id', 'instance_index'], timeUnit: 'us' }),
      inputError(/which column is the timestamp\? "start_time" and "end_time" could be; give --time-column/));
    const reads = parseTimeseries(text, 'g.csv', { timeColumn: 'start_time', valueColumn: 'average_usage_cpus', seriesColumns: ['collection_id', 'instance_index'], timeUnit: 'us' });
    assert.deepEqual(reads.map((r) => r.key), ['3000/0', '3000/1', '3001/0']);
    const s = reads[2].read.series;
    assert.deepEqual([s.t[0], s.t[1], s.t[s.t.length - 1]], [600, 900, 600 + (2 * 288 - 1) * 300]);
    assert.equal(s.v[5], Number(level(2, 5)));
  });

  it('wide files: one series per column, by --wide or when a time column sits beside numeric columns named alike', async () => {
    // Before: "which column is the value?".
    const auto = parseTimeseries(wide(3, 1), 'w.csv');
    assert.deepEqual(auto.map((r) => [r.key, r.read.series.t.length]), [['vm_0', 288], ['vm_1', 288], ['vm_2', 288]]);
    assert.equal(auto[2].read.series.v[3], Number(level(2, 3)));
    // A first column not named for time: --wide says it; its numbers are step numbers with --step.
    const steps = wide(2, 1, 'step').replace(/^(\d+)(?=,)/gm, (n) => String(Number(n) / 300));
    const byStep = parseTimeseries(steps, 's.csv', { wide: true, step: 300 });
    assert.deepEqual(byStep.map((r) => r.key), ['vm_0', 'vm_1']);
    assert.equal(byStep[1].read.series.t[2], 600);
    // Files that read before read the same: a value column beside others, and two metrics stay a question.
    assert.equal(parseTimeseries(`timestamp,value,other\n${T0},1,2\n${T0 + 60},3,4`, 'a.csv').length, 1);
    assert.equal(parseTimeseriesCsv(`timestamp,value,other\n${T0},1,2\n${T0 + 60},3,4`, 'a.csv').series.v[1], 3);
    assert.throws(() => parseTimeseriesCsv(`timestamp,cpu,mem\n${T0},1,2`, 'm.csv'), inputError(/which column is the value\?.*--wide/));
    assert.throws(() => parseTimeseriesCsv(`timestamp,requests,latency_ms\n${T0},1,2`, 'r.csv'), inputError(/which column is the value\?.*--wide/));
    assert.deepEqual(parseTimeseries(`time,web_cpu,api_cpu\n${T0},1,2`, 'p.csv').map((r) => r.key), ['web_cpu', 'api_cpu']);
    // Google's all-numeric header (ids, two times) is no wide file.
    assert.throws(() => parseTimeseriesCsv(google(2, 1), 'g.csv'), inputError(/which column is the value\?/));
    await inTempDir(async (dir) => {
      writeFileSync(join(dir, 'vm_cpu.csv'), wide(3, 9));
      const out = join(dir, 'recs.csv');
      const r = await mora(['backtest', '-i', join(dir, 'vm_cpu.csv'), '-k', 'cpu', '-s', 'vpa', '-o', out, '-q']);
      assert.equal(r.code, 0, r.err);
      assert.deepEqual([...new Set(readFileSync(out, 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')[0]))], ['vm_0', 'vm_1', 'vm_2']);
    });
  });

  // The README promised any time column beside several numeric columns was read as wide; only columns named alike are.
  it('README says which wide files are read without --wide, and the parser agrees: time,web,api needs the flag, pod-1,pod-2 does not', () => {
    const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8').replace(/\s+/g, ' ');
    const said = /`--wide` \(one series per column[^)]*?without the flag only when a time column sits beside several numeric columns named alike/.exec(readme);
    assert.ok(said, 'README: --wide without the flag only for columns named alike');
    assert.match(readme, /`time,web,api` needs `--wide`/);
    assert.doesNotMatch(readme, /also detected when a time column sits beside several numeric columns with no value/);
    const rows = (head: string) => `${head}\n${T0},1,2\n${T0 + 300},3,4`;
    assert.throws(() => parseTimeseries(rows('time,web,api'), 'a.csv'), inputError(/which column is the value\?.*--wide/));
    assert.deepEqual(parseTimeseries(rows('time,web,api'), 'a.csv', { wide: true }).map((r) => r.key), ['web', 'api']);
    for (const [head, keys] of [['time,vm_0,vm_1', ['vm_0', 'vm_1']], ['time,pod-1,pod-2', ['pod-1', 'pod-2']], ['time,cpu_web,cpu_api', ['cpu_web', 'cpu_api']]] as const) {
      assert.deepEqual(parseTimeseries(rows(head), 'w.csv').map((r) => r.key), keys, head);
    }
  });

  it('Azure vm_cpu_readings without a header, a minute index with --step, and a value column alone with --step', () => {
    const ids = ['yNf/R3X8+Q', '4Wst+9ora'];
    const lines = Array.from({ length: 2 * 288 }, (_, k) => ids.map((id, c) => `${k * 300},${id},0.1,0.9,${level(c, k)}`)).flat();
    assert.throws(() => parseTimeseriesCsv(lines.join('\n'), 'az.csv'), inputError(/no header; .*--no-header with --time-column <n> --value-column <n>/));
    const az = parseTimeseries(lines.join('\n'), 'az.csv', { noHeader: true, timeColumn: '1', valueColumn: '5', seriesColumns: ['2'] });
    assert.deepEqual(az.map((r) => [r.key, r.read.series.t.length, r.read.series.v[1]]), [[ids[0], 576, Number(level(0, 1))], [ids[1], 576, Number(level(1, 1))]]);
    // A plain timestamp,value file without a header: --no-header alone (time first, value second).
    const bare = parseTimeseriesCsv(`${T0},1.5\n${T0 + 60},2.5`, 'b.csv', { noHeader: true });
    assert.deepEqual([Array.from(bare.series.t), Array.from(bare.series.v)], [[T0, T0 + 60], [1.5, 2.5]]);
    assert.throws(() => parseTimeseriesCsv(`${T0},x,1.5`, 'c.csv', { noHeader: true }), inputError(/which column is the timestamp\? \(3 columns\); give --time-column <name or number>, or --step <seconds> for rows one step apart$/));
    // Minute numbers: before, 0, 1, 2, … read as seconds (14 days looked like 0.2 days).
    const minutes = ['minute,value', ...Array.from({ length: 100 }, (_, k) => `${k},${level(0, k)}`)].join('\n');
    assert.equal(parseTimeseriesCsv(minutes, 'm.csv').series.t[99], 99);
    assert.equal(parseTimeseriesCsv(minutes, 'm.csv', { step: 60 }).series.t[99], 99 * 60);
    // A file of values alone: rows are steps.
    const values = ['value', ...Array.from({ length: 10 }, (_, k) => level(0, k))].join('\n');
    assert.deepEqual(Array.from(parseTimeseriesCsv(values, 'v.csv', { step: 300 }).series.t.slice(0, 3)), [0, 300, 600]);
    assert.throws(() => parseTimeseriesCsv(`minute,value\n2024-01-01,1`, 'x.csv', { step: 60 }), inputError(/"2024-01-01" is not a step number/));
  });

  it('a directory: subdirectories (series named by path), .csv.gz and .json.gz read, other files and backtest outputs named as skipped', async () => {
    await inTempDir(async (dir) => {
      const csv = ['timestamp,value', ...Array.from({ length: 9 * 288 }, (_, k) => `${T0 + k * 300},${level(0, k)}`)].join('\n');
      mkdirSync(join(dir, 'ns-a', 'deeper'), { recursive: true });
      writeFileSync(join(dir, 'top.csv'), csv);
      writeFileSync(join(dir, 'ns-a', 'web.csv'), csv);
      writeFileSync(join(dir, 'ns-a', 'deeper', 'api.csv.gz'), gzipSync(csv));
      const json = { status: 'success', data: { resultType: 'matrix', result: [{ metric: { pod: 'p' }, values: Array.from({ length: 9 * 288 }, (_, k) => [T0 + k * 300, level(1, k)]) }] } };
      writeFileSync(join(dir, 'ns-a', 'prom.json.gz'), gzipSync(JSON.stringify(json)));
      writeFileSync(join(dir, 'notes.txt'), 'not data\n');
      writeFileSync(join(dir, 'ns-a', 'recs.csv'), 'series,day_start,strategy,value\ntop,1700000000,vpa,1\n');
      const out = join(dir, 'out.csv');
      const r = await mora(['backtest', '-i', dir, '-k', 'cpu', '-s', 'vpa', '-o', out]);
      assert.equal(r.code, 0, r.err);
      assert.deepEqual([...new Set(readFileSync(out, 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')[0]))].sort(),
        ['ns-a/deeper/api', 'ns-a/prom', 'ns-a/web', 'top']);
      assert.match(r.err, /: 4 files read \(ns-a\/deeper\/api\.csv\.gz, ns-a\/prom\.json\.gz, ns-a\/web\.csv, top\.csv\); 1 skipped, not \.csv\/\.json\/\.csv\.gz\/\.json\.gz \(notes\.txt\); 1 skipped as backtest --out files \(ns-a\/recs\.csv\)/);
      // An unreadable file below is named by its path, as its series would have been.
      writeFileSync(join(dir, 'ns-a', 'deeper', 'bad.csv'), 'timestamp;value\n1700000000;1.500\n1700000300;0,5\n');
      const bad = await mora(['backtest', '-i', dir, '-k', 'cpu', '-s', 'vpa', '-q', '--format', 'json']);
      assert.equal(bad.code, 4); // partial (was 2): the other files were replayed and printed
      assert.deepEqual(JSON.parse(bad.out).skipped.map((x: { series: string }) => x.series), ['ns-a/deeper/bad']);
      assert.match(bad.err, /skipped file .*bad\.csv: line 2: "1\.500" in a file whose decimal mark is a comma/);
      // The one series file given alone, gzipped.
      const one = await mora(['backtest', '-i', join(dir, 'ns-a', 'deeper', 'api.csv.gz'), '-k', 'cpu', '-s', 'vpa', '-q']);
      assert.equal(one.code, 0, one.err);
    });
  });

  it('a directory of a trace cut into files (Azure vm_cpu_readings-file-N-of-195) with --series-column: one series per id across the files', async () => {
    await inTempDir(async (dir) => {
      // 10 days of two VMs, cut into 5 files of 2 days each (no header, seconds from the trace's start).
      for (let f = 0; f < 5; f++) {
        const lines = Array.from({ length: 2 * 288 }, (_, i) => f * 2 * 288 + i).flatMap((k) => ['vmA', 'vmB'].map((id, c) => `${k * 300},${id},0.1,0.9,${level(c, k)}`));
        writeFileSync(join(dir, `vm_cpu_readings-file-${f + 1}-of-5.csv`), lines.join('\n'));
      }
      const r = await mora(['backtest', '-i', dir, '-k', 'cpu', '-s', 'vpa', '--no-header', '--time-column', '1', '--value-column', '5', '--series-column', '2', '--time-unit', 's', '--format', 'json']);
      assert.equal(r.code, 0, r.err);
      // Before: ten series of 2 days each ("vm_cpu_readings-file-1-of-5/vmA", …). Joined: two of 10 days, each warmed up on 5.
      const j = JSON.parse(r.out);
      assert.deepEqual(j.perSeries.map((p: { series: string; summary: { days: number } }) => [p.series, p.summary.days]), [['vmA', 5], ['vmB', 5]]);
      assert.match(r.err, /2 series have rows in several files, joined by their ids \(--series-column\)/);
    });
  });

  it('a file over 512 MiB, more text than one string holds, says how to cut it instead of failing to read', async () => {
    await inTempDir(async (dir) => {
      // Sparse: no blocks written. Before: read whole, then "not a text file (binary)" (or ERR_STRING_TOO_LONG for text).
      const file = join(dir, 'huge.csv');
      writeFileSync(file, '');
      truncateSync(file, 2 ** 29);
      const r = await mora(['backtest', '-i', file, '-k', 'cpu', '-q']);
      assert.equal(r.code, 2);
      assert.match(r.err, /huge\.csv: the file is 512 MiB; mora reads a file whole, at most 512 MiB of text: cut it into a directory of smaller files/);
    });
  });

  it('mora forecast takes --time-column, --value-column, --no-header and --time-unit for its one series', async () => {
    await inTempDir(async (dir) => {
      const n = 3 * 288;
      writeFileSync(join(dir, 'plain.csv'), ['timestamp,value', ...Array.from({ length: n }, (_, k) => `${600 + k * 300},${level(0, k)}`)].join('\n'));
      // No header, the value in the third column, microseconds from a trace's start.
      writeFileSync(join(dir, 'raw.csv'), Array.from({ length: n }, (_, k) => `${(600 + k * 300) * 1e6},x,${level(0, k)}`).join('\n'));
      const plain = await mora(['forecast', '-i', join(dir, 'plain.csv'), '-H', '3', '--time-unit', 's']);
      const raw = await mora(['forecast', '-i', join(dir, 'raw.csv'), '-H', '3', '--no-header', '--time-column', '1', '--value-column', '3', '--time-unit', 'us']);
      assert.equal(raw.code, 0, raw.err);
      assert.equal(raw.out, plain.out);
      assert.doesNotMatch(raw.err, /Excel/);
    });
  });

  it('the flags are checked and documented in mora backtest --help', async () => {
    for (const [args, msg] of [[['--time-unit', 'min'], /--time-unit must be s, ms, us or ns/], [['--step', '0'], /--step must be a positive number/],
      [['--step', '60', '--time-unit', 's'], /give one of them/], [['--wide', '--value-column', '2'], /--wide reads every column/], [['--series-column', ','], /--series-column is empty/]] as const) {
      const r = await mora(['backtest', '-i', 'nowhere.csv', '-k', 'cpu', ...args]);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.err, msg);
    }
    const help = await mora(['backtest', '--help']);
    for (const flag of ['--time-column <col>', '--value-column <col>', '--series-column <cols>', '--no-header', '--wide', '--time-unit <unit>', '--step <seconds>', '.csv.gz']) {
      assert.ok(help.out.includes(flag), flag);
    }
  });
});
