/**
 * The knee rule (option `cpuRule: 'knee'`, engine/knee.ts; docs/ENGINE.md § Risk, "Knee rule"): per day the value minimising
 * the predicted relative waste + λ × the predicted share above, λ calibrated on the series' own past days. It must be the exact
 * minimiser, calibrate to the smallest λ that keeps α, put the misses on the days whose predicted tail is flat (where the margin
 * rule, one k for every day, spreads them), keep its target, and leave the margin rule in place where the window's top is not enough.
 */
import { strict as assert } from 'node:assert';
import { Rng } from '../../src/core/random';
import { series, type Series } from '../../src/core/series';
import { calibrateKnee, kneeCurve, kneeShare, kneeValue, type KneeDay } from '../../src/rightsizing/engine/knee';
import { MoraStrategy, type MoraStrategyOptions } from '../../src/rightsizing/engine/mora-strategy';
import { replay } from '../../src/rightsizing/replay/replay';
import { burstySeries, point, wasteAt } from './helpers/risk-curve';

const DAY = 86400;
const KNEE: MoraStrategyOptions = { cpuRule: 'knee' };

/** Weighted samples: runs of random lengths and weights, some values repeated. */
function randomRuns(rng: Rng): { runs: Float64Array[]; weights: number[] } {
  const runs: Float64Array[] = [], weights: number[] = [];
  for (let r = 0; r < 1 + Math.floor(rng.next() * 4); r++) {
    const n = 5 + Math.floor(rng.next() * 60);
    runs.push(Float64Array.from({ length: n }, () => (rng.next() < 0.2 ? 1 : Math.exp(rng.normal()))).sort());
    weights.push(0.1 + rng.next());
  }
  return { runs, weights };
}

/** Brute force: relative waste + λ · risk of every candidate value (every sample). */
function objective(runs: readonly Float64Array[], weights: readonly number[], v: number, lambda: number): number {
  let total = 0, mass = 0, waste = 0, above = 0;
  runs.forEach((r, k) => { for (const u of r) { total += weights[k]; mass += weights[k] * u; if (u > v) above += weights[k]; else waste += weights[k] * (v - u); } });
  return waste / mass + (lambda * above) / total;
}

/**
 * 42 days at 10 min in 10-day blocks that alternate: flat-tail days (8% of the samples are spikes spread over 1.2–8 × the body)
 * and sharp-top days (8% at exactly 2 × the body). Same body, same tail mass, so the same body quantile; the tails differ in shape.
 */
function regimeSeries(seed: number): { s: Series; flat: Set<number> } {
  const rng = new Rng(seed);
  const t: number[] = [], v: number[] = [];
  const flat = new Set<number>();
  let isFlat = false;
  for (let x = 0; x < 42 * DAY; x += 600) {
    if (x % (10 * DAY) === 0) isFlat = !isFlat;
    if (x % DAY === 0 && isFlat) flat.add(x);
    const body = (1 + 0.2 * Math.sin((2 * Math.PI * x) / DAY)) * Math.exp(0.1 * rng.normal());
    const tail = rng.next() < 0.08;
    t.push(x); v.push(!tail ? body : isFlat ? body * (1.2 + 6.8 * rng.next()) : body * 2);
  }
  return { s: series(t, v), flat };
}

