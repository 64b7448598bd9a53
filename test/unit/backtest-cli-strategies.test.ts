// `mora backtest` replays each strategy once however the command line spells it (mora@cpu-risk=0.05, 0.050, 5e-2, or
// mora with --cpu-risk 0.05), and a series a strategy scored no day of has no ratios in the JSON (not a perfect 0).
import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rows } from './helpers/csv-rows';
import { mora } from './helpers/run-cli';
import { inTempDir } from './helpers/temp-dir';

/** Two 10-day series (5 scored days after the 5-day warm-up a trace under 14 days gets) and one of 1 day (none scored: 2 days or more get a shorter warm-up). */
function writeSeries(dir: string): void {
  writeFileSync(join(dir, 'alpha.csv'), ['timestamp,value', ...rows(10 * 288)].join('\n'));
  writeFileSync(join(dir, 'beta.csv'), ['timestamp,value', ...rows(10 * 288, 300, (i) => (2 + Math.cos(i / 30)).toFixed(4))].join('\n'));
  writeFileSync(join(dir, 'short.csv'), ['timestamp,value', ...rows(288)].join('\n'));
}

interface Summary { days: number; wasteRatio: number | null; shortfallRatio: number | null }
interface BacktestJson {
  strategies: string[];
  mean: Array<{ strategy: string; series: number; summary: Summary }>;
  perSeries: Array<{ series: string; strategy: string; summary: Summary; unscored?: string }>;
}

