/**
 * A fast "can this API server be connected to at all?" check, raced beside the first API call of a context.
 *
 * Why: a stale kubeconfig context whose API server never answers (a decommissioned cluster behind a VPN, a black-holed
 * IP: SYNs dropped) would otherwise cost the whole per-call timeout (30 s, which must stay long: big lists on big
 * clusters are slow but live), once per dead context. The probe opens the TCP connection and completes the TLS
 * handshake (no request is sent, the certificate is not judged — the real call does that) within a short connect
 * timeout. Only a probe that times out fails the call: a refused connection or an unknown host is reported, faster
 * and more precisely, by the call itself.
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import { stripUserinfo } from '../../core/redact';
import { KubeError } from './errors';

/** Default connect timeout (TCP + TLS handshake); a live API server completes both in well under a second. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

/**
 * A connect timeout given in seconds (--connect-timeout, mora.kubernetes.connectTimeoutSeconds) as milliseconds;
 * undefined/empty → undefined (the default). 0 turns the probe off. Anything else that is not a finite number ≥ 0 throws
 * a RangeError naming `name`, for the caller to report as bad input.
 */
export function connectTimeoutMsFromSeconds(raw: string | number | undefined, name: string): number | undefined {
  if (raw === undefined || (typeof raw === 'string' && raw.trim() === '')) return undefined;
  const seconds = typeof raw === 'number' ? raw : /^\s*[0-9]*\.?[0-9]+\s*$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new RangeError(`${name} must be a number of seconds ≥ 0 (e.g. 5; 0 turns the connect check off), got "${raw}"`);
  }
  return Math.round(seconds * 1000);
}

export interface ProbeTarget {
  /** The cluster's server URL (as in the kubeconfig). */
  server: string;
  /** The kubeconfig context (for the message). */
  context: string;
  /** clusters[].tls-server-name, when set: the SNI the handshake must carry. */
  tlsServerName?: string;
}

/**
 * Resolves once a TCP connection (and for https a TLS handshake) completed; rejects with a KubeError kind
 * "unreachable" when that took longer than `timeoutMs`; never settles on any other outcome (refused, DNS failure,
 * a malformed URL): those are the real call's to report.
 */
export function probeConnect(target: ProbeTarget, timeoutMs: number): Promise<void> {
  let url: URL;
  try {
    url = new URL(target.server);
  } catch {
    return new Promise<void>(() => undefined);
  }
  const secure = url.protocol === 'https:';
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(url.port || (secure ? 443 : 80));
  const shown = `${url.protocol}//${url.host}`;
  return new Promise<void>((resolve, reject) => {
    const socket: net.Socket = secure
      ? tls.connect({ host, port, servername: target.tlsServerName ?? (net.isIP(host) ? undefined : host), rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] }, () => done())
      : net.connect({ host, port }, () => done());
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new KubeError(`cannot connect to ${shown} (context "${target.context}") within ${Math.round(timeoutMs / 100) / 10} s — is the cluster gone or the VPN down?`, 'unreachable'));
    }, timeoutMs);
    timer.unref();
    function done(): void {
      clearTimeout(timer);
      socket.destroy();
      resolve();
    }
    socket.on('error', () => clearTimeout(timer)); // refused, DNS, reset: the call reports it
  });
}

/** The cluster fields a probe needs (client-node's Cluster, as the kubeconfig names them). */
export interface ProbedCluster {
  server?: string;
  proxyUrl?: string;
  tlsServerName?: string;
}

/**
 * One client's connect probes, per context: `failure` rejects when the context's API server cannot be connected to
 * within the connect timeout, and otherwise never settles — race it beside each API call. One probe serves a context's
 * calls for a minute; a failed one is forgotten, so a VPN that comes back is noticed. Shared by every client of the API
 * (KubeClient for kubeconfig contexts, connectKube for the in-cluster classes, PrometheusDiscovery).
 */
export class ConnectProbes {
  private readonly probes = new Map<string, { failed: Promise<never>; at: number }>();
  private readonly connectTimeoutMs: number;

  /** `connectTimeoutMs` 0 (or not shorter than the call's own timeout, which would report first anyway) turns probing off. */
  constructor(connectTimeoutMs: number | undefined, private readonly callTimeoutMs: number) {
    this.connectTimeoutMs = Math.max(0, connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
  }

  failure(context: string, cluster: ProbedCluster | null | undefined): Promise<never> {
    const never = new Promise<never>(() => undefined);
    if (this.connectTimeoutMs === 0 || this.connectTimeoutMs >= this.callTimeoutMs) return never;
    if (!cluster?.server || cluster.proxyUrl) return never; // through a proxy, the server's own reachability is not ours to see
    const cached = this.probes.get(context);
    if (cached && Date.now() - cached.at < 60_000) return cached.failed;
    const entry = {
      at: Date.now(),
      failed: probeConnect({ server: stripUserinfo(cluster.server), context, tlsServerName: cluster.tlsServerName }, this.connectTimeoutMs)
        .then(() => never, (e: unknown) => {
          if (this.probes.get(context) === entry) this.probes.delete(context);
          throw e;
        }),
    };
    entry.failed.catch(() => undefined); // raced by every call that shares it; never an unhandled rejection
    this.probes.set(context, entry);
    return entry.failed;
  }
}
