/**
 * Replica advice from load. Per-replica capacity comes from experiments when there are any; otherwise it is
 * estimated from history: a least-squares line of per-pod CPU against per-pod load (cpu ≈ a + b·rps) says how much
 * load one pod can take before its CPU reaches the target utilisation of its (recommended) request:
 * capacity = (target × request − a) / b. Replicas then follow the same risk target as the CPU request (docs/ENGINE.md
 * § Replicas): the fewest pods such that the load per pod exceeds that capacity no more than `cpuRisk` of the time — on
 * the observed load, or on a trusted forecast's peak scaled to the same quantile. An HPA's bounds are fixed rules around
 * that count (max at least it), and say so.
 */
import { shareText } from '../../core/advice-text';
import type { Bounded, ReplicaRecommendation } from '../../core/recommendation';
import type { HpaSpec } from '../../core/workload';
import { finiteSorted, quantile, quantileSorted } from '../../core/stats';
import { DEFAULT_RISK } from './policy';

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
  /** Recommended CPU request per pod (cores). */
  cpuRequest?: number;
  /** Load one replica sustains at the target, measured by an experiment (req/s). */
  measuredCapacity?: number;
  /**
   * Per-pod CPU against per-pod load measured by load experiments (cpu ≈ a + b·rps): capacity at the recommended request;
   * and, from an experiment plan, the rate per replica sustained within the SLO with its 95% interval.
   */
  measuredLoadModel?: MeasuredLoad;
  /** Forecast peak request rate over the horizon, when a forecast is trusted. */
  forecastPeakLoad?: number;
  targetCpuUtilization: number;
  /**
   * The CPU risk target (Policy.cpuRisk, default 5%): the share of time the load per replica may exceed the per-replica
   * capacity, as the CPU request may be exceeded.
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

export function recommendReplicas(input: ReplicaInput): ReplicaRecommendation | undefined {
  const { requestRate, readyReplicas } = input;
  if (!requestRate || !readyReplicas || requestRate.length < 10) return undefined;
  let capacity = input.measuredCapacity;
  let how = 'per-replica capacity measured by an experiment';
  const measured = input.measuredLoadModel;
  if (!(capacity && capacity > 0) && measured) {
    const { a, b, source } = measured;
    const atTarget = `${Math.round(input.targetCpuUtilization * 100)}% of the recommended CPU request`;
    const byCpu = input.cpuRequest && b > 0 ? (input.targetCpuUtilization * input.cpuRequest - Math.max(0, a)) / b : NaN;
    const slo = measured.capacity && measured.capacity.estimate > 0 ? measured.capacity : undefined;
    const sloText = slo && `${slo.bound === 'at-least' ? 'at least ' : ''}${slo.estimate.toFixed(1)} req/s per replica (95% interval ${slo.lower.toFixed(1)}–${slo.upper.toFixed(1)}) sustained within the SLO ${slo.slo}`;
    if (slo && !(byCpu > 0 && byCpu < slo.estimate)) {
      capacity = slo.estimate;
      how = `capacity ${sloText}, measured by ${source}`;
    } else if (byCpu > 0) {
      capacity = byCpu;
      how = `capacity ${byCpu.toFixed(1)} req/s per replica measured by ${source} (cpu ≈ ${a.toFixed(3)} + ${b.toFixed(5)}·rps) at ${atTarget}${sloText ? `, below the ${sloText}` : ''}`;
    }
  }
  if (!(capacity && capacity > 0)) {
    if (!input.cpuPerPod || !input.cpuRequest) return undefined;
    const perPod = Float64Array.from({ length: requestRate.length }, (_, i) => (readyReplicas[i] > 0 ? requestRate[i] / readyReplicas[i] : NaN));
    const est = estimateCapacity(perPod, input.cpuPerPod, input.cpuRequest, input.targetCpuUtilization);
    if (!est) return undefined;
    capacity = est.capacity;
    how = `capacity ${capacity.toFixed(1)} req/s per replica estimated from observed load per ready replica (cpu ≈ ${est.a.toFixed(3)} + ${est.b.toFixed(5)}·rps) at ${Math.round(input.targetCpuUtilization * 100)}% of the recommended CPU request`;
  }
  const risk = input.cpuRisk ?? DEFAULT_RISK.cpu;
  const sorted = finiteSorted(requestRate);
  const observedPeak = quantileSorted(sorted, 0.99);
  const peak = Math.max(observedPeak, input.forecastPeakLoad ?? 0);
  const typical = quantile(requestRate, 0.5);
  const low = quantile(requestRate, 0.05);
  const need = (load: number): number => Math.max(1, Math.ceil(load / capacity!));
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
  const q = `p${Number(((1 - risk) * 100).toFixed(1))}`;
  const loadText = forecastAtRisk !== undefined
    ? `forecast peak ${input.forecastPeakLoad!.toFixed(1)} req/s scaled to the observed ${q} (${forecastAtRisk.toFixed(1)} req/s)`
    : `observed ${q} load ${atRisk.toFixed(1)} req/s`;
  const expected = shareAbove(sorted, value * capacity);
  const above = forecastAtRisk !== undefined ? '' : `, per-replica load above capacity ${shareText(expected)} of the time`;
  const reason = `${loadText} ÷ ${capacity.toFixed(1)} req/s per replica (CPU risk target ≤${shareText(risk)} of the time${above}); ${how}`;
  const rec: ReplicaRecommendation = { current: input.current, recommended, reason, risk: { target: risk, expected } };
  if (input.hpa) {
    // The bounds are fixed rules, not the risk target, and the reason says so. The risk target concerns time with the load
    // per replica above capacity, which only maxReplicas can cause (the HPA cannot add pods beyond it): so max is at least
    // the count at the target (`value`), plus a fixed 1.5 × the peak for the HPA's lag and growth. minReplicas causes no such
    // time (at min the pods run below the target utilisation): it covers the quietest 5% of load, an availability floor,
    // at least two where the workload already runs two or more.
    const minReplicas = Math.max(input.current >= 2 || input.hpa.minReplicas >= 2 ? 2 : 1, need(low));
    const maxReplicas = Math.max(minReplicas, need(peak * 1.5), value);
    rec.hpa = {
      minReplicas, maxReplicas, targetCpuUtilization: input.targetCpuUtilization,
      reason: `HPA: min covers the quietest 5% of load (${low.toFixed(1)} req/s), max 1.5 × the peak (${peak.toFixed(1)} req/s): fixed rules, `
        + `whatever the risk target; max is at least the ${value} replica${value === 1 ? '' : 's'} the CPU risk target (≤${shareText(risk)} of the time) needs; `
        + `target ${Math.round(input.targetCpuUtilization * 100)}% CPU of the recommended request`,
    };
  }
  return rec;
}
