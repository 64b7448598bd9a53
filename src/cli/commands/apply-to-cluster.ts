/**
 * `mora recommend --source cluster --apply-cluster [--dry-run] [--yes]`: patches each recommended workload on the live
 * cluster, safely. For every workload a server-side dry run of the exact patch first; its unified diff (live →
 * after the patch) on stdout; a refusal (validation, an admission policy, LimitRange/ResourceQuota for the new pods)
 * as one line on stderr, and that workload is left alone; a GitOps/Helm owner as a warning on stderr. With --dry-run
 * nothing more happens. Otherwise MOrA asks once (on a terminal) or needs --yes (not on a terminal), writes the undo
 * record (each workload's values as they were, before the first patch), then patches each workload as its diff showed
 * it. The first failure (a workload someone else changed meanwhile, in what its diff showed; a denial; an unreachable
 * server) or a Ctrl-C, SIGTERM (a CI job cancelled) or SIGHUP (the terminal closed) stops the patches after the one in flight, and rolls back: each
 * workload this run patched is put back to its recorded previous values, through the undo's own path (a fresh dry run,
 * and only where every field MOrA set still shows what the patch left: a workload another writer changed since keeps
 * their values and is named, its previous values kept in the record for `mora recommend --undo <record>`). The record
 * stays on disk, each workload marked 'rolled back' (its --undo then has nothing to do there).
 *
 * Exit: 0 when every workload was patched (or would be), 2 when some were refused, denied, changed since the preview
 * or not tried after a failure (named above, rolled back), 3 when the API server could not be reached, 130 on Ctrl-C
 * (at the prompt: nothing changed; while patching: rolled back, what was put back named) or SIGTERM while patching (as
 * `mora experiment`).
 */
import type { Recommendation } from '../../core/recommendation';
import { APPLIER_ROLE, applyApproved, clusterChange, withRoleHint, type ApplyPlan, type PlanClient } from '../../data/kube/apply-plan';
import { ChangedSincePreview } from '../../data/kube/client';
import { KubeError } from '../../data/kube/errors';
import { judgeWrite, readUndoRecord as readRecord, undoEntry, undoRecordPath, undoWriteOf, UndoRecordError, writeUndoRecord, type ClusterWrite, type UndoEntry, type UndoStatus } from '../../data/kube/undo-record';
import { EXIT_INTERRUPTED, EXIT_UNREACHABLE, EXIT_USAGE, UserError } from '../errors';
import { forTerminal, forTerminalText } from '../format/terminal';
import { INTERRUPT_SIGNALS, QUIT_HINT, RestoreSignals, dropOutputErrors } from './interrupt-signals';
import type { Workload, WorkloadRef } from '../../core/workload';
import { qualifiedName } from '../../pipeline/workload-selector';

export interface ApplyToClusterOptions {
  dryRun: boolean;
  yes: boolean;
  replicas: boolean;
  quiet: boolean;
  /** Where the undo record goes (default undoRecordPath()). */
  undoRecord?: string;
  /** The command that replays the record, as printed (default `mora recommend --undo <record>`). */
  undoCommand?: (record: string) => string;
  /** The flag named in the final error (default --apply-cluster). */
  flag?: string;
  /**
   * After a failure or a signal while patching, put the workloads this run patched back to their recorded values
   * (default true; `--undo` runs pass false: re-running an undo resumes it).
   */
  rollback?: boolean;
  /**
   * `recommend --apply-to <path> --apply-cluster`: the manifests, previewed before the cluster (their diffs already
   * printed) and written after the prompt, before the first patch. A workload the cluster's dry run refuses (RBAC, an
   * admission policy, validation) then writes nothing anywhere; a declined prompt or a signal before the patches
   * neither. A failure or signal while patching rolls the cluster back as always, and the manifests stay written: the
   * lines that say so name them (their new values are what the user asked for in files they review; git restores them).
   */
  manifests?: ManifestsAlongside;
}

