// The real-cluster path as a new SRE meets it with a kubeconfig and nothing else: Prometheus found in the cluster and
// reached through the API server's service proxy, and credentials that are not cluster-admin — a ServiceAccount with
// the built-in `view` role (which grants no services/proxy), one bound to `view` in two namespaces only (no
// ClusterRole: it may list neither namespaces nor Services cluster-wide), a Prometheus Service whose pod is not ready.
// All real parts: kube-apiserver (test/harness/control-plane.ts, RBAC on), a Prometheus backfilled with cAdvisor-shaped
// usage, running in a network namespace because the service proxy refuses loopback endpoints (test/harness/netns.ts).
import * as assert from 'node:assert/strict';
import type { Recommendation } from '../../src/core/recommendation';
import { cleanEnv, moraProcess } from '../unit/helpers/run-cli';
import { ControlPlane } from '../harness/control-plane';
import { usageSeries } from '../harness/live-cluster';
import { canCreateNetns, createNetns, type NetNamespace } from '../harness/netns';
import { startPrometheus, toOpenMetrics, type RunningPrometheus } from '../harness/prometheus';

const runMora = (args: string[]) => moraProcess(args, cleanEnv());
const unavailable = canCreateNetns();

describe('zero-config cluster path with less than cluster-admin (real kube-apiserver, Prometheus behind its service proxy)', function () {
  this.timeout(120_000);
  let cp: ControlPlane | undefined;
  let prom: RunningPrometheus | undefined;
  let ns: NetNamespace | undefined;
  let viewer = '';
  let namespaced = '';
  let token = '';

  before(async function () {
    if (unavailable) {
      console.warn(`skipped: needs a network namespace (${unavailable})`);
      this.skip();
    }
    this.timeout(180_000);
    ns = createNetns();
    cp = await ControlPlane.start();
    await cp.createNode('mora-node-1', { cpu: '8', memory: '32Gi' });
    for (const n of ['shop', 'data', 'monitoring']) await cp.createNamespace(n);
    const checkout = await cp.createDeployment('shop', { name: 'checkout', containers: [{ name: 'server', requests: { cpu: '500m', memory: '512Mi' } }] });
    const report = await cp.createDeployment('data', { name: 'report', containers: [{ name: 'app', requests: { cpu: '1', memory: '1Gi' } }] });
    const end = Math.floor(Date.now() / 60_000) * 60 - 120;
    const series = [
      ...usageSeries(checkout.pods, 'shop', { server: { cpu: 0.1, memory: 150e6 } }, end - 6 * 3600, end),
      ...usageSeries(report.pods, 'data', { app: { cpu: 0.2, memory: 200e6 } }, end - 6 * 3600, end),
    ];
    prom = await startPrometheus({ openMetrics: toOpenMetrics(series), netns: { name: ns.name, address: ns.address } });

    // kube-prometheus' Service, its EndpointSlice and ready Pod (status as the kubelet writes it).
    const pod = await cp.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'prometheus-k8s-0', namespace: 'monitoring', labels: { 'app.kubernetes.io/name': 'prometheus' } },
      spec: { nodeName: 'mora-node-1', containers: [{ name: 'prometheus', image: 'quay.io/prometheus/prometheus:v3' }] } });
    await cp.markPodRunning(pod, ns.address);
    await cp.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'prometheus-k8s', namespace: 'monitoring', labels: { 'app.kubernetes.io/name': 'prometheus' } },
      spec: { ports: [{ name: 'web', port: 9090, targetPort: prom.port }] } });
    await cp.create({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
      metadata: { name: 'prometheus-k8s-abcde', namespace: 'monitoring', labels: { 'kubernetes.io/service-name': 'prometheus-k8s' } },
      addressType: 'IPv4', endpoints: [{ addresses: [ns.address], conditions: { ready: true }, targetRef: { kind: 'Pod', name: 'prometheus-k8s-0', namespace: 'monitoring' } }],
      ports: [{ name: 'web', port: prom.port, protocol: 'TCP' }] });
    // A second Prometheus Service whose pod is not ready: no EndpointSlice (picked with --prometheus-selector).
    await cp.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'prometheus-down', namespace: 'monitoring', labels: { team: 'down' } },
      spec: { ports: [{ name: 'web', port: 9090 }] } });

    // `view` everywhere: may list Services and read workloads, not use services/proxy.
    await cp.createServiceAccount('monitoring', 'viewer');
    await cp.bind(undefined, 'viewer-view', { kind: 'ClusterRole', name: 'view' }, ['serviceaccount:monitoring:viewer']);
    const creds = await cp.serviceAccountCredentials('monitoring', 'viewer');
    token = 'token' in creds ? creds.token : '';
    viewer = cp.writeKubeconfig([{ name: 'viewer', credentials: creds }], 'viewer');
    // `view` in shop and data only (RoleBindings, as a team gets): no namespace list, no cluster-wide Service list.
    await cp.createServiceAccount('shop', 'team');
    for (const n of ['shop', 'data']) await cp.bind(n, 'team-view', { kind: 'ClusterRole', name: 'view' }, ['serviceaccount:shop:team']);
    namespaced = cp.writeKubeconfig([{ name: 'team', credentials: await cp.serviceAccountCredentials('shop', 'team'), namespace: 'shop' }], 'team');
  });

  after(async () => {
    await prom?.stop();
    await cp?.stop();
    ns?.remove();
  });

  it('no services/proxy right: the API server\'s refusal in words (not its Status JSON), naming the Service and the RBAC it needs; no token', async () => {
    for (const args of [['health'], ['recommend', '--source', 'cluster', '-q']]) {
      const r = await runMora([...args, '--kubeconfig', viewer]);
      assert.equal(r.code, 2, r.out + r.err);
      const text = r.out + r.err;
      assert.match(text, /Prometheus at service monitoring\/prometheus-k8s:9090 \(discovered in context "viewer"\) through the API server https:\/\/127\.0\.0\.1:\d+ answered 403 Forbidden for the build info: services "http:prometheus-k8s:9090" is forbidden: User "system:serviceaccount:monitoring:viewer" cannot get resource "services\/proxy" in API group "" in the namespace "monitoring" — the kubeconfig's user may not use the API server's service proxy \(RBAC: get on services\/proxy, as deploy\/rbac\/mora-reader\.yaml grants\), or set --prometheus/, args.join(' '));
      assert.doesNotMatch(text, /"kind":"Status"|credentials are not allowed to query this Prometheus/);
      assert.ok(token.length > 20 && !text.includes(token.slice(0, 20)), 'the ServiceAccount token is never printed');
    }
  });

  it('a Prometheus Service with no ready pod: exit 3, the API server\'s "no endpoints available" and what to check', async () => {
    const r = await runMora(['health', '--kubeconfig', cp!.kubeconfig, '--prometheus-selector', 'team=down']);
    assert.equal(r.code, 3, r.out + r.err);
    assert.match(r.out, /^FAIL prometheus: Prometheus at service monitoring\/prometheus-down:9090 \(discovered in context "mora-real"\) through the API server https:\/\/127\.0\.0\.1:\d+ answered 503 Service Unavailable for the build info: no endpoints available for service "prometheus-down" — the Service has no ready endpoint: is its Prometheus pod running and ready\?$/m);
  });

  it('a user who may not list namespaces: -n names one it may read and it is read (as kubectl -n reads it), not "does not exist"', async () => {
    const r = await runMora(['recommend', '--source', 'cluster', '--kubeconfig', namespaced, '--prometheus', prom!.url, '-n', 'data', '-f', 'json', '-q']);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual((JSON.parse(r.out) as Recommendation[]).map((x) => `${x.workload.namespace}/${x.workload.name}`), ['data/report']);
    const w = await runMora(['recommend', '--source', 'cluster', '--kubeconfig', namespaced, '--prometheus', prom!.url, '-w', 'data/report', '-f', 'json', '-q']);
    assert.equal(w.code, 0, w.err);
    assert.deepEqual((JSON.parse(w.out) as Recommendation[]).map((x) => x.workload.name), ['report']);
  });

  it('a user who may not list namespaces, no -n: the context\'s namespace is read and stderr says only it was', async () => {
    const r = await runMora(['recommend', '--source', 'cluster', '--kubeconfig', namespaced, '--prometheus', prom!.url, '-f', 'json', '-q']);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual((JSON.parse(r.out) as Recommendation[]).map((x) => `${x.workload.namespace}/${x.workload.name}`), ['shop/checkout']);
    assert.match(r.err, /^mora: warning: context "team": this user may not list namespaces \(RBAC\), so only namespace "shop" was read \(the context's namespace\) — -n <namespace> reads another one it may read$/m);
  });

  it('discovery by a user who may not list Services cluster-wide says where it looked', async () => {
    const r = await runMora(['health', '--kubeconfig', namespaced]);
    assert.equal(r.code, 2, r.out + r.err);
    assert.match(r.out, /^FAIL prometheus: no Prometheus found in context "team": no Service you can list matches app=kube-prometheus-stack-prometheus; .*; app\.kubernetes\.io\/name=vmselect \(this user may not list Services in all namespaces, nor list namespaces: searched namespace "shop" only\), and metrics\.k8s\.io/m);
  });
});
