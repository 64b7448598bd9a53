/**
 * The autoscalers that own a workload's replicas, for `mora manifests scan|apply` and `mora recommend --apply-to`, by the
 * editor's rule (src/views/folder-autoscalers.ts, the same code, no second copy): a HorizontalPodAutoscaler or KEDA
 * ScaledObject (src/manifests/autoscalers.ts) in the same file, in another file of the same folder, or in a kustomize
 * overlay that renders the file's folder; in another file the command was given (another folder) only when the
 * autoscaler and the workload both state the same namespace (apps/prod/hpa.yaml names no namespace: it does not own
 * apps/dev/web.yaml's web, whichever paths are given). The overlays are searched as the
 * editor searches them within its workspace folder, here within the file's repository (the nearest folder above it
 * holding `.git`) or, outside one, the current folder; never above it.
 *
 * `around(file, workloads)` lists them in the order autoscalerFor (first match wins) should see them: the file's own,
 * its folder's, its overlays' (which carry the namespace their kustomization sets), then those of the other files
 * given that state the workload's namespace. Each names its file as a path the user can open (joined to the file's folder as given).
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { autoscalerFor, findAutoscalers, type ManifestAutoscaler } from '../../manifests/autoscalers';
import { scanManifest } from '../../manifests';
import { KUSTOMIZATION_NAMES } from '../../manifests/kustomization';
import { KINDS_WITH_REPLICAS } from '../../manifests/workloads';
import type { WorkloadRef } from './patch-holders';
import { FolderAutoscalers } from '../../views/folder-autoscalers';
import { ManifestRefusal, readManifest } from './manifest-read';

/** The folder the overlay search stays within: the repository holding `file`, else the current folder. */
export function searchRoot(file: string, cwd = process.cwd()): string {
  for (let dir = dirname(resolve(file)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, '.git'))) return dir;
    if (dirname(dir) === dir) return cwd;
  }
}

export class CliAutoscalers {
  /** File as given → the autoscalers in it (`file` set to it). */
  private readonly given = new Map<string, ManifestAutoscaler[]>();
  private readonly folders = new FolderAutoscalers();
  /** File (absolute) → its overlays' autoscalers, once searched. */
  private readonly overlaid = new Map<string, ManifestAutoscaler[]>();

  /**
   * `files`: every file the command reads (a folder's walk); `texts`: those already read (file → text), so a file is not
   * read twice. A file that cannot be read holds none (its own command names it).
   */
  constructor(files: readonly string[], texts: ReadonlyMap<string, string> = new Map()) {
    for (const file of files) {
      let text = texts.get(file);
      if (text === undefined) {
        if (file === '-') continue;
        try {
          ({ text } = readManifest(file));
        } catch (e) {
          if (e instanceof ManifestRefusal) continue;
          throw e;
        }
      }
      this.given.set(file, findAutoscalers(text, scanManifest(text), file));
    }
  }

  /**
   * The autoscalers that may own the replicas of the workloads in `file`, nearest first (see the module comment). The
   * kustomize overlays are searched only when the file's folder is a kustomize base (it holds a kustomization: an
   * overlay cannot render a folder without one) and some of `workloads` (those with replicas) is owned by none of the
   * others — a folder given whole holds its overlays' autoscalers already, and the search lists up to 200 folders.
   */
  around(file: string, workloads: readonly WorkloadRef[] = [], defaultNamespace = 'default'): ManifestAutoscaler[] {
    const own = this.given.get(file) ?? [];
    const near: ManifestAutoscaler[] = [];
    const dir = dirname(file);
    const path = (a: ManifestAutoscaler) => ({ ...a, file: join(dir, a.file ?? '') });
    if (file !== '-') {
      // The folder's other files (read by the editor's code even when not given: `manifests apply web/deploy.yaml`).
      const givenPaths = new Set([...this.given.keys()].map((f) => resolve(f)));
      near.push(...this.folders.besides(file).map(path).filter((a) => !givenPaths.has(resolve(a.file))));
      near.push(...[...this.given].filter(([f]) => f !== file && dirname(resolve(f)) === dirname(resolve(file))).flatMap(([, a]) => a));
    }
    // A file given elsewhere (another folder) counts only where both sides state the namespace and it is the same: without
    // one, both would fall in the default namespace whatever cluster or environment each folder is for (apps/dev/web.yaml
    // and apps/prod/hpa.yaml), and the answer would depend on which paths were given. Overlays come from the search below.
    const stated = (a: ManifestAutoscaler) => a.namespace !== null
      && workloads.some((w) => w.namespace === a.namespace && w.kind === a.target.kind && w.name === a.target.name);
    const rest = [...this.given].filter(([f]) => f !== file).flatMap(([, a]) => a).filter((a) => !near.includes(a) && stated(a));
    const cheap = [...own, ...near, ...rest];
    const unowned = workloads.some((w) => KINDS_WITH_REPLICAS.has(w.kind) && !autoscalerFor(w, cheap, defaultNamespace));
    if (file === '-' || !unowned || !KUSTOMIZATION_NAMES.some((n) => existsSync(join(dir, n)))) return cheap;
    let overlays = this.overlaid.get(resolve(file));
    if (!overlays) {
      overlays = this.folders.overlays(file, searchRoot(file)).autoscalers.map(path);
      this.overlaid.set(resolve(file), overlays);
    }
    return [...own, ...near, ...overlays, ...rest];
  }
}

/** ` (in hpa.yaml)`, ` (in overlay k8s/overlays/prod: k8s/overlays/prod/hpa.yaml)`, or nothing for the file's own. */
export function foundIn(a: ManifestAutoscaler, file: string): string {
  if (a.file === undefined || a.file === file) return '';
  return a.overlay ? ` (in overlay ${join(dirname(file), a.overlay.dir)}: ${a.file})` : ` (in ${a.file})`;
}
