// A review found a directory of parts of one trace read as fragments: BigQuery's sharded export of the Google 2019 trace
// (instance_usage-000000000000.csv, …) spreads the rows of one id over several files interleaved in time; with
// --series-column, each file's rows of an id were replayed as a series of their own (half the samples, `part-0/1/0`),
// with scores far from the whole trace's (VPA's days never above 6.7% → 51%).
// Inputs are generated here; the expected scores are the whole file's, replayed alike.
import { strict as assert } from 'node:assert';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mora } from './helpers/run-cli';
import { inTempDir } from './helpers/temp-dir';

const T = 1_717_200_000;
const STEP = 300;
const DAYS = 9;
const N = (DAYS * 86_400) / STEP;
/** A daily wave per series, with a level of its own and a burst now and then. */
const level = (c: number, k: number) => (0.2 + 0.1 * c + 0.08 * Math.sin((2 * Math.PI * k) / 288) + (k % 97 === c ? 0.3 : 0)).toFixed(4);

interface PerSeries { series: string; [k: string]: unknown }
const perSeries = (out: string): PerSeries[] => JSON.parse(out).perSeries;
/** The series replayed, once each (perSeries has a row per series and strategy). */
const names = (out: string) => [...new Set(perSeries(out).map((p) => p.series))];
/** A series' scores without its name, to compare a part-wise read with the whole file's. */
const scores = (p: PerSeries) => { const { series: _name, ...rest } = p; return JSON.stringify(rest); };

describe('backtest: a directory of parts of one trace is read as the trace', () => {
  it('--series-column: rows of an id split by row over several files (BigQuery shards) are one series, scored as the whole file', async () => {
    await inTempDir(async (dir) => {
      const ids = [[1, 0], [1, 1], [2, 0]];
      // Sorted by id, then time, as an export of one table may be; every other row to each shard.
      const rows = ids.flatMap(([c, i], s) => Array.from({ length: N }, (_, k) => `${(T + k * STEP) * 1e6},${c},${i},${level(s, k)}`));
      const header = 'start_time,collection_id,instance_index,average_usage_cpus';
      writeFileSync(join(dir, 'whole.csv'), [header, ...rows].join('\n'));
      mkdirSync(join(dir, 'shards'));
      for (const part of [0, 1]) {
        // The second shard also repeats a few of the first's rows exactly (an export retried): the same sample, once.
        const mine = rows.filter((_, r) => r % 2 === part).concat(part === 1 ? rows.filter((_, r) => r % 2 === 0).slice(0, 20) : []);
        writeFileSync(join(dir, 'shards', `instance_usage-00000000000${part}.csv`), [header, ...mine].join('\n'));
      }
      const flags = ['-k', 'cpu', '-s', 'vpa,krr', '--time-column', 'start_time', '--value-column', 'average_usage_cpus', '--series-column', 'collection_id,instance_index', '--time-unit', 'us', '--format', 'json'];
      const whole = await mora(['backtest', '-i', join(dir, 'whole.csv'), ...flags]);
      assert.equal(whole.code, 0, whole.err);
      const recs = join(dir, 'recs.csv');
      const shards = await mora(['backtest', '-i', join(dir, 'shards'), ...flags, '--out', recs]);
      assert.equal(shards.code, 0, shards.err);
      // Before: instance_usage-000000000000/1/0, instance_usage-000000000001/1/0, … each of half the samples.
      assert.deepEqual(names(shards.out), ['1/0', '1/1', '2/0']);
      assert.deepEqual(perSeries(shards.out).map(scores), perSeries(whole.out).map(scores));
      assert.match(shards.err, /3 series have rows in several files, joined by their ids/);
      // recs.csv's series are the input's ids.
      const named = new Set(readFileSync(recs, 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')[0]));
      assert.deepEqual([...named].sort(), ['1/0', '1/1', '2/0']);
    });
  });

  it('--series-column: one id in two files over the same time with other values, or samples seconds apart, stays two series', async () => {
    await inTempDir(async (dir) => {
      // web-a of two clusters: cluster-b scraped 15 s after cluster-a, so no timestamp is shared, yet they are two pods.
      for (const [f, c, offset] of [['cluster-a', 0, 0], ['cluster-b', 2, 15]] as const) {
        const lines = Array.from({ length: N }, (_, k) => `${T + offset + k * STEP},web-a,${level(c, k)}`);
        writeFileSync(join(dir, `${f}.csv`), ['timestamp,pod,value', ...lines].join('\n'));
      }
      const r = await mora(['backtest', '-i', dir, '-k', 'cpu', '-s', 'vpa', '--series-column', 'pod', '--format', 'json']);
      assert.equal(r.code, 0, r.err);
      assert.deepEqual(names(r.out), ['cluster-a/web-a', 'cluster-b/web-a']);
      assert.match(r.err, /1 id \(web-a\) have rows over the same time in several files .*15 s apart.*named <file>\/<id>/);
      assert.doesNotMatch(r.err, /joined by their ids/);
    });
  });
});
