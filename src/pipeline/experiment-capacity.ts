/**
 * What load experiments measured about a workload, in the form the engine's replica advice takes: per-pod CPU
 * against per-pod load (cpu ≈ a + b·rps), fitted by least squares over the steady-state means of every load level of
 * every experiment of that workload (each level at its own replica count); and, from experiment plans, the rate one
 * replica sustains within the SLO with an uncertainty interval (`capacityFromPlan`, docs/EXPERIMENTS.md § Capacity).
 */
import { Rng } from '../core/random';
import type { Workload } from '../core/workload';
import type { CellRecord, PlanDocument } from '../data/experiments/plan-run';
import type { PlanWorkload } from '../data/experiments/plan-file';
import type { StoredExperiment } from '../data/experiments/store';

/** A rate per replica (req/s) with its 95% interval. */
export interface CapacityInterval {
  estimate: number;
  lower: number;
  upper: number;
  /** "bracketed" between a cell within the SLO and one beyond it; "at-least" when every cell met the SLO. */
  bound: 'bracketed' | 'at-least';
  /** The SLO it is sustainable within, e.g. "p95 ≤ 150 ms". */
  slo: string;
}

export interface MeasuredLoadModel {
  /** CPU ≈ a + b·rps per pod; NaN when the experiments did not measure a slope (then only `capacity` is known). */
  a: number;
  b: number;
  /** Which experiments, for the evidence. */
  source: string;
  levels: number;
  /** The rate one replica sustains within the SLO, measured by an experiment plan. */
  capacity?: CapacityInterval;
}

/** One replica count of a service: what its cells say about the sustainable rate per replica. */
export interface CapacityGroup {
  replicas: number;
  /** Highest served rate per replica among the cells within the SLO (NaN: none). */
  within: number;
  /** Lowest served rate per replica among the cells beyond the SLO, above `within` (NaN: none). */
  beyond: number;
}

export interface ServiceCapacity {
  service: string;
  workload?: PlanWorkload;
  slo: string;
  /** Undefined when no replica count had a passed cell within the SLO. */
  perReplica?: CapacityInterval;
  groups: CapacityGroup[];
  /** CPU seconds per request (median over the passed cells): per-pod CPU × replicas ÷ served rate. */
  cpuSecondsPerRequest?: number;
  /** Working-set bytes per replica (median over the passed cells). */
  memoryPerReplicaBytes?: number;
  usedCells: string[];
  /** Cells left out, and why (failed quality gate, not done). */
  excludedCells: Array<{ cell: string; reasons: string[] }>;
}

export const CAPACITY_METHOD = 'per replica count, the sustainable rate per replica lies between the highest served rate per replica within the SLO and the lowest beyond it; '
  + 'the estimate is the mean of those brackets\' midpoints over the replica counts, and its 95% interval the 2.5–97.5 percentiles of 2000 bootstrap means '
  + '(replica counts resampled with replacement, each contributing a value drawn uniformly from its bracket); a count with no cell beyond the SLO contributes its lower end';

function median(xs: number[]): number | undefined {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (!s.length) return undefined;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function sloText(c: CellRecord): string {
  const parts: string[] = [];
  if (c.slo.latencyP95Ms !== undefined) parts.push(`p95 ≤ ${c.slo.latencyP95Ms} ms`);
  if (c.slo.latencyP99Ms !== undefined) parts.push(`p99 ≤ ${c.slo.latencyP99Ms} ms`);
  return parts.join(', ');
}

/** Bootstrap (seeded) over the replica-count groups; see CAPACITY_METHOD. */
export function capacityInterval(groups: readonly CapacityGroup[], slo: string, seed = 1, resamples = 2000): CapacityInterval | undefined {
  const usable = groups.filter((g) => Number.isFinite(g.within));
  if (!usable.length) return undefined;
  const lo = usable.map((g) => g.within);
  const hi = usable.map((g) => (Number.isFinite(g.beyond) ? g.beyond : g.within));
  const n = usable.length;
  const estimate = lo.reduce((s, l, i) => s + (l + hi[i]) / 2, 0) / n;
  const rng = new Rng(seed);
  const means = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    let sum = 0;
    for (let k = 0; k < n; k++) {
      const i = Math.min(n - 1, Math.floor(rng.next() * n));
      sum += lo[i] + rng.next() * (hi[i] - lo[i]);
    }
    means[b] = sum / n;
  }
  means.sort();
  const q = (p: number) => means[Math.min(resamples - 1, Math.max(0, Math.round(p * (resamples - 1))))];
  return {
    estimate, lower: Math.min(estimate, q(0.025)), upper: Math.max(estimate, q(0.975)),
    bound: usable.some((g) => Number.isFinite(g.beyond)) ? 'bracketed' : 'at-least', slo,
  };
}

