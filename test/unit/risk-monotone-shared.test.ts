/**
 * The monotone chain's shared work gives the values of the straightforward replay bit for bit (docs/ENGINE.md § Risk, "A
 * stricter target never gives less", Cost): the backtest's targets reading one chain per series, the chain's rules sharing
 * each window's quantiles, each day's sort and their margins, and k's selection over the calibration days in place of the
 * walk. CALIBRATION_INTERNALS switches each back (`unshared`, `walk`); every value, confidence, risk and score is compared
 * with Object.is. Generated series only (no datasets).
 */
import { strict as assert } from 'node:assert';
import { Rng } from '../../src/core/random';
import { series, type Series } from '../../src/core/series';
import { runBacktest, type BacktestResult } from '../../src/rightsizing/backtest/run';
import type { StrategySpec } from '../../src/rightsizing/backtest/strategies';
import { CALIBRATION_INTERNALS, cpuMargin, type CalibrationDay } from '../../src/rightsizing/engine/calibration';
import { MoraStrategy, type MoraExplanation } from '../../src/rightsizing/engine/mora-strategy';
import { DEFAULT_POLICY } from '../../src/rightsizing/engine/policy';
import { recommendResource } from '../../src/rightsizing/engine/resource';

const DAY = 86400;
const CPU_GRID = [0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5];

/** CPU: an idle body and, on some days, a block of batch work (two levels); `step` seconds; a gap of hours on some days. */
function batchSeries(seed: number, days: number, step = 300): Series {
  const rng = new Rng(seed);
  const t: number[] = [], v: number[] = [];
  const per = DAY / step;
  for (let d = 0; d < days; d++) {
    const share = rng.next() < 0.45 ? 0 : Math.min(0.8, 0.02 + 0.6 * rng.next() ** 2);
    const len = Math.round(share * per), at = Math.floor(rng.next() * (per - len));
    const gap = rng.next() < 0.1 ? [Math.floor(rng.next() * per), Math.floor(rng.next() * per / 4)] : [0, 0];
    for (let i = 0; i < per; i++) {
      if (i >= gap[0] && i < gap[0] + gap[1]) continue;
      t.push(d * DAY + i * step);
      // Rounded to a grid of values: ties between days, as integer MHz traces have.
      v.push(Math.round(i >= at && i < at + len ? 1500 + 1700 * rng.next() : 120 * Math.exp(0.15 * rng.normal())) / 1000);
    }
  }
  return series(t, v);
}

/** CPU: a daily cycle with lognormal noise whose level doubles at day 18, zeros at night some days. */
function shiftSeries(seed: number): Series {
  const rng = new Rng(seed);
  const t: number[] = [], v: number[] = [];
  for (let x = 0; x < 32 * DAY; x += 600) {
    const idle = Math.floor(x / DAY) % 5 === 2 && (x % DAY) < DAY / 4;
    t.push(x); v.push(idle ? 0 : (x >= 18 * DAY ? 2 : 1) * (1 + 0.4 * Math.sin((2 * Math.PI * x) / DAY)) * Math.exp(0.25 * rng.normal()));
  }
  return series(t, v);
}

function withInternals<T>(unshared: boolean, run: () => T): T {
  const before = { ...CALIBRATION_INTERNALS };
  CALIBRATION_INTERNALS.unshared = unshared; CALIBRATION_INTERNALS.walk = unshared;
  try { return run(); } finally { Object.assign(CALIBRATION_INTERNALS, before); }
}

