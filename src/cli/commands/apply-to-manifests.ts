/**
 * `mora recommend --apply-to <file or dir> [--dry-run]`: writes MOrA's recommendations into manifests under the same
 * rules as the editor's Apply (only the values concerned change; comments, quoting, layout and line endings stay).
 * Every file is read and its edit planned first; then all of them are written, or none: the write is
 * `mora manifests apply`'s (write-all-or-nothing.ts: every file checked writable before the first is written, each
 * written atomically and only when something changes, keeping its mode, a symlink staying a link; a write the system
 * fails midway restores those already written; a file someone else changed after it was read — an editor saving, a
 * `git pull` — is not overwritten with an edit planned from the old text: nothing is written, exit 2, run again). With
 * --dry-run the unified diff of each file is returned (as `mora manifests apply --diff` prints it: git-style a/ b/ names)
 * and nothing is written.
 *
 * A file that cannot be read, is not valid YAML, cannot be edited as asked or cannot be written is a failure: named on
 * stderr (even with -q), and then no file is written; the command exits non-zero (2 when the input or path is the
 * problem, 1 for anything else). Helm template sources are skipped with a note, not failed.
 * A container found in two files of the folder (a kustomize base and its overlay's patch) is refused as
 * `mora manifests apply` refuses it, with the same check, and then no file at all is written. With --replicas, a
 * patch that sets only spec.replicas (no containers) counts as holding the workload: its value would win over the
 * one written into the base. So does a kustomization's inline patch (`patches: - patch: |-`, strategic merge or JSON 6902,
 * and the legacy patchesStrategicMerge / patchesJson6902) that sets the container's resources or the replicas: it is
 * named with its line, and nothing is written (MOrA does not edit inline patches). A workload that a HorizontalPodAutoscaler (or KEDA ScaledObject) scales —
 * in the same file, any file given, the file's own folder or a kustomize overlay rendering it (manifest-autoscalers.ts,
 * the editor's rule; both placed where kustomize renders them, autoscalerPlacement, as `manifests apply --replicas`
 * places them) — gets no replica count: a note names the autoscaler and its bounds instead (a count written over
 * the HPA's would reset the workload on every GitOps sync). A kustomization under the path that reaches outside it (a
 * base, a component) is followed, read only: a change a patch there would override is refused, a recommended workload
 * only there is noted (kustomize-outside.ts). A single file given is read with the kustomization of its folder the same
 * way (its patches, other resources, bases and components read, never written: only the file given is). A file that
 * the kustomization of its folder lists and puts in a `namespace:` is matched in it, and a patch of it without a
 * namespace of its own in that one or else its bases' (kustomize-namespace.ts), as are its inline patches. An edit
 * that an overlay renders into another namespace or name too is noted, or refused when the overlay's own
 * recommendation sets those values otherwise (overlayTargets, kustomize-overlays.ts). A
 * DeploymentConfig, ReplicationController or Knative Service, which no recommendation names, is noted too
 * (neverRecommendedNote).
 */
import { statSync } from 'node:fs';
import type { Recommendation } from '../../core/recommendation';
import {
  changesFromRecommendation, editManifest, encodeManifest, findRecommendation, ManifestEditError, scanManifest, type ManifestChange, type ManifestContainer, type ManifestEncoding,
} from '../../manifests';
import { findAutoscalers } from '../../manifests/autoscalers';
import { CliAutoscalers, foundIn } from './manifest-autoscalers';
import { neverRecommendedNote, replicasDecision } from '../../manifests/from-recommendation';
import { EXIT_FAILURE, EXIT_USAGE, UserError } from '../errors';
import { forTerminal } from '../format/terminal';
import { manifestFileList } from './manifest-files';
import { fileHolding, RepeatedTarget } from './manifests-apply-many';
import { inlinePatchHolders, replicasOnlyWorkloads, type PatchHolder, type WorkloadRef } from './patch-holders';
import { explainScan, ManifestRefusal, readableSteps, readManifest } from './manifest-read';
import { outsideConflict, outsideHolding, outsideReferences } from './kustomize-outside';
import { autoscalerPlacement, inKustomizeNamespace, kustomizationsAbove, kustomizeNamespaces, placedInKustomizeNamespace, type KustomizeNamespace } from './kustomize-namespace';
import { editedWorkloads, OverlayRenderings, overlayVerdict } from './kustomize-overlays';
import { repoKustomizations } from './kustomize-repo';
import { atOnce, stepWise } from './interrupt-signals';
import { unifiedDiff } from '../format/diff';
import { checkWritable } from '../../core/atomic-write';
import { writeError } from '../format/write';
import { writeAllOrNothing, writeAllOrNothingInterruptible, WriteAllFailed, type FileWrite, type Interrupts, type WriteFn } from './write-all-or-nothing';

