/**
 * The twelve per-service metrics MOrA reads everywhere: demo generator, Prometheus queries,
 * experiment CSVs, LSTM features. Defined once so every layer agrees on names and units.
 */
export const METRIC_NAMES = [
  'cpu_usage',            // cores
  'cpu_throttling_ratio', // 0..1: throttled periods / periods
  'memory_working_set',   // bytes
  'memory_rss',           // bytes
  'network_rx',           // bytes/s
  'network_tx',           // bytes/s
  'request_rate',         // requests/s
  'error_rate',           // errors/s
  'latency_p50',          // seconds
  'latency_p95',          // seconds
  'latency_p99',          // seconds
  'ready_replicas',       // count
] as const;

export type MetricName = (typeof METRIC_NAMES)[number];

export interface MetricInfo {
  readonly name: MetricName;
  readonly unit: 'cores' | 'ratio' | 'bytes' | 'bytes/s' | 'req/s' | 'seconds' | 'count';
  readonly description: string;
}

export const METRICS: Readonly<Record<MetricName, MetricInfo>> = {
  cpu_usage: { name: 'cpu_usage', unit: 'cores', description: 'CPU usage (rate of container_cpu_usage_seconds_total)' },
  cpu_throttling_ratio: { name: 'cpu_throttling_ratio', unit: 'ratio', description: 'Share of CFS periods throttled' },
  memory_working_set: { name: 'memory_working_set', unit: 'bytes', description: 'Memory working set (what the OOM killer sees)' },
  memory_rss: { name: 'memory_rss', unit: 'bytes', description: 'Resident set size' },
  network_rx: { name: 'network_rx', unit: 'bytes/s', description: 'Network receive rate' },
  network_tx: { name: 'network_tx', unit: 'bytes/s', description: 'Network transmit rate' },
  request_rate: { name: 'request_rate', unit: 'req/s', description: 'Requests served per second' },
  error_rate: { name: 'error_rate', unit: 'req/s', description: 'Failed requests per second' },
  latency_p50: { name: 'latency_p50', unit: 'seconds', description: 'Median request latency' },
  latency_p95: { name: 'latency_p95', unit: 'seconds', description: '95th percentile request latency' },
  latency_p99: { name: 'latency_p99', unit: 'seconds', description: '99th percentile request latency' },
  ready_replicas: { name: 'ready_replicas', unit: 'count', description: 'Ready replicas of the workload' },
};

export function isMetricName(s: string): s is MetricName {
  return (METRIC_NAMES as readonly string[]).includes(s);
}
