// `mora recommend --in-cluster` with --prometheus-matchers and --prometheus-header, against a REAL kube-apiserver with
// the VPA CRDs and a real Prometheus holding two clusters' usage for the same pod (a `cluster` label, as Thanos/Mimir
// do), behind a loopback recorder: the header reaches Prometheus on every request, the matcher is in every query, the
// VPA's status is the matched cluster's usage, and a credential header's value is in no output.
import * as assert from 'node:assert/strict';
import type { VpaStatus } from '../../src/data/kube/vpa-status';
import { parseInputQuantity } from '../../src/core/quantity';
import { cleanEnv, moraProcess } from '../unit/helpers/run-cli';
import { ControlPlane } from '../harness/control-plane';
import { usageSeries } from '../harness/live-cluster';
import { startPrometheus, toOpenMetrics, type RunningPrometheus } from '../harness/prometheus';
import { startPrometheusRecorder, type PrometheusRecorder } from '../harness/prometheus-recorder';
import { VPA_API as VPA, installVpaCrds, vpaCrdFile } from '../harness/vpa-crd';
import { until } from '../harness/wait';

const TENANT = 'tenant-eu';
const TOKEN = 'tok3n-s3cr3t';
const Mi = 2 ** 20;

describe('mora recommend --in-cluster --prometheus-matchers / --prometheus-header (real API server and Prometheus)', function () {
  this.timeout(120_000);
  let cp: ControlPlane | undefined;
  let prom: RunningPrometheus | undefined;
  let rec: PrometheusRecorder | undefined;
  let now = 0;
  const vpaPath = (name?: string) => `${VPA}/namespaces/shop/verticalpodautoscalers${name ? `/${name}` : ''}`;

  before(async function () {
    this.timeout(240_000);
    const crdFile = vpaCrdFile();
    cp = await ControlPlane.start();
    await installVpaCrds(cp, crdFile);
    const end = Math.floor(Date.now() / 60_000) * 60 - 120;
    now = end + 60;
    await cp.createNamespace('shop');
    const d = await cp.createDeployment('shop', { name: 'api', containers: [{ name: 'server', image: 'shop/api:1', requests: { cpu: '1', memory: '1Gi' } }] });
    // The same pod in two clusters: prod-eu small, prod-us twenty times larger.
    const series = [
      ...usageSeries(d.pods, 'shop', { server: { cpu: 0.05, memory: 100 * Mi } }, end - 6 * 3600, end).map((s) => ({ ...s, labels: { ...s.labels, cluster: 'prod-eu' } })),
      ...usageSeries(d.pods, 'shop', { server: { cpu: 1, memory: 2000 * Mi } }, end - 6 * 3600, end).map((s) => ({ ...s, labels: { ...s.labels, cluster: 'prod-us' } })),
    ];
    const created = await until(() => cp!.raw('POST', vpaPath(), {
      apiVersion: 'autoscaling.k8s.io/v1', kind: 'VerticalPodAutoscaler', metadata: { name: 'api', namespace: 'shop' },
      spec: { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' }, updatePolicy: { updateMode: 'Off' }, recommenders: [{ name: 'mora' }] },
    }), (r) => r.status === 201, 20_000);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    prom = await startPrometheus({ openMetrics: toOpenMetrics(series) });
    rec = await startPrometheusRecorder(prom.url);
  });
  after(async () => {
    await rec?.stop();
    await prom?.stop();
    await cp?.stop();
  });

  const shard = (...extra: string[]) => moraProcess(['recommend', '--in-cluster', '--kubeconfig', cp!.kubeconfig, '--prometheus', rec!.url, ...extra],
    cleanEnv({ JOB_COMPLETION_INDEX: '0', MORA_SHARDS: '1', MORA_NOW: String(now) }));

  const memoryTarget = async () => {
    const status = (await cp!.api('GET', vpaPath('api')) as { status: VpaStatus }).status;
    const target = status.recommendation!.containerRecommendations[0].uncappedTarget;
    return { memory: parseInputQuantity('memory', String(target.memory), 'memory'), cpu: parseInputQuantity('cpu', String(target.cpu), 'cpu'), text: JSON.stringify(target) };
  };

  it('the header on every Prometheus request, the matcher in every query; the VPA gets the matched cluster\'s usage', async () => {
    // Without the matcher both clusters' series are read (what the matcher is for): prod-us' 2000 Mi shows.
    const mixed = await shard();
    assert.equal(mixed.code, 0, `${mixed.err}\n${mixed.out}`);
    assert.ok((await memoryTarget()).memory > 1000 * Mi, (await memoryTarget()).text);
    rec!.requests.length = 0;
    const r = await shard('--prometheus-matchers', 'cluster="prod-eu"', '--prometheus-header', `X-Scope-OrgID: ${TENANT}`, '--prometheus-header', `Authorization: Bearer ${TOKEN}`);
    assert.equal(r.code, 0, `${r.err}\n${r.out}`);
    assert.ok(!r.out.includes(TOKEN) && !r.err.includes(TOKEN), 'a credential is never printed');
    assert.ok((JSON.parse(r.out) as { namespaces: string[] }).namespaces.includes('shop'), r.out);
    assert.ok(rec!.requests.length > 0);
    for (const q of rec!.requests) assert.equal(q.headers['x-scope-orgid'], TENANT, `${q.method} ${q.path}`);
    for (const q of rec!.requests) assert.equal(q.headers.authorization, `Bearer ${TOKEN}`, `${q.method} ${q.path}`);
    const queries = rec!.requests.filter((q) => q.query !== undefined);
    assert.ok(queries.length > 0);
    for (const q of queries) assert.match(q.query!, /cluster="prod-eu"/, q.query);
    // prod-eu peaks near 110 Mi and 0.06 cores; prod-us' 2000 Mi and 1 core (or a mix) would be far above.
    const t = await memoryTarget();
    assert.ok(t.memory < 500 * Mi && t.cpu < 0.5, t.text);
  });

  it('bad values: exit 2 naming the flag, the header value not shown, nothing asked of Prometheus', async () => {
    rec!.requests.length = 0;
    const m = await shard('--prometheus-matchers', 'cluster=prod-eu');
    assert.equal(m.code, 2, m.err);
    assert.match(m.err, /--prometheus-matchers: .*must be a quoted string/);
    const h = await shard('--prometheus-header', 'X-Scope-OrgID team-s3cr3t');
    assert.equal(h.code, 2, h.err);
    assert.match(h.err, /--prometheus-header: expected 'Name: value'/);
    assert.ok(!h.err.includes('team-s3cr3t') && !h.out.includes('team-s3cr3t'));
    assert.equal(rec!.requests.length, 0);
  });
});
