/**
 * PromQL for MOrA's 12 metrics (src/core/metrics.ts) of one workload or container.
 *
 * Resource metrics come from cAdvisor (the kubelet's container_* series) or, for a plain process outside Kubernetes
 * (load experiments on a laptop), from the process_* series every Prometheus client library exports.
 * Request/error rates and latency come from the application's own counter and histogram (names configurable);
 * ready replicas from kube-state-metrics (or `up` for a plain process).
 *
 * Units follow the demo: CPU, memory, network and throttling are per-pod averages (or per-pod maxima with
 * podAggregation "max"); request and error rates and ready replicas are per workload.
 */
import type { MetricName } from '../../core/metrics';
import type { WorkloadKind } from '../../core/workload';

export interface MetricNamesConfig {
  cpu: string;
  cpuThrottledPeriods: string;
  cpuPeriods: string;
  memoryWorkingSet: string;
  memoryRss: string;
  networkRx: string;
  networkTx: string;
  /** Application request counter (with a status label for errors). */
  requests: string;
  /** Application latency histogram buckets (`le` label). */
  durationBucket: string;
  processCpu: string;
  processMemory: string;
}

export const DEFAULT_METRIC_NAMES: MetricNamesConfig = {
  cpu: 'container_cpu_usage_seconds_total',
  cpuThrottledPeriods: 'container_cpu_cfs_throttled_periods_total',
  cpuPeriods: 'container_cpu_cfs_periods_total',
  memoryWorkingSet: 'container_memory_working_set_bytes',
  memoryRss: 'container_memory_rss',
  networkRx: 'container_network_receive_bytes_total',
  networkTx: 'container_network_transmit_bytes_total',
  requests: 'http_requests_total',
  durationBucket: 'http_request_duration_seconds_bucket',
  processCpu: 'process_cpu_seconds_total',
  processMemory: 'process_resident_memory_bytes',
};

export interface QueryConfig {
  names: MetricNamesConfig;
  /** Where CPU and memory come from. */
  resources: 'cadvisor' | 'process';
  /** Label of the HTTP status on the request counter, and the regex of failed statuses. */
  statusLabel: string;
  errorStatusRegex: string;
  /**
   * rate() window in seconds; default max(60, 2 × step) — at least four 15 s scrapes. When the step is grown to keep a
   * long range under Prometheus' point limit, the window is at least the grown step (rateWindow's `usedStep`).
   */
  rateWindowSeconds?: number;
  podAggregation: 'avg' | 'max';
  /** Label matchers (without braces) for the application metrics; default: the workload's namespace and pods. */
  appSelector?: string;
  /** Label matchers for process_* and `up` when resources = "process" (e.g. job="checkout"). */
  processSelector?: string;
}

export const DEFAULT_QUERY_CONFIG: QueryConfig = {
  names: DEFAULT_METRIC_NAMES,
  resources: 'cadvisor',
  statusLabel: 'code',
  errorStatusRegex: '5..',
  podAggregation: 'avg',
};

export interface QueryTarget {
  namespace: string;
  kind: WorkloadKind;
  name: string;
  container?: string;
}

export interface MetricQuery {
  metric: MetricName;
  promql: string;
  /** The selector a person can paste into Prometheus to check the raw series exists. */
  selector: string;
  /** What to check when it returns nothing. */
  hint: string;
  /** In `missing`: Prometheus rejected the query (422 too many samples, a Mimir limit); `hint` is then its message. */
  rejected?: true;
}

/** Escapes a PromQL string literal (double-quoted). */
export function promString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/** Escapes regex metacharacters (for a literal inside a PromQL regex matcher). */
export function reEscape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * A regex matching the pod names a controller of this kind creates, and no others of a similarly named workload
 * ("api" must not match "api-gateway-7d9f…"): Deployment and Argo Rollout name-<rs hash>-<5>, StatefulSet name-<ordinal>,
 * DaemonSet/Job name-<5>, CronJob name-<schedule time>-<5>.
 */
export function podNameRegex(kind: WorkloadKind, name: string): string {
  const n = reEscape(name);
  switch (kind) {
    // An Argo Rollout names its ReplicaSets and pods as a Deployment does: <rollout>-<pod-template-hash>-<5>.
    case 'Deployment':
    case 'Rollout': return `${n}-[a-z0-9]{1,10}-[a-z0-9]{5}`;
    case 'StatefulSet': return `${n}-[0-9]+`;
    case 'DaemonSet':
    case 'Job':
    case 'ReplicaSet': return `${n}-[a-z0-9]{5}`;
    case 'CronJob': return `${n}-[0-9]+-[a-z0-9]{5}`;
    case 'Pod': return n;
  }
}

