// Every series idle (no usage on any scored day): the frontier has no point at all. The terminal table said "no MOrA
// point" and "—", but the JSON's dominance note said "MOrA's lowest achieved risk — is above the baseline's NaN" and
// the HTML report showed NaN and NaN% (29 of them: that note, the calibration's relative errors and points).
import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { calibration, dominance, type StrategyPoint } from '../../src/rightsizing/backtest/frontier';
import type { DayScore } from '../../src/rightsizing/replay/score';
import { mora } from './helpers/run-cli';
import { inTempDir } from './helpers/temp-dir';

const nan = (strategy: string, target?: number): StrategyPoint => ({ strategy, ...(target !== undefined ? { target } : {}), risk: NaN, waste: NaN, series: 0, days: 0 });

describe('frontier when every series is idle', () => {
  it('dominance: no NaN in the note, which says there is no MOrA point', () => {
    const [d] = dominance([nan('mora@cpu-risk=0.05', 0.05)], [nan('vpa')]);
    assert.ok(d.note !== undefined);
    assert.doesNotMatch(d.note!, /NaN/);
    assert.match(d.note!, /^no MOrA point/);
    assert.equal(d.dominates, false);
    // A baseline without a point beside a MOrA curve that has points: said so, no NaN either.
    const [b] = dominance([{ strategy: 'mora@cpu-risk=0.05', target: 0.05, risk: 0.04, waste: 0.5, series: 1, days: 7 }], [nan('vpa')]);
    assert.doesNotMatch(b.note ?? '', /NaN/);
    assert.match(b.note ?? '', /no point for the baseline/);
  });

  it('mora backtest --frontier -f json and --html: null and "—", never NaN', async () => {
    await inTempDir(async (dir) => {
      const input = join(dir, 'z.csv');
      writeFileSync(input, `timestamp,value\n${Array.from({ length: 14 * 288 }, (_, k) => `${1_700_000_000 + k * 300},0`).join('\n')}\n`);
      const html = join(dir, 'f.html');
      const r = await mora(['backtest', '-i', input, '-k', 'cpu', '--frontier', '-f', 'json', '--html', html]);
      assert.equal(r.code, 0, r.err);
      assert.doesNotMatch(r.out, /NaN/);
      const json = JSON.parse(r.out) as { dominance: Array<{ note?: string; ratio: number | null }> };
      assert.ok(json.dominance.length > 0);
      for (const d of json.dominance) { assert.equal(d.ratio, null); assert.match(d.note ?? '', /^no MOrA point/); }
      const page = readFileSync(html, 'utf8');
      assert.doesNotMatch(page, /NaN/);
      assert.match(page, /<td>no MOrA point/);
      // The terminal table: "—", not "—%" (its calibration's relative errors).
      const table = await mora(['backtest', '-i', input, '-k', 'cpu', '--frontier', '-q']);
      assert.equal(table.code, 0, table.err);
      assert.match(table.out, /no MOrA point/);
      assert.doesNotMatch(table.out, /NaN|—%/);
    });
  });

  // With no series with usage there is no achieved risk: calibration said `within: no` (text, HTML) and false (JSON),
  // a verdict on nothing, beside the dominance's 'no MOrA point'. Now it cannot be judged: null, '—' and a line saying why.
  it('calibration with no series with usage cannot be judged: within null with a note, not false', () => {
    const idleDay = { samples: 288, exceeded: 0, sumUsage: 0 } as unknown as DayScore;
    for (const days of [[], [[idleDay, idleDay]]]) {
      const c = calibration(0.05, days, 'cpu');
      assert.equal(c.within, null);
      assert.match(c.note ?? '', /cannot be judged/);
      assert.equal(c.series, 0);
    }
    // A series with usage is still judged.
    const busy = { samples: 100, exceeded: 5, sumUsage: 10 } as unknown as DayScore;
    const j = calibration(0.05, [[busy]], 'cpu');
    assert.equal(j.within, true);
    assert.equal(j.note, undefined);
  });

  it('mora backtest --frontier (also --risk-scope fleet): calibration "cannot be judged" in the table, JSON and HTML, never "no"', async () => {
    await inTempDir(async (dir) => {
      const input = join(dir, 'z.csv');
      writeFileSync(input, `timestamp,value\n${Array.from({ length: 14 * 288 }, (_, k) => `${1_700_000_000 + k * 300},0`).join('\n')}\n`);
      const html = join(dir, 'f.html');
      const r = await mora(['backtest', '-i', input, '-k', 'cpu', '--frontier', '--risk-scope', 'fleet', '-f', 'json', '--html', html, '-q']);
      assert.equal(r.code, 0, r.err);
      const json = JSON.parse(r.out) as { calibration: Array<{ within: boolean | null; note?: string }>; fleet: { calibration: Array<{ within: boolean | null; note?: string }> } };
      assert.ok(json.calibration.length > 0 && json.fleet.calibration.length > 0);
      for (const c of [...json.calibration, ...json.fleet.calibration]) {
        assert.equal(c.within, null);
        assert.match(c.note ?? '', /cannot be judged/);
      }
      const page = readFileSync(html, 'utf8');
      assert.doesNotMatch(page, /<td>no<\/td>/);
      assert.match(page, /calibration cannot be judged/i);
      const table = await mora(['backtest', '-i', input, '-k', 'cpu', '--frontier', '--risk-scope', 'fleet', '-q']);
      assert.equal(table.code, 0, table.err);
      const cal = table.out.slice(table.out.indexOf('\ncalibration:'), table.out.indexOf('\nconfidence:'));
      const rows = cal.split('\n').filter((l) => /^\s*\d+\.\d%/.test(l));
      assert.equal(rows.length, 12, cal);
      for (const row of rows) assert.doesNotMatch(row, /\b(no|yes)\b/, row);
      assert.match(cal, /cannot be judged: no series with usage was scored/);
      assert.doesNotMatch(table.out, /\(out\)/);
      assert.match(table.out, /fleet mean achieved vs target: cannot be judged/);
    });
  });
});