export interface ApplyToResult {
  file: string;
  changed: number;
  /** Why the file was left alone, when it was and that is fine (no containers, no matching recommendation…). */
  skipped?: string;
  /** Why the file could not be updated: a failure. */
  error?: string;
  /** The exit code that failure calls for: 2 (bad input or path) or 1 (unexpected). */
  exitCode?: number;
  /** What the user should know besides (replicas left to an autoscaler), printed unless quiet. */
  notes?: string[];
  /** How many workloads of the file are of a kind no recommendation names (a DeploymentConfig…), each in `notes`. */
  neverRecommended?: number;
  /** How many recommended workloads a kustomization in this file renders from outside the path given, each in `notes`. */
  outsideOnly?: number;
  /** With dryRun: the unified diff of the file (as read → as it would be written); `changed` counts the values. */
  diff?: string;
  /** Why a file that would change (`changed` values) was not written: another file failed, and it is all or none. */
  notWritten?: string;
  /**
   * With dryRun: why a run without it would refuse to write this file (read-only, a folder it may not write), when its
   * diff is shown all the same: the dry run writes nothing, so it is no failure of its own (a note; `manifests apply --diff` alike).
   */
  cannotWrite?: string;
}

/** Raised after every file was tried, when some failed; carries the command's normal output so it still prints. */
export class ApplyToFailure extends UserError {
  output = '';
  /** No file failed: none held a recommended workload (the message says so; printed after the dry-run line). */
  nothingMatched = false;
}

/**
 * The last line of `--apply-to … --dry-run` (stderr, not with -q). With failures named above: none would be written
 * until they are fixed. When nothing matched there is nothing to fix in the files: the error that follows says why.
 */
export function dryRunSummary(results: readonly ApplyToResult[], failure: ApplyToFailure | undefined): string {
  if (failure?.nothingMatched) return 'dry run: no file would change (nothing matched: see below); nothing was written\n';
  const would = results.filter((r) => r.diff !== undefined).length;
  const blocked = results.filter((r) => r.cannotWrite !== undefined).length;
  const refused = blocked ? ` (${blocked} of them cannot be written, named above: a run without --dry-run writes none until ${blocked === 1 ? 'it is' : 'they are'} writable)` : '';
  return `dry run: ${would} file(s) would change${refused}${failure ? ' once the failures named above are fixed (until then none would be written)' : ''}; nothing was written\n`;
}

/** True when `path` is a file (not a folder); false for a path that is neither or cannot be read. */
function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

export function manifestFiles(path: string): string[] {
  try {
    statSync(path);
  } catch {
    throw new UserError(`--apply-to: ${path}: no such file or directory`);
  }
  // The same walk as `mora manifests scan <dir>`: *.yaml, *.yml and *.json, hidden folders and node_modules left out,
  // links followed but never up the tree, a file reached twice edited once.
  let list;
  try {
    list = manifestFileList([path]);
  } catch (e) {
    throw e instanceof UserError ? new UserError(`--apply-to: ${e.message}`) : e;
  }
  const [unlisted] = list.unlisted;
  if (unlisted) throw new UserError(`--apply-to: ${unlisted.file}: ${unlisted.reason}`);
  // A named pipe or socket with a manifest's name: named, never opened (it would wait for a writer).
  for (const u of list.special) process.stderr.write(`mora: --apply-to: skipped file ${forTerminal(u.file)}: ${forTerminal(u.reason)}\n`);
  return list.files;
}

/** The skip reasons reportApplyTo tells apart: a file that matched but needs no change, one with no workload. */
const ALREADY = 'already has these values';
const NO_CONTAINERS = 'no containers';
/** Why a file whose every workload is of a kind no recommendation names is unchanged (neverRecommendedNote). */
const NEVER_KINDS = 'no recommendation names a DeploymentConfig, ReplicationController or Knative Service';

/** A file read and its edit planned, not yet written; or, with `result`, a file that is done (skipped or failed). */
interface PlannedFile {
  file: string;
  notes?: string[];
  containers: readonly ManifestContainer[];
  replicasOnly: readonly WorkloadRef[];
  changes: ManifestChange[];
  result?: ApplyToResult;
  text?: string;
  encoding?: ManifestEncoding;
  /** The file's bytes as read (`text` was decoded from them): it is not written if it no longer holds them. */
  bytes?: Buffer;
  edited?: { text: string; edits: unknown[] };
  /** The file's text and scanned containers, once it read as YAML (its kustomization inline patches are read from it). */
  source?: { text: string; containers: readonly ManifestContainer[] };
  /** The namespace the kustomization of the file's folder renders it in (kustomize-namespace.ts), when it sets one. */
  namespace?: KustomizeNamespace;
}


