/**
 * What MOrA shows in a Kubernetes manifest, editor-free: CodeLenses (per container, per workload's replicas, and
 * "apply all" for the file), hover regions with the evidence, and "no requests" findings for diagnostics.
 * Built on the manifest core's scan (src/manifests), which never throws and skips malformed or templated documents;
 * the VS Code glue (src/extension/codelens.ts, hover.ts, diagnostics.ts) only maps these to editor objects.
 */
import { relative } from 'node:path';
import { originBrief } from '../core/origin-text';
import type { ContainerRecommendation, Recommendation } from '../core/recommendation';
import { autoscalerFor, findAutoscalers, type ManifestAutoscaler } from '../manifests/autoscalers';
import { knativeRevisionDeployments, manifestLimits, neverRecommended, neverRecommendedKind, replicasDecision } from '../manifests/from-recommendation';
import { scanManifest } from '../manifests/scan';
import { inKustomizeNamespace } from '../cli/commands/kustomize-namespace';
import type { ManifestChange, ManifestContainer, ManifestScan, TextSpan } from '../manifests/types';
import { advisedReplicaBounds, hpaEdits, replicaAdvice, replicaRiskStatement, replicaRiskTarget, riskBrief } from '../core/advice-text';
import { evidenceMarkdown, replicasHeadline, resourceSettings, showCpu, showMemoryQuantity } from './recommendation-text';
import type { ContainerRecommendationFinder, KustomizePlacement, OverlayWord } from './kustomize-placement';

/**
 * Finds the recommendation for a workload; `namespace` is where it is rendered: the kustomize namespace of a file on
 * disk (ManifestViewOptions.kustomize), else the document's, else the configured default.
 */
export type RecommendationLookup = (namespace: string, kind: string, name: string) => Recommendation | undefined;

export interface LensSpec {
  /** 0-based line the lens sits above. */
  line: number;
  title: string;
  tooltip?: string;
  /** Changes the lens applies; empty for an informational lens. */
  changes: ManifestChange[];
  /** `unmatched`: a workload of a kind no recommendation names (a DeploymentConfig…), why it has no lens (informational). */
  kind: 'container' | 'apply' | 'replicas' | 'file' | 'unmatched';
  /** For a container lens: the workload it matched (clicking opens its forecast). */
  target?: { namespace: string; kind: string; name: string; container: string };
  /**
   * An Apply or replicas lens whose change a kustomize patch overrides (or kustomize renders from another file too): the
   * CLI's reason, which the lens's tooltip is and its Apply refuses with. Its change is left out of "apply all".
   */
  refused?: string;
}

export interface HoverRegion {
  span: Pick<TextSpan, 'line' | 'character' | 'endLine' | 'endCharacter'>;
  markdown: string;
}

export interface MissingRequests {
  span: TextSpan;
  container: string;
  missing: Array<'cpu' | 'memory'>;
  message: string;
}

export interface ManifestView {
  scan: ManifestScan;
  lenses: LensSpec[];
  hovers: HoverRegion[];
  missingRequests: MissingRequests[];
  /**
   * HorizontalPodAutoscalers (and KEDA ScaledObjects) in the file, then those of the other files given (`elsewhere`,
   * each with its `file`): the replicas of the workloads they scale are theirs. With a kustomize placement, each in the
   * namespace kustomize renders it in (KustomizePlacement.placeAutoscaler): compare a workload placed the same way.
   */
  autoscalers: ManifestAutoscaler[];
}