/** The manifest files written with the patches (ApplyToClusterOptions.manifests). */
export interface ManifestsAlongside {
  /** The files the write changes (none: only the cluster is written). */
  files: readonly string[];
  /**
   * Writes them, all or none, listening to the signals itself (Ctrl-C puts back those written); throws when none was
   * written (the error says why).
   */
  write(): Promise<void>;
}

export interface ApplyIo {
  out(text: string): void;
  err(line: string): void;
  /** Asks a yes/no question (on a terminal); resolves true for yes. */
  confirm(question: string): Promise<boolean>;
  /**
   * Calls `handler` on Ctrl-C, SIGTERM or SIGHUP while the patches are sent, until the returned function is called (default:
   * SIGINT, SIGTERM and SIGHUP of this process, with the signal; tests pass their own).
   */
  onInterrupt?(handler: (signal?: NodeJS.Signals) => void): () => void;
  /** Ends the process at once with `code` (a third press during the rollback, after what is left is said; default process.exit). */
  exit?(code: number): void;
  /** The clock RestoreSignals reads to tell presses apart (default Date.now; tests pass their own). */
  now?: () => number;
  /**
   * Called once the patches listen to the signals (onInterrupt), in the same turn: the command's listener of the phase
   * before (untilWritesListen, interrupt-signals.ts: the preview, the prompt) stops there.
   */
  onListening?(): void;
}

/** Raised when some workload could not be patched (or was not tried after a failure): named above. */
export class ApplyToClusterFailure extends UserError {
  output = '';
}

/** The refusal to write without --yes when no one can answer a prompt; checked before any work. */
export function checkApplyClusterFlags(o: { applyCluster?: boolean; applyTo?: string; undo?: string; dryRun?: boolean; yes?: boolean; allContexts?: boolean; context?: string; rollback?: boolean; source: string }, stdinIsTty: boolean): void {
  if (o.rollback === false && !o.applyCluster) throw new UserError('--no-rollback goes with --apply-cluster (an --undo is not rolled back: run it again to resume it)');
  if (o.undo !== undefined) {
    if (o.applyCluster || o.applyTo !== undefined || o.allContexts) throw new UserError('--undo goes alone: it puts back what an --apply-cluster recorded (not with --apply-cluster, --apply-to or --all-contexts)');
    // The record first: a typo in its name is the mistake to report, not the missing --yes that fixing it would not need.
    readUndoRecord(o.undo);
    if (!o.dryRun && !o.yes && !stdinIsTty) {
      throw new UserError('--undo would write to the cluster, and stdin is not a terminal to confirm on: add --yes to apply without a prompt, or --dry-run to only see the diff');
    }
    return;
  }
  if (o.dryRun && !o.applyCluster && o.applyTo === undefined) throw new UserError('--dry-run goes with --apply-cluster or --apply-to (it shows the diff the write would make, and writes nothing)');
  if (o.yes && !o.applyCluster) throw new UserError('--yes goes with --apply-cluster or --undo');
  if (o.allContexts && !o.applyCluster) throw new UserError('--all-contexts goes with --apply-cluster (reading already covers every context of the kubeconfig)');
  if (o.allContexts && o.context !== undefined) throw new UserError('give either --context or --all-contexts, not both');
  if (!o.applyCluster) return;
  if (o.source !== 'cluster') throw new UserError('--apply-cluster needs --source cluster (the demo has no cluster to write to; --apply-to <path> writes manifests)');
  if (!o.dryRun && !o.yes && !stdinIsTty) {
    throw new UserError('--apply-cluster would write to the cluster, and stdin is not a terminal to confirm on: add --yes to apply without a prompt, or --dry-run to only see the diff');
  }
}

/**
 * A write with `-w`: the selector must name one workload in each context, or the write is refused before any metric is
 * read, listing the matches as they can be written to select one (`-w shop/Deployment/web`).
 */
