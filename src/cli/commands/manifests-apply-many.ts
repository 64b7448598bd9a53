/**
 * `mora manifests apply <dir|file>... --in-place`: the changes of `--set`/`--replicas` written into the file of a
 * folder (or of several paths) that holds each target. A GitOps folder often holds one workload twice (a kustomize
 * base and an overlay's patch, two environments): editing the first found would be a guess, so a target found in
 * two files is refused, naming both. For replicas, a patch that sets only spec.replicas (no containers) holds the
 * workload too. So does a kustomization's inline patch (kustomize-patches.ts) that sets the target's resources or
 * replicas: the overlay's value wins, so editing the base would change nothing kustomize renders.
 * Every file is read and every edit planned and checked before anything is written: a refused file (unreadable, not
 * UTF-8, not YAML — a target might be in it), a missing or ambiguous target, an edit refused in one file, or a file to
 * change that may not be written (all checked before the first write) leaves all of them untouched; a write failing
 * midway restores those already written. Helm template sources hold no editable target and are passed over, as
 * `scan` does. A document without a namespace is in `--default-namespace` for targeting (`default/`).
 * What a kustomization among the files reads from outside the paths given (a base, a component) is read, never written
 * (kustomize-outside.ts): a target a patch there sets, or a copy there beside a file here that is no patch, is refused
 * naming it; a target only there is named with the entry that reaches it, not as not found.
 */
import { dirname, resolve } from 'node:path';
import type { ManifestChange, ManifestContainer, ManifestEncoding, ManifestScan } from '../../manifests';
import { editManifest, encodeManifest, ManifestEditError, scanManifest } from '../../manifests';
import { noNamespaceHint } from '../../manifests/edit';
import { inlinePatches, operations, type InlinePatch, type PatchTarget } from '../../manifests/kustomize-patches';
import { workloadRoots } from '../../manifests/extract';
import { parseWithYaml } from '../../manifests/parse-yaml';
import { get } from '../../manifests/tree';
import { isWorkloadKind, KINDS_WITH_REPLICAS, POD_SPEC_PATH } from '../../manifests/workloads';
import { UserError } from '../errors';
import { forTerminal } from '../format/terminal';
import { interruptsOfProcess, writeAllOrNothingInterruptible, WriteCancelled, type FileWrite, type InterruptibleWriteOptions } from './write-all-or-nothing';
import { interruptedBeforeWriting } from './interrupt-signals';
import { manifestFileList } from './manifest-files';
import { ManifestRefusal, readManifest, scanOrExplain } from './manifest-read';
import { outsideConflict, outsideOnly, outsideReferences } from './kustomize-outside';

interface ReadFile extends ScannedFile {
  text: string;
  /** The file's bytes as read: it is not written if it no longer holds them. */
  bytes: Buffer;
  encoding: ManifestEncoding;
  /** The containers the scan found, with where they are (for a JSON 6902 patch's container index). */
  scanned: ManifestScan['containers'];
}

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

