// Kubernetes objects → Workload, the patches MOrA sends, and the messages for API failures — all without a cluster
// and without loading @kubernetes/client-node.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { kubeError } from '../../src/data/kube/errors';
import { MERGE_PATCH, STRATEGIC_MERGE_PATCH, replicasPatch, resourcesPatch } from '../../src/data/kube/patch';
import { hpaSpec, ownedByCronJob, toWorkload, type K8sWorkloadObject } from '../../src/data/kube/workloads';

type Container = { name: string; image?: string; resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> } };
const pod = (containers: Container[]) => ({ spec: { containers } });

describe('Kubernetes workloads (pure mapping)', () => {
  it('reads containers with requests/limits in base units, replicas per kind, and the HPA that targets the workload', () => {
    const dep: K8sWorkloadObject = {
      metadata: { name: 'checkout', namespace: 'shop', labels: { app: 'checkout' } },
      spec: { replicas: 3, template: pod([
        { name: 'server', image: 'img:1', resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: 1, memory: '1G' } } },
        { name: 'sidecar', image: 'envoy' },
      ]) },
    };
    const hpas = [
      { spec: { scaleTargetRef: { kind: 'Deployment', name: 'other' }, minReplicas: 9, maxReplicas: 9 } },
      { spec: { scaleTargetRef: { kind: 'Deployment', name: 'checkout' }, minReplicas: 2, maxReplicas: 10,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 65 } } }] } },
    ];
    const w = toWorkload('prod', 'shop', 'Deployment', dep, hpas);
    assert.equal(w.replicas, 3);
    assert.deepEqual(w.containers[0].resources, { requests: { cpu: 0.25, memory: 256 * 2 ** 20 }, limits: { cpu: 1, memory: 1e9 } });
    assert.deepEqual(w.containers[1].resources, { requests: {}, limits: {} });
    assert.deepEqual(w.hpa, { minReplicas: 2, maxReplicas: 10, targetCpuUtilization: 0.65 });
    assert.equal(w.context, 'prod');
  });

  it('finds the pod template of a CronJob, and counts DaemonSet and Job pods', () => {
    const cj = toWorkload('c', 'ns', 'CronJob', { metadata: { name: 'report' }, spec: { jobTemplate: { spec: { parallelism: 2, template: pod([{ name: 'job', resources: { requests: { memory: '64Mi' } } }]) } } } });
    assert.equal(cj.replicas, 2);
    assert.equal(cj.containers[0].resources.requests.memory, 64 * 2 ** 20);
    assert.equal(toWorkload('c', 'ns', 'DaemonSet', { metadata: { name: 'agent' }, status: { desiredNumberScheduled: 7 }, spec: { template: pod([]) } }).replicas, 7);
    assert.equal(toWorkload('c', 'ns', 'Job', { metadata: { name: 'once' }, spec: { template: pod([]) } }).replicas, 1);
    assert.equal(toWorkload('c', 'ns', 'StatefulSet', { metadata: { name: 'db' }, spec: { template: pod([]) } }).replicas, 1, 'replicas default to 1');
  });

  it('keeps a workload whose container has a malformed quantity, leaving that amount unset', () => {
    const w = toWorkload('c', 'ns', 'Deployment', { metadata: { name: 'x' }, spec: { template: pod([{ name: 'a', resources: { requests: { cpu: '2 cores', memory: '1Gi' } } }]) } });
    assert.deepEqual(w.containers[0].resources.requests, { memory: 2 ** 30 });
  });

  it('reads autoscaling/v2 ContainerResource targets (the sized container\'s CPU, another container\'s, memory) and autoscaling/v1\'s CPU percentage', () => {
    const cr = (name: string, container: string, target: { type: string; averageUtilization?: number; averageValue?: string }) =>
      ({ type: 'ContainerResource', containerResource: { name, container, target } });
    const spec = (...metrics: Array<ReturnType<typeof cr> | { type: string }>) => ({ spec: { minReplicas: 2, maxReplicas: 8, metrics } });
    const base = { minReplicas: 2, maxReplicas: 8 };
    assert.deepEqual(hpaSpec(spec(cr('cpu', 'server', { type: 'Utilization', averageUtilization: 70 })), 'server'), { ...base, targetCpuUtilization: 0.7, cpuContainer: 'server' });
    assert.deepEqual(hpaSpec(spec(cr('cpu', 'server', { type: 'AverageValue', averageValue: '300m' })), 'server'), { ...base, targetCpuAverageValue: 0.3, cpuContainer: 'server' });
    assert.deepEqual(hpaSpec(spec(cr('cpu', 'sidecar', { type: 'Utilization', averageUtilization: 70 })), 'server'), { ...base, cpuOtherContainer: 'sidecar' });
    // Without the sized container's name, the container's CPU target is taken as the sized one's.
    assert.deepEqual(hpaSpec(spec(cr('cpu', 'sidecar', { type: 'Utilization', averageUtilization: 60 }))), { ...base, targetCpuUtilization: 0.6, cpuContainer: 'sidecar' });
    assert.deepEqual(hpaSpec(spec(cr('memory', 'server', { type: 'Utilization', averageUtilization: 75 }), cr('memory', 'server', { type: 'AverageValue', averageValue: '512Mi' }), { type: 'External' }), 'server'),
      { ...base, targetMemoryUtilization: 0.75, targetMemoryAverageValue: 512 * 2 ** 20, otherMetrics: ['external'] });
    assert.deepEqual(hpaSpec({ spec: { minReplicas: 1, maxReplicas: 5, targetCPUUtilizationPercentage: 80 } }), { minReplicas: 1, maxReplicas: 5, targetCpuUtilization: 0.8 });
    // toWorkload passes the first container that is not a sidecar as the sized one.
    const dep: K8sWorkloadObject = { metadata: { name: 'web' }, spec: { template: pod([{ name: 'server' }, { name: 'sidecar' }]) } };
    const hpa = (container: string) => ({ spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, ...spec(cr('cpu', container, { type: 'Utilization', averageUtilization: 65 })).spec } });
    assert.deepEqual(toWorkload('c', 'ns', 'Deployment', dep, [hpa('server')]).hpa, { ...base, targetCpuUtilization: 0.65, cpuContainer: 'server' });
    assert.deepEqual(toWorkload('c', 'ns', 'Deployment', dep, [hpa('sidecar')]).hpa, { ...base, cpuOtherContainer: 'sidecar' });
    // A mesh proxy that comes first (Istio's holdApplicationUntilProxyStarts) is not the sized container: the app is.
    const meshFirst: K8sWorkloadObject = { metadata: { name: 'web' }, spec: { template: pod([{ name: 'istio-proxy' }, { name: 'linkerd-proxy' }, { name: 'server' }]) } };
    assert.deepEqual(toWorkload('c', 'ns', 'Deployment', meshFirst, [hpa('server')]).hpa, { ...base, targetCpuUtilization: 0.65, cpuContainer: 'server' });
    assert.deepEqual(toWorkload('c', 'ns', 'Deployment', meshFirst, [hpa('istio-proxy')]).hpa, { ...base, cpuOtherContainer: 'istio-proxy' });
    // Every container a sidecar: the first is sized.
    const onlyProxy: K8sWorkloadObject = { metadata: { name: 'web' }, spec: { template: pod([{ name: 'istio-proxy' }]) } };
    assert.deepEqual(toWorkload('c', 'ns', 'Deployment', onlyProxy, [hpa('istio-proxy')]).hpa, { ...base, targetCpuUtilization: 0.65, cpuContainer: 'istio-proxy' });
  });

  it('reads memory HPA targets and ignores non-utilisation metrics; recognises Jobs owned by a CronJob', () => {
    assert.deepEqual(hpaSpec({ spec: { maxReplicas: 4, metrics: [
      { type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 80 } } },
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'AverageValue' } } },
      { type: 'Pods' },
    ] } }), { minReplicas: 1, maxReplicas: 4, targetMemoryUtilization: 0.8, otherMetrics: ['custom'] });
    assert.ok(ownedByCronJob({ metadata: { ownerReferences: [{ kind: 'CronJob', name: 'r' }] } }));
    assert.ok(!ownedByCronJob({ metadata: {} }));
  });
});

