// cAdvisor's CPU/memory series that stopped more than 5 minutes ago (a scrape target down): Prometheus' staleness hides
// them from instant queries (a count sees no series), while range reads of the history still hold their samples.
// `mora recommend` recommends from that history and warns once naming how long ago the newest sample was, as it does
// for samples 3-5 minutes old (4f34f94); `mora health` says it as a warning, not a failure. Only when the history window
// holds no sample at all is it missing data, exit 2. Before, the health check that `mora recommend` runs first read
// "none in the 5-minute lookback" as missing data: both commands failed with exit 2 while the history was there.
// Loopback test doubles of the Kubernetes API and of Prometheus (helpers/recommend-cluster-doubles).
import * as assert from 'node:assert/strict';
import { withEnv } from '../harness/env';
import { clusterDoublesPerSuite } from './helpers/cluster-doubles-per-suite';
import { mora } from './helpers/run-cli';

interface Check { name: string; ok: boolean; message: string; stale?: boolean; lastSampleAgeSeconds?: number }

describe('cAdvisor series stopped past Prometheus\' 5-minute lookback (loopback Kubernetes API and Prometheus doubles)', function () {
  this.timeout(60_000);
  const cluster = clusterDoublesPerSuite('mora-stale-lookback-');
  const { prom } = cluster;

  const env = { MORA_PROMETHEUS_URL: undefined, MORA_PROMETHEUS_TIMEOUT: undefined };
  const recommend = () => withEnv(env, () => mora(cluster.recommendArgs()));
  const health = (...more: string[]) => withEnv(env, () => mora(['health', '--prometheus', cluster.promUrl, '--kubeconfig', cluster.kubeconfig, ...more]));
  const names = (out: string) => (JSON.parse(out) as Array<{ workload: { name: string } }>).map((x) => x.workload.name);

  it('mora recommend, newest sample 20 minutes old: recommendations from the history, one warning saying how long ago', async () => {
    prom.age = 20 * 60;
    const r = await recommend();
    assert.equal(r.code, 0, r.err);
    const warnings = r.err.split('\n').filter((l) => /no samples for|newest/.test(l));
    assert.equal(warnings.length, 1, r.err);
    assert.match(warnings[0], /^mora: warning: cAdvisor: no samples for container_cpu_usage_seconds_total in the last 5 minutes: the newest is 20m00s old — the kubelet\/cAdvisor scrape target is down or no longer scraped .*recommendations would miss the latest usage$/);
    assert.deepEqual(names(r.out), ['web'], r.out);
  });

  it('mora recommend, newest sample 3 hours old (past the last hour, inside the 14-day history): the same, the age about', async () => {
    prom.age = 3 * 3600;
    const r = await recommend();
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /^mora: warning: cAdvisor: no samples for container_cpu_usage_seconds_total in the last 5 minutes: the newest is about 3h00m old — /m);
    assert.deepEqual(names(r.out), ['web'], r.out);
  });

  it('mora health, newest sample 20 minutes old: warn (not FAIL), exit 0; JSON: stale, the age', async () => {
    prom.age = 20 * 60;
    const json = await health('-f', 'json');
    assert.equal(json.code, 0, json.err);
    const body = JSON.parse(json.out) as { ok: boolean; checks: Check[] };
    assert.equal(body.ok, true, json.out);
    const c = body.checks.find((x) => x.name === 'cAdvisor');
    assert.deepEqual([c?.ok, c?.stale, c?.lastSampleAgeSeconds], [false, true, 1200], json.out);
    const text = await health();
    assert.equal(text.code, 0, text.err);
    assert.match(text.out, /^warn cAdvisor: no samples for container_cpu_usage_seconds_total in the last 5 minutes: the newest is 20m00s old — /m);
    assert.doesNotMatch(text.out, /^FAIL/m);
  });

  it('mora health, newest sample 4 minutes old (inside the lookback): warn too, exit 0', async () => {
    prom.age = 4 * 60;
    const text = await health();
    assert.equal(text.code, 0, text.err);
    assert.match(text.out, /^warn cAdvisor: 1 series of container_cpu_usage_seconds_total, but container_\w+: newest sample is 4m00s old/m);
  });

  it('no sample in the whole history window (30 days old): missing data, exit 2 for both', async () => {
    prom.age = 30 * 86400;
    const r = await recommend();
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /no samples for container_cpu_usage_seconds_total — is cAdvisor/);
    const h = await health();
    assert.equal(h.code, 2, h.err);
    assert.match(h.out, /^FAIL cAdvisor: no samples for container_cpu_usage_seconds_total — is cAdvisor/m);
  });
});
