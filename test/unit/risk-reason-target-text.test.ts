/**
 * The engine's reasons say the risk target as every other surface does (src/core/advice-text.ts): with --cpu-risk 0.0015
 * and --memory-risk 0.0015 `p99.85 … ≤0.15% of the time above the request` and `≤1 OOM day in 667`, never the `p99.9 …
 * ≤0.1%` and `≤0.1% OOM days` a one-decimal rounding gave (review: the hover, tree, report and JSON disagreed with the
 * risk line, the lens and the targets line next to them). Only the text: the values are the same.
 */
import { strict as assert } from 'node:assert';
import { riskTargetNote } from '../../src/core/advice-text';
import { series } from '../../src/core/series';
import { resolvePolicy } from '../../src/rightsizing/engine/policy';
import { recommendResource } from '../../src/rightsizing/engine/resource';

const DAY = 86400, MiB = 2 ** 20;

/** 14 days at 5-minute steps of a daily wave with a little deterministic noise. */
function wave(level: number): { t: number[]; v: number[] } {
  const t: number[] = [], v: number[] = [];
  for (let d = 0; d < 14; d++) {
    for (let h = 0; h < 288; h++) {
      t.push(d * DAY + h * 300);
      v.push(level * (0.8 + 0.2 * Math.sin((2 * Math.PI * h) / 288) + 0.05 * Math.sin(h * 7.3 + d * 1.9)));
    }
  }
  return { t, v };
}

describe('engine reasons: the risk target in the words of the other surfaces', () => {
  const now = 14 * DAY;
  const policy = resolvePolicy({ cpuRisk: 0.0015, memoryRisk: 0.0015 });

  it('CPU at 0.0015: p99.85 and ≤0.15%, as the risk line says its target', () => {
    const { t, v } = wave(0.2);
    const r = recommendResource({ kind: 'cpu', usage: series(t, v), now }, policy)!;
    const reason = r.evidence.reason;
    assert.match(reason, /^p99\.85 of the last \d+ days/, reason);
    assert.match(reason, /for ≤0\.15% of the time above the request/, reason);
    assert.doesNotMatch(reason, /p99\.9 |≤0\.1%/, reason);
    // The same target as the risk line beside it.
    assert.ok(riskTargetNote(r.evidence.risk!).startsWith('risk target ≤0.15% of the time'), riskTargetNote(r.evidence.risk!));
  });

  it('memory at 0.0015: ≤1 OOM day in 667, as the risk line says its target', () => {
    const { t, v } = wave(300 * MiB);
    const r = recommendResource({ kind: 'memory', usage: series(t, v), now }, policy)!;
    const reason = r.evidence.reason;
    assert.match(reason, /for ≤1 OOM day in 667 \(/, reason);
    assert.doesNotMatch(reason, /≤0\.1%|% OOM days/, reason);
    assert.ok(riskTargetNote(r.evidence.risk!).startsWith('risk target ≤1 OOM day in 667'), riskTargetNote(r.evidence.risk!));
  });

  it('the defaults read as before for CPU (p95, ≤5%) and as the risk line for memory (≤1 OOM day in 100)', () => {
    const cpu = recommendResource({ kind: 'cpu', usage: series(wave(0.2).t, wave(0.2).v), now }, resolvePolicy({}))!;
    assert.match(cpu.evidence.reason, /^p95 of the last \d+ days, .* for ≤5% of the time above the request/, cpu.evidence.reason);
    const mem = recommendResource({ kind: 'memory', usage: series(wave(300 * MiB).t, wave(300 * MiB).v), now }, resolvePolicy({}))!;
    assert.match(mem.evidence.reason, /for ≤1 OOM day in 100 \(/, mem.evidence.reason);
  });
});
