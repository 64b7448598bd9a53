/**
 * From the engine's Recommendation to manifest changes, and from a scanned container to its recommendation:
 * the two steps between a CodeLens and its Apply, kept here so the extension only wires them to VS Code.
 */
import { formatCpu, formatMemory, parseQuantity } from '../core/quantity';
import type { ContainerRecommendation, Recommendation } from '../core/recommendation';
import type { ManifestChange, ManifestContainer, ManifestValue, ResourceSettings } from './types';
import { KINDS_WITH_REPLICAS } from './workloads';

/**
 * The recommendation that belongs to a scanned container: same kind, workload name and container name, in the
 * document's namespace or, when the document has none, in `defaultNamespace` (the configured one).
 */
export function findRecommendation(container: ManifestContainer, recommendations: readonly Recommendation[],
  defaultNamespace: string): { workload: Recommendation; container: ContainerRecommendation } | undefined {
  const namespace = container.namespace ?? defaultNamespace;
  for (const workload of recommendations) {
    const w = workload.workload;
    if (w.kind !== container.kind || w.name !== container.name || w.namespace !== namespace) continue;
    const c = workload.containers.find((x) => x.container === container.container);
    if (c) return { workload, container: c };
  }
  return undefined;
}

/** A container's own limits in the manifest, in base units (cores, bytes); a value that is not a quantity is left out. */
export function manifestLimits(found: ManifestContainer): { cpu?: number; memory?: number } {
  const q = (v: ManifestValue | null, what: string) => {
    if (!v) return undefined;
    try {
      return parseQuantity(v.value, what);
    } catch {
      return undefined;
    }
  };
  return { cpu: q(found.limits.cpu, 'cpu'), memory: q(found.limits.memory, 'memory') };
}

/**
 * Requests (and limits where the policy sets them) of one container, in the forms people write in manifests.
 * `existingLimits` (base units) are the manifest's own limits: a limit the recommendation leaves alone but that would end
 * up below the new request is raised to the request, because Kubernetes rejects a request above its limit. The engine
 * only knows the cluster's limit, and a manifest (an older copy, another environment) may hold a lower one. Every
 * writer of recommendations into manifests goes through here: the editor's lenses and Apply, `recommend --apply-to`.
 */
export function settingsFromRecommendation(rec: ContainerRecommendation, existingLimits: { cpu?: number; memory?: number } = {}): ResourceSettings {
  const settings: ResourceSettings = {};
  const format = { cpu: formatCpu, memory: formatMemory };
  for (const key of ['cpu', 'memory'] as const) {
    const r = rec[key];
    if (!r) continue;
    (settings.requests ??= {})[key] = format[key](r.request.value);
    if (r.limit) (settings.limits ??= {})[key] = format[key](r.limit.value);
    else {
      const existing = existingLimits[key];
      if (existing !== undefined && existing < r.request.value) (settings.limits ??= {})[key] = format[key](r.request.value);
    }
  }
  return settings;
}

/**
 * The changes that apply one workload's recommendation to its document: `inDocument` are the scanned containers
 * of that document (containers the file does not have are left out); replicas too when asked, recommended, the
 * kind has replicas and no HPA manages them.
 */
export function changesFromRecommendation(inDocument: readonly ManifestContainer[], workload: Recommendation,
  options: { replicas?: boolean } = {}): ManifestChange[] {
  const first = inDocument[0];
  if (!first) return [];
  const target = { kind: first.kind, name: first.name, namespace: first.namespace };
  const changes: ManifestChange[] = [];
  for (const c of workload.containers) {
    const found = inDocument.find((x) => x.container === c.container);
    if (!found) continue;
    const set = settingsFromRecommendation(c, manifestLimits(found));
    if (set.requests || set.limits) changes.push({ type: 'resources', target: { ...target, container: c.container }, set });
  }
  if (options.replicas && workload.replicas && !workload.replicas.hpa && KINDS_WITH_REPLICAS.has(first.kind)) {
    changes.push({ type: 'replicas', target, replicas: Math.max(0, Math.round(workload.replicas.recommended.value)) });
  }
  return changes;
}
