/**
 * Observed usage of one container over its history: the numbers the tree, the CLI table and the evidence show.
 */
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
 * One buffer for the finite samples, reused by every summary: expanding a namespace summarises thousands of containers
 * in a row, and a fresh array per quantile (four per container) made the garbage collector's pauses the longest
 * event-loop stalls of the tree (bench:tree --in-cluster). Summaries run synchronously, so one is enough.
 */
let scratch = new Float64Array(2048);

/** p50, p95 and max of the finite values (NaN when none): selected in place in the shared buffer, nothing allocated. */
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
  return { p50: quantileInPlace(scratch, n, 0.5), p95: quantileInPlace(scratch, n, 0.95), max: top === -Infinity ? NaN : top };
}

/**
 * stats.quantile of a[0..n) (linear between the two nearest ranks, as quantileSorted), by selection instead of a sort:
 * reorders a[0..n) and allocates nothing.
 */
function quantileInPlace(a: Float64Array, n: number, q: number): number {
  if (n === 0) return NaN;
  const h = (n - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(h);
  select(a, n, lo);
  // After selection everything above lo is ≥ a[lo]: the next rank is the smallest of them.
  let next = a[lo];
  if (lo + 1 < n) {
    next = a[lo + 1];
    for (let i = lo + 2; i < n; i++) if (a[i] < next) next = a[i];
  }
  return a[lo] + (h - lo) * (next - a[lo]);
}

/** Hoare's selection: a[k] becomes the k-th smallest of a[0..n), smaller ones before it and larger ones after. */
function select(a: Float64Array, n: number, k: number): void {
  let left = 0;
  let right = n - 1;
  while (right > left) {
    // Median of three as the pivot: sorted or periodic series do not degrade it.
    const mid = (left + right) >>> 1;
    const x = a[left], y = a[mid], z = a[right];
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : (x < z ? x : y < z ? z : y);
    let i = left;
    let j = right;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else return;
  }
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
