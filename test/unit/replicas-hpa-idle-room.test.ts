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
import { DAY, HPA_NOW as NOW, HPA_UTIL as UTIL, hpaHistory, sortedQuantile as q, type HpaHistory as History } from './helpers/hpa-history';
import type { Recommendation } from '../../src/core/recommendation';
import type { HpaSpec, Workload } from '../../src/core/workload';
import { hpaSpec, toWorkload, type K8sHpa } from '../../src/data/kube/workloads';
import { recommendWorkload } from '../../src/rightsizing/engine';

const PER_RPS = 0.002;

function workload(request: number, limit: number, hpa: HpaSpec | undefined = { minReplicas: 2, maxReplicas: 40, targetCpuUtilization: UTIL }): Workload {
  return {
    context: 'test', namespace: 'ns', kind: 'Deployment', name: 'api', replicas: 4, ...(hpa ? { hpa } : {}),
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

  // Review of cca21b9: the raise read `w.hpa.targetCpuUtilization ?? policy.targetCpuUtilization`, so an HPA that does not
  // scale on CPU utilisation (memory only, custom metrics, a CPU AverageValue) still got 80m→145m and a note about 70% CPU
  // of the request; the baselines were raised too; and the replay, the savings and the risk beside 145m were the 75m's.

  /** The rule's own value on the same CPU history: no HPA, no load (so no rescaling to a count, no raise). */
  async function ruleValue(h: History, policy: { cpuRisk: number; strategy?: 'mora' | 'vpa' | 'krr' | 'autopilot' }): Promise<number> {
    const r = await recommendWorkload({ workload: workload(0.1, 2, undefined), containers: [{ name: 'app', cpu: h.cpu }], now: NOW }, policy);
    return r.recommendation.containers[0].cpu!.request.value;
  }

  it('a cluster HPA with a CPU AverageValue target is read as such (cores), not as a CPU utilisation', () => {
    const spec = hpaSpec({ spec: { minReplicas: 2, maxReplicas: 9, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'AverageValue', averageValue: '80m' } } }] } });
    assert.deepEqual(spec, { minReplicas: 2, maxReplicas: 9, targetCpuAverageValue: 0.08 });
  });

  it('an HPA on memory only, or on a CPU AverageValue: the request is the rule\'s, no CPU-utilisation note, the HPA keeps its bounds; AverageValue below 2 × idle is said', async () => {
    const h = hpaHistory(46, 0.1, 0.05, PER_RPS);
    const own = await ruleValue(h, { cpuRisk: 0.2 });
    assert.ok(own < 0.14, `the rule's own value ${own} is below the 145m floor, or this case tests nothing`);
    const cases: Array<[string, HpaSpec]> = [
      ['memory', { minReplicas: 2, maxReplicas: 40, targetMemoryUtilization: 0.7 }],
      ['AverageValue 80m', { minReplicas: 2, maxReplicas: 40, targetCpuAverageValue: 0.08 }],
      ['AverageValue 150m', { minReplicas: 2, maxReplicas: 40, targetCpuAverageValue: 0.15 }],
    ];
    for (const [what, hpa] of cases) {
      const r = await recommendWorkload({ workload: workload(0.1, 2, hpa), containers: [{ name: 'app', cpu: h.cpu }], requestRate: h.rps, readyReplicas: h.ready, now: NOW }, { cpuRisk: 0.2 });
      const cpu = r.recommendation.containers[0].cpu!;
      assert.equal(cpu.request.value, own, `${what}: ${cpu.evidence.notes.join(' / ')}`);
      assert.ok(!cpu.evidence.notes.some((n) => /% CPU of the request|raised from .* for the HPA/.test(n)), `${what}: ${cpu.evidence.notes.join(' / ')}`);
      // The replica advice counts no pods at a CPU target the HPA does not have (at 167ff58/cca21b9: HPA 34–225 of 75m pods
      // "1.1 req/s each at the HPA's target" for the memory HPA): it keeps the bounds and says what the HPA scales on.
      const rep = r.recommendation.replicas!;
      assert.deepEqual([rep.hpa!.minReplicas, rep.hpa!.maxReplicas], [2, 40], `${what}: ${rep.hpa!.reason}`);
      assert.match(rep.hpa!.reason, what === 'memory' ? /^the HPA scales on memory \(70% of the request\), not on CPU utilisation.*keeps its bounds$/
        : /^the HPA scales on an absolute CPU per pod \(AverageValue 1?[58]0m, whatever the request\).*keeps its bounds$/, what);
      const said = cpu.evidence.notes.some((n) => /AverageValue target: whatever the request\).*not raised: a target of at least 1\d\dm/.test(n));
      assert.equal(said, what === 'AverageValue 80m', `${what}: ${cpu.evidence.notes.join(' / ')}`);
    }
  });

  it('--strategy vpa / krr: the baseline keeps its rule\'s value (a note says MOrA\'s would be raised); MOrA\'s is raised', async () => {
    const h = hpaHistory(46, 0.1, 0.05, PER_RPS);
    for (const strategy of ['vpa', 'krr'] as const) {
      const own = await ruleValue(h, { cpuRisk: 0.05, strategy });
      const r = await recommendWorkload({ workload: workload(0.1, 2), containers: [{ name: 'app', cpu: h.cpu }], requestRate: h.rps, readyReplicas: h.ready, now: NOW }, { cpuRisk: 0.05, strategy });
      const cpu = r.recommendation.containers[0].cpu!;
      if (own >= 0.145) continue; // nothing to raise: the baseline's own value leaves room
      assert.equal(cpu.request.value, own, `${strategy}: ${cpu.evidence.notes.join(' / ')}`);
      assert.ok(cpu.evidence.notes.some((n) => new RegExp(`MOrA's rule would raise the request to 1\\d\\dm for the HPA, the ${strategy} baseline's is left`).test(n)), `${strategy}: ${cpu.evidence.notes.join(' / ')}`);
    }
    const mora = await recommendWorkload({ workload: workload(0.1, 2), containers: [{ name: 'app', cpu: h.cpu }], requestRate: h.rps, readyReplicas: h.ready, now: NOW }, { cpuRisk: 0.05 });
    assert.ok(mora.recommendation.containers[0].cpu!.request.value >= 0.14, 'MOrA\'s own rule still raises');
  });

  it('the evidence beside a raised request is at that request: replay, savings, risk and verdict', async () => {
    const h = hpaHistory(46, 0.1, 0.05, PER_RPS);
    // No CPU limit to hold it (80m → 145m), and a kept 90m limit that holds the raise there (80m → 90m: a replay that moves).
    for (const limit of [2, 0.09]) {
      const r = await recommendWorkload({ workload: workload(0.1, limit), containers: [{ name: 'app', cpu: h.cpu }], requestRate: h.rps, readyReplicas: h.ready, now: NOW }, { cpuRisk: 0.05 });
      const c = r.recommendation.containers[0];
      const cpu = c.cpu!;
      const got = cpu.request.value;
      const note = cpu.evidence.notes.find((n) => /^raised from \d+m to \d+m for the HPA/.test(n)) ?? '';
      const from = Number(/^raised from (\d+)m/.exec(note)?.[1]) / 1000;
      const at = `limit ${limit}: ${note}`;
      assert.ok(from > 0 && got > from, at);
      // The replay's exceedance: the raised value on the replay's scored days (resource.ts's warm-up: half the days, 2–7).
      const window = r.details[0].cpu!.window;
      const warm = Math.min(7, Math.max(2, Math.floor(Math.floor(cpu.evidence.observed.days) / 2)));
      const first = Math.floor(window.t[0] / DAY) * DAY + warm * DAY;
      let n = 0, above = 0, aboveFrom = 0;
      for (let i = 0; i < window.t.length; i++) if (window.t[i] >= first) { n++; if (window.v[i] > got) above++; if (window.v[i] > from) aboveFrom++; }
      assert.ok(aboveFrom > above, `${at}: the raise changes the replay (${aboveFrom} vs ${above} of ${n}), or this case tests nothing`);
      assert.ok(Math.abs(cpu.evidence.replay!.exceedanceShare - above / n) < 1e-9, `${at}: replay ${cpu.evidence.replay!.exceedanceShare} vs ${above / n} at ${got}`);
      assert.equal(r.savings.cpuExceedance, cpu.evidence.replay!.exceedanceShare, at);
      assert.ok(Math.abs(r.savings.cpuRequest - (0.1 * 4 - got * 4)) < 1e-9, `${at}: ${r.savings.cpuRequest}`);
      // The calibrated risk at the raised value: within the target, and the note says the raise lowers it.
      assert.ok(cpu.evidence.risk!.expected <= cpu.evidence.risk!.target, `${at}: ${JSON.stringify(cpu.evidence.risk)}`);
      assert.match(note, /the raise lowers the risk; replayed on the same \d+ days, \d+m is exceeded/, at);
      // A current 100m request below the 143m the HPA's pods need is no longer 'ok'.
      assert.equal(c.verdict, 'under-provisioned', at);
    }
  });

  // Review of 6afd85c: an autoscaling/v2 ContainerResource CPU Utilization target was read as 'not on CPU' (no raise:
  // 80m at 20% on seed 46, and the reason '… metrics other than CPU utilisation (custom or external)'), and a memory
  // AverageValue or an External metric were also said to be 'custom or external'.

  const v2 = (metrics: NonNullable<NonNullable<K8sHpa['spec']>['metrics']>): K8sHpa => ({ spec: { minReplicas: 2, maxReplicas: 40, metrics } });
  const containerCpu = (container: string, target: { type: string; averageUtilization?: number; averageValue?: string }) =>
    v2([{ type: 'ContainerResource', containerResource: { name: 'cpu', container, target } }]);

  it('a ContainerResource CPU Utilization HPA on the sized container raises the request like a Resource one, with the same advice', async () => {
    const h = hpaHistory(46, 0.1, 0.05, PER_RPS);
    const spec: HpaSpec = hpaSpec(containerCpu('app', { type: 'Utilization', averageUtilization: 70 }), 'app');
    assert.deepEqual(spec, { minReplicas: 2, maxReplicas: 40, targetCpuUtilization: 0.7, cpuContainer: 'app' });
    for (const cpuRisk of [0.05, 0.2]) {
      const run = (hpa: HpaSpec): ReturnType<typeof recommendWorkload> => recommendWorkload({ workload: workload(0.1, 2, hpa), containers: [{ name: 'app', cpu: h.cpu }], requestRate: h.rps, readyReplicas: h.ready, now: NOW }, { cpuRisk });
      const resource: Recommendation = (await run({ minReplicas: 2, maxReplicas: 40, targetCpuUtilization: UTIL })).recommendation;
      const viaContainer: Recommendation = (await run(spec)).recommendation;
      const got = viaContainer.containers[0].cpu!;
      assert.ok(got.request.value >= 0.14, `${cpuRisk}: ${got.request.value} (${got.evidence.notes.join(' / ')})`);
      assert.equal(got.request.value, resource.containers[0].cpu!.request.value);
      assert.ok(got.evidence.notes.some((n) => /^raised from \d+m to 1\d\dm for the HPA: it adds a pod at 70% CPU of the request/.test(n)), got.evidence.notes.join(' / '));
      const [a, b] = [viaContainer.replicas!.hpa!, resource.replicas!.hpa!];
      assert.deepEqual([a.minReplicas, a.maxReplicas, a.reason], [b.minReplicas, b.maxReplicas, b.reason]);
      assert.doesNotMatch(a.reason, /custom or external|not on CPU/);
    }
  });

  it('an HPA on another container\'s CPU, on memory (Utilization / AverageValue, Resource / ContainerResource), custom or external metrics: the reason names it, no raise', async () => {
    const h = hpaHistory(46, 0.1, 0.05, PER_RPS);
    const own = await ruleValue(h, { cpuRisk: 0.2 });
    const mem = (type: 'Resource' | 'ContainerResource', target: { type: string; averageUtilization?: number; averageValue?: string }): K8sHpa =>
      v2([type === 'Resource' ? { type, resource: { name: 'memory', target } } : { type, containerResource: { name: 'memory', container: 'app', target } }]);
    const cases: Array<[string, K8sHpa, RegExp]> = [
      ['another container', containerCpu('envoy', { type: 'Utilization', averageUtilization: 70 }), /^the HPA scales on the CPU of container envoy, not of the container sized here, not on CPU/],
      ['ContainerResource CPU AverageValue', containerCpu('app', { type: 'AverageValue', averageValue: '150m' }), /^the HPA scales on an absolute CPU per pod \(AverageValue 150m, whatever the request\), not/],
      ['memory Utilization', mem('Resource', { type: 'Utilization', averageUtilization: 80 }), /^the HPA scales on memory \(80% of the request\), not/],
      ['memory AverageValue', mem('Resource', { type: 'AverageValue', averageValue: '512Mi' }), /^the HPA scales on memory \(AverageValue 512Mi per pod\), not/],
      ['container memory AverageValue', mem('ContainerResource', { type: 'AverageValue', averageValue: '1Gi' }), /^the HPA scales on memory \(AverageValue 1Gi per pod\), not/],
      ['external', v2([{ type: 'External' }]), /^the HPA scales on an external metric, not/],
      ['custom', v2([{ type: 'Pods' }, { type: 'Object' }]), /^the HPA scales on a custom metric \(Pods \/ Object\), not/],
      ['memory and external', v2([{ type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 70 } } }, { type: 'External' }]),
        /^the HPA scales on memory \(70% of the request\) and an external metric, not/],
    ];
    for (const [what, k8s, says] of cases) {
      const hpa = hpaSpec(k8s, 'app');
      const r = await recommendWorkload({ workload: workload(0.1, 2, hpa), containers: [{ name: 'app', cpu: h.cpu }], requestRate: h.rps, readyReplicas: h.ready, now: NOW }, { cpuRisk: 0.2 });
      const cpu = r.recommendation.containers[0].cpu!;
      assert.equal(cpu.request.value, own, `${what}: ${cpu.evidence.notes.join(' / ')}`);
      const rep = r.recommendation.replicas!;
      assert.deepEqual([rep.hpa!.minReplicas, rep.hpa!.maxReplicas], [2, 40], `${what}: ${rep.hpa!.reason}`);
      assert.match(rep.hpa!.reason, says, what);
      assert.doesNotMatch(rep.hpa!.reason, /custom or external/, what);
    }
  });

  // Review of d776104: (1) an HPA on CPU utilisation plus another metric got bounds advised from CPU alone (seed 46:
  // 2–40 advised 2–10 with a CPU-only reason), though the HPA runs as many pods as whichever metric asks for more;
  // (2) the sized container was the first by position, so with [istio-proxy, app] a ContainerResource target on app was
  // 'another container's CPU' (no raise, bounds kept with a wrong reason).

  it('an HPA on CPU utilisation and another metric keeps its bounds, names the other metric, and still raises the request', async () => {
    const h = hpaHistory(46, 0.1, 0.05, PER_RPS);
    const cpu70 = { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } };
    const run = (hpa: HpaSpec) => recommendWorkload({ workload: workload(0.1, 2, hpa), containers: [{ name: 'app', cpu: h.cpu }], requestRate: h.rps, readyReplicas: h.ready, now: NOW }, { cpuRisk: 0.2 });
    const cpuOnly: Recommendation = (await run(hpaSpec(v2([cpu70]), 'app'))).recommendation;
    // Without this, the CPU-only advice would not move the bounds and the cases below would test nothing.
    assert.notDeepEqual([cpuOnly.replicas!.hpa!.minReplicas, cpuOnly.replicas!.hpa!.maxReplicas], [2, 40]);
    const cases: Array<[string, K8sHpa, RegExp]> = [
      ['external', v2([cpu70, { type: 'External' }]), /^the HPA scales on CPU utilisation \(70% of the request\) and also on an external metric: .*keeps its bounds/],
      ['memory', v2([cpu70, { type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 60 } } }]), /and also on memory \(60% of the request\):/],
      ['custom', v2([cpu70, { type: 'Pods' }]), /and also on a custom metric \(Pods \/ Object\):/],
      ['another container', v2([cpu70, { type: 'ContainerResource', containerResource: { name: 'cpu', container: 'envoy', target: { type: 'Utilization', averageUtilization: 70 } } }]), /and also on the CPU of container envoy/],
    ];
    for (const [what, k8s, says] of cases) {
      const r: Recommendation = (await run(hpaSpec(k8s, 'app'))).recommendation;
      const rep = r.replicas!;
      assert.deepEqual([rep.hpa!.minReplicas, rep.hpa!.maxReplicas, rep.recommended.value], [2, 40, 4], `${what}: ${rep.hpa!.reason}`);
      assert.match(rep.hpa!.reason, says, what);
      // The CPU metric is still there: the same raised request as the CPU-only HPA.
      assert.equal(r.containers[0].cpu!.request.value, cpuOnly.containers[0].cpu!.request.value, what);
      assert.ok(r.containers[0].cpu!.request.value >= 0.14, `${what}: ${r.containers[0].cpu!.request.value}`);
    }
  });

  // Review of e52a561: with a capacity an experiment measured, bounds were still advised from CPU alone with another metric.
  it('a measured capacity and an HPA on CPU utilisation plus an external metric: max is not cut below the HPA\'s, the reason names the metric', async () => {
    const h = hpaHistory(46, 0.1, 0.05, PER_RPS);
    const cpu70 = { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } };
    const run = (hpa: HpaSpec) => recommendWorkload({ workload: workload(0.1, 2, hpa), containers: [{ name: 'app', cpu: h.cpu }], requestRate: h.rps, readyReplicas: h.ready, measuredCapacity: 20, now: NOW }, { cpuRisk: 0.2 });
    const cpuOnly = (await run(hpaSpec(v2([cpu70]), 'app'))).recommendation.replicas!.hpa!;
    // Without this, the CPU-only advice would keep max and the case below would test nothing.
    assert.ok(cpuOnly.maxReplicas < 40, `${cpuOnly.maxReplicas}: ${cpuOnly.reason}`);
    const rep = (await run(hpaSpec(v2([cpu70, { type: 'External' }]), 'app'))).recommendation.replicas!.hpa!;
    assert.ok(rep.maxReplicas >= 40, `${rep.maxReplicas}: ${rep.reason}`);
    assert.equal(rep.minReplicas, cpuOnly.minReplicas);
    assert.match(rep.reason, new RegExp(`also scales on an external metric .*max keeps the HPA's 40 \\(CPU alone would advise ${cpuOnly.maxReplicas}\\)`));
  });

  it('[istio-proxy, app]: a ContainerResource CPU target on app sizes app as a single-container app would; one on istio-proxy keeps the bounds', async () => {
    const h = hpaHistory(46, 0.1, 0.05, PER_RPS);
    const proxyCpu = { t: h.cpu.t, v: Float64Array.from(h.cpu.v, (_, i) => 0.01 + 0.001 * (i % 7)) };
    const meshFirst = (hpa: HpaSpec): Workload => ({
      ...workload(0.1, 2, hpa),
      containers: [{ name: 'istio-proxy', resources: { requests: { cpu: 0.1 }, limits: { cpu: 2 } } }, { name: 'app', resources: { requests: { cpu: 0.1 }, limits: { cpu: 2 } } }],
    });
    const k8sWorkload = { metadata: { name: 'api' }, spec: { replicas: 4, template: { spec: { containers: [{ name: 'istio-proxy' }, { name: 'app' }] } } } };
    const onApp = toWorkload('test', 'ns', 'Deployment', k8sWorkload, [{ spec: { scaleTargetRef: { kind: 'Deployment', name: 'api' }, ...containerCpu('app', { type: 'Utilization', averageUtilization: 70 }).spec } }]).hpa!;
    assert.deepEqual(onApp, { minReplicas: 2, maxReplicas: 40, targetCpuUtilization: 0.7, cpuContainer: 'app' });
    for (const cpuRisk of [0.05, 0.2]) {
      const single: Recommendation = (await recommendWorkload({ workload: workload(0.1, 2, onApp), containers: [{ name: 'app', cpu: h.cpu }], requestRate: h.rps, readyReplicas: h.ready, now: NOW }, { cpuRisk })).recommendation;
      const mesh: Recommendation = (await recommendWorkload({ workload: meshFirst(onApp), containers: [{ name: 'istio-proxy', cpu: proxyCpu }, { name: 'app', cpu: h.cpu }], requestRate: h.rps, readyReplicas: h.ready, now: NOW }, { cpuRisk })).recommendation;
      const app = mesh.containers.find((c) => c.container === 'app')!.cpu!;
      const proxy = mesh.containers.find((c) => c.container === 'istio-proxy')!.cpu!;
      assert.equal(app.request.value, single.containers[0].cpu!.request.value, `${cpuRisk}: ${app.evidence.notes.join(' / ')}`);
      assert.ok(app.evidence.notes.some((n) => /^raised from \d+m to \d+m for the HPA/.test(n)), app.evidence.notes.join(' / '));
      assert.ok(!proxy.evidence.notes.some((n) => /for the HPA/.test(n)), proxy.evidence.notes.join(' / '));
      const [a, b] = [mesh.replicas!.hpa!, single.replicas!.hpa!];
      assert.deepEqual([a.minReplicas, a.maxReplicas, a.reason], [b.minReplicas, b.maxReplicas, b.reason], String(cpuRisk));
    }
    // A ContainerResource target on the proxy: its CPU, not app's, decides, so no raise and the bounds are kept.
    const onProxy = toWorkload('test', 'ns', 'Deployment', k8sWorkload, [{ spec: { scaleTargetRef: { kind: 'Deployment', name: 'api' }, ...containerCpu('istio-proxy', { type: 'Utilization', averageUtilization: 70 }).spec } }]).hpa!;
    assert.deepEqual(onProxy, { minReplicas: 2, maxReplicas: 40, cpuOtherContainer: 'istio-proxy' });
    const r: Recommendation = (await recommendWorkload({ workload: meshFirst(onProxy), containers: [{ name: 'istio-proxy', cpu: proxyCpu }, { name: 'app', cpu: h.cpu }], requestRate: h.rps, readyReplicas: h.ready, now: NOW }, { cpuRisk: 0.2 })).recommendation;
    for (const c of r.containers) assert.ok(!c.cpu!.evidence.notes.some((n) => /for the HPA/.test(n)), `${c.container}: ${c.cpu!.evidence.notes.join(' / ')}`);
    assert.deepEqual([r.replicas!.hpa!.minReplicas, r.replicas!.hpa!.maxReplicas], [2, 40]);
    assert.match(r.replicas!.hpa!.reason, /^the HPA scales on the CPU of container istio-proxy, not of the container sized here/);
  });
});
