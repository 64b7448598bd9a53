import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backtestCommand } from '../../src/cli/commands/backtest';
import { cleanEnv, mora, moraProcess } from './helpers/run-cli';
import { series } from '../../src/core/series';
import { Rng } from '../../src/core/random';
import { DAY } from '../../src/rightsizing/replay/replay';
import { scoreDay } from '../../src/rightsizing/replay/score';
import { dayQuantileCurve, heldOracleWasteAt, oracleFrontier, oracleWasteAt, seriesOracleFrontiers } from '../../src/rightsizing/backtest/oracle';
import { calibration, confidenceTable, curveAt, dominance, paretoCurve, riskOf, runFrontier, seriesDominance, type StrategyPoint } from '../../src/rightsizing/backtest/frontier';
import { formatRisk, parseStrategySpec, strategyLabel } from '../../src/rightsizing/backtest/strategies';
import { runBacktest } from '../../src/rightsizing/backtest/run';

/** A series whose day d holds `days[d]` (samples spread over the day). */
function byDay(days: number[][]): ReturnType<typeof series> {
  const t: number[] = [], v: number[] = [];
  days.forEach((xs, d) => xs.forEach((x, i) => { t.push(d * DAY + i * 60); v.push(x); }));
  return series(t, v);
}
const all = { warmupDays: 0, minSamplesPerDay: 1 };
const close = (a: number, b: number, eps = 1e-12): void => assert.ok(Math.abs(a - b) <= eps, `${a} ≠ ${b}`);

