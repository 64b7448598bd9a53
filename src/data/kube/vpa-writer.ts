/**
 * Reads VerticalPodAutoscalers and writes MOrA's status to those that name MOrA (`spec.recommenders: [{name: mora}]`)
 * through the status subresource (`verticalpodautoscalers/status`, a JSON merge patch pinned to the resourceVersion it
 * read; a 409 Conflict re-reads and retries). Any other VPA is never written: the check is here, not in the callers.
 * A status equal to what the object already carries is not written again (no-op runs cost no writes).
 *
 * One writer may have many writes in flight (the in-cluster run sends them with bounded concurrency): it holds no
 * per-write state. A 429 Too Many Requests (the API server's max-in-flight or API Priority and Fairness limit) waits
 * what its Retry-After says (capped) and sends the same request again — the VPA list and read as well as the patch —
 * a few times (throttle.ts), then fails as a transient error (kind 'unreachable', 429: the shard exits 3).
 */
import type * as k8s from '@kubernetes/client-node';
import { connectKube, type ConnectionOptions, type KubeConnection } from './connection';
import { KubeError, kubeError, type KubeAction } from './errors';
import { FIELD_MANAGER, MERGE_PATCH } from './patch';
import { retryAfterMs, retryThrottled, type ThrottleSignal } from './throttle';
import { VPA_GROUP, VPA_PLURAL, VPA_VERSION, isMoraVpa, withConfirmation, type VpaObject, type VpaStatus } from './vpa-status';

/** kubeconfig: a file (or list), default as kubectl, then the in-cluster service account; context: default the current one. */
export interface VpaWriterOptions extends ConnectionOptions {
  /** Attempts on 409 Conflict. Default 5. */
  conflictRetries?: number;
  /** The clock of the freshness stamp (CONFIRMED_CONDITION), ms. Default Date.now. */
  now?: () => number;
  /**
   * Reuse connections (an HTTP keep-alive agent). Off by default — `MORA_KUBE_KEEPALIVE=1` turns it on: it goes through a
   * method client-node does not export, and on the loaded 2-core test machine its gain was within the noise
   * (docs/BENCHMARKS.md § In-cluster status writes), so it is not worth depending on that method by default.
   */
  keepAlive?: boolean;
  /** Attempts of one patch answered 429 Too Many Requests. Default 5. */
  throttleRetries?: number;
  /** The longest wait a Retry-After may ask for, ms (a longer one is cut to this). Default 30 s. */
  maxRetryAfterMs?: number;
}

/**
 * Makes client-node's HTTPS agent keep connections alive. client-node builds one agent per cluster and caches it, in a
 * method it does not export (KubeConfig#createAgent) and without keepAlive: each request then pays a TCP + TLS
 * handshake (client certificates verified by the API server). When that method is not there (another client-node
 * version), nothing changes. Idle kept-alive sockets do not keep the process alive (the shard exits when done).
 */
function keepAliveAgent(kc: k8s.KubeConfig): void {
  const target = kc as unknown as { createAgent?: (cluster: unknown, agentOptions: Record<string, unknown>) => unknown };
  const create = target.createAgent;
  if (typeof create !== 'function') return;
  target.createAgent = (cluster, agentOptions) => create.call(kc, cluster, { ...agentOptions, keepAlive: true });
}

/** A KubeError for a 429, with the wait its Retry-After asked for (ms), when it said one. */
type Throttled = KubeError & { retryAfterMs?: number };

export { retryAfterMs };

/** A KubeError of this.call read for the throttle loop. */
const throttleOf = (e: unknown): ThrottleSignal => ((e as Throttled)?.status === 429 ? { throttled: true, retryAfterMs: (e as Throttled).retryAfterMs } : { throttled: false });

export type WriteOutcome = 'written' | 'unchanged';

export class VpaWriter {
  readonly context: string;
  private readonly api: k8s.CustomObjectsApi;
  private readonly connection: KubeConnection;
  private readonly conflictRetries: number;
  private readonly now: () => number;
  private readonly throttleRetries: number;
  private readonly maxRetryAfterMs: number;
  /** Status writes sent (conflict and 429 retries included). */
  writes = 0;
  /** Patches answered 429 Too Many Requests (each waited for and sent again, or the write failed). */
  throttled = 0;

  constructor(options: VpaWriterOptions = {}) {
    const conn = connectKube(options);
    this.context = conn.context;
    this.connection = conn;
    if (options.keepAlive ?? process.env.MORA_KUBE_KEEPALIVE === '1') keepAliveAgent(conn.kc);
    this.api = conn.kc.makeApiClient(conn.k.CustomObjectsApi);
    this.conflictRetries = Math.max(1, options.conflictRetries ?? 5);
    this.now = options.now ?? Date.now;
    this.throttleRetries = Math.max(1, options.throttleRetries ?? 5);
    this.maxRetryAfterMs = Math.max(0, options.maxRetryAfterMs ?? 30_000);
  }

