/**
 * Applying a recommendation to a live workload, safely: a server-side dry run of the very patch MOrA would send,
 * the diff between the live object and what the API server would store (containers' resources and replicas, as
 * YAML), the namespace's pod admission (LimitRange, ResourceQuota) checked against the patched pod template, and a
 * warning when a GitOps controller or Helm owns the workload and would put the old values back.
 *
 * Editor-free: the CLI (`mora recommend --apply-cluster`) and the extension (Apply to Cluster) both call planApply
 * and show its diff; everything but planApply is a pure function over API objects, tested without a cluster.
 */
import { stringify } from 'yaml';
import { formatCpu, formatMemory, parseQuantity } from '../../core/quantity';
import type { Recommendation } from '../../core/recommendation';
import { unifiedDiff } from '../../core/unified-diff';
import type { WorkloadKind, WorkloadRef } from '../../core/workload';
import type { ApplyResult, ApprovedPreview, PodAdmissionObjects } from './client';
import { KubeError } from './errors';
import type { ContainerResourceChange } from './patch';
import { podSpecOf, sidecarsOf, type K8sContainer, type K8sLimitRange, type K8sResourceQuota, type K8sWorkloadObject } from './workloads';

/** The RBAC roles shipped in deploy/rbac/, named in messages about missing permissions. */
export const READER_ROLE = 'mora-reader';
export const APPLIER_ROLE = 'mora-applier';

/** What MOrA writes to one workload: container requests/limits and, when asked, spec.replicas. */
export interface ClusterChange {
  containers: ContainerResourceChange[];
  replicas?: number;
}

const KINDS_WITH_REPLICAS: ReadonlySet<WorkloadKind> = new Set(['Deployment', 'StatefulSet', 'Rollout']);

/**
 * The change for one recommendation, by the same rules as Apply to a manifest: requests always, limits where the
 * policy sets them (an unset limit is left as it is, never removed), replicas only when asked, recommended, the kind
 * has a replica count and no HPA manages it.
 */
export function clusterChange(rec: Recommendation, options: { replicas?: boolean } = {}): ClusterChange {
  const containers: ContainerResourceChange[] = [];
  for (const c of rec.containers) {
    const change: ContainerResourceChange = { container: c.container };
    if (c.cpu) {
      (change.requests ??= {}).cpu = c.cpu.request.value;
      if (c.cpu.limit) (change.limits ??= {}).cpu = c.cpu.limit.value;
    }
    if (c.memory) {
      (change.requests ??= {}).memory = c.memory.request.value;
      if (c.memory.limit) (change.limits ??= {}).memory = c.memory.limit.value;
    }
    if (change.requests || change.limits) containers.push(change);
  }
  const out: ClusterChange = { containers };
  if (options.replicas && rec.replicas && !rec.replicas.hpa && KINDS_WITH_REPLICAS.has(rec.workload.kind)) {
    out.replicas = Math.max(0, Math.round(rec.replicas.recommended.value));
  }
  return out;
}

// ---- the YAML both sides of the diff are made of ----

function sortedQuantities(q: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!q || Object.keys(q).length === 0) return undefined;
  const order = (k: string) => (k === 'cpu' ? 0 : k === 'memory' ? 1 : 2);
  return Object.fromEntries(Object.entries(q).sort(([a], [b]) => order(a) - order(b) || a.localeCompare(b)));
}

/**
 * What the diff compares: the object's kind, name and namespace, its replicas (kinds that have them) and each
 * container's name and resources, at their paths in the real object (spec.template.spec.containers …; native
 * sidecars under initContainers).
 */
export function resourcesView(kind: WorkloadKind, obj: K8sWorkloadObject): Record<string, unknown> {
  const view = (c: K8sContainer) => {
    const requests = sortedQuantities(c.resources?.requests);
    const limits = sortedQuantities(c.resources?.limits);
    return { name: c.name, resources: { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) } };
  };
  const containers = (podSpecOf(kind, obj)?.containers ?? []).map(view);
  const sidecars = sidecarsOf(podSpecOf(kind, obj)).map(view);
  const podSpec = { template: { spec: { containers, ...(sidecars.length ? { initContainers: sidecars } : {}) } } };
  const spec = kind === 'CronJob' ? { jobTemplate: { spec: podSpec } }
    : KINDS_WITH_REPLICAS.has(kind) ? { replicas: obj.spec?.replicas ?? 1, ...podSpec } : podSpec;
  return { kind, metadata: { name: obj.metadata?.name, namespace: obj.metadata?.namespace }, spec };
}

