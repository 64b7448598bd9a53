// `mora recommend --source cluster` when cAdvisor's CPU/memory series stopped minutes ago (a scrape target down, a
// clock skewed): the rule of `mora health` (newest sample over STALE_SAMPLE_SECONDS old) is said once on stderr, naming
// the metric, the age and what to fix, and the history up to then is still read into recommendations. Before, the run
// said nothing (health() put the stale check only into the message the editor's tooltip shows).
// Two loopback test doubles: a Kubernetes API with one Deployment (its ReplicaSet and Pod), and a Prometheus answering
// the health checks (the newest sample `age` seconds old) and every range read with a flat series for that pod.
import * as assert from 'node:assert/strict';
import { clusterDoublesPerSuite } from './helpers/cluster-doubles-per-suite';
import { mora } from './helpers/run-cli';

describe('mora recommend --source cluster: cAdvisor series that stopped (loopback Kubernetes API and Prometheus doubles)', function () {
  this.timeout(60_000);
  const cluster = clusterDoublesPerSuite('mora-stale-usage-');
  const { prom } = cluster;

  const run = () => mora(cluster.recommendArgs());

  it('newest sample 4 minutes old: one warning naming the metric, the age and the fix; recommendations from the history', async () => {
    prom.age = 240;
    const r = await run();
    assert.equal(r.code, 0, r.err);
    // Once (not per workload or per read); the OOM-history note this double also earns is another line.
    const warnings = r.err.split('\n').filter((l) => /newest sample/.test(l));
    assert.equal(warnings.length, 1, r.err);
    assert.match(warnings[0], /^mora: warning: cAdvisor: 1 series of container_cpu_usage_seconds_total, but container_\w+: newest sample is 4m00s old \(none in the last 3m00s\) — the kubelet\/cAdvisor scrape target is down or no longer scraped .*recommendations would miss the latest usage$/);
    const recs = JSON.parse(r.out) as Array<{ workload: { name: string }; containers: Array<{ name: string; cpu?: { request?: number } }> }>;
    assert.deepEqual(recs.map((x) => x.workload.name), ['web'], r.out);
    assert.ok(recs[0].containers[0].cpu?.request, r.out);
  });

  it('fresh (newest sample 30 s old): no warning', async () => {
    prom.age = 30;
    const r = await run();
    assert.equal(r.code, 0, r.err);
    assert.doesNotMatch(r.err, /newest sample|scrape target/, r.err);
    assert.deepEqual((JSON.parse(r.out) as Array<{ workload: { name: string } }>).map((x) => x.workload.name), ['web'], r.out);
  });
});
