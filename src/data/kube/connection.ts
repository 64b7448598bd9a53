/**
 * What the in-cluster API classes (VPA reader, writer, creator; the shared model's ConfigMap) need from a kubeconfig:
 * client-node loaded on first use, the context chosen, and a call that cannot hang — each request races a timeout and
 * any failure becomes a KubeError that names the context, the server and what was asked.
 */
import type * as k8s from '@kubernetes/client-node';
import { KubeError, kubeError, type KubeAction } from './errors';
import { findKubeconfig, loadKubeconfig } from './kubeconfig';
import { loadClientNode, type ClientNode } from './load';

export interface ConnectionOptions {
  kubeconfig?: string;
  context?: string;
  /** Per-call timeout. Default 30 s. */
  timeoutMs?: number;
}

export interface KubeConnection {
  k: ClientNode;
  kc: k8s.KubeConfig;
  context: string;
  server?: string;
  timeoutMs: number;
  /**
   * `p` within the timeout; a failure as a KubeError about `action`. `annotate` sees the raw failure next to it (e.g. a
   * 429's Retry-After header, which the KubeError does not keep).
   */
  call<T>(p: Promise<T>, action: Omit<KubeAction, 'context' | 'server'>, annotate?: (err: KubeError, raw: unknown) => void): Promise<T>;
}

export function connectKube(options: ConnectionOptions = {}): KubeConnection {
  const k = loadClientNode();
  const kc = loadKubeconfig(k, findKubeconfig({ explicit: options.kubeconfig }));
  if (options.context) {
    if (!kc.getContextObject(options.context)) throw new KubeError(`no context "${options.context}" in the kubeconfig`, 'config');
    kc.setCurrentContext(options.context);
  }
  const context = kc.getCurrentContext();
  const server = kc.getCurrentCluster()?.server;
  const timeoutMs = options.timeoutMs ?? 30_000;
  return {
    k, kc, context, server, timeoutMs,
    async call(p, action, annotate) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_r, reject) => {
        timer = setTimeout(() => reject(new KubeError(`the Kubernetes API at ${server ?? '?'} did not answer within ${Math.round(timeoutMs / 1000)} s`, 'unreachable')), timeoutMs);
      });
      try {
        return await Promise.race([p, timeout]);
      } catch (e) {
        const err = kubeError(e, { context, server, ...action });
        annotate?.(err, e);
        throw err;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
