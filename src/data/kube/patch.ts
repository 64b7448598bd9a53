/**
 * The patches MOrA sends to apply a recommendation. Pure builders, so their exact shape is tested without a cluster.
 *
 * Container resources: a strategic-merge patch, because it merges the `containers` list by name — a JSON merge patch
 * would replace the whole list and drop every other field of every container. A `null` amount removes that key
 * (e.g. dropping a CPU limit). A custom resource (an Argo Rollout) takes no strategic merge: resourcesMergePatch sends its
 * whole container list instead. Replicas: a JSON merge patch (a plain field). Both carry the resourceVersion MOrA read,
 * so the API server answers 409 Conflict instead of silently overwriting a concurrent change. What a conflict then
 * does is the client's choice (KubeClient.applyResources): a write a person approved after its preview stops unless
 * the object still shows what the preview showed; others read again and retry.
 */
import { formatCpu, formatMemory, parseQuantity } from '../../core/quantity';
import type { WorkloadKind } from '../../core/workload';

export const STRATEGIC_MERGE_PATCH = 'application/strategic-merge-patch+json';
export const MERGE_PATCH = 'application/merge-patch+json';

/** Cores / bytes to set, null to remove, undefined to leave as is. */
export interface AmountsChange {
  cpu?: number | null;
  memory?: number | null;
}

export interface ContainerResourceChange {
  container: string;
  requests?: AmountsChange;
  limits?: AmountsChange;
}

function quantities(a: AmountsChange | undefined): Record<string, string | null> | undefined {
  if (!a) return undefined;
  const out: Record<string, string | null> = {};
  if (a.cpu !== undefined) out.cpu = a.cpu === null ? null : formatCpu(a.cpu);
  if (a.memory !== undefined) out.memory = a.memory === null ? null : formatMemory(a.memory);
  return Object.keys(out).length ? out : undefined;
}

/**
 * `replicas`, when given, rides in the same patch (spec.replicas), so one dry run shows and checks both. Containers
 * named in `sidecars` (native sidecars) are patched under initContainers, which the strategic merge also merges by
 * name: under containers the patch would add a second, image-less container of that name.
 */
export function resourcesPatch(kind: WorkloadKind, changes: ContainerResourceChange[], resourceVersion?: string, replicas?: number, sidecars: ReadonlySet<string> = new Set()): Record<string, unknown> {
  if (replicas !== undefined && (!Number.isInteger(replicas) || replicas < 0)) throw new Error(`replicas must be a whole number ≥ 0, got ${replicas}`);
  const containers = changes.map((c) => {
    const resources: Record<string, unknown> = {};
    const requests = quantities(c.requests);
    const limits = quantities(c.limits);
    if (requests) resources.requests = requests;
    if (limits) resources.limits = limits;
    return { name: c.container, resources };
  });
  const init = containers.filter((c) => sidecars.has(c.name));
  const main = containers.filter((c) => !sidecars.has(c.name));
  const podSpec = { template: { spec: { ...(main.length || !init.length ? { containers: main } : {}), ...(init.length ? { initContainers: init } : {}) } } };
  const spec = kind === 'CronJob' ? { jobTemplate: { spec: podSpec } } : { ...(replicas !== undefined ? { replicas } : {}), ...podSpec };
  return { ...(resourceVersion ? { metadata: { resourceVersion } } : {}), spec };
}

type NamedItem = { name?: string; resources?: Record<string, unknown> } & Record<string, unknown>;

/**
 * The change of resourcesPatch for an object that takes no strategic merge (a custom resource: an Argo Rollout). A
 * JSON merge patch replaces a list whole, so this one carries the pod template's containers as `obj` has them (and its
 * initContainers, when a native sidecar changes), each with its changed resources and every other field kept, pinned
 * to the resourceVersion they were read at: a write over a newer object is refused (409) instead of undoing it.
 */
export function resourcesMergePatch(obj: { spec?: { template?: { spec?: { containers?: unknown[]; initContainers?: unknown[] } } } }, changes: ContainerResourceChange[], resourceVersion: string | undefined, replicas?: number, sidecars: ReadonlySet<string> = new Set()): Record<string, unknown> {
  if (replicas !== undefined && (!Number.isInteger(replicas) || replicas < 0)) throw new Error(`replicas must be a whole number ≥ 0, got ${replicas}`);
  if (!resourceVersion) throw new Error('a merge patch of whole container lists needs the resourceVersion they were read at');
  const byName = new Map(changes.map((c) => [c.container, c]));
  const changed = (list: unknown[] | undefined) => (list ?? []).map((item) => {
    const c = item as NamedItem;
    const change = byName.get(String(c.name));
    if (!change) return c;
    const resources: Record<string, unknown> = { ...(c.resources ?? {}) };
    for (const key of ['requests', 'limits'] as const) {
      const q = quantities(change[key]);
      if (!q) continue;
      const now: Record<string, unknown> = { ...((resources[key] as Record<string, unknown> | undefined) ?? {}) };
      for (const [r, v] of Object.entries(q)) {
        if (v === null) delete now[r];
        else now[r] = v;
      }
      if (Object.keys(now).length) resources[key] = now;
      else delete resources[key];
    }
    return { ...c, resources };
  });
  const pod = obj.spec?.template?.spec ?? {};
  const init = changes.some((c) => sidecars.has(c.container));
  const main = changes.some((c) => !sidecars.has(c.container));
  const podSpec = { ...(main || !init ? { containers: changed(pod.containers) } : {}), ...(init ? { initContainers: changed(pod.initContainers) } : {}) };
  return { metadata: { resourceVersion }, spec: { ...(replicas !== undefined ? { replicas } : {}), template: { spec: podSpec } } };
}

export function replicasPatch(replicas: number, resourceVersion?: string): Record<string, unknown> {
  if (!Number.isInteger(replicas) || replicas < 0) throw new Error(`replicas must be a whole number ≥ 0, got ${replicas}`);
  return { ...(resourceVersion ? { metadata: { resourceVersion } } : {}), spec: { replicas } };
}

/**
 * Whether an object as read back shows every field `patch` sets (a null: the key absent); lists of named items (the
 * containers) matched by name, quantities by value ("0.5" is "500m": the API server stores them canonically), the
 * patch's metadata (its resourceVersion precondition) not compared. For a write whose answer never came.
 */
export function patchShownIn(patch: unknown, obj: unknown): boolean {
  if (patch === null) return obj === undefined || obj === null;
  if (Array.isArray(patch)) {
    if (!Array.isArray(obj)) return false;
    return patch.every((item, i) => {
      const name = (item as { name?: unknown } | null)?.name;
      const other = typeof name === 'string' ? obj.find((o) => (o as { name?: unknown } | null)?.name === name) : obj[i];
      return patchShownIn(item, other);
    });
  }
  if (typeof patch === 'object') {
    if (typeof obj !== 'object' || obj === null) return false;
    return Object.entries(patch).every(([k, v]) => k === 'metadata' || k.startsWith('$') || patchShownIn(v, (obj as Record<string, unknown>)[k]));
  }
  if (patch === obj) return true;
  if ((typeof patch === 'string' || typeof patch === 'number') && (typeof obj === 'string' || typeof obj === 'number')) {
    try {
      return parseQuantity(patch) === parseQuantity(obj);
    } catch {
      return false;
    }
  }
  return false;
}

/** The field manager of every write MOrA sends (`?fieldManager=mora`), so an object's managedFields show MOrA's fields as MOrA's. */
export const FIELD_MANAGER = 'mora';
