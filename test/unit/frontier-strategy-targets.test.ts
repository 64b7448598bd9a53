// backtest --frontier traced plain MOrA for every target named in --strategies: `-s vpa,mora-prophet@cpu-risk=0.05`
// replayed mora (no Prophet) and wrote its rows as mora@cpu-risk=0.05, and `-s vpa,mora-fleet@cpu-risk=0.05` had no
// fleet curve at all, so a harness asking for those strategies read another one's rows under another name. Now a
// mora-prophet target traces the curve with Prophet, a mora-fleet target adds the fleet curve (named as spelt), and
// targets of both mora and mora-prophet (two curves) are refused before anything is read.
import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mora } from './helpers/run-cli';
import { inTempDir } from './helpers/temp-dir';

/** 6 days at 5-min steps: warmed up on 3 days (a trace under 14 days gets half), 3 scored. */
function series(dir: string): string {
  const file = join(dir, 'web.csv');
  const rows = Array.from({ length: 6 * 288 }, (_, k) => `${1_700_000_000 + k * 300},${(0.3 + 0.1 * Math.sin((2 * Math.PI * k) / 288) + 0.05 * ((k * 7919) % 97) / 97).toFixed(4)}`);
  writeFileSync(file, ['timestamp,value', ...rows].join('\n') + '\n');
  return file;
}

const names = (file: string) => [...new Set(readFileSync(file, 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')[2]))].sort();

describe('backtest --frontier: targets of mora-prophet and mora-fleet in --strategies', () => {
  it('mora-fleet@…: the fleet curve is traced, its rows named as spelt', async () => {
    await inTempDir(async (dir) => {
      const input = series(dir);
      const out = join(dir, 'recs.csv');
      const r = await mora(['backtest', '-i', input, '-k', 'cpu', '--frontier', '-s', 'vpa,mora-fleet@cpu-risk=0.050', '-o', out, '-f', 'json', '-q']);
      assert.equal(r.code, 0, r.err);
      const j = JSON.parse(r.out) as { fleet?: { curve: Array<{ strategy: string }> } };
      assert.deepEqual(j.fleet?.curve.map((p) => p.strategy), ['mora-fleet@cpu-risk=0.050']);
      assert.ok(names(out).includes('mora-fleet@cpu-risk=0.050'), names(out).join(' '));
    });
  });

  it('mora-prophet@…: the curve is MOrA with Prophet, named as spelt; with mora@… too: refused, exit 2', async () => {
    await inTempDir(async (dir) => {
      const input = series(dir);
      const out = join(dir, 'recs.csv');
      const r = await mora(['backtest', '-i', input, '-k', 'cpu', '--frontier', '-s', 'vpa,mora-prophet@cpu-risk=0.05', '-o', out, '-q']);
      assert.equal(r.code, 0, r.err);
      assert.deepEqual(names(out), ['mora-prophet@cpu-risk=0.05', 'vpa']);
      assert.match(r.out, /^mora-prophet@cpu-risk=0\.05\s+5\.0%/m);
      const both = await mora(['backtest', '-i', input, '-k', 'cpu', '--frontier', '-s', 'vpa,mora@cpu-risk=0.05,mora-prophet@cpu-risk=0.1', '-q']);
      assert.equal(both.code, 2, both.err);
      assert.equal(both.out, '');
      assert.match(both.err, /^mora: --frontier traces one MOrA curve: .*mora@cpu-risk=0\.05.*mora-prophet@cpu-risk=0\.1/);
    });
  });

  // The risk list replaced the targets named in --strategies: --cpu-risk 0.1 -s vpa,mora@cpu-risk=0.050 traced 0.1 alone,
  // with no row for the 0.050 asked for (without --frontier both are replayed: one replay per target asked for).
  it('a risk list beside targets named in --strategies: the curve has both', async () => {
    await inTempDir(async (dir) => {
      const input = series(dir);
      const out = join(dir, 'recs.csv');
      const r = await mora(['backtest', '-i', input, '-k', 'cpu', '--frontier', '--cpu-risk', '0.1', '-s', 'vpa,mora@cpu-risk=0.050', '-o', out, '-f', 'json', '-q']);
      assert.equal(r.code, 0, r.err);
      assert.deepEqual(names(out), ['mora@cpu-risk=0.050', 'mora@cpu-risk=0.1', 'vpa']);
      assert.deepEqual((JSON.parse(r.out) as { grid: number[] }).grid, [0.05, 0.1]);
    });
  });
});