export function resourcesYamlOf(kind: WorkloadKind, obj: K8sWorkloadObject): string {
  return stringify(resourcesView(kind, obj), { lineWidth: 0 });
}

/**
 * The part of a resources view (resourcesView, or its YAML read back) that MOrA's write is judged on: the containers'
 * resources, and spec.replicas only when the write sets replicas. An HPA scaling the workload meanwhile changes
 * nothing MOrA wrote or would write, so it must not stop an approved patch or an undo. As YAML, for comparing.
 */
export function writtenYamlOf(view: Record<string, unknown>, replicas: boolean): string {
  const spec = view.spec as Record<string, unknown> | undefined;
  if (replicas || !spec || !('replicas' in spec)) return stringify(view, { lineWidth: 0 });
  const { replicas: _, ...rest } = spec;
  return stringify({ ...view, spec: rest }, { lineWidth: 0 });
}

/** One value MOrA's write sets: a container's request or limit of one resource (`server` `requests` `cpu`). */
export interface WrittenField {
  container: string;
  group: 'requests' | 'limits';
  resource: string;
}

/** `container "server" requests.cpu`, `spec.replicas`: a field as messages name it. */
export function fieldLabel(f: WrittenField | 'replicas'): string {
  return f === 'replicas' ? 'spec.replicas' : `container "${f.container}" ${f.group}.${f.resource}`;
}

/**
 * The values of the given fields in a resources view (resourcesView, or its YAML read back), by fieldLabel: a quantity
 * as the object spells it, null where not set (or the container is gone); spec.replicas too when `replicas`. What an
 * undo is judged on: only the fields the recorded patch set, so another writer's change to any other field (a memory
 * limit MOrA left alone) neither stops the undo nor is overwritten by it.
 */
export function writtenValuesOf(view: Record<string, unknown>, fields: readonly WrittenField[], replicas: boolean): Map<string, string | null> {
  type ViewContainer = { name?: unknown; resources?: Record<string, Record<string, unknown> | undefined> };
  type ViewPod = { template?: { spec?: { containers?: ViewContainer[]; initContainers?: ViewContainer[] } } };
  const spec = view.spec as (ViewPod & { replicas?: unknown; jobTemplate?: { spec?: ViewPod } }) | undefined;
  const pod = (spec?.jobTemplate?.spec ?? spec)?.template?.spec;
  const all = [...(pod?.containers ?? []), ...(pod?.initContainers ?? [])];
  const out = new Map<string, string | null>();
  for (const f of fields) {
    const v = all.find((c) => c.name === f.container)?.resources?.[f.group]?.[f.resource];
    out.set(fieldLabel(f), v === undefined || v === null ? null : String(v));
  }
  if (replicas) out.set(fieldLabel('replicas'), spec?.replicas === undefined ? null : String(spec.replicas));
  return out;
}

/** Whether two values of one field are the same amount (`0.5` and `500m`; null: not set). */
export function sameAmount(a: string | null | undefined, b: string | null | undefined): boolean {
  if (a === b || a === undefined || b === undefined || a === null || b === null) return a === b;
  try {
    return parseQuantity(a, 'a') === parseQuantity(b, 'b');
  } catch {
    return false;
  }
}

// ---- GitOps and Helm ownership ----

export interface GitOpsOwner {
  tool: 'Argo CD' | 'Flux' | 'Helm';
  /** Who, in the tool's terms: `application "shop"`, `Kustomization flux-system/apps`, `release "shop"`. */
  owner: string;
  /** The label or annotation that says so. */
  marker: string;
}

/**
 * Controllers that own the workload's manifest and would undo a live patch: Argo CD (instance label or tracking-id
 * annotation), Flux (kustomize-controller and helm-controller labels), Helm (managed-by label, release annotation).
 */
