// ClusterDataSource end to end against a REAL kube-apiserver (test/harness/control-plane.ts: RBAC and admission on,
// driven by the real @kubernetes/client-node) and a real Prometheus backfilled (promtool) with cAdvisor-, application-
// and kube-state-metrics-shaped series generated here from known rates for the pods that exist there.
// No test double of the Kubernetes API is left: an API server that accepts connections and never answers is a raw TCP
// socket, and the controllers' work (status after a scale) is done by the harness (startReplicaController).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Rng } from '../../src/core/random';
import type { WorkloadRef } from '../../src/core/workload';
import { healthCommand } from '../../src/cli/commands/health';
import { ClusterDataSource } from '../../src/data/cluster';
import { KubeError } from '../../src/data/kube/errors';
import { KubeClient } from '../../src/data/kube/client';
import { kubeScaler } from '../../src/data/experiments/plan';
import { PrometheusClient } from '../../src/data/prometheus/client';
import { ControlPlane } from '../harness/control-plane';
import { mora } from '../unit/helpers/run-cli';
import { freeLoopbackPort } from '../harness/ports';
import { startPrometheus, toOpenMetrics, type OpenMetricsSeries, type RunningPrometheus } from '../harness/prometheus';

type Json = Record<string, unknown>;
const nameOf = (o: Json) => String((o.metadata as Json).name);
const reEscape = (x: string) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const STEP = 60;
const HOURS = 6;
const BLOCK = 1800;

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

