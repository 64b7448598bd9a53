// A history read Prometheus gives up on after its own --query.timeout (503, errorType "timeout") is read again in
// halves of its time range, down to 1/8, the parts joined in time order; only when the smallest part still times out
// does the read fail, with the message it failed with before (b6c850d) and the number of parts tried. The split is
// told once per client (onNote; `mora recommend` says it on stderr). A loopback node http server stands in for a
// Prometheus that times out on ranges longer than `maxHours` (a test double), answering shorter ones with value = t.
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PrometheusClient } from '../../src/data/prometheus/client';

const start = 1_800_000_000;

describe('Prometheus client: a range read that hit Prometheus\' --query.timeout is read again in halves of its time range', () => {
  let server: http.Server;
  let url = '';
  let maxHours = 6;
  const ranges: Array<[number, number]> = [];
  const instants: string[] = [];
  before(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => { body += c.toString(); });
      req.on('end', () => {
        const form = new URLSearchParams(req.method === 'POST' ? body : (req.url ?? '').split('?')[1] ?? '');
        if ((req.url ?? '').startsWith('/api/v1/query?') || req.url === '/api/v1/query') {
          // Instant owner lookups: the whole namespace times out; a part of its pods (by the name's last character) answers.
          const query = form.get('query') ?? '';
          instants.push(query);
          res.setHeader('Content-Type', 'application/json');
          if (!/pod[!=]~/.test(query)) {
            res.writeHead(503).end(JSON.stringify({ status: 'error', errorType: 'timeout', error: 'query timed out in expression evaluation' }));
            return;
          }
          const pods = ['web-a', 'web-7'].filter((p) => new RegExp(`^${/pod=~"(.*)"/.exec(query)?.[1] ?? '(?!)'}$`).test(p) || (/pod!~"(.*)"/.test(query) && !new RegExp(`^${/pod!~"(.*)"/.exec(query)![1]}$`).test(p)));
          res.writeHead(200).end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: pods.map((pod) => ({ metric: { pod }, value: [Number(form.get('time') ?? 0), '1'] })) } }));
          return;
        }
        const start = Number(form.get('start')), end = Number(form.get('end')), step = Number(form.get('step'));
        ranges.push([start, end]);
        res.setHeader('Content-Type', 'application/json');
        if (end - start > maxHours * 3600) {
          res.writeHead(503).end(JSON.stringify({ status: 'error', errorType: 'timeout', error: 'query timed out in expression evaluation' }));
          return;
        }
        const values: Array<[number, string]> = [];
        for (let t = start; t <= end; t += step) values.push([t, String(t)]);
        res.writeHead(200).end(JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [{ metric: { pod: 'web-1' }, values }] } }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => { ranges.length = 0; instants.length = 0; });

  const end = start + 24 * 3600;

  it('24 h against a 6 h limit: four parts, joined in order into the whole range; told once', async () => {
    maxHours = 6;
    const notes: string[] = [];
    const client = new PrometheusClient({ url, onNote: (n) => notes.push(n) });
    const r = await client.queryRange('sum by (pod) (rate(container_cpu_usage_seconds_total[5m]))', start, end, 60);
    assert.equal(r.series.length, 1);
    const t = [...r.series[0].t];
    assert.equal(t.length, 24 * 60 + 1);
    t.forEach((x, i) => assert.equal(x, start + i * 60));
    assert.deepEqual([...r.series[0].v], t);
    // The whole range, its halves, then the four quarters that answered.
    assert.equal(ranges.length, 1 + 2 + 4, JSON.stringify(ranges));
    assert.equal(notes.length, 1, notes.join('\n'));
    assert.match(notes[0], /^Prometheus at http:\/\/127\.0\.0\.1:\d+ gave up on sum by \(pod\) \(rate\(container_cpu_usage_seconds_total\[5m\]\)\) over 1d \(its own --query\.timeout\): reading it again in parts of its time range, down to 1\/8$/);
    // Said once per client: another split read tells nothing more.
    await client.queryRange('max by (pod) (container_memory_working_set_bytes)', start, end, 60);
    assert.equal(notes.length, 1);
  });

  it('still timing out at 1/8 of the range: fails with the timeout message, naming the parts tried', async () => {
    maxHours = 1;
    const client = new PrometheusClient({ url });
    const err = await client.queryRange('sum(rate(container_cpu_usage_seconds_total[5m]))', start, end, 60).then(() => undefined, (e: Error) => e);
    assert.ok(err, 'expected an error');
    assert.match(err.message, /answered 503 .*timeout: query timed out in expression evaluation — the query ran longer than Prometheus' own --query\.timeout \(2m by default\): ask for less at once .* \(also timed out when read in 8 parts\)$/);
    // Down to eighths (3 h), never below: the parts of one failed read after the first eighth's failure may or may not be sent by then.
    assert.ok(ranges.some(([s, e]) => e - s === 3 * 3600), JSON.stringify(ranges));
    assert.ok(ranges.every(([s, e]) => e - s >= 3 * 3600 - 60), JSON.stringify(ranges));
  });

  it('an instant owner lookup over the history (queryInParts): read again in parts of its pods, every pod once; told', async () => {
    const notes: string[] = [];
    const client = new PrometheusClient({ url, onNote: (n) => notes.push(n) });
    const r = await client.queryInParts((part) => `max by (pod, owner_name) (max_over_time(kube_pod_owner{namespace="shop"${part}}[14d]))`, 'pod', start);
    assert.deepEqual(r.map((x) => x.labels.pod).sort(), ['web-7', 'web-a']);
    assert.equal(instants.length, 3, instants.join('\n'));
    assert.equal(notes.length, 1);
    assert.match(notes[0], /gave up on max by \(pod, owner_name\) .* \(its own --query\.timeout\): reading it again in parts of its series \(pod\), down to 1\/8$/);
  });
});
