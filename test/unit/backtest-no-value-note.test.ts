// `mora backtest`: a strategy that gives no value on a scored day has no row for it in recs.csv; one stderr note per such
// strategy says how many series-days and why (KRR's 100-point rule, Autopilot's gap), even with -q; nothing is made up.
// And a request is never negative: an all-negative series (a broken rate) gives no negative value.
import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { T0 } from './helpers/csv-rows';
import { mora } from './helpers/run-cli';
import { inTempDir } from './helpers/temp-dir';

const DAY = 86400;

/** `timestamp,value` rows: on each of `days`, `perDay` samples 5 min apart from midnight. */
function csv(days: readonly number[], perDay: number, value: (i: number) => number): string {
  const lines = ['timestamp,value'];
  for (const d of days) for (let i = 0; i < perDay; i++) lines.push(`${T0 + d * DAY + i * 300},${value(i).toFixed(4)}`);
  return lines.join('\n');
}
const range = (a: number, b: number): number[] => Array.from({ length: b - a }, (_, i) => a + i);

/** recs.csv rows per strategy. */
function rowsBy(file: string): Map<string, string[][]> {
  const out = new Map<string, string[][]>();
  for (const l of readFileSync(file, 'utf8').trim().split('\n').slice(1)) {
    const c = l.split(',');
    out.set(c[2], [...(out.get(c[2]) ?? []), c]);
  }
  return out;
}

describe('mora backtest: a note for the days a strategy gave no value', () => {
  it('KRR on series sampled one hour a day (fewer than 100 points): the note names krr, the count and the rule; recs.csv has the rest', async () => {
    await inTempDir(async (dir) => {
      // 12 days, 12 samples a day: days 7..11 scored (5 each); KRR has 84 and 96 points before days 7 and 8, 108 from day 9.
      writeFileSync(join(dir, 'a.csv'), csv(range(0, 12), 12, (i) => 1 + 0.1 * (i % 5)));
      writeFileSync(join(dir, 'b.csv'), csv(range(0, 12), 12, (i) => 2 + 0.1 * (i % 3)));
      const out = join(dir, 'recs.csv');
      // The default warm-up would be shortened for 12 days (half: 6); the days above are counted with 7.
      const r = await mora(['backtest', '-i', dir, '-k', 'cpu', '-o', out, '--warmup-days', '7']);
      assert.equal(r.code, 0, r.err);
      const notes = r.err.split('\n').filter((l) => l.startsWith('mora: note:'));
      assert.deepEqual(notes, [`mora: note: krr gave no value on 4 of 10 scored series-days (2 series; fewer than 100 points in its 14-day window): no row for them in ${out}, nor in its scores`]);
      const rows = rowsBy(out);
      for (const s of ['mora', 'vpa', 'autopilot']) assert.equal(rows.get(s)?.length, 10, s);
      assert.equal(rows.get('krr')?.length, 10 - 4);
      assert.deepEqual([...new Set(rows.get('krr')!.map((c) => Number(c[1])))], [T0 + 9 * DAY, T0 + 10 * DAY, T0 + 11 * DAY]);
    });
  });

  it('Autopilot after a 10-day gap: the note names autopilot, the count and its 5-day window; recs.csv has the rest', async () => {
    await inTempDir(async (dir) => {
      // Days 0..7, then 18..22 (5-min samples): scored days 7, 18..22; Autopilot's CPU window (10 half-lives of 12 h) is empty on day 18.
      const file = join(dir, 'gap.csv');
      writeFileSync(file, csv([...range(0, 8), ...range(18, 23)], 288, (i) => 1 + 0.1 * (i % 7)));
      const out = join(dir, 'recs.csv');
      const r = await mora(['backtest', '-i', file, '-k', 'cpu', '-o', out]);
      assert.equal(r.code, 0, r.err);
      const notes = r.err.split('\n').filter((l) => l.startsWith('mora: note:'));
      assert.deepEqual(notes, [`mora: note: autopilot gave no value on 1 of 6 scored series-days (1 series; no sample in its last 5 days): no row for them in ${out}, nor in its scores`]);
      const rows = rowsBy(out);
      for (const s of ['mora', 'vpa', 'krr']) assert.equal(rows.get(s)?.length, 6, s);
      assert.equal(rows.get('autopilot')?.length, 5);
      assert.ok(!rows.get('autopilot')!.some((c) => Number(c[1]) === T0 + 18 * DAY), 'no autopilot row on the day after the gap');
    });
  });

  it('an all-negative series: no negative value; the strategies without one are named in the note', async () => {
    await inTempDir(async (dir) => {
      const file = join(dir, 'neg.csv');
      writeFileSync(file, csv(range(0, 10), 288, () => -0.1));
      const out = join(dir, 'recs.csv');
      const r = await mora(['backtest', '-i', file, '-k', 'cpu', '-o', out, '--warmup-days', '7']);
      assert.equal(r.code, 0, r.err);
      assert.match(r.err, /mora: warning: .*: 2880 negative values/);
      const rows = rowsBy(out);
      for (const [s, list] of rows) for (const c of list) assert.ok(Number(c[3]) >= 0, `${s} ${c[1]}: ${c[3]}`);
      assert.equal(rows.get('autopilot')?.length, 3);
      const notes = r.err.split('\n').filter((l) => l.startsWith('mora: note:'));
      const missing = ['mora', 'vpa', 'krr', 'autopilot'].filter((s) => !rows.has(s));
      assert.deepEqual(notes.map((l) => /^mora: note: (\S+) gave no value on 3 of 3 /.exec(l)?.[1]), missing);
    });
  });
});
