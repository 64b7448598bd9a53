// A DataSource over a ClusterDataSource whose Prometheus is given and whose workload list is fixed: the pipeline's
// cluster path without a Kubernetes API (one context "prod", one namespace "shop").
import type { Workload } from '../../../src/core/workload';
import type { ClusterDataSource } from '../../../src/data/cluster';
import type { DataSource } from '../../../src/data/datasource';

export function fixedWorkloadsSource(cluster: ClusterDataSource, workloads: readonly Workload[], options: { namespaceAtOnce?: boolean } = {}): DataSource {
  return {
    kind: 'cluster',
    contexts: async () => ['prod'],
    namespaces: async () => ['shop'],
    workloads: async () => [...workloads],
    historyRange: (t) => cluster.historyRange(t),
    metrics: (t, r) => cluster.metrics(t, r),
    ...(options.namespaceAtOnce ? { metricsForNamespace: (c: string, ns: string, ws: readonly Workload[], r: Parameters<DataSource['metrics']>[1]) => cluster.metricsForNamespace(c, ns, ws, r) } : {}),
    health: async () => ({ ok: true, message: '' }),
  };
}
