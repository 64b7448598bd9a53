/**
 * Where kustomize renders the workloads of a manifest file on disk, and whether an edit there would reach Kubernetes,
 * as `recommend --apply-to <file>` and `mora manifests apply <file>` decide it — read from the kustomizations around
 * the file, never built, never written. Editor-free: the editor's lenses (manifest-lens-model.ts) and its Apply
 * (src/extension) ask it, through KustomizePlacements, which reads each file once per document version.
 *
 * - Namespace: a document without `metadata.namespace` in a folder whose kustomization (or the nearest one above it)
 *   sets `namespace: prod` is rendered in prod (kustomize-namespace.ts: kustomizeNamespaces, inKustomizeNamespace).
 * - A patch that wins: a patch file or inline patch of the kustomization of the file's folder, or of the nearest one
 *   above it (or reached through them), that sets the container's resources, or the replicas, the edit would write:
 *   the edit changes nothing Kubernetes gets; the CLI refuses it, and so does the editor, in the CLI's words
 *   (kustomize-outside.ts: outsideConflict).
 * - An overlay: a kustomization elsewhere (the one of the file's folder, the nearest above it, or one of the repository
 *   around it: kustomize-repo.ts) that renders the edited workload under another namespace or name (namespace:,
 *   namePrefix:, nameSuffix:) gets the edit too, for each value no patch of it sets: noted in the CLI's words, and
 *   refused when that overlay's own workload has a recommendation setting such a value otherwise (kustomize-overlays.ts:
 *   overlayVerdict, as `recommend --apply-to <file>` says it).
 * - Autoscalers: an HPA or ScaledObject of the file, or of its folder, is placed by the kustomization listing its own
 *   file, as `mora manifests apply --replicas` places them (manifests.ts: withoutAutoscaled).
 *
 * A kustomization that cannot be read never breaks the lenses: no placement at all, today's behaviour.
 */
import { statSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import type { Recommendation } from '../core/recommendation';
import type { ManifestAutoscaler } from '../manifests/autoscalers';
import type { ManifestChange, ManifestContainer } from '../manifests/types';
import { KUSTOMIZATION_NAMES } from '../manifests/kustomization';
import { autoscalerPlacement, inKustomizeNamespace, kustomizationAbove, kustomizationsAbove, kustomizeNamespaces, type KustomizeNamespace } from '../cli/commands/kustomize-namespace';
import { editedWorkloads, type OverlayRendering, OverlayRenderings, overlayVerdict } from '../cli/commands/kustomize-overlays';
import { outsideConflict, outsideHolding, outsideReferences, type OutsideReferences } from '../cli/commands/kustomize-outside';
import { repoKustomizations } from '../cli/commands/kustomize-repo';

/** Why a change may not be written into the file, in the CLI's words, and in short for a lens title. */
export interface PlacementRefusal {
  /** outsideConflict's reason, the paths shown relative to the workspace folder. */
  reason: string;
  /** `a kustomize patch sets it` / `kustomize renders it from another file too`. */
  brief: string;
}

/** What the overlays rendering the edited workloads under another id say of an edit (KustomizePlacement.overlays). */
export interface OverlayWord {
  /** overlayVerdict's notes (one per workload and overlay), then the repository walk's cap note when it was capped. */
  notes: string[];
  /** The first overlay whose own recommendation sets an edited value otherwise: the edit is not written. */
  refusal?: PlacementRefusal;
}

/** The overlays that may render a file (kustomizePlacement), with the repository walk's cap note when it was capped. */
export interface OverlaySearch {
  renderings: OverlayRenderings;
  capped?: string;
}

/**
 * The overlays that may render `file`, found as `recommend --apply-to <file>` finds them (apply-to-manifests.ts:
 * overlayTargets); `text`: the file's (a document's unsaved text), else read from disk. Null when that fails.
 */
export function overlaySearch(file: string, text?: string): OverlaySearch | null {
  try {
    const repo = repoKustomizations([file]);
    const renderings = OverlayRenderings.of([file], file, text === undefined ? undefined : new Map([[file, text]]), [...kustomizationsAbove([file], [file]), ...repo.files]);
    return { renderings, ...(repo.capped === undefined ? {} : { capped: repo.capped }) };
  } catch {
    return null;
  }
}

/** The lens title's words for an overlay's refusal (the tooltip has the CLI's reason). */
export const OVERLAY_REFUSED = 'an overlay recommends it otherwise';

/** The recommendation of a container (its kind, name and namespace as an overlay renders them), if any. */
export type ContainerRecommendationFinder = (c: ManifestContainer) => Recommendation | undefined;

export interface KustomizePlacement {
  /** The namespace kustomize renders the file's objects in, when a kustomization sets one. */
  readonly namespace: KustomizeNamespace | undefined;
  /** Why `change` (planned in this file) may not be written here; undefined when it may. */
  refusal(change: ManifestChange, defaultNamespace: string): PlacementRefusal | undefined;
  /**
   * What the overlays that render the workloads `changes` edit under another namespace or name say of them
   * (`containers`: the file's scanned containers; `find`: the recommendations loaded): notes, or a refusal.
   */
  overlays(changes: readonly ManifestChange[], containers: readonly ManifestContainer[], find: ContainerRecommendationFinder, defaultNamespace: string): OverlayWord;
  /**
   * `a`, an autoscaler of this file (no `file`) or of its folder (`file` its name there), in the namespace kustomize
   * renders it in (the kustomization listing its own file); an overlay's as it is (it carries its overlay's rule).
   */
  placeAutoscaler(a: ManifestAutoscaler): ManifestAutoscaler;
}

/** How many renderings and verdicts an overlay search keeps (the oldest forgotten beyond this). */
const MAX_VERDICTS = 8192;

/**
 * The renderings of each edited workload (by the workload, as JSON) and overlayVerdict's answers (by the workload, the
 * rendering, what overlayVerdict reads of the containers and the recommendation found) of an overlay search: both are
 * functions of those alone, and the lenses ask the same of every version of a document the search serves.
 */
const verdicts = new WeakMap<OverlayRenderings, { renderings: Map<string, OverlayRendering[]>; verdicts: Map<string, { refusal: string } | { note: string }> }>();

function verdictsOf(r: OverlayRenderings): { renderings: Map<string, OverlayRendering[]>; verdicts: Map<string, { refusal: string } | { note: string }> } {
  let kept = verdicts.get(r);
  if (!kept) {
    kept = { renderings: new Map(), verdicts: new Map() };
    verdicts.set(r, kept);
  }
  return kept;
}

function remember<T>(map: Map<string, T>, key: string, value: T): T {
  map.set(key, value);
  for (const old of map.keys()) {
    if (map.size <= MAX_VERDICTS) break;
    map.delete(old);
  }
  return value;
}

/**
 * What overlayVerdict (through changesFromRecommendation and replicasDecision) reads of a container besides its id:
 * not its lines and spans, which every keystroke above it moves.
 */
function verdictInput(c: ManifestContainer): unknown[] {
  return [c.kind, c.name, c.namespace, c.container, c.init, c.replicas === null ? null : [c.replicas.value],
    c.requests.cpu?.value ?? null, c.requests.memory?.value ?? null, c.limits.cpu?.value ?? null, c.limits.memory?.value ?? null];
}

/** A number for each recommendation object (the store's, until it is loaded again), for the verdicts' keys. */
const recommendationIds = new WeakMap<Recommendation, number>();
let nextRecommendationId = 0;

function recommendationId(r: Recommendation | undefined): string {
  if (!r) return '-';
  let id = recommendationIds.get(r);
  if (id === undefined) {
    id = nextRecommendationId++;
    recommendationIds.set(r, id);
  }
  return String(id);
}

/**
 * The placement of the file `file` (absolute) whose text is `text` (the document's, maybe unsaved). `root`, the
 * workspace folder, is cut from the paths the reasons name. Undefined when no kustomization concerns the file, or one
 * cannot be read: the caller keeps its own rules. Never throws.
 */
export function kustomizePlacement(file: string, text: string, root?: string, search?: () => OverlaySearch | null): KustomizePlacement | undefined {
  let namespace: KustomizeNamespace | undefined;
  try {
    namespace = kustomizeNamespaces([file]).get(file);
  } catch {
    return undefined;
  }
  // What the kustomization of the file's folder reads besides it: read on the first change asked about (a file with no
  // recommendation never needs it), once.
  let refs: OutsideReferences | null | undefined;
  const references = (): OutsideReferences | null => {
    if (refs === undefined) {
      try {
        // As `recommend --apply-to <file>` reads them (apply-to-manifests.ts: outsideTargets): the kustomization of the
        // file's folder, else the nearest one above it.
        refs = outsideReferences([{ file, text, scanned: [] }], [file], file, kustomizationsAbove([file], [file]));
      } catch {
        refs = null;
      }
    }
    return refs;
  };
  const shown = (s: string) => (root ? s.split(root.endsWith(sep) ? root : root + sep).join('') : s);
  // The overlays that may render the file, as `recommend --apply-to <file>` finds them (apply-to-manifests.ts:
  // overlayTargets): the kustomization of its folder, those above it, those of the repository around it (a bounded
  // walk). Read on the first edit asked about, once per placement (per document version). The file is read as the
  // document's text (unsaved edits count; the CLI reads it as the edit would write it, which differs in what a patch
  // sets only when the edit adds a value to a patch file an outer overlay lists).
  // `search` (KustomizePlacements) shares one search among the versions of a document for a few seconds.
  let overlayRoots: OverlaySearch | null | undefined;
  const roots = (): OverlaySearch | null => {
    if (overlayRoots === undefined) overlayRoots = search ? search() : overlaySearch(file, text);
    return overlayRoots;
  };
  // The namespace an edit's recommendation matched in, as the CLI compares it (apply-to-manifests.ts: targetNamespace).
  const targetNamespace = (change: ManifestChange, defaultNamespace: string) =>
    inKustomizeNamespace({ namespace: change.target.namespace ?? null }, namespace).namespace ?? defaultNamespace;
  // Other files' namespaces (their autoscalers'), each read once, as the CLI places them (an unreadable one: as it is).
  const placeAutoscaler = autoscalerPlacement(namespace ? new Map([[resolve(file), namespace]]) : new Map(), [resolve(file)],
    { folderRelative: true, tolerant: true });
  return {
    namespace,
    placeAutoscaler: (a) => placeAutoscaler(a, file),
    overlays(changes, containers, find, defaultNamespace) {
      const r = changes.length ? roots() : null;
      if (!r) return { notes: [] };
      const notes: string[] = [];
      const memo = verdictsOf(r.renderings);
      try {
        for (const w of editedWorkloads(changes, containers, (c) => targetNamespace(c, defaultNamespace))) {
          const replicas = w.values.some((v) => v.field === 'replicas');
          // The lenses of the next versions ask again for the same workloads: each answered once per overlay search.
          const workload = JSON.stringify([file, defaultNamespace, w]);
          let rendered = memo.renderings.get(workload);
          if (!rendered) rendered = remember(memo.renderings, workload, r.renderings.renderings(file, w, defaultNamespace));
          const own = containers.filter((c) => c.kind === w.kind && c.name === w.name && c.namespace === w.documentNamespace);
          const read = JSON.stringify(own.map(verdictInput));
          for (const [i, o] of rendered.entries()) {
            // What overlayVerdict reads of the recommendations: the first one found for the workload as `o` renders it.
            const match = own.map((c) => find({ ...c, name: o.name, namespace: o.namespace })).find((m) => m);
            const key = `${workload}|${i}|${read}|${replicas}|${recommendationId(match)}`;
            let said = memo.verdicts.get(key);
            if (!said) said = remember(memo.verdicts, key, overlayVerdict(containers, w, o, find, defaultNamespace, replicas, `apply to ${file}`));
            if ('refusal' in said) return { notes: [], refusal: { reason: shown(said.refusal), brief: OVERLAY_REFUSED } };
            notes.push(shown(said.note));
          }
        }
      } catch {
        return { notes: [] };
      }
      if (r.capped !== undefined) notes.push(shown(r.capped));
      return { notes };
    },
    refusal(change, defaultNamespace) {
      const r = references();
      if (!r || r.holders.length === 0) return undefined;
      const target = { ...change.target, namespace: targetNamespace(change, defaultNamespace) };
      const placed = { ...change, target } as ManifestChange;
      try {
        const reason = outsideConflict(placed, file, r, defaultNamespace);
        if (reason === undefined) return undefined;
        const patch = outsideHolding(placed, r, defaultNamespace)[0]?.patch ?? true;
        return { reason: shown(reason), brief: patch ? 'a kustomize patch sets it' : 'kustomize renders it from another file too' };
      } catch {
        return undefined;
      }
    },
  };
}

/**
 * The first refusal among `changes` (a kustomize patch wins), else, given the file's containers and recommendations
 * (`overlays`), an overlay's refusal of them together (as the CLI checks a file's edits); undefined when they may be
 * written.
 */
export function firstRefusal(placement: KustomizePlacement | undefined, changes: readonly ManifestChange[], defaultNamespace: string,
  overlays?: { containers: readonly ManifestContainer[]; find: ContainerRecommendationFinder }): PlacementRefusal | undefined {
  if (!placement) return undefined;
  for (const c of changes) {
    const why = placement.refusal(c, defaultNamespace);
    if (why) return why;
  }
  return overlays && placement.overlays(changes, overlays.containers, overlays.find, defaultNamespace).refusal;
}

/** How many documents' placements are kept at once (the least recently read beyond this are dropped). */
const MAX_KEPT = 64;

/**
 * How long a document's overlay search serves its next versions: an overlay edited outside the editor, in a folder no
 * watcher sees, is read again after at most this; one saved in the editor, or seen by a watcher, at once (clear).
 */
export const OVERLAY_REUSE_MS = 5000;

/**
 * The kustomization files a placement of `file` depends on most (those its folder may hold, and the nearest one above
 * it), with their modification times and sizes: a few stats, so a kept placement can be checked on every ask.
 */
function stampOf(file: string, above: string | undefined): string {
  const paths = [...KUSTOMIZATION_NAMES.map((n) => join(dirname(file), n)), ...(above === undefined ? [] : [above])];
  return paths.map((p) => {
    try {
      const s = statSync(p);
      return `${p}:${s.mtimeMs}:${s.size}`;
    } catch {
      return `${p}:-`;
    }
  }).join('|');
}

/**
 * The placement of each document, computed once per document version: the CodeLens, hover, diagnostics and Apply ask
 * for it again and again (a new version reads the kustomizations again: one may have been edited meanwhile).
 * `clear()` drops them all (a kustomization changed: a watcher or a save said so); `changedOnDisk(file)` drops one whose
 * kustomization (of its folder, or the nearest above it) changed though nothing said so (a watcher's event lost).
 */
export class KustomizePlacements {
  private readonly kept = new Map<string, { version: number; placement: KustomizePlacement | undefined; above: string | undefined; stamp: string }>();
  /** How many placements were computed (the tests count the reads). */
  computed = 0;

  /**
   * File → its overlay search (overlaySearch) and when it was made: shared by the placements of the document's next
   * versions (a keystroke makes one) for OVERLAY_REUSE_MS, so the repository is walked and its kustomizations read at
   * most that often while typing; dropped with the placements (clear, changedOnDisk).
   */
  private readonly searches = new Map<string, { at: number; search: OverlaySearch | null }>();
  /** How many overlay searches were made (the tests count them). */
  searched = 0;

  /** `now`: the clock the shared overlay searches age by (tests move it). */
  constructor(private readonly place: typeof kustomizePlacement = kustomizePlacement, private readonly now: () => number = Date.now) {}

  private search(file: string): OverlaySearch | null {
    const hit = this.searches.get(file);
    if (hit && this.now() - hit.at < OVERLAY_REUSE_MS) return hit.search;
    this.searched++;
    // Read from disk: shared among versions, so not one version's text (the file's own patches count as saved).
    const search = overlaySearch(file);
    this.searches.delete(file);
    this.searches.set(file, { at: this.now(), search });
    for (const old of this.searches.keys()) {
      if (this.searches.size <= MAX_KEPT) break;
      this.searches.delete(old);
    }
    return search;
  }

  get(file: string, version: number, text: () => string, root?: string): KustomizePlacement | undefined {
    const hit = this.kept.get(file);
    if (hit && hit.version === version) {
      this.kept.delete(file); // most recently read last
      this.kept.set(file, hit);
      return hit.placement;
    }
    this.computed++;
    let placement: KustomizePlacement | undefined;
    let above: string | undefined;
    let stamp = '';
    try {
      placement = this.place(file, text(), root, () => this.search(file));
      above = kustomizationAbove(file);
      stamp = stampOf(file, above);
    } catch {
      placement = undefined;
    }
    this.kept.delete(file);
    this.kept.set(file, { version, placement, above, stamp });
    for (const old of this.kept.keys()) {
      if (this.kept.size <= MAX_KEPT) break;
      this.kept.delete(old);
    }
    return placement;
  }

  /** True (and the placement forgotten) when `file`'s kustomizations changed on disk since it was read; false otherwise. */
  changedOnDisk(file: string): boolean {
    const hit = this.kept.get(file);
    if (!hit) return false;
    let stamp: string;
    try {
      stamp = stampOf(file, hit.above);
    } catch {
      return false;
    }
    if (stamp === hit.stamp) return false;
    this.kept.delete(file);
    this.searches.delete(file);
    return true;
  }

  /** Forgets every placement (a kustomization changed on disk): each is read again when next asked. */
  clear(): void {
    this.kept.clear();
    this.searches.clear();
  }
}
