// Health Check's Cancel stops the checks' requests, not only the wait for them: health(signal) aborts the Prometheus
// query and the Kubernetes API call in flight and resolves at once, saying it was cancelled (not a FAIL per check).
// Each server here takes the request and never answers; the request timeouts are 30 s, the deadline after Cancel 3 s.
import * as assert from 'node:assert/strict';
import type * as http from 'node:http';
import { ClusterDataSource } from '../../src/data/cluster';
import { PrometheusClient } from '../../src/data/prometheus/client';
import { until } from '../harness/wait';
import { writeKubeconfig } from './helpers/kubeconfig';
import { LoopbackHttpServer } from './helpers/loopback-http-server';
import { inTempDir } from './helpers/temp-dir';

const REQUEST_TIMEOUT_MS = 30_000;
const SETTLE_DEADLINE_MS = 3_000;

/** Takes every request and never answers; notes each request's path, and when its connection is closed by the client. */
class MuteServer extends LoopbackHttpServer {
  readonly seen: string[] = [];
  readonly closed: string[] = [];
  protected answer(req: http.IncomingMessage, res: http.ServerResponse): void {
    const path = (req.url ?? '').replace(/\?.*$/, '');
    this.seen.push(path);
    res.on('close', () => this.closed.push(path));
  }
}

/** A Prometheus that answers every check at once (the Kubernetes check is then the one left hanging). */
function answeringPrometheus(): PrometheusClient {
  const fetch = (async (url: string | URL | Request) => {
    const data = String(url).includes('buildinfo') ? { version: '2.53.0' } : { resultType: 'vector', result: [{ metric: {}, value: [1, '3'] }] };
    return new Response(JSON.stringify({ status: 'success', data }), { status: 200, headers: { 'Content-Type': 'application/json' } });
  }) as typeof globalThis.fetch;
  return new PrometheusClient({ url: 'http://prometheus.test', fetch });
}

/** health(signal), aborted once `server` has the request `path`: how long it took to settle after the abort, and what it said. */
async function cancelWhileWaiting(source: ClusterDataSource, server: MuteServer, path: string): Promise<{ ms: number; health: Awaited<ReturnType<ClusterDataSource['health']>> }> {
  const abort = new AbortController();
  const pending = source.health(abort.signal);
  const seen = await until(async () => server.seen, (s) => s.includes(path), 10_000, 20);
  assert.ok(seen.includes(path), `the server got ${path} (it got ${JSON.stringify(seen)})`);
  const t0 = Date.now();
  abort.abort();
  const health = await Promise.race([pending, new Promise<never>((_r, j) => setTimeout(() => j(new Error(`health() still pending ${SETTLE_DEADLINE_MS} ms after Cancel`)), SETTLE_DEADLINE_MS).unref())]);
  return { ms: Date.now() - t0, health };
}

describe('Health Check: Cancel aborts the requests in flight', function () {
  this.timeout(20_000);
  let prometheus: MuteServer;
  let kube: MuteServer;
  let prometheusUrl: string;
  let kubeUrl: string;
  beforeEach(async () => {
    prometheus = new MuteServer();
    kube = new MuteServer();
    prometheusUrl = await prometheus.start();
    kubeUrl = await kube.start();
  });
  afterEach(async () => {
    await prometheus.stop();
    await kube.stop();
  });

  it('a Prometheus query that never answers: settles at once, "cancelled", and the request is closed', () => inTempDir(async (dir) => {
    const kubeconfig = writeKubeconfig(dir, { context: 'c', server: kubeUrl, token: 'KUBETOKEN_cancel_1' });
    const source = new ClusterDataSource({ prometheusUrl, prometheusTimeoutMs: REQUEST_TIMEOUT_MS, kubeconfig, connectTimeoutMs: 0, proxyFromEnv: false });
    const { ms, health } = await cancelWhileWaiting(source, prometheus, '/api/v1/status/buildinfo');
    assert.ok(ms < SETTLE_DEADLINE_MS, `settled ${ms} ms after Cancel`);
    assert.deepEqual(health, { ok: false, cancelled: true, message: 'health check cancelled before every check had answered' });
    // The request itself was aborted (its connection closed by MOrA), not left to run to its 30 s timeout.
    const closed = await until(async () => prometheus.closed, (c) => c.includes('/api/v1/status/buildinfo'), SETTLE_DEADLINE_MS, 20);
    assert.deepEqual(closed, ['/api/v1/status/buildinfo']);
    assert.deepEqual(kube.seen, [], 'nothing was asked of the Kubernetes API after Cancel');
  }));

  it('a Kubernetes API call that never answers: settles at once, "cancelled", and the request is closed', () => inTempDir(async (dir) => {
    const kubeconfig = writeKubeconfig(dir, { context: 'c', server: kubeUrl, token: 'KUBETOKEN_cancel_2' });
    const source = new ClusterDataSource({ prometheus: answeringPrometheus(), prometheusUrl: 'http://prometheus.test', kubeconfig, connectTimeoutMs: 0, proxyFromEnv: false });
    const { ms, health } = await cancelWhileWaiting(source, kube, '/version');
    assert.ok(ms < SETTLE_DEADLINE_MS, `settled ${ms} ms after Cancel`);
    assert.equal(health.cancelled, true);
    assert.doesNotMatch(health.message, /FAIL|did not answer|Kubernetes API/);
    const closed = await until(async () => kube.closed, (c) => c.includes('/version'), SETTLE_DEADLINE_MS, 20);
    assert.deepEqual(closed, ['/version']);
  }));

  it('without Cancel the same source still reports each check (the signal changes nothing until it aborts)', async () => {
    const source = new ClusterDataSource({ prometheus: answeringPrometheus(), prometheusUrl: 'http://prometheus.test', proxyFromEnv: false });
    const checks = await source.checks({ kubernetes: false, signal: new AbortController().signal });
    assert.deepEqual(checks.map((c) => [c.name, c.ok]), [['prometheus', true], ['cAdvisor', true], ['kube-state-metrics', true], ['app metrics', true]]);
  });
});
