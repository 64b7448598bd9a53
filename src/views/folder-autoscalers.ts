/**
 * Autoscalers beside an open manifest, for the editor's replica lens: a HorizontalPodAutoscaler or KEDA ScaledObject
 * in another YAML file of the same folder (`web/deployment.yaml` beside `web/hpa.yaml`) owns the workload's
 * spec.replicas as much as one in the same file. The CLI's `--apply-to <dir>` reads a whole folder the user names;
 * the editor reads the file's own folder (not its subfolders, not the workspace): the folder is the unit an app's
 * manifests are kept in, while a wider search would pick up another environment's HPA of the same name (staging/ and
 * prod/ both holding `web`) and silence advice that applies here. The exception is kustomize, which says what renders
 * with what: the overlays whose kustomizations lead back to the file's folder count (`overlays`).
 *
 * Cheap per keystroke: a folder is read once (only files that mention an autoscaler kind are parsed; none in a
 * folder of more than MAX_FOLDER_FILES) and kept until `invalidate` reports a file of it changed; the editor calls that
 * from a file watcher. A watcher's event can be lost (a busy machine, network and remote file systems, inotify's
 * limits), so each ask also compares a stamp of the folder — its own mtime, which moves when a file is created, deleted
 * or renamed in it, and the mtimes of the files that held autoscalers — with the one taken when it was read: a few
 * stat calls, no read. Editor-free, so plain Node tests drive it on a temporary folder.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { findAutoscalers, type ManifestAutoscaler } from '../manifests/autoscalers';
import { decodeManifest } from '../manifests/encoding';
import { KUSTOMIZATION_NAMES, kustomizationRefs, type KustomizationRefs } from '../manifests/kustomization';
import { scanManifest } from '../manifests/scan';

/** The files read: what `mora manifests scan <dir>` reads (hidden files left out). */
export const FOLDER_MANIFEST = /^[^.].*\.(ya?ml|json)$/i;

/** A file larger than this is not read for autoscalers (a generated bundle; its own lenses still read it when open). */
const MAX_BYTES = 2 ** 20;

/**
 * A folder with more manifest files than this is not read at all: a generated dump, not an app's folder, and reading it
 * would hold up the first lens (500 files of 6 KB: 90-150 ms measured at load 8; 2,200: 460 ms).
 */
export const MAX_FOLDER_FILES = 500;

/** Kinds whose name must appear in a file's text for it to be parsed at all. */
const MENTIONS = /HorizontalPodAutoscaler|ScaledObject/;

export class FolderAutoscalers {
  /** Folder (absolute) → its files' autoscalers (`file` set to the file's name in the folder) and its stamp when read. */
  private readonly folders = new Map<string, { found: ManifestAutoscaler[]; stamp: string }>();
  /** Manifest file (absolute) → what its kustomize overlays hold (see `overlays`), the paths it read and their stamp. */
  private readonly overlaid = new Map<string, OverlaySearch & { root: string; paths: string[]; stamp: string; checked: number }>();
  /** How many folders were read (listed and their candidate files parsed): for tests and the output channel. */
  reads = 0;
  /** How many overlay searches ran (folders listed upward of a manifest): for tests. */
  overlayReads = 0;

  /** `now`: the clock the overlay stamps are checked by (tests move it). */
  constructor(private readonly now: () => number = Date.now) {}

  /** The autoscalers in the other manifest files of `file`'s folder (the file's own come from its live text). */
  besides(file: string): ManifestAutoscaler[] {
    const path = resolve(file);
    const dir = dirname(path);
    this.changedOnDisk(path);
    let entry = this.folders.get(dir);
    if (!entry) {
      const found = readFolder(dir);
      entry = { found, stamp: stampOf(dir, found) };
      this.reads++;
      this.folders.set(dir, entry);
    }
    const own = basename(path);
    return entry.found.filter((a) => a.file !== own);
  }

  /**
   * The autoscalers of the kustomize overlays that render `file`'s folder (a base): `base/deployment.yaml` and
   * `overlays/prod/kustomization.yaml` listing `../../base` and `hpa.yaml` — the prod HPA owns the replicas kustomize
   * renders from the base. No build: the kustomizations found within OVERLAY_LEVELS_UP folders above the file's (never
   * above `root`, the workspace folder; none without one) are read for their `resources`/`bases`/`components`, an
   * overlay is one whose references lead back to the folder (or to the file itself), directly or through another
   * overlay, and its autoscalers are those of the files it lists (and of the files a folder it lists, not the base,
   * lists: a component). `file` of each is relative to the manifest's folder, `overlay.dir` the overlay's folder.
   * `overlays`: every overlay found, with or without an autoscaler (the base's own spec.replicas still counts in those
   * without). Kept until a folder or file it read changes (`changedOnDisk`, `invalidate`).
   */
  overlays(file: string, root: string | undefined): OverlaySearch {
    if (root === undefined) return { autoscalers: [], overlays: [] };
    const path = resolve(file);
    this.changedOnDisk(path);
    let entry = this.overlaid.get(path);
    if (!entry || entry.root !== resolve(root)) {
      const paths = new Set<string>();
      const found = searchOverlays(path, resolve(root), paths);
      const list = [...paths];
      entry = { ...found, root: resolve(root), paths: list, stamp: mtimes(list), checked: this.now() };
      this.overlayReads++;
      this.overlaid.set(path, entry);
    }
    return { autoscalers: entry.autoscalers, overlays: entry.overlays };
  }