export function checkOneWorkloadPerContext(selector: string, workloads: readonly Pick<Workload, 'context' | 'namespace' | 'kind' | 'name'>[]): void {
  const byContext = new Map<string, string[]>();
  for (const w of workloads) byContext.set(w.context, [...(byContext.get(w.context) ?? []), qualifiedName(w)]);
  const several = [...byContext].filter(([, names]) => names.length > 1);
  if (!several.length) return;
  const list = several.map(([ctx, names]) => `${names.join(', ')}${byContext.size > 1 || several.length > 1 ? ` (context ${ctx})` : ''}`).join('; ');
  throw new UserError(`--apply-cluster: -w "${selector}" matches ${several.reduce((n, [, names]) => n + names.length, 0)} workloads: ${list} — nothing was changed; name the one to patch, e.g. -w ${several[0][1][0]}`);
}

/**
 * The contexts `--apply-cluster` writes to: the current one, as kubectl would, unless the user names them (`--context
 * a,b`) or asks for all (`--all-contexts`); `contexts` undefined when the user's own choice stands as it is. `note`:
 * the line saying which contexts a default left out.
 */
export function applyClusterContexts(o: { context?: readonly string[]; allContexts?: boolean }, current: string, all: readonly string[]): { contexts?: string[]; note?: string } {
  if (o.context || o.allContexts) return {};
  if (!current) throw new UserError('--apply-cluster: the kubeconfig has no current context to write to: name one with --context (several: a,b), or --all-contexts');
  const others = all.filter((c) => c !== current);
  return {
    contexts: [current],
    note: others.length ? `--apply-cluster writes to the current context "${current}" only, not ${others.map((c) => `"${c}"`).join(', ')} — --context <a,b> or --all-contexts for others` : undefined,
  };
}

type Client = PlanClient & { applyResources: PlanClient['applyResources'] };

export type { ClusterWrite } from '../../data/kube/undo-record';

export async function applyToCluster(kube: Client, recs: readonly Recommendation[], o: ApplyToClusterOptions, io: ApplyIo): Promise<void> {
  const writes = recs.map((rec) => ({ ref: rec.workload, change: clusterChange(rec, { replicas: o.replicas }) }))
    .filter((w) => w.change.containers.length || w.change.replicas !== undefined);
  await applyWrites(kube, writes, o, io);
}

/**
 * Previews every write (planApply: the server-side dry run, its diff, admission), asks once, records the previous
 * values (the undo record, written before the first patch), then patches one workload after another, each to the
 * object its diff was computed from (applyApproved). The first failure — refused, denied, changed since the preview,
 * unreachable — or a Ctrl-C, SIGTERM or SIGHUP stops the loop after the patch in flight: the workloads not yet patched are left
 * alone, and those patched are put back (rollBack; with `rollback: false`, as --undo runs, MOrA prints which were
 * patched and the command that puts their previous values back: `--undo <record>`).
 */
