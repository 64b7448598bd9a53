import { strict as assert } from 'node:assert';
import { verdictLabel } from '../../src/core/advice-text';
import { Rng } from '../../src/core/random';
import { series, type Series } from '../../src/core/series';
import type { Workload } from '../../src/core/workload';
import { checkForecast, estimateCapacity, hpaDesired, recommendWorkload, resolvePolicy, PolicyError, type ForecastProvider } from '../../src/rightsizing/engine';
import { forecastQuantile } from '../../src/rightsizing/engine/forecast-choice';
import type { Forecast, Forecaster } from '../../src/ml/forecast-types';
import { ForecastGuardedStrategy } from '../../src/rightsizing/engine/forecast-strategy';
import { MoraStrategy } from '../../src/rightsizing/engine/mora-strategy';
import { replay } from '../../src/rightsizing/replay/replay';
import { summarize } from '../../src/rightsizing/replay/score';
import { levelModel } from './helpers/level-model';

const DAY = 86400;
const MiB = 2 ** 20;
const NOW = 20 * DAY;

function gen(days: number, f: (t: number, rng: Rng) => number, seed: number, step = 300): Series {
  const rng = new Rng(seed);
  const t: number[] = [], v: number[] = [];
  for (let x = NOW - days * DAY; x < NOW; x += step) { t.push(x); v.push(f(x, rng)); }
  return series(t, v);
}

function workload(over: Partial<Workload> = {}): Workload {
  return {
    context: 'test', namespace: 'ns', kind: 'Deployment', name: 'api', replicas: 2,
    containers: [{ name: 'app', resources: { requests: { cpu: 1, memory: 2048 * MiB }, limits: { cpu: 2, memory: 4096 * MiB } } }],
    ...over,
  };
}

const daily = (t: number): number => 1 + 0.5 * Math.sin((2 * Math.PI * t) / DAY);
const cpuSeries = (seed = 1): Series => gen(14, (t, r) => 0.2 * daily(t) * (1 + 0.1 * r.normal()), seed);
const memSeries = (seed = 2): Series => gen(14, (t, r) => 400 * MiB * (1 + 0.05 * daily(t)) * (1 + 0.01 * r.normal()), seed);

