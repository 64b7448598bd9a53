/**
 * An HPA workload's CPU request leaves its pods room for load (docs/ENGINE.md § Replicas): the HPA adds a pod when a
 * pod's CPU reaches its target × the request, so a request the risk target sizes near the idle CPU ÷ that target leaves
 * a pod next to no load, and bounds counted in such pods grow without bound. At 167ff58, on load drawn with a 50m idle
 * CPU under 100m pods (seed 46): 80m and HPA 14–89 at 5%, 75m and 34–225 at 20% (≈17 cores where the history ran at most
 * 22 pods of 100m), and at 50% 70m with 'per-replica capacity could not be measured' (the capacity was ≤ 0, not
 * unmeasured); 60m idle under 120m (seed 47) at 50%: 85m, 8,531 replicas, HPA 3157–21917 of 0.0 req/s. Now the request
 * is raised to the smallest at which a pod carries as much load as it idles (the HPA's target × request ≥ 2 × idle: the
 * same at every target), the CPU evidence says why, and where a kept CPU limit holds the request below that, the HPA
 * keeps its bounds with the reason. Generated series only.
 */
import { strict as assert } from 'node:assert';
import { Rng } from '../../src/core/random';
import { series, type Series } from '../../src/core/series';
import type { HpaSpec, Workload } from '../../src/core/workload';
import { recommendWorkload } from '../../src/rightsizing/engine';

const DAY = 86400;
const NOW = 30 * DAY;
const STEP = 300;
const UTIL = 0.7;
const PER_RPS = 0.002;

interface History { rps: Series; ready: Series; cpu: Series }

/**
 * 167ff58's generator (test/unit/replicas-hpa-pod-size.test.ts): 14 days under an HPA on CPU (70% of `request`, 2–40
 * pods), per-pod CPU = idle + perRps × load per pod (± 5%), a daily wave of ±60% around 100 req/s and rare bursts.
 */
function hpaHistory(seed: number, request: number, idle: number, perRps: number): History {
  const rng = new Rng(seed);
  const t: number[] = [], rps: number[] = [], ready: number[] = [], cpu: number[] = [];
  let prev = 100;
  for (let x = NOW - 14 * DAY; x < NOW; x += STEP) {
    const burst = rng.next() < 0.01 ? 0.6 * rng.next() : 0;
    const l = Math.max(0, 100 * (1 + 0.6 * Math.sin((2 * Math.PI * x) / DAY) + burst + 0.08 * rng.normal()));
    const r = Math.min(40, Math.max(2, Math.ceil((perRps * prev) / (UTIL * request - idle))));
    t.push(x); rps.push(l); ready.push(r); cpu.push(Math.max(0, (idle + (perRps * l) / r) * (1 + 0.05 * rng.normal())));
    prev = l;
  }
  return { rps: series(t, rps), ready: series(t, ready), cpu: series(t, cpu) };
}

const q = (sorted: Float64Array, p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];

function workload(request: number, limit: number): Workload {
  const hpa: HpaSpec = { minReplicas: 2, maxReplicas: 40, targetCpuUtilization: UTIL };
  return {
    context: 'test', namespace: 'ns', kind: 'Deployment', name: 'api', replicas: 4, hpa,
    containers: [{ name: 'app', resources: { requests: { cpu: request }, limits: { cpu: limit } } }],
  };
}