export async function applyWrites(kube: Client, writes: readonly ClusterWrite[], o: ApplyToClusterOptions, io: ApplyIo): Promise<void> {
  const ready: ApplyPlan[] = [];
  let bad = 0;
  let unreachable = false;
  const fail = (what: string, e: unknown) => {
    bad++;
    if (e instanceof KubeError && e.kind === 'unreachable') unreachable = true;
    // ChangedSincePreview names the workload itself.
    io.err(`mora: ${forTerminal(e instanceof ChangedSincePreview ? e.message : `${what}: ${(e as Error).message}`)}`);
  };
  const whatOf = (ref: WorkloadRef) => `${ref.kind} ${ref.namespace}/${ref.name}`;
  for (const w of writes) {
    const what = whatOf(w.ref);
    // The dry run and (an undo's) judge: the step shared with the editor (judgeWrite).
    let judged: Awaited<ReturnType<typeof judgeWrite>>;
    try {
      judged = await judgeWrite(kube, w);
    } catch (e) {
      fail(what, e);
      continue;
    }
    const { plan, refusals } = judged;
    if (!plan) {
      if (!o.quiet) io.err(`${forTerminal(what)}: ${forTerminal(judged.nothing ?? '')}`);
      continue;
    }
    if (plan.diff) io.out(forTerminalText(plan.diff));
    for (const n of plan.notes) io.err(`mora: note: ${forTerminal(n)}`);
    if (plan.gitOpsWarning) io.err(`mora: warning: ${forTerminal(plan.gitOpsWarning)}`);
    if (refusals.length) {
      bad++;
      for (const r of refusals) io.err(`mora: ${forTerminal(`${what}: ${r}`)}`);
    } else if (judged.nothing) {
      if (!o.quiet) io.err(`${forTerminal(what)}: ${judged.nothing}`);
    } else if (plan.changed) {
      ready.push(plan);
    } else if (!o.quiet) {
      io.err(`${forTerminal(what)}: already at the recommended values, nothing to patch`);
    }
  }
  let interrupted = false;
  const manifestFiles = o.manifests?.files ?? [];
  /** Said wherever the cluster's outcome is, once the manifests were written (they are not rolled back). */
  let manifestsWritten = '';
  if (o.manifests && bad && !o.dryRun) {
    // Both previews must pass before either is written: the cluster refused some workload, so no file is written either.
    throw new ApplyToClusterFailure(`--apply-cluster: ${bad} workload(s) would not be patched (named above), so nothing was written: neither the cluster nor the manifests (--apply-to)`,
      unreachable ? EXIT_UNREACHABLE : EXIT_USAGE);
  }
  if (o.dryRun) {
    if (!o.quiet) io.err(`dry run: ${ready.length} workload(s) would be patched${bad ? `, ${bad} would not` : ''}; nothing was changed`);
  } else if (ready.length || manifestFiles.length) {
    const contexts = [...new Set(ready.map((p) => p.ref.context))].join(', ');
    const files = `${manifestFiles.length} manifest file(s)`;
    const question = !ready.length ? `Write ${files} as shown above? [y/N] `
      : `${manifestFiles.length ? `Write ${files} and patch` : 'Patch'} ${ready.length} workload(s) in context ${forTerminal(contexts)} as shown above? The pods restart with the new resources. [y/N] `;
    const ok = o.yes || await io.confirm(question);
    if (!ok) {
      io.err('nothing was changed');
    } else {
      // The previous values of every workload about to be patched, on disk before the first patch.
      const record = o.undoRecord ?? undoRecordPath();
      const entries = ready.map(undoEntry);
      if (ready.length) {
        try {
          writeUndoRecord(record, entries);
        } catch (e) {
          throw new UserError(`could not write the undo record ${record} (${(e as Error).message}), so nothing was changed`, EXIT_USAGE);
        }
      }
      const undo = forTerminal((o.undoCommand ?? ((f) => `mora recommend --undo ${f}`))(record));
      if (ready.length) io.err(`previous values recorded in ${forTerminal(record)} (to put them back: ${undo})`); // even with -q: the way back
      let stoppedBy = 'Ctrl-C';
      // From the first patch until the rollback has ended and said so: the first press stops the loop; later ones are
      // absorbed, said once; a third within QUIT_WINDOW_MS of the one before quits at once, after naming what is still
      // patched and the record. Signals under COALESCE_MS after a press's first (the second SIGTERM of `timeout` or a
      // process manager, 20 ms on; npx's copy of a Ctrl-C) are that press (RestoreSignals).
      const signals = new RestoreSignals(io.now);
      let rollingBack = false;
      /** The patch being sent (index in ready), while it is. */
      let inFlight: number | undefined;
      /**
       * While the manifests are written (their own listener cancels that write and puts back the files): the first
       * signal is kept here, and stops the patches before the first once the files are written. Listening from before
       * that write to after the patches leaves no moment without a listener (the signal's default: killed, nothing said).
       */
      let writingManifests = Boolean(manifestFiles.length);
      let signalDuringManifests: NodeJS.Signals | 'none' | undefined;
      const stop = (io.onInterrupt ?? interruptsOfProcess)((signal?: NodeJS.Signals) => {
        if (writingManifests) {
          signalDuringManifests ??= signal ?? 'none';
          return;
        }
        const name = signal && signal !== 'SIGINT' ? signal : 'Ctrl-C';
        const taken = signals.take(rollingBack);
        if (taken === 'first') {
          interrupted = true;
          stoppedBy = name;
          io.err(`mora: interrupted${signal && signal !== 'SIGINT' ? ` (${signal})` : ''}: stopping after the patch in flight${o.rollback !== false ? `, then putting back what this run patched (${QUIT_HINT})` : ' (nothing more is sent)'}`);
        } else if (taken === 'wait') {
          const doing = rollingBack ? 'putting back what this run patched' : `stopping after the patch in flight${o.rollback !== false ? ', then putting back what this run patched' : ''}`;
          io.err(`mora: ${forTerminal(`${name} again: still ${doing} — please wait; the previous values are recorded in ${record} (${undo}); `
            + `${signals.waitHint()}, leaving patched what is not put back yet`)}`);
        } else if (taken === 'quit') {
          const still = entries.filter((e) => e.status === 'patched').map((e) => `${e.kind} ${e.namespace}/${e.name} (context ${e.context})`);
          const sent = inFlight === undefined ? undefined : `${whatOf(ready[inFlight].ref)} (context ${ready[inFlight].ref.context})`;
          io.err(`mora: ${forTerminal(`quitting at once (${name}, a third press): `
            + `${still.length ? `still patched, not put back: ${still.join(', ')}` : 'nothing this run patched is left unrestored'}`
            + `${sent ? `; the patch of ${sent} was in flight and may have landed` : ''}`
            + `; the previous values are recorded in ${record}${still.length || sent ? `: to put them back: ${undo}` : ''}${manifestsWritten}`)}`);
          (io.exit ?? ((code: number) => process.exit(code)))(EXIT_INTERRUPTED);
        }
      });
      io.onListening?.();
      if (o.manifests && manifestFiles.length) {
        try {
          await o.manifests.write();
        } catch (e) {
          stop();
          // Not one file written (the write's own error says why, and whether a file could not be put back): no patch.
          if (ready.length) {
            for (const entry of entries) entry.status = 'not tried';
            try {
              writeUndoRecord(record, entries);
            } catch { /* its entries then read 'pending': their --undo finds the workloads at their previous values */ }
          }
          if (e instanceof UserError) throw new ApplyToClusterFailure(`${e.message}; nothing was patched on the cluster`, e.exitCode);
          throw e;
        }
        writingManifests = false;
        manifestsWritten = `; the manifest file(s) --apply-to wrote before the patches keep the new values (not rolled back): ${manifestFiles.join(', ')}`;
        if (signalDuringManifests !== undefined && ready.length) {
          // A signal that came as the last file was written, after that write's last look: the patches stop before the first.
          interrupted = true;
          stoppedBy = signalDuringManifests === 'none' || signalDuringManifests === 'SIGINT' ? 'Ctrl-C' : signalDuringManifests;
          signals.take();
          io.err(`mora: interrupted${stoppedBy !== 'Ctrl-C' ? ` (${stoppedBy})` : ''} as the manifests were written: no patch is sent`);
        }
      }
      const patched: ApplyPlan[] = [];
      let failed: ApplyPlan | undefined;
      /** A failed write that may still have landed (unreachable, unanswered): the rollback checks it too. */
      let failedMayHaveLanded = false;
      // Each outcome goes into the record as it happens, so its undo touches only the workloads actually patched.
      // A failed update is said once (the first); the rollback's last line then does not claim what the record says.
      let recordStale = false;
      const mark = (i: number, status: UndoStatus) => {
        entries[i].status = status;
        try {
          writeUndoRecord(record, entries);
        } catch (e) {
          if (!recordStale) io.err(`mora: warning: ${forTerminal(`could not update the undo record ${record} (${(e as Error).message}); its undo judges each workload by its values`)}`);
          recordStale = true;
        }
      };
      try {
        for (const [i, p] of ready.entries()) {
          if (interrupted) break;
          const what = whatOf(p.ref);
          try {
            inFlight = i;
            const r = await applyApproved(kube, p).finally(() => { inFlight = undefined; });
            patched.push(p);
            mark(i, 'patched');
            if (!o.quiet) io.err(`patched ${forTerminal(what)} (context ${forTerminal(p.ref.context)}, resourceVersion ${r.resourceVersion}${r.attempts > 1 ? `, after ${r.attempts - 1} conflict(s)` : ''})`);
          } catch (e) {
            fail(what, withRoleHint(e, APPLIER_ROLE));
            failed = p;
            // An unanswered or unreachable write may still have landed: left 'pending', its undo judges by the values.
            if (!(e instanceof KubeError && e.kind === 'unreachable')) mark(i, 'failed');
            else failedMayHaveLanded = true;
            break;
          }
        }
        const notTried = ready.flatMap((p, i) => (p !== failed && !patched.includes(p) ? [i] : []));
        if (notTried.length) {
          for (const i of notTried.slice(0, -1)) entries[i].status = 'not tried';
          mark(notTried[notTried.length - 1], 'not tried');
        }
        if (patched.length < ready.length || interrupted) {
          // Stopped: exactly what changed, what did not, and the way back (stderr even with -q).
          const named = (ps: readonly ApplyPlan[]) => ps.map((p) => `${whatOf(p.ref)} (context ${p.ref.context})`).join(', ');
          const untried = ready.filter((p) => p !== failed && !patched.includes(p));
          const notPatched = [...(failed ? [`${named([failed])} (failed)`] : []), ...(untried.length ? [`${named(untried)} (not tried)`] : [])];
          const at = interrupted ? `at ${stoppedBy}` : 'at the failure above';
          const back = [...patched, ...(failed && failedMayHaveLanded ? [failed] : [])].reverse();
          if (o.rollback !== false && back.length) {
            rollingBack = true;
            const { restored, already, kept } = await rollBack(kube, back, failedMayHaveLanded ? failed : undefined, (p) => entries[ready.indexOf(p)], (p) => mark(ready.indexOf(p), 'rolled back'), o, io);
            const unchanged = already.filter((p) => p !== failed); // the unanswered write that never landed: named as failed below
            // The unanswered write that did land is named where the rollback left it, not as failed.
            const landed = failed && (restored.includes(failed) || kept.some((k) => k.plan === failed));
            const notPatchedNow = landed ? notPatched.slice(1) : notPatched;
            io.err(`mora: ${forTerminal(`stopped ${at} and rolled back: ${restored.length ? `put back the previous values of ${named(restored)}` : 'nothing put back'}`
              + `${unchanged.length ? `; already at their previous values: ${named(unchanged)}` : ''}`
              + `${kept.length ? `; not put back: ${named(kept.map((k) => k.plan))} (named above)` : ''}`
              + `${notPatchedNow.length ? `; not patched: ${notPatchedNow.join(', ')}` : ''}`)}`);
            if (kept.length) io.err(`mora: ${forTerminal(`their previous values stay recorded in ${record} (once the workload shows what the patch left again, or to see why not: ${undo})`)}`);
            else if (recordStale) io.err(`mora: ${forTerminal(`the cluster is as it was before this run; the record ${record} could not be updated (named above): its --undo will find the workloads already at their previous values`)}`);
            else io.err(`mora: ${forTerminal(`the cluster is as it was before this run; the record ${record} says so (its --undo has nothing to do)`)}`);
          } else {
            io.err(`mora: ${forTerminal(`stopped ${at}: patched ${patched.length} of ${ready.length} workload(s)${patched.length ? `: ${named(patched)}` : ''}`
              + `${notPatched.length ? `; not patched: ${notPatched.join(', ')}` : ''}`)}`);
            if (patched.length) io.err(`mora: to put back the previous values of the ones patched (recorded in ${forTerminal(record)}): ${undo}`);
          }
          bad += untried.length;
          if (manifestsWritten) io.err(`mora: ${forTerminal(`the manifests were written before the patches and are not rolled back: ${manifestFiles.join(', ')} keep the new values (git restore, or git checkout -- <file>, puts a file back)`)}`);
        }
      } finally {
        stop();
      }
    }
  }
  if (interrupted) throw new ApplyToClusterFailure(`interrupted while patching (what was changed is named above)${manifestsWritten}`, EXIT_INTERRUPTED);
  if (bad) {
    throw new ApplyToClusterFailure(`${o.flag ?? '--apply-cluster'}: ${bad} workload(s) ${o.dryRun ? 'would not be patched' : 'were not patched'} (named above)${manifestsWritten}`, unreachable ? EXIT_UNREACHABLE : EXIT_USAGE);
  }
}

