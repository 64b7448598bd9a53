/**
 * Replica advice from load, on the CPU risk target of the workload's CPU request (docs/ENGINE.md § Replicas).
 * - A per-replica capacity measured by an experiment (`measuredCapacity`, or an experiment plan's rate per replica
 *   sustained within the SLO) does not move with the target: the fewest replicas such that the load per pod exceeds it no
 *   more than `cpuRisk` of the time (on the observed load, or a trusted forecast's peak scaled to the same quantile).
 * - With an HPA, capacity is the load one pod takes before its CPU reaches the HPA's target utilisation of the
 *   recommended request — the pods the HPA will run once that request is applied — from a line of per-pod CPU against
 *   per-pod load (cpu ≈ a + b·rps; an experiment's, else history's): (target × request − a) / b. The count and the HPA's
 *   bounds are counted in those pods, and say so. A stricter target gives larger pods, so possibly fewer of them, but never
 *   less capacity than it requires (count × capacity ≥ the load quantile, max × capacity ≥ 1.5 × the peak), and that
 *   requirement only grows as the target tightens. 1314987 read capacity at the smallest pod any target gives instead,
 *   which counted the bounds in pods nobody runs (docs/ENGINE.md § Replicas).
 *   The HPA's bounds are rules around the count at the target (max at least it) that do not read the target, counted in
 *   those pods, whose size does; the reason says both. A request that leaves a pod less room than it idles is raised in
 *   recommend.ts (hpaRoomRequest); one held below that (a kept limit) keeps the HPA's bounds, with the reason (hpaWithoutRoom).
 * - Without an HPA and without a measured capacity, "load ÷ the capacity at the recommended request" would read the risk
 *   twice: that request was sized at the target on the per-pod usage at the current count, so the division gives the
 *   current count again up to rounding noise (and a looser target could ask for more replicas). The count is kept when
 *   the request covers its need; when the request was held below it (a kept CPU limit), the fewest replicas that bring the
 *   per-pod need down to the request. A looser target never gives more replicas.
 */
import { loadAboveCapacityText, targetShareText } from '../../core/advice-text';
import { humanMemoryQuantity } from '../../core/quantity';
import type { Bounded, ReplicaRecommendation } from '../../core/recommendation';
import type { HpaSpec } from '../../core/workload';
import { finiteSorted, quantile, quantileSorted } from '../../core/stats';
import { DEFAULT_RISK } from './policy';

/** A CPU request as millicores, as the CPU column shows it (`80m`). */
const podText = (cores: number): string => `${Math.round(cores * 1000)}m`;

/** What load experiments measured (src/pipeline/experiment-capacity.ts MeasuredLoadModel, structurally). */
export interface MeasuredLoad {
  a: number;
  b: number;
  source: string;
  capacity?: { estimate: number; lower: number; upper: number; bound: 'bracketed' | 'at-least'; slo: string };
}

export interface ReplicaInput {
  current: number;
  hpa?: HpaSpec;
  /** Service request rate (req/s) and ready replicas, aligned sample by sample. */
  requestRate?: ArrayLike<number>;
  readyReplicas?: ArrayLike<number>;
  /** Per-pod CPU usage (cores), aligned with requestRate. */
  cpuPerPod?: ArrayLike<number>;
  /**
   * The recommended CPU request per pod (cores). With an HPA, capacity is measured at its target of this request: the pods
   * the HPA will run once it is applied, in which the count and the bounds are counted. Without an HPA it is what the count
   * is checked against (see `cpuNeed`), never a capacity for "load ÷ capacity".
   */
  cpuRequest?: number;
  /**
   * Without an HPA or a measured capacity: the per-pod CPU the recommended request needs at the risk target on the usage
   * at the current count (before floors, rounding and caps such as a kept limit), and the share of time that request is
   * expected to be exceeded at the current count (its evidence.risk.expected). When the request covers the need, the
   * count is kept; when it was held below it (a kept limit), the count carries the rest.
   */
  cpuNeed?: number;
  cpuRequestExpected?: number;
  /**
   * Set when `cpuNeed` was rescaled to the current count because part of the history ran at another count (the ready
   * replicas of each sample: cpuAtCount); the reason says so.
   */
  cpuNeedRescaled?: boolean;
  /** Load one replica sustains at the target, measured by an experiment (req/s). */
  measuredCapacity?: number;
  /**
   * Per-pod CPU against per-pod load measured by load experiments (cpu ≈ a + b·rps): with an HPA, capacity at its target
   * of the current request; and, from an experiment plan, the rate per replica sustained within the SLO with its 95% interval.
   */
  measuredLoadModel?: MeasuredLoad;
  /** Forecast peak request rate over the horizon, when a forecast is trusted. */
  forecastPeakLoad?: number;
  targetCpuUtilization: number;
  /**
   * The CPU risk target of the workload's (first) container (Policy.cpuRisk, default 5%, or its fleet allotment under
   * `--risk-scope fleet`): the share of time the load per replica may exceed the per-replica capacity, as the CPU request
   * may be exceeded.
   */
  cpuRisk?: number;
}

