// metrics-server fallback: PodMetrics carry no owner references, and a Deployment's pod-name pattern (web-<hash>-<5>)
// also matches the pods of a Job "web-migrate" or a DaemonSet "web-agent". Pods go to workloads by the owner chain
// of the listed Pods; without the Pod list by name and the labels their controller sets; by name alone only last.
import * as assert from 'node:assert/strict';
import type { Workload } from '../../src/core/workload';
import { loadClientNode } from '../../src/data/kube/load';
import { MetricsServer, podLabelsFit, type SnapshotFrame } from '../../src/data/kube/metrics-server';

type Json = Record<string, unknown>;
const at = '2026-11-29T20:00:00Z';
const usage = (name: string, cpu: string, memory: string, labels?: Record<string, string>) =>
  ({ metadata: { name, ...(labels ? { labels } : {}) }, timestamp: at, containers: [{ name: 'app', usage: { cpu, memory } }] });
const owned = (name: string, kind: string, owner: string) => ({ metadata: { name, ownerReferences: [{ kind, name: owner, controller: true }] } });

const webPod = 'web-7d9f8b6c4-x2b7q';
const metrics = (labels: boolean) => [
  usage(webPod, '50m', '100Mi', labels ? { app: 'web', 'pod-template-hash': '7d9f8b6c4' } : undefined),
  // A Job "web-migrate" (same image, container also "app"): its pod name matches web's Deployment pattern.
  usage('web-migrate-k4x9z', '1900m', '3Gi', labels ? { 'job-name': 'web-migrate', 'batch.kubernetes.io/job-name': 'web-migrate' } : undefined),
  // A DaemonSet "web-agent": web-agent-abcde matches it too.
  usage('web-agent-bcdfg', '700m', '2Gi', labels ? { 'controller-revision-hash': '6c7d8f', 'pod-template-generation': '1' } : undefined),
];
const pods = [owned(webPod, 'ReplicaSet', 'web-7d9f8b6c4'), owned('web-migrate-k4x9z', 'Job', 'web-migrate'), owned('web-agent-bcdfg', 'DaemonSet', 'web-agent')];

/** A KubeConfig whose API clients answer from these lists; a list given as an Error is refused (RBAC). */
function server(lists: { metrics: unknown[]; pods?: unknown[] | Error; replicaSets?: unknown[] | Error }): MetricsServer {
  const answer = (l: unknown[] | Error | undefined) => async () => {
    if (l instanceof Error) throw l;
    return { items: l ?? [] };
  };
  const k = loadClientNode();
  const clients = new Map<unknown, Json>([
    [k.CustomObjectsApi, { listNamespacedCustomObject: answer(lists.metrics) }],
    [k.CoreV1Api, { listNamespacedPod: answer(lists.pods) }],
    [k.AppsV1Api, { listNamespacedReplicaSet: answer(lists.replicaSets ?? [owned('web-7d9f8b6c4', 'Deployment', 'web')]) }],
    [k.BatchV1Api, { listNamespacedJob: answer([]) }],
  ]);
  const kc = { makeApiClient: (c: { name: string }) => clients.get(c) ?? assert.fail(`unexpected client ${c.name}`) };
  return new MetricsServer(kc as never, 'ctx');
}

const web: Workload = { context: 'ctx', namespace: 'shop', kind: 'Deployment', name: 'web', replicas: 1, containers: [{ name: 'app', requests: {}, limits: {} }] } as unknown as Workload;

async function webFrame(ms: MetricsServer): Promise<SnapshotFrame> {
  const f = (await ms.frames('shop', [web], 60)).get(web)?.get('app');
  assert.ok(f && !(f instanceof Error), String(f));
  return f;
}

function assertOnlyWeb(f: SnapshotFrame): void {
  assert.equal(f.snapshot.pods, 1);
  assert.equal(f.values.cpu_usage?.[0], 0.05);
  assert.equal(f.values.memory_working_set?.[0], 100 * 2 ** 20);
}

