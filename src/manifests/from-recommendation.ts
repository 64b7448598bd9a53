/**
 * From the engine's Recommendation to manifest changes, and from a scanned container to its recommendation:
 * the two steps between a CodeLens and its Apply, kept here so the extension only wires them to VS Code.
 */
import { formatCpu, formatMemory, parseQuantity } from '../core/quantity';
import type { ContainerRecommendation, Recommendation } from '../core/recommendation';
import { shellWord } from '../core/shell-word';
import type { ManifestChange, ManifestContainer, ManifestValue, ResourceSettings } from './types';
import { autoscalerFor, autoscalerNote, type ManifestAutoscaler } from './autoscalers';
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

/** What to do with a workload's spec.replicas: the count to write, or nothing (with the note why, when worth saying). */
export interface ReplicasDecision {
  replicas?: number;
  /** Set when an autoscaler among the manifests owns the count: `replicas left to the HPA web (2..8): …`. */
  note?: string;
  autoscaler?: ManifestAutoscaler;
}

/**
 * The replica count to write for the workload of `found` (any of its containers), or why none: the recommendation has
 * no count, the kind has no replicas, the cluster's HPA (rec.replicas.hpa) or an autoscaler among the manifests
 * (`autoscalers`, the same file or the folder given) scales it, or the field is absent and the count is Kubernetes'
 * default 1 (inserting `replicas: 1` would change nothing). Every writer of replicas goes through here.
 */
export function replicasDecision(found: ManifestContainer, workload: Recommendation, autoscalers: readonly ManifestAutoscaler[] = [],
  defaultNamespace = 'default'): ReplicasDecision {
  const rep = workload.replicas;
  if (!rep || !KINDS_WITH_REPLICAS.has(found.kind)) return {};
  const to = Math.max(0, Math.round(rep.recommended.value));
  const autoscaler = autoscalerFor(found, autoscalers, defaultNamespace);
  if (autoscaler) return { autoscaler, note: autoscalerNote(autoscaler, rep) };
  if (rep.hpa) return {};
  if (found.replicas === null && to === 1) return {};
  return { replicas: to };
}

/**
 * The changes that apply one workload's recommendation to its document: `inDocument` are the scanned containers
 * of that document (containers the file does not have are left out); replicas too when asked, recommended, the
 * kind has replicas and no HPA manages them — neither the cluster's nor one of `autoscalers` (replicasDecision).
 * `placed`: the workload where it is rendered (a kustomization's `namespace:`), as `autoscalers` were placed, for
 * that comparison; the changes still name the document as it is written.
 */
export function changesFromRecommendation(inDocument: readonly ManifestContainer[], workload: Recommendation,
  options: { replicas?: boolean; autoscalers?: readonly ManifestAutoscaler[]; defaultNamespace?: string; placed?: (c: ManifestContainer) => ManifestContainer } = {}): ManifestChange[] {
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
  if (options.replicas) {
    const { replicas } = replicasDecision(options.placed ? options.placed(first) : first, workload, options.autoscalers, options.defaultNamespace);
    if (replicas !== undefined) changes.push({ type: 'replicas', target, replicas });
  }
  return changes;
}

/**
 * Manifest kinds no recommendation can name: MOrA's cluster reader lists none of them (client.ts LISTED_KINDS), the demo
 * has none, so a workload of one in a file is never matched by findRecommendation. Said, not left silently unchanged.
 */
const NEVER_RECOMMENDED: Readonly<Record<string, string>> = {
  DeploymentConfig: 'MOrA reads no DeploymentConfig from a cluster, nor the ReplicationControllers (<name>-<n>) that run its pods, so it has none to give',
  ReplicationController: 'MOrA reads no ReplicationController from a cluster, so it has none to give',
  // Not mapped from the revision's Deployment: the Recommendation names only kind/namespace/name (no owner, no labels), so
  // a Deployment called <ksvc>-<revision>-deployment is not known to be Knative's, and traffic may be split between revisions.
  Service: 'a cluster\'s recommendations are for the Deployment of each of its revisions (<revision>-deployment)',
};

/** A DeploymentConfig, ReplicationController or Knative Service: a kind no recommendation names (neverRecommended). */
export function neverRecommendedKind(kind: string): boolean {
  return Object.hasOwn(NEVER_RECOMMENDED, kind);
}

/** The Deployments of a Knative Service's revisions among the recommendations, by name: <ksvc>-…-deployment in its namespace. */
export function knativeRevisionDeployments(name: string, namespace: string, recommendations: readonly Recommendation[]): Recommendation['workload'][] {
  return recommendations.map((r) => r.workload)
    .filter((w) => w.kind === 'Deployment' && w.namespace === namespace && w.name.startsWith(`${name}-`) && w.name.endsWith('-deployment'));
}

/**
 * Why the workload of `found` (a container of a workload no recommendation matched) cannot be matched, when its kind
 * is one no recommendation names (a DeploymentConfig, a ReplicationController, a Knative Service): `brief`, the reason
 * in short (`not matched: no recommendation names a DeploymentConfig`, the editor's lens title), and `note`, one line
 * naming it with `brief`, why, what recommendations there are for it if any (a Knative revision's Deployment, by its
 * name), and the command that sets its values (`recommend --apply-to`'s note, the lens's tooltip). The command names
 * `file` (the path as typed from where it is run, quoted for a shell when it needs to be: the editor's document),
 * else `<file>` (the CLI's note, whose line already starts with the file). Undefined for the kinds a recommendation can
 * name.
 */
export function neverRecommended(
  found: ManifestContainer, recommendations: readonly Recommendation[], defaultNamespace: string, file?: string,
): { brief: string; note: string } | undefined {
  const why = NEVER_RECOMMENDED[found.kind];
  if (why === undefined) return undefined;
  const namespace = found.namespace ?? defaultNamespace;
  const kind = found.kind === 'Service' ? 'Knative Service' : found.kind;
  let also = '';
  if (found.kind === 'Service') {
    const revisions = knativeRevisionDeployments(found.name, namespace, recommendations).map((w) => `Deployment ${w.namespace}/${w.name}`);
    also = (revisions.length ? ` (here: ${revisions.slice(0, 3).join(', ')}${revisions.length > 3 ? ` and ${revisions.length - 3} more` : ''})` : '')
      + ', never written into the Service: the recommendation names only a Deployment, nothing of which says which Service owns it, and traffic may be split between revisions';
  }
  const target = `${found.kind === 'Service' ? 'ksvc' : found.kind}/${found.name}`;
  const brief = `not matched: no recommendation names a ${kind}`;
  return { brief, note: `${kind} ${namespace}/${found.name}: ${brief} — ${why}${also}; `
    + `set its values with mora manifests apply ${file === undefined ? '<file>' : shellWord(file)} --set ${target}/<container>=cpu=…,memory=…` };
}

/** `recommend --apply-to`'s note for a workload of a kind no recommendation names (neverRecommended's `note`). */
export function neverRecommendedNote(found: ManifestContainer, recommendations: readonly Recommendation[], defaultNamespace: string): string | undefined {
  return neverRecommended(found, recommendations, defaultNamespace)?.note;
}
