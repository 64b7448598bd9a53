/**
 * Replica advice from load. Per-replica capacity comes from experiments when there are any; otherwise it is
 * estimated from history: a least-squares line of per-pod CPU against per-pod load (cpu ≈ a + b·rps) says how much
 * load one pod can take before its CPU reaches the target utilisation of its (recommended) request:
 * capacity = (target × request − a) / b. Replicas then follow the HPA formula's semantics: enough pods that the
 * forecast (or observed) peak load per pod stays at or below capacity.
 */
import type { Bounded, ReplicaRecommendation } from '../../core/recommendation';
import type { HpaSpec } from '../../core/workload';
import { quantile } from '../../core/stats';

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
  /** Per-pod CPU against per-pod load measured by load experiments (cpu ≈ a + b·rps): capacity at the recommended request. */
  measuredLoadModel?: { a: number; b: number; source: string };
  /** Forecast peak request rate over the horizon, when a forecast is trusted. */
  forecastPeakLoad?: number;
  targetCpuUtilization: number;
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
  if (!(capacity && capacity > 0) && input.measuredLoadModel && input.cpuRequest && input.measuredLoadModel.b > 0) {
    const { a, b, source } = input.measuredLoadModel;
    const c = (input.targetCpuUtilization * input.cpuRequest - Math.max(0, a)) / b;
    if (c > 0) {
      capacity = c;
      how = `capacity ${c.toFixed(1)} req/s per replica measured by ${source} (cpu ≈ ${a.toFixed(3)} + ${b.toFixed(5)}·rps) at ${Math.round(input.targetCpuUtilization * 100)}% of the recommended CPU request`;
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
  const observedPeak = quantile(requestRate, 0.99);
  const peak = Math.max(observedPeak, input.forecastPeakLoad ?? 0);
  const typical = quantile(requestRate, 0.5);
  const low = quantile(requestRate, 0.05);
  const need = (load: number): number => Math.max(1, Math.ceil(load / capacity!));
  // Workloads already running two or more replicas keep two for availability.
  const floor = input.current >= 2 ? 2 : 1;
  const recommended: Bounded = { value: Math.max(floor, need(peak)), lower: Math.max(floor, need(typical)), upper: Math.max(floor, need(peak * 1.2)) };
  const loadWord = input.forecastPeakLoad !== undefined && input.forecastPeakLoad > observedPeak ? 'forecast peak' : 'observed p99';
  const reason = `${loadWord} load ${peak.toFixed(1)} req/s ÷ ${capacity.toFixed(1)} req/s per replica; ${how}`;
  const rec: ReplicaRecommendation = { current: input.current, recommended, reason };
  if (input.hpa) {
    // Keep at least two replicas for availability where the workload already runs two or more.
    const minReplicas = Math.max(input.current >= 2 || input.hpa.minReplicas >= 2 ? 2 : 1, need(low));
    const maxReplicas = Math.max(minReplicas, need(peak * 1.5));
    rec.hpa = {
      minReplicas, maxReplicas, targetCpuUtilization: input.targetCpuUtilization,
      reason: `HPA: min covers the quietest 5% of load (${low.toFixed(1)} req/s), max covers 1.5 × the peak; target ${Math.round(input.targetCpuUtilization * 100)}% CPU of the recommended request`,
    };
  }
  return rec;
}
