/**
 * A fleet risk budget over a DataSource (`mora recommend --risk-scope fleet`): the risk targets are a budget for the mean
 * over every container in scope (the workloads the run recommends), and each container's CPU and memory get their own
 * target — the least total waste, none above the cap (docs/ENGINE.md § Risk, "Fleet risk budget"). The workloads' usage is read once here for the allocation,
 * then the run recommends each one at its allotted targets (the evidence says the allotment and the fleet's budget).
 */
import { series, type Series } from '../core/series';
import type { Workload } from '../core/workload';
import type { DataSource } from '../data/datasource';
import { isSnapshot } from '../data/kube/metrics-server';
import { workloadFrames } from '../data/namespace-frames';
import { parseWorkloadSelector, selects } from './workload-selector';
import { allocateFleet, DEFAULT_RISK, defaultFleetCap, type AllottedRisk, type Policy, type RiskAllotment } from '../rightsizing/engine';

export interface FleetScope {
  context?: string;
  namespace?: string;
  workload?: string;
}

export interface FleetAllotment {
  allotment: RiskAllotment;
  /** Per resource: containers in the fleet and the range of their targets. */
  summary: Array<{ kind: 'cpu' | 'memory'; target: number; cap: number; members: number; min: number; max: number }>;
}

const key = (w: { context: string; namespace: string; name: string }, container: string): string => JSON.stringify([w.context, w.namespace, w.name, container]);

/**
 * Reads the usage of every container in scope (workloads or namespaces that cannot be read are left out here; the run
 * reports them) and allots each one's targets. `caps` overrides the default cap (4× the target, at most 30%).
 */
export async function fleetRiskAllotment(source: DataSource, scope: FleetScope, policy: Partial<Pick<Policy, 'cpuRisk' | 'memoryRisk'>> & Pick<Policy, 'historyDays'>, caps: { cpu?: number; memory?: number } = {}): Promise<FleetAllotment> {
  const workloads: Workload[] = [];
  const selector = scope.workload === undefined ? undefined : parseWorkloadSelector(scope.workload); // -w as the run reads it
  for (const ctx of await source.contexts()) {
    if (scope.context !== undefined && ctx !== scope.context) continue;
    for (const ns of await source.namespaces(ctx)) {
      if (scope.namespace && ns !== scope.namespace) continue;
      try {
        for (const w of await source.workloads(ctx, ns)) if (!selector || selects(selector, w)) workloads.push(w);
      } catch { /* the run names the namespace it cannot list */ }
    }
  }
  const members: Array<{ key: string; now: number; cpu?: Series; memory?: Series }> = [];
  for await (const { workload: w, frame } of workloadFrames(source, workloads)) {
    try {
      const range = await source.historyRange({ workload: w });
      for (const c of w.containers) {
        const f = await frame(c.name);
        if (isSnapshot(f)) continue; // one sample: no history to draw a curve from (the snapshot rule ignores targets)
        const s = (v: Float64Array | undefined): Series | undefined => (v && v.length ? series(f.t, v) : undefined);
        members.push({ key: key(w, c.name), now: range.to, cpu: s(f.values.cpu_usage), memory: s(f.values.memory_working_set) });
      }
    } catch { /* the run names the workload it cannot read */ }
  }
  const allotted = new Map<string, Partial<Record<'cpu' | 'memory', AllottedRisk>>>();
  const summary: FleetAllotment['summary'] = [];
  for (const kind of ['cpu', 'memory'] as const) {
    const target = (kind === 'cpu' ? policy.cpuRisk : policy.memoryRisk) ?? DEFAULT_RISK[kind];
    const cap = Math.max(target, caps[kind] ?? defaultFleetCap(target));
    const ms = members.filter((m) => m[kind] !== undefined);
    if (ms.length === 0) continue;
    const now = Math.max(...ms.map((m) => m.now));
    const alloc = allocateFleet(kind, ms.map((m) => ({ usage: m[kind]! })), { target, cap }, now, { historyDays: policy.historyDays });
    ms.forEach((m, j) => {
      const entry = allotted.get(m.key) ?? {};
      entry[kind] = { target: alloc.targets[j], fleet: { target, workloads: ms.length } };
      allotted.set(m.key, entry);
    });
    summary.push({ kind, target, cap, members: ms.length, min: Math.min(...alloc.targets), max: Math.max(...alloc.targets) });
  }
  return { allotment: (w, container, kind) => allotted.get(key(w, container))?.[kind], summary };
}