/** PODS: checkout's two pods; DECOY: the pod of checkout-gateway, another Deployment whose name starts with "checkout". */
function generate(end: number, PODS: string[], DECOY: string): { series: OpenMetricsSeries[]; truth: Truth } {
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

describe('ClusterDataSource: real kube-apiserver + backfilled real Prometheus', function () {
  this.timeout(120_000);
  const end = Math.floor(Date.now() / 1000 / 3600) * 3600 - 3600;
  // A user the API server knows by a static token and names after it (--token-auth-file): its Forbidden messages echo the token.
  const echoToken = 'echoed-kube-token-3c1f0a9e8d7b6a5f4e3d2c1b0a998877';
  let truth: Truth;
  let prom: RunningPrometheus | undefined;
  let cp: ControlPlane | undefined;
  let dir = '';
  let kubeconfig = '';
  let source: ClusterDataSource;
  const checkout: WorkloadRef = { context: 'mora-real', namespace: 'shop', kind: 'Deployment', name: 'checkout' };

  before(async function () {
    this.timeout(180_000);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mora-cluster-test-'));
    const tokens = path.join(dir, 'tokens.csv');
    fs.writeFileSync(tokens, `${echoToken},token:${echoToken},echo-uid,""\n`, { mode: 0o600 });
    cp = await ControlPlane.start({ apiServerArgs: [`--token-auth-file=${tokens}`] });
    await cp.createNode('mora-node-1', { cpu: '8', memory: '32Gi' });
    await Promise.all(['shop', 'payments'].map((ns) => cp!.createNamespace(ns)));
    const limits = { memory: '512Mi' };
    const co = await cp.createDeployment('shop', {
      name: 'checkout', replicas: 2,
      containers: ['server', 'envoy'].map((name) => ({ name, image: `${name}:1`, requests: { cpu: '200m', memory: '256Mi' }, limits })),
    });
    const gw = await cp.createDeployment('shop', { name: 'checkout-gateway', replicas: 1, containers: [{ name: 'server', image: 'server:1', requests: { cpu: '200m', memory: '256Mi' }, limits }] });
    await cp.create({
      apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db', namespace: 'shop' },
      spec: { replicas: 1, serviceName: 'db', selector: { matchLabels: { app: 'db' } }, template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'postgres', image: 'postgres:16', resources: { requests: { memory: '1Gi' } } }] } } },
    });
    await cp.createHpa('shop', { name: 'checkout', target: 'checkout', minReplicas: 2, maxReplicas: 6, cpuUtilization: 70 });
    const generated = generate(end, co.pods.map(nameOf), nameOf(gw.pods[0]));
    truth = generated.truth;
    prom = await startPrometheus({ openMetrics: toOpenMetrics(generated.series) });
    kubeconfig = cp.writeKubeconfig([{ name: 'mora-real', credentials: cp.admin, namespace: 'shop' }], 'shop');
    source = new ClusterDataSource({ prometheusUrl: prom.url, kubeconfig, now: () => end, historyDays: 14 });
  });
  after(async () => {
    await prom?.stop();
    await cp?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  // Listing workloads with requests, limits and the HPA, patching, the 409 retry, a 404 and a missing container are in
  // control-plane.test.ts (same real server); this file keeps what goes through ClusterDataSource and the CLI.
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
    const chunky = new ClusterDataSource({ prometheusUrl: prom!.url, prometheus: new PrometheusClient({ url: prom!.url, chunkPoints: 37 }), kube: KubeClient.load({ kubeconfig }) });
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

  it('says which verb and resource RBAC denies; namespaced RBAC lists the context\'s namespace, a hidden kind is a warning', async () => {
    // A user who may read Deployments (and what MOrA reads beside them) in "shop", but not StatefulSets, not list
    // namespaces, and not patch anything.
    await cp!.createRole('shop', 'no-statefulsets', [
      { apiGroups: ['apps'], resources: ['deployments', 'daemonsets', 'replicasets'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['batch'], resources: ['jobs', 'cronjobs'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
    ]);
    await cp!.bind('shop', 'no-statefulsets', { kind: 'Role', name: 'no-statefulsets' }, ['user:mora-limited']);
    const file = cp!.writeKubeconfig([{ name: 'limited', credentials: await cp!.userCredentials('mora-limited'), namespace: 'shop' }], 'limited');
    const limited = new ClusterDataSource({ prometheusUrl: prom!.url, kubeconfig: file, now: () => end });
    const err = await limited.kube().scale({ ...checkout, context: 'limited' }, 4).then(() => assert.fail('expected a 403'), (e: Error) => e);
    assert.ok(err instanceof KubeError && err.kind === 'forbidden', String(err));
    assert.match(err.message, /^RBAC denied: cannot patch deployments\.apps "checkout" in namespace "shop" \(context "limited"\) — ask for verb "patch" on resource "deployments" in API group "apps"/);
    assert.deepEqual(await limited.namespaces('limited'), ['shop']);
    const ws = await limited.workloads('limited', 'shop');
    assert.deepEqual(ws.map((w) => w.name).sort(), ['checkout', 'checkout-gateway']);
    assert.equal(limited.lastWarnings.length, 1, limited.lastWarnings.join('\n'));
    assert.match(limited.lastWarnings[0], /RBAC denied: cannot list statefulsets\.apps in namespace "shop"/);
  });

  it("an API server error that echoes the kubeconfig's token reaches no message", async () => {
    // The real server names the caller by its user name, which --token-auth-file set to contain the token itself.
    const file = cp!.writeKubeconfig([{ name: 'echo', credentials: { user: 'echo', token: echoToken }, namespace: 'shop' }], 'echo');
    const client = KubeClient.load({ kubeconfig: file });
    const err = await client.scale({ ...checkout, context: 'echo' }, 2).then(() => assert.fail('expected a 403'), (e: Error) => e);
    assert.ok(err instanceof KubeError && err.kind === 'forbidden', String(err));
    assert.match(err.message, /is forbidden: User "token:\*\*\*" cannot \w+/);
    assert.ok(!err.message.includes(echoToken), err.message);
  });

  // A real API server always answers; one that accepts connections and never does is a plain TCP socket, no double needed.
  it('gives up on an API server that accepts connections but never answers, with a clear message', async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((sock) => sockets.push(sock)); // accepts, then says nothing (a black hole behind a VPN)
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const port = (silent.address() as net.AddressInfo).port;
    const file = path.join(dir, `silent-kubeconfig-${port}.yaml`);
    fs.writeFileSync(file, fs.readFileSync(kubeconfig, 'utf8').replace(cp!.url, `https://127.0.0.1:${port}`));
    try {
      const client = KubeClient.load({ kubeconfig: file, timeoutMs: 500 });
      const t0 = Date.now();
      await assert.rejects(client.version('mora-real'), (e: KubeError) => e.kind === 'unreachable'
        && e.message === `the Kubernetes API at https://127.0.0.1:${port} (context "mora-real") did not answer within 1 s — is the cluster reachable (VPN, firewall)?`);
      assert.ok(Date.now() - t0 < 5_000);
    } finally {
      for (const sock of sockets) sock.destroy();
      silent.close();
    }
  });

  it('scales a workload for an experiment plan and waits until the replicas are ready (bounded)', async () => {
    await cp!.createDeployment('payments', { name: 'cart', replicas: 1, containers: [{ name: 'server', requests: { cpu: '100m' } }] });
    const client = KubeClient.load({ kubeconfig });
    const ref: WorkloadRef = { context: 'mora-real', namespace: 'payments', kind: 'Deployment', name: 'cart' };
    // No kube-controller-manager runs: the harness reports the rollout as the Deployment controller would.
    const controller = cp!.startReplicaController(50);
    try {
      await kubeScaler(client, ref, { pollMs: 50, timeoutMs: 20_000 }).scale(3);
    } finally {
      await controller.stop();
    }
    const obj = await cp!.get('apps/v1', 'Deployment', 'payments', 'cart') as { spec: { replicas: number }; status: { readyReplicas: number } };
    assert.equal(obj.spec.replicas, 3);
    assert.equal(obj.status.readyReplicas, 3);
    // Without the controller nothing more becomes ready: the wait ends with a message, not a hang.
    await assert.rejects(kubeScaler(client, ref, { timeoutMs: 300, pollMs: 50 }).scale(4),
      /Deployment "cart" in namespace "payments" has 3 of 4 replicas ready after 0 s/);
  });

  it('mora health: one line per check; a warning (exit 0) when Prometheus answers with only older cAdvisor data, 3 when it is unreachable', async () => {
    // An instance whose backfilled data ends 1-2 h ago answers "now" with no cAdvisor samples (the 5-minute lookback),
    // but its history holds them: stale, a warning naming how long ago (a FAIL, exit 2, until 2026-12-02).
    const stale = await healthCommand({ prometheus: prom!.url, kubeconfig, format: 'text', timeout: '10' });
    assert.equal(stale.code, 0, stale.text);
    assert.match(stale.text, /^warn cAdvisor: no samples for container_cpu_usage_seconds_total in the last 5 minutes: the newest is about [12]h\d\dm old — the kubelet\/cAdvisor scrape target is down/m);
    assert.match(stale.text, /^ok {3}prometheus: Prometheus \S+ at http:\/\/127\.0\.0\.1/m);
    assert.match(stale.text, new RegExp(`^ok {3}kubernetes: Kubernetes ${reEscape(cp!.version)} \\(context "mora-real"`, 'm'));
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
      fs.writeFileSync(deadApi, fs.readFileSync(kubeconfig, 'utf8').replace(/server: \S+/, `server: https://127.0.0.1:${port}`));
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
    assert.ok(h.message.includes(`Kubernetes ${cp!.version}`), h.message);
    const port = await freeLoopbackPort();
    const down = new ClusterDataSource({ prometheusUrl: `http://127.0.0.1:${port}`, kube: KubeClient.load({ kubeconfig }) });
    const msg = `Prometheus at http://127.0.0.1:${port} refused the connection — is it running? check --prometheus (CLI) or the mora.prometheus.url setting (VS Code)`;
    await assert.rejects(down.metrics({ workload: checkout }, { from: end - 3600, to: end, step: STEP }), { message: msg });
    const dh = await down.health();
    assert.equal(dh.ok, false);
    assert.equal(dh.message, msg);
  });
});
