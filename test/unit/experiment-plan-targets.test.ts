// The target check before a run (src/data/experiments/target-check.ts), one rule for all three ways to run: a target
// is checked before anything runs unless every cell using it scales a workload first (it may answer only once scaled).
// VS Code's Run Load Experiment and `mora experiment run <plan>` call planTargetProblem once Prometheus answered,
// before they write a record or scale a workload: one GET to each such distinct target of the cells still to run. A
// refused connection stops the run with one message naming the target (without its credentials), its service(s) and
// cells. Before 2026-11-30 the editor also refused a dead target whose every cell scales its workload first (a plan
// scaling a workload up from 0 replicas could not run), and the CLI plan form checked no target. Real loopback servers
// and closed loopback ports; no waiting on time.
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { experimentRunCommand } from '../../src/cli/commands/experiment-run';
import { expandPlan, parsePlan } from '../../src/data/experiments/plan-file';
import { cellFingerprint } from '../../src/data/experiments/plan-run';
import { planTargetFailures, planTargetProblem, targetCheckedFirst, targetUnreachable } from '../../src/data/experiments/target-check';
import { closedPort } from '../harness/ports';
import { answeringPrometheus, serviceYaml, SHOP_PLAN_HEAD } from './helpers/plan-fixtures';
import { tempDir } from '../harness/temp-dir';

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

function cellsOf(...services: string[]): ReturnType<typeof expandPlan>['cells'] {
  return expandPlan(parsePlan(SHOP_PLAN_HEAD + services.join(''))).cells;
}

