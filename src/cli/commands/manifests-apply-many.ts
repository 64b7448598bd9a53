/**
 * `mora manifests apply <dir|file>... --in-place`: the changes of `--set`/`--replicas` written into the file of a
 * folder (or of several paths) that holds each target. A GitOps folder often holds one workload twice (a kustomize
 * base and an overlay's patch, two environments): editing the first found would be a guess, so a target found in
 * two files is refused, naming both. For replicas, a patch that sets only spec.replicas (no containers) holds the
 * workload too. Every file is read and every edit planned and checked before anything is
 * written: a refused file (unreadable, not UTF-8, not YAML — a target might be in it), a missing or ambiguous target,
 * or an edit refused in one file leaves all of them untouched, and so does a file to change that may not be written
 * (checked for all before the first write; a write failing midway restores those written). Helm template sources hold no editable target and are
 * passed over, as `scan` does. A document without a namespace is in `--default-namespace` for targeting (`default/`).
 */
import type { ManifestChange, ManifestContainer, ManifestEncoding, ManifestScan } from '../../manifests';
import { editManifest, encodeManifest, ManifestEditError } from '../../manifests';
import { workloadRoots } from '../../manifests/extract';
import { parseWithYaml } from '../../manifests/parse-yaml';
import { get } from '../../manifests/tree';
import { KINDS_WITH_REPLICAS } from '../../manifests/workloads';
import { readFileSync } from 'node:fs';
import { checkWritable, writeFileAtomic } from '../../core/atomic-write';
import { UserError } from '../errors';
import { forTerminal } from '../format/terminal';
import { writeError } from '../format/write';
import { manifestFileList } from './manifest-files';
import { ManifestRefusal, readManifest, scanOrExplain } from './manifest-read';

interface ReadFile extends ScannedFile {
  text: string;
  encoding: ManifestEncoding;
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

/** A file and the containers its scan found. */
export interface ScannedFile {
  file: string;
  containers: readonly ManifestContainer[];
  /**
   * Workloads of the file that set spec.replicas without any container (a kustomize patch `spec: {replicas: 3}`):
   * they hold a replicas change's target as much as a document with containers does.
   */
  replicasOnly?: readonly WorkloadRef[];
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
function filesFor<F extends ScannedFile>(change: ManifestChange, files: readonly F[], defaultNamespace?: string): F[] {
  // parseChangeSpecs gives kinds as the scan names them (`deploy` → Deployment).
  const inWorkload = (c: WorkloadRef) => c.kind === change.target.kind && c.name === change.target.name
    && (change.target.namespace === undefined || (c.namespace ?? defaultNamespace ?? null) === change.target.namespace);
  const holding = files.filter((f) => f.containers.some((c) => inWorkload(c)
    && (change.type === 'replicas' || c.container === change.target.container))
    || (change.type === 'replicas' && (f.replicasOnly ?? []).some(inWorkload)));
  // A workload found without that container: its file, so the edit names the containers it has.
  return holding.length || change.type === 'replicas' ? holding : files.filter((f) => f.containers.some(inWorkload));
}

/**
 * The one file holding the change's target. A target in two files (a kustomize base and its overlay's patch, two
 * environments) is refused, naming both: editing the first found, or both with the same values, would be a guess.
 */
export function fileHolding<F extends ScannedFile>(change: ManifestChange, files: readonly F[], defaultNamespace?: string): F {
  const holding = filesFor(change, files, defaultNamespace);
  if (holding.length === 0) throw new UserError(`no ${label(change)} in ${files.length} file${files.length === 1 ? '' : 's'} read; nothing was written`);
  if (holding.length > 1) throw new RepeatedTarget(label(change), holding.map((f) => f.file), prefixes(change, holding, defaultNamespace));
  return holding[0];
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

/** How applyMany writes a file (tests pass one that fails on purpose). */
export interface ApplyManyOptions {
  write?: (file: string, data: string | Uint8Array) => void;
}

/**
 * Plans every file's edits, checks that every file to change may be written, then writes them: all or nothing.
 * Throws, with nothing written, on any refusal before the writes (a read-only file, a folder this user may not write
 * among them). A write the system fails midway (a full disk) restores the files already written (their previous
 * bytes, atomically) and names the file that failed; only a failed restore, named in the error, leaves a file changed.
 */
export function applyMany(paths: readonly string[], changes: readonly ManifestChange[], defaultNamespace = 'default', options: ApplyManyOptions = {}): void {
  const { files, unlisted } = manifestFileList(paths);
  const read: ReadFile[] = [];
  const refused: string[] = unlisted.map((u) => `${u.file}: ${u.reason}`);
  for (const file of files) {
    try {
      const { text, encoding } = readManifest(file);
      const scan = scanOrExplain(file, text);
      read.push({ file, text, encoding, containers: scan.containers, replicasOnly: replicasOnlyWorkloads(text, scan) });
    } catch (e) {
      if (!(e instanceof ManifestRefusal)) throw e;
      if (e.kind !== 'template') refused.push(e.message);
    }
  }
  if (refused.length) {
    throw new UserError(`${refused.length} of ${files.length + unlisted.length} files could not be read, so nothing was written `
      + `(a target might be in them): ${refused.join('; ')}`);
  }
  const byFile = new Map<ReadFile, ManifestChange[]>();
  for (const change of changes) {
    const holding = fileHolding(change, read, defaultNamespace);
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
  const toWrite = planned.filter(({ f, text }) => {
    if (text !== f.text) return true;
    process.stderr.write(`mora: ${forTerminal(f.file)} already has these values\n`);
    return false; // leave the file (and its timestamp) alone
  });
  // Every file (and its folder, where the temporary file is renamed in) checked before the first is written.
  const blocked = toWrite.flatMap(({ f }) => {
    try {
      checkWritable(f.file);
      return [];
    } catch (e) {
      return [writeError(f.file, e)];
    }
  });
  if (blocked.length) {
    throw new UserError(`${blocked.map((b) => b.message).join('; ')}; nothing was written`, Math.max(...blocked.map((b) => b.exitCode)));
  }
  // Atomic per file; a UTF-16 file stays UTF-16; an existing file keeps its mode, a link its target.
  const write = options.write ?? writeFileAtomic;
  const written: Array<{ file: string; before: Buffer }> = [];
  for (const { f, text } of toWrite) {
    try {
      const before = readFileSync(f.file);
      write(f.file, f.encoding === 'utf8' ? text : encodeManifest(text, f.encoding));
      written.push({ file: f.file, before });
    } catch (e) {
      const failure = writeError(f.file, e);
      throw new UserError(`${failure.message}; ${restore(written, write)}`, failure.exitCode);
    }
  }
  for (const { file } of written) process.stderr.write(`mora: updated ${forTerminal(file)}\n`);
}

/** Puts back the files written before a failed write; says what happened, for the error message. */
function restore(written: ReadonlyArray<{ file: string; before: Buffer }>, write: (file: string, data: Uint8Array) => void): string {
  const failed: string[] = [];
  for (const { file, before } of written) {
    try {
      write(file, before);
    } catch (e) {
      failed.push(writeError(file, e).message);
    }
  }
  if (failed.length) {
    return `${written.length - failed.length} of the ${written.length} files written before it were restored; `
      + `could not restore: ${failed.join('; ')} (that file has the new values)`;
  }
  return written.length ? `the ${written.length} file${written.length === 1 ? '' : 's'} written before it (${written.map((w) => w.file).join(', ')}) `
    + 'were restored, so nothing was changed' : 'nothing was written';
}
