/**
 * Adapter from the engine's sizing rule (src/ml/engine, `MoraStrategy`: one `Bounded` value per resource) to the
 * `Recommendation` every view reads, with the evidence the hover and the webview show. Until the engine returns full
 * `Recommendation`s this is where the views get theirs; when it does, only this file changes.
 *
 * Rules kept deliberately simple and visible in the evidence:
 * - CPU request and memory value from the strategy over the container's history; raised to the fused forecast's peak
 *   when the forecast expects more than the history showed.
 * - Memory: request = limit (the OOM killer acts on the limit; Burstable memory overcommit is what causes OOM kills).
 * - CPU limit only for Guaranteed QoS or when `cpuLimits` is on (limits cause throttling).
 * - Replicas: enough pods that the p99 of the workload's total CPU fits in `targetUtilization` × the recommended per-pod
 *   request (which already carries a margin), never fewer than 2 for a workload that already runs 2 or more (availability);
 *   nothing for workloads an HPA scales.
 */
import { applyQuantityPolicy, type QuantityPolicy } from '../core/quantity';
import type { ContainerRecommendation, Evidence, QosClass, Recommendation, ResourceRecommendation, Verdict } from '../core/recommendation';
import { quantile } from '../core/stats';
import type { Workload } from '../core/workload';
import type { MetricFrame } from '../data/datasource';
import { MoraStrategy } from '../ml/engine/mora-strategy';
import { combineConfidence, confidenceParts, dataQuality } from '../ml/fusion';

const DAY = 86400;
const CPU_POLICY: QuantityPolicy = { step: 0.005, min: 0.01, max: Infinity };
const MEMORY_POLICY: QuantityPolicy = { step: 2 ** 20, min: 16 * 2 ** 20, max: Infinity };

export interface AdapterOptions {
  qos: QosClass;
  cpuLimits: boolean;
  targetUtilization: number;
  /** Unix seconds the recommendation is for (default: the end of the history). */
  now?: number;
}

export const DEFAULT_ADAPTER_OPTIONS: AdapterOptions = { qos: 'Burstable', cpuLimits: false, targetUtilization: 1 };

/** What a forecast adds to the evidence: peak of the fused upper band and the models' agreement/confidence. */
export interface ForecastSummary {
  peak: number;
  confidence: number;
  agreement?: number;
  models: string[];
}

function observed(t: Float64Array, v: Float64Array): Evidence['observed'] & { values: number[] } {
  const values: number[] = [];
  for (let i = 0; i < v.length; i++) if (Number.isFinite(v[i])) values.push(v[i]);
  const days = t.length > 1 ? (t[t.length - 1] - t[0]) / DAY : 0;
  return {
    values,
    p50: quantile(values, 0.5), p95: quantile(values, 0.95), p99: quantile(values, 0.99),
    max: values.reduce((a, b) => Math.max(a, b), -Infinity), samples: values.length, days,
  };
}

function recommendResource(
  kind: 'cpu' | 'memory', frame: MetricFrame, values: Float64Array, forecast: ForecastSummary | undefined, options: AdapterOptions,
): ResourceRecommendation | undefined {
  const obs = observed(frame.t, values);
  if (obs.samples === 0) return undefined;
  const strategy = new MoraStrategy(kind);
  strategy.observe(frame.t, values);
  const now = options.now ?? frame.t[frame.t.length - 1] + frame.step;
  const base = strategy.recommend(now);
  if (!base) return undefined;
  const notes: string[] = [];
  let raw = base.value;
  if (forecast && forecast.peak > raw) {
    notes.push(`raised from the history-based value to the forecast peak (${forecast.models.join(' + ')})`);
    raw = forecast.peak;
  }
  const policy = kind === 'cpu' ? CPU_POLICY : MEMORY_POLICY;
  const value = applyQuantityPolicy(raw, policy);
  const request = { value, lower: applyQuantityPolicy(base.lower, policy), upper: Math.max(value, applyQuantityPolicy(base.upper, policy)) };
  const completeness = frame.t.length > 0 ? obs.samples / frame.t.length : 0;
  // Without a forecast: fusion's confidence formula with its model terms neutral (no holdout, no second model), so the
  // CodeLens (history only) and the webview (forecast) report confidence on one scale.
  const confidence = forecast ? forecast.confidence
    : combineConfidence(confidenceParts(dataQuality(frame.t, values, frame.step), undefined, undefined, undefined));
  const limit = kind === 'memory' ? { ...request }
    : options.qos === 'Guaranteed' || options.cpuLimits ? { ...request } : undefined;
  const { values: _values, ...observedStats } = obs;
  return {
    request,
    limit,
    confidence,
    evidence: {
      observed: observedStats,
      forecastPeak: forecast?.peak,
      margin: base.lower > 0 ? base.value / base.lower - 1 : 0,
      method: 'mora',
      reason: kind === 'cpu'
        ? 'p95 of the last 3 days × a margin calibrated so past days were covered 90% of the time'
        : 'peak of the last 3 days × a margin calibrated on past daily peaks',
      agreement: forecast?.agreement,
      completeness,
      notes,
    },
  };
}

