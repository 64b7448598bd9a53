// Zero-config Prometheus: `mora recommend --source cluster` and `mora health` with NO --prometheus find Prometheus in
// the cluster by its Service labels and query it through the API server's service proxy
// (/api/v1/namespaces/NS/services/http:NAME:PORT/proxy/…) with the kubeconfig's credentials — all real parts: a real
// kube-apiserver (test/harness/control-plane.ts, RBAC on) and a real Prometheus backfilled with cAdvisor-shaped usage.
//
// The service proxy only dials an endpoint whose targetRef Pod carries that address in status.podIPs, and the API
// server refuses loopback endpoint addresses ("may not be in the loopback range (127.0.0.0/8, ::1/128)"). So Prometheus
// runs in a network namespace this test creates (test/harness/netns.ts: a veth pair, 10.250.x.y/30, root only), and a
// Pod (status set through the status subresource, as the kubelet would), a Service and an EndpointSlice point at it.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { Recommendation } from '../../src/core/recommendation';
import { cleanEnv, moraProcess } from '../unit/helpers/run-cli';
import { ControlPlane, type CreatedDeployment } from '../harness/control-plane';
import { usageSeries } from '../harness/live-cluster';
import { canCreateNetns, createNetns, type NetNamespace } from '../harness/netns';
import { startPrometheus, toOpenMetrics, type RunningPrometheus } from '../harness/prometheus';
import { until } from '../harness/wait';

type Json = Record<string, unknown>;
const repo = path.resolve(__dirname, '..', '..');
const runMora = (args: string[]) => moraProcess(args, cleanEnv());

const unavailable = canCreateNetns();

