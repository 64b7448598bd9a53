/**
 * The fallback when a cluster has no Prometheus: current usage from the resource metrics API (`metrics.k8s.io`, served
 * by metrics-server through the API server's aggregation layer). One sample per container — a snapshot: no history, no
 * forecast, low confidence — and never mixed with Prometheus data (a context reads one or the other).
 *
 * Pods are mapped to workloads by the controllers' pod-name patterns (PodMetrics carry no owner references).
 */
import type * as k8s from '@kubernetes/client-node';
import type { MetricFrame } from '../datasource';
import type { Workload } from '../../core/workload';
import { parseResourceQuantity } from '../../core/quantity';
import { podNameRegex } from '../prometheus/queries';
import { kubeError } from './errors';
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
  metadata?: { name?: string };
  timestamp?: string;
  containers?: Array<{ name: string; usage?: { cpu?: string; memory?: string } }>;
}

export class MetricsServer {
  constructor(private readonly kc: k8s.KubeConfig, private readonly context: string) {}

  private api(): k8s.CustomObjectsApi {
    return this.kc.makeApiClient(loadClientNode().CustomObjectsApi);
  }

  /** Whether the API answers (cluster-wide, one item); throws KubeError naming the verb when it does not. */
  async available(): Promise<number> {
    try {
      const r = await this.api().listClusterCustomObject({ group: 'metrics.k8s.io', version: 'v1beta1', plural: 'pods', limit: 1 }) as { items?: unknown[] };
      return r.items?.length ?? 0;
    } catch (e) {
      throw kubeError(e, { verb: 'list', resource: 'pods', group: 'metrics.k8s.io', context: this.context });
    }
  }

  /** Per workload of the namespace, per container: the highest current usage among its pods, as a one-sample frame. */
  async frames(namespace: string, workloads: readonly Workload[], step: number): Promise<Map<Workload, Map<string, SnapshotFrame | Error>>> {
    let items: PodMetrics[];
    try {
      items = ((await this.api().listNamespacedCustomObject({ group: 'metrics.k8s.io', version: 'v1beta1', namespace, plural: 'pods' })) as { items?: PodMetrics[] }).items ?? [];
    } catch (e) {
      throw kubeError(e, { verb: 'list', resource: 'pods', group: 'metrics.k8s.io', namespace, context: this.context });
    }
    const out = new Map<Workload, Map<string, SnapshotFrame | Error>>();
    for (const w of workloads) {
      const re = new RegExp(`^(?:${podNameRegex(w.kind, w.name)})$`);
      const pods = items.filter((p) => re.test(p.metadata?.name ?? ''));
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
}
