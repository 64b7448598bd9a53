/**
 * An experiment plan: one service × several replica counts × the load levels. Before each replica count the scaler
 * sets the replicas and waits until they are ready; each count is one experiment (one CSV + one JSON). Cancelling
 * stops after the running experiment has written its partial result.
 */
import type { KubeClient } from '../kube/client';
import { KubeError } from '../kube/errors';
import type { WorkloadRef } from '../../core/workload';
import { runExperiment, type ExperimentConfig, type ExperimentHooks, type ExperimentResult } from './runner';

export interface Scaler {
  /** Sets the replicas and resolves once that many are ready. */
  scale(replicas: number, signal?: AbortSignal): Promise<void>;
}

export interface PlanConfig extends Omit<ExperimentConfig, 'replicas'> {
  replicas: number[];
}

export async function runExperimentPlan(config: PlanConfig, scaler: Scaler | undefined, hooks: ExperimentHooks & { onScale?: (replicas: number) => void } = {}): Promise<ExperimentResult[]> {
  if (!config.replicas.length) throw new Error('no replica counts given');
  if (config.replicas.length > 1 && !scaler) throw new Error('several replica counts need a way to scale the workload (a Kubernetes workload and kubeconfig)');
  const results: ExperimentResult[] = [];
  for (const replicas of config.replicas) {
    if (hooks.signal?.aborted) break;
    if (scaler) {
      hooks.onScale?.(replicas);
      await scaler.scale(replicas, hooks.signal);
    }
    const r = await runExperiment({ ...config, replicas }, hooks);
    results.push(r);
    if (r.document.status !== 'complete') break;
  }
  return results;
}

/** Scales a Deployment/StatefulSet and polls (bounded) until status.readyReplicas reaches the count. */
export function kubeScaler(kube: KubeClient, ref: WorkloadRef, opts: { timeoutMs?: number; pollMs?: number } = {}): Scaler {
  const timeoutMs = opts.timeoutMs ?? 300_000;
  const pollMs = opts.pollMs ?? 2_000;
  return {
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
