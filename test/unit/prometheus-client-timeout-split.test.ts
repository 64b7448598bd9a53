// A range read MOrA itself gives up on (no answer within the client's timeoutMs: "did not answer … within N s") is read
// again in halves of its time range, as ce718c0 does for Prometheus' own --query.timeout: down to 1/8, the parts joined
// in time order, told once per client (onNote) naming MOrA's own timeout. The parts wait for a free slot like any
// request: never more in flight than `concurrency`. Instant queries are not split this way. A loopback node http server
// stands in for a Prometheus that is slow on ranges longer than `maxHours` (it holds the answer far past the client's
// small timeout, until the client goes away), answering shorter ones at once with value = t.
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { axiosFetch } from '../../src/data/http';
import { PrometheusClient } from '../../src/data/prometheus/client';

const start = 1_800_000_000;
/** The client's own timeout in these tests: short, but far above a loopback answer even on a busy machine. */
const TIMEOUT_MS = 2000;

describe('Prometheus client: a range read that hit MOrA\'s own request timeout is read again in halves of its time range', function () {
  this.timeout(60_000);
  let server: http.Server;
  let url = '';
  let maxHours = 6;
  /** Ranges longer than this many hours get Prometheus' own --query.timeout answer (503, errorType "timeout") at once. */
  let giveUpHours = Infinity;
  const ranges: Array<[number, number]> = [];
  const instants: string[] = [];
  /** vector(1) queries answered: the client asking whether Prometheus answers at all. */
  let probes = 0;
  /** A hung Prometheus (or proxy): nothing is answered, not even vector(1). */
  let hung = false;
  before(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => { body += c.toString(); });
      req.on('end', () => {
        const form = new URLSearchParams(req.method === 'POST' ? body : (req.url ?? '').split('?')[1] ?? '');
        res.setHeader('Content-Type', 'application/json');
        // Slow: the answer would come long after the client's timeout; dropped when the client closes the connection.
        const slow = () => {
          const held = setTimeout(() => res.writeHead(200).end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [] } })), 60 * TIMEOUT_MS);
          res.on('close', () => clearTimeout(held));
        };
        if (hung) {
          if ((req.url ?? '').split('?')[0] !== '/api/v1/query') ranges.push([Number(form.get('start')), Number(form.get('end'))]);
          return slow();
        }
        if ((req.url ?? '').split('?')[0] === '/api/v1/query') {
          // The liveness check after a range read timed out: a busy Prometheus still answers it at once.
          if (form.get('query') === 'vector(1)') {
            probes++;
            return res.writeHead(200).end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [start, '1'] }] } }));
          }
          instants.push(form.get('query') ?? '');
          return slow();
        }
        const s = Number(form.get('start')), e = Number(form.get('end')), step = Number(form.get('step'));
        ranges.push([s, e]);
        if (e - s > giveUpHours * 3600) return res.writeHead(503).end(JSON.stringify({ status: 'error', errorType: 'timeout', error: 'query timed out in expression evaluation' }));
        if (e - s > maxHours * 3600) return slow();
        const values: Array<[number, string]> = [];
        for (let t = s; t <= e; t += step) values.push([t, String(t)]);
        res.writeHead(200).end(JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [{ metric: { pod: 'web-1' }, values }] } }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => { server.closeAllConnections(); return new Promise<void>((resolve) => server.close(() => resolve())); });
  beforeEach(() => { ranges.length = 0; instants.length = 0; giveUpHours = Infinity; probes = 0; hung = false; });

  const end = start + 24 * 3600;

  it('24 h, slow over 6 h: four parts, joined in order into the whole range; told once, naming MOrA\'s own timeout', async () => {
    maxHours = 6;
    const notes: string[] = [];
    const client = new PrometheusClient({ url, timeoutMs: TIMEOUT_MS, onNote: (n) => notes.push(n) });
    const r = await client.queryRange('sum by (pod) (rate(container_cpu_usage_seconds_total[5m]))', start, end, 60);
    assert.equal(r.series.length, 1);
    const t = [...r.series[0].t];
    assert.equal(t.length, 24 * 60 + 1);
    t.forEach((x, i) => assert.equal(x, start + i * 60));
    assert.deepEqual([...r.series[0].v], t);
    // The whole range, its halves, then the four quarters that answered.
    assert.equal(ranges.length, 1 + 2 + 4, JSON.stringify(ranges));
    assert.equal(notes.length, 1, notes.join('\n'));
    assert.match(notes[0], /^Prometheus at http:\/\/127\.0\.0\.1:\d+ did not answer sum by \(pod\) \(rate\(container_cpu_usage_seconds_total\[5m\]\)\) over 1d within 2 s \(MOrA's own request timeout, --prometheus-timeout \(CLI\) or the mora\.prometheus\.timeoutSeconds setting \(VS Code\)\): reading it again in parts of its time range, down to 1\/8$/);
    // Said once per client: another split read tells nothing more.
    await client.queryRange('max by (pod) (container_memory_working_set_bytes)', start, end, 60);
    assert.equal(notes.length, 1);
  });

  it('Prometheus\' own timeout on the whole, MOrA\'s on its halves: both causes told, once each', async () => {
    maxHours = 6;
    giveUpHours = 12;
    const notes: string[] = [];
    const client = new PrometheusClient({ url, timeoutMs: TIMEOUT_MS, onNote: (n) => notes.push(n) });
    const r = await client.queryRange('sum by (pod) (rate(container_cpu_usage_seconds_total[5m]))', start, end, 60);
    assert.equal(r.series[0].t.length, 24 * 60 + 1);
    assert.equal(notes.length, 2, notes.join('\n'));
    assert.match(notes[0], /gave up on .* over 1d \(its own --query\.timeout\): reading it again in parts of its time range, down to 1\/8$/);
    assert.match(notes[1], /did not answer .* over 12h within 2 s \(MOrA's own request timeout, --prometheus-timeout \(CLI\) or the mora\.prometheus\.timeoutSeconds setting \(VS Code\)\): reading it again in parts of its time range, down to 1\/8$/);
  });

  it('the parts wait for a free slot: never more requests in flight than the client\'s concurrency', async () => {
    maxHours = 6;
    let inFlight = 0;
    let most = 0;
    const transport = axiosFetch();
    // Counted from the call until the answer (or the abort of MOrA's timeout, which frees the slot right after).
    const counting = ((input: string, init: RequestInit) => {
      inFlight++;
      most = Math.max(most, inFlight);
      let done = false;
      const leave = () => { if (!done) { done = true; inFlight--; } };
      init.signal?.addEventListener('abort', leave, { once: true });
      return transport(input, init).finally(leave);
    }) as unknown as typeof fetch;
    // Two chunks of 12 h (721 points each), both slow; each split in two halves of 6 h that answer: 2 + 4 requests.
    const client = new PrometheusClient({ url, timeoutMs: TIMEOUT_MS, concurrency: 2, chunkPoints: 721, fetch: counting });
    const r = await client.queryRange('sum by (pod) (rate(container_cpu_usage_seconds_total[5m]))', start, end, 60);
    assert.deepEqual([...r.series[0].t], Array.from({ length: 24 * 60 + 1 }, (_, i) => start + i * 60));
    assert.equal(ranges.length, 2 + 4, JSON.stringify(ranges));
    assert.ok(most <= 2, `at most 2 requests in flight, saw ${most}`);
    assert.equal(most, 2, 'the two chunks were read at once');
  });

  it('still no answer at 1/8 of the range: fails with MOrA\'s timeout message, naming the parts tried', async () => {
    maxHours = 1;
    const client = new PrometheusClient({ url, timeoutMs: TIMEOUT_MS });
    const err = await client.queryRange('sum(rate(container_cpu_usage_seconds_total[5m]))', start, end, 60).then(() => undefined, (e: Error & { kind?: string }) => e);
    assert.ok(err, 'expected an error');
    assert.equal(err.kind, 'timeout');
    assert.match(err.message, /^Prometheus at http:\/\/127\.0\.0\.1:\d+ did not answer query sum\(rate\(container_cpu_usage_seconds_total\[5m\]\)\) within 2 s \(MOrA's own request timeout, --prometheus-timeout \(CLI\) or the mora\.prometheus\.timeoutSeconds setting \(VS Code\)\) — is it overloaded\? try a shorter range or a larger step \(also timed out when read in 8 parts\)$/);
    // Down to eighths (3 h), never below.
    assert.ok(ranges.some(([s, e]) => e - s === 3 * 3600), JSON.stringify(ranges));
    assert.ok(ranges.every(([s, e]) => e - s >= 3 * 3600 - 60), JSON.stringify(ranges));
  });

  it('once a part has failed the read, its parts not sent yet are not sent (they would hold the slot for nothing)', async () => {
    maxHours = 1;
    const client = new PrometheusClient({ url, timeoutMs: TIMEOUT_MS, concurrency: 1 });
    const err = await client.queryRange('sum(rate(container_cpu_usage_seconds_total[5m]))', start, end, 60).then(() => undefined, (e: Error) => e);
    assert.match(err?.message ?? '', /\(also timed out when read in 8 parts\)$/);
    // One slot, first come first served: a short read asked now is sent after whatever of the failed read was still queued.
    await client.queryRange('up', start, start + 1800, 60);
    // The whole, its 2 halves, 4 quarters, then the first eighth, which failed the read: the other 7 eighths never went.
    const slow = ranges.filter(([s, e]) => e - s > 3600);
    assert.equal(slow.length, 1 + 2 + 4 + 1, JSON.stringify(ranges));
  });

  it('an instant query, or an owner lookup in parts (queryInParts), is not split on MOrA\'s own timeout: one request, its message', async () => {
    const notes: string[] = [];
    const client = new PrometheusClient({ url, timeoutMs: TIMEOUT_MS, onNote: (n) => notes.push(n) });
    const err = await client.query('count(container_cpu_usage_seconds_total)').then(() => undefined, (e: Error) => e);
    assert.match(err?.message ?? '', /did not answer query count\(container_cpu_usage_seconds_total\) within 2 s \(MOrA's own request timeout, --prometheus-timeout \(CLI\) or the mora\.prometheus\.timeoutSeconds setting \(VS Code\)\) — is it overloaded\?/);
    const lookup = await client.queryInParts((part) => `max by (pod, owner_name) (max_over_time(kube_pod_owner{namespace="shop"${part}}[14d]))`, 'pod', start).then(() => undefined, (e: Error) => e);
    assert.match(lookup?.message ?? '', /did not answer query max by \(pod, owner_name\) .* within 2 s \(MOrA's own request timeout, --prometheus-timeout \(CLI\) or the mora\.prometheus\.timeoutSeconds setting \(VS Code\)\) — is it overloaded\? try a shorter range or a larger step$/);
    assert.equal(instants.length, 2, instants.join('\n'));
    assert.deepEqual(notes, []);
  });
  it('a Prometheus that answers nothing (hung, or a proxy holding every request): no split, the timeout said after one more try, not 4×', async () => {
    hung = true;
    const notes: string[] = [];
    const client = new PrometheusClient({ url, timeoutMs: TIMEOUT_MS, onNote: (n) => notes.push(n) });
    const err = await client.queryRange('sum by (pod) (rate(container_cpu_usage_seconds_total[5m]))', start, end, 60).then(() => assert.fail('expected an error'), (e: Error) => e);
    assert.match(err.message, /did not answer .* within 2 s/);
    assert.doesNotMatch(err.message, /parts/);
    // The whole range only: its halves would each have waited out the timeout too.
    assert.equal(ranges.length, 1, JSON.stringify(ranges));
    assert.deepEqual(notes, []);
  });

  it('a busy Prometheus that answers vector(1) is split (the liveness check asked once per read that timed out whole)', async () => {
    maxHours = 6;
    const client = new PrometheusClient({ url, timeoutMs: TIMEOUT_MS });
    await client.queryRange('sum by (pod) (rate(container_cpu_usage_seconds_total[5m]))', start, end, 60);
    assert.equal(probes, 1);
    assert.equal(ranges.length, 1 + 2 + 4, JSON.stringify(ranges));
  });
});
