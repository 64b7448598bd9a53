// A plan cell that scales its workload first: its target is not checked before the run (it may answer only once
// scaled), so runPlan checks it after scaling, before the load (waitForConnection, target-check.ts), and a cell whose
// load got not one answer is failed, not done. Virtual clock: the check's retries and the run's waits move it; the
// targets are real loopback ports (closed, or a server the test turns on).
import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { tempDir } from '../harness/temp-dir';
import { closedPort } from '../harness/ports';
import { parsePlan, type CellLoadDriver, type CellLoadResult, type ExperimentPlan } from '../../src/data/experiments/plan-file';
import type { Scaler } from '../../src/data/experiments/plan';
import { runPlan, type PlanDocument, type PlanEvent, type PlanRunHooks } from '../../src/data/experiments/plan-run';
import { answeringPrometheus, serviceYaml, SHOP_PLAN_HEAD, steadyPrometheus } from './helpers/plan-fixtures';
import { targetWaitText } from '../../src/data/experiments/target-check';
import { experimentRunCommand } from '../../src/cli/commands/experiment-run';

const answered = (level: number, seconds: number): Omit<CellLoadResult, 'driver'> => ({
  requests: level * seconds, non2xx: 0, errors: 0, timeouts: 0, achievedRate: level, latencyP50Ms: 5, latencyP95Ms: 9, latencyP99Ms: 12, durationSeconds: seconds, aborted: false,
});
/** What autocannon reports against a port that refuses every connection. */
const refused = (level: number, seconds: number): Omit<CellLoadResult, 'driver'> => ({
  requests: 0, non2xx: 0, errors: level * seconds, timeouts: 0, achievedRate: 0, latencyP50Ms: NaN, latencyP95Ms: NaN, latencyP99Ms: NaN, durationSeconds: seconds, aborted: false,
  errorCodes: { ECONNREFUSED: level * seconds },
});

/** A Prometheus that answers, a fake scaler (Deployment/cart at 3), a driver as `serve` says, and a virtual clock. */
function world(serve: (level: number, seconds: number) => Omit<CellLoadResult, 'driver'> = answered) {
  let clock = 1_800_000_000;
  const calls: string[] = [];
  const events: PlanEvent[] = [];
  const prometheus = steadyPrometheus(() => clock);
  const w = { serve };
  const driver: CellLoadDriver = async ({ cell }) => {
    calls.push(`load ${cell.id}`);
    clock += cell.warmupSeconds + cell.durationSeconds;
    return { ...w.serve(cell.level, cell.durationSeconds), driver: 'fake 1' };
  };
  let replicas = 3;
  const onScale: Array<() => void> = [];
  const scaler: Scaler = {
    async current() { return replicas; },
    async scale(n) { calls.push(`scale ${n}`); replicas = n; for (const f of onScale) f(); },
    async restore(n) { calls.push(`restore ${n}`); replicas = n; },
    describe: () => ({ workload: 'Deployment/cart', namespace: 'shop', restoreCommand: 'kubectl scale' }),
  };
  const onSleep: Array<() => Promise<void>> = [];
  const hooks: PlanRunHooks = {
    prometheus, httpDriver: driver, scalerFor: () => scaler, onEvent: (e) => { if (e.kind === 'target') events.push(e); },
    now: () => clock,
    sleep: async (ms) => { clock += ms / 1000; for (const f of onSleep) await f(); },
    scrapeWait: { clock: () => clock * 1000 },
  };
  return { w, hooks, calls, events, replicas: () => replicas, onScale, onSleep };
}

/** One service with a workload: cells cart/r1/l10 and cart/r2/l10, each scaling Deployment/cart first. */
function cartPlan(dir: string, target: string, more = ''): ExperimentPlan {
  return parsePlan(`${SHOP_PLAN_HEAD}${serviceYaml({ name: 'cart', target, replicas: [1, 2], levels: [10], workload: 'cart' })}${more}`, join(dir, 'shop.mora-plan.yaml'));
}

const readDoc = (p: ExperimentPlan) => JSON.parse(readFileSync(join(p.outDir, 'shop.json'), 'utf8')) as PlanDocument;
/** The cell ids of the CSV's rows. */
function csvIds(p: ExperimentPlan): string[] {
  const [header, ...rows] = readFileSync(join(p.outDir, 'shop.csv'), 'utf8').trim().split('\n');
  const k = header.split(',').indexOf('cell_id');
  return rows.map((l) => l.split(',')[k]);
}

async function listen(port: number, seen: string[]): Promise<Server> {
  const srv = createServer((req, res) => { seen.push(`${req.method} ${req.url} ${req.headers['user-agent']}`); res.end('ok'); });
  await new Promise<void>((r, j) => { srv.once('error', j); srv.listen(port, '127.0.0.1', () => r()); });
  return srv;
}

