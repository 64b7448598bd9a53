/**
 * The risk knob keeps what it says on generated series with known distributions (seeded): replayed day by day
 * (src/rightsizing/replay), MOrA's achieved CPU exceedance share / memory OOM-day share converges to the target, tighter
 * targets give higher values, a level shift is never under-covered after its day and is calibrated again once it leaves
 * the history, a freak day is capped, and confidence is lower during cold start.
 * The old fixed rule (CPU p95 × 1.05; memory 14-day peak × a margin within [1.05, 1.4]) fails these tolerances: it
 * achieves ~4.1% CPU exceedance and ~1.7% OOM days on these series whatever the target.
 */
import { strict as assert } from 'node:assert';
import { Rng } from '../../src/core/random';
import { series, type Series } from '../../src/core/series';
import { cpuMargin, memoryMargin, priorMargin, type CalibrationDay } from '../../src/rightsizing/engine/calibration';
import { MoraStrategy } from '../../src/rightsizing/engine/mora-strategy';
import { replay } from '../../src/rightsizing/replay/replay';
import type { DayScore } from '../../src/rightsizing/replay/score';

const DAY = 86400;

/** Lognormal samples (σ in log units) on a daily cycle, `perDay` samples a day. */
function lognormalSeries(seed: number, days: number, perDay: number, sigma: number, level: (day: number) => number = () => 1): Series {
  const rng = new Rng(seed);
  const t: number[] = [], v: number[] = [];
  const step = DAY / perDay;
  for (let x = 0; x < days * DAY; x += step) {
    const cycle = 1 + 0.3 * Math.sin((2 * Math.PI * x) / DAY);
    t.push(x); v.push(level(Math.floor(x / DAY)) * cycle * Math.exp(sigma * rng.normal()));
  }
  return series(t, v);
}

/** Memory: a slowly varying working set whose daily peak is a gamma-like draw (sum of exponentials) above it. */
function memorySeries(seed: number, days: number): Series {
  const rng = new Rng(seed);
  const t: number[] = [], v: number[] = [];
  for (let d = 0; d < days; d++) {
    // Each day: a base level with a daily cycle, plus one burst whose height is Gamma(2, 0.05) of the level.
    const burst = -0.05 * (Math.log(1 - rng.next()) + Math.log(1 - rng.next()));
    const at = rng.int(48);
    for (let i = 0; i < 48; i++) {
      const x = d * DAY + i * 1800;
      const cycle = 1 + 0.05 * Math.sin((2 * Math.PI * x) / DAY);
      t.push(x); v.push(1e9 * cycle * (1 + 0.01 * rng.normal()) * (i === at ? 1 + burst : 1));
    }
  }
  return series(t, v);
}

function achieved(kind: 'cpu' | 'memory', days: readonly DayScore[]): number {
  let miss = 0, n = 0;
  for (const d of days) { miss += kind === 'cpu' ? d.exceeded : d.exceeded > 0 ? 1 : 0; n += kind === 'cpu' ? d.samples : 1; }
  return miss / n;
}

function tolerance(target: number): number {
  return target < 0.02 ? 0.005 : 0.25 * target;
}

function run(kind: 'cpu' | 'memory', risk: number, list: readonly Series[]): { days: DayScore[]; meanValue: number } {
  const days: DayScore[] = [];
  for (const s of list) days.push(...replay(s, [new MoraStrategy(kind, { risk })])[0].days);
  return { days, meanValue: days.reduce((a, d) => a + d.value, 0) / days.length };
}