describe('per-day oracle frontier', () => {
  it('cpu, one day [1,2,3,4]: each sample value is a vertex (risk = samples above / 4, waste / Σu = 10)', () => {
    const f = oracleFrontier([{ series: byDay([[3, 1, 4, 2]]) }], 'cpu', all);
    assert.deepEqual(f.map((p) => p.risk), [0, 0.25, 0.5, 0.75]);
    [0.6, 0.3, 0.1, 0].forEach((w, i) => close(f[i].waste, w));
    close(oracleWasteAt(f, 0.125), 0.45);
    close(oracleWasteAt(f, 1), 0);
  });

  it('cpu, two days: spends the risk budget on the day where it saves the most waste first (the Lagrangian order)', () => {
    // Day B [0,0,0,8]: accepting one exceeded sample saves 24 of waste; day A's steps save 3, 2, 1. Σu = 18, N = 8.
    const f = oracleFrontier([{ series: byDay([[1, 2, 3, 4], [0, 0, 0, 8]]) }], 'cpu', all);
    assert.deepEqual(f.map((p) => p.risk), [0, 1 / 8, 2 / 8, 3 / 8, 4 / 8]);
    [30 / 18, 6 / 18, 3 / 18, 1 / 18, 0].forEach((w, i) => close(f[i].waste, w));
  });

  it('a uniform per-day percentile (each day at its own p75, known in advance) is above the frontier, not on it', () => {
    const s = byDay([[3, 1, 4, 2]]);
    const [p] = dayQuantileCurve([{ series: s }], [0.25], all);
    // p75 of [1,2,3,4] = 3.25: one sample above (risk 0.25), waste 2.25 + 1.25 + 0.25 = 3.75 of 10.
    close(p.risk, 0.25); close(p.waste, 0.375);
    close(oracleWasteAt(oracleFrontier([{ series: s }], 'cpu', all), 0.25), 0.3);
  });

  it('held per series: each series spends only its own risk, so it is above the free frontier where series differ', () => {
    // Series A [0,0,0,8]: one exceeded sample saves 24 of Σu 8 (3.0 of ratio); series B [1,2,3,4]: 3 of Σu 10 (0.3).
    // At a mean risk of 1/8 the free oracle spends a quarter on A, nothing on B; held, each series spends 1/8.
    const list = [{ series: byDay([[0, 0, 0, 8]]) }, { series: byDay([[1, 2, 3, 4]]) }];
    const free = oracleWasteAt(oracleFrontier(list, 'cpu', all), 0.125);
    const held = heldOracleWasteAt(seriesOracleFrontiers(list, 'cpu', all), 0.125);
    close(free, (0 + 0.6) / 2);            // A at 0 (risk ¼), B at its peak (waste 6/10)
    close(held, (1.5 + 0.45) / 2);         // A halfway to 0 from 3, B halfway from 0.6 to 0.3
    assert.ok(held > free);
    // One series: both are the same frontier.
    close(heldOracleWasteAt(seriesOracleFrontiers(list.slice(1), 'cpu', all), 0.1), oracleWasteAt(oracleFrontier(list.slice(1), 'cpu', all), 0.1));
  });

  it('memory: a day is at its peak (no OOM) or an OOM day at no waste; risk = OOM-day share', () => {
    // Day A [1,1,1,4] wastes 9 at its peak, day B [2,2,2,2] nothing: Σu = 15, 2 days.
    const f = oracleFrontier([{ series: byDay([[1, 1, 1, 4], [2, 2, 2, 2]]) }], 'memory', all);
    assert.deepEqual(f.map((p) => [p.risk, Number(p.waste.toFixed(12))]), [[0, 0.6], [0.5, 0]]);
  });

  it('matches brute force: no combination of per-day values is below it, and each of its vertices is one such combination', () => {
    const rng = new Rng(13);
    for (let trial = 0; trial < 6; trial++) {
      const list = [0, 1].map(() => byDay([0, 1, 2].map(() => Array.from({ length: 4 }, () => Math.round(rng.next() * 9)))));
      const f = oracleFrontier(list.map((s) => ({ series: s })), 'cpu', all);
      // Every combination of one value per day (each day: one of its samples, or 0), scored as the backtest scores it.
      let acc = [{ perSeries: list.map(() => ({ exc: 0, n: 0, waste: 0, u: 0 })) }];
      list.forEach((s, si) => {
        for (let d = 0; d < 3; d++) {
          const u = Array.from(s.v.subarray(d * 4, d * 4 + 4));
          const next: typeof acc = [];
          for (const a of acc) for (const v of [0, ...u]) {
            const ps = a.perSeries.map((p) => ({ ...p }));
            const sc = scoreDay(0, v, u);
            ps[si].exc += sc.exceeded; ps[si].n += sc.samples; ps[si].waste += sc.waste; ps[si].u += sc.sumUsage;
            next.push({ perSeries: ps });
          }
          acc = next;
        }
      });
      const combos: Array<{ risk: number; waste: number }> = [];
      for (const a of acc) combos.push({ risk: a.perSeries.reduce((x, p) => x + p.exc / p.n, 0) / 2, waste: a.perSeries.reduce((x, p) => x + (p.u > 0 ? p.waste / p.u : 0), 0) / 2 });
      for (const c of combos) assert.ok(c.waste >= oracleWasteAt(f, c.risk) - 1e-9, `combination (${c.risk}, ${c.waste}) below the frontier`);
      for (const p of f) assert.ok(combos.some((c) => Math.abs(c.risk - p.risk) < 1e-9 && Math.abs(c.waste - p.waste) < 1e-9), `vertex (${p.risk}, ${p.waste}) not reachable`);
    }
  });

  it('averages like meanSummary (each series counts once, ratios do not depend on scale) and skips warm-up days', () => {
    const a = byDay([[100, 100], [3, 1, 4, 2]]);
    const b = series(a.t, Array.from(a.v, (x) => x * 10));
    const one = oracleFrontier([{ series: a }], 'cpu', { warmupDays: 1, minSamplesPerDay: 1 });
    const two = oracleFrontier([{ series: a }, { series: b }], 'cpu', { warmupDays: 1, minSamplesPerDay: 1 });
    assert.deepEqual(one.map((p) => p.risk), [0, 0.25, 0.5, 0.75]);
    assert.equal(two.length, 1 + 2 * 3);
    for (const r of [0, 0.1, 0.3, 0.6]) close(oracleWasteAt(two, r), oracleWasteAt(one, r), 1e-9);
  });

  it('no one-value-per-day rule is below it: VPA, Autopilot, KRR and MOrA on noisy series', () => {
    const rng = new Rng(7);
    const list = [0, 1, 2].map(() => byDay(Array.from({ length: 12 }, (_d, d) => Array.from({ length: 144 }, () => (1 + 0.3 * Math.sin(d)) * (rng.next() < 0.05 ? 3 : 1 + rng.next())))));
    for (const kind of ['cpu', 'memory'] as const) {
      const f = oracleFrontier(list.map((s) => ({ series: s })), kind);
      const r = runBacktest(list.map((s, i) => ({ name: String(i), series: s })), kind, ['vpa', 'autopilot', 'krr', 'mora']);
      for (const m of r.mean) assert.ok(m.summary.wasteRatio >= oracleWasteAt(f, riskOf(m.summary, kind)) - 1e-9, `${kind} ${m.strategy} below the oracle`);
    }
  });
});

