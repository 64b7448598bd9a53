/**
 * Recommendations by workload, across kubeconfig contexts.
 *
 * The tree knows a workload's context; a manifest does not (it names a namespace, a kind and a name). Two contexts often
 * hold the same namespace and workload (staging and production), with different usage and so different advice. So entries
 * are keyed by context too, and a manifest reads the entry of the context kubectl would apply it to — the kubeconfig's
 * current context — or, without one, the first context that has the workload.
 */
import type { Recommendation } from '../core/recommendation';
import { workloadKey, type WorkloadRef } from '../core/workload';

export class RecommendationIndex {
  private readonly byWorkload = new Map<string, Recommendation>();
  /** namespace/kind/name → context → workload key, contexts in the order they were added. */
  private readonly byManifestName = new Map<string, Map<string, string>>();

  get size(): number {
    return this.byWorkload.size;
  }

  get(ref: WorkloadRef): Recommendation | undefined {
    return this.byWorkload.get(workloadKey(ref));
  }

  /** The recommendation a manifest's workload gets: `preferredContext`'s when it has one, else the first context's. */
  forManifest(namespace: string, kind: string, name: string, preferredContext?: string): Recommendation | undefined {
    const contexts = this.byManifestName.get(manifestName(namespace, kind, name));
    if (!contexts?.size) return undefined;
    const key = (preferredContext !== undefined ? contexts.get(preferredContext) : undefined) ?? contexts.values().next().value!;
    return this.byWorkload.get(key);
  }

  /** The contexts that hold a recommendation for this manifest name. */
  contextsFor(namespace: string, kind: string, name: string): string[] {
    return [...(this.byManifestName.get(manifestName(namespace, kind, name))?.keys() ?? [])];
  }

  put(rec: Recommendation): void {
    const w = rec.workload;
    const key = workloadKey(w);
    this.byWorkload.set(key, rec);
    const name = manifestName(w.namespace, w.kind, w.name);
    const contexts = this.byManifestName.get(name) ?? new Map<string, string>();
    contexts.set(w.context, key);
    this.byManifestName.set(name, contexts);
  }

  /** Adds or replaces some containers of a workload's recommendation (a forecast refined them), keeping the others. */
  merge(rec: Recommendation): void {
    const before = this.get(rec.workload);
    const names = new Set(rec.containers.map((c) => c.container));
    const containers = [...(before?.containers.filter((c) => !names.has(c.container)) ?? []), ...rec.containers];
    this.put({ ...rec, containers, replicas: rec.replicas ?? before?.replicas });
  }

  /** Forgets what is known for one context's namespace (before it is recomputed or replaced). */
  dropNamespace(context: string, namespace: string): void {
    for (const [key, rec] of this.byWorkload) {
      const w = rec.workload;
      if (w.context !== context || w.namespace !== namespace) continue;
      this.byWorkload.delete(key);
      const name = manifestName(w.namespace, w.kind, w.name);
      const contexts = this.byManifestName.get(name);
      contexts?.delete(context);
      if (!contexts?.size) this.byManifestName.delete(name);
    }
  }

  all(): Recommendation[] {
    return [...this.byWorkload.values()];
  }

  clear(): void {
    this.byWorkload.clear();
    this.byManifestName.clear();
  }
}

/** Manifests spell kinds in any case the API accepts for lookups (`Deployment`, `deployment`). */
function manifestName(namespace: string, kind: string, name: string): string {
  return `${namespace}/${kind.toLowerCase()}/${name}`;
}
