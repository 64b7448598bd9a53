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
 *
 * A kustomization that cannot be read never breaks the lenses: no placement at all, today's behaviour.
 */
import { statSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import type { ManifestChange } from '../manifests/types';
import { KUSTOMIZATION_NAMES } from '../manifests/kustomization';
import { inKustomizeNamespace, kustomizationAbove, kustomizationsAbove, kustomizeNamespaces, type KustomizeNamespace } from '../cli/commands/kustomize-namespace';
import { outsideConflict, outsideHolding, outsideReferences, type OutsideReferences } from '../cli/commands/kustomize-outside';

/** Why a change may not be written into the file, in the CLI's words, and in short for a lens title. */
export interface PlacementRefusal {
  /** outsideConflict's reason, the paths shown relative to the workspace folder. */
  reason: string;
  /** `a kustomize patch sets it` / `kustomize renders it from another file too`. */
  brief: string;
}

export interface KustomizePlacement {
  /** The namespace kustomize renders the file's objects in, when a kustomization sets one. */
  readonly namespace: KustomizeNamespace | undefined;
  /** Why `change` (planned in this file) may not be written here; undefined when it may. */
  refusal(change: ManifestChange, defaultNamespace: string): PlacementRefusal | undefined;
}

/**
 * The placement of the file `file` (absolute) whose text is `text` (the document's, maybe unsaved). `root`, the
 * workspace folder, is cut from the paths the reasons name. Undefined when no kustomization concerns the file, or one
 * cannot be read: the caller keeps its own rules. Never throws.
 */
export function kustomizePlacement(file: string, text: string, root?: string): KustomizePlacement | undefined {
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
  return {
    namespace,
    refusal(change, defaultNamespace) {
      const r = references();
      if (!r || r.holders.length === 0) return undefined;
      // The namespace the recommendation matched in, as the CLI compares it (apply-to-manifests.ts: targetNamespace).
      const target = { ...change.target, namespace: inKustomizeNamespace({ namespace: change.target.namespace ?? null }, namespace).namespace ?? defaultNamespace };
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

/** The first refusal among `changes`, or undefined when every one may be written. */
export function firstRefusal(placement: KustomizePlacement | undefined, changes: readonly ManifestChange[], defaultNamespace: string): PlacementRefusal | undefined {
  if (!placement) return undefined;
  for (const c of changes) {
    const why = placement.refusal(c, defaultNamespace);
    if (why) return why;
  }
  return undefined;
}

/** How many documents' placements are kept at once (the least recently read beyond this are dropped). */
const MAX_KEPT = 64;

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

  constructor(private readonly place: typeof kustomizePlacement = kustomizePlacement) {}

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
      placement = this.place(file, text(), root);
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
    return true;
  }

  /** Forgets every placement (a kustomization changed on disk): each is read again when next asked. */
  clear(): void {
    this.kept.clear();
  }
}
