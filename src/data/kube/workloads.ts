/**
 * Kubernetes API objects → MOrA's Workload. Pure functions over the plain JSON shapes (the few fields MOrA reads),
 * so they are tested without a cluster and without loading the Kubernetes client.
 */
import { parseQuantity } from '../../core/quantity';
import { sizedContainerOf, type ContainerSpec, type HpaSpec, type ResourceAmounts, type Workload, type WorkloadKind } from '../../core/workload';

export interface K8sContainer {
  name: string;
  image?: string;
  /** "Always" on an init container makes it a native sidecar. */
  restartPolicy?: string;
  resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
}
export interface PodSpec { containers?: K8sContainer[]; initContainers?: K8sContainer[] }
interface Meta {
  name?: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; resourceVersion?: string;
  ownerReferences?: Array<{ kind?: string; name?: string }>;
}

type Quantities = Record<string, string | number>;

/** The parts of a LimitRange that admission checks a pod's containers against. */
export interface K8sLimitRange {
  metadata?: Meta;
  spec?: { limits?: Array<{ type?: string; max?: Quantities; min?: Quantities; default?: Quantities; defaultRequest?: Quantities; maxLimitRequestRatio?: Quantities }> };
}

/** A ResourceQuota with the usage the quota controller last computed. */
export interface K8sResourceQuota {
  metadata?: Meta;
  spec?: { hard?: Quantities; scopes?: string[]; scopeSelector?: unknown };
  status?: { hard?: Quantities; used?: Quantities };
}

export interface K8sWorkloadObject {
  metadata?: Meta;
  spec?: {
    replicas?: number;
    parallelism?: number;
    template?: { spec?: PodSpec };
    /** An Argo Rollout that takes its pod template from a Deployment instead of spec.template. */
    workloadRef?: { apiVersion?: string; kind?: string; name?: string };
    jobTemplate?: { spec?: { parallelism?: number; template?: { spec?: PodSpec } } };
  };
  status?: { desiredNumberScheduled?: number; readyReplicas?: number; numberReady?: number };
}

export interface K8sHpa {
  metadata?: Meta;
  spec?: {
    scaleTargetRef?: { kind?: string; name?: string; apiVersion?: string };
    minReplicas?: number;
    maxReplicas?: number;
    /** autoscaling/v1: the one CPU utilisation target. */
    targetCPUUtilizationPercentage?: number;
    metrics?: Array<{ type?: string; resource?: K8sMetricSource; containerResource?: K8sMetricSource & { container?: string } }>;
  };
}

interface K8sMetricSource { name?: string; target?: { type?: string; averageUtilization?: number; averageValue?: string | number } }

function amounts(raw: Record<string, string | number> | undefined, where: string): ResourceAmounts {
  const out: ResourceAmounts = {};
  if (!raw) return out;
  // A malformed quantity in one container should not hide the workload: leave that amount unset.
  if (raw.cpu !== undefined) try { out.cpu = parseQuantity(raw.cpu, `${where} cpu`); } catch { /* unset */ }
  if (raw.memory !== undefined) try { out.memory = parseQuantity(raw.memory, `${where} memory`); } catch { /* unset */ }
  return out;
}

export function podSpecOf(kind: WorkloadKind, obj: K8sWorkloadObject): PodSpec | undefined {
  return kind === 'CronJob' ? obj.spec?.jobTemplate?.spec?.template?.spec : obj.spec?.template?.spec;
}