describe('MOrA CPU knee rule (cpuRule: knee)', function () {
  // Backtests over generated series: computation only, 4× slower on a busy machine; the answer is what is checked.
  this.timeout(90_000);
  it('picks the exact minimiser of relative waste + λ · share above over the window\'s samples', () => {
    const rng = new Rng(7);
    for (let trial = 0; trial < 40; trial++) {
      const { runs, weights } = randomRuns(rng);
      const curve = kneeCurve(runs, weights)!;
      const candidates = [...new Set(runs.flatMap((r) => Array.from(r)))];
      for (const lambda of [0, 0.01, 0.1, 0.5, 1, 3, 10, 100, 1e4]) {
        const best = Math.min(...candidates.map((c) => objective(runs, weights, c, lambda)));
        const got = objective(runs, weights, kneeValue(curve, lambda), lambda);
        assert.ok(got <= best + 1e-9 * Math.max(1, Math.abs(best)), `trial ${trial}, λ ${lambda}: ${got} vs the best ${best}`);
      }
    }
  });

  it('calibrates λ to the smallest value that leaves at most α of the calibration days\' samples above', () => {
    const rng = new Rng(11);
    const days: KneeDay[] = [];
    for (let d = 0; d < 12; d++) {
      const { runs, weights } = randomRuns(rng);
      days.push({ curve: kneeCurve(runs, weights)!, sorted: Float64Array.from({ length: 50 }, () => Math.exp(1.2 * rng.normal())).sort() });
    }
    for (const alpha of [0.02, 0.05, 0.1, 0.3]) {
      const c = calibrateKnee(days, alpha)!;
      if (c.expected > alpha) {
        // Not reachable: every day at its window's top still leaves more than α above (the rule then falls back to the margin).
        assert.equal(c.expected, kneeShare(days, Infinity), `α ${alpha}`);
        continue;
      }
      assert.ok(c.expected <= alpha, `α ${alpha}: ${c.expected}`);
      if (c.lambda > 0) assert.ok(kneeShare(days, c.lambda * (1 - 1e-9)) > alpha, `α ${alpha}: a smaller λ than ${c.lambda} keeps it too`);
    }
  });

  it('puts the misses on the days whose tail is flat and wastes less than the margin rule at the same risk', () => {
    const list = [41, 42, 43, 44].map(regimeSeries);
    const split = (o: MoraStrategyOptions): { flat: number; sharp: number } => {
      let ef = 0, nf = 0, es = 0, ns = 0;
      for (const { s, flat } of list) {
        for (const d of replay(s, [new MoraStrategy('cpu', { ...o, risk: 0.05 })])[0].days) {
          if (flat.has(d.dayStart)) { ef += d.exceeded; nf += d.samples; } else { es += d.exceeded; ns += d.samples; }
        }
      }
      return { flat: ef / nf, sharp: es / ns };
    };
    const knee = split(KNEE), margin = split({});
    // Measured: knee 7.0% / 1.65% (4.2×); the margin rule 6.6% / 2.7% (2.4×).
    assert.ok(knee.flat > 3.5 * knee.sharp, `knee: flat days ${knee.flat.toFixed(4)}, sharp days ${knee.sharp.toFixed(4)} (margin ${margin.flat.toFixed(4)} / ${margin.sharp.toFixed(4)})`);
    const marginCurve = [0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2].map((risk) => point(list.map((x) => x.s), { risk }));
    const p = point(list.map((x) => x.s), { ...KNEE, risk: 0.05 });
    // Measured: 0.88 × the margin rule's waste at the knee's achieved risk.
    const ratio = p.waste / wasteAt(marginCurve, p.risk);
    assert.ok(ratio < 0.93, `knee waste ${p.waste.toFixed(3)} at ${p.risk.toFixed(4)}: ${ratio.toFixed(3)} × the margin rule's`);
  });

  it('with kneeMaxRiskFactor, no day is sized below the value its prediction expects that many α above', () => {
    const rng = new Rng(5);
    for (let trial = 0; trial < 40; trial++) {
      const { runs, weights } = randomRuns(rng);
      const curve = kneeCurve(runs, weights)!;
      for (const maxRisk of [0, 0.05, 0.2, 0.6]) {
        const v = kneeValue(curve, 0, maxRisk);
        const i = curve.values.indexOf(v);
        assert.ok(curve.risks[i] <= maxRisk, `trial ${trial}: vertex at risk ${curve.risks[i]} > ${maxRisk}`);
        assert.ok(i === curve.values.length - 1 || curve.risks[i + 1] > maxRisk, `trial ${trial}: stopped above a vertex within ${maxRisk}`);
      }
    }
    // Every sample 1 or 2: a window's hull is one straight edge, so the unbounded knee covers a day or exposes half of it.
    for (const seed of [1, 2, 3]) {
      const r = new Rng(seed);
      const t: number[] = [], v: number[] = [];
      for (let x = 0; x < 30 * DAY; x += 600) { t.push(x); v.push(r.next() < 0.5 ? 1 : 2); }
      const s = series(t, v);
      const worst = (o: MoraStrategyOptions): number => Math.max(...replay(s, [new MoraStrategy('cpu', { ...o, risk: 0.2 })])[0].days.map((d) => d.exceeded / d.samples));
      // Measured: unbounded 53–63% on the worst day (9–14 of 23 days above 40%).
      assert.ok(worst(KNEE) > 0.4, `seed ${seed}: the unbounded knee never exposed half a day`);
      assert.ok(worst({ ...KNEE, kneeMaxRiskFactor: 2 }) <= 0.4, `seed ${seed}: a day above 2α with the bound`);
    }
  });

  it('keeps to the target (±25%, ±0.5 points under 2%)', () => {
    const list = [31, 32, 33].map(burstySeries);
    for (const risk of [0.01, 0.02, 0.05, 0.1, 0.2]) {
      const p = point(list, { ...KNEE, risk });
      const tol = risk < 0.02 ? 0.005 : 0.25 * risk;
      assert.ok(Math.abs(p.risk - risk) <= tol, `target ${risk}: achieved ${p.risk.toFixed(4)}`);
    }
  });

  it('leaves the margin rule in place where no λ keeps α below the window\'s top (a load that rises every day)', () => {
    const t: number[] = [], v: number[] = [];
    for (let x = 0; x < 20 * DAY; x += 600) { t.push(x); v.push(Math.pow(1.15, x / DAY) * (1 + 0.1 * Math.sin((2 * Math.PI * x) / DAY))); }
    const s = series(t, v);
    const a = replay(s, [new MoraStrategy('cpu', { ...KNEE, risk: 0.05 })])[0].days.map((d) => d.value);
    const b = replay(s, [new MoraStrategy('cpu', { risk: 0.05 })])[0].days.map((d) => d.value);
    assert.ok(a.length > 5);
    assert.deepEqual(a, b);
    // Where a λ does keep α, the knee sets its own values.
    const bursty = burstySeries(31);
    const c = replay(bursty, [new MoraStrategy('cpu', { ...KNEE, risk: 0.05 })])[0].days.map((d) => d.value);
    const m = replay(bursty, [new MoraStrategy('cpu', { risk: 0.05 })])[0].days.map((d) => d.value);
    assert.ok(c.filter((x, i) => x !== m[i]).length > c.length / 2, 'the knee changed fewer than half of the days\' values');
  });
});
