// Third-party inputs a reviewer ran `mora backtest` and `mora forecast` on (2026-12-01): --out over an input, a usage
// column beside its limit or total replayed as a second series, a raw Prometheus counter read as cores, pandas' `,value`
// header, infinities, --cpu-risk beside a labelled target, --input - and -q. Each failed before its fix.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseTimeseries, parseTimeseriesCsv } from '../../src/data/timeseries-csv';
import { unitNotes } from '../../src/cli/commands/backtest-units';
import { inputError, T0 } from './helpers/csv-rows';
import { mora } from './helpers/run-cli';
import { inTempDir } from './helpers/temp-dir';

const DAYS = 10;
const wave = (i: number) => (0.3 + 0.2 * Math.sin((2 * Math.PI * i) / 288) + ((i * 7919) % 100) / 2000).toFixed(4);
const days = (n = DAYS) => Array.from({ length: n * 288 }, (_, i) => ({ t: T0 + i * 300, v: wave(i) }));
const csv = (head: string, row: (r: { t: number; v: string }, i: number) => string, n = DAYS) => [head, ...days(n).map(row)].join('\n') + '\n';
const usage = () => csv('timestamp,value', (r) => `${r.t},${r.v}`);

/** `mora <args>` as its own process with `input` on its standard input. */
function withStdin(args: string[], input: string): Promise<{ code: number | null; out: string; err: string }> {
  const bin = join(__dirname, '..', '..', 'bin', 'mora.js');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '', err = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => { out += s; });
    child.stderr.setEncoding('utf8').on('data', (s: string) => { err += s; });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, out, err }));
    child.stdin.end(input);
  });
}

