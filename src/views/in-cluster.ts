/**
 * With `mora.dataSource = cluster`, the recommendations MOrA's in-cluster run wrote to VPA statuses are used as they
 * are — instant at any scale — and only the workloads without one are computed locally. Editor-free: the extension's
 * recommendation store (src/extension/recommendation-store.ts) and bench:tree use this.
 */
import type { Recommendation } from '../core/recommendation';
import type { Workload } from '../core/workload';
import { DEFAULT_MAX_AGE_HOURS, hasValue, withCurrent, type InClusterRead } from '../data/kube/vpa-recommendation';

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
   * its requests, its containers) and those to compute locally.
   */
  split(namespace: string, workloads: readonly Workload[]): { fromCluster: Recommendation[]; toCompute: Workload[] } {
    const ns = this.byNamespace.get(namespace);
    const fromCluster: Recommendation[] = [];
    const toCompute: Workload[] = [];
    for (const w of workloads) {
      const r = ns?.get(`${w.kind}/${w.name}`);
      const mapped = r ? withCurrent(r, w) : undefined;
      // Every container the workload runs is listed (those absent from the status without values); none with a value: local.
      if (mapped && hasValue(mapped.containers)) fromCluster.push(mapped);
      else toCompute.push(w);
    }
    return { fromCluster, toCompute };
  }
}
