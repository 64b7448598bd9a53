// Argo Rollouts (argoproj.io/v1alpha1 Rollout) on a test control plane: a minimal Rollout CRD (the schema preserves
// unknown fields — as far as MOrA cares the same as the upstream one — with the status and scale subresources the
// upstream CRD has), and a Rollout with the ReplicaSet and running pods the Argo controller would leave (no controller
// runs here).
import * as assert from 'node:assert/strict';
import { podTemplateHash, randomSuffix, type ControlPlane } from './control-plane';
import { until } from './wait';

type Json = Record<string, unknown>;
export const ROLLOUTS_API = '/apis/argoproj.io/v1alpha1';

export const rolloutCrd = {
  apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'rollouts.argoproj.io' },
  spec: {
    group: 'argoproj.io', scope: 'Namespaced',
    names: { kind: 'Rollout', listKind: 'RolloutList', plural: 'rollouts', singular: 'rollout', shortNames: ['ro'] },
    versions: [{
      name: 'v1alpha1', served: true, storage: true,
      schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
      subresources: { status: {}, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' } },
    }],
  },
};

/** Creates the Rollout CRD and waits (with a deadline) until the API server serves rollouts. */
export async function installRolloutCrd(cp: ControlPlane): Promise<void> {
  await cp.create(rolloutCrd);
  const served = await until(() => cp.raw('GET', ROLLOUTS_API), (r) => r.status === 200 && JSON.stringify(r.body).includes('"rollouts"'), 30_000);
  assert.equal(served.status, 200, `${ROLLOUTS_API} served: ${JSON.stringify(served.body)}`);
}

export interface RolloutSpec {
  name: string;
  replicas: number;
  /** The pod template (metadata.labels, spec.containers). Without it: spec.workloadRef names the Deployment `workloadRef`. */
  template?: { metadata: { labels: Record<string, string> }; spec: Json };
  /** A Deployment whose pod template the Rollout uses (spec.workloadRef; Argo's migration path). */
  workloadRef?: string;
  strategy?: Json;
  /** The node the pods run on. */
  nodeName: string;
}

/**
 * A Rollout and what the Argo controller leaves for it: a ReplicaSet `<rollout>-<hash>` owned by the Rollout, `replicas`
 * running pods owned by that ReplicaSet, labelled with rollouts-pod-template-hash. With workloadRef the pods run
 * `podTemplate` (the referenced Deployment's, as Argo copies it).
 */
export async function createRollout(cp: ControlPlane, namespace: string, spec: RolloutSpec, podTemplate = spec.template): Promise<{ rollout: Json; pods: Json[] }> {
  if (!podTemplate) throw new Error('createRollout: a template, or the referenced Deployment\'s as podTemplate');
  const selectorLabels = podTemplate.metadata.labels;
  const rollout = await cp.api('POST', `${ROLLOUTS_API}/namespaces/${namespace}/rollouts`, {
    apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name: spec.name, namespace },
    spec: {
      replicas: spec.replicas, selector: { matchLabels: selectorLabels },
      ...(spec.template ? { template: spec.template } : { workloadRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: spec.workloadRef } }),
      strategy: spec.strategy ?? { canary: {} },
    },
  });
  // Argo's hash is not the Deployment controller's: a Rollout taking a Deployment's template gets other ReplicaSets.
  const hash = podTemplateHash({ rollout: podTemplate });
  const rsName = `${spec.name}-${hash}`;
  const labels = { ...selectorLabels, 'rollouts-pod-template-hash': hash };
  const rs = await cp.create({
    apiVersion: 'apps/v1', kind: 'ReplicaSet',
    metadata: { name: rsName, namespace, labels, ownerReferences: [{ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: spec.name, uid: (rollout.metadata as Json).uid, controller: true, blockOwnerDeletion: true }] },
    spec: { replicas: spec.replicas, selector: { matchLabels: labels }, template: { ...podTemplate, metadata: { labels } } },
  });
  const pods: Json[] = [];
  for (let i = 0; i < spec.replicas; i++) {
    const pod = await cp.create({
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name: `${rsName}-${randomSuffix()}`, namespace, labels, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rsName, uid: (rs.metadata as Json).uid, controller: true, blockOwnerDeletion: true }] },
      spec: { ...podTemplate.spec, nodeName: spec.nodeName },
    });
    pods.push(await cp.markPodRunning(pod));
  }
  return { rollout, pods };
}