describe('Kubernetes patches', () => {
  it('sets resources through a strategic-merge patch that names containers, formats quantities, and removes with null', () => {
    const p = resourcesPatch('Deployment', [{ container: 'server', requests: { cpu: 0.3, memory: 300 * 2 ** 20 }, limits: { cpu: null } }], '42');
    assert.deepEqual(p, {
      metadata: { resourceVersion: '42' },
      spec: { template: { spec: { containers: [{ name: 'server', resources: { requests: { cpu: '300m', memory: '300Mi' }, limits: { cpu: null } } }] } } },
    });
    const cj = resourcesPatch('CronJob', [{ container: 'job', requests: { cpu: 2 } }]);
    assert.deepEqual(cj, { spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: 'job', resources: { requests: { cpu: '2' } } }] } } } } } });
    assert.equal(STRATEGIC_MERGE_PATCH, 'application/strategic-merge-patch+json');
  });

  it('sets replicas through a merge patch and refuses impossible counts', () => {
    assert.deepEqual(replicasPatch(4, '7'), { metadata: { resourceVersion: '7' }, spec: { replicas: 4 } });
    assert.throws(() => replicasPatch(-1), /whole number/);
    assert.throws(() => replicasPatch(1.5), /whole number/);
    assert.equal(MERGE_PATCH, 'application/merge-patch+json');
  });
});

