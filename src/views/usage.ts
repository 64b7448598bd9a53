/**
 * Observed usage of one container over its history: the numbers the tree, the CLI table and the evidence show.
 */
import { quantileSorted } from '../core/stats';
import type { MetricFrame } from '../data/datasource';

export interface UsageSummary {
  cpu: { p50: number; p95: number; max: number };
  memory: { p50: number; p95: number; max: number };
  /** Share of samples with noticeable CPU throttling (> 5% of periods). */
  throttledShare: number;
  /** Share of expected samples present (non-NaN CPU and memory). */
  completeness: number;
  samples: number;
}

/**
 * One buffer for the sorted finite samples, reused by every summary: expanding a namespace summarises thousands of
 * containers in a row, and a fresh array per quantile (four per container) made the garbage collector's pauses the
 * longest event-loop stalls of the tree (bench:tree --in-cluster). Summaries run synchronously, so one is enough.
 */
let scratch = new Float64Array(2048);

/** p50, p95 and max of the finite values (NaN when none), from one sort into the shared buffer. */
function spread(values: ArrayLike<number>): { p50: number; p95: number; max: number } {
  if (scratch.length < values.length) scratch = new Float64Array(Math.max(values.length, scratch.length * 2));
  let n = 0;
  let top = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    // As stats.max: the largest value that compares (NaN never does); the quantiles take the finite ones.
    if (v > top) top = v;
    if (Number.isFinite(v)) scratch[n++] = v;
  }
  const sorted = scratch.subarray(0, n).sort();
  return { p50: quantileSorted(sorted, 0.5), p95: quantileSorted(sorted, 0.95), max: top === -Infinity ? NaN : top };
}

export function summariseUsage(frame: MetricFrame): UsageSummary | undefined {
  const cpu = frame.values.cpu_usage;
  const mem = frame.values.memory_working_set;
  if (!cpu || !mem || frame.t.length === 0) return undefined;
  let present = 0;
  for (let i = 0; i < cpu.length; i++) if (Number.isFinite(cpu[i]) && Number.isFinite(mem[i])) present++;
  if (present === 0) return undefined;
  let throttled = 0;
  const thr = frame.values.cpu_throttling_ratio;
  if (thr) for (let i = 0; i < thr.length; i++) if (thr[i] > 0.05) throttled++;
  return {
    cpu: spread(cpu),
    memory: spread(mem),
    throttledShare: thr ? throttled / thr.length : 0,
    completeness: present / frame.t.length,
    samples: present,
  };
}
