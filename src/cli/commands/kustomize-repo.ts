/**
 * The kustomizations of the repository around the paths given, outside them: `recommend --apply-to base/` and
 * `mora manifests apply base/` edit a base that `overlays/prod` (outside the path) renders into prod, and the overlay
 * note (kustomize-overlays.ts) needs that overlay as a root. The repository root is the nearest folder holding `.git`
 * at or above the path given, at most MAX_UP folders above it (the limit kustomizationAbove keeps); without one nothing
 * is looked for (a path outside a repository could sit under a home folder). The walk is bounded: hidden folders (and
 * so `.git`), `node_modules`, symbolic links and the paths given (read already) are left out; at most MAX_FOLDERS
 * folders are listed and MAX_KUSTOMIZATIONS kustomization files kept, and a capped walk says so (`capped`). Only folder
 * listings here: the kustomizations are read by OverlayRenderings. Nothing is written.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { KUSTOMIZATION_NAMES } from '../../manifests/kustomization';

/** How many folders above the path given the repository root is looked for (kustomizationAbove's 5). */
const MAX_UP = 5;
/** How many kustomization files are kept at most, and how many folders listed. */
export const MAX_KUSTOMIZATIONS = 200;
export const MAX_FOLDERS = 5000;

export interface RepoKustomizations {
  /** The kustomization files found outside the paths given, as their paths are shown (joined to the path as given). */
  files: string[];
  /** When the walk stopped at a limit: what to say (a note), else undefined. */
  capped?: string;
}

/** The nearest folder at or above `path` (a file: its folder) holding `.git`, at most MAX_UP above it; as shown. */
export function repositoryRoot(path: string): string | undefined {
  if (path === '-') return undefined;
  let shown: string;
  try {
    shown = statSync(path).isDirectory() ? path : dirname(path);
  } catch {
    return undefined;
  }
  for (let level = 0; level <= MAX_UP; level++) {
    const abs = resolve(shown);
    if (existsSync(join(abs, '.git'))) return shown;
    if (dirname(abs) === abs) return undefined;
    shown = join(shown, '..');
  }
  return undefined;
}

const within = (abs: string, roots: readonly string[]) => roots.some((r) => abs === r || abs.startsWith(r.endsWith(sep) ? r : r + sep));

/**
 * The kustomization files of the repositories of `paths` (repositoryRoot), outside the paths; none when a path given
 * is the repository root or holds it (everything is under the path already). `limits` for tests.
 */
export function repoKustomizations(paths: readonly string[], limits: { kustomizations?: number; folders?: number } = {}): RepoKustomizations {
  const maxKustomizations = limits.kustomizations ?? MAX_KUSTOMIZATIONS;
  const maxFolders = limits.folders ?? MAX_FOLDERS;
  const given = paths.filter((p) => p !== '-').map((p) => resolve(p));
  const repos = new Map<string, string>();
  for (const p of paths) {
    const root = repositoryRoot(p);
    if (root !== undefined && !within(resolve(root), given)) repos.set(resolve(root), root);
  }
  const files: string[] = [];
  let folders = 0;
  let capped: string | undefined;
  for (const [abs, shown] of repos) {
    // Breadth first: the folders nearest the root (overlays/, clusters/) before deep ones, when a limit cuts the walk.
    const queue: Array<[string, string]> = [[abs, shown]];
    for (let next = 0; next < queue.length && capped === undefined; next++) {
      const [dir, dirShown] = queue[next];
      if (++folders > maxFolders) {
        capped = `looked for overlays rendering the files edited in the first ${maxFolders} folders of ${shown}; the others were not listed`;
        break;
      }
      let entries;
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch {
        continue; // unreadable: kustomize would not read it either
      }
      const name = KUSTOMIZATION_NAMES.find((n) => entries.some((e) => e.name === n && e.isFile()));
      if (name !== undefined) {
        if (files.length >= maxKustomizations) {
          capped = `looked for overlays rendering the files edited in the first ${maxKustomizations} kustomization files of ${shown}; the others were not read`;
          break;
        }
        files.push(join(dirShown, name));
      }
      for (const e of entries) {
        if (!e.isDirectory() || e.name.startsWith('.') || e.name === 'node_modules') continue;
        const sub = join(dir, e.name);
        if (!within(sub, given)) queue.push([sub, join(dirShown, e.name)]);
      }
    }
  }
  return { files, ...(capped ? { capped: `${capped}: an overlay among them gets no note (give its folder too)` } : {}) };
}
