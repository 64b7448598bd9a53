/**
 * The namespace kustomize puts a manifest file's objects in, read from the kustomization that lists it — the one of the
 * file's own folder, or of a folder above it among those read (`patches: - path: patches/cpu.yaml`) or, for a folder
 * without one, the nearest above it (kustomizationAbove, 5 folders at most, not above a git work tree) — never built,
 * never written: a kustomization that lists the file under `resources` and sets `namespace:` renders
 * its objects there, whatever their own `metadata.namespace` says (kustomize's namespace transformer). `recommend
 * --apply-to` matches the file's workloads against the recommendations in that namespace, not in --default-namespace,
 * and `manifests apply <dir>` the targets given.
 * A patch — a patch file (`patches: - path:`, `patchesStrategicMerge`) or an inline patch of the kustomization — is
 * applied to what the kustomization's resources and bases render, before its own namespace transformer: the object it
 * patches ends up in the kustomization's `namespace:`, or, when it sets none, in the one its bases put it in (a patch
 * without a namespace of its own matches the base's object by the id it had before the base's namespace, so the
 * patch itself need not name it). A file no kustomization lists, or listed by one that sets no
 * namespace (nor its bases, for a patch), keeps its own (or the default).
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { KUSTOMIZATION_NAMES, kustomizationEntries } from '../../manifests/kustomization';
import { readManifest } from './manifest-read';

export interface KustomizeNamespace {
  /** The namespace kustomize renders the file's objects in. */
  namespace: string;
  /** The kustomization that sets it, as its path is shown (joined to the file's folder as given). */
  kustomization: string;
  /**
   * True: the `namespace:` of the kustomization listing the file, which overrides the objects' own. False: the one its
   * bases set, which a patch's objects without a namespace of their own end up in (one that names one keeps it).
   */
  override: boolean;
}

/** `c` in the namespace kustomize renders it in (`kns`), as the recommendations are matched; as it is without one. */
export function inKustomizeNamespace<C extends { namespace: string | null }>(c: C, kns: KustomizeNamespace | undefined): C {
  if (!kns || (!kns.override && c.namespace !== null)) return c;
  return { ...c, namespace: kns.namespace };
}

/** An autoscaler as placeAutoscalers places it (manifest-autoscalers.ts: ManifestAutoscaler). */
interface PlaceableAutoscaler {
  namespace: string | null;
  /** Its file, as a path the user can open; none: the file of the workload it is compared with. */
  file?: string;
  /** Found in an overlay: it carries its overlay's namespace rule, and is left as it is. */
  overlay?: unknown;
}

/** How autoscalerPlacement reads an autoscaler's file (the editor's placement: kustomize-placement.ts). */
export interface AutoscalerPlacementOptions {
  /**
   * True: an autoscaler's `file` is relative to the folder of the workload's file, and both are resolved to absolute
   * paths (as `known` and `read` name them); false (the CLI's): paths as given.
   */
  folderRelative?: boolean;
  /** True: a kustomization that cannot be read leaves the autoscalers of that file as they are (never throws). */
  tolerant?: boolean;
}

/**
 * A function placing an autoscaler (an HPA, a KEDA ScaledObject) found for the workloads of `file` in the namespace
 * kustomize renders it in: that of the kustomization listing its own file (inKustomizeNamespace), read once per file;
 * an overlay's as it is. `known`: the namespaces already read (kustomizeNamespaces of the files given), for
 * `read`, the files they were read for; another file is read alone. What `manifests apply --replicas` and `recommend
 * --apply-to --replicas` compare the workload, placed the same way, with, and the editor's lenses too (`options`).
 */
export function autoscalerPlacement(known: ReadonlyMap<string, KustomizeNamespace> = new Map(), read: Iterable<string> = known.keys(),
  options: AutoscalerPlacementOptions = {}): <A extends PlaceableAutoscaler>(a: A, file: string) => A {
  const namespaces = new Map(known);
  const looked = new Set(read);
  const of = (file: string): KustomizeNamespace | undefined => {
    if (!looked.has(file)) {
      try {
        for (const [f, kns] of kustomizeNamespaces([file])) namespaces.set(f, kns);
      } catch (e) {
        if (!options.tolerant) throw e;
      }
      looked.add(file);
    }
    return namespaces.get(file);
  };
  const fileOf = (a: PlaceableAutoscaler, file: string): string => {
    if (!options.folderRelative) return a.file ?? file;
    return a.file === undefined ? resolve(file) : resolve(dirname(file), a.file);
  };
  return (a, file) => (a.overlay ? a : inKustomizeNamespace(a, of(fileOf(a, file))));
}

/** A file read, or an inline patch holder, as the repeated-target check holds its workloads (patch-holders.ts). */
interface Placeable {
  file: string;
  containers: ReadonlyArray<{ namespace: string | null }>;
  replicasOnly?: ReadonlyArray<{ namespace: string | null }>;
}