describe('mora backtest and forecast on a reviewer\'s third-party inputs', () => {
  it('--out naming the input file, or a file of the input folder, is refused (exit 2) and the data is left as it was', async () => {
    await inTempDir(async (dir) => {
      const same = join(dir, 'same.csv');
      writeFileSync(same, usage());
      const r = await mora(['backtest', '-i', same, '-k', 'cpu', '-s', 'mora', '-o', same, '-q']);
      assert.equal(r.code, 2, r.err);
      assert.match(r.err, /--out .*same\.csv is the input file: writing the results would replace the data; give another --out path/);
      assert.equal(readFileSync(same, 'utf8'), usage());
      // A folder: its web.csv named as --out (also through a symbolic-link-free relative path with ..).
      const d = join(dir, 'd');
      mkdirSync(d);
      writeFileSync(join(d, 'web.csv'), usage());
      copyFileSync(join(d, 'web.csv'), join(d, 'api.csv'));
      const f = await mora(['backtest', '-i', d, '-k', 'cpu', '-s', 'mora', '-o', join(d, '..', 'd', 'web.csv'), '-q']);
      assert.equal(f.code, 2, f.err);
      assert.match(f.err, /is an input file \(.*web\.csv, read from --input/);
      assert.equal(readFileSync(join(d, 'web.csv'), 'utf8'), usage());
      // A new file in the folder, and then the same file again (a backtest's own output, skipped when read): written.
      for (let k = 0; k < 2; k++) {
        const ok = await mora(['backtest', '-i', d, '-k', 'cpu', '-s', 'mora', '-o', join(d, 'recs.csv'), '-q']);
        assert.equal(ok.code, 0, ok.err);
      }
      assert.match(readFileSync(join(d, 'recs.csv'), 'utf8'), /^series,day_start,strategy,value\n/);
    });
  });

  it('a usage column beside its limit or total is the one series (named on stderr), of its kind only; real wide files stay wide', async () => {
    const limit = csv('timestamp,cpu_usage,cpu_limit', (r) => `${r.t},${r.v},2`);
    const reads = parseTimeseries(limit, 'ul.csv');
    assert.equal(reads.length, 1);
    assert.equal(reads[0].read.column, 'cpu_usage');
    assert.match(reads[0].read.chosen ?? '', /^cpu_usage read as the usage; cpu_limit left out/);
    assert.equal(parseTimeseriesCsv(limit, 'ul.csv').series.v[1], Number(wave(1)));
    const total = csv('time,mem_used,mem_total', (r) => `${r.t},${Math.round(Number(r.v) * 1e9)},8000000000`);
    assert.deepEqual(parseTimeseries(total, 'mt.csv').map((r) => r.read.column), ['mem_used']);
    // Statistics of one metric are no series either: a question naming them.
    assert.throws(() => parseTimeseriesCsv(csv('timestamp,cpu_max,cpu_min,cpu_avg', (r) => `${r.t},${r.v},${r.v},${r.v}`, 1), 's.csv'),
      inputError(/which column is the value\?.*cpu_max, cpu_min, cpu_avg: limits, totals or statistics, not a usage series/));
    // Wide files of pods or VMs, and a statistic all columns share, stay one series per column.
    assert.deepEqual(parseTimeseries(`time,web_cpu,api_cpu\n${T0},1,2`, 'p.csv').map((r) => r.key), ['web_cpu', 'api_cpu']);
    assert.deepEqual(parseTimeseries(`time,web_cpu_max,api_cpu_max\n${T0},1,2\n${T0 + 300},1,2`, 'p.csv').map((r) => r.key), ['web_cpu_max', 'api_cpu_max']);
    assert.deepEqual(parseTimeseries(`time,microsoft_avg_70,microsoft_avg_71\n${T0},1,2\n${T0 + 300},1,2`, 'p.csv').map((r) => r.key), ['microsoft_avg_70', 'microsoft_avg_71']);
    await inTempDir(async (dir) => {
      writeFileSync(join(dir, 'ul.csv'), limit);
      writeFileSync(join(dir, 'mt.csv'), total);
      const out = join(dir, 'recs.csv');
      const r = await mora(['backtest', '-i', join(dir, 'ul.csv'), '-k', 'cpu', '-s', 'mora', '-o', out, '-q']);
      assert.equal(r.code, 0, r.err);
      assert.deepEqual([...new Set(readFileSync(out, 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')[0]))], ['ul']);
      assert.match(r.err, /cpu_usage read as the usage; cpu_limit left out/);
      // mem_used is no CPU usage.
      const wrong = await mora(['backtest', '-i', join(dir, 'mt.csv'), '-k', 'cpu', '-s', 'mora', '-q']);
      assert.equal(wrong.code, 2, wrong.err);
      assert.match(wrong.err, /mem_used is memory usage, not cpu .*give --kind memory/);
      assert.equal((await mora(['backtest', '-i', join(dir, 'mt.csv'), '-k', 'memory', '-s', 'mora', '-q'])).code, 0);
    });
  });

  it('a raw Prometheus counter (…_seconds_total without rate()) is refused by its name, and by its values said to be one, without a --scale hint', async () => {
    let c = 0;
    const values = Array.from({ length: 14 * 288 }, (_, i) => { c += 300 * (0.0006 + ((i * 37) % 10) / 30_000); return [T0 + i * 300, c.toFixed(4)]; });
    const doc = (metric: Record<string, string>) => JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [{ metric, values }] } });
    await inTempDir(async (dir) => {
      writeFileSync(join(dir, 'counter.json'), doc({ __name__: 'container_cpu_usage_seconds_total', pod: 'web-1' }));
      const r = await mora(['backtest', '-i', join(dir, 'counter.json'), '-k', 'cpu', '-q']);
      assert.equal(r.code, 2, r.err);
      assert.match(r.err, /container_cpu_usage_seconds_total is a cumulative counter .*export its rate instead: rate\(container_cpu_usage_seconds_total\[5m\]\)/);
      // Unnamed: replayed, with a warning that says counter and rate(), not --scale 0.001.
      writeFileSync(join(dir, 'noname.json'), doc({}));
      const u = await mora(['backtest', '-i', join(dir, 'noname.json'), '-k', 'cpu', '-q']);
      assert.equal(u.code, 0, u.err);
      assert.match(u.err, /never decrease over 4032 samples and grow steadily .*cumulative counter.*rate\(<counter>\[5m\]\)/);
      assert.doesNotMatch(u.err, /--scale 0\.001/);
      // A CSV column named so: refused when its values only rise; a rate kept under the counter's name reads.
      writeFileSync(join(dir, 'raw.csv'), ['timestamp,container_cpu_usage_seconds_total', ...values.map(([t, v]) => `${t},${v}`)].join('\n'));
      const raw = await mora(['backtest', '-i', join(dir, 'raw.csv'), '-k', 'cpu', '-s', 'mora', '-q']);
      assert.equal(raw.code, 2, raw.err);
      assert.match(raw.err, /is a cumulative counter/);
      writeFileSync(join(dir, 'rated.csv'), csv('timestamp,container_cpu_usage_seconds_total', (r) => `${r.t},${r.v}`));
      assert.equal((await mora(['backtest', '-i', join(dir, 'rated.csv'), '-k', 'cpu', '-s', 'mora', '-q'])).code, 0);
    });
    // The unit hint is still given for a series that is no counter.
    assert.equal(unitNotes([{ name: 'a', series: { v: [5000] }, cumulative: true }], 'cpu', ['vpa']).length, 0);
    assert.match(unitNotes([{ name: 'a', series: { v: [5000] } }], 'cpu', ['vpa'])[0], /--scale 0\.001/);
  });

  it('pandas\' Series.to_csv() header ",value": the empty-named first column is the time', () => {
    const iso = (t: number) => new Date(t * 1000).toISOString().replace('T', ' ').replace('.000Z', '');
    const r = parseTimeseriesCsv(csv(',value', (x) => `${iso(x.t)},${x.v}`, 1), 'pandas.csv');
    assert.equal(r.series.t.length, 288);
    assert.equal(r.series.t[1], T0 + 300);
  });

  it('+Inf, inf and Infinity are skipped and counted as NaN is (they stopped the whole file), and said on stderr', async () => {
    const text = csv('timestamp,value', (r, i) => `${r.t},${i === 5 ? '+Inf' : i === 6 ? 'inf' : i === 7 ? 'Infinity' : r.v}`);
    const r = parseTimeseriesCsv(text, 'inf.csv');
    assert.deepEqual([r.missing, r.infinite, r.series.t.length], [3, 3, DAYS * 288 - 3]);
    await inTempDir(async (dir) => {
      writeFileSync(join(dir, 'inf.csv'), text);
      const b = await mora(['backtest', '-i', join(dir, 'inf.csv'), '-k', 'cpu', '-s', 'mora', '-q']);
      assert.equal(b.code, 0, b.err);
      assert.match(b.err, /inf\.csv: 3 infinite values \(\+Inf, -Inf\) left out as no sample, as NaN is/);
    });
  });

  it('--cpu-risk beside a labelled mora@cpu-risk= target replays both (the list was dropped silently)', async () => {
    await inTempDir(async (dir) => {
      writeFileSync(join(dir, 'a.csv'), usage());
      const r = await mora(['backtest', '-i', join(dir, 'a.csv'), '-k', 'cpu', '-s', 'mora@cpu-risk=0.02', '--cpu-risk', '0.05,0.1', '-f', 'json', '-q']);
      assert.equal(r.code, 0, r.err);
      assert.deepEqual(JSON.parse(r.out).strategies, ['mora@cpu-risk=0.02', 'mora@cpu-risk=0.05', 'mora@cpu-risk=0.1']);
    });
  });

  it('-q silences the note: lines (a shorter warm-up); warnings still print', async () => {
    await inTempDir(async (dir) => {
      writeFileSync(join(dir, 'a.csv'), usage());
      const loud = await mora(['backtest', '-i', join(dir, 'a.csv'), '-k', 'cpu', '-s', 'mora']);
      assert.match(loud.err, /^mora: note: the series \(10 days of samples\) is too short/m);
      const quiet = await mora(['backtest', '-i', join(dir, 'a.csv'), '-k', 'cpu', '-s', 'mora', '-q']);
      assert.equal(quiet.code, 0);
      assert.doesNotMatch(quiet.err, /mora: note:/);
    });
  });

  it('--input - reads standard input (backtest and forecast), as manifests scan - does', async () => {
    const b = await withStdin(['backtest', '--input', '-', '-k', 'cpu', '-s', 'mora', '-f', 'json', '-q'], usage());
    assert.equal(b.code, 0, b.err);
    assert.equal(JSON.parse(b.out).perSeries[0].series, 'stdin');
    const f = await withStdin(['forecast', '--input', '-', '-H', '2', '-q'], usage());
    assert.equal(f.code, 0, f.err);
    assert.equal(f.out.trim().split('\n').length, 3);
    const bad = await withStdin(['backtest', '--input', '-', '-k', 'cpu'], 'timestamp,value\nx,1\n');
    assert.equal(bad.code, 2);
    assert.match(bad.err, /^mora: stdin: line 2: "x" is not a timestamp/m);
  });

  it('more export shapes: Excel\'s sep=; line, a units row, Go\'s time.String(), ISO basic, year-first slashes, R\'s 1.7e+09, VictoriaMetrics export lines', async () => {
    const n = 2 * 288;
    const at = (i: number) => T0 + i * 300;
    const iso = (t: number) => new Date(t * 1000).toISOString().replace('T', ' ').replace('.000Z', '');
    const expectT = Array.from({ length: n }, (_, i) => at(i));
    const check = (text: string, what: string) => assert.deepEqual(Array.from(parseTimeseriesCsv(text, 'x.csv').series.t), expectT, what);
    const make = (head: string, ts: (t: number) => string, sep = ',') => [head, ...Array.from({ length: n }, (_, i) => `${ts(at(i))}${sep}${wave(i)}`)].join('\n');
    check('sep=;\n' + make('timestamp;value', String, ';').replace(/\./g, ','), 'sep=;');
    check('sep=,\n' + make('timestamp,value', String), 'sep=,');
    const units = parseTimeseriesCsv(make('timestamp,value\ns,cores', String), 'u.csv');
    assert.deepEqual([units.unitsRow, units.series.t.length], [2, n]);
    check(make('timestamp,value', (t) => `${iso(t)} +0000 UTC`), 'Go');
    check(make('timestamp,value', (t) => new Date(t * 1000).toISOString().replace(/[-:]/g, '').replace('.000', '')), 'ISO basic');
    check(make('timestamp,value', (t) => iso(t).replace(/-/g, '/')), 'year-first slashes');
    const sci = make('timestamp,value', (t) => (t === T0 + 3000 ? `${(T0 + 3000) / 1e8}e+08` : String(t)));
    check(sci, 'R scientific');
    // Still refused: a month/day order that is a guess.
    assert.throws(() => parseTimeseriesCsv('timestamp,value\n1/2/2023 00:00,1\n', 'g.csv'), inputError(/is not a timestamp/));
    const vm = ['a', 'b'].map((pod) => JSON.stringify({ metric: { pod }, values: Array.from({ length: n }, (_, i) => Number(wave(i))), timestamps: expectT.map((t) => t * 1000) })).join('\n') + '\n';
    const reads = parseTimeseries(vm, 'vm.jsonl');
    assert.deepEqual(reads.map((r) => [r.labels?.pod, r.read.series.t.length, r.read.series.t[1]]), [['a', n, at(1)], ['b', n, at(1)]]);
    assert.throws(() => parseTimeseries('{"a":1}\n{"b":2}\n', 'o.jsonl'), inputError(/format not supported/));
  });
});
