// `mora health` against a Thanos Querier / Mimir that answers with `warnings` (a partial response: a store or ingester
// did not answer): the counts it gives may be short, so the check's line says Prometheus warned and what — not a
// plain "ok". A loopback node http server answering as Thanos does stands in for it (a test double).
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mora } from './helpers/run-cli';

const WARNING = 'No StoreAPIs matched for this query';

describe('mora health: a partial response (Thanos/Mimir warnings)', () => {
  let server: http.Server;
  let url = '';
  before(async () => {
    server = http.createServer((req, res) => {
      const json = (b: unknown) => res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(b));
      if (req.url?.startsWith('/api/v1/status/buildinfo')) return json({ status: 'success', data: { version: '0.35.0' } });
      // Every query: one series worth 3 (counts of 3; the newest sample 3 s old), with the store's warning.
      return json({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [Date.now() / 1000, '3'] }] }, warnings: [WARNING] });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('the check says the answer was partial, with the warning (text and JSON)', async () => {
    const r = await mora(['health', '--prometheus', url, '--no-kubernetes', '-f', 'json']);
    const c = (JSON.parse(r.out) as { checks: Array<{ name: string; ok: boolean; message: string; warnings?: string[] }> }).checks.find((x) => x.name === 'cAdvisor')!;
    assert.match(c.message, new RegExp(`^3 series of container_cpu_usage_seconds_total — a partial answer, the count may be short: Prometheus warned: ${WARNING}$`), r.out);
    assert.deepEqual(c.warnings, [WARNING]);
  });
});
