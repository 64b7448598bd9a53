/**
 * Conditioning MOrA's CPU base on which day it is (issue 12, "knowing which days will be spiky"; docs/ENGINE.md § Risk):
 * the weekly base (`cpuWeekly`) on generated series with a known weekly pattern must waste less at the same achieved
 * risk than the window base, and stays off on a series whose own past gives no sign of a week; the seasonal base
 * (`cpuBase: 'seasonal'`) keeps the calibration on a series with a daily cycle; a body base (`cpuBaseQuantile`) wastes less
 * where bursts come on some days only.
 */
import { strict as assert } from 'node:assert';
import { Rng } from '../../src/core/random';
import { series, type Series } from '../../src/core/series';
import { allocateFleetRisk } from '../../src/rightsizing/engine/fleet-risk';
import { FleetMemberStrategy } from '../../src/rightsizing/engine/fleet-strategy';
import { MoraStrategy, type MoraStrategyOptions } from '../../src/rightsizing/engine/mora-strategy';
import { replay } from '../../src/rightsizing/replay/replay';
import { burstySeries, point, wasteAt } from './helpers/risk-curve';

const DAY = 86400;
/** The base at the (1−α) quantile: the CPU rule before the body base became the default (2026-11-29); these options were measured against it. */
const TAIL_BASE: MoraStrategyOptions = { cpuBaseRiskFactor: 1, cpuBaseQuantile: 0 };

/** Lognormal samples around `level(day)` on a daily cycle, 144 a day. */
function cpuSeries(seed: number, days: number, level: (day: number) => number, sigma = 0.3): Series {
  const rng = new Rng(seed);
  const t: number[] = [], v: number[] = [];
  for (let x = 0; x < days * DAY; x += 600) {
    const cycle = 1 + 0.3 * Math.sin((2 * Math.PI * x) / DAY);
    t.push(x); v.push(level(Math.floor(x / DAY)) * cycle * Math.exp(sigma * rng.normal()));
  }
  return series(t, v);
}

describe('MOrA CPU base conditioned on the day (weekly, seasonal)', () => {
  // Business week: five busy days, two days at a fifth of the load (day 0 is a Thursday, so days 2 and 3 are the weekend).
  const weekly = [1, 2, 3].map((seed) => cpuSeries(seed, 42, (d) => ((d % 7) === 2 || (d % 7) === 3 ? 0.2 : 1)));

  it('on a weekly series the weekly base wastes less at the same achieved risk, and keeps to the target', () => {
    const window = [0.02, 0.05, 0.1, 0.2].map((risk) => point(weekly, { ...TAIL_BASE, risk }));
    const wk = point(weekly, { ...TAIL_BASE, risk: 0.05, cpuWeekly: true });
    const same = wasteAt(window, wk.risk);
    assert.ok(wk.waste < 0.8 * same, `weekly waste ${wk.waste.toFixed(3)} at ${wk.risk.toFixed(4)} vs window ${same.toFixed(3)} at the same risk`);
    assert.ok(Math.abs(wk.risk - 0.05) <= 0.25 * 0.05, `weekly achieved ${wk.risk.toFixed(4)} at a 5% target`);
  });

  it('on a trending series with no week the weekly base is never used (the values are the window rule\'s)', () => {
    // Level up 10% a day: last week's same weekday is always far below today; the window follows the trend.
    const trend = cpuSeries(9, 35, (d) => Math.pow(1.1, d));
    const a = replay(trend, [new MoraStrategy('cpu', { risk: 0.05 })])[0].days;
    const b = replay(trend, [new MoraStrategy('cpu', { risk: 0.05, cpuWeekly: true })])[0].days;
    assert.deepEqual(b.map((d) => d.value), a.map((d) => d.value));
  });

  it('a body base (cpuBaseRiskFactor 2: the base at 1 − 2α) wastes less at the same achieved risk where some days carry bursts the body does not predict', () => {
    // 30% of days carry bursts: 8% of their samples at 4× the body. After such a day the window's p95 jumps to the bursts
    // and the next (often smooth) day pays for it; the p90 does not move, and k carries the bursts for every day.
    const bursty = [11, 12, 13].map(burstySeries);
    const window = [0.02, 0.05, 0.1, 0.2].map((risk) => point(bursty, { ...TAIL_BASE, risk }));
    const body = point(bursty, { risk: 0.05, cpuBaseRiskFactor: 2, cpuBaseQuantile: 0 });
    const same = wasteAt(window, body.risk);
    assert.ok(body.waste < 0.85 * same, `body waste ${body.waste.toFixed(3)} at ${body.risk.toFixed(4)} vs window ${same.toFixed(3)} at the same risk`);
    // k is still calibrated on the series' own ratios: the target holds across the range.
    for (const risk of [0.02, 0.05, 0.1, 0.2]) {
      const p = risk === 0.05 ? body : point(bursty, { risk, cpuBaseRiskFactor: 2, cpuBaseQuantile: 0 });
      assert.ok(Math.abs(p.risk - risk) <= 0.25 * risk, `target ${risk}: achieved ${p.risk.toFixed(4)}`);
    }
    // The body quantile bounds the base from below: with a body of 0.9 the 5% rule is the same, the 2% rule at p96 as with the factor alone.
    const a = replay(bursty[0], [new MoraStrategy('cpu', { risk: 0.02, cpuBaseRiskFactor: 2, cpuBaseQuantile: 0 })])[0].days;
    const b = replay(bursty[0], [new MoraStrategy('cpu', { risk: 0.02, cpuBaseRiskFactor: 2, cpuBaseQuantile: 0.9 })])[0].days;
    assert.deepEqual(b.map((d) => d.value), a.map((d) => d.value));
  });

  it('the seasonal base (a forecast of the day, k = realised / forecast) keeps the calibration on a daily cycle', () => {
    const steady = [4, 5, 6].map((seed) => cpuSeries(seed, 35, () => 1, 0.4));
    for (const risk of [0.05, 0.1, 0.2]) {
      const p = point(steady, { risk, cpuBase: 'seasonal', seasonalDays: 1 });
      assert.ok(Math.abs(p.risk - risk) <= 0.25 * risk, `target ${risk}: achieved ${p.risk.toFixed(4)}`);
    }
  });

  it('fleet budget, predicted curve: waste falls with the target, and the bursty workload is given more of the budget than the smooth one', () => {
    const smooth = cpuSeries(21, 21, () => 1, 0.05);
    const bursty = cpuSeries(22, 21, () => 1, 0.8);
    const members = [smooth, bursty].map((s) => { const m = new FleetMemberStrategy('cpu'); m.observe(s.t, s.v); return m; });
    const curves = members.map((m) => m.curve(21 * DAY, { curveSource: 'predicted', halfLifeDays: 3 })!);
    for (const c of curves) {
      assert.ok(c.every((p) => Number.isFinite(p.waste) && p.waste >= 0));
      for (let i = 1; i < c.length; i++) assert.ok(c[i].waste <= c[i - 1].waste + 1e-9, `waste at ${c[i].target} above that at ${c[i - 1].target}`);
    }
    const alloc = allocateFleetRisk(curves.map((curve) => ({ curve })), { target: 0.05 });
    assert.ok(alloc.targets[1] > alloc.targets[0], `targets ${alloc.targets.join(', ')}`);
    assert.ok(Math.abs(alloc.mean - 0.05) < 1e-9);
  });
});
