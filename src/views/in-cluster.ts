/**
 * With `mora.dataSource = cluster`, the recommendations MOrA's in-cluster run wrote to VPA statuses are used as they
 * are — instant at any scale — and only the workloads without one are computed locally. Editor-free: the extension's
 * recommendation store (src/extension/recommendation-store.ts) and bench:tree use this.
 */
import type { Recommendation } from '../core/recommendation';
import type { Workload } from '../core/workload';
import { DEFAULT_MAX_AGE_HOURS, hasValue, withCurrent, type InClusterRead } from '../data/kube/vpa-recommendation';
import { sameRiskTarget } from '../data/kube/vpa-status';

/** The risk targets the editor computes to now (mora.risk.cpu, mora.risk.memory). */
export interface RiskTargets {
  cpu: number;
  memory: number;
}

/**
 * Whether the in-cluster recommendation was sized to other risk targets than `risk`: a container whose stated target
 * (the fleet's budget where it has one) is not the setting. A recommendation stating no risk (an older status, a
 * baseline's values) cannot say, and is kept.
 */
export function sizedToOtherTargets(r: Recommendation, risk: RiskTargets): boolean {
  return r.containers.some((c) => (['cpu', 'memory'] as const).some((k) => {
    const stated = c[k]?.evidence.risk;
    return stated !== undefined && !sameRiskTarget(stated.fleet?.target ?? stated.target, risk[k]);
  }));
}

/** Default of mora.inCluster.maxAgeHours (0 turns the in-cluster recommendations off). */
export const DEFAULT_IN_CLUSTER_MAX_AGE_HOURS = DEFAULT_MAX_AGE_HOURS;

/** One context's in-cluster recommendations, by namespace and workload. */
export class InClusterRecommendations {
  private readonly byNamespace = new Map<string, Map<string, Recommendation>>();

  constructor(readonly read: InClusterRead) {
    for (const r of read.recommendations) {
      const w = r.workload;
      const ns = this.byNamespace.get(w.namespace) ?? new Map<string, Recommendation>();
      ns.set(`${w.kind}/${w.name}`, r);
      this.byNamespace.set(w.namespace, ns);
    }
  }

  get size(): number {
    return this.read.recommendations.length;
  }

  /**
   * The namespace's workloads split: those with an in-cluster recommendation (set against the workload as it runs now:
   * its requests, its containers) and those to compute locally. With `risk` (the editor's mora.risk.cpu /
   * mora.risk.memory), a recommendation the in-cluster run sized to other targets is computed locally too: its values
   * and its "(target ≤5%)" would not be what the settings ask for.
   */
  split(namespace: string, workloads: readonly Workload[], risk?: RiskTargets): { fromCluster: Recommendation[]; toCompute: Workload[] } {
    const ns = this.byNamespace.get(namespace);
    const fromCluster: Recommendation[] = [];
    const toCompute: Workload[] = [];
    for (const w of workloads) {
      const r = ns?.get(`${w.kind}/${w.name}`);
      const mapped = r && !(risk && sizedToOtherTargets(r, risk)) ? withCurrent(r, w) : undefined;
      // Every container the workload runs is listed (those absent from the status without values); none with a value: local.
      if (mapped && hasValue(mapped.containers)) fromCluster.push(mapped);
      else toCompute.push(w);
    }
    return { fromCluster, toCompute };
  }
}
