// A Mimir/Cortex (or a gateway's) 429 Too Many Requests with a plain-text body: reported as rate limiting, with the
// server's own message, how long it asked to wait (Retry-After) and what to do — not as a bare "answered 429". Through
// the default transport (axios, src/data/http.ts) against a loopback server, so the status text and the Retry-After
// header are the ones a real answer carries. The client has no retry mechanism: one request, one clear error.
import * as assert from 'node:assert/strict';
import type * as http from 'node:http';
import { PrometheusClient } from '../../src/data/prometheus/client';
import { PrometheusError } from '../../src/data/prometheus/errors';
import { LoopbackHttpServer } from './helpers/loopback-http-server';

const MIMIR = 'the request has been rejected because the tenant exceeded the request rate limit, set to 20 requests/s across all distributors with a maximum allowed burst of 40 (err-mimir-tenant-max-request-rate)';

class RateLimitingPrometheus extends LoopbackHttpServer {
  requests = 0;
  constructor(private readonly headers: Record<string, string>) { super(); }
  protected answer(_req: http.IncomingMessage, res: http.ServerResponse): void {
    this.requests++;
    res.writeHead(429, { 'Content-Type': 'text/plain; charset=utf-8', ...this.headers });
    res.end(`${MIMIR}\n`);
  }
}

async function failure(headers: Record<string, string>): Promise<{ err: PrometheusError; requests: number }> {
  const server = new RateLimitingPrometheus(headers);
  const url = await server.start();
  try {
    const client = new PrometheusClient({ url, proxyFromEnv: false, timeoutMs: 10_000 });
    const err = await client.queryRange('sum(rate(container_cpu_usage_seconds_total[5m]))', 1_800_000_000, 1_800_003_600, 60)
      .then(() => assert.fail('expected an error'), (e: unknown) => e);
    assert.ok(err instanceof PrometheusError, String(err));
    return { err, requests: server.requests };
  } finally {
    await server.stop();
  }
}

describe('Prometheus 429 Too Many Requests (Mimir/Cortex rate limits)', () => {
  it('says it is rate-limited, quotes the server, gives Retry-After and what to do; one request', async () => {
    const { err, requests } = await failure({ 'Retry-After': '30' });
    assert.equal(err.status, 429);
    assert.match(err.message, /rate-limit/);
    assert.match(err.message, /429 Too Many Requests/);
    assert.ok(err.message.includes(MIMIR), err.message);
    assert.match(err.message, /retry in 30 s \(its Retry-After\)/);
    assert.match(err.message, /shorter range|less at once/);
    assert.equal(requests, 1);
  });

  it('without Retry-After (or with an HTTP date): retry later, the wait said when there is one', async () => {
    const { err } = await failure({});
    assert.match(err.message, /rate-limit.*— retry later, or ask for less at once/);
    const at = new Date(Date.now() + 120_000).toUTCString();
    const dated = await failure({ 'Retry-After': at });
    assert.match(dated.err.message, /retry in (119|120) s \(its Retry-After\)/);
  });
});
