// Every series idle (no usage on any scored day): the frontier has no point at all. The terminal table said "no MOrA
// point" and "—", but the JSON's dominance note said "MOrA's lowest achieved risk — is above the baseline's NaN" and
// the HTML report showed NaN and NaN% (29 of them: that note, the calibration's relative errors and points).
import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dominance, type StrategyPoint } from '../../src/rightsizing/backtest/frontier';
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
});