/**
 * `h`'s workloads in the namespace kustomize renders them in (inKustomizeNamespace): that of its file in `namespaces`
 * (kustomizeNamespaces) — for an inline patch holder (`<kustomization> (inline patch …)`, `<patch file> (JSON 6902
 * patch, …)`), the file it is read from, named first. As it is when that file has none.
 */
export function placedInKustomizeNamespace<H extends Placeable>(h: H, namespaces: ReadonlyMap<string, KustomizeNamespace>): H {
  const kns = namespaces.get(h.file) ?? [...namespaces].find(([file]) => h.file.startsWith(`${file} (`))?.[1];
  if (!kns) return h;
  return { ...h, containers: h.containers.map((c) => inKustomizeNamespace(c, kns)),
    ...(h.replicasOnly ? { replicasOnly: h.replicasOnly.map((w) => inKustomizeNamespace(w, kns)) } : {}) };
}

/** How deep bases are followed for the namespace they set (a reference loop is cut there too). */
const MAX_DEPTH = 10;

/** The kustomization file of folder `dir` (absolute), if any. */
function kustomizationIn(dir: string): string | undefined {
  return folderKustomization(join(dir, 'x'));
}

/**
 * The namespace the bases of the kustomization `file` (absolute) put their objects in — each `resources`/`bases` entry
 * being a folder with a kustomization, its own `namespace:` or, without one, its bases' — when they all put them in the
 * same one; undefined when one sets none, they differ, or a resource is a manifest file of its own (its objects keep
 * their namespace): a patch then matches in its own namespace or the default.
 */
export function basesNamespace(file: string, depth = 0, seen = new Set<string>()): { namespace: string; kustomization: string } | undefined {
  if (depth >= MAX_DEPTH || seen.has(file)) return undefined;
  seen.add(file);
  const k = readKustomization(file);
  if (!k) return undefined;
  const found: Array<{ namespace: string; kustomization: string } | undefined> = [];
  for (const e of k.entries) {
    if (e.field === 'components') continue;
    const abs = resolve(dirname(file), e.path);
    let dir = false;
    try {
      dir = statSync(abs).isDirectory();
    } catch {
      continue; // kustomize names a missing path itself
    }
    // A manifest file (or a folder without a kustomization): its objects keep their own namespace, which a patch may be
    // for as well as a base's: no one namespace then.
    const base = dir ? kustomizationIn(abs) : undefined;
    if (base === undefined) {
      found.push(undefined);
      continue;
    }
    const own = readKustomization(base)?.namespace;
    found.push(own ? { namespace: own, kustomization: base } : basesNamespace(base, depth + 1, new Set(seen)));
  }
  const [first] = found;
  return first && found.every((f) => f?.namespace === first.namespace) ? first : undefined;
}

/** The kustomization file in `file`'s folder, as its path is shown (joined to the folder as given); none for `-`. */
export function folderKustomization(file: string): string | undefined {
  if (file === '-') return undefined;
  const dir = dirname(file);
  for (const name of KUSTOMIZATION_NAMES) {
    try {
      if (statSync(join(dir, name)).isFile()) return join(dir, name);
    } catch {
      // not there
    }
  }
  return undefined;
}

/** A kustomization's entries, or undefined when it cannot be read or is not one. Never throws. */
function readKustomization(file: string): ReturnType<typeof kustomizationEntries> {
  try {
    return kustomizationEntries(readManifest(file).text);
  } catch {
    return undefined;
  }
}

interface Folder {
  kustomization: string;
  /** Its own `namespace:`. */
  namespace?: string;
  /** The namespace its bases set, for its patches when it sets none (read when a patch asks). */
  bases?: { namespace: string; kustomization: string } | null;
  resources: Set<string>;
  patchFiles: Set<string>;
}

/** The kustomization `kustomization` (as shown) read as a Folder; undefined when it cannot be read or is none. */
function readFolder(kustomization: string | undefined): Folder | undefined {
  const k = kustomization === undefined ? undefined : readKustomization(kustomization);
  if (!k || kustomization === undefined) return undefined;
  const dir = resolve(dirname(kustomization));
  return {
    kustomization,
    ...(k.namespace ? { namespace: k.namespace } : {}),
    resources: new Set(k.entries.filter((e) => e.field === 'resources').map((e) => resolve(dir, e.path))),
    patchFiles: new Set(k.patchFiles.map((p) => resolve(dir, p))),
  };
}

/**
 * The namespace of each of `files` that a kustomization lists and that kustomize renders in a namespace: a resource
 * in the kustomization's `namespace:`; a patch file, and the kustomization itself (for its inline patches), in that or
 * else in the one its bases set. The kustomizations looked at are those of the folders the files are in (each read
 * once), so a file in a subfolder of one (`resources: [deploy/web.yaml]`, `patches: - path: patches/cpu.yaml`) is
 * placed by it when its folder is among them; the one of the file's own folder first, else the nearest above it.
 * A file whose folder has none is also looked for in the nearest kustomization above it (kustomizationAbove: a file or
 * folder given below its kustomization, overlays/prod/patches). The files without one are left out.
 */