/** Share of the (sorted, finite) samples above x. */
function shareAbove(sorted: Float64Array, x: number): number {
  let lo = 0, hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return sorted.length ? (sorted.length - lo) / sorted.length : 0;
}

/**
 * The fewest replicas (at least `floor`) whose combined capacity the load exceeds no more than `risk` of the time, and
 * that share. Monotone: a tighter risk never gives fewer replicas.
 */
export function replicasForRisk(sortedLoad: Float64Array, capacity: number, risk: number, floor = 1): { replicas: number; exceedance: number } {
  let n = Math.max(floor, 1, Math.ceil(quantileSorted(sortedLoad, 1 - risk) / capacity) || 1);
  // The interpolated quantile can sit a hair below a sample: step up until the share holds.
  while (shareAbove(sortedLoad, n * capacity) > risk && n < 10_000) n++;
  return { replicas: n, exceedance: shareAbove(sortedLoad, n * capacity) };
}

/** HPA: desiredReplicas = ceil(currentReplicas × currentMetric / targetMetric), with a 10% tolerance band. */
export function hpaDesired(current: number, currentMetric: number, targetMetric: number, tolerance = 0.1): number {
  const ratio = currentMetric / targetMetric;
  if (Math.abs(ratio - 1) <= tolerance) return current;
  return Math.ceil(current * ratio);
}

export function estimateCapacity(rpsPerPod: ArrayLike<number>, cpuPerPod: ArrayLike<number>, cpuRequest: number, target: number): { capacity: number; a: number; b: number } | undefined {
  let n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (let i = 0; i < rpsPerPod.length; i++) {
    const x = rpsPerPod[i], y = cpuPerPod[i];
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    n++; sx += x; sy += y; sxx += x * x; sxy += x * y;
  }
  if (n < 10) return undefined;
  const den = n * sxx - sx * sx;
  if (!(den > 0)) return undefined;
  const b = (n * sxy - sx * sy) / den;
  const a = (sy - b * sx) / n;
  if (!(b > 0)) return undefined;
  const capacity = (target * cpuRequest - Math.max(0, a)) / b;
  return capacity > 0 ? { capacity, a, b } : undefined;
}

/**
 * The idle CPU per pod (cores) from the line of per-pod CPU against per-pod load (its intercept, at least 0), or 0 when
 * the load never varied enough for a line.
 */
export function idlePerPod(requestRate: ArrayLike<number>, readyReplicas: ArrayLike<number>, cpuPerPod: ArrayLike<number>): number {
  const perPod = Float64Array.from({ length: requestRate.length }, (_, i) => (readyReplicas[i] > 0 ? requestRate[i] / readyReplicas[i] : NaN));
  const line = estimateCapacity(perPod, cpuPerPod, 1, 1);
  return line ? Math.max(0, line.a) : 0;
}

/**
 * Per-pod CPU as it would have been at `count` ready replicas: each sample's busy CPU (above the idle CPU per pod) was
 * shared by the replicas ready then, so at `count` it is idle + (cpu − idle) × ready / count (a count cut from 4 to 2
 * doubles the busy part of the samples taken at 4). Samples with no ready count are kept as they are. Undefined when every
 * sample already ran at `count`: nothing to rescale.
 */
export function cpuAtCount(cpuPerPod: ArrayLike<number>, readyReplicas: ArrayLike<number>, count: number, idle = 0): Float64Array | undefined {
  let other = false;
  const out = Float64Array.from({ length: cpuPerPod.length }, (_, i) => {
    const c = cpuPerPod[i], r = readyReplicas[i];
    if (!Number.isFinite(c) || !(r > 0) || r === count) return c;
    other = true;
    const base = Math.min(Math.max(0, idle), c);
    return base + ((c - base) * r) / count;
  });
  return other ? out : undefined;
}

