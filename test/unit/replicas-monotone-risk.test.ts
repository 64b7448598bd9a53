/**
 * A stricter CPU risk target never recommends fewer replicas than a looser one, for the same workload and data, also
 * where the replica count moved over the history (docs/ENGINE.md § Replicas): a workload scaled by hand a while ago
 * (no HPA). Under an HPA the count is of pods of each target's own request, so what a stricter target never gives less of
 * is capacity (count × what one of its pods carries). Generated series only.
 */
import { strict as assert } from 'node:assert';
import { Rng } from '../../src/core/random';
import { series, type Series } from '../../src/core/series';
import type { HpaSpec, Workload } from '../../src/core/workload';
import { recommendWorkload } from '../../src/rightsizing/engine';

const DAY = 86400;
const NOW = 30 * DAY;
const STEP = 300;
const TARGETS = [0.005, 0.01, 0.02, 0.05, 0.1, 0.2];
const IDLE = 0.01;
const PER_RPS = 0.002;

interface History { rps: Series; ready: Series; cpu: Series }

/** 14 days of load `level` ± 35% with a daily wave; `before` ready pods until `cutAt` seconds before NOW, `after` since. */
function stepHistory(seed: number, level: number, before: number, after: number, cutAt: number): History {
  const rng = new Rng(seed);
  const t: number[] = [], rps: number[] = [], ready: number[] = [], cpu: number[] = [];
  for (let x = NOW - 14 * DAY; x < NOW; x += STEP) {
    const l = Math.max(0, level * (1 + 0.25 * Math.sin((2 * Math.PI * x) / DAY) + 0.1 * rng.normal()));
    const r = x < NOW - cutAt ? before : after;
    t.push(x); rps.push(l); ready.push(r); cpu.push(Math.max(0, (IDLE + (PER_RPS * l) / r) * (1 + 0.05 * rng.normal())));
  }
  return { rps: series(t, rps), ready: series(t, ready), cpu: series(t, cpu) };
}

/**
 * 14 days under an HPA on CPU (target `hpa.targetCpuUtilization` of `request`): the count follows the load of the sample
 * before (the HPA's lag), within its bounds, so the per-pod CPU peaks when the load rises; rare bursts.
 */
function hpaHistory(seed: number, hpa: HpaSpec, request: number): History {
  const rng = new Rng(seed);
  const t: number[] = [], rps: number[] = [], ready: number[] = [], cpu: number[] = [];
  let prev = 100;
  for (let x = NOW - 14 * DAY; x < NOW; x += STEP) {
    const burst = rng.next() < 0.01 ? 0.6 * rng.next() : 0;
    const l = Math.max(0, 100 * (1 + 0.6 * Math.sin((2 * Math.PI * x) / DAY) + burst + 0.08 * rng.normal()));
    const want = Math.ceil((PER_RPS * prev) / (hpa.targetCpuUtilization! * request - IDLE));
    const r = Math.min(hpa.maxReplicas, Math.max(hpa.minReplicas, want));
    t.push(x); rps.push(l); ready.push(r); cpu.push(Math.max(0, (IDLE + (PER_RPS * l) / r) * (1 + 0.05 * rng.normal())));
    prev = l;
  }
  return { rps: series(t, rps), ready: series(t, ready), cpu: series(t, cpu) };
}

function workload(replicas: number, cpuRequest: number, cpuLimit: number, hpa?: HpaSpec): Workload {
  return {
    context: 'test', namespace: 'ns', kind: 'Deployment', name: 'api', replicas, ...(hpa ? { hpa } : {}),
    containers: [{ name: 'app', resources: { requests: { cpu: cpuRequest }, limits: { cpu: cpuLimit } } }],
  };
}

async function sweep(w: Workload, h: History, targets = TARGETS) {
  const out = [];
  for (const cpuRisk of targets) {
    const r = await recommendWorkload({ workload: w, containers: [{ name: 'app', cpu: h.cpu }], requestRate: h.rps, readyReplicas: h.ready, now: NOW }, { cpuRisk });
    const rec = r.recommendation.replicas!;
    out.push({ cpuRisk, rec, request: r.recommendation.containers[0].cpu!.request.value, advised: r.savings.replicas?.advised ?? w.replicas });
  }
  return out;
}

/** Non-increasing as the target loosens (TARGETS ascend). */
const nonIncreasing = (xs: number[]): boolean => xs.every((n, i) => i === 0 || n <= xs[i - 1]);

