import { strict as assert } from 'node:assert';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { runLoadLevel } from '../../src/data/experiments/load';
import { autocannonCellDriver } from '../../src/data/experiments/cell-load';
import type { PlanCell } from '../../src/data/experiments/plan-file';

/** A local HTTP server that answers after `delayMs` and counts the requests it receives. */
async function server(delayMs = 0): Promise<{ url: string; received: () => number; close: () => Promise<void> }> {
  let n = 0;
  const srv = http.createServer((_q, r) => { n++; setTimeout(() => r.end('ok'), delayMs); });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}/`,
    received: () => n,
    close: () => new Promise<void>((r) => { srv.closeAllConnections(); srv.close(() => r()); }),
  };
}

describe('load levels (real HTTP, local server)', function () {
  this.timeout(60_000);

  it('holds fractional and sub-1 req/s rates: the server sees the asked rate, not its whole part', async () => {
    const s = await server();
    try {
      // 2.5 req/s was cut to 2 (autocannon floors each connection's share); 0.5 req/s threw.
      for (const [rate, seconds] of [[2.5, 4], [0.5, 4], [4.2, 5]]) {
        const before = s.received();
        const stats = await runLoadLevel({ url: s.url, rate, durationSeconds: seconds });
        const seen = s.received() - before;
        const asked = rate * seconds;
        assert.ok(Math.abs(seen - asked) <= Math.max(1, asked * 0.05), `asked ${rate} req/s for ${seconds} s: the server saw ${seen} requests, not ~${asked}`);
        assert.ok(Math.abs(stats.achievedRate - rate) <= Math.max(1 / seconds, rate * 0.05) + 1e-9, `achieved ${stats.achievedRate} req/s for ${rate}`);
      }
    } finally {
      await s.close();
    }
  });

  it('ends at the level\'s length, not at autocannon\'s next 1-s tick: 4 req/s for 2.5 s sends 10 requests in 2.5 s', async () => {
    const s = await server();
    try {
      // autocannon notices its duration's end only at its next 1-s sample: this level ran 3 s and sent 12.
      const stats = await runLoadLevel({ url: s.url, rate: 4, durationSeconds: 2.5 });
      assert.ok(Math.abs(s.received() - 10) <= 1, `the server saw ${s.received()} requests, not ~10`);
      assert.equal(stats.durationSeconds, 2.5);
      assert.ok(Math.abs(stats.achievedRate - 4) <= 0.4 + 1e-9, `achieved ${stats.achievedRate} req/s`);
    } finally {
      await s.close();
    }
  });

  it('latency percentiles come from each response: a 300 ms service asked more than it serves still shows ~300 ms', async () => {
    const s = await server(300);
    try {
      // 2 connections at 300 ms serve ≤ 6.7 req/s of the asked 20: autocannon's own summary (rate limit on) was far off here.
      const stats = await runLoadLevel({ url: s.url, rate: 20, durationSeconds: 3 });
      assert.ok(stats.requests > 0);
      assert.ok(stats.latencyP50Ms >= 290 && stats.latencyP50Ms < 600, `p50 ${stats.latencyP50Ms} ms`);
      assert.ok(stats.latencyP99Ms >= stats.latencyP50Ms && stats.latencyP99Ms < 900, `p99 ${stats.latencyP99Ms} ms`);
    } finally {
      await s.close();
    }
  });

  it('the plan driver holds a ramp step below 1 req/s and a fractional one', async () => {
    const s = await server();
    try {
      const cell = { id: 'c1', connections: undefined, schedule: [{ rate: 0.6, seconds: 5, warmup: false }, { rate: 1.2, seconds: 5, warmup: false }] } as unknown as PlanCell;
      const r = await autocannonCellDriver({ cell, url: s.url } as Parameters<typeof autocannonCellDriver>[0]);
      assert.ok(Math.abs(s.received() - 9) <= 1, `asked 0.6 req/s then 1.2 req/s for 5 s each: the server saw ${s.received()} requests, not ~9`);
      assert.equal(r.errors, 0);
    } finally {
      await s.close();
    }
  });
});
