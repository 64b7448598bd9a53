/**
 * Which `updateMode: "Off"` VerticalPodAutoscalers MOrA creates for workloads that have none (opt-in: `mora recommend
 * --in-cluster --create-vpas`, and only in namespaces labelled `mora.dev/create-vpa=true`). Pure functions: the API
 * calls are in vpa-creator.ts.
 *
 * The rules, each chosen so that a rerun (a retried shard, the next day's run, two runs racing) creates nothing twice:
 * - only in an opted-in namespace, only for kinds the VPA can target and that live long enough to be worth it
 *   (Deployment, StatefulSet, DaemonSet, CronJob, Argo Rollout — not a bare Job, which finishes and is deleted). A
 *   Rollout is targeted as itself (argoproj.io/v1alpha1): the VPA components resolve any target with a scale
 *   subresource, and match pods by their top-most owner, which for a Rollout's pods (Pod → ReplicaSet → Rollout) is
 *   the Rollout — also with spec.workloadRef, where only the template comes from a Deployment. That Deployment is a
 *   workload of its own (with workloadRef.scaleDown "never" it keeps its pods; "onsuccess" / "progressively" scale it
 *   down) and gets its own VPA;
 * - never for a workload any VPA already targets, whatever its recommender: two VPAs on one workload fight;
 * - the name depends on the workload alone: `<workload>-mora`, or `<workload, shortened>-<hash>-mora` when that is too
 *   long or already taken by a VPA (or another candidate) for something else. The hash is of kind and name, so the
 *   fallback name is as stable as the first.
 */
import type { WorkloadKind } from '../../core/workload';
import { fnv1a32 } from './vpa-shard';
import { MORA_RECOMMENDER, VPA_GROUP, VPA_VERSION, vpaTarget, type VpaObject } from './vpa-status';

/** The namespace label that opts a namespace in. */
export const CREATE_VPA_LABEL = 'mora.dev/create-vpa';
export const CREATE_VPA_LABEL_VALUE = 'true';
/** The label selector of opted-in namespaces (one list call, filtered by the API server). */
export const CREATE_VPA_SELECTOR = `${CREATE_VPA_LABEL}=${CREATE_VPA_LABEL_VALUE}`;
/** Every VPA MOrA creates carries this label (and only those): `kubectl get vpa -A -l app.kubernetes.io/managed-by=mora`. */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'mora';

/** Kinds MOrA creates a VPA for, with the targetRef apiVersion. */
export const CREATABLE_KINDS: Readonly<Partial<Record<WorkloadKind, string>>> = {
  Deployment: 'apps/v1',
  StatefulSet: 'apps/v1',
  DaemonSet: 'apps/v1',
  CronJob: 'batch/v1',
  Rollout: 'argoproj.io/v1alpha1',
};
/** Candidates are considered in this order, so which one keeps the plain name when two collide is always the same. */
const KIND_ORDER: readonly string[] = Object.keys(CREATABLE_KINDS);

/**
 * Longest name MOrA gives: 63, a DNS label. An object name may be 253, but a VPA's name also ends up in label values
 * (kube-state-metrics, Goldilocks dashboards), which stop at 63.
 */
export const MAX_NAME = 63;
const SUFFIX = '-mora';

export interface WorkloadId {
  kind: WorkloadKind | string;
  name: string;
}

export interface VpaToCreate {
  namespace: string;
  name: string;
  target: { kind: string; name: string };
  manifest: VpaObject & { apiVersion: string; kind: string; metadata: VpaObject['metadata'] & { labels: Record<string, string> } };
}

/** The plain name, `<workload>-mora`, or undefined when it would be longer than MAX_NAME. */
function plainName(w: WorkloadId): string | undefined {
  const n = `${w.name}${SUFFIX}`;
  return n.length <= MAX_NAME ? n : undefined;
}

/**
 * The fallback name: the workload's name cut to fit, then 8 hex digits of FNV-1a over `kind/name`, then `-mora`. The cut
 * never ends in `-` or `.` (the name stays a valid DNS subdomain).
 */