describe('frontier math', () => {
  const pt = (strategy: string, risk: number, waste: number, target?: number): StrategyPoint => ({ strategy, risk, waste, target, series: 1, days: 1 });

  it('makes MOrA\'s achieved curve monotone: a point with more waste than a lower-risk point is dropped', () => {
    const c = paretoCurve([pt('a', 0.01, 10, 0.005), pt('b', 0.03, 4, 0.02), pt('c', 0.05, 5, 0.05), pt('d', 0.08, 2, 0.1)]);
    assert.deepEqual(c.map((p) => p.strategy), ['a', 'b', 'd']);
    const at = curveAt(c, 0.055)!;
    close(at.waste, 3); close(at.target, 0.06);
    assert.equal(curveAt(c, 0.005), undefined);
    assert.equal(curveAt(c, 0.5)!.waste, 2);
  });

  it('dominance: ratio = MOrA waste at ≤ the baseline\'s risk / baseline waste; dominates at ≤ 0.8; says why when MOrA cannot reach that risk', () => {
    const curve = [pt('mora@cpu-risk=0.01', 0.01, 10, 0.01), pt('mora@cpu-risk=0.05', 0.05, 2, 0.05)];
    const oracle = [{ risk: 0, waste: 4 }, { risk: 0.1, waste: 0 }];
    const [vpa, krr, tight] = dominance(curve, [pt('vpa', 0.03, 10), pt('krr', 0.06, 2.4), pt('tight', 0.001, 20)], oracle);
    close(vpa.moraWaste, 6); close(vpa.ratio, 0.6); assert.equal(vpa.dominates, true); close(vpa.moraTarget, 0.03);
    close(vpa.oracleWaste, 2.8); close(vpa.oracleRatio, 0.28);
    // Without interpolation: the 1% target (waste 10) is the grid point at ≤ 3% risk.
    assert.equal(vpa.gridTarget, 0.01); close(vpa.gridRatio, 1);
    close(krr.ratio, 2 / 2.4); assert.equal(krr.dominates, false);
    assert.ok(Number.isNaN(tight.ratio)); assert.equal(tight.dominates, false); assert.match(tight.note!, /lowest achieved risk/);
  });

  it('workload by workload: MOrA at each series\' own baseline risk, series out of its reach not compared', () => {
    const sum = (exceeded: number, samples: number, wasteRatio: number) => ({ exceedanceShare: exceeded / samples, wasteRatio, days: 1, oomFreeShare: 1 }) as unknown as Parameters<typeof riskOf>[0];
    const row = (series: string, strategy: string, risk: number, waste: number) => ({ series, strategy, summary: sum(risk * 100, 100, waste), noAnswer: 0 });
    const bt = { kind: 'cpu' as const, strategies: [], rows: [], elapsedMs: 0, mean: [], perSeries: [
      // s1: MOrA's curve (1%, 4) → (5%, 2); the baseline at 3% wastes 5 → MOrA 3 there (0.6: a win).
      row('s1', 'mora@cpu-risk=0.01', 0.01, 4), row('s1', 'mora@cpu-risk=0.05', 0.05, 2), row('s1', 'vpa', 0.03, 5),
      // s2: the baseline at 5% wastes 1, MOrA 2 there (a loss).
      row('s2', 'mora@cpu-risk=0.01', 0.01, 3), row('s2', 'mora@cpu-risk=0.05', 0.05, 2), row('s2', 'vpa', 0.05, 1),
      // s3: the baseline never exceeds; MOrA's lowest is 1%: not compared.
      row('s3', 'mora@cpu-risk=0.01', 0.01, 1), row('s3', 'mora@cpu-risk=0.05', 0.05, 0.5), row('s3', 'vpa', 0, 9),
    ] };
    const [d] = seriesDominance(bt, 'cpu', [{ label: 'mora@cpu-risk=0.01', target: 0.01 }, { label: 'mora@cpu-risk=0.05', target: 0.05 }], ['vpa']);
    assert.deepEqual({ series: d.series, unreached: d.unreached, wins: d.wins, losses: d.losses }, { series: 2, unreached: 1, wins: 1, losses: 1 });
    close(d.baselineWaste, 3); close(d.moraWaste, 2.5); close(d.ratio, 2.5 / 3);
  });

  it('calibration: achieved vs target as a mean over series and pooled; relative error and points', () => {
    // CPU: series 1 has 2 of 100 samples above the value (2%), series 2 has 3 of 100 (3%): mean 2.5%, pooled 5 of 200.
    const s1 = [scoreDay(0, 10, [...Array(98).fill(1), 11, 12])];
    const s2 = [scoreDay(0, 10, [...Array(97).fill(1), 11, 12, 13])];
    const c = calibration(0.02, [s1, s2], 'cpu');
    close(c.achievedMean, 0.025); close(c.achievedPooled, 0.025);
    close(c.relativeError, 0.25); close(c.pointsError, 0.5);
    assert.equal(c.within, true); assert.equal(c.seriesWithin, 0.5); // 3% is 50% off a 2% target
    // Memory: one OOM day in 4 and none in 2 → mean 12.5%, pooled 1/6.
    const oom = (x: number): ReturnType<typeof scoreDay> => scoreDay(0, 10, [x]);
    const m = calibration(0.01, [[oom(11), oom(1), oom(1), oom(1)], [oom(1), oom(1)]], 'memory');
    close(m.achievedMean, 0.125); close(m.achievedPooled, 1 / 6); assert.equal(m.within, false); close(m.seriesWithin, 0); // 25% and 0% (1 point under a 1% target) are both out
    close(calibration(0.01, [[oom(1)]], 'memory').pointsError, -1);
    assert.equal(calibration(0.01, [[oom(1)]], 'memory').within, false);
    assert.equal(calibration(0.01, [Array(99).fill(0).map(() => oom(1)).concat([oom(11)])], 'memory').within, true);
  });

  it('confidence table: days by confidence, violation rate per bucket, ratio high / low', () => {
    const day = (conf: number | undefined, over: number): ReturnType<typeof scoreDay> => {
      const d = scoreDay(0, 10, [...Array(100 - over).fill(1), ...Array(over).fill(11)]);
      if (conf !== undefined) d.confidence = conf;
      return d;
    };
    // Target 5%: a day with 6 of 100 above violates.
    const days = [day(0.9, 0), day(0.9, 6), day(0.85, 1), day(0.9, 0), day(0.6, 6), day(0.3, 6), day(0.2, 6), day(0.1, 0), day(undefined, 9)];
    const t = confidenceTable('mora', days, 'cpu', 0.05);
    assert.deepEqual(t.buckets.map((b) => [b.days, b.violations]), [[4, 1], [1, 1], [3, 2]]);
    close(t.ratio, (1 / 4) / (2 / 3)); assert.equal(t.unrated, 1);
    // Excess above the 5% target: high days 0, 1, 0, 0 points → 0.25 pt; low days 1, 1, 0 → 0.667 pt.
    close(t.buckets[0].excess, 0.01 / 4); close(t.buckets[2].excess, 0.02 / 3); close(t.excessRatio, (0.01 / 4) / (0.02 / 3));
  });
});

