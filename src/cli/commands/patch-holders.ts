/**
 * Which files of a folder hold a target: the containers and replica-only workloads each file's scan found, and what a
 * kustomization's inline patches and patch files set (a patch holds the target: the overlay's value wins over an edit
 * of the base). Shared by `manifests apply <dir>` (manifests-apply-many.ts) and the references a kustomization makes
 * outside the folder given (kustomize-outside.ts).
 */
import { dirname, resolve } from 'node:path';
import type { ManifestChange, ManifestContainer, ManifestScan } from '../../manifests';
import { scanManifest } from '../../manifests';
import { inlinePatches, operations, type InlinePatch, type PatchTarget } from '../../manifests/kustomize-patches';
import { workloadRoots } from '../../manifests/extract';
import { parseWithYaml } from '../../manifests/parse-yaml';
import { get } from '../../manifests/tree';
import { isWorkloadKind, KINDS_WITH_REPLICAS, POD_SPEC_PATH } from '../../manifests/workloads';

/** A file read, as the inline-patch reading needs it: its text and the containers its scan found. */
export interface TextAndScan {
  file: string;
  text: string;
  scanned: readonly ManifestContainer[];
}

/** An inline patch of a kustomization, held like a file: it holds targets, but is never edited. */
export interface PatchHolder extends ScannedFile {
  inlinePatch: true;
}

/** `a/b/kustomization.yaml (inline patch patches[0], line 6)`. */
function patchLabel(file: string, p: InlinePatch): string {
  return `${file} (inline patch ${p.where}, line ${p.line})`;
}

/** True when JSON pointer `above` is `path` or one of its parents. */
function covers(above: string, path: string): boolean {
  return above === '' || above === '/' || path === above || path.startsWith(`${above}/`);
}

/**
 * The inline patches of the kustomizations among `files`, each as the workloads and containers it sets: a strategic
 * merge patch as its scan reads it (its `target`'s kind and name, when given, are what it patches); a JSON 6902 patch
 * by the paths its operations write: `/spec/replicas` (or a parent) for replicas, a container's `resources` (or the
 * container, the list, a parent) for resources. A container index is read from the workload's containers in the
 * files read (the base); one that cannot be resolved counts as every container of the workload.
 */
export function inlinePatchHolders(files: readonly TextAndScan[]): PatchHolder[] {
  const out: PatchHolder[] = [];
  for (const f of files) {
    for (const entry of inlinePatches(f.file, f.text)) {
      let p = entry;
      let name = patchLabel(f.file, p);
      if (p.path !== undefined) {
        // A patch file among the files read. A JSON 6902 one: its operations hold targets as an inline patch's do. A
        // strategic merge one is read as the manifest it is, under its own kind and name; but kustomize patches what
        // the entry's `target` selects (its metadata.name may be a placeholder), so it also holds the target's.
        const want = resolve(dirname(f.file), p.path);
        const file = files.find((x) => resolve(x.file) === want);
        if (!file) continue;
        const ops = operations(file.text);
        if (ops) {
          p = { ...p, ops };
          name = `${file.file} (JSON 6902 patch, ${p.where} of ${f.file}, line ${p.line})`;
        } else {
          const target = p.target;
          if (!target?.name) continue;
          p = { ...p, strategic: file.text };
          name = `${file.file} (patch of ${target.kind ?? 'any kind'}/${target.name} by ${p.where} of ${f.file}, line ${p.line})`;
        }
      }
      const holder: PatchHolder = { file: name, containers: [], replicasOnly: [], inlinePatch: true };
      if (p.strategic !== undefined) {
        let scan: ManifestScan;
        try {
          scan = scanManifest(p.strategic, { mode: 'thorough' });
        } catch {
          continue;
        }
        const retarget = <R extends WorkloadRef>(r: R): R => retargeted(r, p.target);
        // A patch file already holds what it names itself: only what the target renames counts again.
        const renamed = <R extends WorkloadRef>(r: R): boolean => p.path === undefined || JSON.stringify(retarget(r)) !== JSON.stringify(r);
        // A container counts when the patch sets its resources; the workload's replicas when it sets them.
        holder.containers = scan.containers.filter((c) => [c.requests, c.limits].some((g) => g.cpu !== null || g.memory !== null)).filter(renamed).map(retarget);
        holder.replicasOnly = [...replicasOnlyWorkloads(p.strategic, scan), ...scan.containers.filter((c) => c.replicas !== null)].filter(renamed).map(retarget);
      } else if (p.ops && p.target?.kind && p.target.name && isWorkloadKind(p.target.kind)) {
        const kind = p.target.kind;
        const workload: WorkloadRef = { kind, name: p.target.name, namespace: p.target.namespace ?? null };
        const podSpec = `/${POD_SPEC_PATH[kind].join('/')}`;
        const containers: ContainerRef[] = [];
        for (const op of p.ops) {
          if (KINDS_WITH_REPLICAS.has(kind) && covers(op.path, '/spec/replicas')) holder.replicasOnly = [workload];
          for (const list of ['containers', 'initContainers'] as const) {
            const base = baseContainers(files, workload, list === 'initContainers');
            const at = `${podSpec}/${list}`;
            if (covers(op.path, at)) {
              containers.push(...base.map((container) => ({ ...workload, container })));
              continue;
            }
            if (!op.path.startsWith(`${at}/`)) continue;
            const [index, ...rest] = op.path.slice(at.length + 1).split('/');
            if (rest.length > 0 && rest[0] !== 'resources') continue; // the image, the env…: not resources
            const named = index === '-' ? op.name : base[Number(index)];
            containers.push(...(named !== undefined ? [named] : base).map((container) => ({ ...workload, container })));
          }
        }
        holder.containers = containers;
      }
      if (holder.containers.length || holder.replicasOnly?.length) out.push(holder);
    }
  }
  return out;
}

