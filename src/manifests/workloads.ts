/** Which Kubernetes kinds hold containers, and where their pod spec sits. */
import type { WorkloadKind } from '../core/workload';

/**
 * The kinds whose containers the manifest core reads: every WorkloadKind; ReplicationController — the v1 ancestor of
 * ReplicaSet, still in the Kubernetes examples and older charts; and Argo Rollouts' `Rollout` (argoproj.io/v1alpha1), a
 * Deployment with a progressive strategy: its pod template at spec.template, its count at spec.replicas (a Rollout that
 * only points at a Deployment with `spec.workloadRef` has no template, so no containers here). The cluster views list
 * Rollouts (so a recommendation can name one) but no ReplicationController; `mora manifests` scans and edits both like a
 * ReplicaSet or Deployment. OpenShift's `DeploymentConfig` (apps.openshift.io/v1) has its template at spec.template and its
 * count at spec.replicas too; no cluster view lists it, so like a ReplicationController only `mora manifests` handles it.
 */
export type ManifestWorkloadKind = WorkloadKind | 'ReplicationController' | 'Rollout' | 'DeploymentConfig' | 'Service';

/** Path from a workload document's root to its pod spec. */
export const POD_SPEC_PATH: Readonly<Record<ManifestWorkloadKind, readonly string[]>> = {
  Deployment: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  ReplicationController: ['spec', 'template', 'spec'],
  Rollout: ['spec', 'template', 'spec'],
  DeploymentConfig: ['spec', 'template', 'spec'],
  // A Knative Service (serving.knative.dev): only with that apiVersion (isWorkloadDocument); a core Service is no workload.
  Service: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
  Pod: ['spec'],
};

/** Kinds whose `spec.replicas` means something (DaemonSets, Jobs and Pods have none). */
export const KINDS_WITH_REPLICAS: ReadonlySet<string> = new Set(['Deployment', 'StatefulSet', 'ReplicaSet', 'ReplicationController', 'Rollout', 'DeploymentConfig']);

export function isWorkloadKind(kind: string | null): kind is ManifestWorkloadKind {
  return kind !== null && Object.prototype.hasOwnProperty.call(POD_SPEC_PATH, kind);
}

/**
 * Whether a document (or List item) of `apiVersion` and `kind` is a workload: a kind of POD_SPEC_PATH, and for
 * `Service` only Knative's (serving.knative.dev/…), whose pod template is at spec.template and whose count Knative sets.
 */
export function isWorkloadDocument(apiVersion: string | null | undefined, kind: string | null): kind is ManifestWorkloadKind {
  return isWorkloadKind(kind) && (kind !== 'Service' || /^serving\.knative\.dev\//.test(apiVersion ?? ''));
}

/** `deployment` or `deploy` → `Deployment`, for people typing targets on a command line. */
export function normaliseKind(kind: string): string {
  const k = kind.toLowerCase();
  const aliases: Record<string, ManifestWorkloadKind> = {
    deploy: 'Deployment', deployment: 'Deployment', deployments: 'Deployment',
    sts: 'StatefulSet', statefulset: 'StatefulSet', statefulsets: 'StatefulSet',
    ds: 'DaemonSet', daemonset: 'DaemonSet', daemonsets: 'DaemonSet',
    rs: 'ReplicaSet', replicaset: 'ReplicaSet', replicasets: 'ReplicaSet',
    rc: 'ReplicationController', replicationcontroller: 'ReplicationController', replicationcontrollers: 'ReplicationController',
    job: 'Job', jobs: 'Job', cj: 'CronJob', cronjob: 'CronJob', cronjobs: 'CronJob',
    po: 'Pod', pod: 'Pod', pods: 'Pod',
    ro: 'Rollout', rollout: 'Rollout', rollouts: 'Rollout',
    ksvc: 'Service', kservice: 'Service',
    dc: 'DeploymentConfig', deploymentconfig: 'DeploymentConfig', deploymentconfigs: 'DeploymentConfig',
  };
  return aliases[k] ?? kind;
}

/**
 * Whether a document in namespace `namespace` (null: it sets none) is in a target's namespace. A target without one
 * matches every namespace; `null` only documents that set none. With `defaultNamespace` (the CLI's
 * `--default-namespace`, as `recommend --apply-to` matches) a document that sets none is in that namespace.
 */
export function inTargetNamespace(namespace: string | null, target: string | null | undefined, defaultNamespace?: string): boolean {
  if (target === undefined) return true;
  if (target === null) return namespace === null;
  return (namespace ?? defaultNamespace ?? null) === target;
}