describe('Kubernetes API errors', () => {
  const patch = { verb: 'patch' as const, resource: 'deployments', group: 'apps', namespace: 'shop', name: 'checkout', context: 'prod' };

  it('says which verb on which resource RBAC denies, and what to ask for', () => {
    const e = kubeError({ code: 403, body: JSON.stringify({ kind: 'Status', reason: 'Forbidden', message: 'deployments.apps "checkout" is forbidden: User "dev" cannot patch resource "deployments"' }) }, patch);
    assert.equal(e.kind, 'forbidden');
    assert.match(e.message, /^RBAC denied: cannot patch deployments\.apps "checkout" in namespace "shop" \(context "prod"\) — ask for verb "patch" on resource "deployments" in API group "apps"/);
    assert.match(e.message, /User "dev" cannot patch/);
  });

  it('names what was not found, conflicts, bad credentials and an unreachable server', () => {
    assert.match(kubeError({ code: 404, body: { message: 'deployments.apps "checkout" not found' } }, patch).message, /^not found: deployments\.apps "checkout".*renamed or deleted/);
    assert.equal(kubeError({ code: 409, body: {} }, patch).kind, 'conflict');
    assert.match(kubeError({ code: 401, body: '' }, patch).message, /rejected the credentials/);
    const down = kubeError(Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }), { ...patch, server: 'https://10.0.0.1:6443' });
    assert.equal(down.kind, 'unreachable');
    assert.match(down.message, /Kubernetes API at https:\/\/10\.0\.0\.1:6443 \(context "prod"\) refused the connection/);
  });

  it('importing the live-cluster modules does not load @kubernetes/client-node (it loads on first Kubernetes call)', function () {
    this.timeout(60_000);
    // A fresh process: in this one another test may already have loaded it.
    const script = [
      "require('./src/data/cluster'); require('./src/data/kube/errors'); require('./src/data/kube/patch'); require('./src/data/kube/workloads');",
      "require('./src/data/experiments'); require('./src/cli/commands/health'); require('./src/cli/commands/experiment');",
      "const { ClusterDataSource } = require('./src/data/cluster'); new ClusterDataSource({ prometheusUrl: 'http://127.0.0.1:9090' });",
      "process.stdout.write(JSON.stringify(require('./src/core/heavy').heavyModulesLoaded()));",
    ].join('\n');
    const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: join(__dirname, '..', '..'), encoding: 'utf8' });
    assert.deepEqual(JSON.parse(out), []);
  });
});
