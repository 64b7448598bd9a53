/**
 * A stricter risk target never gives a lower value for the same history (docs/ENGINE.md § Risk, "A stricter target never
 * gives less"). The CPU base is read at a quantile that depends on the target (1 − 2α, p90 floor, 1 − α from 10% up), and
 * on a series whose usage has two levels — an idle body and batch bursts on some days, like bitbrains_95 — the base at
 * one target sits in the body where the next one's sits in the bursts, each k calibrated on a different mix of such days:
 * at HEAD before the fix the live engine gave 0.22 cores at 2% and 1.76 at 3% on the generated series below (seed 12,
 * day 23). Generated series only (no datasets).
 */
import { strict as assert } from 'node:assert';
import { Rng } from '../../src/core/random';
import { series, type Series } from '../../src/core/series';
import type { ResourceKind } from '../../src/rightsizing/baselines/strategy';
import { MoraStrategy } from '../../src/rightsizing/engine/mora-strategy';
import { resolvePolicy } from '../../src/rightsizing/engine/policy';
import { recommendResource } from '../../src/rightsizing/engine/resource';

const DAY = 86400;
const CPU_GRID = [0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5];
const MEMORY_GRID = [0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5];

/**
 * CPU in cores at 5 min: an idle body (≈0.12, lognormal) and, on 55% of days, one block of batch work at 1.5–3.2 cores
 * covering 2–62% of the day (45% of days none).
 */
function batchSeries(seed: number, days = 30): Series {
  const rng = new Rng(seed);
  const t: number[] = [], v: number[] = [];
  for (let d = 0; d < days; d++) {
    const share = rng.next() < 0.45 ? 0 : Math.min(0.8, 0.02 + 0.6 * rng.next() ** 2);
    const len = Math.round(share * 288), at = Math.floor(rng.next() * (288 - len));
    for (let i = 0; i < 288; i++) {
      t.push(d * DAY + i * 300);
      v.push(0.001 * (i >= at && i < at + len ? 1500 + 1700 * rng.next() : 120 * Math.exp(0.15 * rng.normal())));
    }
  }
  return series(t, v);
}

/** CPU: a daily cycle with lognormal noise whose level doubles at day 18 (a level shift). */
function shiftSeries(seed: number): Series {
  const rng = new Rng(seed);
  const t: number[] = [], v: number[] = [];
  for (let x = 0; x < 28 * DAY; x += 600) {
    t.push(x); v.push((x >= 18 * DAY ? 2 : 1) * (1 + 0.4 * Math.sin((2 * Math.PI * x) / DAY)) * Math.exp(0.25 * rng.normal()));
  }
  return series(t, v);
}

/** Memory in bytes at 5 min: a level that steps ×0.7–1.6 on some days, a daily wave, and a spike on a few days. */
function memorySeries(seed: number): Series {
  const rng = new Rng(seed);
  const t: number[] = [], v: number[] = [];
  let level = 1e9;
  for (let d = 0; d < 30; d++) {
    if (rng.next() < 0.2) level *= 0.7 + 0.9 * rng.next();
    const spike = rng.next() < 0.15 ? Math.floor(rng.next() * 288) : -1;
    for (let i = 0; i < 288; i++) {
      t.push(d * DAY + i * 300);
      v.push(level * (1 + 0.1 * Math.sin((2 * Math.PI * i) / 288)) * Math.exp(0.03 * rng.normal()) * (i === spike ? 1.5 + rng.next() : 1));
    }
  }
  return series(t, v);
}

/** Each target's rule fed one day at a time (as the backtest does); per day from the second, the values over the grid. */
function valuesByDay(kind: ResourceKind, s: Series, grid: readonly number[]): Array<{ day: number; values: number[] }> {
  const rules = grid.map((risk) => new MoraStrategy(kind, { risk }));
  const out: Array<{ day: number; values: number[] }> = [];
  const last = Math.floor(s.t[s.t.length - 1] / DAY);
  let i = 0;
  for (let d = 0; d <= last; d++) {
    let j = i;
    while (j < s.t.length && s.t[j] < (d + 1) * DAY) j++;
    const t = Array.from(s.t.subarray(i, j)), v = Array.from(s.v.subarray(i, j));
    for (const r of rules) r.observe(t, v);
    i = j;
    out.push({ day: (d + 1) * DAY, values: rules.map((r) => r.recommend((d + 1) * DAY)?.value ?? NaN) });
  }
  return out;
}