export function kustomizeNamespaces(files: readonly string[]): Map<string, KustomizeNamespace> {
  const out = new Map<string, KustomizeNamespace>();
  const folders = new Map<string, Folder | undefined>();
  for (const file of files) {
    if (file === '-') continue;
    const dir = resolve(dirname(file));
    if (folders.has(dir)) continue;
    folders.set(dir, readFolder(folderKustomization(file)));
    // A file given below its kustomization (overlays/prod/patches/cpu.yaml): the nearest one above its folder (once a folder).
    const above = folders.get(dir) ? undefined : kustomizationAbove(file);
    if (above !== undefined && !folders.has(resolve(dirname(above)))) folders.set(resolve(dirname(above)), readFolder(above));
  }
  // Each file a kustomization reads (a resource, a patch file, itself), to the kustomizations reading it.
  const readers = new Map<string, Folder[]>();
  for (const folder of folders.values()) {
    if (!folder) continue;
    for (const abs of [resolve(folder.kustomization), ...folder.resources, ...folder.patchFiles]) readers.set(abs, [...(readers.get(abs) ?? []), folder]);
  }
  for (const file of files) {
    if (file === '-') continue;
    const abs = resolve(file);
    // Its own folder's first, else the nearest folder above it; kustomize reads no file from outside a kustomization's
    // folder (its load restrictor), so one listed from there (`../other/web.yaml`) is not placed by it.
    const folder = (readers.get(abs) ?? []).map((f) => ({ f, rank: rank(abs, resolve(dirname(f.kustomization))) }))
      .filter((r) => r.rank >= 0).sort((a, b) => b.rank - a.rank)[0]?.f;
    if (!folder) continue;
    const patch = abs === resolve(folder.kustomization) || folder.patchFiles.has(abs);
    if (folder.namespace) {
      out.set(file, { namespace: folder.namespace, kustomization: folder.kustomization, override: true });
      continue;
    }
    if (!patch) continue;
    if (folder.bases === undefined) {
      const bases = basesNamespace(resolve(folder.kustomization));
      // Shown as the user would write it: joined to the folder as given.
      folder.bases = bases ? { namespace: bases.namespace, kustomization: join(dirname(folder.kustomization), relative(dirname(resolve(folder.kustomization)), bases.kustomization)) } : null;
    }
    if (folder.bases) out.set(file, { ...folder.bases, override: false });
  }
  return out;
}

/** How many folders above a file's own kustomizationAbove looks, at most. */
const MAX_ABOVE = 5;

/**
 * The kustomization of the nearest folder above `file`'s (whose own has none), as its path is shown (joined to the
 * file's folder as given: overlays/prod/kustomization.yaml for overlays/prod/patches/cpu.yaml); read only. The search
 * stops at the first folder holding one, at a git work-tree root (a folder with `.git`: nothing above it is read), and
 * after MAX_ABOVE folders. Undefined when none is found so.
 */
export function kustomizationAbove(file: string): string | undefined {
  if (file === '-') return undefined;
  let shown = dirname(file);
  for (let level = 0; level < MAX_ABOVE; level++) {
    const abs = resolve(shown);
    if (existsSync(join(abs, '.git')) || dirname(abs) === abs) return undefined;
    shown = join(shown, '..');
    const found = kustomizationIn(shown);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * The kustomizations above the paths given (kustomizationAbove) that the files read from them are below, each once:
 * for each file whose own folder has none (overlays/prod/patches/cpu.yaml, or the files of the folder
 * overlays/prod/patches), the nearest one above it, when it is outside the paths given (one inside is read with them).
 * They count for the patch that would win over an edit (kustomize-outside.ts) and for the overlay note
 * (kustomize-overlays.ts) as a kustomization among the files read does; read only.
 */
export function kustomizationsAbove(files: readonly string[], paths: readonly string[]): string[] {
  const roots = paths.filter((p) => p !== '-').map((p) => resolve(p));
  const within = (abs: string) => roots.some((r) => abs === r || abs.startsWith(r.endsWith(sep) ? r : r + sep));
  const out = new Map<string, string>();
  const dirs = new Set<string>();
  for (const file of files) {
    if (file === '-') continue;
    const dir = resolve(dirname(file));
    if (dirs.has(dir)) continue;
    dirs.add(dir);
    if (folderKustomization(file) !== undefined) continue;
    const above = kustomizationAbove(file);
    if (above !== undefined && !within(resolve(above)) && !out.has(resolve(above))) out.set(resolve(above), above);
  }
  return [...out.values()];
}

/** How near folder `dir` is to the file `abs`: its own folder highest, a folder above it by depth, -1 for another. */
function rank(abs: string, dir: string): number {
  if (dir === dirname(abs)) return Number.MAX_SAFE_INTEGER;
  return abs.startsWith(dir.endsWith(sep) ? dir : dir + sep) ? dir.length : -1;
}
