// `mora recommend --source cluster` against a Prometheus that gives up (its own --query.timeout: 503, errorType
// "timeout") on history reads longer than a few hours: the reads are split in halves of their time range and the
// recommendations come as from one read, the split said once on stderr; when even 1/8 of a range times out, the run
// fails with the timeout's message (b6c850d) and the parts tried. Before, the first timeout failed the read.
// Loopback test doubles of the Kubernetes API and of Prometheus (helpers/recommend-cluster-doubles).
import * as assert from 'node:assert/strict';
import { clusterDoublesPerSuite } from './helpers/cluster-doubles-per-suite';
import { mora } from './helpers/run-cli';

describe('mora recommend --source cluster: history reads Prometheus times out on (loopback Kubernetes API and Prometheus doubles)', function () {
  this.timeout(60_000);
  const cluster = clusterDoublesPerSuite('mora-timeout-split-');
  const { prom } = cluster;
  before(() => { prom.age = 30; });
  beforeEach(() => { prom.ranges.length = 0; });

  const run = () => mora(cluster.recommendArgs());

  it('ranges over 48 h time out: read in parts, the recommendation made, the split said once', async () => {
    prom.maxRangeHours = 48;
    const r = await run();
    assert.equal(r.code, 0, r.err);
    const said = r.err.split('\n').filter((l) => /gave up on/.test(l));
    assert.equal(said.length, 1, r.err);
    assert.match(said[0], /^mora: Prometheus at http:\/\/127\.0\.0\.1:\d+ gave up on .*container_(cpu|memory).* over [\d.]+[dh] \(its own --query\.timeout\): reading it again in parts of its time range, down to 1\/8$/);
    const recs = JSON.parse(r.out) as Array<{ workload: { name: string }; containers: Array<{ cpu?: { request?: number } }> }>;
    assert.deepEqual(recs.map((x) => x.workload.name), ['web'], r.out);
    assert.ok(recs[0].containers[0].cpu?.request, r.out);
    assert.ok(prom.ranges.some(([s, e]) => e - s > 48 * 3600) && prom.ranges.some(([s, e]) => e - s <= 48 * 3600), JSON.stringify(prom.ranges));
  });

  it('even 1/8 of a range times out: the timeout\'s message, with the parts tried', async () => {
    prom.maxRangeHours = 1;
    const r = await run();
    assert.notEqual(r.code, 0, r.out);
    assert.match(r.err, /timeout: query timed out in expression evaluation — the query ran longer than Prometheus' own --query\.timeout \(2m by default\).*\(also timed out when read in 8 parts\)/);
  });
});
