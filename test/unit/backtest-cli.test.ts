import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backtestCommand } from '../../src/cli/commands/backtest';
import { UserError } from '../../src/cli/errors';
import { Rng } from '../../src/core/random';
import { mora } from './helpers/run-cli';

describe('mora backtest', () => {
  let dir = '';
  const base = { kind: 'cpu', strategies: 'mora,vpa,krr,autopilot', format: 'table', warmupDays: '7', scale: '1', quiet: true };
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'mora-bt-'));
    const rng = new Rng(11);
    for (const name of ['alpha', 'beta']) {
      const lines = ['timestamp,value'];
      const t0 = 1_700_000_000 - (1_700_000_000 % 86400);
      for (let i = 0; i < 10 * 288; i++) lines.push(`${t0 + i * 300},${(1 + 0.5 * Math.sin(i / 45) + 0.1 * rng.next()).toFixed(4)}`);
      writeFileSync(join(dir, `${name}.csv`), lines.join('\n'));
    }
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes series,day_start,strategy,value rows and prints a summary per strategy', () => {
    // The folder must exist (MOrA does not create a user-given path's folders): create it, as a user does.
    mkdirSync(join(dir, 'out'), { recursive: true });
    const out = join(dir, 'out', 'recs.csv');
    const text = backtestCommand({ ...base, input: dir, out });
    for (const s of ['mora', 'vpa', 'krr', 'autopilot']) assert.match(text, new RegExp(`^${s}\\s`, 'm'));
    const rows = readFileSync(out, 'utf8').trim().split('\n');
    assert.equal(rows[0], 'series,day_start,strategy,value');
    // 2 series × 3 scored days (10 days − 7 warm-up) × 4 strategies
    assert.equal(rows.length - 1, 2 * 3 * 4);
    const [series, day] = rows[1].split(',');
    assert.ok(series === 'alpha' || series === 'beta');
    assert.equal(Number(day) % 86400, 0);
  });

  it('-f json is the same bytes on every run: no elapsedMs unless --timings (also with --frontier, no oracleMs)', () => {
    const a = backtestCommand({ ...base, input: dir, format: 'json', strategies: 'mora,vpa' });
    assert.equal(a, backtestCommand({ ...base, input: dir, format: 'json', strategies: 'mora,vpa' }));
    assert.doesNotMatch(a, /elapsedMs|oracleMs/);
    const timed = JSON.parse(backtestCommand({ ...base, input: dir, format: 'json', strategies: 'mora,vpa', timings: true }));
    assert.ok(timed.elapsedMs >= 0);
    const f = backtestCommand({ ...base, input: dir, format: 'json', strategies: 'vpa', frontier: true, cpuRisk: '0.05,0.1' });
    assert.doesNotMatch(f, /elapsedMs|oracleMs/);
    const ft = JSON.parse(backtestCommand({ ...base, input: dir, format: 'json', strategies: 'vpa', frontier: true, cpuRisk: '0.05,0.1', timings: true }));
    assert.ok(ft.elapsedMs >= 0 && ft.oracleMs >= 0 && ft.backtest.elapsedMs >= 0);
  });

  it('prints JSON for machines', () => {
    const j = JSON.parse(backtestCommand({ ...base, input: dir, format: 'json', strategies: 'mora,vpa' }));
    assert.deepEqual(j.mean.map((m: { strategy: string }) => m.strategy), ['mora', 'vpa']);
    assert.equal(j.perSeries.length, 4);
  });

  it('names a series too short to score, on stderr and in the output, instead of dropping it silently', async () => {
    const mixed = mkdtempSync(join(tmpdir(), 'mora-bt-short-'));
    try {
      writeFileSync(join(mixed, 'alpha.csv'), readFileSync(join(dir, 'alpha.csv')));
      const t0 = 1_700_000_000 - (1_700_000_000 % 86400);
      // One day: too short for any warm-up (2 days or more get a shorter one without --warmup-days: backtest-short-trace.test.ts).
      writeFileSync(join(mixed, 'shorty.csv'), ['timestamp,value', ...Array.from({ length: 288 }, (_, i) => `${t0 + i * 300},1`)].join('\n'));
      const json = await mora(['backtest', '--input', mixed, '--kind', 'cpu', '--format', 'json', '-q']);
      assert.equal(json.code, 0, json.err);
      assert.match(json.err, /^mora: skipped series shorty: too short: 1\.0 days of samples \(288 points\), needs 2 whole days or more \(a day to size from, then a day to score\)$/m);
      assert.deepEqual(JSON.parse(json.out).skipped.map((s: { series: string }) => s.series), ['shorty']);
      const table = await mora(['backtest', '--input', mixed, '--kind', 'cpu', '-q']);
      assert.equal(table.code, 0, table.err);
      assert.match(table.out, /^skipped \(no day scored\): shorty$/m);
      assert.match(table.err, /skipped series shorty/);
    } finally {
      rmSync(mixed, { recursive: true, force: true });
    }
  });

  it('memory in bytes, KB or MiB: the same ratios for MOrA and Autopilot; the baselines\' byte floors are said, and --scale puts them right', async () => {
    const units = mkdtempSync(join(tmpdir(), 'mora-bt-units-'));
    try {
      const rng = new Rng(3);
      const t0 = 1_700_000_000 - (1_700_000_000 % 86400);
      const bytes = Array.from({ length: 10 * 288 }, (_x, i) => 2e8 + 5e7 * Math.sin(i / 45) + 3e7 * rng.next());
      const write = (name: string, f: number): void => writeFileSync(join(units, name, 'w.csv'), ['timestamp,value', ...bytes.map((b, i) => `${t0 + i * 300},${b / f}`)].join('\n'));
      const dirs = { b: 1, kb: 1000, mib: 2 ** 20 };
      for (const [name, f] of Object.entries(dirs)) { mkdirSync(join(units, name)); write(name, f); }
      const values = (name: string, scale = '1'): Map<string, number> => {
        const out = join(units, `${name}-${scale}.csv`);
        backtestCommand({ ...base, kind: 'memory', input: join(units, name), out, scale });
        const f = scale === '1' ? dirs[name as keyof typeof dirs] : 1;
        return new Map(readFileSync(out, 'utf8').trim().split('\n').slice(1).map((l) => { const [, d, s, v] = l.split(','); return [`${s}@${d}`, Number(v) * f]; }));
      };
      const b = values('b'), kb = values('kb'), mib = values('mib');
      for (const [key, v] of b) {
        if (!/^(mora|autopilot)@/.test(key)) continue;
        assert.ok(Math.abs(kb.get(key)! / v - 1) < 1e-9 && Math.abs(mib.get(key)! / v - 1) < 1e-9, `${key}: ${v} ${kb.get(key)} ${mib.get(key)}`);
      }
      // MiB read as bytes: VPA and KRR can only give their floors; the warning says so and how to convert.
      const run = await mora(['backtest', '--input', join(units, 'mib'), '--kind', 'memory', '-q']);
      assert.equal(run.code, 0, run.err);
      assert.match(run.err, /mora: warning: 1 of 1 memory series peak under 1 MiB read as bytes \(w peaks at 2\d\d\.?\d*\).*--scale 1000, 1024, 1048576 or 1073741824/);
      const scaled = values('mib', String(2 ** 20));
      for (const [key, v] of b) assert.ok(Math.abs(scaled.get(key)! / v - 1) < 1e-6, `${key} with --scale: ${scaled.get(key)} vs ${v}`);
    } finally {
      rmSync(units, { recursive: true, force: true });
    }
  });

  it('a series with no value (every row empty or NaN) is named as such, and when nothing can be scored the error says why per series', () => {
    const odd = mkdtempSync(join(tmpdir(), 'mora-bt-nan-'));
    try {
      writeFileSync(join(odd, 'blank.csv'), ['timestamp,value', '1700000000,NaN', '1700000300,', '1700000600,NaN'].join('\n'));
      assert.throws(() => backtestCommand({ ...base, input: join(odd, 'blank.csv') }),
        (e: unknown) => e instanceof UserError && /no day could be scored \(blank: no values: all 3 rows are empty or NaN\)/.test(e.message));
      writeFileSync(join(odd, 'alpha.csv'), readFileSync(join(dir, 'alpha.csv')));
      const j = JSON.parse(backtestCommand({ ...base, input: odd, format: 'json' }));
      assert.deepEqual(j.skipped, [{ series: 'blank', reason: 'no values: all 3 rows are empty or NaN' }]);
    } finally {
      rmSync(odd, { recursive: true, force: true });
    }
  });

  // --out was checked only after the replay (minutes on a large input): a typo in its folder failed at the very end.
  it('--out in a missing folder, under a file, or naming a folder: exit 2 in one line before any series is read or replayed', async () => {
    const odd = mkdtempSync(join(tmpdir(), 'mora-bt-out-'));
    try {
      writeFileSync(join(odd, 'file'), 'x');
      mkdirSync(join(odd, 'folder'));
      const cases: Array<[string, RegExp]> = [
        [join(odd, 'nonexist', 'recs.csv'), /cannot write: the directory .*nonexist does not exist \(MOrA does not create it: create it first\)/],
        [join(odd, 'file', 'recs.csv'), /cannot write: a parent in the path is not a directory \(ENOTDIR\)/],
        [join(odd, 'folder'), /cannot write: is a directory \(EISDIR\)/],
      ];
      for (const [out, why] of cases) {
        // Not -q: a replay would print the files read and the series done on stderr.
        const r = await mora(['backtest', '--input', dir, '--kind', 'cpu', '--strategies', 'mora,vpa', '--out', out]);
        assert.equal(r.code, 2, r.err);
        assert.equal(r.out, '');
        assert.equal(r.err.trimEnd().split('\n').length, 1, r.err);
        assert.match(r.err, why);
        assert.doesNotMatch(r.err, /backtest: |files? read|series/, 'nothing read or replayed');
      }
    } finally {
      rmSync(odd, { recursive: true, force: true });
    }
  });

  it('rejects bad options with a one-line usage error', () => {
    assert.throws(() => backtestCommand({ ...base, input: dir, kind: 'disk' }), (e: unknown) => e instanceof UserError && /--kind/.test(e.message));
    assert.throws(() => backtestCommand({ ...base, input: dir, strategies: 'mora,foo' }), /unknown strategy "foo"/);
    assert.throws(() => backtestCommand({ ...base, input: dir, warmupDays: '30' }), /no day could be scored/);
  });
});
