// A pooled keep-alive socket that the server (or a proxy) closes just as the client reuses it: the request fails with
// ECONNRESET / "socket hang up" before any response byte, though a new connection would be answered. The Prometheus
// client (over its real transport, axios on Node's keep-alive agent) sends such a read once more on a new connection —
// only then, and only once. Deterministic: the loopback server destroys a socket when a request arrives on it after it
// has answered one (an idle-timeout close racing the reuse, without the race), and counts connections and requests.
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { PrometheusClient } from '../../src/data/prometheus/client';
import { PrometheusError } from '../../src/data/prometheus/errors';
import { closedPort } from '../harness/ports';

type Mode =
  /** A request on a socket that already served one is dropped unanswered; a new connection's first request is answered. */
  | 'reused-dropped'
  /** The first request is answered (keep-alive); every later one, on any connection, is dropped unanswered. */
  | 'all-dropped-after-first'
  /** Every request is dropped unanswered, the first one (on a new connection) too. */
  | 'all-dropped'
  /** The first request is answered; later ones are never answered. */
  | 'silent-after-first'
  /** A request on a socket that already served one gets the status line and half a body, then the socket is destroyed. */
  | 'reused-cut-mid-answer';

interface Loopback { url: string; connections: number; requests: number; stop(): Promise<void> }

async function loopback(mode: Mode): Promise<Loopback> {
  const served = new WeakMap<Socket, number>();
  const state = { connections: 0, requests: 0 };
  const server = http.createServer((req, res) => {
    state.requests++;
    const socket = req.socket;
    const before = served.get(socket) ?? 0;
    const drop = mode === 'all-dropped'
      || (mode === 'reused-dropped' && before > 0)
      || ((mode === 'all-dropped-after-first' || mode === 'silent-after-first') && state.requests > 1);
    if (mode === 'reused-cut-mid-answer' && before > 0) {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '1000' });
      res.write('{"status":"succ', () => socket.destroy());
      return;
    }
    if (drop) {
      if (mode !== 'silent-after-first') socket.destroy();
      return;
    }
    served.set(socket, before + 1);
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'Content-Type': 'application/json', Connection: 'keep-alive' });
      res.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: { job: 'x' }, value: [100, '1'] }] } }));
    });
  });
  server.on('connection', () => { state.connections++; });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    get connections() { return state.connections; },
    get requests() { return state.requests; },
    stop: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

async function failure(p: Promise<unknown>): Promise<PrometheusError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof PrometheusError, String(e));
    return e;
  }
  assert.fail('expected the query to fail');
}

describe('Prometheus client: a reused keep-alive socket reset before the answer', () => {
  let server: Loopback | undefined;
  afterEach(async () => { await server?.stop(); server = undefined; });

  it('sends the read once more on a new connection, and the query succeeds', async () => {
    server = await loopback('reused-dropped');
    const client = new PrometheusClient({ url: server.url, concurrency: 1 });
    assert.equal((await client.query('up')).length, 1);
    assert.deepEqual([server.connections, server.requests], [1, 1]);
    // Goes out on the pooled socket, which the server drops on arrival: retried on a new connection.
    const second = await client.query('up');
    assert.equal(second.length, 1);
    assert.equal(client.staleSocketRetries, 1);
    assert.deepEqual([server.connections, server.requests], [2, 3], 'the reused socket, then exactly one request on a new connection');
  });

  it('retries on a new connection, not on another pooled socket that may be just as stale', async () => {
    server = await loopback('reused-dropped');
    const client = new PrometheusClient({ url: server.url, concurrency: 2 });
    // Two reads at once: two connections, both back in the pool afterwards, both dropped when reused.
    await Promise.all([client.query('up'), client.query('up')]);
    assert.deepEqual([server.connections, server.requests], [2, 2]);
    assert.equal((await client.query('up')).length, 1);
    assert.equal(client.staleSocketRetries, 1);
    assert.deepEqual([server.connections, server.requests], [3, 4], 'one pooled socket dropped, then a new (third) connection');
  });

  it('reports the failure once, promptly, when the new connection is reset too (no loop)', async () => {
    server = await loopback('all-dropped-after-first');
    const client = new PrometheusClient({ url: server.url, concurrency: 1, timeoutMs: 10_000 });
    await client.query('up');
    const t0 = Date.now();
    const err = await failure(client.query('up'));
    const ms = Date.now() - t0;
    assert.equal(err.kind, 'unreachable');
    assert.match(err.message, /closed the connection/);
    assert.equal(client.staleSocketRetries, 1);
    assert.deepEqual([server.connections, server.requests], [2, 3], 'the reused socket and one retry, nothing more');
    assert.ok(ms < 5_000, `failed after ${ms} ms, well before the 10 s timeout`);
  });

  it('does not retry a reset of a new connection (not a stale pooled socket)', async () => {
    server = await loopback('all-dropped');
    const client = new PrometheusClient({ url: server.url, concurrency: 1 });
    const err = await failure(client.query('up'));
    assert.equal(err.kind, 'unreachable');
    assert.equal(client.staleSocketRetries, 0);
    assert.deepEqual([server.connections, server.requests], [1, 1]);
  });

  it('does not retry when the reused socket is reset after part of the answer came', async () => {
    server = await loopback('reused-cut-mid-answer');
    const client = new PrometheusClient({ url: server.url, concurrency: 1 });
    await client.query('up');
    const err = await failure(client.query('up'));
    assert.equal(err.kind, 'unreachable');
    assert.equal(client.staleSocketRetries, 0);
    assert.deepEqual([server.connections, server.requests], [1, 2]);
  });

  it('does not retry a timeout (the request timeout still bounds the read)', async () => {
    server = await loopback('silent-after-first');
    const client = new PrometheusClient({ url: server.url, concurrency: 1, timeoutMs: 300 });
    await client.query('up');
    const err = await failure(client.query('up'));
    assert.equal(err.kind, 'timeout');
    assert.equal(client.staleSocketRetries, 0);
    assert.equal(server.requests, 2);
  });

  it('does not retry a cancelled read', async () => {
    server = await loopback('silent-after-first');
    const client = new PrometheusClient({ url: server.url, concurrency: 1, timeoutMs: 10_000 });
    await client.query('up');
    const ctl = new AbortController();
    const p = failure(client.query('up', undefined, { signal: ctl.signal }));
    // Cancelled once the server holds the request (a condition, not a fixed sleep).
    const end = Date.now() + 5_000;
    while (server.requests < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    ctl.abort();
    const err = await p;
    assert.equal(err.kind, 'aborted');
    assert.equal(client.staleSocketRetries, 0);
    assert.equal(server.requests, 2);
  });

  it('does not retry a refused connection', async () => {
    const client = new PrometheusClient({ url: `http://127.0.0.1:${await closedPort()}` });
    const err = await failure(client.query('up'));
    assert.match(err.message, /refused the connection/);
    assert.equal(client.staleSocketRetries, 0);
  });
});