/**
 * The rate() window: the scrape-safe minimum (rateWindowSeconds, else max(60, 2 × the requested step)), and at least
 * `usedStep`, the step the range is actually read at (fitStep grows it on long ranges: 30 days at 60 s are read at
 * 300 s). A window shorter than the step leaves time between points unread: at 300 s with a 120 s window, CPU rates
 * covered 40% of the time.
 */
export function rateWindow(step: number, cfg: QueryConfig, usedStep = step): number {
  return Math.max(cfg.rateWindowSeconds ?? Math.max(60, 2 * step), usedStep);
}

/**
 * The queries of one workload or container. `step` is the requested step, `usedStep` the one the range is read at
 * (frameGrid's; larger on long ranges): rate windows cover it, and memory is the peak within each step
 * (max_over_time over it), not the value at one instant, so a short daily spike is seen at any step.
 */
/**
 * A gauge's peak within each step of `step` seconds. The window is the step less 1 ms: Prometheus 2.x ranges include
 * both ends, so a scrape exactly at the previous point belongs to that point's step only (at a 60 s step and 60 s
 * scrapes, each point is its own sample). Scraped less often than the step (2 min scrapes read at 60 s), a step holds
 * no sample: `or` the plain selector then gives the last sample within the lookback, as an instant read did before,
 * instead of a gap. `or` matches label sets without the metric name, so a series is never counted twice.
 */
export function stepPeak(selector: string, step: number): string {
  return `(max_over_time(${selector}[${Math.round(step * 1000) - 1}ms]) or ${selector})`;
}

/**
 * Labels that tell apart two scrapes of the same target, not two targets: the job (two ServiceMonitors, a second
 * scrape config), its endpoint/service/metrics_path, and an HA pair's external labels (prometheus, prometheus_replica,
 * replica — Thanos' and kube-prometheus' defaults). Never `cluster` (another cluster is another target).
 */
export const SCRAPE_LABELS: readonly string[] = ['job', 'endpoint', 'service', 'metrics_path', 'prometheus', 'prometheus_replica', 'replica'];

/**
 * One series per application series however often it was scraped: `max without (<scrape labels>)` over per-series
 * rates, before they are summed across pods (a double-scraped service otherwise reports twice its request rate). The
 * duplicates are the same counter read twice, so their max is its value; series that differ in any other label (code,
 * path, le, pod, container) stay apart. `instance` is dropped too when every series carries a pod label (the default
 * selector requires one): a pod's address:port then only names the scrape (Istio's merged metrics on :15020 beside
 * the app's port). With a configured application selector (`byPod` false) series may be told apart by instance alone
 * (no pod label), so it is kept.
 */
export function dedupeScrapes(v: string, byPod: boolean): string {
  return `max without (${[...SCRAPE_LABELS, ...(byPod ? ['instance'] : [])].join(', ')}) (${v})`;
}

