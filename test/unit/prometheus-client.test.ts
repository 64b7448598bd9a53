// The Prometheus client against an in-process stand-in for `fetch` that answers like the Prometheus HTTP API
// (matrix values computed from a known function of time), so chunking, step fitting, auth and errors are checked
// without a network. The real server is exercised in test/integration.
import * as assert from 'node:assert/strict';
import { PrometheusClient, PROMETHEUS_MAX_POINTS, authFromEnv, chunkRange, fitStep } from '../../src/data/prometheus/client';
import { PrometheusError } from '../../src/data/prometheus/errors';
import { ClusterDataSource } from '../../src/data/cluster';

interface Call { url: string; init: RequestInit; params: URLSearchParams }

/** A fake Prometheus: range queries answer value = f(t) for two label sets; records every call. */
function fakePrometheus(f: (t: number) => number, opts: { status?: number; body?: unknown } = {}) {
  const calls: Call[] = [];
  const impl = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = String(input);
    const params = new URLSearchParams(String(init?.body ?? ''));
    calls.push({ url, init: init ?? {}, params });
    if (opts.status) return new Response(JSON.stringify(opts.body ?? {}), { status: opts.status, headers: { 'Content-Type': 'application/json' } });
    if (url.endsWith('/api/v1/query_range')) {
      const start = Number(params.get('start')), end = Number(params.get('end')), step = Number(params.get('step'));
      const points = Math.floor((end - start) / step) + 1;
      if (points > PROMETHEUS_MAX_POINTS) {
        return new Response(JSON.stringify({ status: 'error', errorType: 'bad_data', error: 'exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)' }), { status: 400 });
      }
      const values = (k: number) => Array.from({ length: points }, (_, i) => [start + i * step, String(k * f(start + i * step))]);
      return Response.json({ status: 'success', data: { resultType: 'matrix', result: [{ metric: { pod: 'a' }, values: values(1) }, { metric: { pod: 'b' }, values: values(2) }] } });
    }
    if (url.endsWith('/api/v1/query')) {
      return Response.json({ status: 'success', data: { resultType: 'vector', result: [{ metric: { job: 'x' }, value: [100, '+Inf'] }, { metric: { job: 'y' }, value: [100, 'NaN'] }] } });
    }
    return new Response('404 page not found', { status: 404 });
  }) as typeof fetch;
  return { impl, calls };
}