export interface ManifestViewOptions {
  /**
   * Where kustomize renders this file's workloads and which edits a kustomize patch overrides, as `recommend --apply-to
   * <file>` reads them (kustomize-placement.ts); only for a file on disk. Without it: the document's namespace or the
   * default, and every edit offered.
   */
  kustomize?: KustomizePlacement;
  /**
   * Autoscalers found outside this text (the other files of its folder, and those of the kustomize overlays that render
   * it: FolderAutoscalers), each naming its file.
   */
  elsewhere?: readonly ManifestAutoscaler[];
  /** The kustomize overlays that render this file's folder (FolderAutoscalers.overlays), relative to it. */
  overlays?: readonly string[];
  /**
   * Every recommendation loaded (any namespace): read only for a DeploymentConfig, ReplicationController or Knative
   * Service, to say why it gets no lens when some of them plausibly belong to it (unmatchedKindLenses).
   */
  recommendations?: () => readonly Recommendation[];
  /**
   * The document's path as a command run from its workspace folder names it (workspace-relative): the unmatched lens's
   * `mora manifests apply` names it in place of `<file>` (quoted for a shell when it needs to be). None: `<file>`.
   */
  file?: string;
}

/** Where an autoscaler was found, after the note: ` (in hpa.yaml)`, ` (in overlay ../overlays/prod: hpa.yaml)`. */
function foundIn(a: ManifestAutoscaler | undefined): string {
  if (a?.file === undefined) return '';
  if (!a.overlay) return ` (in ${a.file})`;
  return ` (in overlay ${a.overlay.dir}: ${relative(a.overlay.dir, a.file) || a.file})`;
}

