/**
 * Adaptive conformal inference (src/rightsizing/engine/aci.ts, MoraStrategyOptions.aci): on generated series with known
 * quantiles whose days change regime on day 20 — from steady days to days of which 30% run at 3× (a batch job appears), or
 * whose level starts to wander (lognormal, σ = 0.5) — the achieved CPU exceedance share from the shift on is within the
 * issue's tolerance of the target with ACI, and outside it without: the 28-day split-conformal k is fitted to the calm
 * days for weeks after the shift, and the series' own misses are what tells the rule so.
 */
import { strict as assert } from 'node:assert';
import { Rng } from '../../src/core/random';
import { series, type Series } from '../../src/core/series';
import { AdaptiveLevel, ACI_CLAMP, ACI_GAMMA } from '../../src/rightsizing/engine/aci';
import { MoraStrategy } from '../../src/rightsizing/engine/mora-strategy';
import { replay } from '../../src/rightsizing/replay/replay';
import type { DayScore } from '../../src/rightsizing/replay/score';

const DAY = 86400;
const SHIFT = 20;

/** Lognormal samples (σ = 0.4) on a daily cycle every 10 minutes, each day's level from `level` (its own seeded stream). */
function regimeSeries(seed: number, days: number, level: (day: number, rng: Rng) => number): Series {
  const rng = new Rng(seed), lr = new Rng(seed + 1000);
  const lv = Array.from({ length: days }, (_, d) => level(d, lr));
  const t: number[] = [], v: number[] = [];
  for (let x = 0; x < days * DAY; x += 600) {
    t.push(x); v.push(lv[Math.floor(x / DAY)] * (1 + 0.3 * Math.sin((2 * Math.PI * x) / DAY)) * Math.exp(0.4 * rng.normal()));
  }
  return series(t, v);
}

const bursty = (d: number, r: Rng): number => { const u = r.next(); return d >= SHIFT && u < 0.3 ? 3 : 1; };
const wandering = (d: number, r: Rng): number => { const z = r.normal(); return d >= SHIFT ? Math.exp(0.5 * z) : 1; };

function tolerance(target: number): number {
  return target < 0.02 ? 0.005 : 0.25 * target;
}

/** Exceedance share pooled over the series' scored days from the shift on. */
function afterShift(list: readonly Series[], risk: number, aci: boolean): number {
  let miss = 0, n = 0;
  for (const s of list) {
    const days: DayScore[] = replay(s, [new MoraStrategy('cpu', { risk, aci })])[0].days;
    for (const d of days) if (d.dayStart >= SHIFT * DAY) { miss += d.exceeded; n += d.samples; }
  }
  return miss / n;
}

describe('adaptive conformal inference: each series\' own misses hold its risk to the target under a shift', () => {
  for (const [name, level] of [['30% of days at 3× from day 20', bursty], ['a wandering level from day 20', wandering]] as const) {
    it(`CPU, ${name}: within tolerance from the shift on with ACI, outside without (1% and 5%)`, () => {
      const list = [1, 2, 3, 4, 5, 6].map((seed) => regimeSeries(seed, 80, level));
      for (const risk of [0.01, 0.05]) {
        const plain = afterShift(list, risk, false), aci = afterShift(list, risk, true);
        assert.ok(Math.abs(aci - risk) <= tolerance(risk), `target ${risk}: with ACI ${aci.toFixed(4)}`);
        assert.ok(plain - risk > tolerance(risk), `target ${risk}: without ACI ${plain.toFixed(4)} (the calm days' k under-covers)`);
      }
    });
  }

  it('before any shift ACI changes little: steady days stay within tolerance at 1–20%', () => {
    const list = [7, 8, 9].map((seed) => regimeSeries(seed, 40, () => 1));
    for (const risk of [0.01, 0.05, 0.2]) {
      const a = afterShift(list, risk, true);
      assert.ok(Math.abs(a - risk) <= tolerance(risk), `target ${risk}: ${a.toFixed(4)}`);
    }
  });

  it('the working level: misses lower it, safe days raise it, within a factor C of the target; the telescoping sum holds inside', () => {
    const l = new AdaptiveLevel(0.05);
    assert.equal(l.level, 0.05);
    l.update(0.05);
    assert.equal(l.level, 0.05, 'a day on target leaves the level');
    l.update(0);
    assert.ok(Math.abs(l.level - 0.05 * (1 + ACI_GAMMA)) < 1e-12, 'a safe day raises it by γα');
    const m = new AdaptiveLevel(0.05);
    m.update(0.05 + 0.05 / ACI_GAMMA);
    assert.ok(Math.abs(m.level - 0.05 / ACI_CLAMP) < 1e-12, 'a miss of one target / γ above it takes it to the most cautious level');
    // Telescoping: the mean miss over T days differs from α by α (1 − a_T) / (γ T), read off the level itself.
    const errs = [0.06, 0.02, 0.08, 0.05, 0.09, 0.01];
    const k = new AdaptiveLevel(0.05);
    for (const e of errs) k.update(e);
    const meanErr = errs.reduce((a, e) => a + e, 0) / errs.length;
    assert.ok(Math.abs((meanErr - 0.05) - (0.05 - k.level) / (ACI_GAMMA * errs.length)) < 1e-12, `mean ${meanErr}, level ${k.level}`);
    for (let i = 0; i < 200; i++) k.update(0);
    assert.ok(Math.abs(k.level - 0.05 * ACI_CLAMP) < 1e-12, 'safe days raise it to α·C at most');
    for (const bad of [0, 1, -0.1]) assert.throws(() => new AdaptiveLevel(bad), /risk target/);
  });
});
