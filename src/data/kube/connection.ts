/**
 * What the in-cluster API classes (VPA reader, writer, creator; the shared model's ConfigMap) need from a kubeconfig:
 * client-node loaded on first use, the context chosen, and a call that cannot hang — each request races a timeout and
 * the context's connect probe (connect-probe.ts: a pod whose API server address is black-holed fails after the connect
 * timeout, not the call timeout), and any failure becomes a KubeError that names the context, the server and what was
 * asked.
 */
import type * as k8s from '@kubernetes/client-node';
import { KubeError, kubeError, type KubeAction } from './errors';
import { ConnectProbes } from './connect-probe';
import { findKubeconfig, loadKubeconfig, type KubeconfigLookup } from './kubeconfig';
import { loadClientNode, type ClientNode } from './load';

export interface ConnectionOptions extends Pick<KubeconfigLookup, 'env' | 'home' | 'serviceAccountDir'> {
  kubeconfig?: string;
  context?: string;
  /** Per-call timeout. Default 30 s. */
  timeoutMs?: number;
  /** Connect timeout (TCP + TLS handshake, probed beside the calls; as KubeClientOptions.connectTimeoutMs). Default 5 s; 0 = off. */
  connectTimeoutMs?: number;
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
  const kc = loadKubeconfig(k, findKubeconfig({ explicit: options.kubeconfig, env: options.env, home: options.home, serviceAccountDir: options.serviceAccountDir }));
  if (options.context) {
    if (!kc.getContextObject(options.context)) throw new KubeError(`no context "${options.context}" in the kubeconfig`, 'config');
    kc.setCurrentContext(options.context);
  }
  const context = kc.getCurrentContext();
  const server = kc.getCurrentCluster()?.server;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const probes = new ConnectProbes(options.connectTimeoutMs, timeoutMs);
  return {
    k, kc, context, server, timeoutMs,
    async call(p, action, annotate) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_r, reject) => {
        timer = setTimeout(() => reject(new KubeError(`the Kubernetes API at ${server ?? '?'} did not answer within ${Math.round(timeoutMs / 1000)} s`, 'unreachable')), timeoutMs);
      });
      try {
        return await Promise.race([p, timeout, probes.failure(context, kc.getCurrentCluster())]);
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
