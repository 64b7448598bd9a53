// No Prometheus in the cluster: MOrA falls back to metrics.k8s.io (metrics-server) — current usage only, labelled as a
// snapshot (no history, no forecast, confidence capped, a note in the evidence), never mixed with Prometheus data.
//
// Real parts: kube-apiserver's aggregation layer (front-proxy client certificate, --requestheader-* flags,
// --enable-aggregator-routing) routes /apis/metrics.k8s.io/v1beta1 to an APIService backed by a Service whose
// endpoint is a small HTTPS server this test runs (it answers like metrics-server: APIResourceList, PodMetricsList).
// The API server refuses loopback endpoint addresses, so that server listens on the host end of a veth pair into a
// network namespace the test creates (test/harness/netns.ts, root only).
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Recommendation } from '../../src/core/recommendation';
import { SNAPSHOT_CONFIDENCE } from '../../src/pipeline/recommend';
import { cleanEnv, moraProcess } from '../unit/helpers/run-cli';
import { ControlPlane, type CreatedDeployment } from '../harness/control-plane';
import { canCreateNetns, createNetns, type NetNamespace } from '../harness/netns';

type Json = Record<string, unknown>;
const runMora = (args: string[]) => moraProcess(args, cleanEnv());

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: 'ignore', timeout: 30_000 });
}

const unavailable = canCreateNetns();

