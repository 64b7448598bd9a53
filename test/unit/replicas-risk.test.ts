/**
 * Replica advice on the same risk target as the CPU request: the fewest replicas whose measured per-replica capacity the
 * load per replica exceeds no more than the target share of the time. Tighter risk → more replicas (monotone), each
 * count keeps to its target and one fewer would not.
 */
import { strict as assert } from 'node:assert';
import { Rng } from '../../src/core/random';
import { finiteSorted } from '../../src/core/stats';
import { recommendReplicas, replicasForRisk } from '../../src/rightsizing/engine/replicas';

const RISKS = [0.5, 0.2, 0.1, 0.05, 0.02, 0.01, 0.005, 0.001];

/** Two weeks of per-minute load: a daily wave 50–250 req/s with noise and a few bursts. */
function load(seed = 3): Float64Array {
  const rng = new Rng(seed);
  return Float64Array.from({ length: 14 * 1440 }, (_, i) => {
    const wave = 150 - 100 * Math.cos((2 * Math.PI * (i % 1440)) / 1440);
    const burst = rng.next() < 0.003 ? 150 * rng.next() : 0;
    return Math.max(0, wave * (1 + 0.1 * rng.normal()) + burst);
  });
}

const share = (x: Float64Array, above: number): number => x.filter((v) => v > above).length / x.length;