/**
 * Plans one file. `around`: the autoscalers beyond this file (manifest-autoscalers.ts; its own are found here), which
 * take a workload's replicas out of the changes (with a note).
 */
function planFile(file: string, recs: readonly Recommendation[], defaultNamespace: string, replicas: boolean,
  around?: CliAutoscalers, kns?: KustomizeNamespace, place = autoscalerPlacement()): PlannedFile {
  let replicasOnly: readonly WorkloadRef[] = [];
  const read: Pick<PlannedFile, 'source' | 'namespace'> = kns ? { namespace: kns } : {}; // source: set once the file reads as YAML
  const notes: string[] = [];
  const done = (result: Omit<ApplyToResult, 'file'>, containers: readonly ManifestContainer[] = []): PlannedFile =>
    ({ file, containers, replicasOnly, changes: [], ...read, result: { file, ...result, ...(notes.length ? { notes } : {}) } });
  let text: string;
  let encoding: ManifestEncoding;
  let bytes: Buffer;
  try {
    ({ text, encoding, bytes } = readManifest(file));
  } catch (e) {
    if (e instanceof ManifestRefusal) return done({ changed: 0, error: e.kind === 'unreadable' ? `cannot read (${e.reason})` : e.reason, exitCode: EXIT_USAGE });
    throw e;
  }
  // Thorough: every document read by the yaml library, so a YAML error anywhere is found before anything is written.
  // A template source is told from broken YAML as `mora manifests scan|apply` tell it (explainScan): skipped, not failed.
  let scan: ReturnType<typeof scanManifest>;
  try {
    let skippedDocs: string[];
    ({ scan, notes: skippedDocs } = explainScan(file, text));
    notes.push(...skippedDocs);
  } catch (e) {
    if (!(e instanceof ManifestRefusal)) throw e;
    if (e.kind === 'template') return done({ changed: 0, skipped: e.reason });
    return done({ changed: 0, error: e.reason, exitCode: EXIT_USAGE });
  }
  read.source = { text, containers: scan.containers };
  if (replicas) replicasOnly = replicasOnlyWorkloads(text, scan);
  const changes: ManifestChange[] = [];
  // One group per workload: a document, or an item of a `kind: List` document.
  const byWorkload = new Map<string, ManifestContainer[]>();
  for (const c of scan.containers) {
    const key = `${c.document}/${c.item ?? ''}`;
    byWorkload.set(key, [...(byWorkload.get(key) ?? []), c]);
  }
  // Its own first, then those of the other files given, its folder and the kustomize overlays rendering it. The
  // workloads and the autoscalers where kustomize renders them (the kustomization listing each one's file), as the
  // recommendations are matched and as `manifests apply --replicas` compares them (autoscalerPlacement).
  const placed = (c: ManifestContainer) => inKustomizeNamespace(c, kns);
  const elsewhere = around?.around(file, scan.containers.map(placed), defaultNamespace).filter((a) => a.file !== file) ?? [];
  const autoscalers = replicas ? [...findAutoscalers(text, scan, file), ...elsewhere].map((a) => place(a, file)) : [];
  const unmatchable: string[] = [];
  for (const inWorkload of byWorkload.values()) {
    // Any of its containers, as the editor's Apply (changesFor) matches: the first written may be an init container or
    // a sidecar the recommendation does not cover (init containers are never sized).
    // In the namespace the kustomization of the file's folder renders it in, when it sets one (not --default-namespace).
    const [found, match] = inWorkload.map((c) => [c, findRecommendation(inKustomizeNamespace(c, kns), recs, defaultNamespace)] as const).find(([, m]) => m) ?? [];
    if (!found || !match) {
      // A DeploymentConfig, a ReplicationController, a Knative Service: no recommendation can name one; said, not silent.
      const why = neverRecommendedNote(inKustomizeNamespace(inWorkload[0], kns), recs, defaultNamespace);
      if (why !== undefined) unmatchable.push(why);
      continue;
    }
    changes.push(...changesFromRecommendation(inWorkload, match.workload, { replicas, autoscalers, defaultNamespace, placed }));
    const { note, autoscaler } = replicas ? replicasDecision(placed(found), match.workload, autoscalers, defaultNamespace) : {};
    if (note && autoscaler) {
      const w = match.workload.workload;
      notes.push(`${w.kind} ${w.namespace}/${w.name}: ${note}${foundIn(autoscaler, file)}; spec.replicas not written`);
    }
  }
  notes.push(...unmatchable);
  const never = unmatchable.length ? { neverRecommended: unmatchable.length } : {};
  if (changes.length === 0) {
    const why = !scan.containers.length ? NO_CONTAINERS
      : unmatchable.length === byWorkload.size ? `no matching recommendation: ${NEVER_KINDS} (noted below)`
      : kns ? `no matching recommendation in namespace ${kns.namespace}, which ${kns.kustomization} puts it in` : 'no matching recommendation';
    return done({ changed: 0, skipped: why, ...never }, scan.containers);
  }
  let edited: { text: string; edits: unknown[] };
  try {
    edited = editManifest(text, changes);
  } catch (e) {
    if (e instanceof ManifestEditError) return done({ changed: 0, error: e.message, exitCode: EXIT_USAGE }, scan.containers);
    return done({ changed: 0, error: `unexpected error: ${(e as Error).message}`, exitCode: EXIT_FAILURE }, scan.containers);
  }
  if (edited.text === text) return { ...done({ changed: 0, skipped: ALREADY }, scan.containers), changes };
  return { file, containers: scan.containers, replicasOnly, changes, text, encoding, bytes, edited, ...read, ...(notes.length ? { notes } : {}) };
}