/**
 * The rollback after a failure or a signal: each workload this run patched (last first) put back to its recorded
 * previous values through the undo's own path — a fresh server-side dry run, the check that every field MOrA set still
 * shows what the patch left (else another writer changed it since: their value stays, the workload is named, its
 * record entry kept), then a patch to the object that check read (a conflict is not retried over). Each workload put
 * back is marked 'rolled back' in the record as it happens, so a later --undo leaves it alone. A signal during the
 * rollback is absorbed (applyWrites: a third press within QUIT_WINDOW_MS ends the process, naming what is still patched
 * and the record, which says so too).
 */
async function rollBack(kube: Client, plans: readonly ApplyPlan[], unanswered: ApplyPlan | undefined, entryOf: (p: ApplyPlan) => UndoEntry,
  done: (p: ApplyPlan) => void, o: ApplyToClusterOptions, io: ApplyIo): Promise<{ restored: ApplyPlan[]; already: ApplyPlan[]; kept: { plan: ApplyPlan; why: string }[] }> {
  const restored: ApplyPlan[] = [];
  const already: ApplyPlan[] = [];
  const kept: { plan: ApplyPlan; why: string }[] = [];
  const patched = plans.filter((p) => p !== unanswered).length;
  io.err(`mora: rolling back: putting back the previous values of ${patched} workload(s) this run patched${unanswered ? ', and checking the one whose patch went unanswered' : ''}`);
  for (const p of plans) {
    const what = `${p.ref.kind} ${p.ref.namespace}/${p.ref.name}`;
    const keep = (why: string) => {
      kept.push({ plan: p, why });
      io.err(`mora: ${forTerminal(`${what}: not put back: ${why}`)}`);
    };
    try {
      const judged = await judgeWrite(kube, undoWriteOf(entryOf(p), '(changed since this run patched it): the other writer\'s values stay'));
      const plan = judged.plan!; // an entry of this run: never skipped
      if (judged.refusals.length) {
        keep(judged.refusals.join('; '));
        continue;
      }
      if (judged.nothing || !plan.changed) {
        done(p);
        already.push(p);
        if (!o.quiet) io.err(`${forTerminal(what)}: already at its previous values`);
        continue;
      }
      const r = await applyApproved(kube, plan);
      done(p);
      restored.push(p);
      if (!o.quiet) io.err(`put back ${forTerminal(what)} (context ${forTerminal(p.ref.context)}, resourceVersion ${r.resourceVersion})`);
    } catch (e) {
      const err = withRoleHint(e, APPLIER_ROLE);
      keep(err instanceof ChangedSincePreview ? 'changed while it was being put back (another writer): their values stay' : (err as Error).message);
    }
  }
  return { restored, already, kept };
}