describe('metrics.k8s.io fallback through the real aggregation layer (no Prometheus in the cluster)', function () {
  this.timeout(120_000);
  let cp: ControlPlane | undefined;
  let ns: NetNamespace | undefined;
  let server: https.Server | undefined;
  let dir: string;
  let checkout: CreatedDeployment;
  const seenUsers: string[] = [];

  before(async function () {
    if (unavailable) {
      console.warn(`skipped: needs a network namespace (${unavailable})`);
      this.skip();
    }
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mora-aggregation-'));
    const f = (n: string) => path.join(dir, n);
    // The front proxy's CA and the client certificate the API server shows to aggregated servers.
    openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', f('fp-ca.key'), '-out', f('fp-ca.crt'), '-days', '2', '-subj', '/CN=front-proxy-ca',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature']);
    openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', f('fp.key'), '-out', f('fp.crt'), '-CA', f('fp-ca.crt'), '-CAkey', f('fp-ca.key'),
      '-days', '2', '-subj', '/CN=front-proxy-client', '-addext', 'basicConstraints=critical,CA:FALSE', '-addext', 'extendedKeyUsage=clientAuth']);
    // The stand-in metrics-server's serving certificate (the APIService skips verification, as many installs do).
    openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', f('ms.key'), '-out', f('ms.crt'), '-days', '2', '-subj', '/CN=metrics-server']);

    ns = createNetns();
    cp = await ControlPlane.start({
      apiServerArgs: [
        `--requestheader-client-ca-file=${f('fp-ca.crt')}`, '--requestheader-allowed-names=front-proxy-client',
        '--requestheader-username-headers=X-Remote-User', '--requestheader-group-headers=X-Remote-Group',
        '--requestheader-extra-headers-prefix=X-Remote-Extra-',
        `--proxy-client-cert-file=${f('fp.crt')}`, `--proxy-client-key-file=${f('fp.key')}`,
        '--enable-aggregator-routing=true',
      ],
    });
    await cp.createNode('mora-node-1', { cpu: '8', memory: '32Gi' });
    await cp.createNamespace('shop');
    checkout = await cp.createDeployment('shop', {
      name: 'checkout', replicas: 2,
      containers: [{ name: 'server', image: 'shop/checkout:1.4', requests: { cpu: '500m', memory: '512Mi' } }],
    });

    // A one-off Job "checkout-migrate" (same image, same container name): its pod's name matches the Deployment's
    // pattern checkout-<hash>-<5>, and its usage (1900m, 3Gi) must not be taken for checkout's.
    const job = await cp.create({
      apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'checkout-migrate', namespace: 'shop' },
      spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'server', image: 'shop/checkout:1.4', resources: { requests: { cpu: '500m', memory: '512Mi' } } }] } } },
    });
    const jobSpec = job.spec as { template: { metadata: { labels: Record<string, string> }; spec: Json } };
    const migratePod = await cp.markPodRunning(await cp.create({
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name: 'checkout-migrate-k4x9z', namespace: 'shop', labels: jobSpec.template.metadata.labels,
        ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: 'checkout-migrate', uid: (job.metadata as Json).uid, controller: true, blockOwnerDeletion: true }] },
      spec: { ...jobSpec.template.spec, nodeName: 'mora-node-1' },
    }));

    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    // Like metrics-server: the pod's name and labels, no owner references.
    const podMetric = (p: Json, cpu: string, memory: string) => ({
      metadata: { name: String((p.metadata as Json).name), namespace: 'shop', creationTimestamp: now, labels: (p.metadata as Json).labels },
      timestamp: now, window: '15s', containers: [{ name: 'server', usage: { cpu, memory } }],
    });
    const podMetrics = [
      ...checkout.pods.map((p, i) => podMetric(p, i === 0 ? '120m' : '80m', i === 0 ? '200Mi' : '150Mi')),
      podMetric(migratePod, '1900m', '3Gi'),
    ];
    const list = (items: unknown[]) => ({ kind: 'PodMetricsList', apiVersion: 'metrics.k8s.io/v1beta1', metadata: {}, items });
    server = https.createServer({ cert: fs.readFileSync(f('ms.crt')), key: fs.readFileSync(f('ms.key')) }, (req, res) => {
      const url = new URL(req.url ?? '/', 'https://x');
      const user = req.headers['x-remote-user'];
      if (user) seenUsers.push(String(user));
      const send = (code: number, body: unknown) => { res.writeHead(code, { 'Content-Type': 'application/json' }); res.end(JSON.stringify(body)); };
      if (url.pathname === '/apis/metrics.k8s.io/v1beta1') {
        return send(200, { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: 'metrics.k8s.io/v1beta1', resources: [
          { name: 'pods', singularName: '', namespaced: true, kind: 'PodMetrics', verbs: ['get', 'list'] },
          { name: 'nodes', singularName: '', namespaced: false, kind: 'NodeMetrics', verbs: ['get', 'list'] }] });
      }
      if (url.pathname === '/apis/metrics.k8s.io/v1beta1/pods') return send(200, list(podMetrics.slice(0, Number(url.searchParams.get('limit')) || undefined)));
      if (url.pathname === '/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods') return send(200, list(podMetrics));
      if (/^\/apis\/metrics\.k8s\.io\/v1beta1\/namespaces\/[^/]+\/pods$/.test(url.pathname)) return send(200, list([]));
      return send(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 });
    });
    await new Promise<void>((r) => server!.listen(0, ns!.hostAddress, () => r()));
    const port = (server.address() as { port: number }).port;

    await cp.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'metrics-server', namespace: 'kube-system', labels: { 'k8s-app': 'metrics-server' } },
      spec: { ports: [{ name: 'https', port: 443, targetPort: port }] } });
    await cp.create({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
      metadata: { name: 'metrics-server-abcde', namespace: 'kube-system', labels: { 'kubernetes.io/service-name': 'metrics-server' } },
      addressType: 'IPv4', endpoints: [{ addresses: [ns.hostAddress], conditions: { ready: true } }], ports: [{ name: 'https', port, protocol: 'TCP' }] });
    await cp.create({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'metrics-server', namespace: 'kube-system' },
      subsets: [{ addresses: [{ ip: ns.hostAddress }], ports: [{ name: 'https', port }] }] });
    await cp.api('POST', '/apis/apiregistration.k8s.io/v1/apiservices', {
      apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService', metadata: { name: 'v1beta1.metrics.k8s.io' },
      spec: { group: 'metrics.k8s.io', version: 'v1beta1', service: { namespace: 'kube-system', name: 'metrics-server', port: 443 },
        insecureSkipTLSVerify: true, groupPriorityMinimum: 100, versionPriority: 100 },
    });
    // The aggregator marks the APIService available once it reached the server: wait for it (deadline, no sleep).
    const deadline = Date.now() + 30_000;
    let last = '';
    for (;;) {
      try {
        await cp.api('GET', '/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods');
        break;
      } catch (e) {
        last = (e as Error).message;
        if (Date.now() > deadline) throw new Error(`metrics.k8s.io never answered through the aggregator: ${last}\n${cp.logs()}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  });

  after(async () => {
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    await cp?.stop();
    ns?.remove();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('mora recommend --source cluster: a snapshot recommendation from metrics.k8s.io, labelled as such, low confidence', async () => {
    const r = await runMora(['recommend', '--source', 'cluster', '--kubeconfig', cp!.kubeconfig, '-n', 'shop', '-f', 'json', '-q']);
    assert.equal(r.code, 0, r.err);
    const recs = JSON.parse(r.out) as Recommendation[];
    const rec = recs.find((x) => x.workload.name === 'checkout');
    assert.ok(rec, r.out);
    const c = rec.containers.find((x) => x.container === 'server')!;
    assert.ok(c.cpu && c.memory, JSON.stringify(c));
    for (const res of [c.cpu, c.memory]) {
      assert.ok(res.confidence <= SNAPSHOT_CONFIDENCE, `confidence ${res.confidence}`);
      assert.match(res.evidence.notes[0], /^snapshot: current usage from metrics\.k8s\.io \(metrics-server\) at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ, 2 pod\(s\) — no Prometheus found, so no history and no forecast; low confidence$/);
    }
    assert.ok(rec.confidence <= SNAPSHOT_CONFIDENCE);
    // From the busier pod's usage (120m, 200Mi), not from the requests (500m, 512Mi), nor from the Job's pod (1900m, 3Gi).
    assert.ok(c.cpu.request.value >= 0.12 && c.cpu.request.value < 0.4, JSON.stringify(c.cpu.request));
    assert.ok(c.memory.request.value >= 200 * 2 ** 20 && c.memory.request.value < 400 * 2 ** 20, JSON.stringify(c.memory.request));
    // The Job's pod is the Job's.
    const migrate = recs.find((x) => x.workload.kind === 'Job' && x.workload.name === 'checkout-migrate')?.containers.find((x) => x.container === 'server');
    assert.ok(migrate?.cpu && migrate.cpu.request.value >= 1.9, JSON.stringify(migrate));
    // It went through the aggregation layer: the API server forwarded the user's identity in X-Remote-User.
    assert.ok(seenUsers.includes('mora-admin'), seenUsers.join(','));
  });

  it('mora health: Prometheus not found (a warning) and metrics.k8s.io in use, exit 0', async () => {
    const r = await runMora(['health', '--kubeconfig', cp!.kubeconfig]);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /^warn prometheus: no Prometheus found in context "mora-real": no Service you can list matches .* — using metrics\.k8s\.io instead$/m);
    assert.match(r.out, /^ok {3}metrics\.k8s\.io: metrics-server answers: current usage only — recommendations are a snapshot \(no history, no forecast, low confidence\)$/m);
  });
});