/** How writeAllOrNothing ends the message for a file changed on disk since it was read. */
const RUN_AGAIN = ' — run again';

/** How the planned files are written (tests pass one that fails on purpose), or not at all (dryRun: their diffs). */
export interface ApplyToOptions {
  dryRun?: boolean;
  write?: WriteFn;
  /** applyToManifestsInterruptible: where a cancel comes from (default: this process's Ctrl-C, SIGTERM, SIGHUP). */
  interrupts?: Interrupts;
  /** applyToManifestsInterruptible: called once the writes listen to the signals (writeAllOrNothingInterruptible's). */
  onListening?: () => void;
}

/** Why `file` could not be written (checked as writeAllOrNothing checks it, writing nothing), as a failed result. */
function unwritable(file: string): ApplyToResult | undefined {
  try {
    checkWritable(file);
    return undefined;
  } catch (e) {
    const failure = writeError(file, e);
    return { file, changed: 0, error: failure.message.replace(`${file}: `, ''), exitCode: failure.exitCode };
  }
}

/**
 * Writes the planned files that change, all or none (writeAllOrNothing); with dryRun, their diffs instead. A file that
 * could not be written is a failure, and every other file that would have changed is named as not written (or restored).
 * `unwritableFails`: in a preview that is written after it (planApplyTo), a file that may not be written is a failure, as
 * the write would be; in --dry-run it is its diff and a note (`cannotWrite`): nothing is written, so nothing fails (it was
 * exit 2 with no diff, while `manifests apply --diff` showed the same file's).
 */
function writePlanned(planned: readonly PlannedFile[], options: ApplyToOptions, unwritableFails = false): ApplyToResult[] {
  if (options.dryRun) {
    // The preview says what the write would refuse too: a file that may not be written (checked as the write checks it).
    return planned.map((p) => {
      if (p.result) return p.result;
      const refused = unwritable(p.file);
      if (refused && unwritableFails) return refused;
      return doneResult(p, { diff: unifiedDiff(p.file, p.text!, p.edited!.text), ...(refused ? { cannotWrite: refused.error } : {}) });
    });
  }
  let failure: WriteAllFailed | undefined;
  try {
    writeAllOrNothing(fileWrites(planned), options.write);
  } catch (e) {
    if (!(e instanceof WriteAllFailed)) throw e;
    failure = e;
  }
  return resultsAfterWrite(planned, failure);
}

/**
 * The planned files that change, as written: a UTF-16 file (PowerShell's `>`) is written back as UTF-16. With the bytes
 * each edit was planned from: a file someone else edited since (an editor saving, a `git pull`) is not overwritten with
 * it; nothing is (exit 2, run again).
 */
function fileWrites(planned: readonly PlannedFile[]): FileWrite[] {
  return planned.filter((p) => !p.result && p.edited && p.encoding)
    .map((p) => ({ file: p.file, data: p.encoding === 'utf8' ? p.edited!.text : encodeManifest(p.edited!.text, p.encoding!), read: p.bytes }));
}

function doneResult(p: PlannedFile, extra: Partial<ApplyToResult> = {}): ApplyToResult {
  return { file: p.file, changed: p.edited?.edits.length ?? 0, ...(p.notes ? { notes: p.notes } : {}), ...extra };
}