function interruptsOfProcess(handler: (signal?: NodeJS.Signals) => void): () => void {
  // Every Ctrl-C, SIGTERM (a CI job cancelled or timed out) or SIGHUP (the terminal closed, an SSH session dropped)
  // goes to `handler` until the returned function is called: none gets Node's default (the process killed mid-rollback,
  // exit 143 for SIGTERM); applyWrites decides (RestoreSignals). After SIGHUP the terminal is gone: writing to it must
  // not end the rollback.
  const listeners = INTERRUPT_SIGNALS.map((signal) => ({ signal, on: () => { if (signal === 'SIGHUP') dropOutputErrors(); handler(signal); } }));
  const remove = () => {
    for (const l of listeners) process.removeListener(l.signal, l.on);
  };
  for (const l of listeners) process.on(l.signal, l.on);
  return remove;
}

// ---- the undo record (src/data/kube/undo-record.ts, shared with the editor) ----

export { undoEntry, undoRecordPath, type UndoEntry, type UndoStatus } from '../../data/kube/undo-record';

/** An undo record read back (readRecord), its problems as one line each (a UserError: exit 2). */
export function readUndoRecord(file: string): ClusterWrite[] {
  try {
    return readRecord(file);
  } catch (e) {
    if (e instanceof UndoRecordError) throw new UserError(e.message);
    throw e;
  }
}

