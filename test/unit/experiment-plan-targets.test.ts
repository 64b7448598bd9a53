// The target check of a plan run (src/data/experiments/target-check.ts planTargetProblem), which VS Code's Run Load
// Experiment calls once the user confirmed and Prometheus answered, before it writes a record or scales a workload:
// one GET to each distinct target of the cells still to run. A refused connection stops the run with one message
// naming the target (without its credentials), its service(s) and cells, and a scaled workload's way out. Before
// 2026-11-30 the editor sent no such GET: a plan with a dead target started, scaled its workload first and failed
// late. Real loopback servers and closed loopback ports; no waiting on time.
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expandPlan, parsePlan } from '../../src/data/experiments/plan-file';
import { planTargetFailures, planTargetProblem, targetUnreachable } from '../../src/data/experiments/target-check';
import { closedPort } from '../harness/ports';

/** A target that answers every request 200 and counts them. */
async function liveTarget(): Promise<{ url: string; gets: () => number; close(): Promise<void> }> {
  let gets = 0;
  const server = http.createServer((req, res) => { if (req.method === 'GET') gets++; res.end('ok'); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    gets: () => gets,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

function cellsOf(services: string): ReturnType<typeof expandPlan>['cells'] {
  return expandPlan(parsePlan(`prometheus: http://127.0.0.1:9090\nscrapeInterval: 1s\nrateCap: 100\nout: out\nname: shop\nservices:\n${services}`)).cells;
}

describe('experiment plan: the target check before a run (VS Code Run Load Experiment)', () => {
  it('a refused target stops the run with one message naming it, its service and cells, and the scaled workload; a shared live target gets one GET', async () => {
    const dead = await closedPort();
    const deadToo = await closedPort();
    const live = await liveTarget();
    try {
      const cells = cellsOf(`  - name: cart
    target: http://bob:t4rget-pw@127.0.0.1:${dead}/cart?api_key=k3y-s3cret
    replicas: [1, 2]
    levels: [10, 20]
    duration: 6s
    slo: { latencyP95Ms: 50 }
    workload: { namespace: shop, name: cart }
  - name: search
    target: ${live.url}
    replicas: [1]
    levels: [5]
    duration: 6s
    slo: { latencyP95Ms: 50 }
  - name: api
    target: ${live.url}
    replicas: [1]
    levels: [5, 10]
    duration: 6s
    slo: { latencyP95Ms: 50 }
  - name: ads
    target: http://127.0.0.1:${deadToo}/
    replicas: [1]
    levels: [7]
    duration: 6s
    slo: { latencyP95Ms: 50 }
`);
      const failures = await planTargetFailures(cells, { timeoutMs: 10_000 });
      assert.deepEqual(failures.map((f) => ({ ...f })), [
        { target: `http://127.0.0.1:${dead}/cart?api_key=***`, what: 'refused the connection', code: 'ECONNREFUSED', services: ['cart'],
          cells: ['cart/r1/l10', 'cart/r1/l20', 'cart/r2/l10', 'cart/r2/l20'], scaled: ['shop/cart'] },
        { target: `http://127.0.0.1:${deadToo}/`, what: 'refused the connection', code: 'ECONNREFUSED', services: ['ads'], cells: ['ads/r1/l7'], scaled: [] },
      ]);
      assert.equal(live.gets(), 1, 'the target search and api share is asked once');

      const message = await planTargetProblem(cells, { timeoutMs: 10_000 });
      assert.equal(message,
        `the target http://127.0.0.1:${dead}/cart?api_key=*** of service cart (cells cart/r1/l10, cart/r1/l20, cart/r2/l10 and 1 more) refused the connection (ECONNREFUSED)`
        + ' — is the service running and listening there? check its "target:" in the plan; the plan scales shop/cart first: if it has no ready replica now, scale it up by hand and run again; '
        + `the target http://127.0.0.1:${deadToo}/ of service ads (cell ads/r1/l7) refused the connection (ECONNREFUSED) — is the service running and listening there? check its "target:" in the plan; `
        + 'nothing was scaled, sent or written');
      assert.ok(!message.includes('t4rget-pw') && !message.includes('k3y-s3cret'), 'no credential of the target');
      assert.equal(live.gets(), 2);
    } finally {
      await live.close();
    }
  });

  it('cells already done are not checked (the run skips them); live targets only, or none: no message', async () => {
    const dead = await closedPort();
    const live = await liveTarget();
    try {
      const cells = cellsOf(`  - name: cart
    target: http://127.0.0.1:${dead}/
    replicas: [1]
    levels: [10, 20]
    duration: 6s
    slo: { latencyP95Ms: 50 }
  - name: search
    target: ${live.url}
    replicas: [1, 2]
    levels: [5]
    duration: 6s
    slo: { latencyP95Ms: 50 }
    workload: { namespace: shop, name: search }
`);
      assert.equal(await planTargetProblem(cells, { skip: new Set(['cart/r1/l10', 'cart/r1/l20']), timeoutMs: 10_000 }), undefined);
      assert.equal(live.gets(), 1);
      // One of cart's cells still to run: cart's target is checked again, and only that cell is named.
      assert.match(await planTargetProblem(cells, { skip: new Set(['cart/r1/l10', 'search/r1/l5', 'search/r2/l5']), timeoutMs: 10_000 }) ?? '',
        new RegExp(`^the target http://127\\.0\\.0\\.1:${dead}/ of service cart \\(cell cart/r1/l20\\) refused the connection \\(ECONNREFUSED\\)`));
      assert.equal(live.gets(), 1, 'every search cell done: its target is not asked');
      assert.equal(await planTargetProblem([], {}), undefined);
    } finally {
      await live.close();
    }
  });

  it('the flag form\'s sentence for --target is unchanged', async () => {
    const dead = await closedPort();
    assert.equal(await targetUnreachable(`http://127.0.0.1:${dead}/`, { timeoutMs: 10_000 }),
      `--target http://127.0.0.1:${dead}/ refused the connection (ECONNREFUSED) — is the service running and listening there?`);
  });
});
