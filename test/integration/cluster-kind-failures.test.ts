// A workload list that fails on ONE kind of a real kube-apiserver: a 500 from that resource's storage (a StatefulSet whose
// stored bytes cannot be decoded, written into kine's SQLite beside the good ones, the API server's watch cache off so
// the list reads storage). Only that kind is hidden, named in a warning; the namespace's other kinds are still listed,
// by the Kubernetes client, the cluster data source and the tree. (The same for --create-vpas and a 503, through an HTTP
// double: test/unit/create-vpas-list-failures.test.ts.)
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { ClusterDataSource } from '../../src/data/cluster';
import { KubeClient } from '../../src/data/kube/client';
import { ClusterTreeModel, type TreeNode } from '../../src/views/tree-model';
import { ControlPlane } from '../harness/control-plane';
import { usageSeries } from '../harness/live-cluster';
import { startPrometheus, toOpenMetrics, type RunningPrometheus } from '../harness/prometheus';
import { until } from '../harness/wait';
import { cleanEnv, moraProcess } from '../unit/helpers/run-cli';

type Json = Record<string, unknown>;

describe('a 500 on one kind\'s list (real kube-apiserver, a corrupt StatefulSet in storage)', function () {
  this.timeout(60_000);
  let cp: ControlPlane | undefined;
  let prom: RunningPrometheus | undefined;
  let kubeconfig = '';

  before(async function () {
    this.timeout(120_000);
    // Without the watch cache every list is read from storage (kine), where the corrupt object is.
    cp = await ControlPlane.start({ apiServerArgs: ['--watch-cache=false'] });
    await cp.createNamespace('shop');
    const web = await cp.createDeployment('shop', { name: 'web', replicas: 1, containers: [{ name: 'server', requests: { cpu: '200m', memory: '256Mi' } }] });
    await cp.create({
      apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db', namespace: 'shop' },
      spec: { replicas: 1, serviceName: 'db', selector: { matchLabels: { app: 'db' } },
        template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'postgres', image: 'postgres:17' }] } } },
    });
    // What a disk or a botched restore leaves: bytes under a StatefulSet's key that decode as no object.
    const db = path.join(cp.dir, 'kine', 'state.db');
    execFileSync('sqlite3', [db, "INSERT INTO kine(name, created, deleted, create_revision, prev_revision, lease, value, old_value) VALUES ('/registry/statefulsets/shop/broken', 1, 0, 0, 0, 0, CAST('not a kubernetes object' AS BLOB), NULL)"]);
    const listed = await until(() => cp!.raw('GET', '/apis/apps/v1/namespaces/shop/statefulsets'), (r) => r.status >= 500, 30_000);
    assert.ok(listed.status >= 500, `the StatefulSet list should fail in storage, got ${listed.status}: ${JSON.stringify(listed.body).slice(0, 300)}`);
    console.log(`      (list statefulsets answers ${listed.status}: ${String((listed.body as Json).message ?? listed.body).slice(0, 160)})`);
    kubeconfig = cp.writeKubeconfig([{ name: 'mora-real', credentials: cp.admin, namespace: 'shop' }]);
    // Six hours of cAdvisor-shaped usage for the Deployment's pod, so `mora recommend` has something to size.
    const end = Math.floor(Date.now() / 60_000) * 60 - 120;
    prom = await startPrometheus({ openMetrics: toOpenMetrics(usageSeries(web.pods, 'shop', { server: { cpu: 0.1, memory: 150e6 } }, end - 6 * 3600, end)) });
  });
  after(async () => {
    await prom?.stop();
    await cp?.stop();
  });

  it('the client lists the Deployment and names the StatefulSets in a warning and in failedKinds', async () => {
    const kube = KubeClient.load({ kubeconfig });
    const l = await kube.workloads('mora-real', 'shop');
    assert.deepEqual(l.workloads.map((w) => `${w.kind}/${w.name}`), ['Deployment/web']);
    assert.deepEqual(l.failedKinds?.map((f) => `${f.kind} ${f.error.status}`), ['StatefulSet 500']);
    assert.equal(l.warnings.length, 1, l.warnings.join('\n'));
    assert.match(l.warnings[0], /answered 500 to list statefulsets\.apps in namespace "shop"/);
  });

  it('the tree shows the Deployment and a warning line naming the StatefulSets, not "Reading this namespace failed"', async () => {
    // Prometheus on a closed port: usage fails, the listing does not depend on it.
    const tree = new ClusterTreeModel(new ClusterDataSource({ prometheusUrl: 'http://127.0.0.1:9', kubeconfig }));
    const ns: TreeNode = { id: 'ns:mora-real/shop', kind: 'namespace', label: 'shop', icon: { id: 'symbol-namespace' }, contextValue: 'mora.namespace', collapsible: true, context: 'mora-real', namespace: 'shop' };
    const nodes = await tree.children(ns);
    tree.dispose();
    assert.deepEqual(nodes.filter((n) => n.kind === 'workload').map((n) => n.label), ['web']);
    const lines = nodes.filter((n) => n.kind === 'message').map((n) => n.label);
    assert.ok(lines.some((l) => /^Not listed: .*answered 500 to list statefulsets\.apps in namespace "shop"/.test(l)), lines.join('\n'));
    assert.ok(!lines.some((l) => /Reading this namespace failed/.test(l)), lines.join('\n'));
  });

  it('mora recommend --source cluster: the Deployment is taken (not "skipped namespace"), and stderr names the StatefulSets\' 500', async () => {
    const r = await moraProcess(['recommend', '--source', 'cluster', '--prometheus', prom!.url, '--kubeconfig', kubeconfig, '-n', 'shop', '-f', 'json', '-q'], cleanEnv());
    assert.doesNotMatch(r.err, /skipped namespace/, r.err);
    assert.match(r.err, /^mora: warning: .*answered 500 to list statefulsets\.apps in namespace "shop"/m, r.err);
    const recs = JSON.parse(r.out) as Array<{ workload: { kind: string; name: string } }>;
    assert.deepEqual(recs.map((x) => `${x.workload.kind}/${x.workload.name}`), ['Deployment/web'], r.err);
  });
});
