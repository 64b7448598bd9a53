// The Prometheus check before an experiment run writes, scales or sends anything (src/data/prometheus/reachability.ts),
// shared by `mora experiment`, `mora experiment run` and VS Code's Run Load Experiment: no connection, no answer in time,
// refused credentials (401/403/407) or an answer that is not Prometheus' query API (a login page, 404, 501, a redirect)
// stop the run; Prometheus' answer, or a 5xx / 429 (transient), lets it go on. planReachabilityFailure asks the client the plan run will use (its auth, matchers and headers), its errors
// naming the plan's "prometheus:" field. Real loopback servers; the timeout case ends on the client's own deadline.
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PrometheusError } from '../../src/data/prometheus/errors';
import { notPrometheus, nothingSentMessage, reachabilityFailure } from '../../src/data/prometheus/reachability';
import { PLAN_PROMETHEUS_HINT, planReachabilityFailure } from '../../src/data/experiments/plan-prometheus';
import { closedPort } from '../harness/ports';
import { startSilentTcpServer } from './helpers/silent-tcp-server';

interface Seen { path: string; query: string | null; headers: http.IncomingHttpHeaders }

/** A Prometheus double: every request answered `status` with `body` (JSON unless a string); what it saw is kept. */
async function double(status: number, body: unknown): Promise<{ url: string; seen: Seen[]; close(): Promise<void> }> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8').on('data', (c: string) => (text += c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      seen.push({ path: url.pathname, query: new URLSearchParams(text).get('query') ?? url.searchParams.get('query'), headers: req.headers });
      res.writeHead(status, { 'Content-Type': typeof body === 'string' ? 'text/html' : 'application/json' }).end(typeof body === 'string' ? body : JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

const vector = { status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [1, '1'] }] } };

async function withDouble<T>(status: number, body: unknown, fn: (d: Awaited<ReturnType<typeof double>>) => Promise<T>): Promise<T> {
  const d = await double(status, body);
  try {
    return await fn(d);
  } finally {
    await d.close();
  }
}