describe('Prometheus client', () => {
  describe('fitStep / chunkRange', () => {
    it('keeps the asked step when the range fits and grows it (to a round value) when it would exceed the limit', () => {
      assert.equal(fitStep(0, 3600, 15), 15);
      const day = 86400;
      for (const days of [14, 30, 90, 365]) {
        const step = fitStep(0, days * day, 60);
        assert.ok((days * day) / step + 1 <= PROMETHEUS_MAX_POINTS, `${days} d at ${step} s`);
        assert.ok(step >= 60);
        // not grown more than needed: the next smaller round step would not fit
        assert.ok((days * day) / (step / 2) + 1 > PROMETHEUS_MAX_POINTS || step === 60, `${days} d: ${step} s is larger than needed`);
      }
      assert.throws(() => fitStep(0, 10, 0), /step must be positive/);
    });

    it('splits a range into contiguous chunks on the step grid that cover it exactly', () => {
      const chunks = chunkRange(1000, 1000 + 60 * 999, 60, 128);
      const ts: number[] = [];
      for (const [s, e] of chunks) {
        assert.ok((e - s) / 60 + 1 <= 128);
        for (let t = s; t <= e; t += 60) ts.push(t);
      }
      assert.equal(ts.length, 1000);
      ts.forEach((t, i) => assert.equal(t, 1000 + 60 * i));
    });
  });

  describe('queries', () => {
    it('stitches a chunked range query per label set into one series each, never asking more than 11,000 points', async () => {
      const f = (t: number) => Math.sin(t / 5000) + 2;
      const { impl, calls } = fakePrometheus(f);
      const client = new PrometheusClient({ url: 'http://prom.example:9090/', fetch: impl, chunkPoints: 700 });
      const start = 1_700_000_000, end = start + 30 * 86400;
      const r = await client.queryRange('rate(x[5m])', start, end, 60);
      assert.ok(r.step > 60, 'a 30-day range at 60 s must grow the step');
      assert.ok(calls.length > 1, 'the range is chunked');
      for (const c of calls) {
        assert.equal(c.url, 'http://prom.example:9090/api/v1/query_range');
        assert.equal(c.init.method, 'POST');
        assert.equal(c.params.get('step'), String(r.step));
        assert.ok((Number(c.params.get('end')) - Number(c.params.get('start'))) / r.step + 1 <= 700);
      }
      assert.equal(r.series.length, 2);
      const b = r.series.find((s) => s.labels.pod === 'b')!;
      assert.equal(b.t.length, Math.floor((end - start) / r.step) + 1);
      for (let i = 0; i < b.t.length; i++) {
        assert.equal(b.t[i], start + i * r.step);
        assert.ok(Math.abs(b.v[i] - 2 * f(b.t[i])) < 1e-9);
      }
    });

    it('parses +Inf and NaN sample values', async () => {
      const { impl } = fakePrometheus(() => 1);
      const client = new PrometheusClient({ url: 'http://prom:9090', fetch: impl });
      const r = await client.query('up');
      assert.equal(r[0].v, Infinity);
      assert.ok(Number.isNaN(r[1].v));
    });
  });

  describe('auth', () => {
    it('sends a bearer token, and turns user:password in the URL into basic auth (fetch refuses credentials in URLs)', async () => {
      const a = fakePrometheus(() => 1);
      await new PrometheusClient({ url: 'http://prom:9090', auth: { bearerToken: 'tok-123' }, fetch: a.impl }).query('up');
      assert.equal((a.calls[0].init.headers as Record<string, string>).Authorization, 'Bearer tok-123');
      const b = fakePrometheus(() => 1);
      await new PrometheusClient({ url: 'https://alice:s3cr%40t@prom:9090/prometheus', fetch: b.impl }).query('up');
      assert.equal(b.calls[0].url, 'https://prom:9090/prometheus/api/v1/query');
      assert.equal((b.calls[0].init.headers as Record<string, string>).Authorization, `Basic ${Buffer.from('alice:s3cr@t').toString('base64')}`);
    });

    it('reads credentials from the environment', () => {
      assert.deepEqual(authFromEnv({ MORA_PROMETHEUS_TOKEN: ' t0k ' }), { bearerToken: 't0k' });
      assert.deepEqual(authFromEnv({ MORA_PROMETHEUS_USERNAME: 'u', MORA_PROMETHEUS_PASSWORD: 'p' }), { username: 'u', password: 'p' });
      assert.equal(authFromEnv({}), undefined);
    });

    it('never puts the token or password into an error message, even when the server echoes them', async () => {
      const token = 'super-secret-token-value';
      const echo = (async (_u: string, init?: RequestInit) =>
        new Response(`denied for ${(init?.headers as Record<string, string>).Authorization}`, { status: 401 })) as typeof fetch;
      const err = await new PrometheusClient({ url: 'http://prom:9090', auth: { bearerToken: token }, fetch: echo }).query('up').then(() => assert.fail('expected an error'), (e: Error) => e);
      assert.ok(err instanceof PrometheusError);
      assert.equal(err.status, 401);
      assert.ok(!err.message.includes(token), err.message);
      assert.match(err.message, /401.*credentials/);
      const basic = await new PrometheusClient({ url: 'http://bob:hunter22@prom:9090', fetch: echo }).query('up').then(() => assert.fail('expected an error'), (e: Error) => e);
      assert.ok(!basic.message.includes('hunter22') && !basic.message.includes(Buffer.from('bob:hunter22').toString('base64')), basic.message);
    });

    it('redacts before shortening: a long token echoed in an error body leaks no part of it', async () => {
      const token = Array.from({ length: 305 }, (_, i) => 'abcdefghijklmnopqrstuvwxyz0123456789'[(i * 7) % 36]).join('');
      const echo = (async (_u: string, init?: RequestInit) => new Response(
        `upstream proxy error: the gateway could not validate the request it received for this upstream ${(init?.headers as Record<string, string>).Authorization} (expired)`,
        { status: 502 })) as typeof fetch;
      const err = await new PrometheusClient({ url: 'http://prom:9090', auth: { bearerToken: token }, fetch: echo }).query('up').then(() => assert.fail('expected an error'), (e: Error) => e);
      assert.ok(err instanceof PrometheusError);
      assert.match(err.message, /^Prometheus at http:\/\/prom:9090 answered 502/);
      for (let i = 0; i + 12 <= token.length; i++) assert.ok(!err.message.includes(token.slice(i, i + 12)), `part of the token at ${i}: ${err.message}`);
      assert.match(err.message, /Bearer \*\*\*/);
    });

    it('never prints or keeps the userinfo of a URL, in messages or in displayUrl', async () => {
      const refused = (async () => { throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }); }) as typeof fetch;
      const client = new PrometheusClient({ url: 'http://alice:pa55word@prom:9090/prom', fetch: refused });
      assert.equal(client.displayUrl, 'http://prom:9090/prom');
      const err = await client.query('up').then(() => assert.fail('expected an error'), (e: Error) => e);
      assert.ok(!/alice|pa55word|@/.test(err.message), err.message);
      const bad = (() => { try { new PrometheusClient({ url: 'ftp://alice:pa55word@prom:9090' }); } catch (e) { return e as Error; } return undefined; })();
      assert.ok(bad && !/alice|pa55word/.test(bad.message), bad?.message);
    });
  });

  describe('errors', () => {
    it('says the connection was refused and where to set the URL', async () => {
      const refused = (async () => { throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }); }) as typeof fetch;
      const err = await new PrometheusClient({ url: 'http://10.0.0.9:9090', fetch: refused }).query('up').then(() => assert.fail('expected an error'), (e: PrometheusError) => e);
      assert.equal(err.kind, 'unreachable');
      // Without a hint from the caller both places are named, each with where it applies (it said 'set mora.prometheus.url
      // / --prometheus', a VS Code setting to a CLI user).
      assert.equal(err.message, 'Prometheus at http://10.0.0.9:9090 refused the connection — is it running? check --prometheus (CLI) or the mora.prometheus.url setting (VS Code)');
      // A caller that knows where its URL came from says that alone: a CLI flag, a plan's field.
      const notFound = (async () => { throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ENOTFOUND' } }); }) as typeof fetch;
      const cli = await new PrometheusClient({ url: 'http://prom.nope:9090', fetch: notFound, urlHint: '--prometheus' }).query('up').then(() => assert.fail('expected an error'), (e: PrometheusError) => e);
      assert.equal(cli.message, 'Prometheus host in http://prom.nope:9090 was not found (DNS) — check --prometheus');
      assert.throws(() => new PrometheusClient({ url: 'prom:9090', urlHint: '--prometheus' }), { message: 'Prometheus URL must start with http:// or https://, got "prom:9090" — check --prometheus' });
      assert.throws(() => new PrometheusClient({ url: 'not a url' }), { message: '"not a url" is not a URL; expected e.g. http://127.0.0.1:9090 — check --prometheus (CLI) or the mora.prometheus.url setting (VS Code)' });
    });

    it("passes Prometheus' own error text for a bad query", async () => {
      const { impl } = fakePrometheus(() => 1, { status: 400, body: { status: 'error', errorType: 'bad_data', error: 'parse error at char 5: unexpected "}"' } });
      const err = await new PrometheusClient({ url: 'http://prom:9090', fetch: impl }).query('up{}}').then(() => assert.fail('expected an error'), (e: PrometheusError) => e);
      assert.equal(err.kind, 'query');
      assert.match(err.message, /400.*bad_data: parse error at char 5/);
    });

    it('reports a 5xx with its status and a 404 as a wrong base URL', async () => {
      const down = fakePrometheus(() => 1, { status: 503, body: { status: 'error', errorType: 'unavailable', error: 'TSDB not ready' } });
      const e503 = await new PrometheusClient({ url: 'http://prom:9090', fetch: down.impl }).query('up').then(() => assert.fail('expected an error'), (e: PrometheusError) => e);
      assert.equal(e503.kind, 'http');
      assert.match(e503.message, /503.*TSDB not ready/);
      const notProm = (async () => new Response('404 page not found', { status: 404 })) as typeof fetch;
      const e404 = await new PrometheusClient({ url: 'http://grafana:3000', fetch: notProm }).query('up').then(() => assert.fail('expected an error'), (e: PrometheusError) => e);
      assert.match(e404.message, /404.*base URL/);
    });

    it('times out a request that never answers', async () => {
      const hang = ((_u: string, init?: RequestInit) => new Promise<Response>((_r, reject) => {
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason));
      })) as typeof fetch;
      const err = await new PrometheusClient({ url: 'http://prom:9090', fetch: hang, timeoutMs: 50 }).query('up').then(() => assert.fail('expected an error'), (e: PrometheusError) => e);
      assert.equal(err.kind, 'timeout');
      assert.match(err.message, /did not answer .* within/);
    });

    it('distinguishes cancellation by the caller from a timeout', async () => {
      const hang = ((_u: string, init?: RequestInit) => new Promise<Response>((_r, reject) => {
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason));
      })) as typeof fetch;
      const ac = new AbortController();
      const p = new PrometheusClient({ url: 'http://prom:9090', fetch: hang, timeoutMs: 10_000 }).query('up', undefined, { signal: ac.signal });
      ac.abort();
      const err = await p.then(() => assert.fail('expected an error'), (e: PrometheusError) => e);
      assert.equal(err.kind, 'aborted');
    });

    it('rejects a URL that is not http(s) with a one-line hint; the cluster source reports it on use, never at construction', async () => {
      assert.throws(() => new PrometheusClient({ url: 'prom:9090' }), /must start with http:\/\/ or https:\/\/, got "prom:9090"/);
      assert.throws(() => new PrometheusClient({ url: 'not a url' }), /is not a URL/);
      const source = new ClusterDataSource({ prometheusUrl: 'localhost:9090' }); // what people type; must not break activation
      const checks = await source.checks({ kubernetes: false });
      assert.equal(checks.length, 1);
      assert.equal(checks[0].ok, false);
      assert.match(checks[0].message, /got "localhost:9090"/);
    });
  });
});
