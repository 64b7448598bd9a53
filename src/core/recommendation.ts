/**
 * The one result type every view reads (tree, CodeLens, webview, CLI, HTML report).
 * Nothing below the views knows which view asked.
 */
import type { ResourceAmounts, WorkloadRef } from './workload';

/** A recommended amount with its uncertainty. Base units: cores or bytes or replicas. */
export interface Bounded {
  value: number;
  lower: number;
  upper: number;
}

export type QosClass = 'Guaranteed' | 'Burstable';

export type Verdict = 'over-provisioned' | 'under-provisioned' | 'at-risk' | 'ok' | 'no-data';

export interface Evidence {
  /** Observed usage percentiles over the history window, base units. */
  observed: { p50: number; p95: number; p99: number; max: number; samples: number; days: number };
  /** Peak of the forecast over the horizon (fused forecast where available). */
  forecastPeak?: number;
  /** Multiplicative safety margin applied, e.g. 0.15 for +15%. */
  margin: number;
  /** Which method produced the value, e.g. 'fused', 'moving-window', and why. */
  method: string;
  reason: string;
  /** Model agreement 0..1 where two forecasters ran. */
  agreement?: number;
  /** Data completeness 0..1. */
  completeness: number;
  /** Replay of the last weeks: how the value would have done. */
  replay?: { days: number; exceedanceShare: number; oomDays: number; wasteRatio: number };
  notes: string[];
}

export interface ResourceRecommendation {
  request: Bounded;
  /** Undefined when the policy leaves this limit unset (e.g. CPU limits off). */
  limit?: Bounded;
  confidence: number;
  evidence: Evidence;
}

export interface ContainerRecommendation {
  container: string;
  current: { requests: ResourceAmounts; limits: ResourceAmounts };
  cpu?: ResourceRecommendation;
  memory?: ResourceRecommendation;
  verdict: Verdict;
  confidence: number;
}

export interface ReplicaRecommendation {
  current: number;
  recommended: Bounded;
  /** When the workload has an HPA, advice on its settings instead of a fixed count. */
  hpa?: { minReplicas: number; maxReplicas: number; targetCpuUtilization: number; reason: string };
  reason: string;
}

export interface Recommendation {
  workload: WorkloadRef;
  containers: ContainerRecommendation[];
  replicas?: ReplicaRecommendation;
  qos: QosClass;
  confidence: number;
  generatedAt: number;
}