export function gitOpsOwners(obj: K8sWorkloadObject): GitOpsOwner[] {
  const labels = obj.metadata?.labels ?? {};
  const annotations = obj.metadata?.annotations ?? {};
  const out: GitOpsOwner[] = [];
  const argoLabel = labels['argocd.argoproj.io/instance'];
  const tracking = annotations['argocd.argoproj.io/tracking-id'];
  if (argoLabel !== undefined) out.push({ tool: 'Argo CD', owner: `application "${argoLabel}"`, marker: `label argocd.argoproj.io/instance=${argoLabel}` });
  else if (tracking !== undefined) out.push({ tool: 'Argo CD', owner: `application "${tracking.split(':')[0]}"`, marker: `annotation argocd.argoproj.io/tracking-id=${tracking}` });
  const fluxNs = (prefix: string) => (labels[`${prefix}/namespace`] ? `${labels[`${prefix}/namespace`]}/` : '');
  const ks = labels['kustomize.toolkit.fluxcd.io/name'];
  if (ks !== undefined) out.push({ tool: 'Flux', owner: `Kustomization ${fluxNs('kustomize.toolkit.fluxcd.io')}${ks}`, marker: `label kustomize.toolkit.fluxcd.io/name=${ks}` });
  const hr = labels['helm.toolkit.fluxcd.io/name'];
  if (hr !== undefined) out.push({ tool: 'Flux', owner: `HelmRelease ${fluxNs('helm.toolkit.fluxcd.io')}${hr}`, marker: `label helm.toolkit.fluxcd.io/name=${hr}` });
  const release = annotations['meta.helm.sh/release-name'];
  const managedBy = labels['app.kubernetes.io/managed-by'];
  // A Flux HelmRelease is Helm underneath; name the controller that acts, not both.
  if (hr === undefined && (release !== undefined || managedBy?.toLowerCase() === 'helm')) {
    out.push({ tool: 'Helm', owner: release !== undefined ? `release "${release}"` : 'a Helm release',
      marker: release !== undefined ? `annotation meta.helm.sh/release-name=${release}` : `label app.kubernetes.io/managed-by=${managedBy}` });
  }
  return out;
}

const REVERTS: Record<GitOpsOwner['tool'], string> = {
  'Argo CD': 'Argo CD marks the application OutOfSync and its next sync (at once with self-heal) puts the old values back',
  Flux: 'Flux puts the old values back at its next reconciliation',
  Helm: 'the next helm upgrade or rollback puts the chart\'s values back',
};

/** One line: who owns the workload, that a live patch will not last, and what to do instead. */
export function gitOpsWarning(ref: WorkloadRef, owners: readonly GitOpsOwner[]): string | undefined {
  if (!owners.length) return undefined;
  const who = owners.map((o) => `${o.tool} (${o.owner}; ${o.marker})`).join(' and ');
  const what = [...new Set(owners.map((o) => REVERTS[o.tool]))].join('; ');
  return `${ref.kind} ${ref.namespace}/${ref.name} is managed by ${who}: a live patch will be reverted — ${what}. `
    + 'Change the manifest in Git instead: Apply to the manifest (CodeLens) or mora recommend --apply-to <path>.';
}

// ---- pod admission: LimitRange and ResourceQuota ----

type Amounts = Record<string, number>;
interface EffectiveContainer { name: string; requests: Amounts; limits: Amounts; raw: { requests: Record<string, string>; limits: Record<string, string> } }

function amounts(q: Record<string, string | number> | undefined): Amounts {
  const out: Amounts = {};
  for (const [k, v] of Object.entries(q ?? {})) {
    try { out[k] = parseQuantity(v, k); } catch { /* not a quantity: admission would refuse it at validation already */ }
  }
  return out;
}

function show(q: Record<string, string | number> | undefined, k: string, value: number): string {
  const raw = q?.[k];
  if (raw !== undefined) return String(raw);
  return k === 'cpu' || k.endsWith('.cpu') ? formatCpu(value) : k === 'memory' || k.endsWith('.memory') ? formatMemory(value) : String(value);
}

/**
 * A container as admission sees it: the API's defaulting first (a request that is not set takes the limit), then
 * LimitRanger's defaults (`default` for limits, `defaultRequest` for requests) from every Container item.
 */
