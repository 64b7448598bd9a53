// `mora health` with --prometheus-matchers and --prometheus-header (the flags `mora recommend` has), against a real
// Prometheus holding two clusters (a `cluster` label, as Thanos/Mimir/federation do) behind a loopback recorder that
// shows what each request carried: the header on every request, the matcher in every query; the matcher decides what
// the checks count; a credential header's value never reaches the output, even when the server echoes it (a tenant
// id is not a secret: shown).
import * as assert from 'node:assert/strict';
import { mora } from '../unit/helpers/run-cli';
import { startPrometheus, toOpenMetrics, type OpenMetricsSeries, type RunningPrometheus } from '../harness/prometheus';
import { startPrometheusRecorder, type PrometheusRecorder } from '../harness/prometheus-recorder';

const TENANT = 'tenant-eu';
const TOKEN = 'tok3n-s3cr3t';

function series(end: number): OpenMetricsSeries[] {
  const ts: number[] = [];
  for (let t = end - 3600; t <= end; t += 60) ts.push(t);
  const out: OpenMetricsSeries[] = [];
  // prod-eu: two pods with cAdvisor and kube-state-metrics series; prod-us: one pod.
  for (const [cluster, pods] of [['prod-eu', ['a-1', 'a-2']], ['prod-us', ['b-1']]] as const) {
    for (const pod of pods) {
      const labels = { cluster, namespace: 'shop', pod, container: 'server' };
      out.push({ name: 'container_cpu_usage_seconds', type: 'counter', labels, samples: ts.map((t, i) => [t, i * 6] as [number, number]) });
    }
    out.push({ name: 'kube_deployment_status_replicas_ready', type: 'gauge', labels: { cluster, namespace: 'shop', deployment: 'api' }, samples: ts.map((t) => [t, pods.length] as [number, number]) });
  }
  return out;
}

describe('mora health --prometheus-matchers / --prometheus-header (real Prometheus behind a recorder)', function () {
  this.timeout(120_000);
  let prom: RunningPrometheus | undefined;
  let rec: PrometheusRecorder | undefined;

  before(async () => {
    // The checks read "now": samples end a minute before this suite starts, within Prometheus' 5 min lookback. Taken
    // here, not when mocha loads the file: in the full run this suite starts many minutes after loading.
    const end = Math.floor(Date.now() / 1000) - 60;
    prom = await startPrometheus({ openMetrics: toOpenMetrics(series(end)) });
    rec = await startPrometheusRecorder(prom.url);
  });
  after(async () => {
    await rec?.stop();
    await prom?.stop();
  });
  beforeEach(() => {
    rec!.requests.length = 0;
    rec!.answer = undefined;
  });

  const health = (...extra: string[]) => mora(['health', '--prometheus', rec!.url, '--no-kubernetes', '--timeout', '10', ...extra]);

  it('sends the header on every request and the matchers in every query; the checks count that cluster only', async () => {
    const r = await health('--prometheus-matchers', 'cluster="prod-eu"', '--prometheus-header', `X-Scope-OrgID: ${TENANT}`, '--format', 'json');
    assert.equal(r.code, 0, `${r.out}\n${r.err}`);
    const checks = (JSON.parse(r.out) as { checks: Array<{ name: string; ok: boolean; message: string }> }).checks;
    // Two cAdvisor series of prod-eu, not the three of both clusters; one kube-state-metrics series.
    assert.match(checks.find((c) => c.name === 'cAdvisor')!.message, /^2 series/, r.out);
    assert.match(checks.find((c) => c.name === 'kube-state-metrics')!.message, /^1 series/, r.out);
    assert.ok(rec!.requests.length >= 3, `requests: ${rec!.requests.length}`);
    for (const q of rec!.requests) assert.equal(q.headers['x-scope-orgid'], TENANT, `${q.method} ${q.path}`);
    const queries = rec!.requests.filter((q) => q.query !== undefined);
    assert.ok(queries.length >= 3, `queries: ${queries.map((q) => q.query).join('; ')}`);
    for (const q of queries) assert.match(q.query!, /cluster="prod-eu"/, q.query);
    assert.ok(!r.out.includes('***'), 'a tenant id is not a secret: nothing starred');
  });

  it('a matcher no series has: cAdvisor FAILs (exit 2) instead of counting every cluster', async () => {
    const r = await health('--prometheus-matchers', 'cluster="nowhere"');
    assert.equal(r.code, 2, `${r.out}\n${r.err}`);
    assert.match(r.out, /FAIL cAdvisor: no samples for container_cpu_usage_seconds_total/);
    const without = await health();
    assert.equal(without.code, 0, without.out);
    assert.match(without.out, /ok {3}cAdvisor: 3 series/);
  });

  it('a gateway that echoes the headers in its 401: the tenant id shown, the Authorization token redacted in text and JSON', async () => {
    rec!.answer = (q) => ({ status: 401, body: `unauthorized: unknown tenant ${String(q.headers['x-scope-orgid'])} (${String(q.headers.authorization)})` });
    for (const format of ['text', 'json']) {
      const r = await health('--prometheus-header', `X-Scope-OrgID: ${TENANT}`, '--prometheus-header', `Authorization: Bearer ${TOKEN}`, '--format', format);
      assert.equal(r.code, 2, `${format}: ${r.out}\n${r.err}`);
      if (format === 'json') JSON.parse(r.out);
      assert.match(r.out, new RegExp(`unknown tenant ${TENANT} \\(\\*\\*\\*\\)`), r.out);
      assert.ok(!r.out.includes(TOKEN) && !r.err.includes(TOKEN), `${format}: ${r.out}`);
    }
  });

  it('bad values: exit 2 naming the flag (the header value not shown); --help lists both flags, worded as recommend\'s', async () => {
    const m = await health('--prometheus-matchers', 'cluster=prod-eu');
    assert.equal(m.code, 2, m.err);
    assert.match(m.err, /--prometheus-matchers: .*must be a quoted string/);
    const h = await health('--prometheus-header', 'X-Scope-OrgID team-s3cr3t');
    assert.equal(h.code, 2, h.err);
    assert.match(h.err, /--prometheus-header: expected 'Name: value'/);
    assert.ok(!h.err.includes('team-s3cr3t') && !h.out.includes('team-s3cr3t'));
    assert.equal(rec!.requests.length, 0, 'nothing sent with a bad flag');
    const help = (await mora(['health', '--help'])).out;
    const recommendHelp = (await mora(['recommend', '--help'])).out;
    for (const flag of ['--prometheus-matchers <matchers>', '--prometheus-header <header>']) {
      assert.ok(help.includes(flag), help);
      const words = (text: string) => text.slice(text.indexOf(flag) + flag.length).split(/\n\s*-/)[0].replace(/\s+/g, ' ').trim();
      assert.equal(words(help), words(recommendHelp), flag);
    }
  });
});