describe('engine', () => {
  it('sizes an over-provisioned container near its usage, rounded to 5m / 1Mi, with evidence', async () => {
    const cpu = cpuSeries(), memory = memSeries();
    const r = await recommendWorkload({ workload: workload(), containers: [{ name: 'app', cpu, memory }], now: NOW });
    const c = r.recommendation.containers[0];
    assert.equal(c.verdict, 'over-provisioned');
    const cpuReq = c.cpu!.request.value;
    const cpuMax = Math.max(...cpu.v);
    // Calibrated to the default 5% exceedance: near the p95 of a stationary series (no fixed +5% on top any more).
    assert.ok(cpuReq > 0.9 * c.cpu!.evidence.observed.p95 && cpuReq < cpuMax * 1.3, `cpu ${cpuReq}`);
    assert.deepEqual({ ...c.cpu!.evidence.risk, expected: 0 }, { measure: 'exceedance', target: 0.05, expected: 0, calibrationDays: 13 });
    assert.ok(c.cpu!.evidence.risk!.expected <= 0.05 && c.cpu!.evidence.risk!.expected > 0.02, `expected ${c.cpu!.evidence.risk!.expected}`);
    assert.equal(c.memory!.evidence.risk!.measure, 'oom-days');
    assert.equal(c.memory!.evidence.risk!.target, 0.01);
    assert.ok(Math.abs(Math.round(cpuReq / 0.005) * 0.005 - cpuReq) < 1e-9, 'cpu on a 5m step');
    const memLim = c.memory!.limit!.value;
    assert.ok(memLim >= Math.max(...memory.v) && memLim < Math.max(...memory.v) * 1.45, `mem ${memLim / MiB}Mi`);
    assert.equal(memLim % MiB, 0);
    assert.ok(c.memory!.request.value <= memLim);
    assert.ok(c.cpu!.request.lower <= cpuReq && cpuReq <= c.cpu!.request.upper);
    assert.ok(c.cpu!.evidence.replay && c.cpu!.evidence.replay.days >= 3);
    assert.ok(c.confidence > 0.5 && c.confidence <= 1);
    assert.ok(r.savings.cpuRequest > 0 && r.savings.memoryRequest > 0);
    assert.equal(c.cpu!.limit, undefined, 'Burstable with CPU limits off sets no CPU limit');
  });

  it('a kept CPU limit below the need holds the request at the limit (Kubernetes rejects a request above its limit) and says why', async () => {
    const cpu = cpuSeries(), memory = memSeries();
    const limited = workload({ containers: [{ name: 'app', resources: { requests: { cpu: 0.05, memory: 2048 * MiB }, limits: { cpu: 0.1, memory: 4096 * MiB } } }] });
    const c = (await recommendWorkload({ workload: limited, containers: [{ name: 'app', cpu, memory }], now: NOW })).recommendation.containers[0];
    assert.equal(c.cpu!.request.value, 0.1, 'held at the 100m limit');
    assert.ok(c.cpu!.request.lower <= 0.1 && c.cpu!.request.upper > 0.1, 'the bounds still show the need above the limit');
    assert.equal(c.cpu!.limit, undefined, 'the limit itself is not set (CPU limits off)');
    assert.ok(c.cpu!.evidence.notes.some((n) => /above the CPU limit 100m.*held at the limit/.test(n)), c.cpu!.evidence.notes.join(' | '));
    // With CPU limits on, MOrA sets both, so nothing is held.
    const own = (await recommendWorkload({ workload: limited, containers: [{ name: 'app', cpu, memory }], now: NOW }, { cpuLimits: true })).recommendation.containers[0];
    assert.ok(own.cpu!.request.value > 0.1 && own.cpu!.limit!.value >= own.cpu!.request.value);
  });

  it('the risk target reaches the values: a tighter one raises them and says so; baselines and snapshots carry no risk statement', async () => {
    const cpu = cpuSeries(), memory = memSeries();
    const at = (p: Parameters<typeof recommendWorkload>[1], snapshot = false) => recommendWorkload({ workload: workload(), containers: [{ name: 'app', cpu, memory }], now: NOW, snapshot }, p).then((r) => r.recommendation.containers[0]);
    const loose = await at({ cpuRisk: 0.2, memoryRisk: 0.2 }), tight = await at({ cpuRisk: 0.005, memoryRisk: 0.005 });
    assert.ok(tight.cpu!.request.value > loose.cpu!.request.value && tight.memory!.limit!.value > loose.memory!.limit!.value);
    assert.equal(tight.cpu!.evidence.risk!.target, 0.005);
    assert.equal(loose.memory!.evidence.risk!.target, 0.2);
    assert.ok(loose.cpu!.evidence.risk!.expected > tight.cpu!.evidence.risk!.expected);
    for (const strategy of ['vpa', 'krr', 'autopilot'] as const) {
      const c = await at({ strategy });
      assert.equal(c.cpu!.evidence.risk, undefined, strategy);
      assert.equal(c.memory!.evidence.risk, undefined, strategy);
    }
    const snap = await at({}, true);
    assert.equal(snap.cpu?.evidence.risk, undefined);
  });

  it('Guaranteed QoS: requests equal limits', async () => {
    const r = await recommendWorkload({ workload: workload(), containers: [{ name: 'app', cpu: cpuSeries(), memory: memSeries() }], now: NOW }, { qos: 'Guaranteed' });
    const c = r.recommendation.containers[0];
    assert.equal(c.cpu!.limit!.value, c.cpu!.request.value);
    assert.equal(c.memory!.limit!.value, c.memory!.request.value);
  });

  it('respects floors (10m and 32Mi per container) and caps', async () => {
    const tiny = gen(14, () => 0.001, 3);
    const small = gen(14, () => 10 * MiB, 4);
    const w = workload({ containers: [{ name: 'a', resources: { requests: {}, limits: {} } }, { name: 'b', resources: { requests: {}, limits: {} } }] });
    const r = await recommendWorkload({ workload: w, containers: [{ name: 'a', cpu: tiny, memory: small }, { name: 'b', cpu: tiny, memory: small }], now: NOW });
    for (const c of r.recommendation.containers) {
      // Per container, not a per-pod floor split over the containers.
      assert.ok(Math.abs(c.cpu!.request.value - 0.01) < 1e-9, `cpu floor, got ${c.cpu!.request.value}`);
      assert.equal(c.memory!.limit!.value, 32 * MiB);
    }
    const capped = await recommendWorkload({ workload: workload(), containers: [{ name: 'app', cpu: cpuSeries() }], now: NOW },
      { cpu: { step: 0.005, min: 0, max: 0.1 } });
    assert.equal(capped.recommendation.containers[0].cpu!.request.value, 0.1);
  });

  it('keeps a sidecar near its usage, and says so next to the verdict when a floor lifts a value above twice the peak', async () => {
    // A proxy sidecar using ~25 MiB and ~20m next to an app: the floors must not inflate it.
    const w = workload({ containers: [
      { name: 'app', resources: { requests: { cpu: 0.5, memory: 512 * MiB }, limits: { memory: 512 * MiB } } },
      { name: 'proxy', resources: { requests: { cpu: 0.05, memory: 64 * MiB }, limits: { memory: 64 * MiB } } },
    ] });
    const proxyCpu = gen(14, (t, r) => 0.02 * daily(t) * (1 + 0.05 * r.normal()), 5);
    const proxyMem = gen(14, (_t, r) => 25 * MiB * (1 + 0.02 * r.normal()), 6);
    const r = await recommendWorkload({ workload: w, now: NOW, containers: [
      { name: 'app', cpu: cpuSeries(), memory: memSeries() }, { name: 'proxy', cpu: proxyCpu, memory: proxyMem },
    ] });
    const proxy = r.recommendation.containers[1];
    assert.ok(proxy.memory!.limit!.value < 1.5 * Math.max(...proxyMem.v), `proxy memory limit ${proxy.memory!.limit!.value / MiB}Mi`);
    assert.equal(proxy.raisedToFloor, undefined, 'a floor below twice the peak is not worth a note');

    // A tiny container (2 MiB, 1m) raised to the floors: the verdict carries the note, in the JSON type and in words.
    const idle = await recommendWorkload({ workload: workload({ containers: [{ name: 'app', resources: { requests: { cpu: 0.01, memory: 32 * MiB }, limits: {} } }] }),
      now: NOW, containers: [{ name: 'app', cpu: gen(14, () => 0.001, 7), memory: gen(14, () => 2 * MiB, 8) }] });
    const c = idle.recommendation.containers[0];
    assert.equal(c.verdict, 'ok');
    assert.deepEqual(c.raisedToFloor!.map((f) => f.resource), ['cpu', 'memory']);
    assert.equal(verdictLabel(c), 'ok (raised to floor)');
    assert.match(verdictLabel(c, true), /^ok \(CPU raised to the 10m floor \(10\.0× the observed peak 1m\); memory raised to the 32Mi floor \(16\.0× the observed peak 2Mi\)\)$/);
  });

  it('OOM kills raise memory to at least VPA\'s OOM rule', async () => {
    const memory = memSeries();
    const peak = Math.max(...memory.v);
    const w = workload({ containers: [{ name: 'app', resources: { requests: { memory: 300 * MiB }, limits: { memory: 600 * MiB } } }] });
    const r = await recommendWorkload({ workload: w, containers: [{ name: 'app', memory, oomKills: [NOW - DAY] }], now: NOW });
    const c = r.recommendation.containers[0];
    const used = Math.max(600 * MiB, peak);
    assert.ok(c.memory!.limit!.value >= Math.max(used + 100 * MiB, used * 1.2));
    assert.equal(c.verdict, 'at-risk');
    assert.ok(c.memory!.evidence.notes.some((n) => n.includes('OOM')));
  });

  it('CPU throttling raises the CPU request', async () => {
    const cpu = gen(14, () => 0.3, 5);
    const throttled = series(cpu.t, Array.from(cpu.t, () => 0.4));
    const plain = await recommendWorkload({ workload: workload(), containers: [{ name: 'app', cpu }], now: NOW });
    const th = await recommendWorkload({ workload: workload(), containers: [{ name: 'app', cpu, throttling: throttled }], now: NOW });
    assert.ok(th.recommendation.containers[0].cpu!.request.value > plain.recommendation.containers[0].cpu!.request.value * 1.3);
  });

  it('uses a forecast only where it beats the moving window on the last day', async () => {
    // Memory steps up 25% at the start of the last day. A forecast that saw it coming covers the day; the window
    // (built on 13 flat days) would have OOMed, so the forecast is used. One that forecasts too little never is:
    // for memory a forecast may only raise the limit above the window's.
    const level = (t: number): number => (t >= NOW - DAY ? 500 : 400) * MiB;
    const mem = gen(14, (t, r) => level(t) * (1 + 0.003 * r.normal()), 6);
    const knows = (scale: number): ForecastProvider => async (h, horizon, step) => {
      const t = Float64Array.from({ length: horizon }, (_, i) => h.t[h.t.length - 1] + (i + 1) * step);
      const mean = Float64Array.from(t, (x) => scale * level(x));
      return { t, mean, lower: mean, upper: Float64Array.from(mean, (m) => m * 1.02), intervalWidth: 0.9 } satisfies Forecast;
    };
    const w = workload();
    const good = await recommendWorkload({ workload: w, containers: [{ name: 'app', memory: mem }], now: NOW }, {}, { forecast: { provider: knows(1), method: 'trend' } });
    const low = await recommendWorkload({ workload: w, containers: [{ name: 'app', memory: mem }], now: NOW }, {}, { forecast: { provider: knows(0.5), method: 'low' } });
    assert.equal(good.recommendation.containers[0].memory!.evidence.method, 'trend');
    const b = low.recommendation.containers[0].memory!;
    assert.equal(b.evidence.method, 'moving-window');
    assert.ok(b.evidence.notes.some((n) => n.includes('did not beat the moving window')));
  });

  it('reads a CPU forecast at the window base\'s quantile, so an exact forecast asks what the window asks', async () => {
    // A daily cycle with known noise, and a forecaster that knows both: its predictive distribution is the series'.
    // The window's base is the p90 of usage (body base at a 5% target); the forecast, standing in for it, must be read
    // at the same quantile. Its band's p99 (the need before) sits at the day's peak plus noise, ~12% above, and times
    // the window's k wasted more than the window on almost every last day (2 of 400 values used a forecast).
    const mu = (t: number): number => 1 + 0.5 * Math.sin((2 * Math.PI * t) / DAY), sigma = 0.1;
    const cpu = gen(14, (t, r) => mu(t) + sigma * r.normal(), 11);
    const exact: ForecastProvider = async (h, horizon, step) => {
      const t = Float64Array.from({ length: horizon }, (_, i) => h.t[h.t.length - 1] + (i + 1) * step);
      const mean = Float64Array.from(t, mu);
      return { t, mean, lower: Float64Array.from(mean, (m) => m - 1.645 * sigma), upper: Float64Array.from(mean, (m) => m + 1.645 * sigma), intervalWidth: 0.9 } satisfies Forecast;
    };
    const use = (await checkForecast('cpu', cpu, NOW, exact, 'exact'))!;
    const window = new MoraStrategy('cpu');
    window.observe(cpu.t, cpu.v);
    const base = window.explain(NOW)!.base;
    assert.ok(Math.abs(use.need / base - 1) < 0.04, `forecast need ${use.need.toFixed(3)} vs the window's base ${base.toFixed(3)}`);
    // The quantile itself: a flat forecast N(1, 0.1²) has its p90 at 1 + 1.2816 × 0.1.
    const flat = { t: Float64Array.from([1, 2, 3]), mean: Float64Array.from([1, 1, 1]), lower: Float64Array.from([0.8355, 0.8355, 0.8355]), upper: Float64Array.from([1.1645, 1.1645, 1.1645]), intervalWidth: 0.9 };
    assert.ok(Math.abs(forecastQuantile(flat, 0.9) - 1.128) < 0.001, `p90 ${forecastQuantile(flat, 0.9)}`);
    // A tight target reads the base far in the tail (q = 0.99 at --cpu-risk 0.005): 1 + 2.3263 × 0.1, not a coarse grid's edge.
    assert.ok(Math.abs(forecastQuantile(flat, 0.99) - 1.2326) < 0.001, `p99 ${forecastQuantile(flat, 0.99)}`);
  });

  it('gives HPA advice for a workload with an HPA and a replica count otherwise', async () => {
    const rng = new Rng(8);
    const rps = gen(14, (t) => 100 * daily(t), 9);
    const ready = series(rps.t, Array.from(rps.t, () => 2));
    const cpu = series(rps.t, Array.from(rps.v, (x) => 0.01 + 0.002 * (x / 2) * (1 + 0.03 * rng.normal())));
    const base = { containers: [{ name: 'app', cpu }], requestRate: rps, readyReplicas: ready, now: NOW };
    const withHpa = await recommendWorkload({ ...base, workload: workload({ hpa: { minReplicas: 1, maxReplicas: 10, targetCpuUtilization: 0.6 } }) });
    const hpa = withHpa.recommendation.replicas!.hpa!;
    assert.ok(hpa.minReplicas >= 2 && hpa.minReplicas <= hpa.maxReplicas);
    assert.equal(hpa.targetCpuUtilization, 0.6);
    // The advice is phrased against the HPA as it runs.
    assert.deepEqual(hpa.current, { minReplicas: 1, maxReplicas: 10, targetCpuUtilization: 0.6 });
    const fixed = await recommendWorkload({ ...base, workload: workload() });
    const rep = fixed.recommendation.replicas!;
    assert.equal(rep.hpa, undefined);
    assert.ok(rep.recommended.value >= 2 && rep.recommended.lower <= rep.recommended.value && rep.recommended.value <= rep.recommended.upper);
  });

  it('sizes replicas to the policy\'s CPU risk target (a looser target never asks for more replicas)', async () => {
    const rps = gen(14, (t, r) => 100 * daily(t) * (1 + 0.2 * r.normal()), 9);
    const ready = series(rps.t, Array.from(rps.t, () => 4));
    const cpu = series(rps.t, Array.from(rps.v, (x) => 0.01 + 0.002 * (x / 4)));
    const input = { containers: [{ name: 'app', cpu }], requestRate: rps, readyReplicas: ready, measuredCapacity: 30, now: NOW, workload: workload() };
    const at = async (cpuRisk: number) => (await recommendWorkload(input, { cpuRisk })).recommendation.replicas!.recommended.value;
    const tight = await at(0.005), loose = await at(0.3);
    assert.ok(tight > loose, `replicas at 0.5% risk ${tight} should exceed those at 30% ${loose}`);
  });

  it('HPA formula: ceil(current × metric / target) outside a 10% tolerance', () => {
    assert.equal(hpaDesired(3, 0.9, 0.6), 5);
    assert.equal(hpaDesired(3, 0.65, 0.6), 3);
    assert.equal(hpaDesired(4, 0.2, 0.6), 2);
  });

  it('estimates per-replica capacity from a CPU-vs-load line', () => {
    const x = Array.from({ length: 50 }, (_, i) => i);
    const y = x.map((r) => 0.05 + 0.01 * r);
    const est = estimateCapacity(x, y, 0.5, 0.7)!;
    // (0.7 × 0.5 − 0.05) / 0.01 = 30 req/s
    assert.ok(Math.abs(est.capacity - 30) < 1e-9);
  });

  it('rejects invalid policies with a message naming the setting', () => {
    assert.throws(() => resolvePolicy({ historyDays: 0 }), (e: unknown) => e instanceof PolicyError && /historyDays/.test(e.message));
    assert.throws(() => resolvePolicy({ cpuMargin: -1 }), /cpuMargin/);
    assert.equal(resolvePolicy({ qos: 'Guaranteed' }).cpuLimits, true);
  });
});