describe('Prometheus reachability before an experiment run', () => {
  it('a closed loopback port: the refused connection is the error that stops the run, said with "nothing was sent or written"', async () => {
    const port = await closedPort();
    const e = await reachabilityFailure({ url: `http://127.0.0.1:${port}`, urlHint: '--prometheus', timeoutMs: 10_000 });
    assert.ok(e instanceof PrometheusError, `expected a stop error, got ${String(e)}`);
    assert.equal(e.kind, 'unreachable');
    assert.equal(nothingSentMessage(e), `Prometheus at http://127.0.0.1:${port} refused the connection — is it running? check --prometheus; nothing was sent or written`);
  });

  it('a server that never answers: the timeout stops the run', async () => {
    const silent = await startSilentTcpServer();
    try {
      const e = await reachabilityFailure({ url: `http://127.0.0.1:${silent.port}`, timeoutMs: 300 });
      assert.equal(e?.kind, 'timeout', String(e));
    } finally {
      await silent.close();
    }
  });

  it('a Prometheus answering 200: undefined, after one instant query vector(1) on the query API', async () => {
    await withDouble(200, vector, async (d) => {
      assert.equal(await reachabilityFailure({ url: d.url }), undefined);
      assert.deepEqual(d.seen.map((s) => [s.path, s.query]), [['/api/v1/query', 'vector(1)']]);
    });
  });

  it('credentials refused — 401, 403 with an errorType body, 407 — stop the run', async () => {
    for (const [status, body] of [[401, 'Unauthorized'], [403, { status: 'error', errorType: 'forbidden', error: 'tenant not allowed' }], [407, 'Proxy Authentication Required']] as const) {
      await withDouble(status, body, async (d) => {
        const e = await reachabilityFailure({ url: d.url });
        assert.ok(e instanceof PrometheusError, `${status}: expected a stop error, got ${String(e)}`);
        assert.equal(e.status, status);
        assert.match(nothingSentMessage(e), /; nothing was sent or written$/);
      });
    }
  });

  // Before: any answer passed, so a login page (HTML with 200) or a 501 wrote a "failed" record into --out.
  it('an answer that is not Prometheus\' query API stops the run: an HTML login page with 200, 501, 404, 405, a redirect', async () => {
    for (const [status, body, said] of [
      [200, '<html>a login page</html>', /answered an HTML page, not Prometheus' JSON, for query vector\(1\): the login page of a proxy in front of Prometheus\? .* — check --prometheus: it must be the base URL of a Prometheus \(or of a proxy in front of one\) whose \/api\/v1\/query answers; nothing was sent or written$/],
      [501, 'Not Implemented', /answered 501 Not Implemented for query vector\(1\): Not Implemented — check --prometheus: it must be the base URL/],
      [404, 'not found', /answered 404 Not Found for query vector\(1\): not found — is this the Prometheus base URL\? .*; nothing was sent or written$/],
      [405, 'Method Not Allowed', /answered 405 Method Not Allowed .* — check --prometheus/],
      [302, '', /redirected|answered a redirect/],
    ] as const) {
      await withDouble(status, body, async (d) => {
        const e = await reachabilityFailure({ url: d.url, urlHint: '--prometheus' });
        assert.ok(e instanceof PrometheusError, `${status}: expected a stop error, got ${String(e)}`);
        assert.ok(notPrometheus(e), `${status}: ${e.message}`);
        assert.match(nothingSentMessage(e), said);
      });
    }
  });

  it('a Prometheus (or its gateway) answering 500, 502, 503 or 429 lets the run go on: the runner asks again', async () => {
    for (const [status, body] of [[500, { status: 'error', errorType: 'internal', error: 'boom' }], [502, 'Bad Gateway'], [503, { status: 'error', errorType: 'unavailable', error: 'starting' }], [429, 'slow down']] as const) {
      await withDouble(status, body, async (d) => {
        assert.equal(await reachabilityFailure({ url: d.url }), undefined, `${status}`);
        assert.equal(d.seen.length > 0, true, `${status}: asked`);
      });
    }
  });

  it('options that make no client (not a URL) let the run go on, to fail with its own message; a cancelled check answers undefined', async () => {
    assert.equal(await reachabilityFailure({ url: 'prometheus:9090' }), undefined);
    const port = await closedPort();
    const aborted = new AbortController();
    aborted.abort();
    assert.equal(await reachabilityFailure({ url: `http://127.0.0.1:${port}` }, aborted.signal), undefined);
  });

  it('a client passed in is the one asked', async () => {
    const asked: string[] = [];
    const refused = new PrometheusError('Prometheus at http://p answered 401', 'http', 401);
    assert.equal(await reachabilityFailure({ query: async (q) => { asked.push(q); throw refused; } }), refused);
    assert.equal(await reachabilityFailure({ query: async (q) => { asked.push(q); return []; } }), undefined);
    assert.deepEqual(asked, ['vector(1)', 'vector(1)']);
    await assert.rejects(reachabilityFailure({ query: async () => { throw new TypeError('a bug'); } }), TypeError);
  });

  it('planReachabilityFailure: the plan run\'s client — its token and headers sent, errors naming the plan\'s "prometheus:" field', async () => {
    await withDouble(200, vector, async (d) => {
      const settings = { prometheusAuth: { bearerToken: 'tok-123456' }, prometheusHeaders: { 'X-Scope-OrgID': 'team-a' }, prometheusMatchers: 'cluster="eu"' };
      assert.equal(await planReachabilityFailure({ prometheusUrl: d.url }, settings), undefined);
      assert.equal(d.seen.length, 1);
      assert.equal(d.seen[0].headers.authorization, 'Bearer tok-123456');
      assert.equal(d.seen[0].headers['x-scope-orgid'], 'team-a');
    });
    const port = await closedPort();
    const e = await planReachabilityFailure({ prometheusUrl: `http://127.0.0.1:${port}` }, { prometheusAuth: {} });
    assert.equal(e?.kind, 'unreachable');
    assert.ok(e.message.endsWith(`check ${PLAN_PROMETHEUS_HINT}`), e.message);
    // A client given in the settings (the runner's hook) is asked instead of one built from the plan.
    let asked = 0;
    assert.equal(await planReachabilityFailure({ prometheusUrl: `http://127.0.0.1:${port}` }, { prometheus: { query: async () => { asked++; return []; } } }), undefined);
    assert.equal(asked, 1);
  });
});
