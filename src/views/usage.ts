/**
 * Observed usage of one container over its history: the numbers the tree, the CLI table and the evidence show.
 */
import { max, quantile } from '../core/stats';
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
    cpu: { p50: quantile(cpu, 0.5), p95: quantile(cpu, 0.95), max: max(cpu) },
    memory: { p50: quantile(mem, 0.5), p95: quantile(mem, 0.95), max: max(mem) },
    throttledShare: thr ? throttled / thr.length : 0,
    completeness: present / frame.t.length,
    samples: present,
  };
}