  /**
   * Drops `file`'s folder when it changed on disk since it was read although no watcher said so (see the module
   * comment), and its overlay search when a folder or file that read changed: true when either did (lenses of files in
   * it may change), false when it is as read or was never read.
   */
  changedOnDisk(file: string): boolean {
    const path = resolve(file);
    const dir = dirname(path);
    let changed = false;
    const entry = this.folders.get(dir);
    if (entry && entry.stamp !== stampOf(dir, entry.found)) {
      this.folders.delete(dir);
      changed = true;
    }
    // An overlay search read up to a few hundred paths: their stamp is taken at most once a second (a stat each, ~1 ms
    // for 400 at load 8), not on every keystroke; the watchers on the overlays' folders still report at once.
    const over = this.overlaid.get(path);
    if (over && this.now() - over.checked >= OVERLAY_CHECK_MS) {
      over.checked = this.now();
      if (over.stamp !== mtimes(over.paths)) {
        this.overlaid.delete(path);
        changed = true;
      }
    }
    return changed;
  }

  /**
   * A file was created, changed or deleted: its folder is read again when next asked, and so are the overlay searches
   * that read it or its folder. True when something read before depended on it (lenses may change), else false.
   */
  invalidate(file: string): boolean {
    const path = resolve(file);
    let dropped = false;
    for (const [key, over] of this.overlaid) {
      if (over.paths.includes(path) || over.paths.includes(dirname(path))) dropped = this.overlaid.delete(key) || dropped;
    }
    if (!FOLDER_MANIFEST.test(basename(path))) return this.folders.delete(path) || dropped; // a folder itself (deleted, renamed)
    return this.folders.delete(dirname(path)) || dropped;
  }

  /** Drops a folder's autoscalers (no longer watched), and the overlay searches of its files: read again when next asked. */
  forget(dir: string): void {
    const d = resolve(dir);
    this.folders.delete(d);
    for (const key of [...this.overlaid.keys()]) if (dirname(key) === d) this.overlaid.delete(key);
  }

  clear(): void {
    this.folders.clear();
    this.overlaid.clear();
  }
}

/** What `FolderAutoscalers.overlays` finds for a manifest. */
export interface OverlaySearch {
  autoscalers: ManifestAutoscaler[];
  /** The overlays of the manifest's folder, relative to it (`../overlays/prod`), in the order found. */
  overlays: string[];
}

/** Folders above a manifest's own whose subtrees are searched for overlays of it (`base/` and `overlays/prod/` of `k8s/`: 1). */
export const OVERLAY_LEVELS_UP = 3;
/** How deep below each of those folders: its level plus this (`k8s/overlays/prod` from `k8s`: 2). */
const OVERLAY_DEPTH = 2;
/** Folders listed by one search at most (a monorepo's root is not walked whole): nearer ones first. */
export const MAX_OVERLAY_FOLDERS = 200;
/** How often an overlay search's stamp is compared with the disk, at most. */
export const OVERLAY_CHECK_MS = 1000;

const within = (root: string, path: string): boolean => {
  const r = relative(root, path);
  return r === '' || (!r.startsWith('..') && !isAbsolute(r));
};

/** One line per path read, its mtime ('-' when gone): a search is stale when this moved. */
function mtimes(paths: readonly string[]): string {
  return paths.map((p) => {
    try { return String(statSync(p).mtimeMs); } catch { return '-'; }
  }).join(',');
}

function readText(path: string): string | undefined {
  try {
    const st = statSync(path);
    if (!st.isFile() || st.size > MAX_BYTES) return undefined;
    return decodeManifest(readFileSync(path)).text;
  } catch {
    return undefined;
  }
}

/** The kustomization of a folder, from its listing (undefined when it has none, or it does not read as one). */
function kustomizationIn(dir: string, names: readonly string[], read: Set<string>): KustomizationRefs | undefined {
  const name = KUSTOMIZATION_NAMES.find((n) => names.includes(n));
  if (name === undefined) return undefined;
  read.add(join(dir, name));
  const text = readText(join(dir, name));
  return text === undefined ? undefined : kustomizationRefs(text);
}

function listing(dir: string): { names: string[]; dirs: string[] } | undefined {
  try {
    const entries = readdirSync(dir, { withFileTypes: true });
    // Symbolic links to folders are not followed (no loops); hidden folders and node_modules hold no overlays.
    return {
      names: entries.map((e) => e.name),
      dirs: entries.filter((e) => e.isDirectory() && !e.name.startsWith('.') && e.name !== 'node_modules').map((e) => e.name).sort(),
    };
  } catch {
    return undefined;
  }
}

