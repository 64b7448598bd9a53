/**
 * Runs the metric queries of one target and lays the answers on one common grid (a MetricFrame): t = from + i·step,
 * NaN where Prometheus had no sample. A metric with no samples at all is left out of the frame (the DataSource
 * contract: "cannot provide" is absence, not zeros) and reported in `missing` with the selector and a hint.
 */
import type { MetricName } from '../../core/metrics';
import type { MetricFrame, TimeRange } from '../datasource';
import { fitStep, type PrometheusClient, type RangeSeries } from './client';
import { PrometheusError } from './errors';
import type { MetricQuery } from './queries';

export interface FetchedFrame {
  frame: MetricFrame;
  missing: MetricQuery[];
  warnings: string[];
  /**
   * Of `warnings`, those the CPU and memory queries (usage, throttling) answered with (the per-workload plan reads each metric on its
   * own): only these may lower CPU / memory confidence. Absent: the warnings concern every metric (the batched plan).
   */
  usageWarnings?: string[];
}

/** The grid a range maps to: the step grown to the client's point limit; `to` is exclusive. */
export function frameGrid(range: TimeRange, maxPoints: number): { t: Float64Array; step: number } {
  const step = fitStep(range.from, Math.max(range.from, range.to - range.step), range.step, maxPoints);
  const n = Math.max(0, Math.floor((range.to - range.from) / step));
  const t = new Float64Array(n);
  for (let i = 0; i < n; i++) t[i] = range.from + i * step;
  return { t, step };
}

const SUMMED: ReadonlySet<MetricName> = new Set(['request_rate', 'error_rate', 'ready_replicas']);

/** Places series samples on the grid; several series are summed (counts, rates) or maxed (the rest). */
export function toGrid(grid: Float64Array, step: number, series: RangeSeries[], metric: MetricName): Float64Array {
  const out = new Float64Array(grid.length).fill(NaN);
  if (grid.length === 0) return out;
  const from = grid[0];
  const sum = SUMMED.has(metric);
  for (const s of series) {
    for (let k = 0; k < s.t.length; k++) {
      const v = s.v[k];
      // +Inf comes from histogram_quantile when the quantile lies in the +Inf bucket: not a usable latency.
      if (!Number.isFinite(v)) continue;
      const i = Math.round((s.t[k] - from) / step);
      if (i < 0 || i >= out.length) continue;
      const cur = out[i];
      out[i] = Number.isNaN(cur) ? v : sum ? cur + v : Math.max(cur, v);
    }
  }
  return out;
}

/** The metrics CPU and memory are sized from (throttling raises CPU): their queries' warnings are `usageWarnings`. */
const USAGE_METRICS: ReadonlySet<string> = new Set(['cpu_usage', 'memory_working_set', 'cpu_throttling_ratio']);

export async function fetchFrame(client: PrometheusClient, queries: MetricQuery[], range: TimeRange, signal?: AbortSignal): Promise<FetchedFrame> {
  const { t, step } = frameGrid(range, client.maxPoints);
  const values: MetricFrame['values'] = {};
  const missing: MetricQuery[] = [];
  const warnings: string[] = [];
  const usageWarnings: string[] = [];
  if (t.length === 0) return { frame: { t, step, values }, missing, warnings, usageWarnings };
  const end = t[t.length - 1];
  // A query Prometheus rejects (e.g. a configured label that makes bad PromQL) loses that metric only; an unreachable
  // or overloaded server fails the frame.
  const answers = await Promise.all(queries.map((q) => client.queryRange(q.promql, t[0], end, step, { signal }).catch((e: unknown) => {
    if (e instanceof PrometheusError && e.kind === 'query') return e;
    throw e;
  })));
  queries.forEach((q, i) => {
    const r = answers[i];
    if (r instanceof PrometheusError) {
      missing.push({ ...q, hint: r.message, rejected: true });
      return;
    }
    warnings.push(...r.warnings);
    if (USAGE_METRICS.has(q.metric)) usageWarnings.push(...r.warnings);
    const v = toGrid(t, step, r.series, q.metric);
    if (v.some((x) => !Number.isNaN(x))) values[q.metric] = v;
    else missing.push(q);
  });
  return { frame: { t, step, values }, missing, warnings: [...new Set(warnings)], usageWarnings: [...new Set(usageWarnings)] };
}