/** Each planned file's result once the writes are done, or failed (`failure`: the file that failed named, the others not written). */
function resultsAfterWrite(planned: readonly PlannedFile[], failure: WriteAllFailed | undefined): ApplyToResult[] {
  return planned.map((p) => {
    if (p.result || !failure) return p.result ?? doneResult(p);
    const failed = failure.failures.find((f) => f.file === p.file);
    if (failed) {
      // A file changed on disk: its reason lacks the message's closing advice (running again plans from the new text).
      const again = failure.message.endsWith(RUN_AGAIN) && !failed.reason.endsWith(RUN_AGAIN) ? RUN_AGAIN : '';
      return { file: p.file, changed: 0, error: `${failed.reason}${again}`, exitCode: failure.exitCode };
    }
    return doneResult(p, { notWritten: 'a file could not be updated (named above), so none was' });
  });
}

export function applyRecommendationsToFile(file: string, recs: readonly Recommendation[], defaultNamespace: string, replicas: boolean, options: ApplyToOptions = {}): ApplyToResult {
  return writePlanned([planFile(file, recs, defaultNamespace, replicas)], options)[0];
}

/**
 * A target the recommendations change that is in more than one file — a kustomize base and its overlay's patch —
 * is refused as `mora manifests apply` on a folder refuses it (the same check): writing the same values into both
 * would be a guess at which one Kubernetes ends up with. A kustomization's inline patch that sets the target counts
 * as such a file (named with the patch and its line), listed after the files so a refusal goes to a file of the
 * folder. Returns the refusal of each file holding one, else nothing.
 */
function repeatedTargets(planned: readonly PlannedFile[], defaultNamespace: string): Map<string, string> {
  const refusals = new Map<string, string>();
  // An inline patch (or a patch file with a target) in the namespace kustomize renders what it patches in: the
  // kustomization's, or its bases' (kustomize-namespace.ts), as the file it is read from (its kustomization, or the patch file).
  const namespaces = new Map(planned.flatMap((p) => p.namespace ? [[p.file, p.namespace] as const] : []));
  const patches: PatchHolder[] = inlinePatchHolders(planned.flatMap((p) => p.source ? [{ file: p.file, text: p.source.text, scanned: p.source.containers }] : []))
    .map((h) => placedInKustomizeNamespace(h, namespaces));
  // Each file's workloads in the namespace the kustomization of its folder renders them in, when it sets one.
  const holders = [...planned.map((p) => placedInKustomizeNamespace(p, namespaces)), ...patches];
  const inline = new Set(patches.map((h) => h.file));
  for (const p of planned) {
    for (const change of p.changes) {
      // The change's document may have no namespace: the check compares the namespace the recommendation matched in.
      const target = { ...change.target, namespace: targetNamespace(change, p, defaultNamespace) };
      try {
        fileHolding(change.type === 'resources' ? { ...change, target: { ...change.target, ...target } } : { ...change, target }, holders, defaultNamespace);
      } catch (e) {
        if (!(e instanceof RepeatedTarget)) throw e;
        const [first, ...others] = e.files;
        // A replicas-only patch holds no container: say it is the replicas that are in both.
        const what = change.type === 'replicas' ? `the replicas of ${e.target}` : e.target;
        if (!refusals.has(first)) {
          refusals.set(first, `${what} ${change.type === 'replicas' ? 'are' : 'is'} in ${e.files.length} files: ${e.files.join(', ')}; nothing was written: `
            + (e.files.some((f) => inline.has(f) && f.includes('(inline patch '))
              ? 'the overlay\'s inline patch wins over the base, and MOrA does not edit inline patches: edit the patch by hand, or move it to a file of its own (patches: - path: …)'
              : e.files.some((f) => inline.has(f)) ? 'the overlay\'s patch file wins over the base: edit the patch file by hand'
              : 'give --apply-to the one file (or folder) to change, as `mora manifests apply` on a folder asks'));
        }
        for (const f of others) if (!inline.has(f) && !refusals.has(f)) refusals.set(f, `${what} ${change.type === 'replicas' ? 'are' : 'is'} also in ${first} (named above); nothing was written`);
      }
    }
  }
  return refusals;
}

/** The namespace the recommendation of a change planned in `p` matched in: kustomize's, the document's or the default. */
function targetNamespace(change: ManifestChange, p: PlannedFile, defaultNamespace: string): string {
  return inKustomizeNamespace({ namespace: change.target.namespace ?? null }, p.namespace).namespace ?? defaultNamespace;
}

/**
 * What a kustomization under `path` renders from outside it (a base, a component: kustomize-outside.ts), never written:
 * a change planned in a file here whose target a patch outside sets (it would win) or that is rendered from outside
 * too is refused, into `refusals` (file → why; nothing is written); a recommended workload that only a file outside
 * holds is named in a note of the kustomization that reaches it (`outsideOnly` counts them), instead of no word.
 */
