/**
 * Reads VerticalPodAutoscalers and writes MOrA's status to those that name MOrA (`spec.recommenders: [{name: mora}]`)
 * through the status subresource (`verticalpodautoscalers/status`, a JSON merge patch pinned to the resourceVersion it
 * read; a 409 Conflict re-reads and retries). Any other VPA is never written: the check is here, not in the callers.
 * A status equal to what the object already carries is not written again (no-op runs cost no writes).
 */
import type * as k8s from '@kubernetes/client-node';
import { KubeError, kubeError, type KubeAction } from './errors';
import { findKubeconfig, loadKubeconfig } from './kubeconfig';
import { loadClientNode } from './load';
import { MERGE_PATCH } from './patch';
import { VPA_GROUP, VPA_PLURAL, VPA_VERSION, isMoraVpa, withConfirmation, type VpaObject, type VpaStatus } from './vpa-status';

export interface VpaWriterOptions {
  /** A kubeconfig file (or list); default as kubectl, then the in-cluster service account. */
  kubeconfig?: string;
  /** The context to use; default the kubeconfig's current one. */
  context?: string;
  /** Per-call timeout. Default 30 s. */
  timeoutMs?: number;
  /** Attempts on 409 Conflict. Default 5. */
  conflictRetries?: number;
  /** The clock of the freshness stamp (CONFIRMED_CONDITION), ms. Default Date.now. */
  now?: () => number;
}

export type WriteOutcome = 'written' | 'unchanged';

export class VpaWriter {
  readonly context: string;
  private readonly api: k8s.CustomObjectsApi;
  private readonly server?: string;
  private readonly timeoutMs: number;
  private readonly conflictRetries: number;
  private readonly now: () => number;
  /** Status writes sent (conflict retries included). */
  writes = 0;

  constructor(options: VpaWriterOptions = {}) {
    const k = loadClientNode();
    const kc = loadKubeconfig(k, findKubeconfig({ explicit: options.kubeconfig }));
    if (options.context) {
      if (!kc.getContextObject(options.context)) throw new KubeError(`no context "${options.context}" in the kubeconfig`, 'config');
      kc.setCurrentContext(options.context);
    }
    this.context = kc.getCurrentContext();
    this.server = kc.getCurrentCluster()?.server;
    this.api = kc.makeApiClient(k.CustomObjectsApi);
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.conflictRetries = Math.max(1, options.conflictRetries ?? 5);
    this.now = options.now ?? Date.now;
  }

  private async call<T>(p: Promise<T>, a: Omit<KubeAction, 'context' | 'server' | 'group' | 'resource'> & { resource?: string }): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_r, reject) => {
      timer = setTimeout(() => reject(new KubeError(`the Kubernetes API at ${this.server ?? '?'} did not answer within ${Math.round(this.timeoutMs / 1000)} s`, 'unreachable')), this.timeoutMs);
    });
    try {
      return await Promise.race([p, timeout]);
    } catch (e) {
      throw kubeError(e, { resource: VPA_PLURAL, group: VPA_GROUP, context: this.context, server: this.server, ...a });
    } finally {
      clearTimeout(timer);
    }
  }

  /** The VPAs of a namespace (all of them; filter with isMoraVpa). */
  async list(namespace: string): Promise<VpaObject[]> {
    const out = await this.call(this.api.listNamespacedCustomObject({ group: VPA_GROUP, version: VPA_VERSION, namespace, plural: VPA_PLURAL }), { verb: 'list', namespace });
    return ((out as { items?: VpaObject[] }).items ?? []);
  }

  async read(namespace: string, name: string): Promise<VpaObject> {
    return await this.call(this.api.getNamespacedCustomObject({ group: VPA_GROUP, version: VPA_VERSION, namespace, plural: VPA_PLURAL, name }), { verb: 'get', namespace, name }) as VpaObject;
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
      if (!isMoraVpa(current)) throw new KubeError(`VerticalPodAutoscaler ${namespace}/${name} does not name "mora" in spec.recommenders: MOrA leaves it to its own recommender`, 'invalid');
      // Every status that provides a recommendation carries MOrA's freshness stamp (renewed at most hourly).
      const status = withConfirmation(current.status, build(current), this.now(), (a, b) => canonical(a) === canonical(b));
      if (sameStatus(current.status, status)) return 'unchanged';
      const body = { metadata: { resourceVersion: current.metadata.resourceVersion }, status };
      const options = loadClientNode().setHeaderOptions('Content-Type', MERGE_PATCH);
      try {
        this.writes++;
        await this.call(this.api.patchNamespacedCustomObjectStatus({ group: VPA_GROUP, version: VPA_VERSION, namespace, plural: VPA_PLURAL, name, body }, options),
          { verb: 'patch', resource: `${VPA_PLURAL}/status`, namespace, name });
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