/** A path as a shell reads it back: as is when it needs no quoting, else in single quotes. */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** `mora recommend --undo <record>`: each recorded workload put back to its previous values, through the same preview. */
export async function undoFromRecord(opts: { undo: string; kubeconfig?: string; connectTimeoutMs?: number; dryRun?: boolean; yes?: boolean; quiet?: boolean }, io: ApplyIo): Promise<void> {
  const writes = readUndoRecord(opts.undo);
  const { KubeClient } = require('../../data/kube/client') as typeof import('../../data/kube/client');
  let kube: import('../../data/kube/client').KubeClient;
  try {
    kube = KubeClient.load({ kubeconfig: opts.kubeconfig, connectTimeoutMs: opts.connectTimeoutMs });
  } catch (e) {
    const kind = (e as { kind?: string }).kind;
    if (kind === 'no-kubeconfig' || kind === 'config') throw new UserError((e as Error).message);
    throw e;
  }
  await applyWrites(kube, writes, {
    // No rollback of an undo: it touches only workloads still showing what the patch left, so running it again resumes it.
    dryRun: Boolean(opts.dryRun), yes: Boolean(opts.yes), replicas: false, quiet: Boolean(opts.quiet), flag: '--undo', rollback: false,
    undoCommand: (f) => `mora recommend --undo ${shellWord(f)}${opts.kubeconfig ? ` --kubeconfig ${shellWord(opts.kubeconfig)}` : ''}`,
  }, io);
}