describe('a plan cell that scales its workload: its target is checked after scaling, before the load', () => {
  // Before: the pre-run check skipped the target (every cell scales cart first) and nothing checked it after scaling:
  // both cells were scaled and loaded, each 'done' with "100% of the requests failed", the plan 'complete', and a
  // rerun skipped them as done.
  it('a target that still refuses once scaled: the cell is failed (no load), the run stops, the count is put back, and a rerun runs it again', async () => {
    const dir = tempDir('mora-scaled-target-');
    const port = await closedPort();
    const target = `http://127.0.0.1:${port}/`;
    const p = cartPlan(dir, target);
    const w = world(refused);
    const err = await runPlan(p, w.hooks).then(() => undefined, (e: Error) => e);
    const message = `cell cart/r1/l10: the target ${target} of service cart refused the connection (ECONNREFUSED) for 15 s once shop/Deployment/cart was at 1 replica(s) — is the service running and listening there? check its "target:" in the plan; the cell is recorded failed (no load was sent) and runs again on the next run`;
    assert.equal(err?.message, message);
    assert.deepEqual(w.calls, ['scale 1', 'restore 3'], 'no load; the count put back');
    assert.equal(w.replicas(), 3);
    assert.deepEqual(w.events.map((e) => e.kind === 'target' && e.wait), [{ state: 'start', seconds: 15 }]);
    // What the CLI prints (stderr) and the editor's progress shows for it: the wait is said, not a silent pause.
    const start = w.events.find((e) => e.kind === 'target');
    assert.ok(start?.kind === 'target');
    assert.equal(targetWaitText(start.cell, start.wait), `waiting up to 15 s for the target ${target} of service cart to accept a connection at 1 replica(s)`);
    assert.equal(targetWaitText({ ...start.cell, target: `http://u:s3cr3t@127.0.0.1:${port}/` }, { state: 'ready', waited: 4 }), `the target http://127.0.0.1:${port}/ accepts connections (after 4 s)`);
    const doc = readDoc(p);
    assert.equal(doc.status, 'failed');
    assert.equal(doc.error, message);
    assert.deepEqual(doc.cells.map((c) => [c.id, c.status, c.attempts, c.error]), [['cart/r1/l10', 'failed', 1, message], ['cart/r2/l10', 'pending', 0, undefined]]);
    assert.equal(doc.scaling.cart.restored, true);
    assert.deepEqual(doc.quality, { passed: 0, failed: 0, pending: 2, failures: [] });
    assert.deepEqual(csvIds(p), []);

    // The service is up now: the rerun runs the failed cell again (attempt 2) and the other one.
    const seen: string[] = [];
    const srv = await listen(port, seen);
    try {
      const again = world(answered);
      const r = await runPlan(p, again.hooks);
      assert.equal(r.document.status, 'complete');
      assert.deepEqual(r.skipped, []);
      assert.deepEqual(again.calls, ['scale 1', 'load cart/r1/l10', 'scale 2', 'load cart/r2/l10', 'restore 3']);
      assert.deepEqual(r.document.cells.map((c) => [c.id, c.status, c.attempts, c.error]), [['cart/r1/l10', 'done', 2, undefined], ['cart/r2/l10', 'done', 1, undefined]]);
      assert.deepEqual(seen, ['GET / mora-experiment-check', 'GET / mora-experiment-check'], 'one GET after each scaling');
      assert.deepEqual(again.events, [], 'answered at once: no wait reported');
    } finally {
      srv.close();
    }
  });

  it('a target that answers only once scaled (and a moment after): the check waits for it, then the cells run', async () => {
    const dir = tempDir('mora-scaled-target-');
    const port = await closedPort();
    const p = cartPlan(dir, `http://127.0.0.1:${port}/`);
    const w = world(answered);
    const seen: string[] = [];
    let srv: Server | undefined;
    let scaled = false;
    w.onScale.push(() => { scaled = true; });
    // The service comes up during the check's first pause after the scaling: its first GET was refused.
    w.onSleep.push(async () => { if (scaled && !srv) srv = await listen(port, seen); });
    try {
      const r = await runPlan(p, w.hooks);
      assert.equal(r.document.status, 'complete');
      assert.deepEqual(w.calls, ['scale 1', 'load cart/r1/l10', 'scale 2', 'load cart/r2/l10', 'restore 3']);
      assert.deepEqual(w.events.map((e) => e.kind === 'target' && [e.cell.id, e.wait]), [
        ['cart/r1/l10', { state: 'start', seconds: 15 }], ['cart/r1/l10', { state: 'ready', waited: 1 }],
      ]);
      assert.deepEqual(seen, ['GET / mora-experiment-check', 'GET / mora-experiment-check']);
      assert.deepEqual(r.document.cells.map((c) => [c.status, c.quality?.passed]), [['done', true], ['done', true]]);
    } finally {
      srv?.close();
    }
  });

  it('cancelled while waiting for the target: the cell is pending, not failed, the plan partial, the count put back', async () => {
    const dir = tempDir('mora-scaled-target-');
    const p = cartPlan(dir, `http://127.0.0.1:${await closedPort()}/`);
    const w = world(answered);
    const abort = new AbortController();
    w.onSleep.push(async () => abort.abort());
    const r = await runPlan(p, { ...w.hooks, signal: abort.signal });
    assert.equal(r.document.status, 'partial');
    assert.deepEqual(w.calls, ['scale 1', 'restore 3']);
    assert.deepEqual(r.document.cells.map((c) => [c.status, c.error]), [['pending', undefined], ['pending', undefined]]);
  });

  // Before: a load with not one answer was judged like any other ("100% of the requests failed") and marked done.
  it('a cell whose load got not one answer is failed with the reason, whichever way it got there: the run stops, the count is put back, a rerun runs it again', async () => {
    const dir = tempDir('mora-scaled-target-');
    // The check passes (the target took the connection), then the service went away: every request refused.
    const p = cartPlan(dir, 'http://127.0.0.1:8080/', serviceYaml({ name: 'search', target: 'http://127.0.0.1:8081/', replicas: [1], levels: [5] }));
    const w = world(refused);
    const err = await runPlan(p, { ...w.hooks, targetCheck: async () => undefined }).then(() => undefined, (e: Error) => e);
    const message = 'cell cart/r1/l10: no request of its load was answered (60 failed: 60 ECONNREFUSED) — is the target http://127.0.0.1:8080/ of service cart running and listening there? the cell is recorded failed and runs again on the next run';
    assert.equal(err?.message, message);
    assert.deepEqual(w.calls, ['scale 1', 'load cart/r1/l10', 'restore 3']);
    const doc = readDoc(p);
    assert.equal(doc.status, 'failed');
    assert.deepEqual(doc.cells.map((c) => [c.id, c.status, c.error, c.stats?.errors]), [
      ['cart/r1/l10', 'failed', message, 60], ['cart/r2/l10', 'pending', undefined, undefined], ['search/r1/l5', 'pending', undefined, undefined],
    ]);
    assert.equal(doc.scaling.cart.restored, true);
    assert.deepEqual(csvIds(p), [], 'no rows for a cell that measured nothing');

    // A service without a workload, never checked by runPlan: the same rule.
    w.w.serve = (level, seconds) => ({ ...refused(level, seconds), errorCodes: { ECONNRESET: 4 }, timeouts: 26, errors: 30 });
    const again = world(answered);
    const onlySearch = parsePlan(`${SHOP_PLAN_HEAD.replace('out: out', 'out: out2')}${serviceYaml({ name: 'search', target: 'http://127.0.0.1:8081/', replicas: [1], levels: [5] })}`, join(dir, 'shop.mora-plan.yaml'));
    const err2 = await runPlan(onlySearch, { ...w.hooks, targetCheck: async () => undefined }).then(() => undefined, (e: Error) => e);
    assert.equal(err2?.message, 'cell search/r1/l5: no request of its load was answered (30 failed: 4 ECONNRESET, 26 timed out) — is the target http://127.0.0.1:8081/ of service search running and listening there? the cell is recorded failed and runs again on the next run');
    assert.equal(readDoc(onlySearch).cells[0].status, 'failed');

    // The rerun of the first plan, the service back: the failed cell runs again (attempt 2), then the rest.
    const r = await runPlan(p, { ...again.hooks, targetCheck: async () => undefined });
    assert.equal(r.document.status, 'complete');
    assert.deepEqual(again.calls, ['scale 1', 'load cart/r1/l10', 'scale 2', 'load cart/r2/l10', 'restore 3', 'load search/r1/l5']);
    assert.deepEqual(r.document.cells.map((c) => [c.id, c.status, c.attempts]), [['cart/r1/l10', 'done', 2], ['cart/r2/l10', 'done', 1], ['search/r1/l5', 'done', 1]]);
  });
});