describe('replicas are monotone in the CPU risk target where the count moved over the history', function () {
  this.timeout(120000);

  it('a count changed by hand (4 → 2, 2 → 4, 3 → 6; hours to days ago): a stricter target never gives fewer replicas', async () => {
    const seen: string[] = [];
    let ok = true;
    for (const [seed, level, before, after, cutDays] of [
      [31, 40, 4, 2, 0.25], [32, 40, 4, 2, 2], [33, 60, 4, 2, 6], [34, 40, 2, 4, 0.5], [35, 90, 3, 6, 3], [36, 90, 6, 3, 1],
    ] as const) {
      const h = stepHistory(seed, level, before, after, cutDays * DAY);
      const runs = await sweep(workload(after, 0.1, 2), h);
      const counts = runs.map((x) => x.rec.recommended.value);
      ok &&= nonIncreasing(counts) && nonIncreasing(runs.map((x) => x.advised));
      seen.push(`${before}→${after} ${cutDays}d ago: ${runs.map((x) => `${x.rec.recommended.value}×${Math.round(x.request * 1000)}m`).join(' ')}`);
      // The request is sized for the count the workload runs at now: the per-pod CPU of that count at the load quantile
      // each target sizes to (the model the history was drawn from, noise aside) fits within it.
      const loads = Float64Array.from(h.rps.v).sort();
      for (const { cpuRisk, rec, request } of runs) {
        const q = loads[Math.min(loads.length - 1, Math.floor((1 - cpuRisk) * loads.length))];
        const perPod = IDLE + (PER_RPS * q) / rec.recommended.value;
        if (perPod > request * 1.06) { ok = false; seen.push(`  at ${cpuRisk}: ${Math.round(perPod * 1000)}m a pod above ${Math.round(request * 1000)}m`); }
      }
    }
    assert.ok(ok, seen.join('; '));
  });

  it('an HPA that moved the count with the load: a stricter target never gives less capacity than a looser one asks for', async () => {
    // The count and the bounds are pods of each target's own request (larger at a stricter target, so possibly fewer of
    // them: test/unit/replicas-hpa-pod-size.test.ts); what must not fall as the target tightens is their capacity.
    const seen: string[] = [];
    let ok = true;
    for (const [seed, request] of [[41, 0.1], [42, 0.1], [43, 0.2], [44, 0.05]] as const) {
      const hpa: HpaSpec = { minReplicas: 2, maxReplicas: 20, targetCpuUtilization: 0.7 };
      const h = hpaHistory(seed, hpa, request);
      const loads = Float64Array.from(h.rps.v).sort();
      const p99 = loads[Math.floor(0.99 * h.rps.v.length)];
      const runs = await sweep(workload(4, request, 2, hpa), h);
      // The load one pod of a request takes at the HPA's target (the model the history was drawn from).
      const cap = (x: { request: number }) => (0.7 * x.request - IDLE) / PER_RPS;
      seen.push(`seed ${seed}: ${runs.map((x) => `${x.cpuRisk}: ${x.rec.recommended.value} [${x.rec.hpa!.minReplicas}–${x.rec.hpa!.maxReplicas}] × ${Math.round(x.request * 1000)}m`).join(', ')}`);
      for (const { rec } of runs) assert.ok(rec.hpa!.maxReplicas >= rec.recommended.value, rec.hpa!.reason);
      for (let i = 0; i < runs.length; i++) {
        const x = runs[i];
        // Each target's max is enough for the pods of its own request: 1.5 × the p99 load at the HPA's target of it.
        const pods = Math.floor((1.5 * p99 * PER_RPS) / (0.7 * x.request - IDLE));
        assert.ok(x.rec.hpa!.maxReplicas >= pods, `at ${x.cpuRisk}: max ${x.rec.hpa!.maxReplicas} < ${pods} pods of ${x.request}: ${x.rec.reason}`);
        for (const l of runs.slice(i + 1)) {
          // A stricter target's count carries the load a looser one sizes to (3% for the line fitted on noisy samples)…
          const q = loads[Math.min(loads.length - 1, Math.floor((1 - l.cpuRisk) * loads.length))];
          if (x.rec.recommended.value * cap(x) < 0.97 * q) { ok = false; seen.push(`  ${x.cpuRisk}'s count below ${l.cpuRisk}'s load`); }
          // …and its max carries no less than a looser one's, up to one of the looser pods (whole pods of another size).
          if (x.rec.hpa!.maxReplicas * cap(x) <= 0.97 * (l.rec.hpa!.maxReplicas - 1) * cap(l)) { ok = false; seen.push(`  ${x.cpuRisk}'s max below ${l.cpuRisk}'s`); }
        }
      }
    }
    assert.ok(ok, seen.join('; '));
  });

  it('a count that never changed still gives what it did (kept, or held below its need by a kept limit)', async () => {
    // Kept: the request covers its need at every target.
    const kept = await sweep(workload(3, 0.1, 2), stepHistory(51, 90, 3, 3, 0));
    assert.deepEqual(kept.map((x) => x.rec.recommended.value), [3, 3, 3, 3, 3, 3]);
    assert.deepEqual(kept.map((x) => Math.round(x.request * 1000)), [105, 100, 100, 95, 90, 85]);
    for (const { rec } of kept) {
      assert.match(rec.reason, /the count is kept/);
      assert.doesNotMatch(rec.reason, /rescaled/);
    }
    // Held below its need by a kept 50m limit: the pods carry the rest (numbers as at 1cc40d6).
    const held = await sweep(workload(2, 0.05, 0.05), stepHistory(52, 60, 2, 2, 0));
    assert.deepEqual(held.map((x) => x.rec.recommended.value), HELD_COUNTS);
    assert.ok(nonIncreasing(HELD_COUNTS));
    for (const { request } of held) assert.equal(request, 0.05);
  });
});

/** The held-below-need counts over TARGETS at 1cc40d6 (before this change), which it must keep. */
const HELD_COUNTS = [5, 5, 5, 5, 4, 4];