describe('risk calibration on generated series (known quantiles)', () => {
  const cpu = [1, 2, 3].map((seed) => lognormalSeries(seed, 35, 144, 0.4));
  const mem = Array.from({ length: 30 }, (_, i) => memorySeries(100 + i, 35));

  it('CPU: the achieved exceedance share matches each target (±25%, ±0.5 points under 2%)', () => {
    for (const risk of [0.01, 0.02, 0.05, 0.1, 0.2]) {
      const a = achieved('cpu', run('cpu', risk, cpu).days);
      assert.ok(Math.abs(a - risk) <= tolerance(risk), `target ${risk}: achieved ${a.toFixed(4)}`);
    }
  });

  it('memory: the achieved OOM-day share matches each target (±25%, ±0.5 points under 2%)', () => {
    for (const risk of [0.02, 0.05, 0.1, 0.2]) {
      const a = achieved('memory', run('memory', risk, mem).days);
      assert.ok(Math.abs(a - risk) <= tolerance(risk), `target ${risk}: achieved ${a.toFixed(4)}`);
    }
  });

  it('tighter targets give higher values (CPU and memory)', () => {
    const cpuValues = [0.2, 0.1, 0.05, 0.01].map((r) => run('cpu', r, cpu.slice(0, 1)).meanValue);
    const memValues = [0.2, 0.1, 0.05, 0.01].map((r) => run('memory', r, mem.slice(0, 5)).meanValue);
    for (const xs of [cpuValues, memValues]) for (let i = 1; i < xs.length; i++) assert.ok(xs[i] > xs[i - 1], xs.join(' < '));
  });

  it('CPU: a level shift (×2 on day 12) is missed on its day, never under-covered after it, calibrated again once it leaves the 28-day history', () => {
    const risk = 0.05;
    const shifted = [4, 5, 6].map((seed) => lognormalSeries(seed, 50, 144, 0.4, (d) => (d >= 12 ? 2 : 1)));
    const days = run('cpu', risk, shifted).days;
    const between = (a: number, b: number): DayScore[] => days.filter((d) => d.dayStart >= a * DAY && d.dayStart < b * DAY);
    const on = achieved('cpu', between(12, 13)), during = achieved('cpu', between(13, 40)), after = achieved('cpu', between(41, 50));
    assert.ok(on > 0.3, `the shift day itself is missed (${on.toFixed(3)}): nothing in the past predicts it`);
    // The shift day stays in the calibration (its ratios ≈ 2 are 1/28 of the pool): conservative, not under target.
    assert.ok(during <= risk + tolerance(risk) && during >= risk / 2, `days 13–40: achieved ${during.toFixed(4)}`);
    assert.ok(Math.abs(after - risk) <= tolerance(risk), `days 41–50: achieved ${after.toFixed(4)}`);
  });

  it('confidence is lower during cold start and the target is carried with each value', () => {
    const s = cpu[0];
    const early = new MoraStrategy('cpu', { risk: 0.05 }), late = new MoraStrategy('cpu', { risk: 0.05 });
    const cut = (days: number): Series => { const n = days * 144; return series(s.t.subarray(0, n), s.v.subarray(0, n)); };
    early.observe(cut(1).t, cut(1).v);
    late.observe(cut(21).t, cut(21).v);
    const e = early.recommend(DAY)!, l = late.recommend(21 * DAY)!;
    assert.equal(e.risk, 0.05);
    // A steady series keeps to a CPU target on about half its days (confidence.test.ts): ≈0.5 after 20 days, well above cold start.
    assert.ok(e.confidence! < 0.3 && l.confidence! >= 0.35 && e.confidence! < l.confidence!, `cold ${e.confidence}, after 20 days ${l.confidence}`);
    assert.equal(early.explain(DAY)!.calibrationDays, 0);
    // Cold start: the prior margin on the day's (1−α) quantile (the default body base, p90 at 5%, carries it over).
    const tail = new MoraStrategy('cpu', { risk: 0.05, cpuBaseRiskFactor: 1, cpuBaseQuantile: 0 });
    tail.observe(cut(1).t, cut(1).v);
    const et = tail.explain(DAY)!, eb = early.explain(DAY)!;
    assert.ok(Math.abs(et.margin - priorMargin('cpu', 0.05)) < 1e-12);
    assert.ok(eb.base < et.base && Math.abs(eb.base * eb.margin - et.base * et.margin) < 1e-12 * et.base, `body ${eb.base} × ${eb.margin}, tail ${et.base} × ${et.margin}`);
  });

  it('a freak day does not multiply the value: capped at the highest usage seen × the prior margin at the target', () => {
    const rng = new Rng(7);
    const t: number[] = [], v: number[] = [];
    for (let x = 0; x < 20 * DAY; x += 600) { t.push(x); v.push(Math.floor(x / DAY) === 15 ? 50 : 1 + 0.1 * rng.next()); }
    const m = new MoraStrategy('cpu', { risk: 0.01 });
    m.observe(t, v);
    const value = m.recommend(20 * DAY)!.value;
    assert.ok(value <= 50 * priorMargin('cpu', 0.01) + 1e-9, `value ${value}`);
  });

  it('memory in live use (mid-day): the base is at least yesterday\'s peak, with today\'s peak so far counted', () => {
    const t: number[] = [], v: number[] = [];
    // 10 days at 1 GB with a 1.3 GB peak yesterday (day 9), then half of day 10 at 1 GB.
    for (let x = 0; x < 10.5 * DAY; x += 1800) { t.push(x); v.push(Math.floor(x / DAY) === 9 && x % DAY === 36000 ? 1.3e9 : 1e9); }
    const m = new MoraStrategy('memory');
    m.observe(t, v);
    const e = m.explain(10.5 * DAY)!;
    assert.equal(e.base, 1.3e9);
    assert.equal(e.calibrationDays, 9);
    assert.ok(m.recommend(10.5 * DAY)!.value >= 1.3e9);
  });

  it('memory: the stub where a trace starts (22:00–24:00, the trough of the daily cycle) is not a calibration day', () => {
    // A working set with a ±30% daily cycle (peak at 06:00) and a Gamma burst; the trace starts at 22:00, so its first UTC day
    // is two hours of night. Its peak is no day's peak: the next day's ratio to it (~1.5) used to sit at the top of the
    // calibration for 28 days and made k conservative (old code: 1.4% OOM days at a 5% target).
    const stub = Array.from({ length: 30 }, (_, i) => {
      const rng = new Rng(300 + i);
      const t: number[] = [], v: number[] = [];
      for (let d = 0; d < 35; d++) {
        const burst = -0.05 * (Math.log(1 - rng.next()) + Math.log(1 - rng.next()));
        const at = rng.int(48);
        for (let j = 0; j < 48; j++) {
          const x = 22 * 3600 + d * DAY + j * 1800;
          const cycle = 1 + 0.3 * Math.sin((2 * Math.PI * x) / DAY);
          t.push(x); v.push(1e9 * cycle * (1 + 0.01 * rng.normal()) * (j === at ? 1 + burst : 1));
        }
      }
      return series(t, v);
    });
    for (const risk of [0.05, 0.1, 0.2]) {
      const a = achieved('memory', run('memory', risk, stub).days);
      assert.ok(Math.abs(a - risk) <= tolerance(risk), `target ${risk}: achieved ${a.toFixed(4)}`);
    }
  });

  it('memory: days sampled hourly or once a day count as whole days; a day cut by an outage does not calibrate', () => {
    const feed = (step: number, skip: (x: number) => boolean = () => false): MoraStrategy => {
      const t: number[] = [], v: number[] = [];
      for (let x = 0; x < 10 * DAY; x += step) if (!skip(x)) { t.push(x); v.push(1e9 * (1 + 0.1 * Math.sin(x / 7e4))); }
      const m = new MoraStrategy('memory');
      m.observe(t, v);
      return m;
    };
    assert.equal(feed(3600).explain(10 * DAY)!.calibrationDays, 9);
    assert.equal(feed(DAY).explain(10 * DAY)!.calibrationDays, 9);
    // Day 4 sampled only from 12:00 on: it is left out; day 5 still calibrates (its base window has whole days).
    assert.equal(feed(1800, (x) => x >= 4 * DAY && x < 4.5 * DAY).explain(10 * DAY)!.calibrationDays, 8);
  });

  it('memory: below 1/(n+1) the tail is the predictive one (scale uncertain), so Pareto-tailed peaks keep a 0.5–1% target', () => {
    // i.i.d. peak ratios with an exponential log-tail (Pareto, the prior's scale 0.05) and 7 calibration days (where the
    // backtest starts scoring): the plug-in exponential tail under-covers (old code: 1.56% misses at 0.5%, 2.34% at 1%); the
    // Gamma–exponential predictive (Lomax) does not (0.41%, 1.05%). With more days both lean a little high still (20 days:
    // 0.75% / 1.41% against the plug-in's 1.03% / 1.59%).
    const rng = new Rng(11);
    for (const alpha of [0.005, 0.01]) {
      let miss = 0;
      const trials = 20000;
      for (let i = 0; i < trials; i++) {
        const draw = (): number => Math.exp(-0.05 * Math.log(1 - rng.next()));
        const cal = Array.from({ length: 7 }, () => { const r = draw(); return { ratios: Float64Array.of(r), peakRatio: r, achieved: 0 }; });
        if (draw() > memoryMargin(cal, alpha).k) miss++;
      }
      assert.ok(Math.abs(miss / trials - alpha) <= tolerance(alpha), `target ${alpha}: missed ${(miss / trials).toFixed(4)}`);
    }
  });

  it('calibration primitives: the CPU margin leaves α of the past samples above it; memory extrapolates a tail below 1/(n+1)', () => {
    const day = (xs: number[], achievedRisk = 0): CalibrationDay => ({ ratios: Float64Array.from(xs).sort(), peakRatio: Math.max(...xs), achieved: achievedRisk });
    const cal = Array.from({ length: 10 }, (_, j) => day(Array.from({ length: 100 }, (_, i) => 0.5 + (i + j / 10) / 100)));
    const k = cpuMargin(cal, 0.05, 0).k;
    assert.ok(Math.abs(cpuMargin(cal, 0, 0, k).expected - 0.05) <= 0.001, `share above k ${cpuMargin(cal, 0, 0, k).expected}`);
    const peaks = Array.from({ length: 20 }, (_, j) => day([0.9 + 0.01 * j]));
    const m10 = memoryMargin(peaks, 0.1).k, m1 = memoryMargin(peaks, 0.01).k;
    assert.ok(m10 < 1.09 + 1e-9 && m10 > 1.07, `10%: ${m10}`);
    assert.ok(m1 > 1.09, `1% lies beyond the largest of 20 ratios: ${m1}`);
    assert.ok(Math.abs(memoryMargin(peaks, 0, m1).expected - 0.01) < 1e-9);
  });
});