/** What a change targets, as its error messages name it (`Deployment/web/web`, `shop/Deployment/web`). */
function label(change: ManifestChange): string {
  const t = change.target;
  return `${t.namespace ? `${t.namespace}/` : ''}${t.kind}/${t.name}${change.type === 'resources' ? `/${change.target.container}` : ''}`;
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

/**
 * The one file holding the change's target. A target in two files (a kustomize base and its overlay's patch, two
 * environments) is refused, naming both: editing the first found, or both with the same values, would be a guess.
 */
export function fileHolding<F extends ScannedFile>(change: ManifestChange, files: readonly F[], defaultNamespace?: string, templates: readonly string[] = []): F {
  const holding = filesFor(change, files, defaultNamespace);
  if (holding.length === 0) throw new UserError(notFound(change, files, defaultNamespace, templates));
  if (holding.length > 1) throw new RepeatedTarget(label(change), holding.map((f) => f.file), prefixes(change, holding, defaultNamespace));
  return holding[0];
}

/** How many workloads a not-found refusal names at most. */
const LISTED = 10;

/**
 * The refusal for a target no file holds, saying what to do: the workloads the files do hold (the first LISTED), the
 * `--default-namespace` to give when the target's workload is there without a namespace (noNamespaceHint), and the
 * files passed over as Helm/Go template sources (`templates`: a folder of only templates is `0 files read`).
 */
function notFound(change: ManifestChange, files: readonly ScannedFile[], defaultNamespace: string | undefined, templates: readonly string[]): string {
  const read = files.filter((f) => !f.inlinePatch).length;
  const seen = new Map<string, WorkloadRef>();
  for (const f of files) {
    if (f.inlinePatch) continue;
    for (const w of [...f.containers, ...(f.replicasOnly ?? [])]) seen.set(`${w.namespace ? `${w.namespace}/` : ''}${w.kind}/${w.name}`, w);
  }
  const names = [...seen.keys()];
  const found = names.length === 0 ? 'no workloads found'
    : `workloads found: ${names.slice(0, LISTED).join(', ')}${names.length > LISTED ? ` and ${names.length - LISTED} more` : ''}`;
  const t = change.target;
  const without = [...seen.values()].some((w) => w.kind === t.kind && w.name === t.name && w.namespace === null);
  const skipped = templates.length === 0 ? ''
    : `; ${templates.length} file${templates.length === 1 ? '' : 's'} skipped as Helm/Go template source${templates.length === 1 ? '' : 's'} `
      + `(render ${templates.length === 1 ? 'it' : 'them'} first: helm template …): ${templates.slice(0, LISTED).join(', ')}${templates.length > LISTED ? ` and ${templates.length - LISTED} more` : ''}`;
  return `no ${label(change)} in ${read} file${read === 1 ? '' : 's'} read; nothing was written; ${found}`
    + `${noNamespaceHint(without, `${t.kind}/${t.name}`, t.namespace, defaultNamespace)}${skipped}`;
}

/**
 * The namespace prefixes that tell the copies of a target apart (`prod/`, `default/` for a base without a namespace,
 * with `defaultNamespace`), when the target has none and the files hold it in more than one namespace; else none.
 */
function prefixes(change: ManifestChange, holding: readonly ScannedFile[], defaultNamespace?: string): { prefixes: string[]; none?: string } | undefined {
  if (change.target.namespace !== undefined) return undefined;
  const refs: WorkloadRef[] = holding.flatMap((f) => [...f.containers, ...(change.type === 'replicas' ? f.replicasOnly ?? [] : [])])
    .filter((c) => c.kind === change.target.kind && c.name === change.target.name);
  const namespaces = [...new Set(refs.map((c) => c.namespace ?? defaultNamespace ?? null))];
  if (namespaces.length < 2 || namespaces.includes(null)) return undefined;
  const none = refs.some((c) => c.namespace === null) ? defaultNamespace : undefined;
  return { prefixes: (namespaces as string[]).map((n) => `${n}/`), none };
}

/** A target found in several files: nothing is written. */
export class RepeatedTarget extends UserError {
  constructor(readonly target: string, readonly files: readonly string[], how?: { prefixes: string[]; none?: string }) {
    super(`${target} is in ${files.length} files: ${files.join(', ')}; nothing was written: `
      + (how ? `apply to one file, or prefix the target with ${how.prefixes.join(' or ')}${how.none ? ` (no namespace counts as ${how.none})` : ''}`
        : 'apply to one file (or prefix the target with its namespace if they differ)'));
  }
}

/** How applyMany writes a file (tests pass one that fails on purpose), and where a cancel comes from (tests: their own). */
export type ApplyManyOptions = InterruptibleWriteOptions;

/** A file whose text the changes would change: as read (`before`), and after. */
export interface PlannedFile {
  file: string;
  before: string;
  after: string;
  encoding: ManifestEncoding;
  /** The bytes `before` was decoded from. */
  read: Buffer;
}

/**
 * Reads every file of the paths and plans every change's edit in the one file holding its target; writes nothing.
 * Returns the files whose text would change (a file that already has the values is named on stderr and left out).
 * Throws on anything `applyMany` refuses before writing: a file that cannot be read, a missing or repeated target,
 * a target only in an inline patch, an edit refused.
 */
export function planMany(paths: readonly string[], changes: readonly ManifestChange[], defaultNamespace = 'default'): PlannedFile[] {
  const steps = planSteps(paths, changes, defaultNamespace);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** planMany, one step per file read: it yields after each, so a caller may let a signal in between two files. */
function* planSteps(paths: readonly string[], changes: readonly ManifestChange[], defaultNamespace: string): Generator<void, PlannedFile[], void> {
  const { files, unlisted, special } = manifestFileList(paths);
  // A named pipe or socket with a manifest's name holds no target: named, never opened (it would wait for a writer).
  for (const u of special) process.stderr.write(`mora: skipped file ${forTerminal(u.file)}: ${forTerminal(u.reason)}\n`);
  const read: ReadFile[] = [];
  const refused: string[] = unlisted.map((u) => `${u.file}: ${u.reason}`);
  /** Files passed over as Helm/Go template sources: named if a target is then found nowhere. */
  const templates: string[] = [];
  for (const file of files) {
    try {
      const { text, encoding, bytes } = readManifest(file);
      const scan = scanOrExplain(file, text);
      read.push({ file, text, bytes, encoding, containers: scan.containers, scanned: scan.containers, replicasOnly: replicasOnlyWorkloads(text, scan) });
    } catch (e) {
      if (!(e instanceof ManifestRefusal)) throw e;
      if (e.kind !== 'template') refused.push(e.message);
      else templates.push(file);
    }
    yield;
  }
  if (refused.length) {
    throw new UserError(`${refused.length} of ${files.length + unlisted.length} files could not be read, so nothing was written `
      + `(a target might be in them): ${refused.join('; ')}`);
  }
  // A kustomization's inline patches hold targets too: the overlay's value wins, so editing the base alone is refused.
  const holders: Array<ReadFile | PatchHolder> = [...read, ...inlinePatchHolders(read)];
  // What a kustomization here reads from outside the paths given (a base, a component): never written, but it holds targets.
  const outside = outsideReferences(read, paths);
  const byFile = new Map<ReadFile, ManifestChange[]>();
  for (const change of changes) {
    let holding: ReadFile | PatchHolder;
    try {
      holding = fileHolding(change, holders, defaultNamespace, templates);
    } catch (e) {
      // Not in the files given, but in a base outside them that a kustomization here renders: named, not "not found".
      const only = e instanceof UserError && !(e instanceof RepeatedTarget) ? outsideOnly(change, outside, defaultNamespace) : undefined;
      throw only !== undefined ? new UserError(only) : e;
    }
    if (holding.inlinePatch) {
      throw new UserError(`${label(change)} is set only in ${holding.file}; MOrA does not edit a kustomization's inline patches, `
        + 'so nothing was written: edit the patch by hand, or move it to a file of its own (patches: - path: …)');
    }
    // A patch outside (a component's) would win over this edit; a copy outside would be rendered beside it.
    const conflict = outsideConflict(change, holding.file, outside, defaultNamespace);
    if (conflict !== undefined) throw new UserError(conflict);
    byFile.set(holding, [...(byFile.get(holding) ?? []), change]);
  }
  const planned: Array<{ f: ReadFile; text: string }> = [];
  for (const [f, fileChanges] of byFile) {
    try {
      planned.push({ f, text: editManifest(f.text, fileChanges, { defaultNamespace }).text });
    } catch (e) {
      if (e instanceof ManifestEditError) throw new UserError(`${f.file}: ${e.message}; nothing was written`);
      throw e;
    }
  }
  // In the order the files were found (name order), not the order of the changes.
  planned.sort((a, b) => read.indexOf(a.f) - read.indexOf(b.f));
  return planned.filter(({ f, text }) => {
    if (text !== f.text) return true;
    process.stderr.write(`mora: ${forTerminal(f.file)} already has these values\n`);
    return false; // leave the file (and its timestamp) alone
  }).map(({ f, text }) => ({ file: f.file, before: f.text, after: text, encoding: f.encoding, read: f.bytes }));
}

/**
 * Plans every file's edits (planMany), checks that every file to change may be written, then writes them: all or nothing.
 * Throws, with nothing written, on any refusal before the writes (a read-only file, a folder this user may not write
 * among them). A write the system fails midway (a full disk) restores the files already written (their previous
 * bytes, atomically) and names the file that failed; only a failed restore, named in the error, leaves a file changed.
 * Ctrl-C, SIGTERM or SIGHUP while the files are written stops between two files and puts back those written
 * (WriteCancelled, exit 130: nothing was changed, or which file could not be restored and where its original is saved);
 * one while the files are read and planned (a large folder) stops between two files read, with nothing written
 * (WriteCancelled: 'interrupted (SIGINT) before anything was written; nothing was changed', exit 130).
 */
export async function applyMany(paths: readonly string[], changes: readonly ManifestChange[], defaultNamespace = 'default', options: ApplyManyOptions = {}): Promise<void> {
  // Listened to until the writes end, so no signal takes its default action between the planning and the writes.
  let signal: string | undefined;
  const stopListening = (options.interrupts ?? interruptsOfProcess)((s) => { signal ??= s; });
  options.onListening?.();
  try {
    const steps = planSteps(paths, changes, defaultNamespace);
    let planned: PlannedFile[];
    for (;;) {
      const step = steps.next();
      if (step.done) {
        planned = step.value;
        break;
      }
      await new Promise<void>((resolve) => setImmediate(resolve)); // a signal's listener runs here
      if (signal !== undefined) throw new WriteCancelled(interruptedBeforeWriting(signal), signal, []);
    }
    // Every file checked before the first is written; a write failing midway restores those written (write-all-or-nothing.ts).
    // A file edited by someone else since it was read is not overwritten: nothing is (exit 2, run again).
    // A signal while the edits are planned, after the last file read, is let in before the first write there.
    const written = await writeAllOrNothingInterruptible(fileWrites(planned), options);
    for (const file of written) process.stderr.write(`mora: updated ${forTerminal(file)}\n`);
  } finally {
    stopListening();
  }
}

/** The planned files as written: a UTF-16 file stays UTF-16; each with the bytes it was read as. */
function fileWrites(planned: readonly PlannedFile[]): FileWrite[] {
  return planned.map((f) => ({ file: f.file, data: f.encoding === 'utf8' ? f.after : encodeManifest(f.after, f.encoding), read: f.read }));
}
