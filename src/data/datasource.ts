/**
 * Where workloads and metrics come from. The demo shop, a live cluster (Kubernetes API + Prometheus) and stored
 * experiments implement this one interface, so the tree, the CLI and the engine never branch on which one they read.
 */
import type { MetricName } from '../core/metrics';
import type { Workload, WorkloadRef } from '../core/workload';

export interface TimeRange {
  /** Unix seconds, inclusive. */
  from: number;
  /** Unix seconds, exclusive. */
  to: number;
  /** Seconds between samples. */
  step: number;
}

/**
 * The metrics of one target on a common time grid. A metric the source cannot provide is absent (not zero);
 * a sample it lacks is NaN.
 */
export interface MetricFrame {
  readonly t: Float64Array;
  readonly step: number;
  readonly values: Partial<Record<MetricName, Float64Array>>;
  /**
   * Why a metric is absent when the source was refused rather than empty-handed (Prometheus rejected the query: "would
   * load too many samples", a Mimir limit): its message, so a missing value is not reported as "no usage samples".
   */
  readonly unavailable?: Partial<Record<MetricName, string>>;
  /** Warnings the source answered with (Thanos/Mimir "partial response: store … unavailable"): the data may be incomplete. */
  readonly warnings?: readonly string[];
  /**
   * Of `warnings`, those on the CPU and memory usage data (the per-workload plan knows which query warned): the ones
   * that may lower CPU / memory confidence. Absent: `warnings` all concern the usage (the batched plan reads it together).
   */
  readonly usageWarnings?: readonly string[];
  /**
   * The container's OOM kills in the range (unix seconds, one entry per kill, ascending) when the source can tell:
   * an empty array is "none", absence is "not known" (no kube-state-metrics / cAdvisor OOM series, the demo).
   */
  readonly oomKills?: readonly number[];
}

export interface MetricTarget {
  workload: WorkloadRef;
  /** Per-container metrics (CPU, memory) when given; workload-level ones (request rate, replicas) either way. */
  container?: string;
}

/** One workload's metrics from a namespace-wide read: per container of its spec, the frame or why there is none. */
export interface WorkloadMetrics {
  workload: Workload;
  /** By container name: the frame metrics() would give, or the error metrics() would throw (e.g. no samples). */
  containers: Map<string, MetricFrame | Error>;
}

export interface SourceHealth {
  ok: boolean;
  /** One line a person can act on, e.g. "Prometheus at http://… refused the connection". */
  message: string;
  /**
   * What kind of fault a failed check is, for exit codes: `unreachable` (a server did not answer: exit 3),
   * `bad-input` (a missing or unreadable kubeconfig, a malformed URL: exit 2), `no-data` (answers, but lacks the data: exit 2).
   */
  problem?: HealthProblem;
  /** The check was cancelled (health(signal) aborted): nothing failed, nothing was found out. */
  cancelled?: boolean;
  /**
   * On an ok answer: checks that did not stop the source but whose usage is suspect — cAdvisor's CPU/memory series
   * stale (newest sample over STALE_SAMPLE_SECONDS old, the rule of `mora health`), one line each naming the check, the
   * metric, the age and what to fix. Also part of `message`; `mora recommend` says them on stderr and reads the history.
   */
  stale?: string[];
}

export type HealthProblem = 'unreachable' | 'bad-input' | 'no-data';

export interface DataSource {
  readonly kind: 'demo' | 'cluster' | 'experiments';
  contexts(): Promise<string[]>;
  /** The context kubectl uses (the kubeconfig's current context), where a source has several; manifests are read against it. */
  currentContext?(): Promise<string | undefined>;
  namespaces(context: string): Promise<string[]>;
  workloads(context: string, namespace: string): Promise<Workload[]>;
  /**
   * What the last workloads() of this namespace could not list (a kind RBAC refuses, or whose list failed with a 5xx or
   * a timeout), one line each, so a view says so instead of showing the namespace as if complete. Optional.
   */
  workloadWarnings?(context: string, namespace: string): readonly string[];
  /** The full history range the source has for this target (the demo: 14 days). */
  historyRange(target: MetricTarget): Promise<TimeRange>;
  metrics(target: MetricTarget, range: TimeRange): Promise<MetricFrame>;
  /**
   * The metrics of many workloads of one namespace in one go, yielded workload by workload (a live cluster reads them
   * with a few Prometheus queries per metric for the whole namespace instead of a dozen per container). Optional:
   * without it, callers read each container with metrics(). Throws when the source is unreachable.
   */
  metricsForNamespace?(context: string, namespace: string, workloads: readonly Workload[], range: TimeRange, signal?: AbortSignal): AsyncIterable<WorkloadMetrics>;
  /**
   * Optional: calls `onChange` (debounced) whenever a workload of the namespace is added, deleted or changes its spec
   * (a live cluster watches the Kubernetes API), until the returned handle is disposed.
   */
  watchWorkloads?(context: string, namespace: string, onChange: () => void): { dispose(): void };
  /**
   * Optional (a live cluster): the recommendations MOrA's in-cluster run wrote to VerticalPodAutoscaler statuses in this
   * context, not older than `maxAgeHours` (src/data/kube/vpa-reader.ts). Never throws: when the VPAs cannot be read
   * (RBAC, no CRD, unreachable) it resolves with `fallback`, one line, and the caller computes locally.
   */
  inClusterRecommendations?(context: string, options: { maxAgeHours: number }): Promise<import('./kube/vpa-recommendation').InClusterRead>;
  /** `signal`: Cancel — a source that asks servers aborts its requests and resolves with `cancelled` at once. */
  health(signal?: AbortSignal): Promise<SourceHealth>;
}