describe('mora backtest: each strategy once, unscored series without ratios', () => {
  it('mora with --cpu-risk beside the same mora@cpu-risk: one replay per target, recs.csv one row per series, day and strategy', async () => {
    await inTempDir(async (dir) => {
      writeSeries(dir);
      const out = join(dir, 'recs.csv');
      const r = await mora(['backtest', '-i', dir, '-k', 'cpu', '-s', 'mora,mora@cpu-risk=0.01', '--cpu-risk', '0.01,0.1', '-o', out, '-f', 'json', '-q']);
      assert.equal(r.code, 0, r.err);
      const j = JSON.parse(r.out) as BacktestJson;
      assert.deepEqual(j.strategies, ['mora@cpu-risk=0.01', 'mora@cpu-risk=0.1']);
      for (const m of j.mean) assert.equal(m.series, 2, m.strategy);
      const lines = readFileSync(out, 'utf8').trim().split('\n');
      assert.equal(lines[0], 'series,day_start,strategy,value');
      const keys = lines.slice(1).map((l) => l.split(',').slice(0, 3).join(','));
      assert.equal(new Set(keys).size, keys.length, 'a (series, day_start, strategy) appears twice');
      // 2 series × 5 scored days × 2 targets.
      assert.equal(keys.length, 2 * 5 * 2);
      const notes = r.err.split('\n').filter((l) => /named \d+ times/.test(l));
      assert.deepEqual(notes, ['mora: warning: mora@cpu-risk=0.01 is named 2 times; replayed once, as "mora@cpu-risk=0.01" (dropped: "mora with --cpu-risk 0.01")']);
    });
  });

  it('a list of targets in --strategies (mora,mora@cpu-risk=0.01,0.05,0.1): every name asked for has its rows in recs.csv', async () => {
    await inTempDir(async (dir) => {
      writeSeries(dir);
      const out = join(dir, 'recs.csv');
      const r = await mora(['backtest', '-i', dir, '-k', 'cpu', '-s', 'mora,mora@cpu-risk=0.01,0.05,0.1,vpa', '-o', out, '-f', 'json', '-q']);
      assert.equal(r.code, 0, r.err);
      const names = ['mora', 'mora@cpu-risk=0.01', 'mora@cpu-risk=0.05', 'mora@cpu-risk=0.1', 'vpa'];
      assert.deepEqual((JSON.parse(r.out) as BacktestJson).strategies, names);
      const rows = readFileSync(out, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
      for (const n of names) assert.equal(rows.filter((x) => x[2] === n).length, 2 * 5, `${n}: 2 series × 5 scored days`);
      // A bare target with no strategy before it: one line saying how to write it.
      const bare = await mora(['backtest', '-i', dir, '-k', 'cpu', '-s', 'vpa,0.05', '-q']);
      assert.equal(bare.code, 2);
      assert.equal(bare.err.trim(), 'mora: "0.05" in --strategies: a risk target follows its strategy, as mora@cpu-risk=0.05 (or --cpu-risk 0.05 for plain mora)');
    });
  });

  it('one target spelt three ways prints one row and says once which spellings were dropped', async () => {
    await inTempDir(async (dir) => {
      writeSeries(dir);
      const r = await mora(['backtest', '-i', dir, '-k', 'cpu', '-s', 'mora@cpu-risk=0.05,vpa,mora@cpu-risk=0.050,mora@cpu-risk=5e-2', '-q']);
      assert.equal(r.code, 0, r.err);
      assert.equal(r.out.split('\n').filter((l) => l.startsWith('mora@cpu-risk=')).length, 1, r.out);
      assert.match(r.out, /^mora@cpu-risk=0\.05\s+2\s/m);
      assert.match(r.out, /^vpa\s+2\s/m);
      const notes = r.err.split('\n').filter((l) => /named \d+ times/.test(l));
      assert.deepEqual(notes, ['mora: warning: mora@cpu-risk=0.05 is named 3 times; replayed once, as "mora@cpu-risk=0.05" (dropped: "mora@cpu-risk=0.050", "mora@cpu-risk=5e-2")']);
    });
  });

  // The rows were named by the target as a number prints (0.05, 0.01), not as given: `-s mora@cpu-risk=0.050` wrote
  // `mora@cpu-risk=0.05` rows (while the warning said "replayed once, as "mora@cpu-risk=0.050""), `1e-2` wrote `0.01`, so
  // a harness looking for the names it passed found none.
  it('recs.csv, the JSON and the table name a target as --strategies spells it (the first spelling of a repeated one)', async () => {
    await inTempDir(async (dir) => {
      writeSeries(dir);
      const out = join(dir, 'recs.csv');
      const names = (file: string) => [...new Set(readFileSync(file, 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')[2]))];
      const r = await mora(['backtest', '-i', dir, '-k', 'cpu', '-s', 'mora@cpu-risk=0.050,mora@cpu-risk=0.05,mora@cpu-risk=1e-2,vpa', '-o', out, '-f', 'json']);
      assert.equal(r.code, 0, r.err);
      assert.deepEqual(names(out), ['mora@cpu-risk=0.050', 'mora@cpu-risk=1e-2', 'vpa']);
      assert.deepEqual((JSON.parse(r.out) as BacktestJson).strategies, ['mora@cpu-risk=0.050', 'mora@cpu-risk=1e-2', 'vpa']);
      const notes = r.err.split('\n').filter((l) => /named \d+ times/.test(l));
      assert.deepEqual(notes, ['mora: warning: mora@cpu-risk=0.05 is named 2 times; replayed once, as "mora@cpu-risk=0.050" (dropped: "mora@cpu-risk=0.05")']);
      // A list after a target: each as written. --cpu-risk's targets are named as README gives them (mora@cpu-risk=0.05).
      const list = await mora(['backtest', '-i', dir, '-k', 'cpu', '-s', 'mora@cpu-risk=0.010,0.10', '-o', out, '-q']);
      assert.equal(list.code, 0, list.err);
      assert.deepEqual(names(out), ['mora@cpu-risk=0.010', 'mora@cpu-risk=0.10']);
      const flag = await mora(['backtest', '-i', dir, '-k', 'cpu', '-s', 'mora', '--cpu-risk', '0.050', '-o', out, '-q']);
      assert.equal(flag.code, 0, flag.err);
      assert.deepEqual(names(out), ['mora@cpu-risk=0.05']);
      // The same target in --strategies and --cpu-risk: one row set, named as --strategies spells it, whichever comes
      // first (the --cpu-risk one did when plain mora came before it: mora@cpu-risk=0.05 rows, no 0.050 the harness listed).
      for (const s of ['mora,mora@cpu-risk=0.050', 'mora@cpu-risk=0.050,mora', 'mora@cpu-risk=0.050']) {
        const both = await mora(['backtest', '-i', dir, '-k', 'cpu', '-s', `vpa,${s}`, '--cpu-risk', '0.01,0.05', '-o', out, '-f', 'json']);
        assert.equal(both.code, 0, both.err);
        const want = ['mora@cpu-risk=0.01', 'mora@cpu-risk=0.050', 'vpa'];
        assert.deepEqual(names(out).sort(), want, s);
        assert.deepEqual([...(JSON.parse(both.out) as BacktestJson).strategies].sort(), want, s);
        const rows = readFileSync(out, 'utf8').trim().split('\n').slice(1);
        assert.equal(rows.length, 3 * 2 * 5, `${s}: 3 strategies × 2 series × 5 scored days, each once`);
        assert.match(both.err, /mora@cpu-risk=0\.05 is named 2 times; replayed once, as "mora@cpu-risk=0\.050" \(dropped: "(mora with )?--cpu-risk 0\.05"\)/, s);
      }
      // --risk-scope fleet renames a spelt mora target to the fleet replay it is, spelling kept.
      const fleet = await mora(['backtest', '-i', dir, '-k', 'cpu', '--risk-scope', 'fleet', '-s', 'mora@cpu-risk=0.050', '-o', out, '-q']);
      assert.equal(fleet.code, 0, fleet.err);
      assert.deepEqual(names(out), ['mora-fleet@cpu-risk=0.050']);
      // --frontier: the curve's targets named as given too.
      const frontier = await mora(['backtest', '-i', dir, '-k', 'cpu', '--frontier', '-s', 'vpa,mora@cpu-risk=0.050,1e-1', '-o', out, '-q']);
      assert.equal(frontier.code, 0, frontier.err);
      assert.deepEqual(names(out).sort(), ['mora@cpu-risk=0.050', 'mora@cpu-risk=1e-1', 'vpa']);
    });
  });

  // --risk-scope fleet renamed every `mora` to mora-fleet, so beside a named mora-fleet@cpu-risk=0.05 it printed the same
  // replay twice (mora-fleet and mora-fleet@cpu-risk=0.05, identical rows) and MOrA per workload could not be compared.
  it('--risk-scope fleet with mora-fleet named: mora stays per workload beside it, said on stderr; plain mora = mora@<default target>', async () => {
    await inTempDir(async (dir) => {
      // A steady, a bursty and a noisy series: the fleet budget moves risk between them, so the two replays differ.
      let seed = 7;
      const rnd = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
      const series: Record<string, (i: number) => number> = {
        steady: (i) => 1 + 0.5 * Math.sin(i / 45) + 0.05 * rnd(),
        bursty: () => 0.5 + (rnd() < 0.05 ? 3 * rnd() : 0.1 * rnd()),
        noisy: () => 1 + 0.3 * rnd(),
      };
      for (const [name, f] of Object.entries(series)) writeFileSync(join(dir, `${name}.csv`), ['timestamp,value', ...rows(10 * 288, 300, (i) => f(i).toFixed(4))].join('\n'));
      const run = async (...args: string[]) => {
        const r = await mora(['backtest', '-i', dir, '-k', 'cpu', '-f', 'json', '-q', ...args]);
        assert.equal(r.code, 0, r.err);
        return { j: JSON.parse(r.out) as BacktestJson, err: r.err };
      };
      const mean = (j: BacktestJson, s: string) => j.mean.find((m) => m.strategy === s)?.summary;
      const both = await run('--risk-scope', 'fleet', '-s', 'mora-fleet@cpu-risk=0.05,mora');
      assert.deepEqual(both.j.strategies, ['mora-fleet@cpu-risk=0.05', 'mora']);
      assert.match(both.err, /^mora: warning: --risk-scope fleet with mora-fleet named in --strategies: mora stays MOrA per workload/m);
      const perWorkload = await run('-s', 'mora');
      const fleet = await run('--risk-scope', 'fleet', '-s', 'mora');
      assert.deepEqual(fleet.j.strategies, ['mora-fleet'], '--risk-scope fleet alone still replays mora as the fleet budget');
      assert.doesNotMatch(fleet.err + perWorkload.err, /warning/);
      assert.deepEqual(mean(both.j, 'mora'), mean(perWorkload.j, 'mora'));
      assert.deepEqual(mean(both.j, 'mora-fleet@cpu-risk=0.05'), mean(fleet.j, 'mora-fleet'));
      assert.notDeepEqual(mean(both.j, 'mora'), mean(both.j, 'mora-fleet@cpu-risk=0.05'));
      // `mora` replays the default target (0.05 for cpu), but a script that names both reads both: each name gets its rows.
      const same = await run('-s', 'mora,mora@cpu-risk=0.05');
      assert.deepEqual(same.j.strategies, ['mora', 'mora@cpu-risk=0.05']);
      assert.deepEqual(mean(same.j, 'mora'), mean(same.j, 'mora@cpu-risk=0.05'));
      assert.doesNotMatch(same.err, /warning/);
    });
  });

  it('a series with no scored day has null waste and shortfall with the reason in the JSON, and stays out of the means', async () => {
    await inTempDir(async (dir) => {
      writeSeries(dir);
      const r = await mora(['backtest', '-i', dir, '-k', 'cpu', '-s', 'mora,vpa', '-f', 'json', '-q']);
      assert.equal(r.code, 0, r.err);
      const j = JSON.parse(r.out) as BacktestJson;
      for (const strategy of ['mora', 'vpa']) {
        const mine = j.perSeries.filter((p) => p.strategy === strategy);
        const short = mine.find((p) => p.series === 'short')!;
        assert.equal(short.summary.days, 0);
        assert.equal(short.summary.wasteRatio, null);
        assert.equal(short.summary.shortfallRatio, null);
        assert.match(short.unscored ?? '', /^too short: 1\.0 days of samples/);
        const scored = mine.filter((p) => p.series !== 'short');
        for (const p of scored) {
          assert.equal(p.unscored, undefined);
          assert.ok(typeof p.summary.wasteRatio === 'number' && p.summary.wasteRatio > 0, `${p.series}: ${p.summary.wasteRatio}`);
        }
        const mean = j.mean.find((m) => m.strategy === strategy)!;
        assert.equal(mean.series, 2);
        const expected = scored.reduce((s, p) => s + (p.summary.wasteRatio as number), 0) / scored.length;
        assert.ok(Math.abs((mean.summary.wasteRatio as number) - expected) < 1e-12, `${mean.summary.wasteRatio} vs ${expected}`);
      }
    });
  });
});
