// The owner chain as a real cluster gives it: kube-state-metrics runs against a REAL kube-apiserver
// (test/harness/control-plane.ts) and a real Prometheus SCRAPES it every second; the cAdvisor-shaped usage of the pods
// that exist there is backfilled (promtool). MOrA's batched plan (through ClusterDataSource and recommendFromSource)
// then maps pods to Deployments by the scraped kube_pod_owner / kube_replicaset_owner series — including a Deployment
// "worker" whose pods are named like another Deployment's ("checkout-…": a ReplicaSet it adopted), which the
// pod-name patterns get wrong.
import * as assert from 'node:assert/strict';
import { ClusterDataSource } from '../../src/data/cluster';
import { newBatchPlanStats, OOM_MISSING } from '../../src/data/prometheus/batch-plan';
import { recommendFromSource } from '../../src/pipeline/recommend';
import { ControlPlane, type CreatedDeployment } from '../harness/control-plane';
import { startPrometheus, toOpenMetrics, type OpenMetricsSeries, type RunningPrometheus } from '../harness/prometheus';

type Json = Record<string, unknown>;
/** Seconds between backfilled samples; the data source asks for a 5 s grid (its last point is now, floored, minus one step). */
const SAMPLE = 15;
const STEP = 5;
const nameOf = (o: Json) => String((o.metadata as Json).name);

/** cAdvisor-shaped CPU (counter, cores) and working-set memory for one pod's container, one sample every SAMPLE s. */
function usage(pod: string, container: string, cores: number, bytes: number, start: number, end: number): OpenMetricsSeries[] {
  const labels = { namespace: 'shop', pod, container };
  const cpu: Array<[number, number]> = [];
  const mem: Array<[number, number]> = [];
  let v = 0;
  for (let t = start, i = 0; t <= end; t += SAMPLE, i++) {
    cpu.push([t, v]);
    v += cores * SAMPLE * (0.9 + (0.2 * ((i * 7919) % 100)) / 100);
    mem.push([t, Math.round(bytes * (0.95 + (0.1 * ((i * 104729) % 100)) / 100))]);
  }
  return [
    { name: 'container_cpu_usage_seconds', type: 'counter', labels, samples: cpu },
    { name: 'container_memory_working_set_bytes', type: 'gauge', labels, samples: mem },
  ];
}