function outsideTargets(path: string, planned: readonly PlannedFile[], recs: readonly Recommendation[], defaultNamespace: string, refusals: Map<string, string>): void {
  // A single file given: the kustomization of its folder renders it, and is read (never written) from there.
  const single = isFile(path) ? path : undefined;
  // The kustomization above a path given below it (overlays/prod for overlays/prod/patches) is read as one under it.
  const outside = outsideReferences(planned.flatMap((p) => p.source ? [{ file: p.file, text: p.source.text, scanned: p.source.containers }] : []), [path], single,
    kustomizationsAbove(planned.map((p) => p.file), [path]));
  if (outside.holders.length === 0) return;
  for (const p of planned) {
    for (const change of p.changes) {
      const target = { ...change.target, namespace: targetNamespace(change, p, defaultNamespace) };
      const why = outsideConflict({ ...change, target } as ManifestChange, p.file, outside, defaultNamespace);
      if (why !== undefined && !refusals.has(p.file)) refusals.set(p.file, why);
    }
  }
  // One file given: the others are not wanted, so a recommended workload only in them is no news.
  if (single !== undefined) return;
  // A recommended workload that no file here holds (in any namespace: a patch here without one still holds it).
  const here = (kind: string, name: string) => planned.some((p) => p.containers.some((c) => c.kind === kind && c.name === name));
  for (const rec of recs) {
    const w = rec.workload;
    if (here(w.kind, w.name)) continue;
    const out = rec.containers.map((c) => outsideHolding({ type: 'resources', target: { kind: w.kind, name: w.name, namespace: w.namespace, container: c.container }, set: {} },
      outside, defaultNamespace)[0]).find((h) => h !== undefined);
    const at = out && planned.find((p) => p.file === out.from);
    if (!out || !at) continue;
    const note = `${w.kind} ${w.namespace}/${w.name}: recommended, but kustomize renders it from ${out.file}, outside ${path}, reached by ${out.via}; `
      + `not written: MOrA writes no file outside the path given — give --apply-to that file (or its folder), or add a patch here`;
    const result = at.result ?? at;
    result.notes = [...(result.notes ?? []), note];
    if (at.result) at.result.outsideOnly = (at.result.outsideOnly ?? 0) + 1;
  }
}

/**
 * A kustomization among the files (or the one of a single file's folder) that renders an edited workload into another
 * namespace or under another name prefix/suffix (an overlay over the base edited: kustomize-overlays.ts) gets the
 * edit too, for each value no patch on its way sets: a note says so (once per file, workload and kustomization); when
 * the recommendations hold one for the id it renders that sets such a value otherwise, the edit would hand it the
 * base's value instead: refused, into `refusals` (nothing is written), asking for a patch in the overlay.
 */
function overlayTargets(path: string, planned: PlannedFile[], recs: readonly Recommendation[], defaultNamespace: string, replicas: boolean,
  refusals: Map<string, string>): void {
  // The patch files edited in this run are read as they would be written (prod's patch taking prod/web's values covers them).
  const edited = new Map(planned.flatMap((p) => (p.edited && !p.result ? [[p.file, p.edited.text] as const] : [])));
  if (!planned.some((p) => !p.result && p.edited)) return;
  // Also the kustomizations above the path and those of the repository around it, outside it (overlays/prod for base/).
  const repo = repoKustomizations([path]);
  const overlays = OverlayRenderings.of(planned.map((p) => p.file), isFile(path) ? path : undefined, edited,
    [...kustomizationsAbove(planned.map((p) => p.file), [path]), ...repo.files]);
  if (repo.capped !== undefined) {
    const first = planned.find((p) => !p.result && p.edited)!;
    first.notes = [...(first.notes ?? []), repo.capped];
  }
  for (const p of planned) {
    if (p.result || !p.edited) continue;
    for (const w of editedWorkloads(p.changes, p.containers, (change) => targetNamespace(change, p, defaultNamespace))) {
      for (const o of overlays.renderings(p.file, w, defaultNamespace)) {
        const said = overlayVerdict(p.containers, w, o, (c) => findRecommendation(c, recs, defaultNamespace)?.workload, defaultNamespace, replicas, `give --apply-to ${p.file}`);
        if ('refusal' in said) {
          if (!refusals.has(p.file)) refusals.set(p.file, said.refusal);
          continue;
        }
        p.notes = [...(p.notes ?? []), said.note];
      }
    }
  }
}