/** Per service of a plan's record: the sustainable rate per replica within the SLO, and the resource cost. */
export function capacityFromPlan(doc: PlanDocument, seed = 1): ServiceCapacity[] {
  const out: ServiceCapacity[] = [];
  for (const service of [...new Set(doc.cells.map((c) => c.service))]) {
    const cells = doc.cells.filter((c) => c.service === service);
    const excludedCells: ServiceCapacity['excludedCells'] = [];
    const used: CellRecord[] = [];
    for (const c of cells) {
      if (c.status !== 'done' || !c.stats || !c.quality) excludedCells.push({ cell: c.id, reasons: [`not run (${c.status})`] });
      else if (!c.quality.passed) excludedCells.push({ cell: c.id, reasons: c.quality.reasons });
      else used.push(c);
    }
    const groups: CapacityGroup[] = [];
    for (const replicas of [...new Set(used.map((c) => c.replicas))].sort((a, b) => a - b)) {
      const g = used.filter((c) => c.replicas === replicas).map((c) => ({ x: c.stats!.achievedRate / replicas, ok: c.quality!.sloMet }));
      const within = Math.max(...g.filter((c) => c.ok).map((c) => c.x));
      const beyondAll = g.filter((c) => !c.ok && !(c.x < within)).map((c) => c.x);
      groups.push({ replicas, within: Number.isFinite(within) ? within : NaN, beyond: beyondAll.length ? Math.min(...beyondAll) : NaN });
    }
    const slo = cells.length ? sloText(cells[0]) : '';
    const cpu = used.map((c) => ((c.summary?.means.cpu_usage ?? NaN) * c.replicas) / (c.summary?.means.request_rate ?? NaN));
    const mem = used.map((c) => c.summary?.means.memory_working_set ?? NaN);
    out.push({
      service, workload: cells[0]?.workload, slo, perReplica: capacityInterval(groups, slo, seed), groups,
      cpuSecondsPerRequest: median(cpu), memoryPerReplicaBytes: median(mem), usedCells: used.map((c) => c.id), excludedCells,
    });
  }
  return out;
}

/** The experiments that measured this workload: same name, and the same namespace unless the run was on a plain process. */
export function experimentsFor(w: Workload, experiments: readonly StoredExperiment[]): StoredExperiment[] {
  return experiments.filter((e) => e.workload === w.name && (e.namespace === w.namespace || e.namespace === 'local'));
}

export function loadModelFromExperiments(experiments: readonly StoredExperiment[]): MeasuredLoadModel | undefined {
  const xs: number[] = [];
  const ys: number[] = [];
  for (const e of experiments) {
    const replicas = Math.max(1, e.document.config.replicas);
    // A level the load generator marked failed (nothing got through, or most requests failed) measured an outage, not
    // capacity: fitting it would bend the slope.
    const failed = new Set(e.document.timings.levels.filter((l) => l.failed).map((l) => l.level));
    for (const level of e.document.summary?.levels ?? []) {
      if (failed.has(level.level)) continue;
      const rps = level.means.request_rate;
      const cpu = level.means.cpu_usage;
      if (rps === undefined || cpu === undefined || !Number.isFinite(rps) || !Number.isFinite(cpu)) continue;
      xs.push(rps / replicas);
      ys.push(cpu);
    }
  }
  const ids = experiments.map((e) => e.document.id);
  const plan = experiments.find((e) => e.plan)?.plan;
  const capacity = plan ? capacityFromPlan(plan.document).find((c) => c.service === plan.service)?.perReplica : undefined;
  const planSource = plan ? `experiment plan ${plan.document.name}` : '';
  // Two distinct load levels at least, or the slope is not measured.
  if (xs.length < 2 || Math.max(...xs) - Math.min(...xs) <= 0) {
    return capacity ? { a: NaN, b: NaN, levels: xs.length, source: planSource, capacity } : undefined;
  }
  const n = xs.length;
  const mx = xs.reduce((s, x) => s + x, 0) / n;
  const my = ys.reduce((s, y) => s + y, 0) / n;
  let sxy = 0, sxx = 0;
  for (let i = 0; i < n; i++) { sxy += (xs[i] - mx) * (ys[i] - my); sxx += (xs[i] - mx) ** 2; }
  const b = sxy / sxx;
  if (!(b > 0)) return capacity ? { a: NaN, b: NaN, levels: n, source: planSource, capacity } : undefined;
  const source = plan ? planSource : `${ids.length === 1 ? 'experiment' : `${ids.length} experiments`} ${ids.slice(0, 3).join(', ')}${ids.length > 3 ? ', …' : ''}`;
  return { a: my - b * mx, b, levels: n, source, ...(capacity ? { capacity } : {}) };
}