  private call<T>(p: Promise<T> | ((o: k8s.ConfigurationOptions) => Promise<T>), a: Omit<KubeAction, 'context' | 'server' | 'group' | 'resource'> & { resource?: string }): Promise<T> {
    return this.connection.call(p, { resource: VPA_PLURAL, group: VPA_GROUP, ...a }, (err: Throttled, raw: unknown) => {
      if (err.status === 429) err.retryAfterMs = retryAfterMs((raw as { headers?: unknown }).headers);
    });
  }

  /** A request with its 429s waited out (throttle.ts): reads and status patches alike. */
  private withThrottle<T>(send: () => Promise<T>): Promise<T> {
    return retryThrottled(send, throttleOf, { attempts: this.throttleRetries, maxRetryAfterMs: this.maxRetryAfterMs, onThrottled: () => { this.throttled++; } },
      (e) => new KubeError(`${(e as Error).message} — still throttled after ${this.throttleRetries} attempts`, 'unreachable', 429));
  }

  /** The VPAs of a namespace (all of them; filter with isMoraVpa). */
  async list(namespace: string): Promise<VpaObject[]> {
    const out = await this.withThrottle(() => this.call(this.api.listNamespacedCustomObject({ group: VPA_GROUP, version: VPA_VERSION, namespace, plural: VPA_PLURAL }), { verb: 'list', namespace }));
    return ((out as { items?: VpaObject[] }).items ?? []);
  }

  async read(namespace: string, name: string): Promise<VpaObject> {
    return await this.withThrottle(() => this.call(this.api.getNamespacedCustomObject({ group: VPA_GROUP, version: VPA_VERSION, namespace, plural: VPA_PLURAL, name }), { verb: 'get', namespace, name })) as VpaObject;
  }

  /**
   * Writes the status `build` makes from the VPA as just read. Refuses (KubeError 'invalid') a VPA that does not name
   * MOrA as its recommender. Returns 'unchanged' without writing when the status is already that.
   */
  async writeStatus(vpa: VpaObject, build: (current: VpaObject) => VpaStatus): Promise<WriteOutcome> {
    const { namespace, name } = vpa.metadata;
    let current = vpa;
    let last: KubeError | undefined;
    for (let attempt = 1; attempt <= this.conflictRetries; attempt++) {
      if (!isMoraVpa(current)) throw new KubeError(`VerticalPodAutoscaler ${namespace}/${name}: spec.recommenders is not exactly [{name: mora}]: MOrA leaves it to its own recommender(s)`, 'invalid');
      // Every status that provides a recommendation carries MOrA's freshness stamp (renewed at most hourly).
      const status = withConfirmation(current.status, build(current), this.now(), (a, b) => canonical(a) === canonical(b));
      if (sameStatus(current.status, status)) return 'unchanged';
      const body = { metadata: { resourceVersion: current.metadata.resourceVersion }, status };
      try {
        await this.patchStatus(namespace, name, body);
        return 'written';
      } catch (e) {
        last = e instanceof KubeError ? e : kubeError(e, { verb: 'patch', resource: `${VPA_PLURAL}/status`, group: VPA_GROUP, namespace, name, context: this.context });
        if (last.kind !== 'conflict') throw last;
        await new Promise((r) => setTimeout(r, 50 * attempt * (0.5 + Math.random())));
        current = await this.read(namespace, name);
      }
    }
    throw new KubeError(`${last?.message ?? 'conflict'} — gave up after ${this.conflictRetries} attempts`, 'conflict', 409);
  }

  /**
   * One status patch; a 429 waits its Retry-After (else 1 s, 2 s, …; capped, with jitter) and sends the same body again.
   * Still throttled after the attempts: a transient failure (kind 'unreachable', 429), so the shard exits 3.
   */
  private async patchStatus(namespace: string, name: string, body: unknown): Promise<void> {
    await this.withThrottle(async () => {
      this.writes++;
      await this.call((o) => this.api.patchNamespacedCustomObjectStatus({ group: VPA_GROUP, version: VPA_VERSION, namespace, plural: VPA_PLURAL, name, body: body as object, fieldManager: FIELD_MANAGER }, this.connection.k.setHeaderOptions('Content-Type', MERGE_PATCH, o)),
        { verb: 'patch', resource: `${VPA_PLURAL}/status`, namespace, name });
    });
  }
}

/** JSON with object keys sorted: the API server gives custom objects back with their keys in its own order. */
function canonical(x: unknown): string {
  if (Array.isArray(x)) return `[${x.map(canonical).join(',')}]`;
  if (x && typeof x === 'object') return `{${Object.keys(x).sort().map((k) => `${JSON.stringify(k)}:${canonical((x as Record<string, unknown>)[k])}`).join(',')}}`;
  return JSON.stringify(x ?? null);
}

/** Whether `next` (a merge patch of the status) would change nothing in `current`. */
export function sameStatus(current: VpaStatus | undefined, next: VpaStatus): boolean {
  if (!current) return false;
  if (next.recommendation !== undefined && canonical(current.recommendation) !== canonical(next.recommendation)) return false;
  if (next.conditions !== undefined && canonical(current.conditions) !== canonical(next.conditions)) return false;
  return true;
}