/**
 * Plans every file, then writes them all or none (with dryRun: their diffs, nothing written). A file that fails (cannot
 * be read, is not valid YAML, cannot be edited as asked, cannot be written) is named and no file is written; a target
 * found in several files writes nothing either (every file holding one is named with the refusal, exit 2).
 */
export function applyToManifests(path: string, recs: readonly Recommendation[], defaultNamespace = 'default', replicas = false, options: ApplyToOptions = {}): ApplyToResult[] {
  const plan = atOnce(planAll(path, recs, defaultNamespace, replicas, options));
  return 'results' in plan ? plan.results : writePlanned(plan.planned, options);
}

/**
 * applyToManifests as `mora recommend --apply-to` runs it: Ctrl-C, SIGTERM or SIGHUP while the files are written
 * stops between two files and puts back those written; it throws WriteCancelled (exit 130: nothing was changed, or
 * which file could not be restored and where its original is saved). The files are read and planned one turn of the
 * event loop each, so a signal then reaches the command's listener of that phase (`recommend` listens from its start
 * until the writes do: untilWritesListen, interrupt-signals.ts; `options.onListening` stops it) between two reads:
 * 'interrupted (SIGINT) before anything was written; nothing was changed', exit 130.
 */
export async function applyToManifestsInterruptible(path: string, recs: readonly Recommendation[], defaultNamespace = 'default', replicas = false,
  options: ApplyToOptions = {}): Promise<ApplyToResult[]> {
  const plan = await stepWise(planAll(path, recs, defaultNamespace, replicas, options));
  if ('results' in plan) return plan.results;
  if (options.dryRun) return writePlanned(plan.planned, options);
  let failure: WriteAllFailed | undefined;
  try {
    await writeAllOrNothingInterruptible(fileWrites(plan.planned), options);
  } catch (e) {
    if (!(e instanceof WriteAllFailed)) throw e;
    failure = e;
  }
  return resultsAfterWrite(plan.planned, failure);
}

/** The manifests of `recommend --apply-to --apply-cluster`, previewed before the cluster and written after its prompt. */
export interface PlannedApplyTo {
  /** Each file as `--dry-run` shows it (its diff, or why it is left alone), or the failures that stop everything. */
  preview: ApplyToResult[];
  /** The files the write changes (none when some file failed: nothing is to be written). */
  files: string[];
  /**
   * Writes what the preview showed, all or none (writeAllOrNothingInterruptible: Ctrl-C puts back the files written;
   * a file changed on disk since the preview is not overwritten); the results as a write without preview gives them.
   */
  write(options?: Pick<ApplyToOptions, 'interrupts' | 'onListening' | 'write'>): Promise<ApplyToResult[]>;
}

/**
 * applyToManifestsInterruptible split in two: the files read and planned now (one turn of the event loop each, as
 * there), written later by `write` from that same plan, so what is written is what the preview showed.
 */
export async function planApplyTo(path: string, recs: readonly Recommendation[], defaultNamespace = 'default', replicas = false): Promise<PlannedApplyTo> {
  const plan = await stepWise(planAll(path, recs, defaultNamespace, replicas, {}));
  if ('results' in plan) return { preview: plan.results, files: [], write: async () => plan.results };
  const preview = writePlanned(plan.planned, { dryRun: true }, true);
  const failed = preview.some((r) => r.error !== undefined);
  const writes = failed ? [] : fileWrites(plan.planned);
  return {
    preview,
    files: writes.map((w) => w.file),
    write: async (options = {}) => {
      if (failed) return preview;
      let failure: WriteAllFailed | undefined;
      try {
        await writeAllOrNothingInterruptible(writes, options);
      } catch (e) {
        if (!(e instanceof WriteAllFailed)) throw e;
        failure = e;
      }
      return resultsAfterWrite(plan.planned, failure);
    },
  };
}

type Plan = { planned: PlannedFile[] } | { results: ApplyToResult[] };

/**
 * Every file planned: to write (or preview), or, when one fails or a target is in several files, the results already.
 * One step per file read (stepWise lets a signal in between two; atOnce runs it through).
 */
