import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
      writeFileSync(join(mixed, 'shorty.csv'), ['timestamp,value', ...Array.from({ length: 2 * 288 }, (_, i) => `${t0 + i * 300},1`)].join('\n'));
      const json = await mora(['backtest', '--input', mixed, '--kind', 'cpu', '--format', 'json', '-q']);
      assert.equal(json.code, 0, json.err);
      assert.match(json.err, /^mora: skipped series shorty: too short: 2\.0 days of samples \(576 points\), needs more than the 7-day warm-up$/m);
      assert.deepEqual(JSON.parse(json.out).skipped.map((s: { series: string }) => s.series), ['shorty']);
      const table = await mora(['backtest', '--input', mixed, '--kind', 'cpu', '-q']);
      assert.equal(table.code, 0, table.err);
      assert.match(table.out, /^skipped \(no day scored\): shorty$/m);
      assert.match(table.err, /skipped series shorty/);
    } finally {
      rmSync(mixed, { recursive: true, force: true });
    }
  });

  it('rejects bad options with a one-line usage error', () => {
    assert.throws(() => backtestCommand({ ...base, input: dir, kind: 'disk' }), (e: unknown) => e instanceof UserError && /--kind/.test(e.message));
    assert.throws(() => backtestCommand({ ...base, input: dir, strategies: 'mora,foo' }), /unknown strategy "foo"/);
    assert.throws(() => backtestCommand({ ...base, input: dir, warmupDays: '30' }), /no day could be scored/);
  });
});