export function hashedVpaName(w: WorkloadId): string {
  const hash = fnv1a32(`${w.kind}/${w.name}`).toString(16).padStart(8, '0');
  const room = MAX_NAME - SUFFIX.length - hash.length - 1;
  const stem = w.name.slice(0, room).replace(/[-.]+$/, '');
  return `${stem ? `${stem}-` : ''}${hash}${SUFFIX}`;
}

/** The name MOrA gives a workload's VPA when nothing stands in the way: the plain name if it fits, else the hashed one. */
export function moraVpaName(w: WorkloadId): string {
  return plainName(w) ?? hashedVpaName(w);
}

/** The manifest of the VPA MOrA creates: named for MOrA's recommender, never acting on the pods (updateMode Off). */
export function moraVpaManifest(namespace: string, name: string, w: WorkloadId): VpaToCreate['manifest'] {
  const apiVersion = CREATABLE_KINDS[w.kind as WorkloadKind];
  if (!apiVersion) throw new RangeError(`MOrA does not create VPAs for a ${w.kind}`);
  return {
    apiVersion: `${VPA_GROUP}/${VPA_VERSION}`,
    kind: 'VerticalPodAutoscaler',
    metadata: { name, namespace, labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE } },
    spec: {
      targetRef: { apiVersion, kind: w.kind, name: w.name },
      recommenders: [{ name: MORA_RECOMMENDER }],
      updatePolicy: { updateMode: 'Off' },
    },
  };
}

/** True when the namespace's labels opt it in (`mora.dev/create-vpa=true`, exactly). */
export function optedIn(labels: Readonly<Record<string, string>> | undefined): boolean {
  return labels?.[CREATE_VPA_LABEL] === CREATE_VPA_LABEL_VALUE;
}

const targetKey = (kind: string, name: string) => `${kind.toLowerCase()}/${name}`;

/**
 * The VPAs to create in one namespace: one per workload of a creatable kind that no VPA in `existing` targets (any
 * recommender; kinds compared without case, as a user may have written `deployment`), in a stable order (kind, then
 * name). The caller has checked the namespace is opted in.
 */
export function vpasToCreateIn(namespace: string, workloads: readonly WorkloadId[], existing: readonly VpaObject[]): VpaToCreate[] {
  const targeted = new Set<string>();
  const taken = new Set<string>();
  for (const v of existing) {
    taken.add(v.metadata.name);
    const t = vpaTarget(v);
    if (t) targeted.add(targetKey(t.kind, t.name));
  }
  const candidates = workloads
    .filter((w) => CREATABLE_KINDS[w.kind as WorkloadKind] !== undefined && !targeted.has(targetKey(w.kind, w.name)))
    .sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const out: VpaToCreate[] = [];
  const seen = new Set<string>();
  for (const w of candidates) {
    const key = targetKey(w.kind, w.name);
    if (seen.has(key)) continue;
    seen.add(key);
    const plain = plainName(w);
    const name = plain !== undefined && !taken.has(plain) ? plain : hashedVpaName(w);
    // The hashed name taken too (a user's VPA by that very name): leave the workload alone rather than guess.
    if (taken.has(name)) continue;
    taken.add(name);
    out.push({ namespace, name, target: { kind: w.kind, name: w.name }, manifest: moraVpaManifest(namespace, name, w) });
  }
  return out;
}

/**
 * The VPAs to create across a shard: only in `namespaces` (the shard's) that are also in `optedInNamespaces`; per
 * namespace as vpasToCreateIn. Namespaces in the order given.
 */
export function vpasToCreate(
  namespaces: readonly string[],
  optedInNamespaces: ReadonlySet<string>,
  workloadsOf: (namespace: string) => readonly WorkloadId[],
  vpasOf: (namespace: string) => readonly VpaObject[],
): VpaToCreate[] {
  return namespaces.filter((ns) => optedInNamespaces.has(ns)).flatMap((ns) => vpasToCreateIn(ns, workloadsOf(ns), vpasOf(ns)));
}

/** Whether a VPA found under a name MOrA meant to use (after a 409 AlreadyExists) is the one MOrA wanted there. */
export function sameVpaTarget(v: VpaObject, target: { kind: string; name: string }): boolean {
  const t = vpaTarget(v);
  return t !== undefined && targetKey(t.kind, t.name) === targetKey(target.kind, target.name);
}
