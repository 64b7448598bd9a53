/** What MOrA knows about a cluster's shape, independent of where it came from (demo, live cluster, experiments). */

/** Rollout: an Argo Rollout (argoproj.io/v1alpha1), a Deployment with a progressive strategy (pod template, replicas). */
export type WorkloadKind = 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'ReplicaSet' | 'Job' | 'CronJob' | 'Pod' | 'Rollout';

/** Resource amounts in base units: CPU in cores, memory in bytes. Undefined when the manifest sets none. */
export interface ResourceAmounts {
  cpu?: number;
  memory?: number;
}

export interface ContainerResources {
  requests: ResourceAmounts;
  limits: ResourceAmounts;
}

export interface ContainerSpec {
  name: string;
  image?: string;
  resources: ContainerResources;
  /**
   * A native sidecar: an entry of initContainers with restartPolicy Always (Kubernetes 1.29+). It runs beside the
   * containers for the pod's whole life, so it is sized like them; a write must address it under initContainers.
   */
  sidecar?: boolean;
}

export interface HpaSpec {
  minReplicas: number;
  maxReplicas: number;
  /**
   * Target average utilisation of the CPU request, 0..1, when the HPA scales on CPU: the pod's (a Resource metric, or
   * autoscaling/v1's targetCPUUtilizationPercentage) or, with `cpuContainer`, that container's (a ContainerResource metric
   * naming the container MOrA sizes).
   */
  targetCpuUtilization?: number;
  /**
   * Target average CPU per pod in cores, when the HPA scales on CPU with an AverageValue target: absolute, so the pods'
   * request does not move the point where it adds a pod. Pod or, with `cpuContainer`, that container's, as above.
   */
  targetCpuAverageValue?: number;
  /** The container a ContainerResource CPU target above is on (autoscaling/v2); unset for a pod-wide Resource target. */
  cpuContainer?: string;
  /**
   * A ContainerResource CPU target on another container than the one MOrA sizes (sizedContainerOf): that
   * container's CPU, not the sized one's, decides when the HPA adds a pod, so neither target above is set from it.
   */
  cpuOtherContainer?: string;
  /** Target average utilisation of the memory request, 0..1 (Resource or ContainerResource). */
  targetMemoryUtilization?: number;
  /** Target average memory per pod in bytes (an AverageValue target, Resource or ContainerResource). */
  targetMemoryAverageValue?: number;
  /** What else the HPA scales on: Pods / Object metrics ('custom'), External metrics ('external'). */
  otherMetrics?: Array<'custom' | 'external'>;
}

/**
 * Names of proxy / agent sidecars a mesh or an injector adds to a pod (Istio, Linkerd, Consul, Kuma, OSM, Dapr, AWS App
 * Mesh, the Cloud SQL proxy). They may come first in spec.containers (Istio's holdApplicationUntilProxyStarts), so the
 * container a workload's replicas and HPA advice are sized by is not taken by position alone (sizedContainerOf).
 */
export const MESH_SIDECAR_NAMES: ReadonlySet<string> = new Set([
  'istio-proxy', 'linkerd-proxy', 'consul-dataplane', 'envoy-sidecar', 'kuma-sidecar', 'daprd', 'cloud-sql-proxy',
]);

/**
 * The container a workload's replica and HPA advice is sized by: the first that is neither a mesh / agent sidecar by
 * name (MESH_SIDECAR_NAMES) nor a native sidecar; the first container when every one is a sidecar.
 */
export function sizedContainerOf<T extends { name: string; sidecar?: boolean }>(containers: readonly T[], specs?: readonly { name: string; sidecar?: boolean }[]): T | undefined {
  const isSidecar = (c: T): boolean => MESH_SIDECAR_NAMES.has(c.name) || c.sidecar === true || specs?.find((s) => s.name === c.name)?.sidecar === true;
  return containers.find((c) => !isSidecar(c)) ?? containers[0];
}

export interface WorkloadRef {
  context: string;
  namespace: string;
  kind: WorkloadKind;
  name: string;
}

export interface Workload extends WorkloadRef {
  replicas: number;
  containers: ContainerSpec[];
  hpa?: HpaSpec;
  labels?: Record<string, string>;
}

export function workloadKey(w: WorkloadRef): string {
  return `${w.context}/${w.namespace}/${w.kind}/${w.name}`;
}

export function containerKey(w: WorkloadRef, container: string): string {
  return `${workloadKey(w)}/${container}`;
}
