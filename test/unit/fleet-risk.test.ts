/**
 * The fleet risk budget (src/rightsizing/engine/fleet-risk.ts, backtest/fleet.ts): the allocator meets the fleet mean,
 * gives bursty workloads more risk than smooth ones, keeps to the cap and wastes less than every workload at the target;
 * replayed day by day on generated series (seeded), the fleet's achieved mean risk is within tolerance of its target and
 * its waste below MOrA's per-workload mode at the same target.
 */
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backtestCommand } from '../../src/cli/commands/backtest';
import { UserError } from '../../src/cli/errors';
import { Rng } from '../../src/core/random';
import { series, type Series } from '../../src/core/series';
import { runBacktest } from '../../src/rightsizing/backtest/run';
import { parseStrategySpec, strategyLabel } from '../../src/rightsizing/backtest/strategies';
import { allocateFleetRisk, defaultFleetCap, lowerHull, type FleetCurvePoint } from '../../src/rightsizing/engine/fleet-risk';

const DAY = 86400;
const GRID = [0.001, 0.002, 0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3];

/** A curve whose waste falls with the target as a × exp(−target / s): large a and s → bursty (risk saves much waste). */
function curve(a: number, s: number, floor = 0.05): FleetCurvePoint[] {
  return GRID.map((target) => ({ target, waste: floor + a * Math.exp(-target / s) }));
}