function effective(c: K8sContainer, ranges: readonly K8sLimitRange[]): EffectiveContainer {
  const requests: Record<string, string> = Object.fromEntries(Object.entries(c.resources?.requests ?? {}).map(([k, v]) => [k, String(v)]));
  const limits: Record<string, string> = Object.fromEntries(Object.entries(c.resources?.limits ?? {}).map(([k, v]) => [k, String(v)]));
  for (const [k, v] of Object.entries(limits)) requests[k] ??= v;
  for (const lr of ranges) {
    for (const item of lr.spec?.limits ?? []) {
      if (item.type !== 'Container') continue;
      for (const [k, v] of Object.entries(item.defaultRequest ?? {})) requests[k] ??= String(v);
      for (const [k, v] of Object.entries(item.default ?? {})) limits[k] ??= String(v);
    }
  }
  return { name: c.name, requests: amounts(requests), limits: amounts(limits), raw: { requests, limits } };
}

function limitRangeProblems(scope: 'Container' | 'Pod', what: { requests: Amounts; limits: Amounts; raw: EffectiveContainer['raw'] },
  item: NonNullable<NonNullable<K8sLimitRange['spec']>['limits']>[number]): string[] {
  const out: string[] = [];
  const r = what.raw;
  for (const [k, v] of Object.entries(item.min ?? {})) {
    const min = amounts({ [k]: v })[k];
    const req = what.requests[k];
    const lim = what.limits[k];
    if (req === undefined) out.push(`minimum ${k} usage per ${scope} is ${v}.  No request is specified`);
    else if (req < min) out.push(`minimum ${k} usage per ${scope} is ${v}, but request is ${show(r.requests, k, req)}`);
    else if (lim !== undefined && lim < min) out.push(`minimum ${k} usage per ${scope} is ${v}, but limit is ${show(r.limits, k, lim)}`);
  }
  for (const [k, v] of Object.entries(item.max ?? {})) {
    const max = amounts({ [k]: v })[k];
    const req = what.requests[k];
    const lim = what.limits[k];
    if (lim === undefined) out.push(`maximum ${k} usage per ${scope} is ${v}.  No limit is specified`);
    else if (lim > max) out.push(`maximum ${k} usage per ${scope} is ${v}, but limit is ${show(r.limits, k, lim)}`);
    else if (req !== undefined && req > max) out.push(`maximum ${k} usage per ${scope} is ${v}, but request is ${show(r.requests, k, req)}`);
  }
  for (const [k, v] of Object.entries(item.maxLimitRequestRatio ?? {})) {
    const ratio = amounts({ [k]: v })[k];
    const req = what.requests[k];
    const lim = what.limits[k];
    if (!req) out.push(`${k} max limit to request ratio per ${scope} is ${v}, but no request is specified or request is 0`);
    else if (!lim) out.push(`${k} max limit to request ratio per ${scope} is ${v}, but no limit is specified or limit is 0`);
    else if (lim / req > ratio) out.push(`${k} max limit to request ratio per ${scope} is ${v}, but provided ratio is ${(lim / req).toFixed(6)}`);
  }
  return out;
}

/** The pod's own requests/limits as quota counts them: the containers' sum, or an init container's if larger. */
function podAmounts(containers: EffectiveContainer[], init: EffectiveContainer[]): { requests: Amounts; limits: Amounts } {
  const sum = (pick: (c: EffectiveContainer) => Amounts) => {
    const out: Amounts = {};
    for (const c of containers) for (const [k, v] of Object.entries(pick(c))) out[k] = (out[k] ?? 0) + v;
    for (const c of init) for (const [k, v] of Object.entries(pick(c))) out[k] = Math.max(out[k] ?? 0, v);
    return out;
  };
  return { requests: sum((c) => c.requests), limits: sum((c) => c.limits) };
}

/** Quota resources a pod's compute resources count against, with where the pod's amount comes from. */
const QUOTA_RESOURCES: Record<string, { from: 'requests' | 'limits'; resource: string }> = {
  cpu: { from: 'requests', resource: 'cpu' }, 'requests.cpu': { from: 'requests', resource: 'cpu' },
  memory: { from: 'requests', resource: 'memory' }, 'requests.memory': { from: 'requests', resource: 'memory' },
  'limits.cpu': { from: 'limits', resource: 'cpu' }, 'limits.memory': { from: 'limits', resource: 'memory' },
};

