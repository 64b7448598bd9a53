/**
 * What the in-cluster API classes (VPA reader, writer, creator; the shared model's ConfigMap) need from a kubeconfig:
 * client-node loaded on first use, the context chosen, and a call that cannot hang — each request races a timeout and
 * the context's connect probe (connect-probe.ts: a pod whose API server address is black-holed fails after the connect
 * timeout, not the call timeout), and any failure becomes a KubeError that names the context, the server and what was
 * asked.
 */
import type * as k8s from '@kubernetes/client-node';
import { abortOptions } from './abort';
import { KubeError, kubeError, type KubeAction, type KubeconfigHint } from './errors';
import { ConnectProbes } from './connect-probe';
import { AppliedCredentials, kubeconfigSecrets, redactedKubeError } from './credential-redaction';
import { contextFileProblem, findKubeconfig, loadKubeconfig, type KubeconfigLookup } from './kubeconfig';
import { loadClientNode, type ClientNode } from './load';

export interface ConnectionOptions extends Pick<KubeconfigLookup, 'env' | 'home' | 'serviceAccountDir'> {
  kubeconfig?: string;
  /** The way out a kubeconfig error names (KubeClientOptions.kubeconfigHint); default the CLI's flags. */
  kubeconfigHint?: KubeconfigHint;
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
   * 429's Retry-After header, which the KubeError does not keep). Given as a function of request options (pass them to
   * the client-node call), the request is aborted when the timeout or the connect probe gives up — writes are — and
   * a write given up on says its outcome is unknown.
   */
  call<T>(p: Promise<T> | ((options: k8s.ConfigurationOptions) => Promise<T>), action: Omit<KubeAction, 'context' | 'server'>, annotate?: (err: KubeError, raw: unknown) => void): Promise<T>;
}

export function connectKube(options: ConnectionOptions = {}): KubeConnection {
  const k = loadClientNode();
  const kc = loadKubeconfig(k, findKubeconfig({ explicit: options.kubeconfig, env: options.env, home: options.home, serviceAccountDir: options.serviceAccountDir }), options.kubeconfigHint);
  // Credentials a failure message may echo: the kubeconfig's, and whatever each request carried (exec plugin, token file).
  const applied = new AppliedCredentials();
  applied.track(kc);
  if (options.context) {
    if (!kc.getContextObject(options.context)) throw new KubeError(`no context "${options.context}" in the kubeconfig`, 'config');
    kc.setCurrentContext(options.context);
  }
  const context = kc.getCurrentContext();
  const unreadable = contextFileProblem(kc, context);
  if (unreadable) throw unreadable;
  const server = kc.getCurrentCluster()?.server;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const probes = new ConnectProbes(options.connectTimeoutMs, timeoutMs);
  return {
    k, kc, context, server, timeoutMs,
    async call(p, action, annotate) {
      let timer: NodeJS.Timeout | undefined;
      const abort = new AbortController();
      let settled = false;
      const giveUp = (e: unknown): never => {
        if (!settled) abort.abort();
        throw e;
      };
      const timeout = new Promise<never>((_r, reject) => {
        timer = setTimeout(() => reject(new KubeError(`the Kubernetes API at ${server ?? '?'} did not answer within ${Math.round(timeoutMs / 1000)} s`, 'unreachable')), timeoutMs);
      });
      try {
        const request = (typeof p === 'function' ? p(abortOptions(k, abort.signal)) : p).finally(() => { settled = true; });
        return await Promise.race([request, timeout.catch(giveUp), probes.failure(context, kc.getCurrentCluster()).catch(giveUp)]);
      } catch (e) {
        let err = redactedKubeError(kubeError(e, { context, server, ...action }), [...kubeconfigSecrets(kc), ...applied.list()]);
        if (abort.signal.aborted && action.verb !== 'get' && action.verb !== 'list') {
          const what = `${action.resource}${action.group ? `.${action.group}` : ''} ${action.namespace ? `${action.namespace}/` : ''}${action.name ?? ''}`.trim();
          err = new KubeError(`${err.message} — the ${action.verb} of ${what} was sent but not answered: it may or may not have been applied; check with kubectl get ${action.resource.replace(/\/.*$/, '')}${action.group ? `.${action.group}` : ''}${action.name ? ` ${action.name}` : ''}${action.namespace ? ` -n ${action.namespace}` : ''} --context ${context}`, err.kind, err.status);
        }
        annotate?.(err, e);
        throw err;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