describe('Prometheus discovered in the cluster, through the API server\'s service proxy (real kube-apiserver, real Prometheus)', function () {
  this.timeout(120_000);
  let cp: ControlPlane | undefined;
  let prom: RunningPrometheus | undefined;
  let ns: NetNamespace | undefined;
  let checkout: CreatedDeployment;
  let readerKubeconfig: string;

  before(async function () {
    if (unavailable) {
      // The only way to give the service proxy a non-loopback address on this machine; say why it is not run.
      console.warn(`skipped: needs a network namespace (${unavailable})`);
      this.skip();
    }
    ns = createNetns();
    cp = await ControlPlane.start();
    await cp.createNode('mora-node-1', { cpu: '8', memory: '32Gi' });
    await cp.createNamespace('shop');
    await cp.createNamespace('monitoring');
    checkout = await cp.createDeployment('shop', {
      name: 'checkout', replicas: 2,
      containers: [{ name: 'server', image: 'shop/checkout:1.4', requests: { cpu: '500m', memory: '512Mi' }, limits: { memory: '1Gi' } }],
    });
    // Newest sample 30 s before the suite: `mora health` fails cAdvisor samples older than 3 minutes (STALE_SAMPLE_SECONDS).
    const end = Math.floor(Date.now() / 1000) - 30;
    const series = usageSeries(checkout.pods, 'shop', { server: { cpu: 0.1, memory: 150e6 } }, end - 6 * 3600, end);
    prom = await startPrometheus({ openMetrics: toOpenMetrics(series), netns: { name: ns.name, address: ns.address } });

    // What kube-prometheus installs, reduced to what the service proxy reads: the Service, its endpoints, the Pod.
    const pod = await cp.create({
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name: 'prometheus-k8s-0', namespace: 'monitoring', labels: { 'app.kubernetes.io/name': 'prometheus' } },
      spec: { nodeName: 'mora-node-1', containers: [{ name: 'prometheus', image: 'quay.io/prometheus/prometheus:v3' }] },
    });
    await cp.markPodRunning(pod, ns.address);
    await cp.create({
      apiVersion: 'v1', kind: 'Service',
      metadata: { name: 'prometheus-k8s', namespace: 'monitoring', labels: { 'app.kubernetes.io/name': 'prometheus', 'app.kubernetes.io/component': 'prometheus' } },
      spec: { ports: [{ name: 'web', port: 9090, targetPort: prom.port }, { name: 'reloader-web', port: 8080, targetPort: 8080 }] },
    });
    await cp.create({
      apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
      metadata: { name: 'prometheus-k8s-abcde', namespace: 'monitoring', labels: { 'kubernetes.io/service-name': 'prometheus-k8s' } },
      addressType: 'IPv4',
      endpoints: [{ addresses: [ns.address], conditions: { ready: true }, targetRef: { kind: 'Pod', name: 'prometheus-k8s-0', namespace: 'monitoring' } }],
      ports: [{ name: 'web', port: prom.port, protocol: 'TCP' }],
    });
    // Something else in the cluster with a similar label that is not Prometheus: never picked.
    await cp.create({
      apiVersion: 'v1', kind: 'Service',
      metadata: { name: 'alertmanager-main', namespace: 'monitoring', labels: { 'app.kubernetes.io/name': 'alertmanager' } },
      spec: { ports: [{ name: 'web', port: 9093 }] },
    });

    // The shipped read-only role (deploy/rbac/mora-reader.yaml: `get` on services/proxy, no `create`) for a ServiceAccount.
    for (const doc of parseAllDocuments(fs.readFileSync(path.join(repo, 'deploy', 'rbac', 'mora-reader.yaml'), 'utf8'))) {
      const obj = doc.toJS() as Json | null;
      if (obj) await cp.create(obj);
    }
    await cp.createServiceAccount('monitoring', 'mora-ro');
    await cp.bind(undefined, 'mora-ro-reader', { kind: 'ClusterRole', name: 'mora-reader' }, ['serviceaccount:monitoring:mora-ro']);
    readerKubeconfig = cp.writeKubeconfig([{ name: 'reader', credentials: await cp.serviceAccountCredentials('monitoring', 'mora-ro'), namespace: 'shop' }]);
  });

  after(async () => {
    await prom?.stop();
    await cp?.stop();
    ns?.remove();
  });

  it('mora recommend --source cluster, no --prometheus: recommendations from the Prometheus found behind the API server', async () => {
    const r = await runMora(['recommend', '--source', 'cluster', '--kubeconfig', cp!.kubeconfig, '-n', 'shop', '-f', 'json', '-q']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, new RegExp(`^Prometheus for context "mora-real": service monitoring/prometheus-k8s:9090 \\(kube-prometheus / prometheus-operator, selector app\\.kubernetes\\.io/name=prometheus\\) through the API server ${cp!.url.replace(/[.]/g, '\\.')}$`, 'm'));
    const recs = JSON.parse(r.out) as Recommendation[];
    const rec = recs.find((x) => x.workload.name === 'checkout');
    assert.ok(rec, r.out);
    const server = rec.containers.find((c) => c.container === 'server')!;
    // ~0.1 cores and ~150 MB in the series: the recommendation comes from those samples, not from the requests (500m, 512Mi).
    assert.ok(server.cpu && server.cpu.request.value > 0.08 && server.cpu.request.value < 0.4, JSON.stringify(server.cpu));
    assert.ok(server.memory && server.memory.request.value > 140e6 && server.memory.request.value < 400e6, JSON.stringify(server.memory));
  });

  it('mora health names the discovered Prometheus service', async () => {
    const r = await runMora(['health', '--kubeconfig', cp!.kubeconfig]);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /^ok {3}prometheus: Prometheus \S+ at service monitoring\/prometheus-k8s:9090 \(kube-prometheus \/ prometheus-operator, selector app\.kubernetes\.io\/name=prometheus\) through the API server https:\/\/127\.0\.0\.1:\d+ \(discovered in context "mora-real"\)$/m);
    assert.match(r.out, /^ok {3}cAdvisor: 2 series of container_cpu_usage_seconds_total$/m);
  });

  it('the read-only role is enough: queries go through the proxy as GET (the role grants get, not create, on services/proxy)', async () => {
    const r = await runMora(['recommend', '--source', 'cluster', '--kubeconfig', readerKubeconfig, '-n', 'shop', '-f', 'json', '-q']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /^Prometheus for context "reader": service monitoring\/prometheus-k8s:9090 /m);
    assert.ok((JSON.parse(r.out) as Recommendation[]).some((x) => x.workload.name === 'checkout'));
  });

  it('deploy/components/prometheus-discovery: services/proxy on one Service by resourceNames (SCHEME:NAME:PORT) in the Prometheus namespace is enough; another name is refused', async () => {
    // The reader role without its cluster-wide services/proxy rule, plus the component's Role in monitoring, as shipped
    // (resourceNames: the kube-prometheus-stack default) and then edited to this cluster's Service.
    const reader = parseAllDocuments(fs.readFileSync(path.join(repo, 'deploy', 'rbac', 'mora-reader.yaml'), 'utf8')).map((d) => d.toJS() as Json | null)
      .find((o) => o?.kind === 'ClusterRole')!;
    await cp!.createRole(undefined, 'mora-reader-no-proxy', (reader.rules as Json[]).filter((r) => !(r.resources as string[]).includes('services/proxy')));
    await cp!.createServiceAccount('monitoring', 'mora-narrow');
    await cp!.bind(undefined, 'mora-narrow-reader', { kind: 'ClusterRole', name: 'mora-reader-no-proxy' }, ['serviceaccount:monitoring:mora-narrow']);
    const shipped = parseAllDocuments(fs.readFileSync(path.join(repo, 'deploy', 'components', 'prometheus-discovery', 'role-proxy.yaml'), 'utf8'))
      .map((d) => d.toJS() as Json | null).find((o) => o?.kind === 'Role')!;
    const role = await cp!.createRole('monitoring', 'mora-prometheus-proxy', shipped.rules as Json[]);
    await cp!.bind('monitoring', 'mora-prometheus-proxy', { kind: 'Role', name: 'mora-prometheus-proxy' }, ['serviceaccount:monitoring:mora-narrow']);
    const kubeconfig = cp!.writeKubeconfig([{ name: 'narrow', credentials: await cp!.serviceAccountCredentials('monitoring', 'mora-narrow'), namespace: 'shop' }], 'narrow');
    const refused = await until(() => runMora(['recommend', '--source', 'cluster', '--kubeconfig', kubeconfig, '-n', 'shop', '-f', 'json', '-q']), (r) => /services\/proxy/.test(r.err), 20_000);
    assert.notEqual(refused.code, 0, refused.err);
    assert.match(refused.err, /services\/proxy/);
    // Edited to the Service discovery picks here: http:prometheus-k8s:9090 (what the proxy path says).
    await cp!.api('PUT', '/apis/rbac.authorization.k8s.io/v1/namespaces/monitoring/roles/mora-prometheus-proxy',
      { ...role, rules: [{ ...(shipped.rules as Json[])[0], resourceNames: ['http:prometheus-k8s:9090'] }] });
    const ok = await until(() => runMora(['recommend', '--source', 'cluster', '--kubeconfig', kubeconfig, '-n', 'shop', '-f', 'json', '-q']), (r) => r.code === 0, 20_000);
    assert.equal(ok.code, 0, ok.err);
    assert.ok((JSON.parse(ok.out) as Recommendation[]).some((x) => x.workload.name === 'checkout'), ok.out);
  });

  it('a custom selector (--prometheus-selector) is tried first', async () => {
    await cp!.create({
      apiVersion: 'v1', kind: 'Service',
      metadata: { name: 'my-prom', namespace: 'monitoring', labels: { team: 'metrics' } },
      spec: { ports: [{ name: 'http', port: 80, targetPort: prom!.port }] },
    });
    await cp!.create({
      apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
      metadata: { name: 'my-prom-xyz', namespace: 'monitoring', labels: { 'kubernetes.io/service-name': 'my-prom' } },
      addressType: 'IPv4',
      endpoints: [{ addresses: [ns!.address], conditions: { ready: true }, targetRef: { kind: 'Pod', name: 'prometheus-k8s-0', namespace: 'monitoring' } }],
      ports: [{ name: 'http', port: prom!.port, protocol: 'TCP' }],
    });
    const r = await runMora(['health', '--kubeconfig', cp!.kubeconfig, '--prometheus-selector', 'team=metrics']);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /^ok {3}prometheus: Prometheus \S+ at service monitoring\/my-prom:80 \(custom selector/m);
  });

  it('no Prometheus Service and no metrics.k8s.io: one line saying what was looked for and how to set it', async () => {
    for (const name of ['prometheus-k8s', 'my-prom']) await cp!.api('DELETE', `/api/v1/namespaces/monitoring/services/${name}`);
    const r = await runMora(['health', '--kubeconfig', cp!.kubeconfig]);
    assert.equal(r.code, 2, r.out + r.err);
    assert.match(r.out, /^FAIL prometheus: no Prometheus found in context "mora-real": no Service you can list matches app=kube-prometheus-stack-prometheus; .*; app\.kubernetes\.io\/name=vmselect, and metrics\.k8s\.io \(metrics-server\) cannot be read: not found: pods\.metrics\.k8s\.io \(context "mora-real"\) — set --prometheus \(CLI\) or the mora\.prometheus\.url setting, or mora\.prometheus\.urls for this context \(VS Code\); or a Service selector with --prometheus-selector \(CLI\) or the mora\.prometheus\.selector setting \(VS Code\); or install metrics-server for current usage only$/m);
  });
});