/**
 * With an HPA, the least a pod must carry before the HPA adds another: as much load as it idles (busy CPU b·L at least
 * the idle CPU a, so L ≥ a / b). The HPA adds a pod when a pod's CPU reaches its target × the request, so the request
 * must be at least idle / (HPA_IDLE_SHARE × target): at most half of what a pod may use before the HPA scales goes to
 * idling, and the CPU the HPA reserves for a load is at most twice the load's own CPU ÷ the target (N pods of R carry
 * N·(target·R − a)/b req/s). Below it the capacity falls towards 0 as target × request nears the idle CPU, and the counts
 * grow without bound (idle 50m, 70% of 75m: 1.1 req/s a pod, 129 pods for 148 req/s). One rule for every risk target,
 * so it never makes a stricter target's request smaller than a looser one's (docs/ENGINE.md § Replicas).
 */
export const HPA_IDLE_SHARE = 0.5;

/** The smallest CPU request (cores, unrounded) that leaves an HPA's pods room for load: idle / (HPA_IDLE_SHARE × target). */
export function hpaRoomRequest(idle: number, target: number): number {
  return target > 0 ? Math.max(0, idle) / (HPA_IDLE_SHARE * target) : 0;
}

/**
 * The line of per-pod CPU against per-pod load an HPA's capacity is read from (the same one replicaCapacity reads): an
 * experiment's (measuredLoadModel), else history's (load ÷ ready replicas against per-pod CPU); the idle CPU `a` at least 0.
 */
export function hpaCpuLine(input: Pick<ReplicaInput, 'measuredLoadModel' | 'requestRate' | 'readyReplicas' | 'cpuPerPod'>): { a: number; b: number } | undefined {
  const m = input.measuredLoadModel;
  if (m && m.b > 0) return { a: Math.max(0, m.a), b: m.b };
  const { requestRate, readyReplicas, cpuPerPod } = input;
  if (!requestRate || !readyReplicas || !cpuPerPod) return undefined;
  const perPod = Float64Array.from({ length: requestRate.length }, (_, i) => (readyReplicas[i] > 0 ? requestRate[i] / readyReplicas[i] : NaN));
  const est = estimateCapacity(perPod, cpuPerPod, 1, 1);
  return est ? { a: Math.max(0, est.a), b: est.b } : undefined;
}

/**
 * With an HPA whose capacity is read from a CPU line at the recommended request: when that request leaves a pod less
 * room than it idles (target × request < 2 × idle; recommend.ts raises the request to hpaRoomRequest, so only a request
 * held below it, by a kept CPU limit or the policy's cap, gets here), the HPA keeps its bounds and the reason says why,
 * rather than bounds counted in pods that carry next to nothing.
 */
function hpaWithoutRoom(input: ReplicaInput): ReplicaRecommendation | undefined {
  const { hpa, cpuRequest: request, targetCpuUtilization: target } = input;
  // Only an HPA on CPU utilisation scales against the request (memory, custom metrics or a CPU AverageValue do not).
  if (!hpa || hpa.targetCpuUtilization === undefined || !request || input.measuredCapacity || input.measuredLoadModel?.capacity) return undefined;
  const line = hpaCpuLine(input);
  if (!line) return undefined;
  const room = hpaRoomRequest(line.a, target);
  if (request >= room * (1 - 1e-9)) return undefined;
  const carries = (target * request - line.a) / line.b;
  const reason = `the HPA adds a pod at ${Math.round(target * 100)}% CPU of the recommended request (${podText(request)}), ${podText(target * request)}, and a pod idles at `
    + `${podText(line.a)} (cpu ≈ ${line.a.toFixed(3)} + ${line.b.toFixed(5)}·rps): ${carries > 0 ? `a pod would carry ${carries.toFixed(1)} req/s before the HPA adds another, less than the ${(line.a / line.b).toFixed(1)} req/s it idles` : 'its idle CPU alone reaches that, so a pod carries no load before the HPA adds another'}; `
    + `bounds counted in such pods would grow without bound, so the HPA keeps its bounds; a request of at least ${podText(Math.ceil(room * 1000 - 1e-6) / 1000)} (and a CPU limit that allows it) leaves a pod room for as much load as it idles`;
  return {
    current: input.current,
    recommended: { value: input.current, lower: hpa.minReplicas, upper: hpa.maxReplicas },
    hpa: { minReplicas: hpa.minReplicas, maxReplicas: hpa.maxReplicas, targetCpuUtilization: hpa.targetCpuUtilization ?? target, reason },
    reason,
  };
}