/** Waste of a curve at a target, linear between grid points (as the allocator reads it). */
function wasteAt(c: readonly FleetCurvePoint[], x: number): number {
  for (let i = 1; i < c.length; i++) if (x <= c[i].target) return c[i - 1].waste + ((x - c[i - 1].target) / (c[i].target - c[i - 1].target)) * (c[i].waste - c[i - 1].waste);
  return c[c.length - 1].waste;
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('fleet risk allocation', () => {
  const bursty = [curve(3, 0.08), curve(2.5, 0.1), curve(4, 0.06)];
  const smooth = [curve(0.3, 0.004), curve(0.2, 0.003), curve(0.25, 0.005)];
  const members = [...bursty, ...smooth].map((c) => ({ curve: c }));

  it('meets the fleet mean, gives bursty workloads more risk, keeps to the cap', () => {
    for (const target of [0.01, 0.02, 0.05, 0.1]) {
      const cap = defaultFleetCap(target);
      const a = allocateFleetRisk(members, { target, cap });
      assert.ok(Math.abs(a.mean - target) < 1e-9, `mean ${a.mean} for ${target}`);
      assert.ok(a.targets.every((t) => t <= cap + 1e-12 && t >= GRID[0] - 1e-12), `cap ${cap}: ${a.targets}`);
      const [b, s] = [mean(a.targets.slice(0, 3)), mean(a.targets.slice(3))];
      assert.ok(b > s, `bursty ${b} vs smooth ${s} at ${target}`);
      assert.ok(a.lambda > 0);
    }
  });

  it('wastes less than every workload at the fleet target (equal allocation), and never more', () => {
    for (const target of [0.005, 0.01, 0.02, 0.05, 0.1]) {
      const a = allocateFleetRisk(members, { target });
      const fleet = mean(members.map((m, i) => wasteAt(m.curve, a.targets[i])));
      const equal = mean(members.map((m) => wasteAt(m.curve, target)));
      assert.ok(fleet < (target >= 0.01 ? 0.95 : 1) * equal, `${target}: fleet ${fleet} vs equal ${equal}`);
    }
    // All members alike: nothing to trade, each gets the target.
    const same = allocateFleetRisk([0, 1, 2].map(() => ({ curve: curve(1, 0.05) })), { target: 0.05 });
    assert.ok(same.targets.every((t) => Math.abs(t - 0.05) < 1e-9), String(same.targets));
  });

  it('a tighter cap binds: no target above it, the rest of the budget goes to the others', () => {
    const a = allocateFleetRisk(members, { target: 0.05, cap: 0.1 });
    assert.ok(a.targets.every((t) => t <= 0.1 + 1e-12));
    assert.ok(Math.abs(a.mean - 0.05) < 1e-9);
    assert.throws(() => allocateFleetRisk(members, { target: 0.05, cap: 0.01 }), /cap/);
  });

  it('members without a curve are held at the target and spend their share', () => {
    const a = allocateFleetRisk([{ curve: undefined }, ...members], { target: 0.05 });
    assert.equal(a.targets[0], 0.05);
    assert.ok(Math.abs(a.mean - 0.05) < 1e-9);
  });

  it('a curve that stops saving waste is not given more risk (the hull is cut where waste stops falling)', () => {
    const flat = GRID.map((target) => ({ target, waste: target < 0.01 ? 1 - target : 0.99 }));
    const h = lowerHull(flat);
    assert.ok(h[h.length - 1].target <= 0.01, JSON.stringify(h));
    const a = allocateFleetRisk([{ curve: flat }, ...members], { target: 0.05 });
    assert.ok(a.targets[0] <= 0.01, String(a.targets[0]));
  });
});

/** Smooth: lognormal with a small σ on a daily cycle. */
function smoothSeries(seed: number, days: number): Series {
  const rng = new Rng(seed);
  const t: number[] = [], v: number[] = [];
  for (let x = 0; x < days * DAY; x += 300) { t.push(x); v.push((1 + 0.2 * Math.sin((2 * Math.PI * x) / DAY)) * Math.exp(0.05 * rng.normal())); }
  return series(t, v);
}

/** Bursty: a low level with bursts of 3–6× it on 12% of the samples (their bulk far below their peaks). */
function burstySeries(seed: number, days: number): Series {
  const rng = new Rng(seed);
  const t: number[] = [], v: number[] = [];
  for (let x = 0; x < days * DAY; x += 300) { t.push(x); v.push((rng.next() < 0.12 ? 3 + 3 * rng.next() : 1) * Math.exp(0.1 * rng.normal())); }
  return series(t, v);
}

describe('fleet risk budget replayed (mora-fleet)', function () {
  this.timeout(60_000);
  const inputs = [
    ...[1, 2, 3].map((s) => ({ name: `smooth-${s}`, series: smoothSeries(s, 24) })),
    ...[4, 5, 6].map((s) => ({ name: `bursty-${s}`, series: burstySeries(s, 24) })),
  ];
  const target = 0.05;
  let r: ReturnType<typeof runBacktest>;
  before(() => { r = runBacktest(inputs, 'cpu', [{ name: 'mora', risk: target }, { name: 'mora-fleet', risk: target }], { keepDays: true }); });
  const fleetLabel = strategyLabel({ name: 'mora-fleet', risk: target }, 'cpu');

  it('is named with its target and parsed back', () => {
    assert.equal(fleetLabel, 'mora-fleet@cpu-risk=0.05');
    assert.deepEqual(parseStrategySpec('mora-fleet@cpu-risk=0.05', 'cpu'), { name: 'mora-fleet', risk: 0.05 });
    assert.ok(r.fleet?.[fleetLabel]?.length, 'fleet days recorded');
  });

  it('meets the fleet mean within tolerance, bursty series take more risk, the cap holds on every day', () => {
    const fleet = r.mean.find((m) => m.strategy === fleetLabel)!;
    assert.equal(fleet.series, 6);
    assert.ok(Math.abs(fleet.summary.exceedanceShare - target) <= 0.25 * target, `fleet mean ${fleet.summary.exceedanceShare}`);
    const days = r.perSeries.filter((p) => p.strategy === fleetLabel);
    const allotted = (prefix: string): number => mean(days.filter((p) => p.series.startsWith(prefix)).flatMap((p) => p.days!.map((d) => d.risk!)));
    assert.ok(allotted('bursty') > 2 * allotted('smooth'), `bursty ${allotted('bursty')} vs smooth ${allotted('smooth')}`);
    const cap = defaultFleetCap(target);
    assert.ok(days.every((p) => p.days!.every((d) => d.risk! <= cap + 1e-12)));
    for (const d of r.fleet![fleetLabel]) assert.ok(Math.abs(d.meanTarget - target) < 1e-9 || d.lambda === 0, JSON.stringify(d));
  });

  it('wastes less than MOrA per workload at the same target (equal allocation)', () => {
    const fleet = r.mean.find((m) => m.strategy === fleetLabel)!.summary;
    const each = r.mean.find((m) => m.strategy === 'mora@cpu-risk=0.05')!.summary;
    assert.ok(fleet.wasteRatio < 0.9 * each.wasteRatio, `fleet ${fleet.wasteRatio} vs per workload ${each.wasteRatio}`);
    assert.ok(fleet.exceedanceShare <= each.exceedanceShare + 0.25 * target, `fleet risk ${fleet.exceedanceShare} vs ${each.exceedanceShare}`);
  });
});

describe('mora backtest --risk-scope fleet', function () {
  this.timeout(60_000);
  let dir = '';
  const base = { kind: 'cpu', format: 'table', warmupDays: '7', scale: '1', quiet: true };
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'mora-fleet-'));
    const write = (name: string, s: Series): void => {
      const lines = ['timestamp,value'];
      for (let i = 0; i < s.t.length; i++) lines.push(`${1_700_006_400 + s.t[i]},${s.v[i].toFixed(4)}`);
      writeFileSync(join(dir, `${name}.csv`), lines.join('\n'));
    };
    write('smooth', smoothSeries(7, 12));
    write('bursty', burstySeries(8, 12));
    // The output folder exists, as a user's does: mora does not create a missing parent of --out / --html (f7f1612).
    mkdirSync(join(dir, 'out'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('replays mora as mora-fleet@cpu-risk=<target>, one row per series and day, the baselines unchanged', () => {
    const out = join(dir, 'out', 'recs.csv');
    const text = backtestCommand({ ...base, input: dir, strategies: 'mora,vpa', cpuRisk: '0.05', riskScope: 'fleet', out });
    assert.match(text, /^mora-fleet@cpu-risk=0\.05\s/m);
    assert.match(text, /^vpa\s/m);
    const rows = readFileSync(out, 'utf8').trim().split('\n').slice(1).map((r) => r.split(','));
    assert.equal(rows.filter((r) => r[2] === 'mora-fleet@cpu-risk=0.05').length, 2 * 5);
  });

  it('adds the fleet curve to --frontier, and refuses an unknown scope', () => {
    const html = join(dir, 'out', 'frontier.html');
    const text = backtestCommand({ ...base, input: dir, frontier: true, cpuRisk: '0.02,0.05,0.1', riskScope: 'fleet', html });
    assert.match(text, /fleet risk budget/);
    const page = readFileSync(html, 'utf8');
    assert.match(page, /class="fleet-curve"/);
    assert.match(page, /<h2>Fleet risk budget<\/h2>/);
    assert.match(text, /fleet mean achieved vs target: 2\.0% → /);
    assert.throws(() => backtestCommand({ ...base, input: dir, riskScope: 'namespace' }), (e: unknown) => e instanceof UserError && /--risk-scope must be workload or fleet/.test(e.message));
  });
});

describe('mora recommend --risk-scope fleet', function () {
  this.timeout(120_000);

  it('allots each demo container its own target, their mean the budget, none above the cap', async () => {
    const { fleetRiskAllotment } = await import('../../src/pipeline/fleet-risk');
    const { DemoDataSource } = await import('../../src/data/demo');
    const source = new DemoDataSource();
    const fleet = await fleetRiskAllotment(source, {}, { cpuRisk: 0.05, memoryRisk: 0.01, historyDays: 14 });
    const cpu = fleet.summary.find((s) => s.kind === 'cpu')!;
    assert.equal(cpu.cap, 0.2);
    const ctx = (await source.contexts())[0];
    const targets: number[] = [];
    for (const ns of await source.namespaces(ctx)) {
      for (const w of await source.workloads(ctx, ns)) {
        for (const c of w.containers) {
          const a = fleet.allotment(w, c.name, 'cpu');
          if (!a) continue;
          assert.deepEqual(a.fleet, { target: 0.05, workloads: cpu.members });
          targets.push(a.target);
        }
      }
    }
    assert.equal(targets.length, cpu.members);
    assert.ok(Math.abs(mean(targets) - 0.05) < 1e-9, `mean ${mean(targets)}`);
    assert.ok(targets.every((t) => t <= 0.2 + 1e-12) && new Set(targets).size > 1, String(targets));
  });

  it('an idle workload is held at the fleet target, so the busy ones keep to the budget (not N/(N − 1) of it)', async () => {
    const { allocateFleet } = await import('../../src/rightsizing/engine/fleet-strategy');
    const rng = new Rng(11);
    const make = (scale: number): Series => {
      const t: number[] = [], v: number[] = [];
      for (let i = 0; i < 21 * 288; i++) { t.push(i * 300); v.push(scale * (1 + 0.5 * Math.sin(i / 40) + (rng.next() < 0.03 ? 2 : 0.2 * rng.next()))); }
      return series(t, v);
    };
    const members = [make(1), make(0.3), make(0)].map((usage) => ({ usage }));
    const alloc = allocateFleet('cpu', members, { target: 0.05 }, 21 * DAY, { historyDays: 14 });
    assert.equal(alloc.targets[2], 0.05, `the idle workload: ${alloc.targets[2]}`);
    assert.ok(Math.abs((alloc.targets[0] + alloc.targets[1]) / 2 - 0.05) < 1e-9, `the busy ones: ${alloc.targets.slice(0, 2)}`);
  });

  it('the evidence says the workload\'s own allotment within the fleet\'s budget', async () => {
    const { riskTargetNote } = await import('../../src/core/advice-text');
    const note = riskTargetNote({ measure: 'exceedance', target: 0.12, expected: 0.118, calibrationDays: 13, fleet: { target: 0.05, workloads: 23 } });
    assert.match(note, /^this workload: ≈12% of the time above the request, within the fleet's 5% budget \(mean over 23 workloads\), calibrated on 13 days/);
    const plain = riskTargetNote({ measure: 'exceedance', target: 0.05, expected: 0.05, calibrationDays: 13 });
    assert.match(plain, /^risk target ≤5% of the time/);
  });

  it('refuses a cap without the fleet scope, an unknown scope, and the fleet scope in-cluster', async () => {
    const { recommendCommand } = await import('../../src/cli/commands/recommend');
    const base = { source: 'demo', format: 'table', qos: 'Burstable', cpuMargin: '0', memoryMargin: '0', historyDays: '14', strategy: 'mora', model: 'none', cpuStep: '5m', memoryStep: '1Mi', cpuMin: '10m', memoryMin: '32Mi', quiet: true };
    await assert.rejects(recommendCommand({ ...base, riskScope: 'cluster' }), /--risk-scope must be workload or fleet/);
    await assert.rejects(recommendCommand({ ...base, cpuRiskCap: '0.2' }), /go with --risk-scope fleet/);
    await assert.rejects(recommendCommand({ ...base, riskScope: 'fleet', inCluster: true }), /not available with --in-cluster/);
  });
});
