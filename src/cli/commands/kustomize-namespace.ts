/**
 * The namespace kustomize puts a manifest file's objects in, read from the kustomization of the file's own folder
 * (never built, never written): a kustomization that lists the file under `resources` and sets `namespace:` renders
 * its objects there, whatever their own `metadata.namespace` says (kustomize's namespace transformer). `recommend
 * --apply-to` matches the file's workloads against the recommendations in that namespace, not in --default-namespace.
 * A file no kustomization of its folder lists, or listed by one that sets no namespace, keeps its own (or the default).
 */
import { statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { KUSTOMIZATION_NAMES, kustomizationEntries } from '../../manifests/kustomization';
import { readManifest } from './manifest-read';

export interface KustomizeNamespace {
  /** The namespace kustomize renders the file's objects in. */
  namespace: string;
  /** The kustomization that sets it, as its path is shown (joined to the file's folder as given). */
  kustomization: string;
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

/**
 * The namespace of each of `files` that the kustomization of its folder lists under `resources` and puts in a
 * namespace (`namespace: shop`); the files without one are left out. Each folder's kustomization is read once.
 */
export function kustomizeNamespaces(files: readonly string[]): Map<string, KustomizeNamespace> {
  const out = new Map<string, KustomizeNamespace>();
  const folders = new Map<string, { kustomization: string; namespace?: string; resources: Set<string> } | undefined>();
  for (const file of files) {
    if (file === '-') continue;
    const dir = resolve(dirname(file));
    if (!folders.has(dir)) {
      const kustomization = folderKustomization(file);
      const k = kustomization === undefined ? undefined : readKustomization(kustomization);
      folders.set(dir, k && kustomization !== undefined ? {
        kustomization,
        ...(k.namespace ? { namespace: k.namespace } : {}),
        resources: new Set(k.entries.filter((e) => e.field === 'resources').map((e) => resolve(dir, e.path))),
      } : undefined);
    }
    const folder = folders.get(dir);
    if (!folder?.namespace || resolve(file) === resolve(folder.kustomization)) continue;
    if (folder.resources.has(resolve(file))) out.set(file, { namespace: folder.namespace, kustomization: folder.kustomization });
  }
  return out;
}
