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
 * `scan` does. A document without a namespace is in `--default-namespace` for targeting (`default/`), unless kustomize
 * renders it in another: a resource of a kustomization with `namespace:`, a patch (file or inline) in that or its bases'
 * (kustomize-namespace.ts, as `recommend --apply-to` places them).
 * What a kustomization among the files reads from outside the paths given (a base, a component) is read, never written
 * (kustomize-outside.ts): a target a patch there sets, or a copy there beside a file here that is no patch, is refused
 * naming it; a target only there is named with the entry that reaches it, not as not found. An edit that a
 * kustomization among the files renders into another namespace or name too is noted (overlayNotes). A single file
 * given (`manifests apply <file>`, not a folder) is checked the same way against the kustomization of its folder
 * (kustomizeChecked) before its edit, which stays manifests.ts's, and noted the same way after it (fileOverlayNotes).
 */
import type { ManifestChange, ManifestEncoding, ManifestScan } from '../../manifests';
import { editManifest, encodeManifest, ManifestEditError, scanManifest } from '../../manifests';
import { noNamespaceHint } from '../../manifests/edit';
import { UserError } from '../errors';
import { forTerminal } from '../format/terminal';
import { interruptsOfProcess, writeAllOrNothingInterruptible, WriteCancelled, type FileWrite, type InterruptibleWriteOptions } from './write-all-or-nothing';
import { interruptedBeforeWriting } from './interrupt-signals';
import { manifestFileList } from './manifest-files';
import { ManifestRefusal, readManifest, scanOrExplain } from './manifest-read';
import { outsideConflict, outsideOnly, outsideReferences, type OutsideReferences } from './kustomize-outside';
import { inKustomizeNamespace, kustomizationsAbove, kustomizeNamespaces, placedInKustomizeNamespace, type KustomizeNamespace } from './kustomize-namespace';
import { editedWorkloads, OverlayRenderings, overlayNote, overlayRefusal, typedDifferences } from './kustomize-overlays';
import { repoKustomizations } from './kustomize-repo';
import { filesFor, inlinePatchHolders, replicasOnlyWorkloads, type PatchHolder, type ScannedFile, type WorkloadRef } from './patch-holders';

interface ReadFile extends ScannedFile {
  text: string;
  /** The file's bytes as read: it is not written if it no longer holds them. */
  bytes: Buffer;
  encoding: ManifestEncoding;
  /** The containers the scan found, with where they are (for a JSON 6902 patch's container index). */
  scanned: ManifestScan['containers'];
}

