// Prometheus' own query timeout (--query.timeout, 2 min by default): it answers 503 with errorType "timeout". That is
// Prometheus up and the query too heavy, not Prometheus down: the error says so and what to do. A loopback node http
// server answering as Prometheus does stands in for a slow query (a test double).
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PrometheusClient } from '../../src/data/prometheus/client';

describe('Prometheus client: a query that exceeded Prometheus\' --query.timeout (503 errorType timeout)', () => {
  let server: http.Server;
  let url = '';
  before(async () => {
    server = http.createServer((_req, res) => res.writeHead(503, { 'Content-Type': 'application/json' })
      .end(JSON.stringify({ status: 'error', errorType: 'timeout', error: 'query timed out in expression evaluation' })));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('says the query was too heavy for the server\'s timeout and how to ask for less', async () => {
    const err = await new PrometheusClient({ url }).query('sum(rate(container_cpu_usage_seconds_total[5m]))').then(() => undefined, (e: Error) => e);
    assert.ok(err, 'expected an error');
    assert.match(err.message, /timeout: query timed out in expression evaluation/);
    assert.match(err.message, / — the query ran longer than Prometheus' own --query\.timeout \(2m by default\): ask for less at once \(one namespace at a time, fewer days of history: -n, --history-days\) or raise --query\.timeout on the server$/);
  });
});