function quotaProblems(q: K8sResourceQuota, containers: EffectiveContainer[], pod: { requests: Amounts; limits: Amounts }): string[] {
  const hard = q.status?.hard;
  const name = q.metadata?.name ?? '?';
  // A scoped quota applies to some pods only (priority class, BestEffort …); MOrA does not judge those.
  if (!hard || q.spec?.scopes?.length || q.spec?.scopeSelector) return [];
  const used = q.status?.used ?? {};
  const missing: string[] = [];
  const exceeded: Array<{ k: string; req: number; used: string; hard: string }> = [];
  for (const k of Object.keys(hard).sort()) {
    const m = QUOTA_RESOURCES[k];
    if (!m) continue;
    const lacking = containers.filter((c) => c[m.from][m.resource] === undefined).map((c) => c.name);
    if (lacking.length) { missing.push(`${k} for: ${lacking.join(',')}`); continue; }
    const req = pod[m.from][m.resource] ?? 0;
    const hardV = amounts({ [k]: hard[k] })[k];
    const usedV = used[k] !== undefined ? amounts({ [k]: used[k] })[k] : 0;
    if (usedV + req > hardV) exceeded.push({ k, req, used: String(used[k] ?? '0'), hard: String(hard[k]) });
  }
  if (missing.length) return [`failed quota: ${name}: must specify ${missing.join('; ')}`];
  if (exceeded.length) {
    const list = (f: (e: (typeof exceeded)[number]) => string) => exceeded.map((e) => `${e.k}=${f(e)}`).join(',');
    return [`exceeded quota: ${name}, requested: ${list((e) => show(undefined, e.k, e.req))}, used: ${list((e) => e.used)}, limited: ${list((e) => e.hard)}`];
  }
  return [];
}

/**
 * Why the pods of the patched template would be refused when the controller creates them, one line each, in the
 * API server's words. LimitRanger and ResourceQuota admit Pods, not Deployments: the patch itself goes through and the
 * rollout then stalls (FailedCreate), so MOrA checks before writing. For quotas the first new pod of a rolling update
 * is judged, on top of the usage the quota reports now.
 */
export function podAdmissionProblems(kind: WorkloadKind, obj: K8sWorkloadObject, admission: Pick<PodAdmissionObjects, 'limitRanges' | 'quotas'>): string[] {
  const spec = podSpecOf(kind, obj);
  const ranges = admission.limitRanges;
  const containers = (spec?.containers ?? []).map((c) => effective(c, ranges));
  const init = (spec?.initContainers ?? []).map((c) => effective(c, ranges));
  const out: string[] = [];
  for (const lr of ranges) {
    const name = lr.metadata?.name ?? '?';
    for (const item of lr.spec?.limits ?? []) {
      if (item.type === 'Container') {
        for (const c of [...init, ...containers]) {
          for (const p of limitRangeProblems('Container', c, item)) out.push(`LimitRange "${name}" refuses container "${c.name}": ${p}`);
        }
      } else if (item.type === 'Pod') {
        const pod = podAmounts(containers, init);
        const raw = { requests: {}, limits: {} };
        for (const p of limitRangeProblems('Pod', { ...pod, raw }, item)) out.push(`LimitRange "${name}" refuses the pod: ${p}`);
      }
    }
  }
  const pod = podAmounts(containers, init);
  for (const q of admission.quotas) out.push(...quotaProblems(q, [...init, ...containers], pod));
  return out;
}

// ---- the plan ----

export interface ApplyPlan {
  ref: WorkloadRef;
  change: ClusterChange;
  /** Both sides of the diff (resourcesView as YAML); empty when the dry run was refused. */
  liveYaml: string;
  dryRunYaml: string;
  /** The live object the dry run was built on: the approved write goes to this one (applyApproved). */
  before?: K8sWorkloadObject;
  /** Unified diff, live → dry run; '' when nothing would change. */
  diff: string;
  changed: boolean;
  owners: GitOpsOwner[];
  gitOpsWarning?: string;
  /** Why this change would not go through (the API server's dry-run answer, or pod admission), one line each. */
  refusals: string[];
  /** Checks that could not be made (e.g. RBAC hides the namespace's LimitRanges), one line each. */
  notes: string[];
}

