import { strict as assert } from 'node:assert';
import { riskStatement } from '../../src/core/advice-text';
import { Rng } from '../../src/core/random';
import { series } from '../../src/core/series';
import { DEFAULT_POLICY } from '../../src/rightsizing/engine/policy';
import { recommendResource } from '../../src/rightsizing/engine/resource';

const DAY = 86400;
const MiB = 2 ** 20;
const NOW = 1.8e9 - (1.8e9 % DAY);

/** 14 days at 5 minutes ending at NOW: a daily cycle around `base`, noise, plus `leakPerDay` of steady growth. */
function leaking(leakPerDay: number, base = 400 * MiB, seed = 3) {
  const rng = new Rng(seed);
  const t: number[] = [], v: number[] = [];
  const n = 14 * 288;
  for (let i = 0; i < n; i++) {
    t.push(NOW - (n - i) * 300);
    v.push(base * (1 + 0.08 * Math.sin((2 * Math.PI * i) / 288)) + leakPerDay * (i / 288) + 3 * MiB * rng.normal());
  }
  return series(t, v);
}

describe('memory leak: the limit is never cut, the risk is the time to the limit', () => {
  it('keeps the current limit instead of lowering it, and says the leak must be fixed', () => {
    const r = recommendResource({ kind: 'memory', usage: leaking(25 * MiB), currentLimit: 1024 * MiB, now: NOW }, DEFAULT_POLICY)!;
    assert.ok(r.limit, 'a memory limit');
    assert.ok(r.limit.value >= 1024 * MiB, `limit ${r.limit.value / MiB}Mi is not below the current 1024Mi`);
    assert.ok(r.evidence.notes.some((n) => /limit kept at the current 1024Mi rather than lowered/.test(n)), r.evidence.notes.join(' | '));
    assert.ok(r.evidence.notes.some((n) => /the leak must be fixed/.test(n)), r.evidence.notes.join(' | '));
    assert.ok(r.request.value <= r.limit.value);
  });

  it('states the risk as the leak\'s time to the limit, consistent with its note', () => {
    const r = recommendResource({ kind: 'memory', usage: leaking(25 * MiB), currentLimit: 512 * MiB, now: NOW }, DEFAULT_POLICY)!;
    const risk = r.evidence.risk!;
    assert.ok(risk.leak, 'a leak in the risk statement');
    assert.ok(r.daysToLimit !== undefined && Math.abs(risk.leak.daysToLimit - r.daysToLimit) < 1e-9);
    assert.ok(Math.abs(risk.leak.perDay - 25 * MiB) < 5 * MiB, `${risk.leak.perDay / MiB} MiB/day`);
    // The note says the limit is reached in ~N days; the statement says the same, not "≈1 OOM day in 100".
    const days = Math.round(risk.leak.daysToLimit);
    const note = r.evidence.notes.find((n) => /is reached in/.test(n))!;
    assert.match(note, new RegExp(`reached in ~${days} day`));
    const text = riskStatement(r);
    assert.match(text, new RegExp(`OOM kill in ≈${days} day`));
    assert.doesNotMatch(text, /OOM day in/);
    assert.ok(risk.expected >= 1 / Math.max(1, risk.leak.daysToLimit) - 1e-12, `expected ${risk.expected} reflects one kill per ${risk.leak.daysToLimit} days`);
  });

  it('leaves a flat series alone: it may lower the limit, with the calibrated OOM-day rate', () => {
    const r = recommendResource({ kind: 'memory', usage: leaking(0), currentLimit: 1024 * MiB, now: NOW }, DEFAULT_POLICY)!;
    assert.ok(r.limit!.value < 1024 * MiB);
    assert.equal(r.evidence.risk!.leak, undefined);
    assert.match(riskStatement(r), /OOM day in/);
  });
});
