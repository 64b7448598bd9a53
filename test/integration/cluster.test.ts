// ClusterDataSource end to end: workloads from the Kubernetes API stand-in (test/harness/kube-standin.ts, a TEST
// DOUBLE serving real HTTPS, driven by the real @kubernetes/client-node) and metrics from a real Prometheus backfilled
// (promtool) with cAdvisor-, application- and kube-state-metrics-shaped series generated here from known rates.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { Rng } from '../../src/core/random';
import type { WorkloadRef } from '../../src/core/workload';
import { healthCommand } from '../../src/cli/commands/health';
import { ClusterDataSource } from '../../src/data/cluster';
import { KubeError } from '../../src/data/kube/errors';
import { KubeClient } from '../../src/data/kube/client';
import { kubeScaler } from '../../src/data/experiments/plan';
import { PrometheusClient } from '../../src/data/prometheus/client';
import { startKubeStandin, type KubeStandin } from '../harness/kube-standin';
import { mora } from '../unit/helpers/run-cli';
import { freeLoopbackPort, startPrometheus, toOpenMetrics, type OpenMetricsSeries, type RunningPrometheus } from '../harness/prometheus';

const STEP = 60;
const HOURS = 6;
const BLOCK = 1800;
const PODS = ['checkout-6b7f9c8d5e-k2x9p', 'checkout-6b7f9c8d5e-m4q7z'];
const DECOY = 'checkout-gateway-5c6d7e8f9a-zz9zz'; // another Deployment whose name starts with "checkout"

interface Truth {
  start: number;
  end: number;
  /** cores of container "server" per pod, constant within each 30-minute block */
  cpu(pod: number, t: number): number;
  memory: Map<string, number>; // `${pod}@${t}` → bytes
  okRate: number[]; // per pod
  errRate: number[];
  blockOf(t: number): number;
}

function generate(end: number): { series: OpenMetricsSeries[]; truth: Truth } {
  const rng = new Rng(2026);
  const start = end - HOURS * 3600;
  const blocks = (HOURS * 3600) / BLOCK;
  const cpuRates = PODS.map(() => Array.from({ length: blocks }, () => 0.05 + 0.5 * rng.next()));
  const blockOf = (t: number) => Math.floor((t - start - 1) / BLOCK);
  const series: OpenMetricsSeries[] = [];
  const memory = new Map<string, number>();
  const counter = (rate: (t: number) => number) => {
    const s: Array<[number, number]> = [[start, 0]];
    let v = 0;
    for (let t = start + STEP; t <= end; t += STEP) { v += rate(t) * STEP; s.push([t, v]); }
    return s;
  };
  const okRate = [12, 8];
  const errRate = [0.5, 0.25];
  PODS.forEach((pod, p) => {
    const base = { namespace: 'shop', pod };
    series.push({ name: 'container_cpu_usage_seconds', type: 'counter', labels: { ...base, container: 'server' }, samples: counter((t) => cpuRates[p][blockOf(t)]) });
    series.push({ name: 'container_cpu_usage_seconds', type: 'counter', labels: { ...base, container: 'envoy' }, samples: counter(() => 0.05) });
    // cAdvisor's pod-level cgroup (container=""): the sum; queries must not count it twice.
    series.push({ name: 'container_cpu_usage_seconds', type: 'counter', labels: { ...base, container: '' }, samples: counter((t) => cpuRates[p][blockOf(t)] + 0.05) });
    const mem: Array<[number, number]> = [];
    for (let t = start; t <= end; t += STEP) {
      const b = Math.round(150e6 + 100e6 * rng.next());
      memory.set(`${p}@${t}`, b);
      mem.push([t, b]);
    }
    series.push({ name: 'container_memory_working_set_bytes', type: 'gauge', labels: { ...base, container: 'server' }, samples: mem });
    series.push({ name: 'http_requests', type: 'counter', labels: { ...base, code: '200' }, samples: counter(() => okRate[p]) });
    series.push({ name: 'http_requests', type: 'counter', labels: { ...base, code: '503' }, samples: counter(() => errRate[p]) });
  });
  series.push({ name: 'container_cpu_usage_seconds', type: 'counter', labels: { namespace: 'shop', pod: DECOY, container: 'server' }, samples: counter(() => 7) });
  const ready: Array<[number, number]> = [];
  for (let t = start; t <= end; t += STEP) ready.push([t, 2]);
  series.push({ name: 'kube_deployment_status_replicas_ready', type: 'gauge', labels: { namespace: 'shop', deployment: 'checkout' }, samples: ready });
  return { series, truth: { start, end, cpu: (p, t) => cpuRates[p][blockOf(t)], memory, okRate, errRate, blockOf } };
}

