// A review of the input flags (--time-column, --value-column, --series-column, --no-header, --wide, --time-unit, --step,
// directories) found files read wrong without a word: extra cells dropped, a wrong --time-unit giving 1970 dates, wide
// headers lowercased and merged, ids of separate files merged over the same time. Inputs are generated here.
import { strict as assert } from 'node:assert';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseTimeseries, parseTimeseriesCsv } from '../../src/data/timeseries-csv';
import { inputError } from './helpers/csv-rows';
import { mora } from './helpers/run-cli';
import { inTempDir } from './helpers/temp-dir';

const T = 1_717_200_000;
const level = (c: number, k: number) => (0.2 + 0.1 * c + 0.05 * Math.sin((2 * Math.PI * k) / 288)).toFixed(4);
/** `n` rows of 5-min samples from `from` (Unix seconds), timestamps multiplied by `scale` (1000: milliseconds). */
const single = (n: number, scale = 1, from = T) => ['timestamp,value', ...Array.from({ length: n }, (_, k) => `${(from + k * 300) * scale},${level(0, k)}`)].join('\n');

describe('input flags: what a review found read wrong without a word', () => {
  it('backtest --help: the --step description is whole', async () => {
    const help = (await mora(['backtest', '--help'])).out.replace(/\s+/g, ' ');
    // Before: "…seconds apart; without a time column, rows are" and nothing after.
    assert.match(help, /without a time column, the rows are steps this far apart/);
  });

  it('rows with more cells than the header are refused with a layout flag too (decimal comma); semicolon and tab exports read', () => {
    const dec = ['timestamp,value', ...Array.from({ length: 20 }, (_, k) => `${T + k * 300},0,${25 + k}`)].join('\n');
    // Before: with --time-column, the extra cell was dropped and every value read 0.
    assert.throws(() => parseTimeseriesCsv(dec, 'dec.csv', { timeColumn: 'timestamp' }), inputError(/line 2: 3 cells but the header has 2 columns \(a decimal comma/));
    assert.throws(() => parseTimeseries(dec, 'dec.csv', { valueColumn: '2' }), inputError(/3 cells but the header has 2 columns/));
    // A trailing empty cell is no value.
    assert.equal(parseTimeseriesCsv(single(5).split('\n').map((l) => `${l},`).join('\n'), 'x.csv', { timeColumn: 'timestamp' }).series.t.length, 5);
    const semi = ['timestamp;value', ...Array.from({ length: 5 }, (_, k) => `${T + k * 300};0,5`)].join('\n');
    assert.deepEqual([...parseTimeseriesCsv(semi, 'semi.csv', { timeColumn: 'timestamp' }).series.v], [0.5, 0.5, 0.5, 0.5, 0.5]);
    assert.deepEqual([...parseTimeseriesCsv(semi.replace(/;/g, '\t'), 'tab.csv', { timeColumn: '1' }).series.v], [0.5, 0.5, 0.5, 0.5, 0.5]);
  });

  it('a --time-unit that reads the numbers as sub-second steps in 1970 is refused, naming the unit they look like', () => {
    // Unix seconds given as ms: 300 s steps read as 0.3 s. Before: read, 1970-01-20 timestamps.
    assert.throws(() => parseTimeseriesCsv(single(100), 's.csv', { timeUnit: 'ms' }), inputError(/--time-unit ms reads 1717200000 as 1970-01-20.*look like Unix seconds.*--time-unit s/));
    const long = ['timestamp,pod,value', ...Array.from({ length: 100 }, (_, k) => `${(T + k * 300) * 1000},web,${level(0, k)}`)].join('\n');
    assert.throws(() => parseTimeseries(long, 'ms.csv', { seriesColumns: ['pod'], timeUnit: 'us' }), inputError(/--time-unit us .*look like Unix milliseconds.*--time-unit ms/));
    // The right unit, and times counted from a trace's start (µs from 600 s) read as given.
    assert.equal(parseTimeseriesCsv(single(100, 1000), 'ms.csv', { timeUnit: 'ms' }).series.t[0], T);
    assert.equal(parseTimeseriesCsv(single(100, 1e6, 600), 'g.csv', { timeUnit: 'us' }).series.t[0], 600);
  });

  it('--wide keeps the header\'s case for series names; two columns of one name are an error naming them', () => {
    const rows = (h: string) => [h, ...Array.from({ length: 20 }, (_, k) => `${T + k * 300},${level(0, k)},${level(1, k)},${level(2, k)}`)].join('\n');
    // Before: auth-c5c0, and VM-Ab1 with vm-ab1 one series "vm-ab1" of both columns' rows.
    assert.deepEqual(parseTimeseries(rows('timestamp,Auth-c5c0,VM-Ab1,vm-ab1'), 'w.csv', { wide: true }).map((r) => r.key), ['Auth-c5c0', 'VM-Ab1', 'vm-ab1']);
    assert.throws(() => parseTimeseries(rows('timestamp,a,b,a'), 'w.csv', { wide: true }), inputError(/columns 2 and 4 are both named "a"/));
  });

  it('"-" is a missing value, as NaN and empty are', () => {
    const text = single(10).split('\n').map((l, k) => (k === 4 ? `${l.split(',')[0]},-` : l)).join('\n');
    // Before: 'value "-" is not a number'.
    const r = parseTimeseriesCsv(text, 'm.csv');
    assert.equal(r.missing, 1);
    assert.equal(r.series.t.length, 9);
  });

  it('a directory: --series-column does not merge one id over the same time in two files; long-form parts without it say how to join them', async () => {
    await inTempDir(async (dir) => {
      // Two clusters, each with web-a over the same 8 days: two series, not one of both files' rows.
      mkdirSync(join(dir, 'clusters'));
      for (const [f, c] of [['cluster-a', 0], ['cluster-b', 2]] as const) {
        const lines = Array.from({ length: 8 * 288 }, (_, k) => `${T + k * 300},web-a,${level(c, k)}`);
        writeFileSync(join(dir, 'clusters', `${f}.csv`), ['timestamp,pod,value', ...lines].join('\n'));
      }
      const r = await mora(['backtest', '-i', join(dir, 'clusters'), '-k', 'cpu', '-s', 'vpa', '--series-column', 'pod', '--format', 'json']);
      assert.equal(r.code, 0, r.err);
      // Before: one series "web-a" (the later file's value at each timestamp) and "joined by their ids".
      assert.deepEqual(JSON.parse(r.out).perSeries.map((p: { series: string }) => p.series), ['cluster-a/web-a', 'cluster-b/web-a']);
      assert.match(r.err, /1 id \(web-a\) have rows over the same time in several files .*named <file>\/<id>/);
      assert.doesNotMatch(r.err, /joined by their ids/);
      // A trace cut into 4 files of 2 days, one pod column: without --series-column each file's pods are series of their own.
      mkdirSync(join(dir, 'parts'));
      for (let f = 0; f < 4; f++) {
        const lines = Array.from({ length: 576 }, (_, i) => f * 576 + i).flatMap((k) => ['web-a', 'web-b'].map((p, c) => `${T + k * 300},${p},${level(c, k)}`));
        writeFileSync(join(dir, 'parts', `usage-${f + 1}-of-4.csv`), ['timestamp,pod,value', ...lines].join('\n'));
      }
      const p = await mora(['backtest', '-i', join(dir, 'parts'), '-k', 'cpu', '-s', 'vpa', '-q']);
      // Before: "(as --series-column pod reads them)", which joins them.
      assert.doesNotMatch(p.err, /as --series-column pod reads them/);
      assert.match(p.err, /4 files are split by their pod column and share 2 pod values \(web-a, web-b\).*give --series-column pod to join/);
      const joined = await mora(['backtest', '-i', join(dir, 'parts'), '-k', 'cpu', '-s', 'vpa', '--series-column', 'pod', '--format', 'json']);
      assert.equal(joined.code, 0, joined.err);
      assert.deepEqual(JSON.parse(joined.out).perSeries.map((s: { series: string }) => s.series), ['web-a', 'web-b']);
    });
  });

  it('smaller: colliding names in a directory, "/" inside ids of several id columns, symbolic links to directories, a column of values alone', async () => {
    // job a/b with instance c and job a with instance b/c: before, both series "a/b/c" (one series of both rows).
    const slash = ['timestamp,job,instance,value', ...Array.from({ length: 20 }, (_, k) => [`${T + k * 300},a/b,c,${level(0, k)}`, `${T + k * 300},a,b/c,${level(1, k)}`]).flat()].join('\n');
    assert.deepEqual(parseTimeseries(slash, 's.csv', { seriesColumns: ['job', 'instance'] }).map((r) => r.key), ['a%2Fb/c', 'a/b%2Fc']);
    // One id column keeps its ids as they are.
    assert.deepEqual(parseTimeseries(slash, 's.csv', { seriesColumns: ['job'] }).map((r) => r.key), ['a/b', 'a']);
    // Before: "no header; expected …", not a word of --step.
    assert.throws(() => parseTimeseriesCsv(['value', '0.5', '0.6'].join('\n'), 'v.csv'), inputError(/one column \("value"\) and no timestamps;.*--step <seconds>/));
    await inTempDir(async (dir) => {
      // sub.csv holds pods a and b (sub/a, sub/b); sub/a.csv is sub/a too. Before: one series "sub/a" of both files' rows.
      mkdirSync(join(dir, 'in', 'sub'), { recursive: true });
      writeFileSync(join(dir, 'in', 'sub.csv'), ['timestamp,pod,value', ...Array.from({ length: 8 * 288 }, (_, k) => [`${T + k * 300},a,${level(0, k)}`, `${T + k * 300},b,${level(1, k)}`]).flat()].join('\n'));
      writeFileSync(join(dir, 'in', 'sub', 'a.csv'), single(8 * 288));
      // A symbolic link to a directory outside (followed) and one back to the input itself (a loop: skipped, said).
      mkdirSync(join(dir, 'elsewhere'));
      writeFileSync(join(dir, 'elsewhere', 'linked.csv'), single(8 * 288));
      symlinkSync(join(dir, 'elsewhere'), join(dir, 'in', 'data'));
      symlinkSync('.', join(dir, 'in', 'self'));
      const r = await mora(['backtest', '-i', join(dir, 'in'), '-k', 'cpu', '-s', 'vpa', '--format', 'json']);
      assert.equal(r.code, 0, r.err);
      assert.deepEqual(JSON.parse(r.out).perSeries.map((p: { series: string }) => p.series).sort(), ['data/linked', 'sub.csv/a', 'sub/a', 'sub/b']);
      assert.match(r.err, /self: a symbolic link to a directory already read \(a loop\); skipped/);
    });
  });
});
