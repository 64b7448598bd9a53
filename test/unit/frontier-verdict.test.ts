// backtest --frontier: a baseline whose risk is below MOrA's lowest achieved risk was "no MOrA point" in the terminal's
// dominance table, while MOrA's curve had 12 points (NAB CPU: Autopilot at 1.98%, MOrA's 0.5% target achieved 2.00%);
// the JSON note said why. Now the verdict says the baseline is below MOrA's lowest risk, and "no MOrA point" is kept
// for a curve with no point at all (every series idle).
import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mora } from './helpers/run-cli';
import { inTempDir } from './helpers/temp-dir';

/** 3 days at 30-min steps: warmed up on 1 day; VPA's p90 × 1.15 runs at less risk than MOrA's 0.5% target achieves on 2 days. */
function sparse(dir: string): string {
  const file = join(dir, 'sparse.csv');
  const rows = Array.from({ length: 3 * 48 }, (_, k) => `${1_700_000_000 + k * 1800},${(0.3 + 0.2 * Math.sin(k / 7.6)).toFixed(3)}`);
  writeFileSync(file, ['timestamp,value', ...rows].join('\n') + '\n');
  return file;
}

interface Json { curve: Array<{ risk: number }>; dominance: Array<{ baseline: string; baselineRisk: number; ratio: number | null; note?: string }> }

describe('backtest --frontier: the verdict of a baseline MOrA has no point at', () => {
  it('below MOrA\'s lowest achieved risk: "below curve" and a line saying so in the table, the note in the report, not "no MOrA point"', async () => {
    await inTempDir(async (dir) => {
      const input = sparse(dir);
      const json = await mora(['backtest', '-i', input, '-k', 'cpu', '--frontier', '-f', 'json', '-q']);
      assert.equal(json.code, 0, json.err);
      const j = JSON.parse(json.out) as Json;
      const lowest = Math.min(...j.curve.map((p) => p.risk));
      const below = j.dominance.filter((d) => d.ratio === null && d.baselineRisk < lowest);
      assert.ok(below.length > 0, 'the case needs a baseline below MOrA\'s lowest risk');
      const html = join(dir, 'f.html');
      const table = await mora(['backtest', '-i', input, '-k', 'cpu', '--frontier', '-q', '--html', html, '--risk-scope', 'fleet']);
      assert.equal(table.code, 0, table.err);
      const dom = table.out.slice(table.out.indexOf('\ndominance:'), table.out.indexOf('\ncalibration:'));
      assert.doesNotMatch(dom, /no MOrA point|no fleet point/, dom);
      for (const d of below) {
        const row = dom.split('\n').find((l) => l.startsWith(`${d.baseline} `));
        assert.match(row ?? '', /\sbelow curve\s/, row);
        assert.match(dom, new RegExp(`^below curve: .*${d.baseline} at ${(d.baselineRisk * 100).toFixed(2)}%.* under MOrA's lowest achieved risk, ${(lowest * 100).toFixed(2)}%`, 'm'));
      }
      const page = readFileSync(html, 'utf8');
      assert.doesNotMatch(page, /no MOrA point|no fleet point/);
    });
  });

  // KRR gives no value before 100 points in its window: on this trace it scored 1 day of the 3 MOrA's curve scored, and
  // its point sat in the same table and dominance as if over the same days (only the days column told).
  it('a baseline scored on fewer days than the curve: a line says which and over how many, in the table and the report', async () => {
    await inTempDir(async (dir) => {
      const input = sparse(dir);
      const html = join(dir, 'f.html');
      const r = await mora(['backtest', '-i', input, '-k', 'cpu', '--frontier', '-q', '--html', html]);
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /^fewer days: krr 1, krr-limit 1 of MOrA's 3 series-days \(no value on the others\): their points are not over the same days as the curve\n/m);
      assert.match(readFileSync(html, 'utf8'), /fewer days: krr 1, krr-limit 1 of MOrA&#39;s 3 series-days/);
      // Every strategy on every day: no such line.
      const full = join(dir, 'full.csv');
      writeFileSync(full, ['timestamp,value', ...Array.from({ length: 6 * 288 }, (_, k) => `${1_700_000_000 + k * 300},${(0.3 + 0.1 * Math.sin(k / 40)).toFixed(3)}`)].join('\n') + '\n');
      const same = await mora(['backtest', '-i', full, '-k', 'cpu', '--frontier', '-q']);
      assert.equal(same.code, 0, same.err);
      assert.doesNotMatch(same.out, /fewer days/);
    });
  });
});