describe('risk-target strategies', () => {
  it('labels and parses mora@cpu-risk=0.05, rejects a kind mismatch or a baseline with a target', () => {
    assert.equal(strategyLabel({ name: 'mora', risk: 0.05 }, 'cpu'), 'mora@cpu-risk=0.05');
    assert.equal(strategyLabel({ name: 'mora', risk: 0.01 }, 'memory'), 'mora@memory-risk=0.01');
    assert.equal(formatRisk(0.1 + 0.2), '0.3');
    assert.deepEqual(parseStrategySpec('mora@cpu-risk=0.05', 'cpu'), { name: 'mora', risk: 0.05 });
    assert.deepEqual(parseStrategySpec('vpa', 'memory'), { name: 'vpa' });
    assert.equal(parseStrategySpec('mora@memory-risk=0.05', 'cpu'), undefined);
    assert.equal(parseStrategySpec('vpa@cpu-risk=0.05', 'cpu'), undefined);
  });

  it('runFrontier: one MOrA replay per target, named by the target, each day carrying the target; baselines as points', () => {
    const rng = new Rng(3);
    const s = byDay(Array.from({ length: 12 }, () => Array.from({ length: 144 }, () => 1 + rng.next())));
    const r = runFrontier([{ name: 's', series: s }], 'cpu', { grid: [0.2, 0.02], baselines: ['vpa', 'mora'] });
    assert.deepEqual(r.points.map((p) => p.strategy), ['vpa', 'mora', 'mora@cpu-risk=0.02', 'mora@cpu-risk=0.2']);
    assert.deepEqual(r.curve.map((p) => p.target), [0.02, 0.2]);
    assert.deepEqual(r.dominance.map((d) => d.baseline), ['vpa', 'mora']);
    assert.equal(r.calibration.length, 2);
    const days = r.backtest.perSeries.find((p) => p.strategy === 'mora@cpu-risk=0.2')!.days!;
    assert.ok(days.length === 5 && days.every((d) => d.risk === 0.2));
    assert.ok(r.oracle.length > 1);
  });
});

