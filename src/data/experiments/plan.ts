/**
 * An experiment plan: one service × several replica counts × the load levels. Before each replica count the scaler
 * sets the replicas and waits until they are ready; each count is one experiment (one CSV + one JSON). Cancelling
 * stops after the running experiment has written its partial result.
 *
 * A plan that scales a workload puts its original replica count back when it ends — done, failed or cancelled — and
 * every experiment's JSON carries a `scaling` note (the original count, the command that restores it by hand) from
 * the moment it starts, updated to `restored: true` once the count is back. The count is written back only over the
 * one the plan set (`scaledTo`): a count someone changed during the run is left, and the note says so
 * (`restoreSkipped`). A workload a HorizontalPodAutoscaler targets is not scaled at all (kubeScaler).
 *
 * A run killed (SIGKILL, a crash) before it restored leaves its JSON with the note `restored: false`, and the workload
 * at the count it set. The next plan that scales the same workload (namespace, kind, name) in the same kube context
 * with the same out folder (or one beside it) takes the original count from that pending note — not from the cluster,
 * which still shows the killed run's count — says so, puts it back at the end (even when this run is cancelled before
 * it scales), and then marks the earlier JSONs settled too. The records are found and judged as `mora experiment run`
 * judges them (other-notes.ts, shared): a note whose run still holds its lock (a plan, or another `mora experiment`,
 * scaling the workload now) refuses this run before anything is scaled; a killed run's note gives the original only
 * while the workload still has the count that run set (its scaledTo), else the live count is the original and that
 * note is settled as skipped.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { writeFileAtomic } from '../../core/atomic-write';
import type { KubeClient } from '../kube/client';
import { KubeError, ReplicasChanged } from '../kube/errors';
import type { WorkloadRef } from '../../core/workload';
import { runExperiment, storedErrorText, type ExperimentConfig, type ExperimentHooks, type ExperimentResult, type ScalingNote } from './runner';
import { noteKey } from './scaling-note';
import { otherPendingNotes, settleOtherNotes, settleStaleNotes, splitByLiveCount, WorkloadScaledElsewhereError, type OtherNote } from './other-notes';
import { acquirePlanLock, acquireWorkloadLock, type PlanLock } from './plan-lock';

export interface Scaler {
  /** Sets the replicas and resolves once that many are ready. */
  scale(replicas: number, signal?: AbortSignal): Promise<void>;
  /** The replica count before the plan changes it (what the plan restores). Without it the plan restores nothing. */
  current?(): Promise<number>;
  /**
   * Sets the replicas back at the end, without waiting for pods — only over `expected` (the count the experiment set)
   * when given: a count someone else changed meanwhile is left, and the result says so (void: restored).
   */
  restore?(replicas: number, expected?: number): Promise<RestoreOutcome | void>;
  /** Which workload, for the JSON note and messages, and the command that restores `replicas` by hand. */
  describe?(replicas: number): Omit<ScalingNote, 'originalReplicas' | 'restored'>;
}

/** A restore that did not write: the count found, and the sentence for the note, the output and the JSON. */
export interface RestoreOutcome {
  left: number;
  reason: string;
}

export interface PlanConfig extends Omit<ExperimentConfig, 'replicas'> {
  replicas: number[];
}

export interface PlanHooks extends Omit<ExperimentHooks, 'scaling' | 'prepare'> {
  onScale?: (replicas: number) => void;
  /** The scaling note when the plan has read the original count, and again once it has restored it (or failed to). */
  onScaling?: (note: ScalingNote) => void;
  /** An earlier run's pending note gives the original count (before onScaling): what to tell the user. */
  onPending?: (message: string) => void;
}

export async function runExperimentPlan(config: PlanConfig, scaler: Scaler | undefined, hooks: PlanHooks = {}): Promise<ExperimentResult[]> {
  if (!config.replicas.length) throw new Error('no replica counts given');
  if (config.replicas.length > 1 && !scaler) throw new Error('several replica counts need a way to scale the workload (a Kubernetes workload and kubeconfig)');
  // The workload's lock (plan-lock.ts acquireWorkloadLock), from before the records are looked at until the count is back.
  let workloadLock: PlanLock | undefined;
  try {
    return await runWithWorkload(config, scaler, hooks, (lock) => { workloadLock = lock; });
  } finally {
    workloadLock?.release();
  }
}