async function instant(prom: RunningPrometheus, promql: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
  const r = await fetch(`${prom.url}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = await r.json() as { status: string; data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
  assert.equal(body.status, 'success', JSON.stringify(body));
  return body.data.result;
}

describe('kube-state-metrics on a real API server, scraped by a real Prometheus: the batched plan follows the owner chain', function () {
  this.timeout(120_000);
  let cp: ControlPlane | undefined;
  let prom: RunningPrometheus | undefined;
  let checkout: CreatedDeployment;
  let workerRs = '';
  let workerPod = '';

  before(async function () {
    this.timeout(180_000);
    cp = await ControlPlane.start();
    await cp.createNode('mora-node-1', { cpu: '8', memory: '32Gi' });
    await cp.createNamespace('shop');
    checkout = await cp.createDeployment('shop', {
      name: 'checkout', replicas: 2,
      containers: [
        { name: 'server', image: 'shop/checkout:1.4', requests: { cpu: '500m', memory: '512Mi' } },
        { name: 'envoy', image: 'envoyproxy/envoy:v1.31', requests: { cpu: '50m', memory: '64Mi' } },
      ],
    });
    // Deployment "worker" adopted a ReplicaSet made before it (say, by an older Deployment named checkout): the
    // ReplicaSet and its pod are named "checkout-<hash>(-<5>)" — Deployment checkout's pod pattern — but their
    // ownerReferences lead to worker. Written as the controllers would leave it (none run here).
    const hash = '7b9c8d6f5';
    workerRs = `checkout-${hash}`;
    workerPod = `${workerRs}-q8w2z`;
    const podSpec = { containers: [{ name: 'server', image: 'shop/worker:3', resources: { requests: { cpu: '1', memory: '512Mi' } } }] };
    const worker = await cp.create({
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'worker', namespace: 'shop', labels: { app: 'worker' } },
      spec: { replicas: 1, selector: { matchLabels: { app: 'worker' } }, template: { metadata: { labels: { app: 'worker' } }, spec: podSpec } },
    });
    const labels = { app: 'worker', 'pod-template-hash': hash };
    const rs = await cp.create({
      apiVersion: 'apps/v1', kind: 'ReplicaSet',
      metadata: { name: workerRs, namespace: 'shop', labels, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'worker', uid: (worker.metadata as Json).uid, controller: true, blockOwnerDeletion: true }] },
      spec: { replicas: 1, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: podSpec } },
    });
    const pod = await cp.create({
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name: workerPod, namespace: 'shop', labels, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: workerRs, uid: (rs.metadata as Json).uid, controller: true, blockOwnerDeletion: true }] },
      spec: { ...podSpec, nodeName: 'mora-node-1' },
    });
    await cp.markPodRunning(pod);
    const ksm = await cp.startKubeStateMetrics(['deployments', 'replicasets', 'pods', 'namespaces']);

    // Three hours of usage, ending two minutes ago: checkout's server ~0.2 cores per pod, worker's ~1.5 cores.
    const end = Math.floor(Date.now() / 1000 / SAMPLE) * SAMPLE - 120;
    const start = end - 3 * 3600;
    const series = [
      ...checkout.pods.flatMap((p) => [...usage(nameOf(p), 'server', 0.2, 200e6, start, end), ...usage(nameOf(p), 'envoy', 0.03, 40e6, start, end)]),
      ...usage(workerPod, 'server', 1.5, 400e6, start, end),
    ];
    prom = await startPrometheus({
      openMetrics: toOpenMetrics(series),
      scrapeConfigsYaml: `  - job_name: kube-state-metrics\n    scrape_interval: 1s\n    static_configs:\n      - targets: ['${new URL(ksm.url).host}']\n`,
    });

    // Wait (bounded) until Prometheus has scraped the owner chain of every pod…
    const deadline = Date.now() + 60_000;
    let seen = -1;
    while (Date.now() < deadline) {
      const [pods, rss] = await Promise.all([instant(prom, 'kube_pod_owner{namespace="shop"}'), instant(prom, 'kube_replicaset_owner{namespace="shop"}')]);
      seen = pods.length;
      if (pods.length >= 3 && rss.length >= 2) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.ok(seen >= 3, `Prometheus did not scrape kube_pod_owner for the 3 pods in time (saw ${seen}):\n${prom.logs().slice(-2000)}`);
    // …and the grid's last point (now floored to the step, minus a step) lies after it, so the owner query sees it.
    const scraped = Date.now() / 1000;
    const bound = Date.now() + 3 * STEP * 1000;
    while (Math.floor(Date.now() / 1000 / STEP) * STEP - STEP <= scraped && Date.now() < bound) await new Promise((r) => setTimeout(r, 250));
  });
  after(async () => {
    await prom?.stop();
    await cp?.stop();
  });

  const source = (owners = true) => {
    const stats = newBatchPlanStats();
    const src = new ClusterDataSource({
      prometheusUrl: prom!.url, kubeconfig: cp!.kubeconfig, step: STEP, historyDays: 3 / 24, now: () => Date.now() / 1000, batch: { stats, owners },
    });
    return { src, stats };
  };

  it('Prometheus has the owner chain as kube-state-metrics read it from the API server (job kube-state-metrics)', async () => {
    const pods = await instant(prom!, 'kube_pod_owner{namespace="shop"}');
    const byPod = new Map(pods.map((s) => [s.metric.pod, s.metric]));
    assert.equal(byPod.get(workerPod)?.owner_name, workerRs);
    assert.equal(byPod.get(workerPod)?.job, 'kube-state-metrics');
    for (const p of checkout.pods) assert.equal(byPod.get(nameOf(p))?.owner_name, nameOf(checkout.replicaSet));
    const rss = await instant(prom!, 'kube_replicaset_owner{namespace="shop"}');
    assert.deepEqual(rss.map((s) => `${s.metric.replicaset}→${s.metric.owner_kind}/${s.metric.owner_name}`).sort(),
      [`${nameOf(checkout.replicaSet)}→Deployment/checkout`, `${workerRs}→Deployment/worker`].sort());
  });

  it('recommendFromSource maps every pod by the scraped owner chain: worker gets its own pod, checkout only its two', async () => {
    const { src, stats } = source();
    const skipped: string[] = [];
    const runs = await recommendFromSource(src, { namespace: 'shop', onSkip: (w, reason) => skipped.push(`${w.name}: ${reason}`) });
    assert.deepEqual(skipped, []);
    assert.ok(stats.ownerQueries >= 2, `${stats.ownerQueries} owner queries`);
    assert.equal(stats.podsByPattern, 0, 'no pod matched by its name');
    assert.ok(stats.podsByOwner >= 3, `${stats.podsByOwner} pods by owner`);
    const cpu = (name: string) => runs.find((r) => r.recommendation.workload.name === name)?.recommendation.containers.find((c) => c.container === 'server')?.cpu?.request.value;
    const [c, w] = [cpu('checkout'), cpu('worker')];
    assert.ok(c !== undefined && c > 0.15 && c < 0.5, `checkout server cpu ${c} (usage ~0.2 cores per pod)`);
    assert.ok(w !== undefined && w > 1.2 && w < 3, `worker server cpu ${w} (usage ~1.5 cores)`);
  });

  it('OOM kills: read from the scraped kube-state-metrics when it reports container restarts, else one warning and none', async () => {
    const { src } = source();
    const warned: string[] = [];
    const runs = await recommendFromSource(src, { namespace: 'shop', onSourceWarning: (m) => warned.push(m) });
    // Pods with no kubelet have no container statuses, so kube-state-metrics may report no restart counter for them.
    const restarts = await instant(prom!, 'kube_pod_container_status_restarts_total{namespace="shop"}');
    assert.equal(warned.includes(OOM_MISSING), restarts.length === 0, `${restarts.length} restart series; warnings: ${warned.join(' | ')}`);
    for (const r of runs) {
      const notes = r.recommendation.containers.flatMap((c) => c.memory?.evidence.notes ?? []);
      assert.ok(!notes.some((n) => /OOM kill\(s\)/.test(n)), `${r.recommendation.workload.name}: no kills, no OOM rule`);
    }
  });

  it('by name patterns alone the same cluster is misread (what the owner chain prevents): worker has no pods, checkout gets worker\'s', async () => {
    const { src, stats } = source(false);
    const skipped: string[] = [];
    const runs = await recommendFromSource(src, { namespace: 'shop', onSkip: (w, reason) => skipped.push(`${w.name}: ${reason}`) });
    assert.equal(stats.ownerQueries, 0);
    assert.ok(skipped.some((s) => /^worker: no samples/.test(s)), skipped.join('\n'));
    const c = runs.find((r) => r.recommendation.workload.name === 'checkout')?.recommendation.containers.find((x) => x.container === 'server')?.cpu?.request.value;
    assert.ok(c !== undefined && c > 0.5, `checkout server cpu ${c}: averaged with worker's 1.5-core pod`);
  });
});
