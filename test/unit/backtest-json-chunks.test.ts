// A review found a Prometheus range query cut into time chunks (at most 11,000 points per series per query: 10 days at
// 30 s must be cut) read as one series per chunk, each a third of the trace with a warm-up of its own (KRR exceeding 13.6%
// of samples instead of 4.9%), and --series-column silently ignored for JSON. Inputs are generated here; the expected
// scores are the whole export's, replayed alike.
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

/** A Prometheus range-query export of these pods' samples from `from` (inclusive) to `to` (inclusive), step numbers. */
function promExport(pods: readonly string[], from: number, to: number): string {
  const result = pods.map((pod, c) => ({
    metric: { namespace: 'shop', pod, container: 'app' },
    values: Array.from({ length: to - from + 1 }, (_, i) => [T + (from + i) * STEP, level(c, from + i)]),
  }));
  return JSON.stringify({ status: 'success', data: { resultType: 'matrix', result } });
}

describe('backtest: Prometheus exports cut into time chunks', () => {
  const pods = ['web-1', 'web-2', 'web-3'];
  /** chunk0..2.json: the trace cut in three, each chunk ending on the next one's first sample (query ranges include both ends). */
  const writeChunks = (dir: string) => {
    mkdirSync(join(dir, 'chunks'));
    const cut = [0, Math.floor(N / 3), Math.floor((2 * N) / 3), N - 1];
    for (let c = 0; c < 3; c++) writeFileSync(join(dir, 'chunks', `chunk${c}.json`), promExport(pods, cut[c], cut[c + 1]));
    writeFileSync(join(dir, 'whole.json'), promExport(pods, 0, N - 1));
  };

  it('the same label set in several files of a directory is one series, named by its labels, scored as the whole export', async () => {
    await inTempDir(async (dir) => {
      writeChunks(dir);
      const flags = ['-k', 'cpu', '-s', 'vpa,krr', '--format', 'json'];
      const whole = await mora(['backtest', '-i', join(dir, 'whole.json'), ...flags]);
      assert.equal(whole.code, 0, whole.err);
      const recs = join(dir, 'recs.csv');
      const r = await mora(['backtest', '-i', join(dir, 'chunks'), ...flags, '--out', recs]);
      assert.equal(r.code, 0, r.err);
      // Before: nine series, chunk0{pod=web-1} … chunk2{pod=web-3}, each a third of the trace with a warm-up of its own.
      assert.deepEqual(names(r.out), ['{pod=web-1}', '{pod=web-2}', '{pod=web-3}']);
      assert.deepEqual(perSeries(r.out).map(scores), perSeries(whole.out).map(scores));
      assert.match(r.err, /3 Prometheus series are in several files .*joined by their labels/);
      const named = new Set(readFileSync(recs, 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')[0]));
      assert.deepEqual([...named].sort(), ['{pod=web-1}', '{pod=web-2}', '{pod=web-3}']);
      // Two clusters' exports of the same pods over the same time, other values: two series each, named by their file.
      mkdirSync(join(dir, 'clusters'));
      writeFileSync(join(dir, 'clusters', 'a.json'), promExport(pods.slice(0, 2), 0, N - 1));
      writeFileSync(join(dir, 'clusters', 'b.json'), promExport(pods.slice(0, 2), 0, N - 1).replace(/"0\.(\d)/g, (_, d) => `"1.${d}`));
      const two = await mora(['backtest', '-i', join(dir, 'clusters'), '-k', 'cpu', '-s', 'vpa', '--format', 'json']);
      assert.equal(two.code, 0, two.err);
      assert.deepEqual(names(two.out), ['a{pod=web-1}', 'b{pod=web-1}', 'a{pod=web-2}', 'b{pod=web-2}']);
      assert.match(two.err, /2 Prometheus series \(.*\) have rows over the same time in several files .*other values.*named by its file/);
    });
  });

  it('--series-column names a Prometheus series by those labels (a file, or chunks joined); a label no series has is refused', async () => {
    await inTempDir(async (dir) => {
      writeChunks(dir);
      const whole = await mora(['backtest', '-i', join(dir, 'whole.json'), '-k', 'cpu', '-s', 'vpa', '--series-column', 'pod', '--format', 'json']);
      assert.equal(whole.code, 0, whole.err);
      // Before: the flag was ignored, the series named whole{pod=web-1}, ….
      assert.deepEqual(names(whole.out), pods);
      const chunks = await mora(['backtest', '-i', join(dir, 'chunks'), '-k', 'cpu', '-s', 'vpa', '--series-column', 'namespace,pod', '--format', 'json']);
      assert.equal(chunks.code, 0, chunks.err);
      assert.deepEqual(names(chunks.out), pods.map((p) => `shop/${p}`));
      assert.deepEqual(perSeries(chunks.out).map(scores), perSeries(whole.out).map(scores));
      const missing = await mora(['backtest', '-i', join(dir, 'whole.json'), '-k', 'cpu', '-s', 'vpa', '--series-column', 'instance']);
      assert.equal(missing.code, 2);
      assert.match(missing.err, /whole\.json: --series-column instance: series 1 \{.*\} has no label "instance"; its labels: container, namespace, pod/);
      // Labels that do not tell the series apart (every series is namespace shop): refused, not merged.
      const alike = await mora(['backtest', '-i', join(dir, 'whole.json'), '-k', 'cpu', '-s', 'vpa', '--series-column', 'namespace']);
      assert.equal(alike.code, 2);
      assert.match(alike.err, /--series-column namespace: 3 series have namespace=shop .*; give labels that tell them apart/);
    });
  });
});

// `sum(rate(…))` of a workload gives a series with no labels ({}): two workloads' exports over the same days are two
// series, not one joined (which kept one file's value per timestamp, or alternated them, silently); time chunks of
// one such query are still one.
describe('backtest: Prometheus series without labels ({}) in several files', () => {
  /** One `{}` series from step `from` to `to`, its level shifted by `shift`, its query's step grid by `offset` seconds. */
  const unlabelled = (from: number, to: number, shift: number, offset = 0) => JSON.stringify({
    status: 'success',
    data: { resultType: 'matrix', result: [{ metric: {}, values: Array.from({ length: to - from + 1 }, (_, i) => [T + offset + (from + i) * STEP, (Number(level(0, from + i)) + shift).toFixed(4)]) }] },
  });

  it('over the same time with other samples: a series per file, named by its file, with a note saying why', async () => {
    await inTempDir(async (dir) => {
      mkdirSync(join(dir, 'two'));
      writeFileSync(join(dir, 'two', 'checkout.json'), unlabelled(0, N - 1, 0));
      // Queried at another minute: its step grid sits half a step off checkout's, so no timestamp is shared (before, the
      // two were joined into one series alternating between them).
      writeFileSync(join(dir, 'two', 'search.json'), unlabelled(0, N - 1, 0.5, STEP / 2));
      const r = await mora(['backtest', '-i', join(dir, 'two'), '-k', 'cpu', '-s', 'vpa', '--format', 'json']);
      assert.equal(r.code, 0, r.err);
      assert.deepEqual(names(r.out), ['checkout', 'search']);
      assert.match(r.err, /2 files hold a Prometheus series without labels .*over the same time with other samples/);
      // Each is scored as its own file alone.
      const alone = await mora(['backtest', '-i', join(dir, 'two', 'search.json'), '-k', 'cpu', '-s', 'vpa', '--format', 'json']);
      assert.deepEqual(perSeries(r.out).slice(1).map(scores), perSeries(alone.out).map(scores));
    });
  });

  it('time chunks of one query (meeting at one sample) are still one series', async () => {
    await inTempDir(async (dir) => {
      mkdirSync(join(dir, 'chunks'));
      const cut = Math.floor(N / 2);
      writeFileSync(join(dir, 'chunks', 'a.json'), unlabelled(0, cut, 0));
      writeFileSync(join(dir, 'chunks', 'b.json'), unlabelled(cut, N - 1, 0));
      writeFileSync(join(dir, 'whole.json'), unlabelled(0, N - 1, 0));
      const r = await mora(['backtest', '-i', join(dir, 'chunks'), '-k', 'cpu', '-s', 'vpa', '--format', 'json']);
      assert.equal(r.code, 0, r.err);
      const whole = await mora(['backtest', '-i', join(dir, 'whole.json'), '-k', 'cpu', '-s', 'vpa', '--format', 'json']);
      assert.equal(names(r.out).length, 1, r.out);
      assert.deepEqual(perSeries(r.out).map(scores), perSeries(whole.out).map(scores));
      assert.doesNotMatch(r.err, /without labels/);
    });
  });
});