function* planAll(path: string, recs: readonly Recommendation[], defaultNamespace: string, replicas: boolean, options: ApplyToOptions): Generator<void, Plan, void> {
  const files = manifestFiles(path);
  // The autoscalers of the other files given, of each file's folder and of the kustomize overlays that render it (the
  // editor's rule, manifest-autoscalers.ts); each file's own are found by its plan.
  const autoscalers = replicas ? new CliAutoscalers(files, new Map((yield* readableSteps(files)).map((f) => [f.file, f.text]))) : undefined;
  // The namespace: of the kustomization of each file's folder that lists it (a single file given reads its folder's too).
  const namespaces = kustomizeNamespaces(files);
  const place = autoscalerPlacement(namespaces, files);
  const planned: PlannedFile[] = [];
  for (const f of files) {
    planned.push(planFile(f, recs, defaultNamespace, replicas, autoscalers, namespaces.get(f), place));
    yield;
  }
  const refusals = repeatedTargets(planned, defaultNamespace);
  outsideTargets(path, planned, recs, defaultNamespace, refusals);
  overlayTargets(path, planned, recs, defaultNamespace, replicas, refusals);
  const failed = planned.some((p) => p.result?.error !== undefined);
  if (refusals.size === 0 && (!failed || options.dryRun)) return { planned };
  const why = refusals.size ? 'a target is in several files (named above)' : 'a file could not be updated (named above)';
  return { results: planned.map((p) => {
    const refusal = refusals.get(p.file);
    if (refusal !== undefined) return { file: p.file, changed: 0, error: refusal, exitCode: EXIT_USAGE };
    // Every failure named at once: a file to change that could not be written either.
    if (p.result) return p.result;
    // A file that would change says so, and why it was not written.
    return (p.edited ? unwritable(p.file) : undefined) ?? { file: p.file, changed: p.edited?.edits.length ?? 0, ...(p.notes ? { notes: p.notes } : {}), notWritten: `${why}, so none was` };
  }) };
}

/**
 * Tells what happened to each file on stderr: failures always, the rest unless `quiet`. Returns the failure to raise
 * (exit 1 if any failure was unexpected, else 2) when some file could not be updated, else undefined.
 */
export function reportApplyTo(results: readonly ApplyToResult[], quiet: boolean): ApplyToFailure | undefined {
  const failed = results.filter((r) => r.error !== undefined);
  for (const r of results) {
    const file = forTerminal(r.file);
    if (r.error !== undefined) process.stderr.write(`mora: ${file}: ${forTerminal(r.error)}\n`);
    else if (quiet) continue;
    else if (r.notWritten !== undefined) process.stderr.write(`${file}: ${r.changed} value(s) would change; not written because ${forTerminal(r.notWritten)}\n`);
    else process.stderr.write(`${file}: ${r.changed ? `${r.changed} value(s) ${r.diff !== undefined ? 'would change (dry run)' : 'changed'}` : `unchanged (${forTerminal(r.skipped ?? '')})`}\n`);
    if (!quiet && r.error === undefined) for (const n of r.notes ?? []) process.stderr.write(`${file}: note: ${forTerminal(n)}\n`);
    if (!quiet && r.cannotWrite !== undefined) process.stderr.write(`${file}: note: ${forTerminal(r.cannotWrite)}; a run without --dry-run refuses it and writes no file\n`);
  }
  if (failed.length === 0) {
    // Not one workload of the files is one recommended (a path or a namespace mistyped, the wrong folder): a no-op the
    // user did not ask for, so an error as `-n typo` is (exit 2, on stderr even with -q); the recommendations still print
    // as for a failed write. Files already at the recommended values did match: that is success.
    if (results.some((r) => r.changed > 0 || r.skipped === ALREADY)) return undefined;
    const files = `${results.length} file${results.length === 1 ? '' : 's'}`;
    const what = results.every((r) => r.skipped === NO_CONTAINERS)
      ? `${results.length === 1 ? 'its file holds' : `its ${files} hold`} no workload with containers`
      : `no workload in ${results.length === 1 ? 'its file' : `its ${files}`} matched a recommendation by kind, namespace (a manifest without one is in --default-namespace) and name, with a container of the same name`;
    const never = results.reduce((n, r) => n + (r.neverRecommended ?? 0), 0);
    const kinds = never ? ` (${never} of them ${never === 1 ? 'is' : 'are'} of a kind that ${NEVER_KINDS.replace('no recommendation names', 'no recommendation can name:')}; mora manifests apply --set sets ${never === 1 ? 'it' : 'them'})` : '';
    const out = results.reduce((n, r) => n + (r.outsideOnly ?? 0), 0);
    const outside = out ? ` (${out} recommended workload${out === 1 ? ' is' : 's are'} in files outside the path given that a kustomization here renders: see its notes)` : '';
    const none = new ApplyToFailure(`--apply-to: nothing matched: ${what}${kinds}${outside}; nothing was written`, EXIT_USAGE);
    none.nothingMatched = true;
    return none;
  }
  const code = failed.some((r) => r.exitCode === EXIT_FAILURE) ? EXIT_FAILURE : EXIT_USAGE;
  return new ApplyToFailure(`--apply-to: ${failed.length} of ${results.length} file${results.length > 1 ? 's' : ''} could not be updated (named above)`, code);
}