describe('replica advice at the CPU risk target', () => {
  const rps = load();
  const sorted = finiteSorted(rps);
  const capacity = 20;

  it('keeps the per-replica load above capacity within the target, with the fewest replicas that do', () => {
    for (const risk of RISKS) {
      const { replicas, exceedance } = replicasForRisk(sorted, capacity, risk);
      assert.ok(exceedance <= risk, `risk ${risk}: ${replicas} replicas exceed ${exceedance}`);
      assert.equal(exceedance, share(rps, replicas * capacity));
      if (replicas > 1) assert.ok(share(rps, (replicas - 1) * capacity) > risk, `risk ${risk}: ${replicas - 1} replicas would do`);
    }
  });

  it('tighter risk → more replicas, never fewer', () => {
    const counts = RISKS.map((risk) => recommendReplicas({
      current: 4, requestRate: rps, readyReplicas: new Float64Array(rps.length).fill(4), measuredCapacity: capacity, targetCpuUtilization: 1, cpuRisk: risk,
    })!.recommended.value);
    for (let i = 1; i < counts.length; i++) assert.ok(counts[i] >= counts[i - 1], `counts ${counts.join(', ')}`);
    assert.ok(counts[counts.length - 1] > counts[0] + 3, `the risk changes the count: ${counts.join(', ')}`);
    // At 5% (the default), p95 of the load over the capacity.
    const def = recommendReplicas({ current: 4, requestRate: rps, readyReplicas: new Float64Array(rps.length).fill(4), measuredCapacity: capacity, targetCpuUtilization: 1 })!;
    assert.equal(def.recommended.value, counts[RISKS.indexOf(0.05)]);
    assert.match(def.reason, /^observed p95 load [\d.]+ req\/s ÷ 20\.0 req\/s per replica \(CPU risk target ≤5% of the time, per-replica load above capacity [\d.]+% of the time\)/);
    assert.ok(def.recommended.lower <= def.recommended.value && def.recommended.value <= def.recommended.upper);
  });

  it('a trusted forecast above the observed peak raises the count, scaled to the same quantile; still monotone', () => {
    const base = { current: 4, requestRate: rps, readyReplicas: new Float64Array(rps.length).fill(4), measuredCapacity: capacity, targetCpuUtilization: 1 };
    const plain = RISKS.map((cpuRisk) => recommendReplicas({ ...base, cpuRisk })!.recommended.value);
    const forecast = RISKS.map((cpuRisk) => recommendReplicas({ ...base, cpuRisk, forecastPeakLoad: 600 })!);
    forecast.forEach((r, i) => assert.ok(r.recommended.value >= plain[i]));
    for (let i = 1; i < forecast.length; i++) assert.ok(forecast[i].recommended.value >= forecast[i - 1].recommended.value);
    assert.match(forecast[3].reason, /^forecast peak 600\.0 req\/s scaled to the observed p95/);
  });

  it('an HPA keeps its advice wording; minReplicas ≤ the count at the target ≤ maxReplicas', () => {
    const r = recommendReplicas({
      current: 4, requestRate: rps, readyReplicas: new Float64Array(rps.length).fill(4), measuredCapacity: capacity, targetCpuUtilization: 0.7, cpuRisk: 0.01,
      hpa: { minReplicas: 2, maxReplicas: 6, targetCpuUtilization: 0.7 },
    })!;
    assert.match(r.hpa!.reason, new RegExp('^HPA: min covers the quietest 5% of load \\([\\d.]+ req/s\\), max 1\\.5 × the p99 load \\([\\d.]+ req/s\\), '
      + `counted in replicas of the per-replica capacity the experiment measured \\(${capacity.toFixed(1)} req/s\\), which does not move with the risk target; `
      + `max is at least the ${r.recommended.value} replicas the CPU risk target \\(≤1% of the time, the p99 load\\) needs; target 70% CPU of the recommended request$`));
    // Counted in a measured capacity, not in pods of a request: no pod size to name, max for 1.5 × the p99.
    assert.equal(r.hpa!.podRequest, undefined);
    assert.equal(r.hpa!.maxFor, '1.5 × the p99 load');
    assert.ok(r.hpa!.minReplicas <= r.recommended.value && r.recommended.value <= r.hpa!.maxReplicas, JSON.stringify(r));
  });

  it('HPA bounds: rules that do not read the target around the count at the target, as the reason says; max never below that count', () => {
    const hpa = (cpuRisk: number) => recommendReplicas({
      current: 4, requestRate: rps, readyReplicas: new Float64Array(rps.length).fill(4), measuredCapacity: capacity, targetCpuUtilization: 0.7, cpuRisk,
      hpa: { minReplicas: 2, maxReplicas: 6, targetCpuUtilization: 0.7 },
    })!;
    const all = RISKS.map(hpa);
    for (const [i, r] of all.entries()) {
      assert.ok(r.hpa!.maxReplicas >= r.recommended.value, `${RISKS[i]}: ${JSON.stringify(r.hpa)}`);
      assert.match(r.hpa!.reason, /which does not move with the risk target/);
      assert.ok(r.hpa!.reason.includes(`at least the ${r.recommended.value} replicas the CPU risk target`), r.hpa!.reason);
      // The min does not move with the risk (the quietest 5% of load).
      assert.equal(r.hpa!.minReplicas, all[0].hpa!.minReplicas);
    }
    // Rare bursts (0.5% of the time at 10×) above 1.5 × the p99: at a 0.1% target the count they need sets max.
    const bursty = Float64Array.from({ length: 14 * 1440 }, (_, i) => (i % 200 === 0 ? 1000 : 100));
    const r = recommendReplicas({
      current: 4, requestRate: bursty, readyReplicas: new Float64Array(bursty.length).fill(4), measuredCapacity: capacity, targetCpuUtilization: 0.7, cpuRisk: 0.001,
      hpa: { minReplicas: 2, maxReplicas: 6, targetCpuUtilization: 0.7 },
    })!;
    assert.equal(r.recommended.value, 50);
    assert.equal(r.hpa!.maxReplicas, 50, r.hpa!.reason);
    assert.match(r.hpa!.reason, /max 1\.5 × the p99 load \(100\.0 req\/s\), counted in replicas .*; max is at least the 50 replicas the CPU risk target \(≤0\.1% of the time, the p99\.9 load\) needs/);
    // maxReplicas is the target's count here, and the advice names that load level, not 1.5 × the p99.
    assert.equal(r.hpa!.maxFor, 'the p99.9 load (the CPU risk target\'s)');
  });
});