async function runWithWorkload(config: PlanConfig, scaler: Scaler | undefined, hooks: PlanHooks, locked: (lock: PlanLock) => void): Promise<ExperimentResult[]> {
  let note: ScalingNote | undefined;
  /** Earlier runs' pending notes on this workload: the oldest holds the original count; all are settled at the end. */
  let owed: OtherNote[] = [];
  if (scaler?.current && scaler.restore) {
    const here = scaler.describe?.(0);
    const key = here && noteKey({ ...here, originalReplicas: 0, restored: false });
    // Exclusive before the records and the count are read: two runs started at the same instant both found no other
    // run's note (neither had written one yet) and both scaled the workload. The second now refuses here, naming the
    // first. The count is read only under the lock: read before it (until 2026-12-01), a count another run had set and
    // was about to put back could be taken as the original once that run had released the lock.
    if (key && here) {
      locked(acquireWorkloadLock(config.outDir, key, `mora experiment: ${here.workload} in namespace ${here.namespace}${here.context ? ` (context ${here.context})` : ''} (service ${config.service})`,
        `mora experiment (out ${config.outDir})`));
    }
    const live = await scaler.current();
    // Other records' pending notes on this workload, as a plan sees them (other-notes.ts: experiments' and plans' records
    // in the out folder and the folders beside it). This run has no record yet: the folder stands for it.
    const found = key ? otherPendingNotes(config.outDir, key, config.outDir) : [];
    // One whose run holds its lock is going on: both would scale the workload and each would restore over the other.
    const busy = found.find((o) => o.running);
    if (busy) {
      const n = busy.note;
      const it = busy.kind === 'plan' ? busy.name : 'that experiment';
      throw new WorkloadScaledElsewhereError(`mora experiment: ${n.workload} in namespace ${n.namespace}${n.context ? ` (context ${n.context})` : ''} (service ${config.service}) is being scaled by ${busy.kind} ${busy.name}, which is running (${busy.running}; its record ${busy.path}): nothing was scaled or sent; run it again once ${it} has ended${busy.lock ? `; if ${it} is not running, delete ${busy.lock}` : ''}`, busy);
    }
    // A killed run's note holds the original only while the workload still has the count that run set (scaledTo; a note
    // without one, from before it was kept, is taken as it is): a count changed since (the owner's) is the original, and
    // those notes are settled as skipped, as their own restore would have been — as runPlan does (plan-run.ts).
    const split = splitByLiveCount(found, live);
    owed = split.owed;
    const original = owed.length ? owed[0].note.originalReplicas : live;
    const d = scaler.describe?.(original) ?? { workload: 'the workload', namespace: '', restoreCommand: `scale it back to ${original} replicas` };
    note = { ...d, originalReplicas: original, restored: false };
    // The count the last of those runs set (on disk before it scaled): a restore writes only over it.
    const lastSet = owed.map((o) => o.note.scaledTo).filter((r) => r !== undefined).at(-1);
    if (lastSet !== undefined) note.scaledTo = lastSet;
    const skipped = settleStaleNotes(split.stale, d.workload, d.namespace, live, `mora experiment (${config.outDir})`, original);
    if (skipped) hooks.onPending?.(skipped);
    if (owed.length) {
      hooks.onPending?.(`${d.workload} in namespace ${d.namespace} has ${live} replica(s), but an earlier run (${owed.map((o) => basename(o.path)).join(', ')}) left it scaled from ${original} and did not restore it: MOrA takes ${original} as its original count`);
    }
    hooks.onScaling?.({ ...note });
  }
  // While the workload may be scaled: a lock (pid, host) beside the records, named in each, released at the end as a
  // plan's is. A plan that finds this run's pending note then sees it running, not killed (other-notes.ts).
  let lock: PlanLock | undefined;
  let lockFile: string | undefined;
  if (note) {
    lockFile = `experiment-${Date.now()}-${process.pid}-${randomBytes(3).toString('hex')}.lock`;
    mkdirSync(config.outDir, { recursive: true });
    lock = acquirePlanLock(join(config.outDir, lockFile), 'mora experiment');
  }
  const written = new Set<string>();
  const onProgress: ExperimentHooks['onProgress'] = (e) => {
    if (e.phase === 'written') written.add(e.json);
    hooks.onProgress?.(e);
  };
  const results: ExperimentResult[] = [];
  let scaled = false;
  try {
    for (const replicas of config.replicas) {
      if (hooks.signal?.aborted) break;
      const prepare = scaler ? async (jsonPath: string) => {
        hooks.onScale?.(replicas);
        scaled = true;
        if (note) {
          note.scaledTo = replicas;
          writeNote(jsonPath, note); // on disk before the count changes: a rerun after a kill restores only over it
        }
        await scaler.scale(replicas, hooks.signal);
      } : undefined;
      const r = await runExperiment({ ...config, replicas }, { ...hooks, onProgress, scaling: note, prepare, ...(lockFile ? { lockFile } : {}) });
      written.add(r.jsonPath);
      results.push(r);
      if (r.document.status !== 'complete') break;
    }
  } finally {
    try {
      if (note && (scaled || owed.length) && scaler?.restore) {
        try {
          const outcome = await scaler.restore(note.originalReplicas, note.scaledTo);
          if (outcome) note.restoreSkipped = outcome.reason;
          else note.restored = true;
        } catch (e) {
          note.restoreError = storedErrorText(e, [config.targetUrl, config.prometheusUrl]);
        }
        for (const path of written) writeNote(path, note);
        // The earlier runs' notes are settled with this one: none of them asks a later run to restore any more.
        if (note.restoreError === undefined) {
          if (owed.length) settleOtherNotes(owed, note.restored ? { restored: true } : { restoreSkipped: note.restoreSkipped! });
        }
        hooks.onScaling?.({ ...note });
      }
    } finally {
      lock?.release();
    }
  }
  return results;
}