/** A strategic merge patch's workload as its entry's `target` names it (kustomize patches what the target selects). */
function retargeted<R extends WorkloadRef>(r: R, target: PatchTarget | undefined): R {
  if (!target?.name) return r;
  return { ...r, kind: target.kind ?? r.kind, name: target.name, namespace: target.namespace ?? r.namespace };
}

/** The names of the workload's containers (or init containers), in order, from the first file read that has them. */
function baseContainers(files: readonly TextAndScan[], w: WorkloadRef, init: boolean): string[] {
  for (const f of files) {
    const names = f.scanned.filter((c) => c.kind === w.kind && c.name === w.name && c.init === init
      && (w.namespace === null || c.namespace === null || c.namespace === w.namespace)).map((c) => c.container);
    if (names.length) return names;
  }
  return [];
}

/** A workload as the repeated-target check compares it. */
export interface WorkloadRef {
  kind: string;
  name: string;
  namespace: string | null;
}

/** A container as the repeated-target check compares it. */
export interface ContainerRef extends WorkloadRef {
  container: string;
}

/** A file and the containers its scan found. */
export interface ScannedFile {
  file: string;
  containers: readonly ContainerRef[];
  /**
   * Workloads of the file that set spec.replicas without any container (a kustomize patch `spec: {replicas: 3}`):
   * they hold a replicas change's target as much as a document with containers does.
   */
  replicasOnly?: readonly WorkloadRef[];
  /**
   * A kustomization's inline patch, read for what it sets: its containers hold resources changes only (its
   * replicasOnly the replicas; a file's containers hold its workload's replicas too), it is never edited, and it does
   * not stand for a workload whose container is missing.
   */
  inlinePatch?: boolean;
}

/**
 * The workloads of a file that set spec.replicas but have no container (a kustomize patch such as
 * `spec: {replicas: 3}`): the scan lists containers only, so these are read from the documents themselves (only the
 * documents of kinds with replicas where the scan found no container, and Lists).
 */
export function replicasOnlyWorkloads(text: string, scan: ManifestScan): WorkloadRef[] {
  const out: WorkloadRef[] = [];
  for (const d of scan.documents) {
    if (d.status !== 'ok' || d.kind === null) continue;
    const list = /List$/.test(d.kind);
    if (!list && (!KINDS_WITH_REPLICAS.has(d.kind) || scan.containers.some((c) => c.document === d.index))) continue;
    const parsed = parseWithYaml(text, d.offset, d.offset + d.length);
    for (const w of workloadRoots(parsed.root)) {
      const replicas = get(get(w.root, 'spec'), 'replicas');
      // `replicas:` with no value (null) sets nothing.
      if (!KINDS_WITH_REPLICAS.has(w.kind) || !replicas || (replicas.t === 'scalar' && replicas.value === null)) continue;
      if (scan.containers.some((c) => c.document === d.index && c.item === w.item)) continue;
      out.push({ kind: w.kind, name: w.name, namespace: w.namespace });
    }
  }
  return out;
}

/**
 * The files holding the change's target: by container for resources (an overlay's patch may hold only a sidecar).
 * With `defaultNamespace`, a document without a namespace counts as in it (as `recommend --apply-to` matches).
 */
export function filesFor<F extends ScannedFile>(change: ManifestChange, files: readonly F[], defaultNamespace?: string): F[] {
  // parseChangeSpecs gives kinds as the scan names them (`deploy` → Deployment).
  const inWorkload = (c: WorkloadRef) => c.kind === change.target.kind && c.name === change.target.name
    && (change.target.namespace === undefined || (c.namespace ?? defaultNamespace ?? null) === change.target.namespace);
  const holding = files.filter((f) => f.containers.some((c) => inWorkload(c)
    && (change.type === 'replicas' ? !f.inlinePatch : c.container === change.target.container))
    || (change.type === 'replicas' && (f.replicasOnly ?? []).some(inWorkload)));
  // A workload found without that container: its file, so the edit names the containers it has.
  return holding.length || change.type === 'replicas' ? holding : files.filter((f) => !f.inlinePatch && f.containers.some(inWorkload));
}