describe('mora backtest --frontier / --cpu-risk', () => {
  let root = '', dir = '', outDir = '';
  const base = { kind: 'cpu', format: 'table', warmupDays: '7', scale: '1', quiet: true };
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'mora-frontier-'));
    dir = join(root, 'in'); outDir = join(root, 'out');
    mkdirSync(dir);
    // Output folders must exist (MOrA does not create a user-given path's folders): create them, as a user does.
    mkdirSync(join(outDir, 'report'), { recursive: true });
    const rng = new Rng(21);
    for (const name of ['alpha', 'beta']) {
      const lines = ['timestamp,value'];
      const t0 = 1_700_000_000 - (1_700_000_000 % 86400);
      for (let i = 0; i < 10 * 288; i++) lines.push(`${t0 + i * 300},${(1 + 0.5 * Math.sin(i / 45) + (rng.next() < 0.03 ? 2 : 0.2 * rng.next())).toFixed(4)}`);
      writeFileSync(join(dir, `${name}.csv`), lines.join('\n'));
    }
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('--cpu-risk: one MOrA replay per target, the target in the strategy name (CSV and summary); baselines once', () => {
    const out = join(outDir, 'risk.csv');
    const text = backtestCommand({ ...base, input: dir, strategies: 'mora,vpa', cpuRisk: '0.01, 0.05', out });
    const rows = readFileSync(out, 'utf8').trim().split('\n').slice(1).map((r) => r.split(','));
    assert.deepEqual([...new Set(rows.map((r) => r[2]))], ['mora@cpu-risk=0.01', 'mora@cpu-risk=0.05', 'vpa']);
    assert.equal(rows.length, 2 * 3 * 3);
    assert.match(text, /^mora@cpu-risk=0\.01\s/m);
    assert.match(text, /^mora@cpu-risk=0\.05\s/m);
    // A label in --strategies works too, and --memory-risk names the memory target.
    const j = JSON.parse(backtestCommand({ ...base, kind: 'memory', input: dir, strategies: 'mora@memory-risk=0.02,krr', memoryRisk: undefined, format: 'json' }));
    assert.deepEqual(j.mean.map((m: { strategy: string }) => m.strategy), ['mora@memory-risk=0.02', 'krr']);
  });

  it('--frontier: points for every baseline and each target, dominance, calibration, confidence and the oracle; JSON the same as data', () => {
    const text = backtestCommand({ ...base, input: dir, frontier: true, cpuRisk: '0.02,0.1' });
    for (const s of ['vpa', 'krr', 'krr-limit', 'autopilot', 'mora', 'mora@cpu-risk=0.02', 'mora@cpu-risk=0.1']) assert.match(text, new RegExp(`^${s.replace(/[.]/g, '\\.')}\\s`, 'm'));
    assert.match(text, /^dominance:/m);
    assert.match(text, /^calibration:/m);
    assert.match(text, /^confidence:/m);
    assert.match(text, /^oracle \(each day known in advance/m);
    const j = JSON.parse(backtestCommand({ ...base, input: dir, frontier: true, cpuRisk: '0.02,0.1', format: 'json' }));
    assert.deepEqual(j.grid, [0.02, 0.1]);
    assert.deepEqual(j.dominance.map((d: { baseline: string }) => d.baseline), ['vpa', 'krr', 'krr-limit', 'autopilot', 'mora']);
    assert.deepEqual(j.calibration.map((c: { target: number }) => c.target), [0.02, 0.1]);
    assert.ok(j.oracle.length > 10 && j.oracle.every((p: { risk: number; waste: number }) => Number.isFinite(p.risk) && p.waste >= 0));
    for (const d of j.dominance) if (Number.isFinite(d.ratio)) assert.equal(d.dominates, d.ratio <= 0.8);
    // Default grid when no list is given.
    const def = JSON.parse(backtestCommand({ ...base, input: dir, frontier: true, strategies: 'vpa', format: 'json' }));
    assert.deepEqual(def.grid, [0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5]);
    // KRR simple_limit's request is its p66: ~1/3 of samples above it. MOrA is compared there at a target above 30%, not
    // at the end of a curve that stopped short of the baseline's risk.
    const lim = JSON.parse(backtestCommand({ ...base, input: dir, frontier: true, strategies: 'krr-limit', format: 'json' })).dominance[0];
    assert.ok(lim.baselineRisk > 0.3, `krr-limit runs at ${lim.baselineRisk}`);
    assert.ok(lim.moraTarget > 0.3 && lim.moraTarget <= 0.5, `MOrA compared at ${lim.moraTarget}`);
  });

  it('--html writes a self-contained report with the SVG points, MOrA\'s curve and the oracle (no network)', () => {
    const html = join(outDir, 'report', 'frontier.html');
    backtestCommand({ ...base, input: dir, frontier: true, cpuRisk: '0.02,0.1', html });
    const page = readFileSync(html, 'utf8');
    assert.match(page, /<svg [^>]*class="frontier"/);
    for (const s of ['vpa', 'autopilot', 'mora@cpu-risk=0.02', 'mora@cpu-risk=0.1']) assert.match(page, new RegExp(`<circle [^>]*data-strategy="${s.replace(/[.]/g, '\\.')}"`));
    assert.match(page, /<polyline class="mora-curve"/);
    assert.match(page, /<polyline class="oracle"/);
    assert.match(page, /<polyline class="day-quantile"/);
    // The tables a reader weighs the verdict with: the held oracle, workload by workload, and how far confident days missed.
    assert.match(page, /<th>held oracle ratio<\/th>/);
    assert.match(page, /<h3>Workload by workload<\/h3>[\s\S]*<td>vpa<\/td>/);
    assert.match(page, /mean excess<\/th>/);
    assert.doesNotMatch(page, /<script|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  });

  it('bad risk input exits 2 with one clear line', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--cpu-risk', '0.7'], /--cpu-risk: risk targets are shares between 0\.001 and 0\.5 \(0\.05 = 5%\), got 0\.7/],
      [['--cpu-risk', '0'], /between 0\.001 and 0\.5/],
      [['--cpu-risk', '5%'], /--cpu-risk: "5%" is a percentage; give the share: 0\.05/],
      [['--cpu-risk', 'abc'], /--cpu-risk: "abc" is not a number/],
      [['--cpu-risk', ','], /--cpu-risk is empty/],
      [['--memory-risk', '0.01'], /--memory-risk applies to --kind memory; with --kind cpu use --cpu-risk/],
      [['--strategies', 'vpa,krr', '--cpu-risk', '0.05'], /--cpu-risk applies to mora or mora-prophet or mora-fleet; add one to --strategies/],
      [['--strategies', 'vpa@cpu-risk=0.05'], /a risk target goes on mora or mora-prophet/],
      [['--strategies', 'mora@cpu-risk=0.9'], /between 0\.001 and 0\.5/],
      [['--html', join(outDir, 'x.html')], /--html writes the frontier report; add --frontier/],
    ];
    for (const [args, msg] of cases) {
      const r = await mora(['backtest', '--input', dir, '--kind', 'cpu', '-q', ...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: exit ${r.code}`);
      assert.match(r.err, msg);
      assert.equal(r.err.trim().split('\n').length, 1, r.err);
    }
    // The same from the shell: bin/mora.js as its own process exits 2 with the one line.
    const p = await moraProcess(['backtest', '--input', dir, '--kind', 'memory', '--memory-risk', '0.01,0.9', '-q'], cleanEnv());
    assert.equal(p.code, 2, p.err);
    assert.match(p.err, /--memory-risk: risk targets are shares between 0\.001 and 0\.5 \(0\.05 = 5%\), got 0\.9/);
  });
});