function deployment(name: string, containers: string[], replicas: number) {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: 'shop', labels: { app: name } },
    spec: { replicas, template: { spec: { containers: containers.map((c) => ({ name: c, image: `${c}:1`, resources: { requests: { cpu: '200m', memory: '256Mi' }, limits: { memory: '512Mi' } } })) } } },
  };
}

describe('ClusterDataSource: Kubernetes API stand-in + backfilled real Prometheus', function () {
  this.timeout(120_000);
  const end = Math.floor(Date.now() / 1000 / 3600) * 3600 - 3600;
  const { series, truth } = generate(end);
  let prom: RunningPrometheus | undefined;
  let kube: KubeStandin | undefined;
  let source: ClusterDataSource;
  const checkout: WorkloadRef = { context: 'standin', namespace: 'shop', kind: 'Deployment', name: 'checkout' };

  before(async () => {
    [prom, kube] = await Promise.all([startPrometheus({ openMetrics: toOpenMetrics(series) }), startKubeStandin()]);
    kube.add(deployment('checkout', ['server', 'envoy'], 2));
    kube.add(deployment('checkout-gateway', ['server'], 1));
    kube.add({ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db', namespace: 'shop' }, spec: { replicas: 1, template: { spec: { containers: [{ name: 'postgres', resources: { requests: { memory: '1Gi' } } }] } } } });
    kube.add({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'checkout', namespace: 'shop' },
      spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'checkout' }, minReplicas: 2, maxReplicas: 6,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }] } });
    kube.add({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'payments' } });
    source = new ClusterDataSource({ prometheusUrl: prom.url, kubeconfig: kube.kubeconfigFile('standin', 'shop'), now: () => end, historyDays: 14 });
  });
  after(async () => {
    await prom?.stop();
    await kube?.stop();
  });

  it('lists contexts, namespaces and workloads with requests, limits, replicas and the HPA', async () => {
    assert.deepEqual(await source.contexts(), ['standin']);
    assert.deepEqual(await source.namespaces('standin'), ['payments', 'shop']);
    const ws = await source.workloads('standin', 'shop');
    assert.deepEqual(ws.map((w) => `${w.kind}/${w.name}`).sort(), ['Deployment/checkout', 'Deployment/checkout-gateway', 'StatefulSet/db']);
    const c = ws.find((w) => w.name === 'checkout')!;
    assert.equal(c.replicas, 2);
    assert.deepEqual(c.containers.map((x) => x.name), ['server', 'envoy']);
    assert.deepEqual(c.containers[0].resources, { requests: { cpu: 0.2, memory: 256 * 2 ** 20 }, limits: { memory: 512 * 2 ** 20 } });
    assert.deepEqual(c.hpa, { minReplicas: 2, maxReplicas: 6, targetCpuUtilization: 0.7 });
    assert.equal(ws.find((w) => w.name === 'db')!.hpa, undefined);
  });

  it("gives a container's metrics on a common grid: CPU and memory per pod on average, request/error rates and ready replicas per workload", async () => {
    const from = truth.start + 600;
    const { frame, missing } = await source.metricsDetailed({ workload: checkout, container: 'server' }, { from, to: end, step: STEP });
    assert.equal(frame.step, STEP);
    assert.equal(frame.t.length, (end - from) / STEP);
    const window = 120; // max(60 s, 2 steps)
    let checked = 0;
    for (let i = 0; i < frame.t.length; i++) {
      const t = frame.t[i];
      const mem = (truth.memory.get(`0@${t}`)! + truth.memory.get(`1@${t}`)!) / 2;
      assert.equal(frame.values.memory_working_set![i], mem, `memory at ${t}`);
      assert.ok(Math.abs(frame.values.request_rate![i] - 20.75) < 1e-6, `request rate ${frame.values.request_rate![i]}`);
      assert.ok(Math.abs(frame.values.error_rate![i] - 0.75) < 1e-6, `error rate ${frame.values.error_rate![i]}`);
      assert.equal(frame.values.ready_replicas![i], 2);
      if (truth.blockOf(t - window + STEP) !== truth.blockOf(t)) continue;
      const cpu = (truth.cpu(0, t) + truth.cpu(1, t)) / 2;
      assert.ok(Math.abs(frame.values.cpu_usage![i] - cpu) < 1e-6, `cpu at ${t}: ${frame.values.cpu_usage![i]} vs ${cpu}`);
      checked++;
    }
    assert.ok(checked > 250, `${checked} CPU points checked`);
    // No latency histogram, no CFS or network series were generated: absent (not zeros), each with a hint.
    for (const m of ['latency_p95', 'cpu_throttling_ratio', 'network_rx'] as const) {
      assert.equal(frame.values[m], undefined);
      assert.ok(missing.some((q) => q.metric === m && q.hint.length > 10));
    }
  });

  it('chunked requests give the same frame, and 14 days at 60 s come back at a coarser step under 11,000 points', async () => {
    const range = { from: truth.start + 600, to: end, step: STEP };
    const chunky = new ClusterDataSource({ prometheusUrl: prom!.url, prometheus: new PrometheusClient({ url: prom!.url, chunkPoints: 37 }), kube: KubeClient.load({ kubeconfig: kube!.kubeconfigFile() }) });
    const a = await source.metrics({ workload: checkout, container: 'server' }, range);
    const b = await chunky.metrics({ workload: checkout, container: 'server' }, range);
    assert.deepEqual([...b.t], [...a.t]);
    assert.deepEqual([...b.values.cpu_usage!], [...a.values.cpu_usage!]);
    const full = await source.metrics({ workload: checkout, container: 'server' }, await source.historyRange({ workload: checkout }));
    assert.ok(full.t.length <= 11_000 && full.step > STEP, `${full.t.length} points at ${full.step} s`);
    assert.ok(full.values.cpu_usage!.some(Number.isNaN), 'days before the backfill are gaps');
  });

  it('recommends from the live path (what mora recommend --source cluster runs), and names the workloads it could not read', async () => {
    const { recommendFromSource } = require('../../src/pipeline/recommend') as typeof import('../../src/pipeline/recommend');
    const skipped: string[] = [];
    const runs = await recommendFromSource(source, { namespace: 'shop', onSkip: (w, reason) => skipped.push(`${w.name}: ${reason}`) });
    assert.equal(skipped.length, 1);
    assert.match(skipped[0], /^db: no samples for container_cpu_usage_seconds_total/);
    const recs = runs.map((r) => r.recommendation);
    const c = recs.find((r) => r.workload.name === 'checkout');
    assert.ok(c, `checkout recommended (got ${recs.map((r) => r.workload.name).join(', ')})`);
    const server = c.containers.find((x) => x.container === 'server')!;
    // Per-pod CPU in the backfill lies in 0.05–0.55 cores; the request must sit in that range (plus margin), not at the decoy's 7 cores.
    assert.ok(server.cpu!.request.value > 0.05 && server.cpu!.request.value < 1, `cpu ${server.cpu!.request.value}`);
    // Memory is sized to the per-pod peak (never below what was observed): the average of the two pods' working sets.
    let peak = 0;
    for (let t = truth.start; t <= end; t += STEP) peak = Math.max(peak, (truth.memory.get(`0@${t}`)! + truth.memory.get(`1@${t}`)!) / 2);
    const memLimit = server.memory!.limit?.value ?? server.memory!.request.value;
    assert.ok(memLimit >= peak, `memory ${memLimit} vs observed peak ${peak}`);
    // The request rate never varied here, so capacity per replica is unknown: the HPA still gets advice, keeping its bounds.
    assert.deepEqual({ min: c.replicas?.hpa?.minReplicas, max: c.replicas?.hpa?.maxReplicas, target: c.replicas?.hpa?.targetCpuUtilization }, { min: 2, max: 6, target: 0.7 });
  });

  it('names the selector to check when a workload has no cAdvisor samples', async () => {
    const db = { ...checkout, kind: 'StatefulSet' as const, name: 'db' };
    await assert.rejects(source.metrics({ workload: db }, { from: truth.start, to: end, step: STEP }),
      { message: 'no samples for container_cpu_usage_seconds_total{namespace="shop",pod=~"db-[0-9]+",container!="",container!="POD"} — is cAdvisor (the kubelet\'s /metrics/cadvisor) scraped?' });
  });

  // Patching, the 409 retry and scaling (with its dry run) are tested against the real kube-apiserver in
  // control-plane.test.ts; the stand-in's copy of them is gone.
  it('says which verb and resource RBAC denies, and names a missing workload or container', async () => {
    kube!.deny.push({ verb: 'patch', resource: 'deployments', namespace: 'shop' });
    try {
      const err = await source.kube().scale(checkout, 4).then(() => assert.fail('expected a 403'), (e: Error) => e);
      assert.ok(err instanceof KubeError && err.kind === 'forbidden');
      assert.match(err.message, /^RBAC denied: cannot patch deployments\.apps "checkout" in namespace "shop" \(context "standin"\) — ask for verb "patch" on resource "deployments" in API group "apps"/);
    } finally {
      kube!.deny.pop();
    }
    // Namespaced RBAC: no namespace listing → the context's namespace; a hidden kind → a warning, the rest still listed.
    kube!.deny.push({ verb: 'list', resource: 'namespaces' }, { verb: 'list', resource: 'statefulsets', namespace: 'shop' });
    try {
      assert.deepEqual(await source.namespaces('standin'), ['shop']);
      const ws = await source.workloads('standin', 'shop');
      assert.deepEqual(ws.map((w) => w.name).sort(), ['checkout', 'checkout-gateway']);
      assert.equal(source.lastWarnings.length, 1);
      assert.match(source.lastWarnings[0], /RBAC denied: cannot list statefulsets\.apps in namespace "shop"/);
    } finally {
      kube!.deny.splice(-2);
    }
    await assert.rejects(source.kube().scale({ ...checkout, name: 'gone' }, 1), (e: KubeError) => e.kind === 'not-found' && /deployments\.apps "gone" in namespace "shop"/.test(e.message));
    await assert.rejects(source.kube().applyResources(checkout, [{ container: 'sidecar', requests: { cpu: 0.1 } }]), /has no container "sidecar"; containers: server, envoy/);
  });

  it("an API server error that echoes the kubeconfig's token reaches no message", async () => {
    const token = 'echoed-kube-token-3c1f0a9e8d7b6a5f4e3d2c1b0a998877';
    // A server (or a proxy in front of it) that names the caller by its credential in its Forbidden text.
    const echo = await startKubeStandin({ token, user: `token:${token}`, deny: [{ verb: 'list', resource: 'namespaces' }, { verb: 'patch', resource: 'deployments', namespace: 'shop' }] });
    try {
      echo.add(deployment('cart', ['server'], 1));
      const client = KubeClient.load({ kubeconfig: echo.kubeconfigFile('standin', 'shop') });
      const err = await client.scale({ context: 'standin', namespace: 'shop', kind: 'Deployment', name: 'cart' }, 2).then(() => assert.fail('expected a 403'), (e: Error) => e);
      assert.ok(err instanceof KubeError && err.kind === 'forbidden', String(err));
      assert.match(err.message, /is forbidden: User "token:\*\*\*" cannot patch/);
      assert.ok(!err.message.includes(token), err.message);
    } finally {
      await echo.stop();
    }
  });

  it('gives up on an API server that accepts connections but never answers, with a clear message', async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((sock) => sockets.push(sock)); // accepts, then says nothing (a black hole behind a VPN)
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const port = (silent.address() as net.AddressInfo).port;
    const file = path.join(os.tmpdir(), `mora-silent-kubeconfig-${port}.yaml`);
    fs.writeFileSync(file, kube!.kubeconfig().replace(kube!.url, `https://127.0.0.1:${port}`));
    try {
      const client = KubeClient.load({ kubeconfig: file, timeoutMs: 500 });
      const t0 = Date.now();
      await assert.rejects(client.version('standin'), (e: KubeError) => e.kind === 'unreachable'
        && e.message === `the Kubernetes API at https://127.0.0.1:${port} (context "standin") did not answer within 1 s — is the cluster reachable (VPN, firewall)?`);
      assert.ok(Date.now() - t0 < 5_000);
    } finally {
      fs.rmSync(file, { force: true });
      for (const sock of sockets) sock.destroy();
      silent.close();
    }
  });

  it('(stand-in honesty) answers 415 for a patch type it does not accept, and 409 for a PUT with a stale resourceVersion', async () => {
    const cfg = parseYaml(kube!.kubeconfig()) as { clusters: Array<{ cluster: { 'certificate-authority-data'?: string } }>; users: Array<{ user: { token: string } }> };
    const ca = cfg.clusters[0].cluster['certificate-authority-data'];
    const call = (method: string, p: string, contentType: string, body: string) => new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
      const req = https.request(new URL(`${kube!.url}${p}`), { method, ca: ca ? Buffer.from(ca, 'base64') : undefined, rejectUnauthorized: !!ca,
        headers: { Authorization: `Bearer ${cfg.users[0].user.token}`, 'Content-Type': contentType } }, (res) => {
        let b = '';
        res.on('data', (d: Buffer) => (b += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(b) as Record<string, unknown> }));
      });
      req.on('error', reject);
      req.end(body);
    });
    const p = '/apis/apps/v1/namespaces/shop/deployments/checkout-gateway';
    const cbor = await call('PATCH', p, 'application/apply-patch+cbor', '{}');
    assert.equal(cbor.status, 415);
    assert.equal(cbor.body.reason, 'UnsupportedMediaType');
    const current = kube!.get('deployments', 'shop', 'checkout-gateway') as { metadata: { resourceVersion: string } };
    const stale = structuredClone(current) as typeof current;
    kube!.touch('deployments', 'shop', 'checkout-gateway');
    const put = await call('PUT', p, 'application/json', JSON.stringify(stale));
    assert.equal(put.status, 409);
    assert.equal(put.body.reason, 'Conflict');
    const fresh = structuredClone(kube!.get('deployments', 'shop', 'checkout-gateway')) as { metadata: { resourceVersion: string } };
    const ok = await call('PUT', p, 'application/json', JSON.stringify(fresh));
    assert.equal(ok.status, 200);
    assert.ok(Number((ok.body.metadata as { resourceVersion: string }).resourceVersion) > Number(fresh.metadata.resourceVersion), 'a write bumps the resourceVersion');
    // The other patch types do what their RFCs say.
    const jp = await call('PATCH', p, 'application/json-patch+json', JSON.stringify([{ op: 'test', path: '/spec/replicas', value: 1 }, { op: 'replace', path: '/spec/replicas', value: 4 }]));
    assert.equal(jp.status, 200);
    assert.equal((jp.body.spec as { replicas: number }).replicas, 4);
    const failedTest = await call('PATCH', p, 'application/json-patch+json', JSON.stringify([{ op: 'test', path: '/spec/replicas', value: 1 }]));
    assert.equal(failedTest.status, 422);
    const mp = await call('PATCH', p, 'application/merge-patch+json', JSON.stringify({ metadata: { labels: { app: null } } }));
    assert.deepEqual((mp.body.metadata as { labels: Record<string, string> }).labels, {});
  });

  it('scales a workload for an experiment plan and waits until the replicas are ready (bounded)', async () => {
    const ctl = await startKubeStandin({ simulateControllers: true });
    try {
      ctl.add(deployment('cart', ['server'], 1));
      const client = KubeClient.load({ kubeconfig: ctl.kubeconfigFile() });
      const ref: WorkloadRef = { context: 'standin', namespace: 'shop', kind: 'Deployment', name: 'cart' };
      await kubeScaler(client, ref, { pollMs: 20 }).scale(3);
      const obj = ctl.get('deployments', 'shop', 'cart') as { spec: { replicas: number }; status: { readyReplicas: number } };
      assert.equal(obj.spec.replicas, 3);
      assert.equal(obj.status.readyReplicas, 3);
    } finally {
      await ctl.stop();
    }
    // Without controllers nothing ever becomes ready: the wait ends with a message, not a hang.
    await assert.rejects(kubeScaler(source.kube(), { ...checkout, name: 'checkout-gateway' }, { timeoutMs: 300, pollMs: 50 }).scale(2),
      /Deployment "checkout-gateway" in namespace "shop" has 0 of 2 replicas ready after 0 s/);
  });

  it('mora health: one line per check; exit 2 when Prometheus answers without current cAdvisor data, 3 when it is unreachable', async () => {
    const kubeconfig = kube!.kubeconfigFile();
    // An instance that only has old backfilled data answers "now" with no cAdvisor samples: a data problem (exit 2).
    const stale = await healthCommand({ prometheus: prom!.url, kubeconfig, format: 'text', timeout: '10' });
    assert.equal(stale.code, 2, stale.text);
    assert.match(stale.text, /^FAIL cAdvisor: no samples for container_cpu_usage_seconds_total — is cAdvisor/m);
    assert.match(stale.text, /^ok {3}prometheus: Prometheus \S+ at http:\/\/127\.0\.0\.1/m);
    assert.match(stale.text, /^ok {3}kubernetes: Kubernetes v1\.31\.0-standin \(context "standin"/m);
    const port = await freeLoopbackPort();
    const down = await healthCommand({ prometheus: `http://127.0.0.1:${port}`, kubeconfig, format: 'json', timeout: '5' });
    assert.equal(down.code, 3);
    const body = JSON.parse(down.text) as { ok: boolean; checks: Array<{ name: string; ok: boolean; message: string }> };
    assert.equal(body.ok, false);
    assert.match(body.checks.find((c) => c.name === 'prometheus')!.message, /refused the connection/);
    assert.equal(body.checks.find((c) => c.name === 'kubernetes')!.ok, true);
  });

  it('health and recommend: the same kubeconfig fault gives the same exit code (missing or broken 2, unreachable API 3), and a broken kubeconfig is never quoted', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mora-kubeconfig-'));
    try {
      const token = 'kc-token-7f3a9b2c4d5e6f708192a3b4c5d6e7f8';
      const broken = path.join(dir, 'broken');
      fs.writeFileSync(broken, [
        'apiVersion: v1', 'kind: Config', 'clusters:', '- cluster:', '    server: https://127.0.0.1:6443', '  name: c',
        'users:', '- name: u', '  user:', `    token: ${token}`, '   oops: bad indentation', 'contexts:', '- context: {cluster: c, user: u}', '  name: x', 'current-context: x', ''].join('\n'));
      const port = await freeLoopbackPort();
      const deadApi = path.join(dir, 'dead-api');
      fs.writeFileSync(deadApi, kube!.kubeconfig('standin', 'shop').replace(/server: \S+/, `server: https://127.0.0.1:${port}`));
      const cases: Array<[string, string, number]> = [
        ['missing', path.join(dir, 'does-not-exist'), 2],
        ['not valid YAML', broken, 2],
        ['API server unreachable', deadApi, 3],
      ];
      for (const [what, file, code] of cases) {
        const health = await mora(['health', '--prometheus', prom!.url, '--kubeconfig', file, '--timeout', '5']);
        const rec = await mora(['recommend', '--source', 'cluster', '--prometheus', prom!.url, '--kubeconfig', file, '-q']);
        assert.equal(health.code, code, `health, kubeconfig ${what}: ${health.out}${health.err}`);
        assert.equal(rec.code, code, `recommend, kubeconfig ${what}: ${rec.err}`);
        for (const r of [health, rec]) assert.ok(!(r.out + r.err).includes(token) && !/\|\s+\d+ \|| {2}\d+ \| /.test(r.out + r.err), `${what}: ${r.out}${r.err}`);
      }
      const h = await mora(['health', '--prometheus', prom!.url, '--kubeconfig', broken]);
      assert.match(h.out, new RegExp(`FAIL kubernetes: the kubeconfig ${broken.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not valid YAML at line 11, column 4: bad indentation of a mapping entry`));
      assert.equal(h.out.split('\n').filter((l) => l.startsWith('FAIL kubernetes')).length, 1);
      assert.ok(!h.out.includes('oops'), h.out);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports health per check, and an unreachable Prometheus with the clear message', async () => {
    const h = await source.health();
    assert.equal(h.ok, true, h.message);
    assert.match(h.message, /Prometheus .* at http:\/\/127\.0\.0\.1:\d+/);
    assert.match(h.message, /Kubernetes v1\.31\.0-standin/);
    const port = await freeLoopbackPort();
    const down = new ClusterDataSource({ prometheusUrl: `http://127.0.0.1:${port}`, kube: KubeClient.load({ kubeconfig: kube!.kubeconfigFile() }) });
    const msg = `Prometheus at http://127.0.0.1:${port} refused the connection — is it running? set mora.prometheus.url / --prometheus`;
    await assert.rejects(down.metrics({ workload: checkout }, { from: end - 3600, to: end, step: STEP }), { message: msg });
    const dh = await down.health();
    assert.equal(dh.ok, false);
    assert.equal(dh.message, msg);
  });
});
