/**
 * Replica advice reads the CPU risk target once: the per-replica capacity never moves with the target (nor with the
 * recommended request, which does), a looser target never gives more replicas, and under a fleet budget the count uses
 * the workload's own CPU target. docs/ENGINE.md § Replicas.
 */
import { strict as assert } from 'node:assert';
import { Rng } from '../../src/core/random';
import { series, type Series } from '../../src/core/series';
import type { Workload } from '../../src/core/workload';
import { recommendWorkload, type Policy } from '../../src/rightsizing/engine';
import { recommendReplicas } from '../../src/rightsizing/engine/replicas';

const DAY = 86400;
const NOW = 30 * DAY;
const STEP = 300;
const TARGETS = [0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5];

/** 14 days of load (req/s): a daily wave with noise and rare bursts. */
function load(seed: number, scale = 100): Series {
  const rng = new Rng(seed);
  const t: number[] = [], v: number[] = [];
  for (let x = NOW - 14 * DAY; x < NOW; x += STEP) {
    const wave = 1 + 0.5 * Math.sin((2 * Math.PI * x) / DAY);
    const burst = rng.next() < 0.005 ? 0.8 * rng.next() : 0;
    t.push(x); v.push(Math.max(0, scale * (wave + burst) * (1 + 0.08 * rng.normal())));
  }
  return series(t, v);
}

/** Per-pod CPU of `replicas` pods carrying `rps`: `idle` + `perRps` per req/s (cores), with noise. */
function podCpu(rps: Series, replicas: number, seed: number, idle = 0.01, perRps = 0.002): Series {
  const rng = new Rng(seed);
  return series(rps.t, Array.from(rps.v, (x) => Math.max(0, (idle + perRps * (x / replicas)) * (1 + 0.05 * rng.normal()))));
}

function workload(replicas: number, cpuRequest: number, cpuLimit: number): Workload {
  return {
    context: 'test', namespace: 'ns', kind: 'Deployment', name: 'api', replicas,
    containers: [{ name: 'app', resources: { requests: { cpu: cpuRequest }, limits: { cpu: cpuLimit } } }],
  };
}

async function countsOver(targets: number[], w: Workload, rps: Series, cpu: Series, policy: Partial<Policy> = {}) {
  const ready = series(rps.t, Array.from(rps.t, () => w.replicas));
  const out = [];
  for (const cpuRisk of targets) {
    const r = await recommendWorkload({ workload: w, containers: [{ name: 'app', cpu }], requestRate: rps, readyReplicas: ready, now: NOW }, { ...policy, cpuRisk });
    out.push({ cpuRisk, rec: r.recommendation.replicas!, request: r.recommendation.containers[0].cpu!.request.value });
  }
  return out;
}

const monotone = (counts: number[]): boolean => counts.every((n, i) => i === 0 || n <= counts[i - 1]);

describe('replica advice reads the risk target once', function () {
  this.timeout(60000);

  it('a looser target never gives more replicas, over a grid of targets on generated load (several seeds, 1–3 replicas)', async () => {
    // Small pods (2m idle + 0.1m per req/s, requests of 10–20m, as the demo's redis-cart): the 5m rounding of the
    // recommended request used to decide "load ÷ the capacity at that request" (2 3 3 3 3 3 3 2 2 replicas over the grid).
    const all = [];
    for (const [seed, replicas] of [[1, 3], [3, 3], [6, 3], [2, 2], [4, 1], [5, 2]] as const) {
      const rps = load(seed, 40 * replicas);
      all.push({ seed, replicas, runs: await countsOver(TARGETS, workload(replicas, 0.5, 2), rps, podCpu(rps, replicas, seed + 100, 0.002, 0.0001)) });
    }
    const seen = all.map(({ seed, runs }) => `seed ${seed}: ${runs.map((x) => x.rec.recommended.value).join(' ')}`);
    assert.ok(all.every(({ runs }) => monotone(runs.map((x) => x.rec.recommended.value))), seen.join('; '));
    // The request covers its need at every target: the count it was sized for is kept, at the request's own risk.
    for (const { seed, replicas, runs } of all) {
      for (const { cpuRisk, rec } of runs) {
        assert.equal(rec.recommended.value, replicas, `seed ${seed} at ${cpuRisk}: ${rec.reason}`);
        assert.equal(rec.risk!.target, cpuRisk);
        assert.match(rec.reason, /the count is kept/);
      }
    }
  });

  it('a request held below its need (a kept CPU limit): more replicas carry the rest, fewer at looser targets', async () => {
    // 2 pods whose CPU needs ~0.19 cores at the peak, under a 100m limit that is kept: the request stays at 100m.
    const rps = load(7, 160);
    const runs = await countsOver(TARGETS, workload(2, 0.05, 0.1), rps, podCpu(rps, 2, 107));
    const counts = runs.map((x) => x.rec.recommended.value);
    assert.ok(monotone(counts), counts.join(' '));
    assert.ok(counts[0] > 2, `the strictest target needs more than the current 2: ${counts.join(' ')}`);
    for (const { rec, request } of runs) {
      assert.equal(request, 0.1);
      if (rec.recommended.value > 2) assert.match(rec.reason, /^the recommended CPU request 100m is held below the \d+m a pod needs at the current 2 replicas/);
    }
  });

  it('the per-replica capacity does not move with the target nor with the recommended request (no HPA)', () => {
    const rps = load(8, 120).v;
    const ready = new Float64Array(rps.length).fill(3);
    const cpuPerPod = Float64Array.from(rps, (x) => 0.01 + 0.002 * (x / 3));
    const capacities = new Set<string>();
    const counts: number[] = [];
    for (const cpuRisk of TARGETS) {
      // The recommended request shrinks as the target loosens (as the engine's does); the capacity must not follow it.
      const cpuRequest = 0.2 * (1 - cpuRisk);
      const r = recommendReplicas({
        current: 3, requestRate: rps, readyReplicas: ready, cpuPerPod, cpuRequest, targetCpuUtilization: 1, cpuRisk,
        measuredLoadModel: { a: 0.01, b: 0.002, source: 'experiment plan shop', capacity: { estimate: 70, lower: 65, upper: 75, bound: 'bracketed', slo: 'p95 ≤ 100 ms' } },
      })!;
      capacities.add(/÷ ([\d.]+) req\/s per replica/.exec(r.reason)![1]);
      counts.push(r.recommended.value);
    }
    assert.deepEqual([...capacities], ['70.0']);
    assert.ok(monotone(counts), counts.join(' '));
  });

  it('under a fleet budget the count uses the workload\'s own CPU target, as its request does', async () => {
    const rps = load(9, 160);
    const allotment: Policy['riskAllotment'] = (_w, _c, kind) => (kind === 'cpu' ? { target: 0.3, fleet: { target: 0.05, workloads: 4 } } : undefined);
    const [own] = await countsOver([0.05], workload(2, 0.05, 0.1), rps, podCpu(rps, 2, 109), { riskAllotment: allotment });
    assert.equal(own.rec.risk!.target, 0.3);
    assert.match(own.rec.reason, /CPU risk target \(≤30% of the time/);
    const [alone] = await countsOver([0.3], workload(2, 0.05, 0.1), rps, podCpu(rps, 2, 109));
    assert.equal(own.rec.recommended.value, alone.rec.recommended.value);
    assert.equal(own.request, alone.request);
  });
});
