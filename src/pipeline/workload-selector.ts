/**
 * `-w` / `--workload` of `mora recommend` (and the pipeline's `workload` filter): which workload(s) a selector means.
 */
import type { Workload } from '../core/workload';
import { normaliseKind } from '../manifests/workloads';

/** The kinds a workload selector may name (`-w deploy/web`, `-w shop/StatefulSet/db`). */
const SELECTABLE_KINDS: readonly Workload['kind'][] = ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob', 'Pod', 'Rollout'];

/** Which workload(s) `-w` means: a name, with its kind and namespace when given. */
export interface WorkloadSelector {
  namespace?: string;
  kind?: Workload['kind'];
  name: string;
}

/** A `-w` the selector syntax cannot read. */
export class WorkloadSelectorError extends Error {}

/**
 * `-w` as written: `name`, `kind/name`, `namespace/name` or `namespace/kind/name`. A Kubernetes name holds no `/`, so a
 * plain name means what it always meant (that name, of any kind, in every namespace). Of two parts, the first is the
 * kind when it names one (`Deployment`, `deploy`, `sts` …, as kubectl spells them), else the namespace.
 */
export function parseWorkloadSelector(text: string): WorkloadSelector {
  const parts = text.split('/');
  const kindOf = (k: string) => SELECTABLE_KINDS.find((x) => x === normaliseKind(k));
  if (parts.length > 3 || parts.some((p) => p.trim() === '')) {
    throw new WorkloadSelectorError(`-w "${text}": expected name, kind/name, namespace/name or namespace/kind/name`);
  }
  if (parts.length === 1) return { name: parts[0] };
  if (parts.length === 3) {
    const kind = kindOf(parts[1]);
    if (!kind) throw new WorkloadSelectorError(`-w "${text}": "${parts[1]}" is not a workload kind (${SELECTABLE_KINDS.join(', ')})`);
    return { namespace: parts[0], kind, name: parts[2] };
  }
  const kind = kindOf(parts[0]);
  return kind ? { kind, name: parts[1] } : { namespace: parts[0], name: parts[1] };
}

/** Whether a workload is one the selector means. */
export function selects(selector: WorkloadSelector, w: Pick<Workload, 'namespace' | 'kind' | 'name'>): boolean {
  return w.name === selector.name && (selector.kind === undefined || w.kind === selector.kind) && (selector.namespace === undefined || w.namespace === selector.namespace);
}

/** `namespace/Kind/name`: how a workload is written to select exactly it. */
export function qualifiedName(w: Pick<Workload, 'namespace' | 'kind' | 'name'>): string {
  return `${w.namespace}/${w.kind}/${w.name}`;
}