/**
 * What an HPA scales on besides a CPU utilisation target, as its spec says (hpaSpec): a CPU AverageValue, another
 * container's CPU, memory, custom (Pods / Object) or external metrics; 'metrics other than CPU utilisation' when the spec
 * names none MOrA reads.
 */
function hpaScalesOn(hpa: HpaSpec): string {
  const on: string[] = [];
  if (hpa.targetCpuAverageValue !== undefined) on.push(`an absolute CPU per pod (AverageValue ${podText(hpa.targetCpuAverageValue)}, whatever the request)`);
  if (hpa.cpuOtherContainer !== undefined) on.push(`the CPU of container ${hpa.cpuOtherContainer}, not of the container sized here`);
  const mem = [
    ...(hpa.targetMemoryUtilization !== undefined ? [`${Math.round(hpa.targetMemoryUtilization * 100)}% of the request`] : []),
    ...(hpa.targetMemoryAverageValue !== undefined ? [`AverageValue ${humanMemoryQuantity(hpa.targetMemoryAverageValue)} per pod`] : []),
  ];
  if (mem.length) on.push(`memory (${mem.join(', ')})`);
  if (hpa.otherMetrics?.includes('custom')) on.push('a custom metric (Pods / Object)');
  if (hpa.otherMetrics?.includes('external')) on.push('an external metric');
  if (!on.length) return 'metrics other than CPU utilisation';
  return on.length === 1 ? on[0] : `${on.slice(0, -1).join(', ')} and ${on[on.length - 1]}`;
}

/**
 * With an HPA that does not scale on CPU utilisation (memory only, custom or external metrics, a CPU AverageValue target,
 * another container's CPU) and no capacity an experiment measured: the load a pod carries before the HPA adds another does not follow from the
 * CPU request, so bounds counted in pods "at the HPA's target of the request" would count at a target it does not have
 * (policy.targetCpuUtilization). The HPA keeps its bounds, and the reason says what it scales on.
 */
function hpaNotOnCpu(input: ReplicaInput): ReplicaRecommendation | undefined {
  const { hpa } = input;
  if (!hpa || hpa.targetCpuUtilization !== undefined || input.measuredCapacity || input.measuredLoadModel?.capacity) return undefined;
  const reason = `the HPA scales on ${hpaScalesOn(hpa)}, not on CPU utilisation of the request: the load a pod carries before it adds another does not follow from the CPU request, so the HPA keeps its bounds`;
  return {
    current: input.current,
    recommended: { value: input.current, lower: hpa.minReplicas, upper: hpa.maxReplicas },
    hpa: { minReplicas: hpa.minReplicas, maxReplicas: hpa.maxReplicas, targetCpuUtilization: input.targetCpuUtilization, reason },
    reason,
  };
}

/**
 * With an HPA on CPU utilisation that also scales on another metric (memory, a custom or external metric, a CPU
 * AverageValue, another container's CPU) and no capacity an experiment measured: the HPA runs as many pods as whichever
 * metric asks for more, so bounds counted from CPU alone (a max cut from 40 to 10) could block the scaling the other
 * metric drives. The HPA keeps its bounds, and the reason names the other metric(s); recommend.ts may still raise the
 * request for the CPU target (the CPU metric is still there).
 */
/** An HPA on CPU utilisation that also scales on another metric (memory, custom / external, CPU AverageValue, another container's CPU). */
function alsoOnOther(hpa: NonNullable<ReplicaInput['hpa']>): boolean {
  return hpa.targetCpuUtilization !== undefined && (hpa.targetCpuAverageValue !== undefined || hpa.cpuOtherContainer !== undefined
    || hpa.targetMemoryUtilization !== undefined || hpa.targetMemoryAverageValue !== undefined || (hpa.otherMetrics?.length ?? 0) > 0);
}