/** Rewrites an experiment's JSON with its scaling note (atomically; a file that cannot be read is left alone). */
function writeNote(path: string, note: ScalingNote): void {
  try {
    const doc = JSON.parse(readFileSync(path, 'utf8')) as { scaling?: ScalingNote };
    doc.scaling = { ...note };
    writeFileAtomic(path, `${JSON.stringify(doc, null, 2)}\n`);
  } catch {
    // the note stays as written: restored false, with the command to do it by hand
  }
}

/**
 * Scales a Deployment/StatefulSet and polls (bounded) until status.readyReplicas reaches the count. Refuses — before
 * the original count is read, and before every scale — a workload a HorizontalPodAutoscaler targets (KEDA's
 * ScaledObjects work through one): the autoscaler would undo each count and the cells would not measure what they
 * say. Restores only over the count it set (see Scaler.restore).
 */
export function kubeScaler(kube: KubeClient, ref: WorkloadRef, opts: { timeoutMs?: number; pollMs?: number } = {}): Scaler {
  const timeoutMs = opts.timeoutMs ?? 300_000;
  const pollMs = opts.pollMs ?? 2_000;
  const kindLower = ref.kind.toLowerCase();
  const where = `namespace "${ref.namespace}" (context "${ref.context}")`;
  const noAutoscaler = async (): Promise<void> => {
    let hpas: Awaited<ReturnType<KubeClient['autoscalersOf']>>;
    try {
      hpas = await kube.autoscalersOf(ref);
    } catch (e) {
      const err = e as KubeError;
      if (err.kind !== 'forbidden') throw e;
      throw new KubeError(`${err.message} — MOrA does not scale ${ref.kind}/${ref.name} for an experiment without ruling out a HorizontalPodAutoscaler on it; nothing was scaled (grant "list" on horizontalpodautoscalers.autoscaling in ${where}; the mora-applier role in deploy/rbac/ grants it)`, 'forbidden', 403);
    }
    const h = hpas[0];
    if (!h) return;
    const hpaCmd = `kubectl --context ${ref.context} -n ${ref.namespace}`;
    throw new KubeError(`HorizontalPodAutoscaler "${h.name}" in ${where} scales ${ref.kind}/${ref.name} (${h.minReplicas ?? 1}–${h.maxReplicas} replicas): `
      + 'it would undo the replica counts the experiment sets, so MOrA does not scale this workload; nothing was scaled. '
      + `Take the autoscaler out for the experiment (${hpaCmd} get hpa ${h.name} -o yaml > ${h.name}-hpa.yaml; ${hpaCmd} delete hpa ${h.name}; re-apply the file afterwards), `
      + 'or run without scaling it (one replica count, no "workload"/--workload scaling)', 'invalid');
  };
  return {
    async current() {
      await noAutoscaler();
      const obj = await kube.read(ref) as { spec?: { replicas?: number } };
      // Kubernetes defaults an unset spec.replicas to 1.
      return obj.spec?.replicas ?? 1;
    },
    async restore(replicas, expected) {
      if (expected === undefined) {
        await kube.scale(ref, replicas);
        return;
      }
      try {
        await kube.scale(ref, replicas, { ifReplicas: expected });
      } catch (e) {
        if (!(e instanceof ReplicasChanged)) throw e;
        if (e.current === replicas) return; // already back (by hand, or the experiment never got to change it)
        return {
          left: e.current,
          reason: `${ref.kind}/${ref.name} in ${where} has ${e.current} replica(s), not the ${expected} the experiment set: it was changed during the run (by a person, a controller or an autoscaler), so MOrA left it instead of writing back the original ${replicas}; check it, and if ${replicas} is still wanted: kubectl --context ${ref.context} -n ${ref.namespace} scale ${kindLower}/${ref.name} --replicas=${replicas}`,
        };
      }
    },
    describe(replicas) {
      return {
        workload: `${ref.kind}/${ref.name}`, namespace: ref.namespace, context: ref.context,
        restoreCommand: `kubectl --context ${ref.context} -n ${ref.namespace} scale ${kindLower}/${ref.name} --replicas=${replicas}`,
      };
    },
    async scale(replicas, signal) {
      await noAutoscaler();
      await kube.scale(ref, replicas);
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const obj = await kube.read(ref) as { metadata?: { generation?: number }; status?: { readyReplicas?: number; observedGeneration?: number } };
        const ready = obj.status?.readyReplicas ?? 0;
        const observed = (obj.status?.observedGeneration ?? 0) >= (obj.metadata?.generation ?? 0);
        if (observed && ready === replicas) return;
        if (signal?.aborted) throw new KubeError(`cancelled while waiting for ${ref.kind} "${ref.name}" to have ${replicas} ready replicas`, 'other');
        if (Date.now() > deadline) {
          throw new KubeError(`${ref.kind} "${ref.name}" in namespace "${ref.namespace}" has ${ready} of ${replicas} replicas ready after ${Math.round(timeoutMs / 1000)} s — check its pods (kubectl describe)`, 'other');
        }
        await new Promise((r) => setTimeout(r, pollMs));
      }
    },
  };
}
