/**
 * The fallback when a cluster has no Prometheus: current usage from the resource metrics API (`metrics.k8s.io`, served
 * by metrics-server through the API server's aggregation layer). One sample per container — a snapshot: no history, no
 * forecast, low confidence — and never mixed with Prometheus data (a context reads one or the other).
 *
 * PodMetrics carry no owner references, so pods are mapped to workloads by the owner chain of the namespace's Pods
 * (Pod → ReplicaSet → Deployment, Pod → Job → CronJob), read from the API as the batched Prometheus plan reads it from
 * kube-state-metrics (the same PodResolver). A name pattern alone is not enough: the Deployment "web" pattern
 * web-<hash>-<5> also matches the pods of a Job "web-migrate". Where the Pods cannot be listed (RBAC), a pod's name
 * must match the pattern and its labels the ones its controller sets (podLabelsFit); the name alone only as a last
 * resort, for PodMetrics without labels.
 */
import type * as k8s from '@kubernetes/client-node';
import type { MetricFrame } from '../datasource';
import type { Workload } from '../../core/workload';
import { parseResourceQuantity } from '../../core/quantity';
import { OwnerIndex, PodResolver } from '../prometheus/batch-plan';
import { AppliedCredentials, kubeconfigSecrets, redactedKubeError } from './credential-redaction';
import { kubeError, type KubeAction, type KubeError } from './errors';
import { loadClientNode } from './load';

/** Marks a frame read from metrics.k8s.io: one sample, current usage. */
export interface SnapshotFrame extends MetricFrame {
  snapshot: { source: 'metrics.k8s.io'; at: number; pods: number };
}

export function isSnapshot(frame: MetricFrame | undefined): frame is SnapshotFrame {
  return Boolean((frame as SnapshotFrame | undefined)?.snapshot);
}

/** The line every view shows next to a snapshot recommendation. */
export function snapshotNote(frame: SnapshotFrame): string {
  return `snapshot: current usage from metrics.k8s.io (metrics-server) at ${new Date(frame.snapshot.at * 1000).toISOString().replace(/\.\d+Z$/, 'Z')}, ${frame.snapshot.pods} pod(s) — no Prometheus found, so no history and no forecast; low confidence`;
}

interface PodMetrics {
  /** metrics-server copies the pod's labels. */
  metadata?: { name?: string; labels?: Record<string, string> };
  timestamp?: string;
  containers?: Array<{ name: string; usage?: { cpu?: string; memory?: string } }>;
}

export class MetricsServer {
  /** What the requests carried (exec plugin, token file …): a failure that echoes it is redacted. */
  private readonly applied = new AppliedCredentials();

  /** Records, from now on, the credentials of `kc`'s requests (credential-redaction.ts). */
  constructor(private readonly kc: k8s.KubeConfig, private readonly context: string) {
    this.applied.track(kc);
  }

  private failure(e: unknown, action: KubeAction): KubeError {
    return redactedKubeError(kubeError(e, action), [...kubeconfigSecrets(this.kc), ...this.applied.list()]);
  }

  private api(): k8s.CustomObjectsApi {
    return this.kc.makeApiClient(loadClientNode().CustomObjectsApi);
  }

  /** Whether the API answers (cluster-wide, one item); throws KubeError naming the verb when it does not. */
  async available(): Promise<number> {
    try {
      const r = await this.api().listClusterCustomObject({ group: 'metrics.k8s.io', version: 'v1beta1', plural: 'pods', limit: 1 }) as { items?: unknown[] };
      return r.items?.length ?? 0;
    } catch (e) {
      throw this.failure(e, { verb: 'list', resource: 'pods', group: 'metrics.k8s.io', context: this.context });
    }
  }

  /** Per workload of the namespace, per container: the highest current usage among its pods, as a one-sample frame. */
  async frames(namespace: string, workloads: readonly Workload[], step: number): Promise<Map<Workload, Map<string, SnapshotFrame | Error>>> {
    let items: PodMetrics[];
    try {
      items = ((await this.api().listNamespacedCustomObject({ group: 'metrics.k8s.io', version: 'v1beta1', namespace, plural: 'pods' })) as { items?: PodMetrics[] }).items ?? [];
    } catch (e) {
      throw this.failure(e, { verb: 'list', resource: 'pods', group: 'metrics.k8s.io', namespace, context: this.context });
    }
    const resolver = new PodResolver(workloads, await this.owners(namespace, workloads.some((w) => w.kind === 'CronJob')));
    const podsOf = new Map<Workload, PodMetrics[]>();
    for (const p of items) {
      const name = p.metadata?.name ?? '';
      const i = resolver.resolve(name);
      if (i < 0) continue;
      // Mapped by its name only (the owner chain does not know the pod): its labels must agree.
      if (resolver.ownerOf(name) === undefined && !podLabelsFit(workloads[i], name, p.metadata?.labels)) continue;
      podsOf.set(workloads[i], [...(podsOf.get(workloads[i]) ?? []), p]);
    }
    const out = new Map<Workload, Map<string, SnapshotFrame | Error>>();
    for (const w of workloads) {
      const pods = podsOf.get(w) ?? [];
      const at = Math.max(0, ...pods.map((p) => Math.floor(Date.parse(p.timestamp ?? '') / 1000) || 0)) || Math.floor(Date.now() / 1000);
      const byContainer = new Map<string, SnapshotFrame | Error>();
      for (const c of w.containers) {
        const usage = pods.flatMap((p) => p.containers?.filter((x) => x.name === c.name) ?? []).map((x) => x.usage ?? {});
        if (!usage.length) {
          byContainer.set(c.name, new Error(`metrics.k8s.io has no usage for container ${c.name} of ${w.kind} ${namespace}/${w.name} (no running pod matched, or metrics-server has not scraped it yet)`));
          continue;
        }
        const max = (r: 'cpu' | 'memory') => Math.max(...usage.map((u) => (u[r] ? parseResourceQuantity(r, u[r]!) : NaN)).filter(Number.isFinite));
        const values: MetricFrame['values'] = {};
        const cpu = max('cpu');
        const memory = max('memory');
        if (Number.isFinite(cpu)) values.cpu_usage = Float64Array.of(cpu);
        if (Number.isFinite(memory)) values.memory_working_set = Float64Array.of(memory);
        byContainer.set(c.name, { t: Float64Array.of(at), step, values, snapshot: { source: 'metrics.k8s.io', at, pods: pods.length } });
      }
      out.set(w, byContainer);
    }
    return out;
  }