function hpaAlsoOnOther(input: ReplicaInput): ReplicaRecommendation | undefined {
  const { hpa } = input;
  if (!hpa || hpa.targetCpuUtilization === undefined || input.measuredCapacity || input.measuredLoadModel?.capacity) return undefined;
  if (!alsoOnOther(hpa)) return undefined;
  const reason = `the HPA scales on CPU utilisation (${Math.round(hpa.targetCpuUtilization * 100)}% of the request) and also on ${hpaScalesOn(hpa)}: it runs as many pods as `
    + 'whichever metric asks for more, so bounds counted from CPU alone could block scaling the other metric drives; the HPA keeps its bounds';
  return {
    current: input.current,
    recommended: { value: input.current, lower: hpa.minReplicas, upper: hpa.maxReplicas },
    hpa: { minReplicas: hpa.minReplicas, maxReplicas: hpa.maxReplicas, targetCpuUtilization: hpa.targetCpuUtilization, reason },
    reason,
  };
}

/**
 * The per-replica capacity (req/s) and how it was measured, or undefined: measured by an experiment (never moves with
 * the risk target), or, with an HPA, at its target of the recommended request — the request it will scale against.
 * Without an HPA no CPU line gives one: the count is then checked against the request (countForRequest).
 */
export function replicaCapacity(input: ReplicaInput): { capacity: number; how: string; atRequest?: boolean } | undefined {
  if (input.measuredCapacity && input.measuredCapacity > 0) return { capacity: input.measuredCapacity, how: 'per-replica capacity measured by an experiment' };
  const measured = input.measuredLoadModel;
  const request = input.cpuRequest;
  const target = input.targetCpuUtilization;
  const atTarget = `${Math.round(target * 100)}% of the recommended CPU request${request ? ` (${podText(request)})` : ''}`;
  const slo = measured?.capacity && measured.capacity.estimate > 0 ? measured.capacity : undefined;
  const sloText = slo && `${slo.bound === 'at-least' ? 'at least ' : ''}${slo.estimate.toFixed(1)} req/s per replica (95% interval ${slo.lower.toFixed(1)}–${slo.upper.toFixed(1)}) sustained within the SLO ${slo.slo}`;
  // Without an HPA the CPU request is what MOrA resizes: a CPU line says nothing about how many pods the load needs.
  const byCpu = input.hpa && measured && request && measured.b > 0 ? (target * request - Math.max(0, measured.a)) / measured.b : NaN;
  if (slo && !(byCpu > 0 && byCpu < slo.estimate)) return { capacity: slo.estimate, how: `capacity ${sloText}, measured by ${measured!.source}` };
  if (byCpu > 0) {
    return {
      capacity: byCpu, atRequest: true,
      how: `capacity ${byCpu.toFixed(1)} req/s per replica measured by ${measured!.source} (cpu ≈ ${measured!.a.toFixed(3)} + ${measured!.b.toFixed(5)}·rps) at ${atTarget}${sloText ? `, below the ${sloText}` : ''}`,
    };
  }
  const { requestRate, readyReplicas } = input;
  if (!input.hpa || !input.cpuPerPod || !request || !requestRate || !readyReplicas) return undefined;
  const perPod = Float64Array.from({ length: requestRate.length }, (_, i) => (readyReplicas[i] > 0 ? requestRate[i] / readyReplicas[i] : NaN));
  const est = estimateCapacity(perPod, input.cpuPerPod, request, target);
  if (!est) return undefined;
  return {
    capacity: est.capacity, atRequest: true,
    how: `capacity ${est.capacity.toFixed(1)} req/s per replica estimated from observed load per ready replica (cpu ≈ ${est.a.toFixed(3)} + ${est.b.toFixed(5)}·rps) at ${atTarget}`,
  };
}

/**
 * No HPA and no measured capacity: the recommended CPU request was sized at the risk target on the per-pod usage at the
 * current count, so that count is what the request is for. Kept when the request covers its need; when the request was
 * held below the need (a kept limit), the fewest replicas that bring the per-pod need down to it: per-pod CPU ≈ a + (need −
 * a) × current / N, with a the idle CPU per pod from the CPU-vs-load line (0 without one). Neither reads a capacity that
 * moves with the risk target. Undefined when the request's need or risk is unknown.
 */