/** Ctrl-C at a prompt: a "no", with the exit code of an interrupt. */
export class PromptInterrupted extends UserError {
  constructor() {
    super('interrupted at the prompt: nothing was changed', EXIT_INTERRUPTED);
  }
}

export interface PromptStreams {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  /** Whether to treat the input as a terminal (keys, Ctrl-C); default: whether it is one. */
  terminal?: boolean;
}

/**
 * A yes/no question on the terminal (stderr, so stdout keeps only the diff). Ctrl-C rejects with PromptInterrupted
 * (without a listener readline would only close, the question would never resolve and the process would end with
 * exit 0, as if done); end of input (Ctrl-D) is a "no", like an empty answer.
 */
export async function askOnTerminal(question: string, streams: PromptStreams = { input: process.stdin, output: process.stderr }): Promise<boolean> {
  const readline = require('node:readline') as typeof import('node:readline');
  const rl = readline.createInterface({ input: streams.input, output: streams.output, ...(streams.terminal !== undefined ? { terminal: streams.terminal } : {}) });
  try {
    const answer = await new Promise<string | undefined>((resolve, reject) => {
      rl.on('SIGINT', () => {
        streams.output.write('\n');
        reject(new PromptInterrupted());
      });
      rl.on('close', () => resolve(undefined));
      rl.question(question, resolve);
    });
    return answer !== undefined && /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
