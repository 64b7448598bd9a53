// `mora recommend --in-cluster` says on stderr what `mora recommend --source cluster` says there about Prometheus: the
// stale cAdvisor usage of 4f34f94 (`mora: warning: cAdvisor: … newest sample is 4m00s old …`) and the split of a history
// read Prometheus timed out on (ce718c0: `mora: Prometheus at … gave up on … reading it again in parts …`), once each,
// even with -q. Before, the shard built its Prometheus client without the note hook and never printed health's stale
// lines: it said neither. A loopback double is the API server and Prometheus (one namespace, one MOrA VPA); here its
// newest cAdvisor sample is 4 minutes old and it gives up (503, errorType "timeout") on range reads over 48 h.
import { strict as assert } from 'node:assert';
import type * as http from 'node:http';
import { OneVpaClusterWithSamples, useOneVpaCluster } from './helpers/one-vpa-cluster';
import { mora } from './helpers/run-cli';

class SlowStaleCluster extends OneVpaClusterWithSamples {
  /** Seconds since the newest cAdvisor sample, as `time() - max(timestamp(…))` answers it. */
  age = 240;
  protected override answer(req: http.IncomingMessage, res: http.ServerResponse, body: string): void {
    const url = new URL(req.url ?? '/', 'http://double');
    const q = new URLSearchParams(body || url.search.slice(1));
    const query = q.get('query') ?? '';
    const send = (code: number, b: unknown): void => { res.writeHead(code, { 'Content-Type': 'application/json' }).end(JSON.stringify(b)); };
    if (url.pathname === '/api/v1/query' && /^time\(\) - max\(timestamp\(container_/.test(query)) {
      this.seen.push(`${req.method} ${url.pathname}`);
      return send(200, { status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [Date.now() / 1000, String(this.age)] }] } });
    }
    if (url.pathname === '/api/v1/query_range' && Number(q.get('end')) - Number(q.get('start')) > 48 * 3600) {
      this.seen.push(`${req.method} ${url.pathname}`);
      return send(503, { status: 'error', errorType: 'timeout', error: 'query timed out in expression evaluation' });
    }
    return super.answer(req, res, body);
  }
}

describe('mora recommend --in-cluster: Prometheus\' notes reach stderr (stale usage, a read split after a timeout)', function () {
  this.timeout(60_000);
  const cluster = new SlowStaleCluster();
  const fx = useOneVpaCluster(cluster, 'mora-in-cluster-notes-');

  it('-q --dry-run: the stale-usage warning and the split, one line each; the VPA still gets its status', async () => {
    const r = await mora(['recommend', '--in-cluster', '--shard-index', '0', '--shards', '1', '--kubeconfig', fx.kubeconfig, '--prometheus', fx.server,
      '--connect-timeout', '2', '--dry-run', '-q']);
    assert.equal(r.code, 0, r.err);
    const stale = r.err.split('\n').filter((l) => /newest sample/.test(l));
    assert.equal(stale.length, 1, r.err);
    assert.match(stale[0], /^mora: warning: cAdvisor: .*container_cpu_usage_seconds_total.*: newest sample is 4m00s old \(none in the last 3m00s\) — /);
    const split = r.err.split('\n').filter((l) => /gave up on/.test(l));
    assert.equal(split.length, 1, r.err);
    assert.match(split[0], /^mora: Prometheus at http:\/\/127\.0\.0\.1:\d+ gave up on .* over [\d.]+[dh] \(its own --query\.timeout\): reading it again in parts of its time range, down to 1\/8$/);
    const summary = JSON.parse(r.out) as { vpas: Array<{ outcome: string }> };
    assert.deepEqual(summary.vpas.map((v) => v.outcome), ['would-write'], r.out);
  });
});
