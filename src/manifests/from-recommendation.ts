/**
 * From the engine's Recommendation to manifest changes, and from a scanned container to its recommendation:
 * the two steps between a CodeLens and its Apply, kept here so the extension only wires them to VS Code.
 */
import { formatCpu, formatMemory } from '../core/quantity';
import type { ContainerRecommendation, Recommendation } from '../core/recommendation';
import type { ManifestChange, ManifestContainer, ResourceSettings } from './types';
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

/** Requests (and limits where the policy sets them) of one container, in the forms people write in manifests. */
export function settingsFromRecommendation(rec: ContainerRecommendation): ResourceSettings {
  const settings: ResourceSettings = {};
  if (rec.cpu) {
    (settings.requests ??= {}).cpu = formatCpu(rec.cpu.request.value);
    if (rec.cpu.limit) (settings.limits ??= {}).cpu = formatCpu(rec.cpu.limit.value);
  }
  if (rec.memory) {
    (settings.requests ??= {}).memory = formatMemory(rec.memory.request.value);
    if (rec.memory.limit) (settings.limits ??= {}).memory = formatMemory(rec.memory.limit.value);
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
    if (!inDocument.some((x) => x.container === c.container)) continue;
    const set = settingsFromRecommendation(c);
    if (set.requests || set.limits) changes.push({ type: 'resources', target: { ...target, container: c.container }, set });
  }
  if (options.replicas && workload.replicas && !workload.replicas.hpa && KINDS_WITH_REPLICAS.has(first.kind)) {
    changes.push({ type: 'replicas', target, replicas: Math.max(0, Math.round(workload.replicas.recommended.value)) });
  }
  return changes;
}