/** Lens tooltips are plain text: the evidence without Markdown marks. */
export function plainText(markdown: string): string {
  return markdown.replace(/\*\*|`/g, '');
}

/**
 * The request a container runs with, as the manifest says it: its own text; without one its limit's (Kubernetes
 * defaults a missing request to the limit), marked `(from limit)`; `unset` when neither is there.
 */
export function currentRequest(found: ManifestContainer, resource: 'cpu' | 'memory'): string {
  const request = found.requests[resource];
  if (request) return request.value;
  const limit = found.limits[resource];
  return limit ? `${limit.value} (from limit)` : 'unset';
}

/** Resources with neither a request nor a limit (a limit alone is the request too, as Kubernetes defaults it). */
export function requestsMissing(found: ManifestContainer): Array<'cpu' | 'memory'> {
  return (['cpu', 'memory'] as const).filter((r) => found.requests[r] === null && found.limits[r] === null);
}

/**
 * `cpu 500m → 180m · mem 1Gi → 420Mi · cpu request exceeded ≈5% of the time (target ≤5%) · ≈1 OOM day in 100 at limit 420Mi (target ≤1 in
 * 100)`, with the manifest's own text as "from" (`cpu 500m (from limit) → 180m` when only the limit is set); the OOM days
 * name the limit they are about; without risk statements the confidence (`87% confident`).
 */
export function lensTitle(found: ManifestContainer, c: ContainerRecommendation): string {
  const parts: string[] = [];
  if (c.cpu) parts.push(`cpu ${currentRequest(found, 'cpu')} → ${showCpu(c.cpu.request.value)}`);
  if (c.memory) parts.push(`mem ${currentRequest(found, 'memory')} → ${showMemoryQuantity(c.memory.request.value)}`);
  if (parts.length === 0) parts.push('no usage data yet');
  parts.push(riskBrief(c));
  return `MOrA: ${parts.join(' · ')}`;
}

/** The manifest's own limits in base units: the rule lives in src/manifests (`recommend --apply-to` uses it too). */
export { manifestLimits };

/**
 * Whether a recommendation plausibly belongs to a workload of a kind none names (its containers, one workload): one in its
 * namespace of its name under another kind with a container of the same name (a DeploymentConfig moved to a
 * Deployment), or for a Knative Service its revisions' Deployments <ksvc>-…-deployment, which `recommend --apply-to` names.
 */
function plausiblyItsOwn(inWorkload: readonly ManifestContainer[], recommendations: readonly Recommendation[], namespace: string): boolean {
  const { kind, name } = inWorkload[0];
  if (kind === 'Service' && knativeRevisionDeployments(name, namespace, recommendations).length > 0) return true;
  return recommendations.some((r) => r.workload.namespace === namespace && r.workload.name === name
    && r.containers.some((c) => inWorkload.some((x) => x.container === c.container)));
}

/**
 * One informational lens per DeploymentConfig, ReplicationController or Knative Service no recommendation matched (as
 * `recommend --apply-to` names it: neverRecommended) when loaded recommendations plausibly belong to it: titled with the
 * reason in short, its tooltip the CLI's note, whose command names `file` (the document) in place of `<file>` when given.
 * Nothing without such recommendations: no lens on every such manifest.
 */
function unmatchedKindLenses(
  unmatched: ReadonlyArray<readonly ManifestContainer[]>, recs: readonly Recommendation[], defaultNamespace: string, file: string | undefined,
): LensSpec[] {
  const lenses: LensSpec[] = [];
  for (const inWorkload of unmatched) {
    const first = inWorkload[0];
    const why = neverRecommended(first, recs, defaultNamespace, file);
    if (!why || !plausiblyItsOwn(inWorkload, recs, first.namespace ?? defaultNamespace)) continue;
    lenses.push({ line: first.line - 1, title: `MOrA: ${why.brief}`, tooltip: why.note, changes: [], kind: 'unmatched' });
  }
  return lenses;
}

/** A tooltip with the overlays' notes after it, one a line, as the CLI prints them (`note: …`). */
function withNotes(tooltip: string, word: OverlayWord | undefined): string {
  return [tooltip, ...(word?.notes ?? []).map((n) => `note: ${n}`)].join('\n');
}

function containerChange(found: ManifestContainer, docNamespace: string | null, c: ContainerRecommendation): ManifestChange | undefined {
  const set = resourceSettings(c, manifestLimits(found));
  if (!set.requests && !set.limits) return undefined;
  return { type: 'resources', target: { kind: found.kind, name: found.name, namespace: docNamespace, container: found.container }, set };
}

/** Everything MOrA shows for one manifest text. */
export function manifestView(text: string, lookup: RecommendationLookup, defaultNamespace: string, options: ManifestViewOptions = {}): ManifestView {
  const scan = scanManifest(text);
  // This file's own first: the one it holds wins over a namesake next door.
  const autoscalers = [...findAutoscalers(text, scan), ...(options.elsewhere ?? [])];
  const lenses: LensSpec[] = [];
  const hovers: HoverRegion[] = [];
  const missingRequests: MissingRequests[] = [];
  const all: ManifestChange[] = [];
  /** The overlay notes of the changes in `all`, each once: the "apply all" tooltip lists them too. */
  const allNotes = new Set<string>();
  /** Workloads whose replicas got their lens: a document, or an item of a `kind: List` document. */
  const replicasDone = new Set<string>();
  /** Each workload's containers (document/item → containers), and those with a recommendation. */
  const workloads = new Map<string, ManifestContainer[]>();
  const matched = new Set<string>();
  // The recommendation of a container as an overlay renders it (its own namespace and name there), for the overlay check.
  const find: ContainerRecommendationFinder = (c) => {
    const r = lookup(c.namespace ?? defaultNamespace, c.kind, c.name);
    return r?.containers.some((x) => x.container === c.container) ? r : undefined;
  };
  // Each workload's containers (kind/name/namespace as written), what the overlay check reads of the file for an edit of it.
  const byId = new Map<string, ManifestContainer[]>();
  if (options.kustomize) {
    for (const c of scan.containers) {
      const id = `${c.kind}/${c.name}/${c.namespace ?? ''}`;
      byId.set(id, [...(byId.get(id) ?? []), c]);
    }
  }
  const sameId = (c: ManifestChange) => byId.get(`${c.target.kind}/${c.target.name}/${c.target.namespace ?? ''}`) ?? [];
  // Where kustomize renders the autoscalers (the kustomization listing each one's file), as the workloads are matched.
  const placedAutoscalers = options.kustomize ? autoscalers.map((a) => options.kustomize!.placeAutoscaler(a)) : autoscalers;

  for (const found of scan.containers) {
    const workload = `${found.document}/${found.item ?? ''}`;
    const inWorkload = workloads.get(workload) ?? [];
    inWorkload.push(found);
    workloads.set(workload, inWorkload);
    const missing = requestsMissing(found);
    if (missing.length > 0) {
      missingRequests.push({
        span: found.nameSpan, container: found.container, missing,
        message: `Container "${found.container}" sets no ${missing.join(' or ')} request: the scheduler places it blind and it is evicted first under pressure.`,
      });
    }
    // Where kustomize renders it (the namespace: of the kustomization listing the file), as the CLI matches it.
    const rec = lookup(inKustomizeNamespace(found, options.kustomize?.namespace).namespace ?? defaultNamespace, found.kind, found.name);
    const c = rec?.containers.find((x) => x.container === found.container);
    if (!rec || !c) continue;
    matched.add(workload);
    const line = found.line - 1;
    const change = containerChange(found, found.namespace, c);
    const markdown = evidenceMarkdown(rec, c);
    // Read from the cluster (MOrA's in-cluster run), not computed here: the lens says so, with its age.
    const origin = rec.origin ? ` · ${originBrief(rec.origin, Date.now() / 1000)}` : '';
    lenses.push({ line, title: `${lensTitle(found, c)}${origin}`, tooltip: plainText(markdown), changes: [], kind: 'container',
      target: { namespace: rec.workload.namespace, kind: rec.workload.kind, name: rec.workload.name, container: found.container } });
    // An overlay rendering it under another id gets the edit too: noted, or refused when its own recommendation differs.
    const patched = change && options.kustomize?.refusal(change, defaultNamespace);
    const overlay = change && !patched ? options.kustomize?.overlays([change], sameId(change), find, defaultNamespace) : undefined;
    const refused = patched || overlay?.refusal;
    if (change && refused) {
      // A kustomize patch sets it (an edit here changes nothing Kubernetes gets), or an overlay would take another
      // value than its own recommendation's. Said on the lens; its Apply refuses.
      lenses.push({ line, title: `Apply: refused, ${refused.brief}`, tooltip: refused.reason, changes: [change], kind: 'apply', refused: refused.reason });
    } else if (change) {
      lenses.push({ line, title: 'Apply', tooltip: withNotes(`Set ${found.container}'s resources in this file (undoable)`, overlay), changes: [change], kind: 'apply' });
      all.push(change);
      overlay?.notes.forEach((n) => allNotes.add(n));
    }
    hovers.push({ span: found.nameSpan, markdown });
    for (const v of [found.requests.cpu, found.requests.memory, found.limits.cpu, found.limits.memory]) {
      if (v) hovers.push({ span: v.span, markdown });
    }
    const rep = rec.replicas;
    if (rep?.hpa && !replicasDone.has(workload) && found.replicas) {
      // The HPA sets the count: advice on the HPA, never a count to write over spec.replicas.
      replicasDone.add(workload);
      const text = replicaAdvice(rep);
      hovers.push({ span: found.replicas.span, markdown: `**MOrA** ${text}: ${rep.reason}. ${rep.hpa.reason}` });
      if (hpaEdits(rep).length > 0) {
        lenses.push({ line: found.replicas.span.line, title: `MOrA: ${text}`, tooltip: `${rep.hpa.reason}. Edit the HorizontalPodAutoscaler: spec.replicas is the HPA's to set.`, changes: [], kind: 'replicas' });
      }
    }
    // The workload where kustomize renders it, against its autoscalers placed the same way (manifests apply --replicas).
    const placed = inKustomizeNamespace(found, options.kustomize?.namespace);
    const decision = rep && !rep.hpa ? replicasDecision(placed, rec, placedAutoscalers, defaultNamespace) : {};
    if (decision.note && !replicasDone.has(workload) && found.replicas) {
      // An HPA in this file (or its folder) scales the workload: a count written here would be reset by it (and reset
      // it on every GitOps sync). A note where the count is, never a change, and nothing for "apply all".
      replicasDone.add(workload);
      const where = foundIn(decision.autoscaler);
      // An overlay's autoscaler: the overlays of this base without one still run with the count written here.
      const overlay = decision.autoscaler?.overlay;
      const scaled = (dir: string) => placedAutoscalers.some((a) => a.overlay?.dir === dir && autoscalerFor(placed, [a], defaultNamespace));
      const plain = overlay ? (options.overlays ?? []).filter((d) => !scaled(d)) : [];
      const owner = overlay ? `spec.replicas is the overlay's autoscaler's to set where ${overlay.dir} is deployed` : 'spec.replicas is the autoscaler\'s to set';
      const others = plain.length ? ` ${plain.join(', ')} ${plain.length === 1 ? 'renders' : 'render'} this base without one: there this count still applies.` : '';
      hovers.push({ span: found.replicas.span, markdown: `**MOrA** ${decision.note}${where}. ${owner}: change its bounds, if anything.${others}` });
      lenses.push({ line: found.replicas.span.line, title: `MOrA: ${decision.note}${where}`, tooltip: `${rep!.reason}. ${owner}.${others}`, changes: [], kind: 'replicas' });
    }
    if (rep && decision.replicas !== undefined && !replicasDone.has(workload) && found.replicas) {
      replicasDone.add(workload);
      const to = decision.replicas;
      const text = replicasHeadline(rec)!;
      const change: ManifestChange = { type: 'replicas', target: { kind: found.kind, name: found.name, namespace: found.namespace }, replicas: to };
      hovers.push({ span: found.replicas.span, markdown: `**MOrA** ${text}: ${rep.reason}` });
      // A lens only when the count would change: "replicas 2 → 2" is noise.
      if (Number(found.replicas.value) !== to) {
        // The CPU risk the advised count carries, in the words of the tree's tooltip and the CSV (only at that count).
        const statement = to === advisedReplicaBounds(rep).need ? replicaRiskStatement(rep) : undefined;
        const risk = statement && `${statement} (${replicaRiskTarget(rep)})`;
        const title = `MOrA: replicas ${found.replicas.value} → ${to}${risk ? ` · ${risk}` : ''}`;
        const patched = options.kustomize?.refusal(change, defaultNamespace);
        const overlay = patched ? undefined : options.kustomize?.overlays([change], sameId(change), find, defaultNamespace);
        const refused = patched || overlay?.refusal;
        if (refused) {
          lenses.push({ line: found.replicas.span.line, title: `${title} · refused, ${refused.brief}`, tooltip: refused.reason, changes: [change], kind: 'replicas', refused: refused.reason });
        } else {
          lenses.push({ line: found.replicas.span.line, title, tooltip: withNotes(rep.reason, overlay), changes: [change], kind: 'replicas' });
          all.push(change);
          overlay?.notes.forEach((n) => allNotes.add(n));
        }
      }
    }
  }
  if (options.recommendations) {
    const unmatched = [...workloads].filter(([w, cs]) => !matched.has(w) && neverRecommendedKind(cs[0].kind)).map(([, cs]) => cs);
    // Read only when the file holds such a workload: the store's every recommendation otherwise goes unasked.
    // Each in the namespace kustomize renders it in, as recommend --apply-to names it (inKustomizeNamespace).
    const placed = unmatched.map((cs) => cs.map((c) => inKustomizeNamespace(c, options.kustomize?.namespace)));
    if (unmatched.length) lenses.push(...unmatchedKindLenses(placed, options.recommendations(), defaultNamespace, options.file));
  }
  if (all.length > 1) {
    lenses.unshift({ line: 0, title: `MOrA: apply all (${all.length} changes)`, tooltip: withNotes('Apply every MOrA recommendation in this file as one undoable edit', { notes: [...allNotes] }), changes: all, kind: 'file' });
  }
  // Lenses keep scan order within a line; VS Code sorts by line.
  return { scan, lenses, hovers, missingRequests, autoscalers: placedAutoscalers };
}

/** The hover (if any) covering a position. */
export function hoverAt(view: ManifestView, line: number, character: number): HoverRegion | undefined {
  return view.hovers.find((h) => {
    const { span } = h;
    if (line < span.line || line > span.endLine) return false;
    if (line === span.line && character < span.character) return false;
    if (line === span.endLine && character > span.endCharacter) return false;
    return true;
  });
}