/** The client calls a plan needs (KubeClient has them; tests may pass their own). */
export interface PlanClient {
  applyResources(ref: WorkloadRef, changes: ContainerResourceChange[], opts: { dryRun?: boolean; replicas?: number; approved?: ApprovedPreview }): Promise<ApplyResult>;
  podAdmissionObjects(context: string, namespace: string): Promise<PodAdmissionObjects>;
}

export function diffLabels(ref: WorkloadRef): { from: string; to: string } {
  const what = `${ref.kind} ${ref.namespace}/${ref.name} (context ${ref.context})`;
  return { from: `${what} live`, to: `${what} after the patch (server-side dry run)` };
}

/** A missing permission, with the deploy/rbac/ role that grants it. */
export function withRoleHint(e: unknown, role: string): unknown {
  if (!(e instanceof KubeError) || e.kind !== 'forbidden') return e;
  return new KubeError(`${e.message} — the ${role} role in deploy/rbac/ grants it`, e.kind, e.status);
}

/**
 * Dry-runs the change on the API server (the same strategic-merge patch, `dryRun=All`) and checks the result. Throws
 * (one line) when the dry run could not be made at all: RBAC (with the role that grants it), a deleted workload, an
 * unreachable server. A refusal — validation (422) or an admission plugin or policy (403) — is a plan with `refusals`.
 */
export async function planApply(kube: PlanClient, ref: WorkloadRef, change: ClusterChange): Promise<ApplyPlan> {
  const plan: ApplyPlan = { ref, change, liveYaml: '', dryRunYaml: '', diff: '', changed: false, owners: [], refusals: [], notes: [] };
  let dry: ApplyResult;
  try {
    dry = await kube.applyResources(ref, change.containers, { dryRun: true, replicas: change.replicas });
  } catch (e) {
    if (e instanceof KubeError && (e.kind === 'invalid' || e.kind === 'admission')) {
      plan.refusals.push(`the server-side dry run was refused, nothing was changed: ${e.message}`);
      return plan;
    }
    throw withRoleHint(e, APPLIER_ROLE);
  }
  plan.before = dry.before;
  plan.owners = gitOpsOwners(dry.before);
  plan.gitOpsWarning = gitOpsWarning(ref, plan.owners);
  plan.liveYaml = resourcesYamlOf(ref.kind, dry.before);
  plan.dryRunYaml = resourcesYamlOf(ref.kind, dry.after);
  plan.diff = unifiedDiff(plan.liveYaml, plan.dryRunYaml, diffLabels(ref));
  plan.changed = plan.diff !== '';
  if (plan.changed) {
    const admission = await kube.podAdmissionObjects(ref.context, ref.namespace);
    plan.notes.push(...admission.warnings);
    for (const p of podAdmissionProblems(ref.kind, dry.after, admission)) {
      plan.refusals.push(`the new pods would be refused in namespace "${ref.namespace}" (the patch itself would be accepted and the rollout would stall): ${p}`);
    }
  }
  return plan;
}

/**
 * The write a person approved after seeing the plan's diff: the same change, to the object the diff was computed from
 * (pinned to its resourceVersion). Someone else's write in between that changes what the patch writes (the containers'
 * resources; replicas only when the change sets them) stops it with ChangedSincePreview and nothing is written; a write
 * that leaves that untouched (a status update, an HPA scaling the workload) does not: the patch still changes exactly
 * what the diff showed it changing.
 */
export async function applyApproved(kube: PlanClient, plan: ApplyPlan): Promise<ApplyResult> {
  if (!plan.before || !plan.changed || plan.refusals.length) throw new Error(`${plan.ref.kind}/${plan.ref.name}: no approved preview to apply`);
  const kind = plan.ref.kind;
  const replicas = plan.change.replicas !== undefined;
  const shown = writtenYamlOf(resourcesView(kind, plan.before), replicas);
  return kube.applyResources(plan.ref, plan.change.containers, {
    replicas: plan.change.replicas,
    approved: { before: plan.before, unchanged: (now) => writtenYamlOf(resourcesView(kind, now), replicas) === shown },
  });
}