describe('metrics-server fallback: pods of other workloads whose names match a Deployment pattern', () => {
  it('the owner chain (Pod → ReplicaSet → Deployment) keeps a Job\'s and a DaemonSet\'s pods out, even without labels', async () => {
    assertOnlyWeb(await webFrame(server({ metrics: metrics(false), pods })));
  });

  it('each listed workload gets its own pods', async () => {
    const job = { ...web, kind: 'Job', name: 'web-migrate' } as Workload;
    const ds = { ...web, kind: 'DaemonSet', name: 'web-agent' } as Workload;
    const frames = await server({ metrics: metrics(false), pods }).frames('shop', [web, job, ds], 60);
    assertOnlyWeb(frames.get(web)!.get('app') as SnapshotFrame);
    assert.equal((frames.get(job)!.get('app') as SnapshotFrame).values.cpu_usage?.[0], 1.9);
    assert.equal((frames.get(ds)!.get('app') as SnapshotFrame).values.cpu_usage?.[0], 0.7);
  });

  it('without the ReplicaSet list the Deployment is read from the ReplicaSet\'s name', async () => {
    assertOnlyWeb(await webFrame(server({ metrics: metrics(false), pods, replicaSets: new Error('forbidden') })));
  });

  it('a pod owned by a ReplicaSet another controller owns is not the Deployment\'s', async () => {
    const f = (await server({ metrics: metrics(false), pods, replicaSets: [owned('web-7d9f8b6c4', 'Rollout', 'web')] }).frames('shop', [web], 60)).get(web)?.get('app');
    assert.ok(f instanceof Error, String(f));
  });

  it('without the Pod list (RBAC): name pattern and the labels the controller sets', async () => {
    assertOnlyWeb(await webFrame(server({ metrics: metrics(true), pods: new Error('forbidden') })));
  });

  it('without the Pod list and without labels: the name pattern, the last resort', async () => {
    const f = await webFrame(server({ metrics: metrics(false), pods: new Error('forbidden') }));
    assert.equal(f.snapshot.pods, 3);
  });

  it('podLabelsFit: each kind\'s controller labels', () => {
    assert.equal(podLabelsFit({ kind: 'Deployment', name: 'web' }, 'web-abc12-x2b7q', { 'pod-template-hash': 'abc12' }), true);
    assert.equal(podLabelsFit({ kind: 'Deployment', name: 'web' }, 'web-migrate-x2b7q', { 'pod-template-hash': 'abc12' }), false);
    assert.equal(podLabelsFit({ kind: 'Job', name: 'web' }, 'web-x2b7q', { 'job-name': 'web' }), true);
    assert.equal(podLabelsFit({ kind: 'Job', name: 'web' }, 'web-x2b7q', { 'pod-template-generation': '1' }), false);
    assert.equal(podLabelsFit({ kind: 'CronJob', name: 'web' }, 'web-29001234-x2b7q', { 'job-name': 'web-29001234' }), true);
    assert.equal(podLabelsFit({ kind: 'CronJob', name: 'web' }, 'web-29001234-x2b7q', { 'job-name': 'web-migrate' }), false);
    assert.equal(podLabelsFit({ kind: 'StatefulSet', name: 'db' }, 'db-0', { 'statefulset.kubernetes.io/pod-name': 'db-0' }), true);
    assert.equal(podLabelsFit({ kind: 'DaemonSet', name: 'web' }, 'web-x2b7q', { 'pod-template-hash': 'abc12' }), false);
    assert.equal(podLabelsFit({ kind: 'Deployment', name: 'web' }, 'web-abc12-x2b7q', undefined), true);
  });
});

describe('metrics-server fallback: Argo Rollout pods', () => {
  it('podLabelsFit: a Rollout\'s pods carry rollouts-pod-template-hash, the name\'s middle part', () => {
    const ro = { kind: 'Rollout' as const, name: 'checkout' };
    assert.equal(podLabelsFit(ro, 'checkout-6f8b9c7d5-q2w3e', { app: 'checkout', 'rollouts-pod-template-hash': '6f8b9c7d5' }), true);
    assert.equal(podLabelsFit(ro, 'checkout-canary-x2b7q', { 'job-name': 'checkout-canary' }), false, 'a Job of a similar name');
    assert.equal(podLabelsFit(ro, 'checkout-6f8b9c7d5-q2w3e', { 'rollouts-pod-template-hash': '5b4c7d8e9' }), false, 'another hash');
  });

  it('frames: the owner chain Pod → ReplicaSet → Rollout gives the Rollout its pods', async () => {
    const pod = 'checkout-6f8b9c7d5-q2w3e';
    const k = loadClientNode();
    const clients = new Map<unknown, Json>([
      [k.CustomObjectsApi, { listNamespacedCustomObject: async () => ({ items: [usage(pod, '120m', '200Mi', { 'rollouts-pod-template-hash': '6f8b9c7d5' }), usage('checkout-migrate-k4x9z', '1', '1Gi')] }) }],
      [k.CoreV1Api, { listNamespacedPod: async () => ({ items: [owned(pod, 'ReplicaSet', 'checkout-6f8b9c7d5'), owned('checkout-migrate-k4x9z', 'Job', 'checkout-migrate')] }) }],
      [k.AppsV1Api, { listNamespacedReplicaSet: async () => ({ items: [owned('checkout-6f8b9c7d5', 'Rollout', 'checkout')] }) }],
      [k.BatchV1Api, { listNamespacedJob: async () => ({ items: [] }) }],
    ]);
    const kc = { makeApiClient: (c: { name: string }) => clients.get(c) ?? assert.fail(`unexpected client ${c.name}`) };
    const ro = { context: 'ctx', namespace: 'shop', kind: 'Rollout', name: 'checkout', replicas: 1, containers: [{ name: 'app', resources: { requests: {}, limits: {} } }] } as Workload;
    const f = (await new MetricsServer(kc as never, 'ctx').frames('shop', [ro], 60)).get(ro)?.get('app');
    assert.ok(f && !(f instanceof Error), String(f));
    assert.equal(f.snapshot.pods, 1);
    assert.equal(f.values.cpu_usage?.[0], 0.12);
  });
});
