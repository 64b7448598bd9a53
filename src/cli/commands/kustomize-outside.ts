/**
 * A kustomization in the paths given whose `resources`, `bases` or `components` reach a folder or file outside them
 * (`overlays/prod/kustomization.yaml` with `resources: [../../base]`, `app/kustomization.yaml` with
 * `components: [../components/big]`). `mora manifests apply <dir>` and `mora recommend --apply-to <dir>` never write
 * outside the paths given, but what is there decides what kustomize renders: a patch there (a component's) wins over
 * an edit here, a workload there is not edited at all. So what kustomize reads from outside is read too — only the
 * files it reads: the kustomizations, their resources and patch files, followed through further bases — never written,
 * and each holder of a target is named with the path, and the entry of the kustomization inside, that reaches it.
 */
import { statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import type { ManifestChange, ManifestContainer } from '../../manifests';
import { scanManifest } from '../../manifests';
import { KUSTOMIZATION_NAMES, kustomizationEntries } from '../../manifests/kustomization';
import { filesFor, inlinePatchHolders, replicasOnlyWorkloads, type ScannedFile, type TextAndScan } from './patch-holders';
import { readManifest } from './manifest-read';
import { basesNamespace, folderKustomization } from './kustomize-namespace';

/** A file (or an inline patch) outside the paths given that holds workloads kustomize renders from a kustomization inside. */
export interface OutsideHolder extends ScannedFile {
  /** The entry inside that reaches it: `resources: ../../base (k8s/overlays/prod/kustomization.yaml, line 3)`. */
  via: string;
  /** A patch (a patch file or inline patch of a kustomization outside): it wins over the resources it patches. */
  patch: boolean;
  /** The kustomization inside the paths given that reaches it, as given. */
  from: string;
}

export interface OutsideReferences {
  /** What kustomize reads from outside the paths given, as holders of targets (never edited). */
  holders: OutsideHolder[];
  /** The files inside the paths given that a kustomization inside uses as a patch (absolute paths). */
  insidePatches: Set<string>;
}

/** How many files outside are read at most (a reference loop or a huge tree is cut there). */
const MAX_FILES = 500;

const isKustomization = (file: string): boolean => (KUSTOMIZATION_NAMES as readonly string[]).includes(basename(file));

/**
 * The references of the kustomizations among `inside` (the files read from `paths`) to what lies outside `paths`,
 * followed as kustomize follows them: a folder through its kustomization, a file as a resource; with the namespace
 * a kustomization on the way sets (the outermost wins, as kustomize applies it last). With `fileGiven` (the one file
 * `recommend --apply-to` was given), the kustomization of that file's folder is read first, as the one rendering it:
 * its patches, its other resources, bases and components hold targets too (`via` names it), and are never written.
 * `above`: the kustomizations above the paths given that their files are below (kustomizationsAbove), read the same way.
 */
export function outsideReferences(inside: readonly TextAndScan[], paths: readonly string[], fileGiven?: string, above: readonly string[] = []): OutsideReferences {
  const roots = paths.filter((p) => p !== '-').map((p) => resolve(p));
  const within = (abs: string) => roots.some((r) => abs === r || abs.startsWith(r.endsWith(sep) ? r : r + sep));
  const insidePatches = new Set<string>();
  const holders: OutsideHolder[] = [];
  const seen = new Set<string>();
  /** Kustomizations and patch files read outside, for their patches (inlinePatchHolders), with the namespace and entry. */
  const patchSources: Array<TextAndScan & { via: string; from: string; namespace?: string; inherited?: string }> = [];

  const read = (abs: string): { text: string; containers: readonly ManifestContainer[]; scan: ReturnType<typeof scanManifest> } | undefined => {
    try {
      const { text } = readManifest(abs);
      const scan = scanManifest(text, { mode: 'thorough' });
      return { text, containers: scan.containers, scan };
    } catch {
      return undefined; // unreadable, not YAML, a template: not ours to report (kustomize says it), and nothing of it is written
    }
  };
  // `namespace`: a kustomization's on the way (it overrides the objects' own); `inherited`: for a patch of a kustomization
  // setting none, the one its bases set (kustomize-namespace.ts), which objects without a namespace of their own end up in.
  const inNamespace = (namespace: string | undefined, inherited?: string) => <T extends { namespace: string | null }>(x: T): T =>
    (namespace ? { ...x, namespace } : inherited && x.namespace === null ? { ...x, namespace: inherited } : x);

  /** `shown`: the path as the user would write it (joined to the folder of the kustomization as given). */
  const follow = (abs: string, shown: string, via: string, from: string, namespace: string | undefined, asPatch: boolean, inherited?: string): void => {
    if (seen.has(abs) || seen.size >= MAX_FILES || within(abs)) return;
    seen.add(abs);
    let dir = false;
    try {
      dir = statSync(abs).isDirectory();
    } catch {
      return; // kustomize names a missing path itself
    }
    if (dir) {
      const name = KUSTOMIZATION_NAMES.find((n) => { try { return statSync(join(abs, n)).isFile(); } catch { return false; } });
      if (name !== undefined) follow(join(abs, name), join(shown, name), via, from, namespace, false);
      return;
    }
    const file = read(abs);
    if (!file) return;
    if (isKustomization(abs)) {
      const k = kustomizationEntries(file.text);
      if (!k) return;
      const ns = namespace ?? k.namespace;
      // Its patches apply before its namespace: without one, what they patch stays where its bases put it.
      const fromBases = ns ? undefined : basesNamespace(abs)?.namespace;
      patchSources.push({ file: shown, text: file.text, scanned: [], via, from, ...(ns ? { namespace: ns } : fromBases ? { inherited: fromBases } : {}) });
      for (const e of k.entries) follow(resolve(dirname(abs), e.path), join(dirname(shown), e.path), via, from, ns, false);
      for (const p of k.patchFiles) follow(resolve(dirname(abs), p), join(dirname(shown), p), via, from, ns, true, fromBases);
      return;
    }
    const ns = inNamespace(namespace, asPatch ? inherited : undefined);
    if (asPatch) {
      // A patch file: it holds the containers whose resources it sets, and the replicas it sets.
      patchSources.push({ file: shown, text: file.text, scanned: file.containers, via, from, ...(namespace ? { namespace } : inherited ? { inherited } : {}) });
      const containers = file.containers.filter((c) => [c.requests, c.limits].some((g) => g.cpu !== null || g.memory !== null)).map(ns);
      const replicasOnly = [...replicasOnlyWorkloads(file.text, file.scan), ...file.containers.filter((c) => c.replicas !== null)].map(ns);
      if (containers.length || replicasOnly.length) holders.push({ file: shown, containers, replicasOnly, inlinePatch: true, via, from, patch: true });
      return;
    }
    holders.push({ file: shown, containers: file.containers.map(ns), replicasOnly: replicasOnlyWorkloads(file.text, file.scan).map(ns), via, from, patch: false });
    patchSources.push({ file: shown, text: file.text, scanned: file.containers, via, from, ...(namespace ? { namespace } : {}) });
  };

  for (const f of inside) {
    if (f.file === '-' || !isKustomization(f.file)) continue;
    const k = kustomizationEntries(f.text);
    if (!k) continue;
    const dir = dirname(resolve(f.file));
    for (const p of k.patchFiles) insidePatches.add(resolve(dir, p));
    for (const e of k.entries) {
      const abs = resolve(dir, e.path);
      if (within(abs)) continue;
      follow(abs, join(dirname(f.file), e.path), `${e.field}: ${e.path} (${f.file}, line ${e.line})`, f.file, k.namespace, false);
    }
  }
  const kustomization = fileGiven === undefined || isKustomization(fileGiven) ? undefined : folderKustomization(fileGiven);
  if (fileGiven !== undefined && kustomization !== undefined) {
    // Its patch files win over its resources: the file given may be one of them (then it takes the edit).
    const read = (() => { try { return kustomizationEntries(readManifest(kustomization).text); } catch { return undefined; } })();
    for (const p of read?.patchFiles ?? []) insidePatches.add(resolve(dirname(kustomization), p));
    follow(resolve(kustomization), kustomization, `the kustomization of its folder (${kustomization})`, fileGiven, undefined, false);
  }
  // The kustomizations above the paths given (kustomizationsAbove: overlays/prod/kustomization.yaml for
  // overlays/prod/patches), read as the one of a file's folder is: their patch files given take the edit, their other
  // patches win over it.
  for (const k of above) {
    const entries = (() => { try { return kustomizationEntries(readManifest(k).text); } catch { return undefined; } })();
    for (const p of entries?.patchFiles ?? []) insidePatches.add(resolve(dirname(k), p));
    follow(resolve(k), k, `the kustomization above it (${k})`, fileGiven ?? k, undefined, false);
  }
  // The inline patches (and patch files with a target) of the kustomizations outside, read as a folder's are.
  for (const h of inlinePatchHolders(patchSources)) {
    const source = patchSources.find((s) => h.file === s.file || h.file.startsWith(`${s.file} (`));
    const ns = inNamespace(source?.namespace, source?.inherited);
    holders.push({ ...h, containers: h.containers.map(ns), replicasOnly: (h.replicasOnly ?? []).map(ns), via: source?.via ?? '', from: source?.from ?? '', patch: true });
  }
  return { holders, insidePatches };
}

/** `Deployment/web/web` or `shop/Deployment/web` as the refusals name a change's target. */
function labelOf(change: ManifestChange): string {
  const t = change.target;
  return `${t.namespace ? `${t.namespace}/` : ''}${t.kind}/${t.name}${change.type === 'resources' ? `/${change.target.container}` : ''}`;
}

/** The holders outside the paths given of a change's target. */
export function outsideHolding(change: ManifestChange, refs: OutsideReferences, defaultNamespace?: string): OutsideHolder[] {
  if (refs.holders.length === 0) return [];
  const holding = filesFor(change, refs.holders, defaultNamespace);
  if (change.type === 'replicas') return holding;
  // filesFor falls back to the files holding the workload without that container: only a holder of the target counts.
  const t = change.target;
  return holding.filter((h) => h.containers.some((c) => c.kind === t.kind && c.name === t.name && c.container === t.container));
}

/**
 * Why a change planned in `file` (inside the paths given) may not be written, when kustomize also reads its target
 * from outside them; undefined when it may: nothing outside holds it, or `file` is a patch of a kustomization inside
 * (`insidePatches`, or an inline patch), which kustomize applies over what its resources render.
 */
export function outsideConflict(change: ManifestChange, file: string, refs: OutsideReferences, defaultNamespace?: string): string | undefined {
  if (refs.insidePatches.has(resolve(file))) return undefined;
  const [out] = outsideHolding(change, refs, defaultNamespace);
  if (!out) return undefined;
  const what = `${labelOf(change)}${change.type === 'replicas' ? ' (replicas)' : ''}`;
  return out.patch
    ? `${what} is in ${file}, but a patch outside the path given sets it too: ${out.file}, reached by ${out.via}; that patch wins over an edit here, so nothing was written: change it there by hand (MOrA writes no file outside the path given)`
    : `${what} is in ${file} and also in ${out.file}, outside the path given, reached by ${out.via}; nothing was written: give the path that holds the one copy kustomize renders (MOrA writes no file outside the path given)`;
}

/** Why a target no file inside holds is not written, when kustomize reads it from outside the paths given. */
export function outsideOnly(change: ManifestChange, refs: OutsideReferences, defaultNamespace?: string): string | undefined {
  const [out] = outsideHolding(change, refs, defaultNamespace);
  if (!out) return undefined;
  return `${labelOf(change)} is not in the files under the path given, but in ${out.file}, outside it, reached by ${out.via}; `
    + `nothing was written: MOrA writes no file outside the path given — give ${relativeHint(out.file)} (or its folder), or add a patch under the path given`;
}

/** The file as the user may type it. */
function relativeHint(file: string): string {
  const r = relative(process.cwd(), file);
  return r && !r.startsWith('..') ? r : file;
}
