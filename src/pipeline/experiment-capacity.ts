/**
 * What load experiments measured about a workload, in the form the engine's replica advice takes: per-pod CPU
 * against per-pod load (cpu ≈ a + b·rps), fitted by least squares over the steady-state means of every load level of
 * every experiment of that workload (each level at its own replica count).
 */
import type { Workload } from '../core/workload';
import type { StoredExperiment } from '../data/experiments/store';

export interface MeasuredLoadModel {
  a: number;
  b: number;
  /** Which experiments, for the evidence. */
  source: string;
  levels: number;
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
  // Two distinct load levels at least, or the slope is not measured.
  if (xs.length < 2 || Math.max(...xs) - Math.min(...xs) <= 0) return undefined;
  const n = xs.length;
  const mx = xs.reduce((s, x) => s + x, 0) / n;
  const my = ys.reduce((s, y) => s + y, 0) / n;
  let sxy = 0, sxx = 0;
  for (let i = 0; i < n; i++) { sxy += (xs[i] - mx) * (ys[i] - my); sxx += (xs[i] - mx) ** 2; }
  const b = sxy / sxx;
  if (!(b > 0)) return undefined;
  const ids = experiments.map((e) => e.document.id);
  return { a: my - b * mx, b, levels: n, source: `${ids.length === 1 ? 'experiment' : `${ids.length} experiments`} ${ids.slice(0, 3).join(', ')}${ids.length > 3 ? ', …' : ''}` };
}