/** Native sidecars of a pod spec: init containers with restartPolicy Always (they run for the pod's life). */
export function sidecarsOf(spec: PodSpec | undefined): K8sContainer[] {
  return (spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always');
}

/**
 * The long-running containers of a workload: spec.containers, then the native sidecars (marked `sidecar`). Plain init
 * containers run to completion before the others start, so they are not sized from usage.
 */
export function containersOf(kind: WorkloadKind, obj: K8sWorkloadObject): ContainerSpec[] {
  const name = obj.metadata?.name ?? '?';
  const spec = podSpecOf(kind, obj);
  const one = (c: K8sContainer, sidecar: boolean): ContainerSpec => ({
    name: c.name,
    image: c.image,
    resources: {
      requests: amounts(c.resources?.requests, `${name}/${c.name} requests`),
      limits: amounts(c.resources?.limits, `${name}/${c.name} limits`),
    },
    ...(sidecar ? { sidecar: true } : {}),
  });
  return [...(spec?.containers ?? []).map((c) => one(c, false)), ...sidecarsOf(spec).map((c) => one(c, true))];
}

/** Pods the workload runs: spec.replicas (default 1), scheduled pods of a DaemonSet, parallelism of a Job / CronJob. */
export function replicasOf(kind: WorkloadKind, obj: K8sWorkloadObject): number {
  switch (kind) {
    case 'DaemonSet': return obj.status?.desiredNumberScheduled ?? 0;
    case 'Job': return obj.spec?.parallelism ?? 1;
    case 'CronJob': return obj.spec?.jobTemplate?.spec?.parallelism ?? 1;
    default: return obj.spec?.replicas ?? 1;
  }
}

/**
 * What an HPA scales on, from its spec: autoscaling/v1's targetCPUUtilizationPercentage, or autoscaling/v2 metrics —
 * Resource and ContainerResource CPU / memory (Utilization or AverageValue), Pods / Object ('custom'), External.
 * `sizedContainer` is the container MOrA sizes the replicas by (sizedContainerOf: the first that is not a sidecar): a ContainerResource CPU target on
 * it is its CPU target (cpuContainer); on another container it is recorded as cpuOtherContainer and sets no CPU target.
 * Without `sizedContainer` a ContainerResource CPU target is taken as on the sized container.
 */
export function hpaSpec(h: K8sHpa, sizedContainer?: string): HpaSpec {
  const spec = h.spec ?? {};
  const out: HpaSpec = { minReplicas: spec.minReplicas ?? 1, maxReplicas: spec.maxReplicas ?? spec.minReplicas ?? 1 };
  if (typeof spec.targetCPUUtilizationPercentage === 'number') out.targetCpuUtilization = spec.targetCPUUtilizationPercentage / 100;
  const other = new Set<'custom' | 'external'>();
  for (const m of spec.metrics ?? []) {
    if (m.type === 'Pods' || m.type === 'Object') { other.add('custom'); continue; }
    if (m.type === 'External') { other.add('external'); continue; }
    const src = m.type === 'Resource' ? m.resource : m.type === 'ContainerResource' ? m.containerResource : undefined;
    const t = src?.target;
    if (!src || !t) continue;
    const container = m.type === 'ContainerResource' ? m.containerResource?.container : undefined;
    const utilization = t.type === 'Utilization' && typeof t.averageUtilization === 'number' ? t.averageUtilization / 100 : undefined;
    let value: number | undefined;
    if (t.type === 'AverageValue' && t.averageValue !== undefined) try { value = parseQuantity(t.averageValue, `HPA ${src.name} averageValue`); } catch { /* unset */ }
    if (utilization === undefined && value === undefined) continue;
    if (src.name === 'cpu') {
      if (container !== undefined && sizedContainer !== undefined && container !== sizedContainer) { out.cpuOtherContainer = container; continue; }
      if (utilization !== undefined) out.targetCpuUtilization = utilization;
      if (value !== undefined) out.targetCpuAverageValue = value;
      if (container !== undefined) out.cpuContainer = container;
    } else if (src.name === 'memory') {
      if (utilization !== undefined) out.targetMemoryUtilization = utilization;
      if (value !== undefined) out.targetMemoryAverageValue = value;
    }
  }
  if (other.size) out.otherMetrics = [...other];
  return out;
}

export function toWorkload(context: string, namespace: string, kind: WorkloadKind, obj: K8sWorkloadObject, hpas: K8sHpa[] = []): Workload {
  const name = obj.metadata?.name ?? '';
  const hpa = hpas.find((h) => h.spec?.scaleTargetRef?.kind === kind && h.spec.scaleTargetRef.name === name);
  const w: Workload = {
    context,
    namespace: obj.metadata?.namespace ?? namespace,
    kind,
    name,
    replicas: replicasOf(kind, obj),
    containers: containersOf(kind, obj),
    labels: obj.metadata?.labels,
  };
  if (hpa) w.hpa = hpaSpec(hpa, sizedContainerOf(w.containers)?.name);
  return w;
}

/** Jobs a CronJob created are shown under their CronJob, not again as Jobs. */
export function ownedByCronJob(obj: K8sWorkloadObject): boolean {
  return (obj.metadata?.ownerReferences ?? []).some((o) => o.kind === 'CronJob');
}

/**
 * An Argo Rollout with `spec.workloadRef` (no template of its own) reads its pod template from that Deployment: the
 * Rollout as if it had the Deployment's template, so its containers are listed and its pods (named after the Rollout)
 * sized. Anything else is returned as it is.
 */
export function withReferencedTemplate(obj: K8sWorkloadObject, deployments: readonly K8sWorkloadObject[] | undefined): K8sWorkloadObject {
  const ref = obj.spec?.workloadRef;
  if (obj.spec?.template || ref?.kind !== 'Deployment' || !ref.name) return obj;
  const template = deployments?.find((d) => d.metadata?.name === ref.name)?.spec?.template;
  return template ? { ...obj, spec: { ...obj.spec, template } } : obj;
}