  /**
   * The namespace's owner chain from the API: each Pod's controller, each ReplicaSet's (and each Job's, when CronJobs
   * are listed). undefined when the Pods cannot be listed; a ReplicaSet or Job list that fails only loses that link
   * (PodResolver then reads a ReplicaSet's Deployment from its name).
   */
  private async owners(namespace: string, jobs: boolean): Promise<OwnerIndex | undefined> {
    const k = loadClientNode();
    const list = async (call: () => Promise<{ items: unknown[] }>): Promise<Owned[] | undefined> => {
      try { return (await call()).items as Owned[]; } catch { return undefined; }
    };
    const [pods, replicaSets, jobList] = await Promise.all([
      list(() => this.kc.makeApiClient(k.CoreV1Api).listNamespacedPod({ namespace })),
      list(() => this.kc.makeApiClient(k.AppsV1Api).listNamespacedReplicaSet({ namespace })),
      jobs ? list(() => this.kc.makeApiClient(k.BatchV1Api).listNamespacedJob({ namespace })) : undefined,
    ]);
    if (!pods) return undefined;
    const index = new OwnerIndex();
    // A pod without a controller is its own workload ("<none>", as kube-state-metrics says).
    for (const p of pods) OwnerIndex.add(index.pods, p.metadata?.name, controllerOf(p)?.kind ?? '<none>', controllerOf(p)?.name);
    for (const [map, objs] of [[index.replicaSets, replicaSets], [index.jobs, jobList]] as const) {
      for (const o of objs ?? []) {
        const name = o.metadata?.name;
        if (!name) continue;
        map.set(name, map.get(name) ?? []);
        OwnerIndex.add(map, name, controllerOf(o)?.kind, controllerOf(o)?.name);
      }
    }
    return index;
  }
}

type Owned = { metadata?: { name?: string; ownerReferences?: Array<{ kind?: string; name?: string; controller?: boolean }> } };

function controllerOf(o: Owned): { kind?: string; name?: string } | undefined {
  return o.metadata?.ownerReferences?.find((r) => r.controller) ?? o.metadata?.ownerReferences?.[0];
}

/**
 * Whether a pod whose name matches `w`'s pattern carries the labels w's controller gives its pods: a Deployment's pods
 * pod-template-hash (the name's middle part; an Argo Rollout's rollouts-pod-template-hash), a Job's job-name, a CronJob's job-name <cronjob>-<time>, a StatefulSet's
 * statefulset.kubernetes.io/pod-name, a DaemonSet's pod-template-generation. Without labels: true (nothing to check).
 */
export function podLabelsFit(w: Pick<Workload, 'kind' | 'name'>, pod: string, labels: Record<string, string> | undefined): boolean {
  if (!labels) return true;
  const job = labels['batch.kubernetes.io/job-name'] ?? labels['job-name'];
  switch (w.kind) {
    case 'Deployment': return labels['pod-template-hash'] !== undefined && pod.startsWith(`${w.name}-${labels['pod-template-hash']}-`);
    // Argo Rollouts label their ReplicaSets' pods with their own hash label (rollouts-pod-template-hash).
    case 'Rollout': {
      const hash = labels['rollouts-pod-template-hash'] ?? labels['pod-template-hash'];
      return hash !== undefined && pod.startsWith(`${w.name}-${hash}-`);
    }
    case 'Job': return job === w.name;
    case 'CronJob': return job !== undefined && job.startsWith(`${w.name}-`) && /^[0-9]+$/.test(job.slice(w.name.length + 1));
    case 'StatefulSet': return labels['statefulset.kubernetes.io/pod-name'] === pod;
    case 'DaemonSet': return labels['pod-template-generation'] !== undefined;
    default: return true;
  }
}
