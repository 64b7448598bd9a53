/**
 * Reading the frames of many workloads through any DataSource: namespace by namespace with
 * `metricsForNamespace` where the source has it (a live cluster: a few Prometheus queries per metric per namespace),
 * container by container with `metrics()` otherwise. Callers get each workload as soon as its frames are in, and
 * ask for its containers' frames; a frame that cannot be read rejects as `metrics()` would have thrown.
 */
import type { Workload } from '../core/workload';
import type { DataSource, MetricFrame, TimeRange } from './datasource';

export interface WorkloadFrames {
  workload: Workload;
  /** The container's frame (what `source.metrics` gives for it), or the error that keeps it from being read. */
  frame(container: string): Promise<MetricFrame>;
}

/**
 * Yields `workloads` in order, grouped by context and namespace (a batched source reads a namespace at once).
 * `adjust` changes the history range asked for (e.g. a coarser step for the tree). If a namespace-wide read fails
 * part-way (Prometheus went away), the workloads it did not deliver are still yielded, each rejecting with that error,
 * so callers that skip unreadable workloads keep doing so.
 */
export async function* workloadFrames(source: DataSource, workloads: readonly Workload[], adjust: (r: TimeRange) => TimeRange = (r) => r): AsyncGenerator<WorkloadFrames> {
  if (!source.metricsForNamespace) {
    for (const workload of workloads) {
      yield {
        workload,
        frame: async (container) => {
          const target = { workload, container };
          return source.metrics(target, adjust(await source.historyRange(target)));
        },
      };
    }
    return;
  }
  const groups = new Map<string, Workload[]>();
  for (const w of workloads) {
    const key = JSON.stringify([w.context, w.namespace]);
    const list = groups.get(key);
    if (list) list.push(w);
    else groups.set(key, [w]);
  }
  for (const group of groups.values()) {
    const delivered = new Set<Workload>();
    let failure: unknown;
    try {
      const range = adjust(await source.historyRange({ workload: group[0] }));
      for await (const item of source.metricsForNamespace(group[0].context, group[0].namespace, group, range)) {
        delivered.add(item.workload);
        yield {
          workload: item.workload,
          frame: async (container) => {
            const f = item.containers.get(container);
            if (f === undefined) throw new Error(`no container "${container}" in ${item.workload.kind} ${item.workload.namespace}/${item.workload.name}`);
            if (f instanceof Error) throw f;
            return f;
          },
        };
      }
    } catch (e) {
      failure = e;
    }
    for (const workload of group) {
      if (delivered.has(workload)) continue;
      const reason = failure ?? new Error(`no metrics came back for ${workload.kind} ${workload.namespace}/${workload.name}`);
      yield { workload, frame: () => Promise.reject(reason) };
    }
  }
}