export function metricQueries(target: QueryTarget, cfg: QueryConfig, step: number, usedStep = step): MetricQuery[] {
  const w = `${Math.round(rateWindow(step, cfg, usedStep))}s`;
  const peak = (m: string) => stepPeak(m, usedStep);
  const N = cfg.names;
  const podSel = `namespace=${promString(target.namespace)},pod=~${promString(podNameRegex(target.kind, target.name))}`;
  const containerSel = target.container ? `container=${promString(target.container)}` : 'container!="",container!="POD"';
  const cSel = `${podSel},${containerSel}`;
  const agg = cfg.podAggregation;
  const app = cfg.appSelector ?? podSel;
  const status = `${cfg.statusLabel}=~${promString(cfg.errorStatusRegex)}`;
  const out: MetricQuery[] = [];
  const add = (metric: MetricName, promql: string, selector: string, hint: string) => out.push({ metric, promql, selector, hint });

  if (cfg.resources === 'cadvisor') {
    const cadvisor = 'is cAdvisor (the kubelet\'s /metrics/cadvisor) scraped?';
    // One cgroup per (pod, container): series scraped twice (kubelet /metrics/resource beside /metrics/cadvisor, an HA
    // pair without dedup, a second cAdvisor job) are the same value, so `max by (pod, container)` first, never a sum.
    // Then per pod (a pod may have several containers), then across pods.
    add('cpu_usage', `${agg}(sum by (pod) (max by (pod, container) (rate(${N.cpu}{${cSel}}[${w}]))))`, `${N.cpu}{${cSel}}`, cadvisor);
    add('cpu_throttling_ratio',
      `sum(max by (pod, container) (rate(${N.cpuThrottledPeriods}{${cSel}}[${w}]))) / sum(max by (pod, container) (rate(${N.cpuPeriods}{${cSel}}[${w}])))`,
      `${N.cpuPeriods}{${cSel}}`, 'CFS metrics exist only for containers with a CPU limit; is cAdvisor scraped?');
    add('memory_working_set', `${agg}(sum by (pod) (max by (pod, container) (${peak(`${N.memoryWorkingSet}{${cSel}}`)})))`, `${N.memoryWorkingSet}{${cSel}}`, cadvisor);
    add('memory_rss', `${agg}(sum by (pod) (max by (pod, container) (${peak(`${N.memoryRss}{${cSel}}`)})))`, `${N.memoryRss}{${cSel}}`, cadvisor);
    // Network is accounted to the pod (container="" or "POD"), once per interface: max by (pod, interface) removes the duplicates.
    add('network_rx', `${agg}(sum by (pod) (max by (pod, interface) (rate(${N.networkRx}{${podSel}}[${w}]))))`, `${N.networkRx}{${podSel}}`, cadvisor);
    add('network_tx', `${agg}(sum by (pod) (max by (pod, interface) (rate(${N.networkTx}{${podSel}}[${w}]))))`, `${N.networkTx}{${podSel}}`, cadvisor);
  } else {
    const p = cfg.processSelector ?? app;
    const hint = 'does the process export the standard process_* metrics (prom-client collectDefaultMetrics)?';
    add('cpu_usage', `${agg}(rate(${N.processCpu}{${p}}[${w}]))`, `${N.processCpu}{${p}}`, hint);
    add('memory_working_set', `${agg}(${peak(`${N.processMemory}{${p}}`)})`, `${N.processMemory}{${p}}`, hint);
    add('memory_rss', `${agg}(${peak(`${N.processMemory}{${p}}`)})`, `${N.processMemory}{${p}}`, hint);
  }

  const appHint = `does the workload export ${N.requests} / ${N.durationBucket}? (metric and label names are configurable)`;
  // Application series scraped twice (two jobs, an HA pair) are read once before they are summed (dedupeScrapes).
  const once = (v: string) => dedupeScrapes(v, cfg.appSelector === undefined);
  add('request_rate', `sum(${once(`rate(${N.requests}{${app}}[${w}])`)})`, `${N.requests}{${app}}`, appHint);
  // "or 0 * …": a service with no failures has no 5xx series at all; that is an error rate of 0, not a gap.
  add('error_rate', `sum(${once(`rate(${N.requests}{${app},${status}}[${w}])`)}) or 0 * sum(rate(${N.requests}{${app}}[${w}]))`, `${N.requests}{${app},${status}}`, appHint);
  for (const [metric, q] of [['latency_p50', 0.5], ['latency_p95', 0.95], ['latency_p99', 0.99]] as const) {
    add(metric, `histogram_quantile(${q}, sum by (le) (${once(`rate(${N.durationBucket}{${app}}[${w}])`)}))`, `${N.durationBucket}{${app}}`, appHint);
  }

  if (cfg.resources === 'process') {
    const p = cfg.processSelector ?? app;
    add('ready_replicas', `count(up{${p}} == 1)`, `up{${p}}`, 'is the target in the scrape configuration?');
  } else {
    const ns = `namespace=${promString(target.namespace)}`;
    const ksm = 'is kube-state-metrics installed and scraped?';
    // max: a controller's count scraped twice (two kube-state-metrics jobs, an HA pair) is one count.
    switch (target.kind) {
      case 'Deployment':
        add('ready_replicas', `max(kube_deployment_status_replicas_ready{${ns},deployment=${promString(target.name)}})`, `kube_deployment_status_replicas_ready{${ns},deployment=${promString(target.name)}}`, ksm);
        break;
      case 'StatefulSet':
        add('ready_replicas', `max(kube_statefulset_status_replicas_ready{${ns},statefulset=${promString(target.name)}})`, `kube_statefulset_status_replicas_ready{${ns},statefulset=${promString(target.name)}}`, ksm);
        break;
      case 'DaemonSet':
        add('ready_replicas', `max(kube_daemonset_status_number_ready{${ns},daemonset=${promString(target.name)}})`, `kube_daemonset_status_number_ready{${ns},daemonset=${promString(target.name)}}`, ksm);
        break;
      default:
        add('ready_replicas', `sum(max by (pod) (kube_pod_status_ready{${podSel},condition="true"}))`, `kube_pod_status_ready{${podSel}}`, ksm);
    }
  }
  return out;
}
