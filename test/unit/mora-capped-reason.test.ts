/**
 * When the cap (the highest usage seen × the prior margin) binds MOrA's margin, the reason says the cap and the risk it
 * leaves, not "× 1.26 for ≤1 OOM day in 100" next to a stated 1 OOM day in 7.
 */
import { strict as assert } from 'node:assert';
import { oomDaysText } from '../../src/core/advice-text';
import { series } from '../../src/core/series';
import { MoraStrategy } from '../../src/rightsizing/engine/mora-strategy';
import { resolvePolicy } from '../../src/rightsizing/engine/policy';
import { recommendResource } from '../../src/rightsizing/engine/resource';

const DAY = 86400, MiB = 2 ** 20;

/** 14 days of memory with a daily wave; the level jumps tenfold from day `jump` on (idle → busy). */
function memory(jump: number): { t: number[]; v: number[] } {
  const t: number[] = [], v: number[] = [];
  for (let d = 0; d < 14; d++) {
    for (let h = 0; h < 288; h++) {
      t.push(d * DAY + h * 300);
      v.push((d < jump ? 100 : 1000) * (0.8 + 0.2 * Math.sin((2 * Math.PI * h) / 288)) * MiB);
    }
  }
  return { t, v };
}

describe('MOrA\'s reason when the cap binds the margin', () => {
  const now = 14 * DAY;

  it('a tenfold jump: the calibration asks for more than the cap; the reason names the cap and the risk that leaves', () => {
    const { t, v } = memory(10);
    const s = new MoraStrategy('memory', { risk: 0.01 });
    s.observe(t, v);
    const e = s.explain(now)!;
    assert.equal(e.capped, true);
    assert.ok(e.expected > 0.01, String(e.expected));
    const r = recommendResource({ kind: 'memory', usage: series(t, v), now }, resolvePolicy({}))!;
    const stated = r.evidence.risk!.expected;
    assert.doesNotMatch(r.evidence.reason, /for ≤1 OOM day in 100/, r.evidence.reason);
    // The expected risk and the target in the risk statement's words (oomDaysText), never a percentage of OOM days.
    assert.match(r.evidence.reason, /capped at the highest peak seen × the prior margin: ≈\d+ OOM days? in \d+ expected, above the ≤1 OOM day in 100 target/);
    assert.ok(r.evidence.reason.includes(`≈${oomDaysText(stated)} expected`), `${r.evidence.reason} vs stated ${stated}`);
  });

  it('a steady series: not capped, the target as before', () => {
    const { t, v } = memory(99);
    const r = recommendResource({ kind: 'memory', usage: series(t, v), now }, resolvePolicy({}))!;
    assert.match(r.evidence.reason, /× [\d.]+ for ≤1 OOM day in 100 \(/);
    assert.doesNotMatch(r.evidence.reason, /capped/);
  });
});