describe('an HPA workload\'s CPU request leaves its pods room for load', function () {
  this.timeout(120000);

  it('idle CPU 50m / 60m of 100m / 120m pods at 5%, 20%, 50%: the request raised past 2 × idle ÷ 70%, bounded, explained HPA advice', async () => {
    const seen: string[] = [];
    let ok = true;
    const fail = (msg: string) => { ok = false; seen.push(msg); };
    for (const [seed, request, idle] of [[46, 0.1, 0.05], [47, 0.12, 0.06]] as const) {
      const h = hpaHistory(seed, request, idle, PER_RPS);
      const load = Float64Array.from(h.rps.v).sort();
      const headroom = 1.5 * q(load, 0.99);
      const mostReady = Math.max(...h.ready.v);
      let prev: number | undefined;
      for (const cpuRisk of [0.05, 0.2, 0.5]) {
        const r = await recommendWorkload({ workload: workload(request, 2), containers: [{ name: 'app', cpu: h.cpu }], requestRate: h.rps, readyReplicas: h.ready, now: NOW }, { cpuRisk });
        const cpu = r.recommendation.containers[0].cpu!;
        const rep = r.recommendation.replicas!;
        const got = cpu.request.value;
        const m = `${Math.round(got * 1000)}m`;
        // The load one pod of the recommended request takes at the HPA's target (the model the history was drawn from).
        const c = (UTIL * got - idle) / PER_RPS;
        const at = `seed ${seed} at ${cpuRisk}: ${m}, ${rep.recommended.value} [${rep.hpa?.minReplicas}–${rep.hpa?.maxReplicas}] × ${c.toFixed(1)} req/s`;
        seen.push(at);
        // The request is at least the idle bound (a pod carries as much load as it idles), up to the fitted line's noise.
        if (c < 0.95 * idle / PER_RPS) fail(`${at}: a pod carries less than the ${(idle / PER_RPS).toFixed(1)} req/s it idles`);
        // One floor at every target: a looser target never gives a larger request.
        if (prev !== undefined && got > prev + 1e-9) fail(`${at}: above the stricter target's ${Math.round(prev * 1000)}m`);
        prev = got;
        // The CPU evidence says why the request was raised, with the HPA's target and the idle CPU.
        if (!cpu.evidence.notes.some((n) => /^raised from \d+m to \d+m for the HPA: it adds a pod at 70% CPU of the request and a pod idles at \d+m/.test(n))) fail(`${at}: no note: ${cpu.evidence.notes.join(' / ')}`);
        if (!rep.hpa || /could not be measured/.test(rep.hpa.reason)) { fail(`${at}: ${rep.hpa?.reason}`); continue; }
        // Bounded: max × capacity covers 1.5 × the p99 load within one pod, counted in the recommended pods, and no
        // more pods than the history ran of smaller ones.
        if (rep.hpa.maxReplicas * c < 0.97 * headroom) fail(`${at}: max below 1.5 × p99 ${headroom.toFixed(0)}`);
        if ((rep.hpa.maxReplicas - 1) * c > 1.03 * headroom) fail(`${at}: max a pod or more above 1.5 × p99 ${headroom.toFixed(0)}`);
        if (rep.hpa.maxReplicas > mostReady) fail(`${at}: max above the ${mostReady} pods of ${request * 1000}m the history ran`);
        if (rep.hpa.podRequest !== got || !rep.hpa.reason.includes(`counted in pods of the recommended ${m} CPU request`)) fail(`${at}: ${rep.hpa.reason}`);
      }
    }
    assert.ok(ok, seen.join('; '));
  });

  it('a kept CPU limit that holds the request below the idle bound: the HPA keeps its bounds, and the reason says why', async () => {
    const h = hpaHistory(46, 0.1, 0.05, PER_RPS);
    // CPU limits are off by default, so the container's 80m limit is kept and the request may not exceed it.
    const r = await recommendWorkload({ workload: workload(0.1, 0.08), containers: [{ name: 'app', cpu: h.cpu }], requestRate: h.rps, readyReplicas: h.ready, now: NOW }, { cpuRisk: 0.2 });
    const cpu = r.recommendation.containers[0].cpu!;
    const rep = r.recommendation.replicas!;
    assert.ok(cpu.request.value <= 0.08 + 1e-9, JSON.stringify(cpu.request));
    assert.deepEqual([rep.hpa!.minReplicas, rep.hpa!.maxReplicas], [2, 40], rep.hpa!.reason);
    assert.doesNotMatch(rep.hpa!.reason, /could not be measured/);
    assert.match(rep.hpa!.reason, /^the HPA adds a pod at 70% CPU of the recommended request \(\d+m\), \d+m, and a pod idles at 5\dm .*the HPA keeps its bounds; a request of at least 1\d\dm/);
  });
});
