// The kube test double of the undo tests (the CLI's --apply-cluster/--undo, and the shared undo record): Deployments by
// name in namespace "shop", patched as the API server would.
import { formatCpu, formatMemory } from '../../../src/core/quantity';
import type { WorkloadRef } from '../../../src/core/workload';
import type { PlanClient } from '../../../src/data/kube/apply-plan';
import type { ApplyResult } from '../../../src/data/kube/client';
import type { ContainerResourceChange } from '../../../src/data/kube/patch';
import type { K8sWorkloadObject } from '../../../src/data/kube/workloads';

export type Resources = { requests?: Record<string, string>; limits?: Record<string, string> };

/** Deployments by name, patched as the API server would (quantities as MOrA formats them). */
export class FakeCluster implements PlanClient {
  objects = new Map<string, K8sWorkloadObject>();
  writes: string[] = [];
  /** Called before each real write; may throw (a refusal) or do anything else. */
  onWrite: (name: string) => void = () => undefined;
  private rv = 100;

  add(name: string, resources: Resources, replicas = 2): void {
    this.objects.set(name, {
      metadata: { name, namespace: 'shop', resourceVersion: String(this.rv++) },
      spec: { replicas, template: { spec: { containers: [{ name: 'server', image: 'x', resources }] } } },
    } as K8sWorkloadObject);
  }

  resources(name: string): Resources {
    return this.objects.get(name)!.spec!.template!.spec!.containers![0].resources as Resources;
  }

  async applyResources(ref: WorkloadRef, changes: ContainerResourceChange[], opts: { dryRun?: boolean; replicas?: number }): Promise<ApplyResult> {
    const before = this.objects.get(ref.name)!;
    const after = structuredClone(before);
    for (const c of changes) {
      const container = after.spec!.template!.spec!.containers!.find((x) => x.name === c.container)!;
      const res = (container.resources ??= {}) as Resources;
      for (const group of ['requests', 'limits'] as const) {
        for (const r of ['cpu', 'memory'] as const) {
          const v = c[group]?.[r];
          if (v === undefined) continue;
          const g = (res[group] ??= {});
          if (v === null) delete g[r];
          else g[r] = r === 'cpu' ? formatCpu(v) : formatMemory(v);
          if (!Object.keys(g).length) delete res[group]; // as the API server drops an emptied map
        }
      }
    }
    if (opts.replicas !== undefined) after.spec!.replicas = opts.replicas;
    if (opts.dryRun) return { resourceVersion: before.metadata!.resourceVersion!, attempts: 1, dryRun: true, before, after };
    this.onWrite(ref.name);
    this.writes.push(ref.name);
    after.metadata!.resourceVersion = String(this.rv++);
    this.objects.set(ref.name, after);
    return { resourceVersion: after.metadata!.resourceVersion!, attempts: 1, dryRun: false, before, after };
  }

  async podAdmissionObjects(): Promise<{ limitRanges: never[]; quotas: never[]; warnings: string[] }> {
    return { limitRanges: [], quotas: [], warnings: [] };
  }
}

