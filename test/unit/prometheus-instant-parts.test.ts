// PrometheusClient.queryInParts (the batched plan's owner lookups) against a local HTTP server that acts as a
// Prometheus with a series limit: it evaluates the query's pod matchers (anchored, as PromQL's) over its series and
// refuses with Prometheus' 422 "too many samples" when more than LIMIT series match. The parts must select every series
// exactly once — names ending in a digit or letter, in anything else, and a series without the label — and once the
// read has failed, the parts not sent yet are not sent.
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PrometheusClient, tooLarge } from '../../src/data/prometheus/client';

const LIMIT = 40;

function names(): Array<string | undefined> {
  const out: Array<string | undefined> = [];
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  let seed = 5;
  const next = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
  for (let i = 0; i < 160; i++) out.push(`web-7d4b9c-${Array.from({ length: 5 }, () => alphabet[Math.floor(next() * alphabet.length)]).join('')}`);
  for (let i = 0; i < 10; i++) out.push(`db-${i}`);
  out.push('odd-name-', 'Upper-X', 'dotted.', undefined);
  return out;
}

interface Server { url: string; queries: string[]; close(): Promise<void> }

async function fakePrometheus(series: Array<string | undefined>): Promise<Server> {
  const queries: string[] = [];
  const state: Server = { url: '', queries, close: async () => {} };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString('utf8'); });
    req.on('end', () => {
      const query = new URLSearchParams(body).get('query') ?? '';
      queries.push(query);
      // Matchers on pod: pod=~"re" / pod!~"re", anchored; a missing label is "".
      const ms = [...query.matchAll(/pod(=~|!~)"([^"]*)"/g)].map(([, op, re]) => ({ neg: op === '!~', re: new RegExp(`^(?:${re})$`) }));
      const hit = series.filter((p) => ms.every((m) => m.re.test(p ?? '') !== m.neg));
      res.setHeader('content-type', 'application/json');
      if (hit.length > LIMIT) {
        res.statusCode = 422;
        res.end(JSON.stringify({ status: 'error', errorType: 'execution', error: 'query processing would load too many samples into memory in query execution' }));
        return;
      }
      res.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: hit.map((p) => ({ metric: p === undefined ? {} : { pod: p }, value: [1000, '1'] })) } }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); });
  return state;
}

const build = (part: string) => `max by (pod) (max_over_time(kube_pod_owner{namespace="shop"${part}}[3600s]))`;

describe('PrometheusClient.queryInParts: an instant query refused as too large is read in parts of a label', () => {
  const servers: Server[] = [];
  after(async () => { for (const s of servers) await s.close(); });

  it('every series comes back exactly once, read in parts down to eighths (with series of no digit/letter ending and none)', async () => {
    const series = names();
    const s = await fakePrometheus(series);
    servers.push(s);
    const client = new PrometheusClient({ url: s.url });
    const got = await client.queryInParts(build, 'pod', 1000);
    assert.deepEqual(got.map((x) => x.labels.pod ?? '(none)').sort(), series.map((p) => p ?? '(none)').sort());
    assert.ok(s.queries.length > 8 && s.queries.length <= 15, `requests: ${s.queries.length}`);
    assert.equal(s.queries[0], build(''), 'the whole first, as written');
    assert.ok(s.queries.some((q) => (q.match(/pod[=!]~/g) ?? []).length === 1 && /pod!~/.test(q)), 'the rest part: one !~ matcher');
  });

  it('a read no 8 parts pass fails with the message and the parts tried; a query without the split fails as it did', async () => {
    const s = await fakePrometheus(Array.from({ length: 2000 }, (_, i) => `p-${i.toString(36)}`));
    servers.push(s);
    const client = new PrometheusClient({ url: s.url });
    const e = await client.queryInParts(build, 'pod', 1000).then(() => undefined, (x: unknown) => x);
    assert.ok(tooLarge(e), String(e));
    assert.match(e.message, /422 .*too many samples.*\(also refused when read in 8 parts\)$/);
    const whole = await client.query(build(''), 1000).then(() => undefined, (x: unknown) => x);
    assert.ok(tooLarge(whole) && !/also refused/.test(whole.message), String(whole));
    await assert.rejects(client.queryInParts(build, 'pod"}', 1000), /not a label name/);
  });

  it('once a part is refused for good, the parts not sent yet are not sent', async () => {
    const s = await fakePrometheus(Array.from({ length: 2000 }, (_, i) => `p-${i.toString(36)}`));
    servers.push(s);
    // One request at a time, in order: the whole, 2 halves, 4 quarters, then the first eighth is refused at the last
    // level; the 7 other eighths, queued behind it, are dropped (15 requests without that).
    const client = new PrometheusClient({ url: s.url, concurrency: 1 });
    await assert.rejects(client.queryInParts(build, 'pod', 1000), /also refused when read in 8 parts/);
    // Queued behind whatever the split left: answered once the queue has drained.
    await client.query('up', 1000).catch(() => undefined);
    assert.equal(s.queries.length, 9, s.queries.join('\n'));
    assert.equal(s.queries[8], 'up');
  });
});
