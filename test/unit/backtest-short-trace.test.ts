/**
 * Short traces without --warmup-days: a series of 2 to 13 whole days (too short for the default 7-day warm-up, which left
 * 2–7 days no scored day — no rows and exit 2 — and an 8-day one a single day) is warmed up on half its whole days (at least
 * 1) and scored on the rest, said once on stderr; a given --warmup-days is obeyed as before; under 2 whole days is still the exit-2 error.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backtestCommand, shortTraceMaxDays, type BacktestCliOptions } from '../../src/cli/commands/backtest';
import { DEFAULT_WARMUP_DAYS, shortWarmupDays } from '../../src/rightsizing/backtest/warmup';
import { mora } from './helpers/run-cli';
import { UserError } from '../../src/cli/errors';
import { Rng } from '../../src/core/random';

const DAY = 86400;
const T0 = 1_700_006_400 - (1_700_006_400 % DAY);

function trace(days: number, step = 300, start = T0): string {
  const rng = new Rng(days);
  const rows = ['timestamp,value'];
  for (let x = start; x < start + days * DAY; x += step) rows.push(`${x},${(0.5 + 0.3 * Math.sin((2 * Math.PI * x) / DAY) + 0.05 * rng.next()).toFixed(4)}`);
  return rows.join('\n') + '\n';
}

type Json = { mean: Array<{ strategy: string; series: number; summary: { days: number } }>; skipped: Array<{ series: string; reason: string }> };

describe('backtest: a trace shorter than the default warm-up', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'mora-short-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const run = (opts: Partial<BacktestCliOptions>): { out: string; err: string } => {
    const write = process.stderr.write;
    let err = '';
    process.stderr.write = ((s: string) => { err += s; return true; }) as typeof process.stderr.write;
    try {
      const out = backtestCommand({ input: dir, kind: 'cpu', strategies: 'mora,vpa,krr,autopilot', format: 'json', scale: '1', ...opts }); // not quiet: -q silences the notes looked for here
      return { out, err };
    } finally { process.stderr.write = write; }
  };
  const rowsOf = (file: string): string[][] => {
    return readFileSync(file, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
  };

  for (const [days, warmup] of [[2, 1], [3, 1], [5, 2], [7, 3], [8, 4], [13, 6]] as const) {
    it(`${days} days: warmed up on ${warmup}, every strategy scored on the ${days - warmup} days after`, () => {
      writeFileSync(join(dir, 'short.csv'), trace(days));
      const out = join(dir, 'recs.csv');
      const { out: json, err } = run({ input: join(dir, 'short.csv'), out });
      const j = JSON.parse(json) as Json;
      for (const m of j.mean) assert.equal(m.summary.days, days - warmup, m.strategy);
      const rows = rowsOf(out);
      assert.deepEqual([...new Set(rows.map((r) => Number(r[1])))].sort(), Array.from({ length: days - warmup }, (_, i) => T0 + (warmup + i) * DAY));
      assert.equal(err.match(/too short for the default 7-day warm-up/g)?.length, 1, err);
      assert.match(err, new RegExp(`^mora: note: the series \\(${days} days of samples\\) is too short for the default 7-day warm-up \\(it needs twice that to score as many days as it warms up on\\): warmed up on ${warmup} days? \\(half its whole days\\)`, 'm'));
    });
  }

  it('a directory: only the short series get a shorter warm-up, and one note counts them', () => {
    writeFileSync(join(dir, 'long.csv'), trace(16));
    writeFileSync(join(dir, 'short.csv'), trace(3));
    const out = join(dir, 'recs.csv');
    const { err } = run({ out });
    const days = (s: string) => [...new Set(rowsOf(out).filter((r) => r[0] === s).map((r) => (Number(r[1]) - T0) / DAY))].sort((a, b) => a - b);
    assert.deepEqual(days('long'), [7, 8, 9, 10, 11, 12, 13, 14, 15]);
    assert.deepEqual(days('short'), [1, 2]);
    assert.match(err, /^mora: note: 1 of 2 series are too short for the default 7-day warm-up .*\(1 day: 1 series \(short\)\).*the others keep 7 days/m);
  });

  it('a given --warmup-days is obeyed: no shorter warm-up, the error as before', () => {
    writeFileSync(join(dir, 'short.csv'), trace(3));
    assert.throws(() => run({ input: join(dir, 'short.csv'), warmupDays: '7' }),
      (e: unknown) => e instanceof UserError && /each series needs more than 7 days of samples \(--warmup-days sets how many;/.test(e.message));
    const j = JSON.parse(run({ input: join(dir, 'short.csv'), warmupDays: '2' }).out) as Json;
    assert.equal(j.mean[0].summary.days, 1);
  });

  it('under 2 whole days is still the exit-2 error, saying what a series needs', () => {
    writeFileSync(join(dir, 'day.csv'), trace(1));
    assert.throws(() => run({ input: join(dir, 'day.csv') }),
      (e: unknown) => e instanceof UserError && /too short: 1\.0 days of samples \(288 points\), needs 2 whole days or more/.test(e.message) && /each series needs 2 whole days of samples or more/.test(e.message)
        && /a series of 2 to 13 whole days is warmed up on half its whole days/.test(e.message));
  });

  it('backtest --help and the no-day error say the shorter warm-up covers 2 to 13 whole days, as shortWarmupDays does', async () => {
    const series = (days: number) => ({ t: Float64Array.from({ length: days * 288 }, (_, i) => T0 + 300 * i), v: new Float64Array(days * 288).fill(0.5) });
    assert.equal(shortWarmupDays(series(2)), 1);
    assert.equal(shortWarmupDays(series(shortTraceMaxDays(DEFAULT_WARMUP_DAYS))), 6);
    assert.equal(shortWarmupDays(series(shortTraceMaxDays(DEFAULT_WARMUP_DAYS) + 1)), undefined);
    const help = (await mora(['backtest', '--help'])).out.replace(/\s+/g, ' ');
    assert.match(help, /without it, a series of 2 to 13 whole days is warmed up on half its whole days, said on stderr/);
    assert.doesNotMatch(help, /2 to 7 whole days/);
  });

  it('14 days keep the default warm-up (7 scored days after it), with no note; a longer trace never scores fewer days', () => {
    writeFileSync(join(dir, 'fourteen.csv'), trace(14));
    const { out, err } = run({ input: join(dir, 'fourteen.csv') });
    assert.equal((JSON.parse(out) as Json).mean[0].summary.days, 7);
    assert.doesNotMatch(err, /warm-up/);
    let before = 0;
    for (let d = 2; d <= 15; d++) {
      writeFileSync(join(dir, 'grow.csv'), trace(d));
      const scored = (JSON.parse(run({ input: join(dir, 'grow.csv') }).out) as Json).mean[0].summary.days;
      assert.ok(scored >= before, `${d} days scored ${scored}, ${d - 1} days ${before}`);
      before = scored;
    }
  });

  it('--frontier and memory read the same warm-up', () => {
    writeFileSync(join(dir, 'short.csv'), trace(4));
    const f = JSON.parse(run({ input: join(dir, 'short.csv'), strategies: 'vpa', frontier: true }).out) as { points: Array<{ days: number }>; oracle: unknown[] };
    assert.ok(f.points.length > 0 && f.points.every((p) => p.days === 2), JSON.stringify(f.points));
    assert.ok(f.oracle.length > 0);
    const m = JSON.parse(run({ input: join(dir, 'short.csv'), kind: 'memory', scale: '1073741824' }).out) as Json;
    for (const x of m.mean) assert.equal(x.summary.days, 2, x.strategy);
  });
});
