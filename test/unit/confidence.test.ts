/**
 * MOrA's confidence predicts which days miss the target (issue 12: days rated ≥ 0.8 must miss at most half as often as
 * days rated < 0.5). Generated series whose day-level behaviour is known: a bursty workload spends its exceedance on a
 * few whole days, a steady one a little on about every other day.
 */
import assert from 'node:assert/strict';
import { confidenceOf, keptChance } from '../../src/rightsizing/engine/confidence';
import type { CalibrationDay } from '../../src/rightsizing/engine/calibration';
import { MoraStrategy } from '../../src/rightsizing/engine/mora-strategy';

const DAY = 86400;
const STEP = 600;

/** xorshift32 in [0, 1): the tests are reproducible. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x / 2 ** 32; };
}

function day(values: number[]): CalibrationDay {
  const ratios = Float64Array.from(values).sort();
  return { ratios, peakRatio: ratios[ratios.length - 1], achieved: 0 };
}

describe('confidence (CPU): the chance the value keeps to the target, from its own past days', () => {
  const alpha = 0.05;

  it('reads high where past days kept, low where they missed, and a recent miss weighs more than an old one', () => {
    const quiet = Array.from({ length: 144 }, (_, i) => 0.5 + 0.3 * (i % 10) / 10);
    const busy = quiet.map((x, i) => (i < 40 ? 1.5 : x)); // 28% of the day above k = 1
    const kept = Array.from({ length: 14 }, () => day(quiet));
    const missed = Array.from({ length: 14 }, () => day(busy));
    assert.ok(confidenceOf('cpu', alpha, kept, 1) >= 0.8, `kept every day: ${confidenceOf('cpu', alpha, kept, 1)}`);
    assert.ok(confidenceOf('cpu', alpha, missed, 1) < 0.2, `missed every day: ${confidenceOf('cpu', alpha, missed, 1)}`);
    // The same value, raised above the busy days, keeps on them.
    assert.ok(confidenceOf('cpu', alpha, missed, 1.6) >= 0.8);
    const oldMiss = [...missed.slice(0, 4), ...kept.slice(0, 10)], newMiss = [...kept.slice(0, 10), ...missed.slice(0, 4)];
    assert.ok(confidenceOf('cpu', alpha, oldMiss, 1) > confidenceOf('cpu', alpha, newMiss, 1));
    // Few days say less than many: three clean days are not certainty.
    assert.ok(confidenceOf('cpu', alpha, kept.slice(0, 3), 1) < confidenceOf('cpu', alpha, kept, 1));
    assert.equal(confidenceOf('cpu', alpha, [], 1), 0.2);
  });

  it('a weekly workload: the weekday that missed before reads low, the day before it no longer reads highest', () => {
    // 21 calibration days, day 0 a Monday; every Monday a batch run pushes the day above the target. The next day
    // (index 21) is a Monday again. The share over all days (19 of 21 kept) read ≈ 0.8 — highest exactly there, after a
    // clean week. The Monday record (3 of 3 missed) predicted the past days better, so it decides.
    const quiet = Array.from({ length: 144 }, (_, i) => 0.5 + 0.3 * (i % 10) / 10);
    const busy = quiet.map((x, i) => (i < 40 ? 1.5 : x));
    const weekly = Array.from({ length: 21 }, (_, d) => day(d % 7 === 0 ? busy : quiet));
    const monday = confidenceOf('cpu', alpha, weekly, 1);
    assert.ok(monday < 0.5, `Monday after three missed Mondays: ${monday.toFixed(3)}`);
    // Tuesday (the history one day on): every Tuesday kept.
    const tuesday = confidenceOf('cpu', alpha, [...weekly, day(busy)], 1);
    assert.ok(tuesday >= 0.8, `Tuesday: ${tuesday.toFixed(3)}`);
    // No weekly pattern (misses on random days): the share over all days, as before, within a few points.
    const r = rng(42);
    const missed = Array.from({ length: 28 }, () => r() < 0.3);
    let kept = 0, total = 0;
    missed.forEach((m, j) => { const w = Math.pow(2, -(27 - j) / 14); total += w; if (!m) kept += w; });
    const c = confidenceOf('cpu', alpha, missed.map((m) => day(m ? busy : quiet)), 1);
    assert.ok(Math.abs(c - (kept + 1) / (total + 2)) < 0.05, `${c.toFixed(3)} vs ${((kept + 1) / (total + 2)).toFixed(3)}`);
  });

  it('misses in spells (a busy spell, a level the base trails): two days into a spell reads below 0.5', () => {
    // Spells of five missed days every 13 days (not weekly): the day after a miss misses again 4 times in 5. Two days
    // into the third spell the next day is likely missed; the 14-day share alone (20 of 28 days kept, the misses old)
    // read 0.63 here, and only short memories see the spell. Back to clean days, it reads high again.
    const quiet = Array.from({ length: 144 }, (_, i) => 0.5 + 0.3 * (i % 10) / 10);
    const busy = quiet.map((x, i) => (i < 40 ? 1.5 : x));
    const days = (pattern: string): CalibrationDay[] => [...pattern].map((c) => day(c === 'm' ? busy : quiet)).slice(-28);
    const inSpell = confidenceOf('cpu', alpha, days('kkkkkkkkmmmmmkkkkkkkkmmmmmkkkkkkmm'), 1);
    assert.ok(inSpell < 0.5, `two days into a spell: ${inSpell.toFixed(3)}`);
    const clean = confidenceOf('cpu', alpha, days('kkkkkkkkkkmmmmmkkkkkkkkkkmmmmmkkkkkkkkkk'), 1);
    assert.ok(clean > 0.65, `ten clean days after the spells: ${clean.toFixed(3)}`);
    assert.ok(Math.abs(keptChance([]) - 0.5) < 1e-12, 'no day: the pseudo-days alone');
  });

  it('on a replay, days rated ≥ 0.8 miss the target less than half as often as days rated < 0.5', () => {
    // Three kinds of workload, 4 of each, 40 days at 10 min. Bursty: a quiet level, and on one day in ten a batch run at
    // 4× for 12 hours (5% of the time: the exceedance a 5% target allows) — it spends it on those days and keeps on the others. Steady: the same level with
    // noise, which exceeds a 5% target by a little on about half its days. Growing: 8% more each day, which the window
    // behind it trails, so it misses most days.
    const rated: Array<{ confidence: number; missed: boolean }> = [];
    for (let s = 0; s < 12; s++) {
      const kind = s % 3;
      const r = rng(1000 + s);
      const t: number[] = [], v: number[] = [];
      for (let x = 0; x < 40 * DAY; x += STEP) {
        const d = Math.floor(x / DAY);
        const burst = kind === 0 && d % 10 === 7 && (x % DAY) < 12 * 3600;
        const level = kind === 2 ? Math.pow(1.08, x / DAY) : burst ? 4 : 1;
        t.push(x); v.push(level * (1 + (kind === 0 ? 0.05 : 0.3) * (r() - 0.5)));
      }
      const m = new MoraStrategy('cpu', { risk: alpha });
      let i = 0;
      for (let d = 0; d < 40; d++) {
        const start = d * DAY;
        const rec = d >= 8 ? m.recommend(start) : undefined;
        const j0 = i;
        while (i < t.length && t[i] < start + DAY) i++;
        if (rec) {
          let above = 0;
          for (let j = j0; j < i; j++) if (v[j] > rec.value) above++;
          rated.push({ confidence: rec.confidence!, missed: above / (i - j0) > alpha });
        }
        m.observe(t.slice(j0, i), v.slice(j0, i));
      }
    }
    const rate = (xs: typeof rated): number => xs.filter((x) => x.missed).length / xs.length;
    const high = rated.filter((x) => x.confidence >= 0.8), low = rated.filter((x) => x.confidence < 0.5);
    assert.ok(high.length >= 20 && low.length >= 20, `high ${high.length} days, low ${low.length} days`);
    assert.ok(rate(high) <= 0.5 * rate(low), `missed: rated ≥ 0.8 ${rate(high).toFixed(3)}, rated < 0.5 ${rate(low).toFixed(3)}`);
  });
});
