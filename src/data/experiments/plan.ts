/**
 * An experiment plan: one service × several replica counts × the load levels. Before each replica count the scaler
 * sets the replicas and waits until they are ready; each count is one experiment (one CSV + one JSON). Cancelling
 * stops after the running experiment has written its partial result.
 *
 * A plan that scales a workload puts its original replica count back when it ends — done, failed or cancelled — and
 * every experiment's JSON carries a `scaling` note (the original count, the command that restores it by hand) from
 * the moment it starts, updated to `restored: true` once the count is back.
 */
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../../core/atomic-write';
import type { KubeClient } from '../kube/client';
import { KubeError } from '../kube/errors';
import type { WorkloadRef } from '../../core/workload';
import { runExperiment, type ExperimentConfig, type ExperimentHooks, type ExperimentResult, type ScalingNote } from './runner';

export interface Scaler {
  /** Sets the replicas and resolves once that many are ready. */
  scale(replicas: number, signal?: AbortSignal): Promise<void>;
  /** The replica count before the plan changes it (what the plan restores). Without it the plan restores nothing. */
  current?(): Promise<number>;
  /** Sets the replicas back at the end, without waiting for pods. */
  restore?(replicas: number): Promise<void>;
  /** Which workload, for the JSON note and messages, and the command that restores `replicas` by hand. */
  describe?(replicas: number): Omit<ScalingNote, 'originalReplicas' | 'restored'>;
}

export interface PlanConfig extends Omit<ExperimentConfig, 'replicas'> {
  replicas: number[];
}

export interface PlanHooks extends Omit<ExperimentHooks, 'scaling' | 'prepare'> {
  onScale?: (replicas: number) => void;
  /** The scaling note when the plan has read the original count, and again once it has restored it (or failed to). */
  onScaling?: (note: ScalingNote) => void;
}

export async function runExperimentPlan(config: PlanConfig, scaler: Scaler | undefined, hooks: PlanHooks = {}): Promise<ExperimentResult[]> {
  if (!config.replicas.length) throw new Error('no replica counts given');
  if (config.replicas.length > 1 && !scaler) throw new Error('several replica counts need a way to scale the workload (a Kubernetes workload and kubeconfig)');
  let note: ScalingNote | undefined;
  if (scaler?.current && scaler.restore) {
    const original = await scaler.current();
    const d = scaler.describe?.(original) ?? { workload: 'the workload', namespace: '', restoreCommand: `scale it back to ${original} replicas` };
    note = { ...d, originalReplicas: original, restored: false };
    hooks.onScaling?.({ ...note });
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
      const prepare = scaler ? async () => {
        hooks.onScale?.(replicas);
        scaled = true;
        await scaler.scale(replicas, hooks.signal);
      } : undefined;
      const r = await runExperiment({ ...config, replicas }, { ...hooks, onProgress, scaling: note, prepare });
      written.add(r.jsonPath);
      results.push(r);
      if (r.document.status !== 'complete') break;
    }
  } finally {
    if (note && scaled && scaler?.restore) {
      try {
        await scaler.restore(note.originalReplicas);
        note.restored = true;
      } catch (e) {
        note.restoreError = (e as Error)?.message ?? String(e);
      }
      for (const path of written) markRestored(path, note);
      hooks.onScaling?.({ ...note });
    }
  }
  return results;
}

/** Rewrites an experiment's JSON with the final scaling note (atomically; a file that cannot be read is left alone). */
function markRestored(path: string, note: ScalingNote): void {
  try {
    const doc = JSON.parse(readFileSync(path, 'utf8')) as { scaling?: ScalingNote };
    doc.scaling = { ...note };
    writeFileAtomic(path, `${JSON.stringify(doc, null, 2)}\n`);
  } catch {
    // the note stays as written: restored false, with the command to do it by hand
  }
}

/** Scales a Deployment/StatefulSet and polls (bounded) until status.readyReplicas reaches the count. */
export function kubeScaler(kube: KubeClient, ref: WorkloadRef, opts: { timeoutMs?: number; pollMs?: number } = {}): Scaler {
  const timeoutMs = opts.timeoutMs ?? 300_000;
  const pollMs = opts.pollMs ?? 2_000;
  const kindLower = ref.kind.toLowerCase();
  return {
    async current() {
      const obj = await kube.read(ref) as { spec?: { replicas?: number } };
      // Kubernetes defaults an unset spec.replicas to 1.
      return obj.spec?.replicas ?? 1;
    },
    async restore(replicas) {
      await kube.scale(ref, replicas);
    },
    describe(replicas) {
      return {
        workload: `${ref.kind}/${ref.name}`, namespace: ref.namespace, context: ref.context,
        restoreCommand: `kubectl --context ${ref.context} -n ${ref.namespace} scale ${kindLower}/${ref.name} --replicas=${replicas}`,
      };
    },
    async scale(replicas, signal) {
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