/** What a change targets, as its error messages name it (`Deployment/web/web`, `shop/Deployment/web`). */
function label(change: ManifestChange): string {
  const t = change.target;
  return `${t.namespace ? `${t.namespace}/` : ''}${t.kind}/${t.name}${change.type === 'resources' ? `/${change.target.container}` : ''}`;
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
  // Each file's workloads, and what the inline patches of a kustomization among them set, in the namespace kustomize
  // renders them in (kustomize-namespace.ts, as recommend --apply-to matches them): a resource of a kustomization with a
  // `namespace:` in it; a patch file or an inline patch naming no namespace of its own in that, or else its bases'.
  const namespaces = kustomizeNamespaces(read.map((f) => f.file));
  const placed = new Map(read.map((f) => [placedInKustomizeNamespace(f, namespaces), f]));
  // A kustomization's inline patches hold targets too: the overlay's value wins, so editing the base alone is refused.
  const holders: Array<ReadFile | PatchHolder> = [...placed.keys(), ...inlinePatchHolders(read).map((h) => placedInKustomizeNamespace(h, namespaces))];
  // What a kustomization here reads from outside the paths given (a base, a component): never written, but it holds targets.
  // The kustomization above a folder given below it (overlays/prod for overlays/prod/patches) counts as one among the files.
  const above = kustomizationsAbove(read.map((f) => f.file), paths);
  const outside = outsideReferences(read, paths, undefined, above);
  const byFile = new Map<ReadFile, ManifestChange[]>();
  for (const change of changes) {
    let found: ReadFile | PatchHolder;
    try {
      found = fileHolding(change, holders, defaultNamespace, templates);
    } catch (e) {
      // Not in the files given, but in a base outside them that a kustomization here renders: named, not "not found".
      const only = e instanceof UserError && !(e instanceof RepeatedTarget) ? outsideOnly(change, outside, defaultNamespace) : undefined;
      throw only !== undefined ? new UserError(only) : e;
    }
    if (found.inlinePatch) {
      throw new UserError(`${label(change)} is set only in ${found.file}; MOrA does not edit a kustomization's inline patches, `
        + 'so nothing was written: edit the patch by hand, or move it to a file of its own (patches: - path: …)');
    }
    const holding = placed.get(found as ReadFile) ?? (found as ReadFile);
    byFile.set(holding, [...(byFile.get(holding) ?? []), asEdited(change, holding, outside, namespaces, defaultNamespace)]);
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
  overlayNotes(planned.filter(({ f, text }) => text !== f.text).map(({ f, text }) => ({ f, text, changes: byFile.get(f) ?? [] })), read, defaultNamespace, { above, typed: changes, paths });
  return planned.filter(({ f, text }) => {
    if (text !== f.text) return true;
    process.stderr.write(`mora: ${forTerminal(f.file)} already has these values\n`);
    return false; // leave the file (and its timestamp) alone
  }).map(({ f, text }) => ({ file: f.file, before: f.text, after: text, encoding: f.encoding, read: f.bytes }));
}

/**
 * `change`, found in `f`, as it is edited there: refused (UserError) when kustomize also reads its target from outside
 * the paths given (`outside`: a patch there, a component's, would win over the edit; a copy there would be rendered
 * beside it); else targeted by the namespace its document names itself (asDocumentNames).
 */
function asEdited(change: ManifestChange, f: ReadFile, outside: OutsideReferences, namespaces: ReadonlyMap<string, KustomizeNamespace>,
  defaultNamespace: string): ManifestChange {
  const conflict = outsideConflict(change, f.file, outside, defaultNamespace);
  if (conflict !== undefined) throw new UserError(conflict);
  return asDocumentNames(change, f, namespaces.get(f.file), defaultNamespace);
}

/**
 * `mora manifests apply <file>` (one file, not a folder): the kustomization of the file's folder is read as
 * `recommend --apply-to <file>` reads it (never written: only the file given is), and as a folder given is read by
 * planMany. A target is matched where kustomize renders it (a resource of a kustomization with `namespace:`, a patch
 * file in that or its bases'), and refused when a patch there (an inline patch, another patch file, a base's or a
 * component's) sets it too, or a copy there is rendered beside it; `f` being one of its patch files still takes the
 * edit. Returns the changes as the file's documents name their targets, for editManifest; without a kustomization
 * that places the file, a target it does not hold is left to editManifest to name, as before.
 */
export function kustomizeChecked(f: { file: string; text: string }, changes: readonly ManifestChange[], defaultNamespace: string): ManifestChange[] {
  if (f.file === '-') return [...changes];
  const read = asRead(f);
  const namespaces = kustomizeNamespaces([f.file]);
  const outside = outsideReferences([read], [f.file], f.file, kustomizationsAbove([f.file], [f.file]));
  return changes.map((change) => {
    // Placed by its kustomization: the target as kustomize renders it (prod/…), named as planMany names it when absent.
    if (namespaces.has(f.file)) fileHolding(change, [placedInKustomizeNamespace(read, namespaces)], defaultNamespace);
    return asEdited(change, read, outside, namespaces, defaultNamespace);
  });
}

/** One file given, as planSteps holds a file it read (its bytes are not needed: manifests.ts writes it). */
function asRead(f: { file: string; text: string }): ReadFile {
  const scan = scanManifest(f.text, { mode: 'thorough' });
  return { file: f.file, text: f.text, bytes: Buffer.alloc(0), encoding: 'utf8', containers: scan.containers, scanned: scan.containers,
    replicasOnly: replicasOnlyWorkloads(f.text, scan) };
}

/**
 * `mora manifests apply <file>`: the note of overlayNotes for the one file given, edited from `f.text` to `after` by
 * `changes` (as kustomizeChecked returned them): the kustomization of its folder rendering the edit under another name
 * or namespace (`namePrefix: canary-`) says so, as a folder given and `recommend --apply-to <file>` do; refused
 * (UserError) when `typed` (the targets as typed; default `changes`) sets that id's value otherwise (overlayNotes).
 */
export function fileOverlayNotes(f: { file: string; text: string }, after: string, changes: readonly ManifestChange[], defaultNamespace: string,
  typed?: readonly ManifestChange[]): void {
  if (f.file === '-' || after === f.text) return;
  const read = asRead(f);
  overlayNotes([{ f: read, text: after, changes }], [read], defaultNamespace, { above: kustomizationsAbove([f.file], [f.file]), typed: typed ?? changes, paths: [f.file] });
}

/**
 * `change` with the namespace its document in `f` names itself (null: none), when the kustomization of `f`'s folder
 * renders `f` in another (`kns`): `prod/Deployment/web` matched `overlays/prod/resources.yaml`'s `web` without a
 * namespace, which the edit then finds as it is written. As given when no document or several own namespaces match.
 */
function asDocumentNames(change: ManifestChange, f: ReadFile, kns: KustomizeNamespace | undefined, defaultNamespace: string): ManifestChange {
  const t = change.target;
  if (!kns || t.namespace === undefined || t.namespace === null) return change;
  const own = new Set([...f.scanned, ...(f.replicasOnly ?? [])].filter((d) => d.kind === t.kind && d.name === t.name
    && (inKustomizeNamespace(d, kns).namespace ?? defaultNamespace) === t.namespace).map((d) => d.namespace));
  if (own.size !== 1) return change;
  const [namespace] = own;
  return { ...change, target: { ...t, namespace } } as ManifestChange;
}

/**
 * A kustomization among the files read that renders an edited workload into another namespace or under another name
 * (an overlay over the base edited: kustomize-overlays.ts) takes the edit too, for each value no patch on its way sets:
 * `mora: note: base/deployment.yaml: also rendered by overlays/prod/kustomization.yaml as prod/Deployment/web: …`, once
 * per file, workload and kustomization (as `recommend --apply-to` notes it).
 * Refused instead (UserError, before anything is written or noted) when `typed`, the targets of the run as typed, also
 * name the id that kustomization renders (`--set prod/Deployment/web/web=cpu=750m` beside `default/…=cpu=200m`) with
 * another value for such a field: the user's explicit value for that id would be silently replaced by the edit's there
 * (clusters/us rendering the base as prod/web with no patch, while clusters/eu's patch took prod's value). The same
 * rule as `recommend --apply-to`, whose overlay's own recommendation plays the typed target's part.
 * `above`: the kustomizations above the paths given (kustomizationsAbove); the kustomizations of the repository around
 * `paths`, outside them (kustomize-repo.ts: overlays/prod for base/), count as well; a capped search says so.
 */
function overlayNotes(edits: ReadonlyArray<{ f: ReadFile; text: string; changes: readonly ManifestChange[] }>, read: readonly ReadFile[], defaultNamespace: string,
  { above, typed, paths }: { above: readonly string[]; typed: readonly ManifestChange[]; paths: readonly string[] }): void {
  if (edits.length === 0) return;
  const repo = repoKustomizations(paths);
  const overlays = OverlayRenderings.of(read.map((f) => f.file), read.length === 1 ? read[0].file : undefined, new Map(edits.map((e) => [e.f.file, e.text])),
    [...above, ...repo.files]);
  const namespaces = kustomizeNamespaces(edits.map((e) => e.f.file));
  const notes: string[] = repo.capped !== undefined ? [`mora: note: ${forTerminal(repo.capped)}\n`] : [];
  for (const { f, changes } of edits) {
    // Each change as the document it edits names it (its own namespace), targeted in the one kustomize puts it in.
    const own = changes.map((change) => {
      const t = change.target;
      const doc = [...f.scanned, ...(f.replicasOnly ?? [])].find((c) => c.kind === t.kind && c.name === t.name
        && (t.namespace === undefined || (c.namespace ?? defaultNamespace) === t.namespace));
      return { ...change, target: { ...t, namespace: doc?.namespace ?? null } } as ManifestChange;
    });
    const namespaceOf = (change: ManifestChange) => inKustomizeNamespace({ namespace: change.target.namespace ?? null }, namespaces.get(f.file)).namespace ?? defaultNamespace;
    for (const w of editedWorkloads(own, f.scanned, namespaceOf)) {
      for (const o of overlays.renderings(f.file, w, defaultNamespace)) {
        const differs = typedDifferences(w, o, typed);
        if (differs.length) throw new UserError(`${f.file}: ${overlayRefusal(w, o, differs, 'which this run targets too, setting')}`);
        notes.push(`mora: note: ${forTerminal(f.file)}: ${forTerminal(overlayNote(w, o, `apply to ${f.file}`))}\n`);
      }
    }
  }
  for (const n of notes) process.stderr.write(n);
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
