/**
 * The API side of creating MOrA's `updateMode: "Off"` VPAs (which ones: vpa-create.ts): the opted-in namespaces (one
 * list of namespaces with the label selector — the same `list namespaces` the run already has) and the create itself.
 * A 409 AlreadyExists (another run, or a retried shard, got there first) is not a failure: the object under that name
 * is read back, and it is the VPA MOrA wanted when it targets the same workload.
 */
import type * as k8s from '@kubernetes/client-node';
import { KubeError } from './errors';
import { connectKube, type ConnectionOptions, type KubeConnection } from './connection';
import { CREATE_VPA_SELECTOR, sameVpaTarget, type VpaToCreate } from './vpa-create';
import { VPA_GROUP, VPA_PLURAL, VPA_VERSION, type VpaObject } from './vpa-status';
import { FIELD_MANAGER } from './patch';
import { keepRetryAfter, kubeThrottle, retryThrottled } from './throttle';

export type VpaCreatorOptions = ConnectionOptions;

/** created: MOrA created it now; exists: a VPA by that name for that workload was there already (409); taken: the name holds a VPA for something else. */
export type CreateOutcome = { outcome: 'created'; vpa: VpaObject } | { outcome: 'exists'; vpa: VpaObject } | { outcome: 'taken'; vpa: VpaObject };

export class VpaCreator {
  private readonly core: k8s.CoreV1Api;
  private readonly custom: k8s.CustomObjectsApi;
  private readonly call: KubeConnection['call'];
  /** Create calls sent. */
  creates = 0;

  constructor(options: VpaCreatorOptions = {}) {
    const conn = connectKube(options);
    this.core = conn.kc.makeApiClient(conn.k.CoreV1Api);
    this.custom = conn.kc.makeApiClient(conn.k.CustomObjectsApi);
    this.call = conn.call;
  }

  /** The namespaces labelled `mora.dev/create-vpa=true` (filtered by the API server); a 429 is waited out (throttle.ts). */
  async optedInNamespaces(): Promise<Set<string>> {
    const list = await retryThrottled(() => this.call(this.core.listNamespace({ labelSelector: CREATE_VPA_SELECTOR }), { verb: 'list', resource: 'namespaces', group: '' }, keepRetryAfter), kubeThrottle);
    return new Set(list.items.map((n) => n.metadata?.name ?? '').filter(Boolean));
  }

  /** Creates the VPA; a 409 reads back what holds the name. Other failures throw a KubeError (403: the create-vpas component is missing). */
  async create(v: VpaToCreate): Promise<CreateOutcome> {
    const a = { verb: 'create' as const, resource: VPA_PLURAL, group: VPA_GROUP, namespace: v.namespace, name: v.name };
    try {
      this.creates++;
      const vpa = await this.call((o) => this.custom.createNamespacedCustomObject({ group: VPA_GROUP, version: VPA_VERSION, namespace: v.namespace, plural: VPA_PLURAL, body: v.manifest, fieldManager: FIELD_MANAGER }, o), a) as VpaObject;
      return { outcome: 'created', vpa };
    } catch (e) {
      if (!(e instanceof KubeError) || e.kind !== 'conflict') throw e;
      const vpa = await this.call(this.custom.getNamespacedCustomObject({ group: VPA_GROUP, version: VPA_VERSION, namespace: v.namespace, plural: VPA_PLURAL, name: v.name }),
        { ...a, verb: 'get' }) as VpaObject;
      return { outcome: sameVpaTarget(vpa, v.target) ? 'exists' : 'taken', vpa };
    }
  }
}