/** Every difference between two results, compared number by number with Object.is (the first few, with their path). */
function differences(a: unknown, b: unknown, path = '', out: string[] = []): string[] {
  if (out.length >= 5) return out;
  if (typeof a === 'number' && typeof b === 'number') { if (!Object.is(a, b)) out.push(`${path}: ${a} vs ${b}`); return out; }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) differences((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`, out);
    return out;
  }
  if (a !== b) out.push(`${path}: ${String(a)} vs ${String(b)}`);
  return out;
}

const strip = (r: BacktestResult): unknown => ({ rows: r.rows, perSeries: r.perSeries, mean: r.mean, fleet: r.fleet });

describe('The monotone chain\'s shared work gives the straightforward replay\'s values bit for bit', function () {
  // Whole replays compared value by value: pure computation, 3–5 s alone, 4× that on a busy machine (two cases passed
  // 20 s with the load average at 10). The answer, not the time, is what these cases check.
  this.timeout(120_000);
  const inputs = [
    { name: 'batch-1', series: batchSeries(1, 36) },
    { name: 'batch-12', series: batchSeries(12, 30) },
    { name: 'batch-60s', series: batchSeries(5, 12, 60) },
    { name: 'shift', series: shiftSeries(7) },
  ];

  it('the backtest over the CPU grid (targets sharing chains), MOrA at its default target and the fleet budget', () => {
    const specs: Array<StrategySpec | 'mora' | 'vpa'> = ['vpa', 'mora', ...CPU_GRID.map((risk) => ({ name: 'mora' as const, risk })), { name: 'mora', risk: 0.04 }, { name: 'mora-fleet', risk: 0.05 }];
    const straight = withInternals(true, () => runBacktest(inputs, 'cpu', specs, { keepDays: true }));
    const shared = withInternals(false, () => runBacktest(inputs, 'cpu', specs, { keepDays: true }));
    assert.ok(straight.rows.length > 1000, String(straight.rows.length));
    assert.deepEqual(differences(strip(straight), strip(shared)), []);
  });

  it('the backtest with options that change the chain (ACI, no recency weights, no prior days)', () => {
    for (const mora of [{ aci: true }, { cpuHalfLifeDays: 0 }, { cpuPriorDays: 0, calibrationHalfLifeDays: 3 }]) {
      const specs = CPU_GRID.slice(0, 6).map((risk) => ({ name: 'mora' as const, risk }));
      const straight = withInternals(true, () => runBacktest(inputs.slice(1, 2), 'cpu', specs, { mora }));
      const shared = withInternals(false, () => runBacktest(inputs.slice(1, 2), 'cpu', specs, { mora }));
      assert.deepEqual(differences(strip(straight), strip(shared)), [], JSON.stringify(mora));
    }
  });

  it('live use: each target\'s explanation and value with a day in progress, hour by hour', () => {
    const s = inputs[1].series;
    const run = (): Array<Array<MoraExplanation | number | undefined>> => {
      const rules = CPU_GRID.map((risk) => new MoraStrategy('cpu', { risk }));
      const out: Array<Array<MoraExplanation | number | undefined>> = [];
      let i = 0;
      for (let now = 3600; now <= 30 * DAY; now += 7 * 3600) {
        let j = i;
        while (j < s.t.length && s.t[j] < now) j++;
        for (const r of rules) r.observe(s.t.subarray(i, j), s.v.subarray(i, j));
        i = j;
        out.push(rules.flatMap((r) => [r.explain(now), r.recommend(now)?.upper, r.expectedAt(now, 1)]));
      }
      return out;
    };
    assert.deepEqual(differences(withInternals(true, run), withInternals(false, run)), []);
  });

  it('a recommendation: one replay of the rule serves the value and the evidence replay (targets on and off the grid, a day in progress, a forecast, memory)', () => {
    const cases: Array<{ kind: 'cpu' | 'memory'; s: Series; risks: number[] }> = [
      { kind: 'cpu', s: inputs[0].series, risks: [0.01, 0.04, 0.05, 0.2] },
      { kind: 'cpu', s: inputs[2].series, risks: [0.05, 0.5] },
      { kind: 'cpu', s: inputs[3].series, risks: [0.001, 0.05] },
      { kind: 'memory', s: series(inputs[3].series.t, Float64Array.from(inputs[3].series.v, (x) => 2e8 + 1e8 * x)), risks: [0.01, 0.2] },
    ];
    const run = (): unknown[] => {
      const out: unknown[] = [];
      for (const { kind, s, risks } of cases) {
        const end = s.t[s.t.length - 1];
        for (const risk of risks) {
          for (const now of [Math.floor(end / DAY) * DAY, end + 1, Math.floor(end / DAY) * DAY - DAY / 3]) {
            for (const forecast of [undefined, { need: 1.2 * s.v[s.v.length - 1], trusted: true, method: 'fused', reason: 'injected' }]) {
              for (const historyDays of [14, 28]) {
                const policy = { ...DEFAULT_POLICY, historyDays, cpuRisk: risk, memoryRisk: risk };
                out.push(recommendResource({ kind, usage: s, now, forecast, currentRequest: 0.5 }, policy));
              }
            }
          }
        }
      }
      return out;
    };
    const straight = withInternals(true, run), shared = withInternals(false, run);
    assert.ok(straight.every((r) => r !== undefined && (r as { evidence: { replay?: unknown } }).evidence.replay !== undefined));
    assert.deepEqual(differences(straight, shared), []);
  });

  it('k\'s selection over the calibration days is the walk\'s value at every level (ties, zeros, empty days)', () => {
    const rng = new Rng(3);
    const bad: string[] = [];
    for (let trial = 0; trial < 400; trial++) {
      const cal: CalibrationDay[] = [];
      for (let d = 1 + Math.floor(rng.next() * 30); d > 0; d--) {
        const len = Math.floor(rng.next() * (rng.next() < 0.3 ? 5 : 500));
        const discrete = rng.next() < 0.4;
        const ratios = Float64Array.from({ length: len }, () => (discrete ? Math.floor(rng.next() * 5) / 4 : Math.exp(rng.normal()))).sort();
        cal.push({ ratios, peakRatio: ratios[len - 1] ?? 0, achieved: 0 });
      }
      for (const alpha of [0, 1e-4, 0.005, 0.05, 0.2, 0.5, 0.9, 1, rng.next()]) {
        const walk = withInternals(true, () => cpuMargin(cal, alpha, 0)), select = cpuMargin(cal, alpha, 0);
        if (!Object.is(walk.k, select.k) || !Object.is(walk.expected, select.expected)) bad.push(`trial ${trial} α ${alpha}: ${walk.k} vs ${select.k}`);
      }
    }
    assert.deepEqual(bad.slice(0, 5), []);
  });
});