/** runPlan's seams for the CLI: its own onEvent prints the events. */
function withoutEvents(h: PlanRunHooks): Omit<PlanRunHooks, 'signal' | 'onEvent' | 'jmxDriver'> {
  const { onEvent: _onEvent, signal: _signal, jmxDriver: _jmx, ...rest } = h;
  return rest;
}

/** A plan file of one service, cart (cells cart/r1/l10 and cart/r2/l10, each scaling shop/cart first), for the CLI. */
function writeCartPlan(file: string, prometheus: string, target: string): void {
  writeFileSync(file, `prometheus: ${prometheus}\nscrapeInterval: 1s\nrateCap: 100\nout: out\nname: shop\nservices:
  - { name: cart, target: '${target}', replicas: [1, 2], levels: [10], duration: 6s, slo: { latencyP95Ms: 50 }, workload: { namespace: shop, name: cart } }
`);
}

describe('mora experiment run: a cell whose target cannot be reached is exit 3, as the pre-run check\'s', () => {
  // Before: the cell's 'cell …' error was mapped to UserError exit 2 (bad input or usage) by its message's start,
  // while the pre-run check gives exit 3 for the same refused target.
  async function runCli(serve: typeof refused, targetCheck?: PlanRunHooks['targetCheck']) {
    const dir = tempDir('mora-scaled-target-cli-');
    const prom = await answeringPrometheus();
    const port = await closedPort();
    const target = `http://127.0.0.1:${port}/`;
    const file = join(dir, 'shop.mora-plan.yaml');
    writeCartPlan(file, prom.url, target);
    const w = world(serve);
    let stderr = '';
    try {
      const e = await experimentRunCommand(file, { format: 'text', yes: true }, () => {}, (t) => (stderr += t),
        { planRun: { ...withoutEvents(w.hooks), targetCheck } }).then(() => undefined, (x: Error & { exitCode?: number }) => x);
      const doc = JSON.parse(readFileSync(join(dir, 'out', 'shop.json'), 'utf8')) as PlanDocument;
      return { e, doc, w, target, stderr };
    } finally {
      await prom.close();
    }
  }

  it('the target still refuses after scaling: exit 3, the record failed, the count put back', async () => {
    const { e, doc, w, target, stderr } = await runCli(refused);
    assert.equal(e?.exitCode, 3, `${e?.message}\n${stderr}`);
    assert.match(e.message, new RegExp(`^cell cart/r1/l10: the target ${target.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} of service cart refused the connection \\(ECONNREFUSED\\) for 15 s once`));
    assert.deepEqual([doc.status, doc.cells.map((c) => c.status)], ['failed', ['failed', 'pending']]);
    assert.deepEqual(w.calls, ['scale 1', 'restore 3']);
    assert.match(stderr, /waiting up to 15 s for the target .* to accept a connection at 1 replica\(s\); Ctrl-C stops/);
  });

  it('a cell whose load got not one answer: exit 3, the record failed', async () => {
    const { e, doc, w } = await runCli(refused, async () => undefined);
    assert.equal(e?.exitCode, 3, e?.message);
    assert.match(e.message, /^cell cart\/r1\/l10: no request of its load was answered \(60 failed: 60 ECONNREFUSED\)/);
    assert.deepEqual([doc.status, doc.cells.map((c) => c.status)], ['failed', ['failed', 'pending']]);
    assert.deepEqual(w.calls, ['scale 1', 'load cart/r1/l10', 'restore 3']);
  });

  // Under npx each Ctrl-C arrives twice, a few ms apart: one press. Before: the copy printed 'Ctrl-C again' at once,
  // and the next press, however late, quit the restore mid-way.
  it('a Ctrl-C that arrives twice at once (npx) is one press: the interrupted line only, no "again" line, the count put back, exit 130', async () => {
    const others = Object.fromEntries((['SIGINT', 'SIGTERM', 'SIGHUP'] as const).map((sig) => [sig, process.listeners(sig)]));
    for (const [sig, ls] of Object.entries(others)) for (const l of ls) process.removeListener(sig, l);
    try {
      const pressTwice = (level: number, seconds: number) => {
        process.emit('SIGINT');
        process.emit('SIGINT');
        return { ...answered(level, seconds), aborted: true };
      };
      const dir = tempDir('mora-scaled-target-cli-');
      const prom = await answeringPrometheus();
      try {
        const file = join(dir, 'shop.mora-plan.yaml');
        writeCartPlan(file, prom.url, 'http://127.0.0.1:9/');
        const w = world(pressTwice);
        let stderr = '';
        const code = await experimentRunCommand(file, { format: 'text', yes: true }, () => {}, (t) => (stderr += t),
          { planRun: { ...withoutEvents(w.hooks), targetCheck: async () => undefined } });
        assert.equal(code, 130, stderr);
        const said = stderr.split('\n').filter((l) => l.startsWith('mora: '));
        assert.deepEqual(said, ['mora: interrupted — the running cell is dropped (the written ones stay); scaling Deployment/cart back to 3 (press Ctrl-C twice more, at least 0.2 s apart and the second within 3 s of the first, to quit at once)'], stderr);
        assert.deepEqual(w.calls, ['scale 1', 'load cart/r1/l10', 'restore 3']);
      } finally {
        await prom.close();
      }
    } finally {
      for (const [sig, ls] of Object.entries(others)) for (const l of ls) process.on(sig, l as () => void);
    }
  });
});