describe('MOrA guarded by a forecaster (backtest strategy)', () => {
  const DAYS = 20;
  // Memory grows 1.5× every 4 days (beyond the window's 40% margin cap), with a daily cycle.
  const level = (t: number): number => 400 * MiB * Math.pow(1.5, Math.floor(t / DAY / 4)) * (1 + 0.05 * Math.sin((2 * Math.PI * t) / DAY));
  const s = (() => { const t: number[] = [], v: number[] = []; for (let x = 0; x < DAYS * DAY; x += 300) { t.push(x); v.push(level(x)); } return series(t, v); })();
  const forecaster = (scale: number): Forecaster => ({
    name: 'fake',
    fit: (h) => levelModel(h.t[h.t.length - 1], level, scale),
  });

  it('applies a forecast that has been beating the window; a biased one only through its own calibrated margin', () => {
    const good = new ForecastGuardedStrategy('memory', forecaster(1));
    const low = new ForecastGuardedStrategy('memory', forecaster(0.5));
    const window = new MoraStrategy('memory');
    const [g, b, w] = replay(s, [good, low, window]);
    assert.ok(good.forecastDays > 0, 'the accurate forecast was never used');
    assert.ok(summarize(g.days).oomFreeShare > summarize(w.days).oomFreeShare);
    // Half the real need: its own ratios (usage / need ≈ 2) calibrate its margin, so it is never applied raw; memory
    // never goes below the window's value, and it does no worse than the window.
    b.days.forEach((d, i) => assert.ok(d.value >= w.days[i].value, `day ${i}: ${d.value / MiB} < ${w.days[i].value / MiB}`));
    assert.ok(summarize(b.days).oomFreeShare >= summarize(w.days).oomFreeShare);
  });

  it('holds a runaway forecast to twice the window rule\'s value', () => {
    const window = new MoraStrategy('memory');
    // Accurate for 12 days (so it is trusted), then a trend gone wild: 1000× the real level.
    let day = 0;
    const wild: Forecaster = { name: 'wild', fit: (h) => { day = Math.floor(h.t[h.t.length - 1] / DAY); return forecaster(day >= 12 ? 1000 : 1).fit(h); } };
    const strat = new ForecastGuardedStrategy('memory', wild, { evidenceDays: 3 });
    const [r, w] = replay(s, [strat, window]);
    assert.ok(strat.forecastDays > 0, 'the forecast was never trusted before it ran away');
    r.days.forEach((d, i) => assert.ok(d.value <= 2 * w.days[i].value * (1 + 1e-9), `day ${i}: ${(d.value / MiB).toFixed(0)} Mi > 2 × ${(w.days[i].value / MiB).toFixed(0)} Mi`));
  });
});