function countForRequest(input: ReplicaInput, risk: number, sortedLoad: Float64Array): ReplicaRecommendation | undefined {
  const { cpuRequestExpected: keptExpected, cpuRequest: request, cpuNeed: need } = input;
  const n0 = input.current;
  if (keptExpected === undefined || request === undefined || need === undefined || !(n0 >= 1) || !(request > 0)) return undefined;
  const s = n0 === 1 ? '' : 's';
  // The need is passed rounded up to the request's step, as the CPU note states it (`needs 195m, above the CPU limit`).
  const m = (x: number) => `${Math.ceil(x * 1000 - 1e-6)}m`;
  const atCount = input.cpuNeedRescaled ? ' (each sample\'s CPU rescaled from the replicas ready then to the current count)' : '';
  const measure = 'no per-replica capacity measured apart from the request (an experiment plan measures one: mora experiment run, then recommend --experiments)';
  if (need <= request * (1 + 1e-9)) {
    const reason = `the recommended CPU request covers the ${m(need)} a pod needs at the current ${n0} replica${s}${atCount} for the CPU risk target (≤${targetShareText(risk)} of the time, `
      + `${loadAboveCapacityText(keptExpected)}: a pod's CPU above that request); the count is kept: ${measure}`;
    return { current: n0, recommended: { value: n0, lower: n0, upper: n0 }, reason, risk: { target: risk, expected: keptExpected } };
  }
  const { requestRate, readyReplicas, cpuPerPod } = input;
  const perPod = requestRate && readyReplicas
    ? Float64Array.from({ length: requestRate.length }, (_, i) => (readyReplicas[i] > 0 ? requestRate[i] / readyReplicas[i] : NaN)) : undefined;
  const line = perPod && cpuPerPod ? estimateCapacity(perPod, cpuPerPod, request, 1) : undefined;
  const a = line ? Math.min(Math.max(0, line.a), 0.9 * request) : 0;
  const value = Math.min(10_000, Math.max(n0, Math.ceil((n0 * (need - a)) / (request - a) - 1e-9)));
  // The share of time at that count: the load per replica above what one pod takes at the request (the line), else the
  // per-pod CPU scaled to the count above the request.
  let expected: number;
  if (line) expected = shareAbove(sortedLoad, value * line.capacity);
  else {
    let above = 0, seen = 0;
    for (let i = 0; i < (cpuPerPod?.length ?? 0); i++) {
      const c = cpuPerPod![i], r = readyReplicas?.[i];
      if (!Number.isFinite(c) || !(r! > 0)) continue;
      seen++;
      if ((c * r!) / value > request) above++;
    }
    expected = seen ? above / seen : keptExpected;
  }
  const reason = `the recommended CPU request ${m(request)} is held below the ${m(need)} a pod needs at the current ${n0} replica${s}${atCount} for the CPU risk target (≤${targetShareText(risk)} of the time): `
    + `${value} replicas bring the per-pod need to it (idle ${m(a)} per pod), ${loadAboveCapacityText(expected)}; ${measure}`;
  return { current: n0, recommended: { value, lower: n0, upper: value }, reason, risk: { target: risk, expected } };
}