function inversions(kind: ResourceKind, s: Series, grid: readonly number[]): string[] {
  const bad: string[] = [];
  for (const { day, values } of valuesByDay(kind, s, grid)) {
    for (let k = 0; k + 1 < grid.length; k++) {
      if (!Number.isFinite(values[k]) || !Number.isFinite(values[k + 1])) continue;
      if (values[k] < values[k + 1] * (1 - 1e-12)) bad.push(`day ${day / DAY}: ${grid[k]} → ${values[k].toPrecision(4)} < ${grid[k + 1]} → ${values[k + 1].toPrecision(4)}`);
    }
  }
  return bad;
}

/** The rule at `risk` on `window`: its raise (monotone) and what its own value states unraised (monotone off). */
function ruleAt(risk: number, window: Series, now: number): { lifted?: { target: number; from: number }; unraised: number } {
  const rule = new MoraStrategy('cpu', { risk }), alone = new MoraStrategy('cpu', { risk, monotone: false });
  rule.observe(window.t, window.v); alone.observe(window.t, window.v);
  return { lifted: rule.explain(now)?.lifted, unraised: alone.explain(now)!.expected };
}

describe('A stricter risk target never gives a lower value for the same history', () => {
  it('the live engine on a two-level CPU series: 2% gives at least what 3% gives (HEAD before the fix: 0.22 vs 1.76 cores)', () => {
    const s = batchSeries(12);
    const now = 23 * DAY;
    const at = (cpuRisk: number) => recommendResource({ kind: 'cpu', usage: s, now }, resolvePolicy({ cpuRisk }))!;
    const strict = at(0.02), loose = at(0.03);
    assert.ok(strict.request!.value >= loose.request!.value, `2%: ${strict.request!.value} cores, 3%: ${loose.request!.value}`);
    // The value at 2% is the 3% rule's (or a higher target's) here, and the evidence says so.
    assert.ok(strict.request!.value > 1, String(strict.request!.value));
    assert.ok(strict.evidence.notes.some((n) => /a stricter target never gives a lower value/.test(n)), strict.evidence.notes.join(' | '));
    // The same value, its own risk at each target (review of e28bdaf): each target's margin is calibrated on ratios to its
    // own base, so 2% states its own calibration's risk at the raised value — at most its target — and 3% its own.
    assert.equal(strict.request!.value, loose.request!.value);
    assert.ok(strict.evidence.risk!.expected <= 0.02, String(strict.evidence.risk!.expected));
  });

  it('a raised value states its own target\'s risk at it: at most the target, 1% included (review of e28bdaf)', () => {
    let raised = 0, atOne = 0;
    for (const seed of [12, 1, 4]) {
      const s = batchSeries(seed);
      for (const now of [20 * DAY, 23 * DAY, 26 * DAY]) {
        const rs = CPU_GRID.map((cpuRisk) => recommendResource({ kind: 'cpu', usage: s, now }, resolvePolicy({ cpuRisk }))!);
        // The replay is of the values each target applied (raised ones included): a stricter target's share is no higher.
        const replayed = rs.map((r) => r.evidence.replay!.exceedanceShare);
        for (let k = 0; k + 1 < replayed.length; k++) assert.ok(replayed[k] <= replayed[k + 1], `seed ${seed} day ${now / DAY}: replay ${replayed.join(' ')}`);
        for (let a = 0; a < rs.length; a++) {
          const { lifted, unraised } = ruleAt(CPU_GRID[a], rs[a].window, now);
          const note = rs[a].evidence.notes.find((n) => /to the value at the [\d.]+% target/.test(n));
          // A note only with a raise (and then it names a looser target).
          if (note) {
            assert.ok(lifted, note);
            const b = CPU_GRID.findIndex((g) => note.includes(`the value at the ${+(100 * g).toFixed(1)}% target`));
            assert.ok(b > a, note);
          }
          if (!lifted) continue;
          raised++;
          // A raise only moves the value up: it states at most what the unraised value states, so at most the target
          // wherever that does (a capped rule can state more: its reason says so).
          const stated = rs[a].evidence.risk!.expected, what = `seed ${seed} day ${now / DAY}: ${CPU_GRID[a]} raised to ${rs[a].request!.value} (from ${lifted.from.toFixed(3)}, the ${lifted.target} target's) states ${stated}, unraised ${unraised}`;
          assert.ok(stated <= unraised + 1e-12, what);
          if (unraised <= CPU_GRID[a]) assert.ok(stated <= CPU_GRID[a], what);
          if (CPU_GRID[a] === 0.01 && unraised <= 0.01) atOne++;
        }
      }
    }
    assert.ok(raised > 0 && atOne > 0, `${raised} raised, ${atOne} at 1%`);
  });

  it('no "raised" note when rounding makes the raise a no-op (review of e28bdaf)', () => {
    // Seed 12 day 23: 2% is raised from 0.22 to the 3% rule's 1.76 cores. With a 4-core step both round to 4 cores.
    const s = batchSeries(12);
    const now = 23 * DAY;
    const cpu = { step: 4, min: 0.01, max: Infinity };
    const notes = (r: ReturnType<typeof recommendResource>) => r!.evidence.notes.filter((n) => /stricter target never gives a lower value/.test(n));
    const fine = recommendResource({ kind: 'cpu', usage: s, now }, resolvePolicy({ cpuRisk: 0.02 }))!;
    assert.equal(notes(fine).length, 1, fine.evidence.notes.join(' | '));
    const coarse = recommendResource({ kind: 'cpu', usage: s, now }, resolvePolicy({ cpuRisk: 0.02, cpu }))!;
    assert.equal(coarse.request!.value, 4);
    assert.deepEqual(notes(coarse), []);
    // The forecast path: need 0.3 gives 3.265 at 2% raised to 3.425 with the 3% margin; both 4 cores at a 4-core step.
    const forecast = { need: 0.3, trusted: true, method: 'prophet', reason: 'injected' };
    const fineF = recommendResource({ kind: 'cpu', usage: s, now, forecast }, resolvePolicy({ cpuRisk: 0.02 }))!;
    assert.equal(notes(fineF).length, 1, fineF.evidence.notes.join(' | '));
    const coarseF = recommendResource({ kind: 'cpu', usage: s, now, forecast }, resolvePolicy({ cpuRisk: 0.02, cpu }))!;
    assert.equal(coarseF.request!.value, 4);
    assert.deepEqual(notes(coarseF), []);
  });

  it('with a trusted forecast: non-increasing across the grid, and the note names the value used (review of 2fafd4c)', () => {
    // Injected needs (no forecaster): the same need at every target, and a need read at a stricter target's higher
    // quantile (a higher need for a stricter target), as forecastQuantile gives.
    const s = batchSeries(12);
    let raised = 0, atOne = 0;
    for (const now of [20 * DAY, 23 * DAY, 26 * DAY]) {
      for (const need0 of [0.05, 0.15, 0.3, 1, 3]) {
        for (const slope of [0, 0.5]) {
          const rs = CPU_GRID.map((cpuRisk) => recommendResource({
            kind: 'cpu', usage: s, now, forecast: { need: need0 * (1 + slope * (0.5 - cpuRisk)), trusted: true, method: 'prophet', reason: 'injected' },
          }, resolvePolicy({ cpuRisk }))!);
          const v = rs.map((r) => r.request!.value);
          for (let k = 0; k + 1 < v.length; k++) assert.ok(v[k] >= v[k + 1], `day ${now / DAY} need ${need0}/${slope}: ${CPU_GRID[k]} → ${v[k]} < ${CPU_GRID[k + 1]} → ${v[k + 1]}`);
          for (const r of rs) {
            // The window's raise is not what a forecast value says.
            assert.ok(!r.evidence.notes.some((n) => /to the value at the/.test(n)), r.evidence.notes.join(' | '));
            const note = r.evidence.notes.find((n) => /a stricter target never gives a lower value/.test(n));
            if (!note) continue;
            raised++;
            // This target's own calibration at the raised value over its own need: at most what the unraised value states,
            // so at most the target wherever that does.
            const target = r.evidence.risk!.target, stated = r.evidence.risk!.expected, { unraised } = ruleAt(target, r.window, now);
            assert.ok(stated <= unraised + 1e-12, `${note}: states ${stated} at ${target}, unraised ${unraised}`);
            if (unraised <= target) assert.ok(stated <= target, `${note}: states ${stated} at ${target}`);
            if (target === 0.01 && unraised <= 0.01) atOne++;
            // It names the value used, as this run's (that target's own run may read another need), not as that target's.
            assert.ok(note.includes(`to ${Math.round(r.request!.value * 1000)}m with the `) && note.includes('target\'s margin on the same need'), `${note} (value ${r.request!.value})`);
          }
        }
      }
    }
    assert.ok(raised > 0 && atOne > 0, `${raised} raised, ${atOne} at 1%`);
  });

  it('with a trusted forecast, seed 12 day 23: 2% gives what 3% gives on the same need, and states its risk', () => {
    const s = batchSeries(12);
    const now = 23 * DAY;
    for (const need of [0.15, 0.3]) {
      const at = (cpuRisk: number) => recommendResource({ kind: 'cpu', usage: s, now, forecast: { need, trusted: true, method: 'prophet', reason: 'injected' } }, resolvePolicy({ cpuRisk }))!;
      const strictest = at(0.01), strict = at(0.02), loose = at(0.03);
      // 2fafd4c: 1.635 < 1.715 and 3.265 < 3.425 cores.
      assert.ok(strict.request!.value >= loose.request!.value, `need ${need}: 2% ${strict.request!.value}, 3% ${loose.request!.value}`);
      assert.ok(strictest.request!.value >= strict.request!.value, `need ${need}: 1% ${strictest.request!.value}, 2% ${strict.request!.value}`);
      assert.ok(strictest.evidence.risk!.expected <= 0.01, `need ${need}: 1% states ${strictest.evidence.risk!.expected}`);
      // 2% states its own calibration's risk at its value (e28bdaf stated the 3% target's 0.043 at 2%, above the target).
      assert.ok(strict.evidence.risk!.expected <= 0.02, `need ${need}: 2% states ${strict.evidence.risk!.expected}`);
    }
  });

  it('the live engine over the CPU grid on that history: non-increasing in the target', () => {
    const s = batchSeries(12);
    for (const now of [20 * DAY, 23 * DAY, 26 * DAY]) {
      const v = CPU_GRID.map((cpuRisk) => recommendResource({ kind: 'cpu', usage: s, now }, resolvePolicy({ cpuRisk }))!.request!.value);
      for (let k = 0; k + 1 < v.length; k++) assert.ok(v[k] >= v[k + 1], `day ${now / DAY}: ${CPU_GRID[k]} → ${v[k]} < ${CPU_GRID[k + 1]} → ${v[k + 1]}`);
    }
  });

  it('CPU, every day of several generated series (two levels, a level shift): non-increasing across the grid', () => {
    const list = [1, 4, 5, 9].map((seed) => batchSeries(seed)).concat([shiftSeries(7)]);
    const bad = list.flatMap((s, n) => inversions('cpu', s, CPU_GRID).map((b) => `series ${n}: ${b}`));
    assert.deepEqual(bad.slice(0, 5), [], `${bad.length} inversions`);
  });

  it('memory, every day of several generated series: non-increasing across the grid', () => {
    const bad = [1, 2, 3, 4].flatMap((seed) => inversions('memory', memorySeries(seed), MEMORY_GRID).map((b) => `seed ${seed}: ${b}`));
    assert.deepEqual(bad.slice(0, 5), [], `${bad.length} inversions`);
  });
});