describe('experiment plan: the target check before a run (VS Code Run Load Experiment, mora experiment run)', () => {
  it('a refused target stops the run with one message naming it, its services and cells, and the scaled workload of a service sharing it; a shared live target gets one GET', async () => {
    const dead = await closedPort();
    const deadToo = await closedPort();
    const live = await liveTarget();
    const deadUrl = `http://bob:t4rget-pw@127.0.0.1:${dead}/cart?api_key=k3y-s3cret`;
    try {
      const cells = cellsOf(
        serviceYaml({ name: 'cart', target: deadUrl, replicas: [1, 2], levels: [10, 20], workload: 'cart' }),
        serviceYaml({ name: 'search', target: live.url, replicas: [1], levels: [5] }),
        serviceYaml({ name: 'api', target: live.url, replicas: [1], levels: [5, 10] }),
        serviceYaml({ name: 'ads', target: `http://127.0.0.1:${deadToo}/`, replicas: [1], levels: [7] }),
        serviceYaml({ name: 'cart-admin', target: deadUrl, replicas: [1], levels: [3] }),
      );
      const failures = await planTargetFailures(cells, { timeoutMs: 10_000 });
      assert.deepEqual(failures.map((f) => ({ ...f })), [
        { target: `http://127.0.0.1:${dead}/cart?api_key=***`, what: 'refused the connection', code: 'ECONNREFUSED', services: ['cart', 'cart-admin'],
          cells: ['cart/r1/l10', 'cart/r1/l20', 'cart/r2/l10', 'cart/r2/l20', 'cart-admin/r1/l3'], scaled: ['shop/cart'], unscaled: ['cart-admin'] },
        { target: `http://127.0.0.1:${deadToo}/`, what: 'refused the connection', code: 'ECONNREFUSED', services: ['ads'], cells: ['ads/r1/l7'], scaled: [], unscaled: ['ads'] },
      ]);
      assert.equal(live.gets(), 1, 'the target search and api share is asked once');

      const message = await planTargetProblem(cells, { timeoutMs: 10_000 });
      assert.equal(message,
        `the target http://127.0.0.1:${dead}/cart?api_key=*** of services cart, cart-admin (cells cart/r1/l10, cart/r1/l20, cart/r2/l10 and 2 more) refused the connection (ECONNREFUSED)`
        + ' — is the service running and listening there? check its "target:" in the plan; service cart-admin loads it without scaling a workload first: if it answers only once shop/cart has a ready replica, scale it up by hand and run again; '
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
      const cells = cellsOf(
        serviceYaml({ name: 'cart', target: `http://127.0.0.1:${dead}/`, replicas: [1], levels: [10, 20] }),
        serviceYaml({ name: 'search', target: live.url, replicas: [1], levels: [5, 6] }),
      );
      assert.equal(await planTargetProblem(cells, { skip: new Set(['cart/r1/l10', 'cart/r1/l20']), timeoutMs: 10_000 }), undefined);
      assert.equal(live.gets(), 1);
      // One of cart's cells still to run: cart's target is checked again, and only that cell is named.
      assert.match(await planTargetProblem(cells, { skip: new Set(['cart/r1/l10', 'search/r1/l5', 'search/r1/l6']), timeoutMs: 10_000 }) ?? '',
        new RegExp(`^the target http://127\\.0\\.0\\.1:${dead}/ of service cart \\(cell cart/r1/l20\\) refused the connection \\(ECONNREFUSED\\)`));
      assert.equal(live.gets(), 1, 'every search cell done: its target is not asked');
      assert.equal(await planTargetProblem([], {}), undefined);
    } finally {
      await live.close();
    }
  });

  it('a target whose every cell still to run scales a workload first is not checked: a dead one does not stop the run (it may answer only once scaled)', async () => {
    // At 813c823 the editor refused this plan: cart's workload at 0 replicas, its target refusing until scaled.
    const dead = await closedPort();
    const scaledLive = await liveTarget();
    const live = await liveTarget();
    try {
      const cells = cellsOf(
        serviceYaml({ name: 'cart', target: `http://127.0.0.1:${dead}/`, replicas: [1, 2], levels: [10], workload: 'cart' }),
        serviceYaml({ name: 'warm', target: scaledLive.url, replicas: [1], levels: [10], workload: 'warm' }),
        serviceYaml({ name: 'search', target: live.url, replicas: [1], levels: [5] }),
        serviceYaml({ name: 'cart-admin', target: `http://127.0.0.1:${dead}/`, replicas: [1], levels: [3] }),
      );
      // cart-admin (unscaled, same target) already done: only cart's scaled cells use the dead target.
      const skip = new Set(['cart-admin/r1/l3']);
      assert.deepEqual(await planTargetFailures(cells, { skip, timeoutMs: 10_000 }), []);
      assert.equal(await planTargetProblem(cells, { skip, timeoutMs: 10_000 }), undefined);
      assert.equal(scaledLive.gets(), 0, 'a target only scaled cells use gets no GET');
      assert.equal(live.gets(), 2, 'an unscaled service\'s target is still checked');
      // With cart-admin still to run, the shared target is checked (and refused).
      assert.match(await planTargetProblem(cells, { timeoutMs: 10_000 }) ?? '', /of services cart, cart-admin .*service cart-admin loads it without scaling a workload first/);
    } finally {
      await live.close();
      await scaledLive.close();
    }
  });

  it('the rule: checked unless every use scales a workload first', () => {
    assert.equal(targetCheckedFirst([{ scalesWorkload: false }]), true);
    assert.equal(targetCheckedFirst([{ scalesWorkload: true }, { scalesWorkload: false }]), true);
    assert.equal(targetCheckedFirst([{ scalesWorkload: true }, { scalesWorkload: true }]), false);
    assert.equal(targetCheckedFirst([]), false);
  });

  it('the flag form\'s sentence for --target is unchanged', async () => {
    const dead = await closedPort();
    assert.equal(await targetUnreachable(`http://127.0.0.1:${dead}/`, { timeoutMs: 10_000 }),
      `--target http://127.0.0.1:${dead}/ refused the connection (ECONNREFUSED) — is the service running and listening there?`);
  });
});

/** Every file under `dir` with its text (an out folder's state). */
function snapshot(dir: string): Record<string, string> {
  if (!existsSync(dir)) return {};
  return Object.fromEntries(readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort().map((f) => {
    try {
      return [f, readFileSync(join(dir, f), 'utf8')];
    } catch {
      return [f, '<dir>'];
    }
  }));
}

/**
 * Runs `test` with a temp dir and its plan file's path (not written), a Prometheus that answers, a live target and two
 * closed ports; all closed and removed after.
 */
async function withCliWorld(test: (w: { dir: string; file: string; prometheus: string; live: Awaited<ReturnType<typeof liveTarget>>; dead: number; deadScaled: number }) => Promise<void>): Promise<void> {
  const dir = tempDir('mora-plantargets-');
  const prom = await answeringPrometheus();
  const live = await liveTarget();
  try {
    await test({ dir, file: join(dir, 'p.mora-plan.yaml'), prometheus: prom.url, live, dead: await closedPort(), deadScaled: await closedPort() });
  } finally {
    await live.close();
    await prom.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('mora experiment run <plan>: the target check after the Prometheus check', () => {
  it('a refused target is exit 3 before asking, one message naming the target, its service and cells; out stays as it was', async () => {
    await withCliWorld(async ({ dir, file, prometheus, live, dead, deadScaled }) => {
      writeFileSync(file, `prometheus: ${prometheus}\nscrapeInterval: 1s\nrateCap: 10\nout: out\nname: p\nservices:
  - { name: search, target: '${live.url}', replicas: [1], levels: [5], duration: 2s, slo: { latencyP95Ms: 50 } }
  - { name: ads, target: 'http://127.0.0.1:${dead}/?api_key=k3y', replicas: [1], levels: [5, 7], duration: 2s, slo: { latencyP95Ms: 50 } }
  - { name: cart, target: 'http://127.0.0.1:${deadScaled}/', replicas: [2], levels: [5], duration: 2s, slo: { latencyP95Ms: 50 }, workload: { namespace: shop, name: cart } }
`);
      let asked = 0;
      let stderr = '';
      const run = () => experimentRunCommand(file, { format: 'text', kubeconfig: join(dir, 'no-kubeconfig') }, () => {}, (s) => (stderr += s),
        { stdinIsTty: true, confirm: async () => { asked++; return true; } });
      const refused = (e: Error & { exitCode?: number }) => {
        assert.equal(e.exitCode, 3, e.message);
        assert.equal(e.message, `experiment plan p: the target http://127.0.0.1:${dead}/?api_key=*** of service ads (cells ads/r1/l5, ads/r1/l7) refused the connection (ECONNREFUSED)`
          + ' — is the service running and listening there? check its "target:" in the plan; nothing was scaled, sent or written');
        return true;
      };
      await assert.rejects(run(), refused);
      assert.ok(!existsSync(join(dir, 'out')), 'out/ not created');
      // An earlier run's folder stays as it was: its record (no cell done) and another file.
      mkdirSync(join(dir, 'out'));
      writeFileSync(join(dir, 'out', 'p.json'), '{"schema": "mora.experiment-plan/1", "cells": []}\n');
      writeFileSync(join(dir, 'out', 'p.csv'), 'earlier\n');
      const before = snapshot(join(dir, 'out'));
      await assert.rejects(run(), refused);
      assert.deepEqual(snapshot(join(dir, 'out')), before);
      assert.equal(asked, 0, 'not asked to send a load to a target that refuses');
      assert.equal(live.gets(), 2, 'the live target got the check\'s GET, once a run, and no load');
      assert.doesNotMatch(stderr, /scaling|cell 1/);
    });
  });

  it('a dead target of a scaled service only, or of cells already done, is not refused by the check: the run goes on to ask', async () => {
    await withCliWorld(async ({ dir, file, prometheus, live, dead, deadScaled }) => {
      const text = `prometheus: ${prometheus}\nscrapeInterval: 1s\nrateCap: 10\nout: out\nname: p\nservices:
  - { name: search, target: '${live.url}', replicas: [1], levels: [5], duration: 2s, slo: { latencyP95Ms: 50 } }
  - { name: cart, target: 'http://127.0.0.1:${deadScaled}/', replicas: [1, 2], levels: [5], duration: 2s, slo: { latencyP95Ms: 50 }, workload: { namespace: shop, name: cart } }
  - { name: ads, target: 'http://127.0.0.1:${dead}/', replicas: [1], levels: [5], duration: 2s, slo: { latencyP95Ms: 50 } }
`;
      writeFileSync(file, text);
      // ads' only cell is done (same fingerprint) in an earlier run's record: skipped, as the run skips it.
      const ads = expandPlan(parsePlan(text, file)).cells.find((c) => c.id === 'ads/r1/l5')!;
      mkdirSync(join(dir, 'out'));
      writeFileSync(join(dir, 'out', 'p.json'), JSON.stringify({ schema: 'mora.experiment-plan/1', cells: [{ id: ads.id, status: 'done', fingerprint: cellFingerprint(ads) }] }));
      const before = snapshot(join(dir, 'out'));
      let asked = 0;
      let stderr = '';
      const code = await experimentRunCommand(file, { format: 'text', kubeconfig: join(dir, 'no-kubeconfig') }, () => {}, (s) => (stderr += s),
        { stdinIsTty: true, confirm: async () => { asked++; return false; } });
      assert.equal(code, 1, stderr);
      assert.equal(asked, 1, 'the check let it through to the question');
      assert.match(stderr, /mora: nothing sent\n$/);
      assert.equal(live.gets(), 1, 'the unscaled service\'s target was checked');
      assert.deepEqual(snapshot(join(dir, 'out')), before);
    });
  });
});