export function recommendReplicas(input: ReplicaInput): ReplicaRecommendation | undefined {
  const { requestRate, readyReplicas } = input;
  if (!requestRate || !readyReplicas || requestRate.length < 10) return undefined;
  const risk = input.cpuRisk ?? DEFAULT_RISK.cpu;
  const noRoom = hpaNotOnCpu(input) ?? hpaAlsoOnOther(input) ?? hpaWithoutRoom(input);
  if (noRoom) return noRoom;
  const measured = replicaCapacity(input);
  const sorted = finiteSorted(requestRate);
  if (!measured) return input.hpa ? undefined : countForRequest(input, risk, sorted);
  const { capacity, how, atRequest } = measured;
  const observedPeak = quantileSorted(sorted, 0.99);
  const peak = Math.max(observedPeak, input.forecastPeakLoad ?? 0);
  const typical = quantile(requestRate, 0.5);
  const low = quantile(requestRate, 0.05);
  const need = (load: number): number => Math.max(1, Math.ceil(load / capacity));
  // Workloads already running two or more replicas keep two for availability.
  const floor = input.current >= 2 ? 2 : 1;
  // The same risk target as the CPU request: the load per replica may exceed its capacity at most `risk` of the time.
  const observed = replicasForRisk(sorted, capacity, risk, floor);
  // A trusted forecast whose peak is above the observed p99 raises the load: its peak scaled to the same quantile as the
  // observed load's (the observed (1 − risk) quantile over the observed p99).
  const atRisk = quantileSorted(sorted, 1 - risk);
  const forecastAtRisk = input.forecastPeakLoad !== undefined && input.forecastPeakLoad > observedPeak && observedPeak > 0
    ? input.forecastPeakLoad * (atRisk / observedPeak) : undefined;
  const value = forecastAtRisk !== undefined ? Math.max(observed.replicas, need(forecastAtRisk)) : observed.replicas;
  const load = forecastAtRisk !== undefined ? Math.max(atRisk, forecastAtRisk) : atRisk;
  const recommended: Bounded = { value, lower: Math.min(value, Math.max(floor, need(typical))), upper: Math.max(value, floor, need(load * 1.2)) };
  const q = `p${Number(((1 - risk) * 100).toFixed(2))}`;
  const loadText = forecastAtRisk !== undefined
    ? `forecast peak ${input.forecastPeakLoad!.toFixed(1)} req/s scaled to the observed ${q} (${forecastAtRisk.toFixed(1)} req/s)`
    : `observed ${q} load ${atRisk.toFixed(1)} req/s`;
  const expected = shareAbove(sorted, value * capacity);
  const above = forecastAtRisk !== undefined ? '' : `, ${loadAboveCapacityText(expected)}`;
  const reason = `${loadText} ÷ ${capacity.toFixed(1)} req/s per replica (CPU risk target ≤${targetShareText(risk)} of the time${above}); ${how}`;
  const rec: ReplicaRecommendation = { current: input.current, recommended, reason, risk: { target: risk, expected } };
  if (input.hpa) {
    // The bounds' rules do not read the risk target, but they are counted in pods of the request sized to it, and the
    // reason says both. The risk target concerns time with the load
    // per replica above capacity, which only maxReplicas can cause (the HPA cannot add pods beyond it): so max is at least
    // the count at the target (`value`), plus a fixed 1.5 × the peak for the HPA's lag and growth. minReplicas causes no such
    // time (at min the pods run below the target utilisation): it covers the quietest 5% of load, an availability floor,
    // at least two where the workload already runs two or more.
    const minReplicas = Math.max(input.current >= 2 || input.hpa.minReplicas >= 2 ? 2 : 1, need(low));
    // With another metric besides CPU (and a measured capacity, else hpaAlsoOnOther kept the bounds), the HPA runs as many
    // pods as whichever metric asks for more: max is never cut below the HPA's, min is still advised from CPU.
    const other = alsoOnOther(input.hpa);
    const cpuMax = Math.max(minReplicas, need(peak * 1.5), value);
    const maxReplicas = other ? Math.max(cpuMax, input.hpa.maxReplicas) : cpuMax;
    // The peak named as what it is: the observed p99 (below the load the target sizes to when the target is under 1%,
    // which `value` covers), or a trusted forecast's peak when that is higher.
    const peakText = peak > observedPeak ? `the forecast peak (${peak.toFixed(1)} req/s)` : `the p99 load (${peak.toFixed(1)} req/s)`;
    const podRequest = atRequest && input.cpuRequest ? input.cpuRequest : undefined;
    // What maxReplicas carries, at one load level: 1.5 × the peak, or the load the risk target sizes to when that needs more.
    const maxFor = maxReplicas === value && value > need(peak * 1.5) ? `the ${q} load (the CPU risk target's)` : `1.5 × ${peakText.replace(/ \(.*\)$/, '')}`;
    const pods = podRequest
      ? `counted in pods of the recommended ${podText(podRequest)} CPU request (${capacity.toFixed(1)} req/s each at the HPA's target), the pods the HPA will run once it is applied: `
        + 'neither rule reads the risk target, but the pod size does (a stricter target gives larger pods, so possibly fewer)'
      : `counted in replicas of the per-replica capacity the experiment measured (${capacity.toFixed(1)} req/s), which does not move with the risk target`;
    rec.hpa = {
      minReplicas, maxReplicas, targetCpuUtilization: input.targetCpuUtilization, maxFor, ...(podRequest ? { podRequest } : {}),
      reason: `HPA: min covers the quietest 5% of load (${low.toFixed(1)} req/s), max 1.5 × ${peakText}, ${pods}; `
        + `max is at least the ${value} replica${value === 1 ? '' : 's'} the CPU risk target (≤${targetShareText(risk)} of the time, the ${q} load) needs; `
        + `target ${Math.round(input.targetCpuUtilization * 100)}% CPU of the recommended request`
        + (other && maxReplicas > cpuMax ? `; the HPA also scales on ${hpaScalesOn(input.hpa)} and runs as many pods as whichever metric asks for more, `
          + `so max keeps the HPA's ${input.hpa.maxReplicas} (CPU alone would advise ${cpuMax})` : ''),
    };
  }
  return rec;
}