function searchOverlays(file: string, root: string, read: Set<string>): { autoscalers: ManifestAutoscaler[]; overlays: string[] } {
  const none = { autoscalers: [], overlays: [] };
  const base = dirname(file);
  if (!within(root, base)) return none;
  // The kustomizations of the folders around: each ancestor's subtree (up to OVERLAY_LEVELS_UP, not above root), breadth
  // first, nearer ancestors first; a subtree already walked is not walked again.
  const kustomizations = new Map<string, KustomizationRefs>();
  let budget = MAX_OVERLAY_FOLDERS;
  let done: string | undefined;
  let top = base;
  for (let level = 1; level <= OVERLAY_LEVELS_UP && budget > 0; level++) {
    const up = dirname(top);
    if (up === top || !within(root, up)) break;
    top = up;
    let frontier = [top];
    for (let depth = 0; depth <= level + OVERLAY_DEPTH - 1 && frontier.length > 0 && budget > 0; depth++) {
      const next: string[] = [];
      for (const dir of frontier) {
        if (budget-- <= 0) break;
        const l = listing(dir);
        read.add(dir);
        if (!l) continue;
        const k = kustomizationIn(dir, l.names, read);
        if (k) kustomizations.set(dir, k);
        for (const d of l.dirs) if (join(dir, d) !== done) next.push(join(dir, d));
      }
      frontier = next;
    }
    done = top;
  }
  // The base's own kustomization: when it lists files and not this one, no overlay renders it.
  const own = kustomizations.get(base) ?? (() => {
    const l = listing(base);
    return l ? kustomizationIn(base, l.names, read) : undefined;
  })();
  if (own && !own.paths.some((p) => resolve(base, p) === file)) return none;
  // Overlays: kustomizations whose references lead to the base folder or the file, directly or through an overlay.
  const overlays = new Set<string>();
  const leadsHere = (p: string) => p === base || p === file || overlays.has(p);
  for (let grew = true; grew;) {
    grew = false;
    for (const [dir, k] of kustomizations) {
      if (dir === base || overlays.has(dir)) continue;
      if (k.paths.some((p) => leadsHere(resolve(dir, p)))) {
        overlays.add(dir);
        grew = true;
      }
    }
  }
  const autoscalers: ManifestAutoscaler[] = [];
  for (const dir of overlays) {
    const k = kustomizations.get(dir)!;
    const overlay = { dir: relative(base, dir), ...(k.namespace !== undefined ? { namespace: k.namespace } : {}) };
    const files: string[] = [];
    for (const p of k.paths.map((x) => resolve(dir, x))) {
      if (leadsHere(p) || dirname(p) === base) continue; // the base folder's own files: read beside the manifest
      const l = statSafeDir(p) ? listing(p) : undefined;
      if (!l) {
        files.push(p);
        continue;
      }
      // A folder it lists (a component, another base): the files its kustomization lists.
      read.add(p);
      const inner = kustomizations.get(p) ?? kustomizationIn(p, l.names, read);
      for (const q of inner?.paths ?? []) if (dirname(resolve(p, q)) !== base) files.push(resolve(p, q));
    }
    for (const f of files) {
      if (!FOLDER_MANIFEST.test(basename(f))) continue;
      read.add(f);
      const text = readText(f);
      if (text === undefined || !MENTIONS.test(text)) continue;
      for (const a of findAutoscalers(text, scanManifest(text), relative(base, f))) autoscalers.push({ ...a, overlay });
    }
  }
  return { autoscalers, overlays: [...overlays].map((d) => relative(base, d)) };
}

function statSafeDir(p: string): boolean {
  try { return statSync(p).isDirectory(); } catch { return false; }
}

/** The folder's mtime and those of the files `found` came from ('-' for one that cannot be read: gone). */
function stampOf(dir: string, found: readonly ManifestAutoscaler[]): string {
  const mtime = (path: string): string => {
    try { return String(statSync(path).mtimeMs); } catch { return '-'; }
  };
  return [mtime(dir), ...[...new Set(found.flatMap((a) => (a.file ? [a.file] : [])))].map((f) => mtime(join(dir, f)))].join(',');
}

function readFolder(dir: string): ManifestAutoscaler[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => FOLDER_MANIFEST.test(n)).sort();
  } catch {
    return [];
  }
  if (names.length > MAX_FOLDER_FILES) return [];
  const out: ManifestAutoscaler[] = [];
  for (const name of names) {
    const path = join(dir, name);
    try {
      const st = statSync(path);
      if (!st.isFile() || st.size > MAX_BYTES) continue;
      const { text } = decodeManifest(readFileSync(path));
      if (!MENTIONS.test(text)) continue;
      out.push(...findAutoscalers(text, scanManifest(text), name));
    } catch {
      // Unreadable, not UTF-8/UTF-16, gone since the listing: it holds no autoscaler we can read.
    }
  }
  return out;
}