function verdictOf(current: number | undefined, rec: ResourceRecommendation | undefined, obs: { p95: number }): Verdict {
  if (!rec) return 'no-data';
  if (current === undefined) return 'under-provisioned';
  if (obs.p95 > current) return 'at-risk';
  if (rec.request.value > current * 1.1) return 'under-provisioned';
  if (rec.request.value < current * 0.7) return 'over-provisioned';
  return 'ok';
}

const WORST: Verdict[] = ['at-risk', 'under-provisioned', 'over-provisioned', 'ok', 'no-data'];

/**
 * A recommendation for one container of a workload from its metrics (per-pod CPU and memory, ready replicas).
 * `forecasts` (optional) are the fused forecast summaries of CPU and memory.
 */
export function recommendFromMetrics(
  workload: Workload, container: string, frame: MetricFrame,
  forecasts: { cpu?: ForecastSummary; memory?: ForecastSummary } = {}, options: AdapterOptions = DEFAULT_ADAPTER_OPTIONS,
): Recommendation {
  const spec = workload.containers.find((c) => c.name === container);
  const current = { requests: { ...(spec?.resources.requests ?? {}) }, limits: { ...(spec?.resources.limits ?? {}) } };
  const cpuValues = frame.values.cpu_usage;
  const memValues = frame.values.memory_working_set;
  const cpu = cpuValues ? recommendResource('cpu', frame, cpuValues, forecasts.cpu, options) : undefined;
  const memory = memValues ? recommendResource('memory', frame, memValues, forecasts.memory, options) : undefined;
  const verdicts = [
    cpu ? verdictOf(current.requests.cpu, cpu, cpu.evidence.observed) : 'no-data',
    memory ? verdictOf(current.requests.memory, memory, memory.evidence.observed) : 'no-data',
  ] as Verdict[];
  const verdict = WORST.find((v) => verdicts.includes(v)) ?? 'no-data';
  const confidences = [cpu?.confidence, memory?.confidence].filter((x): x is number => x !== undefined);
  const containerRec: ContainerRecommendation = {
    container, current, cpu, memory, verdict,
    confidence: confidences.length ? Math.min(...confidences) : 0,
  };
  const generatedAt = options.now ?? (frame.t.length ? frame.t[frame.t.length - 1] + frame.step : 0);
  return {
    workload: { context: workload.context, namespace: workload.namespace, kind: workload.kind, name: workload.name },
    containers: [containerRec],
    replicas: recommendReplicas(workload, frame, cpu, options),
    qos: options.qos,
    confidence: containerRec.confidence,
    generatedAt,
  };
}

function recommendReplicas(workload: Workload, frame: MetricFrame, cpu: ResourceRecommendation | undefined, options: AdapterOptions): Recommendation['replicas'] {
  if (workload.hpa || !cpu || !['Deployment', 'StatefulSet', 'ReplicaSet'].includes(workload.kind)) return undefined;
  const perPod = frame.values.cpu_usage!;
  const ready = frame.values.ready_replicas;
  const total: number[] = [];
  for (let i = 0; i < perPod.length; i++) {
    const r = ready ? ready[i] : workload.replicas;
    if (Number.isFinite(perPod[i]) && Number.isFinite(r)) total.push(perPod[i] * r);
  }
  if (total.length === 0) return undefined;
  const peak = quantile(total, 0.99);
  const floor = workload.replicas >= 2 ? 2 : 1;
  const needed = Math.max(floor, Math.ceil(peak / (cpu.request.value * options.targetUtilization)));
  return {
    current: workload.replicas,
    recommended: { value: needed, lower: floor, upper: Math.max(needed, workload.replicas) },
    reason: `p99 of total CPU (${(peak * 1000).toFixed(0)}m) at ≤ ${Math.round(options.targetUtilization * 100)}% of the recommended request per pod, at least ${floor} for availability`,
  };
}
