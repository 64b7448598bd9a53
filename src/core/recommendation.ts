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

/**
 * `partial`: what could be sized looks right, but CPU or memory got no value (`ContainerRecommendation.unsized` says
 * why) — never `ok`, which would vouch for a value nobody computed.
 */
export type Verdict = 'over-provisioned' | 'under-provisioned' | 'at-risk' | 'ok' | 'partial' | 'no-data';

/**
 * The verdict's tolerance around a recommendation (rightsizing/engine/recommend.ts verdictOf, and the same verdict read
 * back from a VPA in data/kube/vpa-recommendation.ts): a CPU request below `under` × what the workload needs is
 * under-provisioned, a request above `over` × the recommended one over-provisioned; in between needs no change. The
 * in-cluster recommender publishes this band as the VPA's upperBound and CPU lowerBound (data/kube/vpa-status.ts;
 * memory's lowerBound is MOrA's own lower bound, below which memory risks OOM), so the VPA updater evicts, and
 * Goldilocks flags, when the editor's verdict would say "change it" (docs/IN-CLUSTER.md).
 */
export const VERDICT_TOLERANCE = { under: 0.8, over: 1.5 } as const;

/**
 * The rolling replay of a value over the history window. A day whose peak went above the value is an OOM kill for a
 * memory limit (`oomDays`, memory only) but only a request exceeded for CPU (`daysAbove`, CPU only): CPU is compressible.
 */
export interface Replay {
  days: number;
  /** Share of samples above the value. */
  exceedanceShare: number;
  /** Memory: days on which the limit would have been exceeded (an OOM kill). */
  oomDays?: number;
  /** CPU: days with at least one sample above the request. */
  daysAbove?: number;
  /** Σ max(0, value − usage) / Σ usage. */
  wasteRatio: number;
}

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
  replay?: Replay;
  /**
   * The risk this value carries: the user's target and what the calibration on the workload's own history expects
   * (CPU: share of time above the request; memory: share of days above the limit, an OOM day).
   */
  risk?: RiskStatement;
  notes: string[];
}

export interface RiskStatement {
  /** 'exceedance': share of samples above a CPU request; 'oom-days': share of days whose peak passes a memory limit. */
  measure: 'exceedance' | 'oom-days';
  /** The target the user set (a share, 0.05 = 5%). */
  target: number;
  /** The share expected at this value from its calibration on the workload's own history. */
  expected: number;
  /** Days of the workload's own history the calibration used (0: cold start, the margin is a prior). */
  calibrationDays: number;
  /**
   * With a fleet risk budget (`--risk-scope fleet`): `target` is this workload's allotment and this is the budget — the
   * mean target over the fleet's workloads.
   */
  fleet?: { target: number; workloads: number };
  /**
   * Memory whose daily peaks keep rising (a leak): the growth (bytes/day) and the days until the limit is reached at
   * that rate. The risk is then that time, not the calibrated OOM-day rate; `expected` is at least 1/daysToLimit.
   */
  leak?: { perDay: number; daysToLimit: number };
}

export interface ResourceRecommendation {
  request: Bounded;
  /** Undefined when the policy leaves this limit unset (e.g. CPU limits off). */
  limit?: Bounded;
  confidence: number;
  evidence: Evidence;
}

/** A resource whose recommended value a policy floor raised far above what the container was seen to use. */
export interface FloorRaise {
  resource: 'cpu' | 'memory';
  /** The floor (per container), base units. */
  floor: number;
  /** The highest usage observed over the history window, base units. */
  observedMax: number;
}

export interface ContainerRecommendation {
  container: string;
  current: { requests: ResourceAmounts; limits: ResourceAmounts };
  cpu?: ResourceRecommendation;
  memory?: ResourceRecommendation;
  verdict: Verdict;
  /**
   * Set when a floor raised a recommended value to more than twice the observed peak: the value then comes from the
   * policy, not from the workload, and every view says so next to the verdict (src/core/advice-text.ts).
   */
  raisedToFloor?: FloorRaise[];
  confidence: number;
  /** Why CPU or memory got no value (no samples, too few): a missing value is never left unexplained. */
  unsized?: Array<{ resource: 'cpu' | 'memory'; reason: string }>;
}

export interface ReplicaRecommendation {
  current: number;
  recommended: Bounded;
  /**
   * When the workload has an HPA, advice on its settings instead of a fixed count; `current` is the HPA as it runs now
   * (the advice is phrased against it: "HPA 2–6 → raise maxReplicas to 12").
   */
  hpa?: {
    minReplicas: number; maxReplicas: number; targetCpuUtilization: number; reason: string;
    current?: { minReplicas: number; maxReplicas: number; targetCpuUtilization?: number };
    /**
     * The CPU request (cores) of the pods the counts are in: the recommended one, the pods the HPA will run once it is
     * applied. Absent when the counts are of a per-replica capacity an experiment measured, or the HPA keeps its bounds.
     */
    podRequest?: number;
    /** The load level maxReplicas carries, in words: `1.5 × the p99 load`, `the p99.5 load (the CPU risk target's)`. */
    maxFor?: string;
  };
  reason: string;
  /**
   * Where the count was sized to the CPU risk target (replicas.ts; absent where the HPA keeps its bounds unmeasured): the
   * target (share of time the load per replica may exceed its capacity) and the share of the observed samples whose load
   * per replica exceeds it at the advised count.
   */
  risk?: { target: number; expected: number };
}

export interface Recommendation {
  workload: WorkloadRef;
  containers: ContainerRecommendation[];
  replicas?: ReplicaRecommendation;
  qos: QosClass;
  confidence: number;
  generatedAt: number;
  /**
   * Set when the numbers were not computed here but read from the cluster: MOrA's in-cluster run wrote them to a VPA's
   * status (src/data/kube/vpa-reader.ts); the views say so, with their age.
   */
  origin?: RecommendationOrigin;
}

export interface RecommendationOrigin {
  kind: 'in-cluster';
  /** namespace/name of the VerticalPodAutoscaler. */
  vpa: string;
  /** Unix seconds of the MOrA run that last wrote or confirmed it. */
  writtenAt: number;
  /**
   * The VPA's container policy modes (container name or `*` → mode), kept only when one is `Off`: MOrA writes nothing
   * for such a container, and a view naming a container absent from the status says that is why.
   */
  containerModes?: Record<string, string>;
}
