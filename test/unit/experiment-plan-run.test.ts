import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { tempDir } from '../harness/temp-dir';
import { parsePlan, type CellLoadDriver, type ExperimentPlan, type PlanWorkload } from '../../src/data/experiments/plan-file';
import type { Scaler } from '../../src/data/experiments/plan';
import { jmxTemplate } from '../../src/data/experiments/jmx-template';
import { PlanLockedError, workloadLockPath } from '../../src/data/experiments/plan-lock';
import { workloadKey } from '../../src/data/experiments/scaling-note';
import { runPlan, type PlanDocument, type PlanRunHooks } from '../../src/data/experiments/plan-run';
import type { ScalingNote } from '../../src/data/experiments/runner';
import { buildExperimentView } from '../../src/views/experiment-model';
import type { PrometheusClient } from '../../src/data/prometheus/client';
import { steadyPrometheus } from './helpers/plan-fixtures';
import { experimentRunCommand } from '../../src/cli/commands/experiment-run';
import { withEnv } from '../harness/env';
import { closedPort } from '../harness/ports';

/** A virtual clock, a Prometheus that answers every range query with a steady series, a driver that gets its rate. */
function world() {
  let clock = 1_800_000_000;
  const calls: string[] = [];
  const prometheus = steadyPrometheus(() => clock);
  const driver: CellLoadDriver = async ({ cell, signal }) => {
    calls.push(`load ${cell.id}`);
    clock += cell.warmupSeconds + cell.durationSeconds;
    const aborted = signal?.aborted ?? false;
    return { requests: cell.level * cell.durationSeconds, non2xx: 0, errors: 0, timeouts: 0, achievedRate: cell.level, latencyP50Ms: 5, latencyP95Ms: 9, latencyP99Ms: 12, durationSeconds: cell.durationSeconds, aborted, driver: 'fake 1' };
  };
  let replicas = 3;
  const scaler: Scaler = {
    async current() { return replicas; },
    async scale(n) { calls.push(`scale ${n}`); replicas = n; },
    async restore(n) { calls.push(`restore ${n}`); replicas = n; },
    describe: () => ({ workload: 'Deployment/cart', namespace: 'shop', restoreCommand: 'kubectl scale' }),
  };
  const hooks: PlanRunHooks = {
    prometheus, httpDriver: driver, scalerFor: () => scaler,
    now: () => clock, sleep: async (ms) => { clock += ms / 1000; },
    // The fake driver stands for the targets (nothing listens on :8080): the check after scaling is told they answer.
    targetCheck: async () => undefined,
  };
  return { hooks, calls, replicas: () => replicas, setReplicas: (n: number) => { replicas = n; } };
}

/**
 * A fake cluster: one scaler per workload the runner asks for, each over its own replica count (namespace/kind/name →
 * count); calls name the workload. `context` is the kube context the scalers say they use.
 */
function cluster(w: ReturnType<typeof world>, replicas: Record<string, number>, kube: { context?: string } = {}) {
  const asked: string[] = [];
  const scalerFor = (wl: PlanWorkload, service: string): Scaler => {
    const key = `${wl.namespace}/${wl.kind}/${wl.name}`;
    asked.push(`${service} -> ${key}`);
    return {
      async current() { return replicas[key] ?? 1; },
      async scale(n) { w.calls.push(`scale ${wl.name} ${n}`); replicas[key] = n; },
      async restore(n) { w.calls.push(`restore ${wl.name} ${n}`); replicas[key] = n; },
      describe: (n) => ({
        workload: `${wl.kind}/${wl.name}`, namespace: wl.namespace, ...(kube.context ? { context: kube.context } : {}),
        restoreCommand: `kubectl -n ${wl.namespace} scale ${wl.kind.toLowerCase()}/${wl.name} --replicas=${n}`,
      }),
    };
  };
  return { hooks: { ...w.hooks, scalerFor } as PlanRunHooks, replicas, asked };
}

/** What a SIGKILL in cart/r2/l10 leaves: that cell running, later ones pending, cart's note not restored. */
function killedInCartR2(p: ExperimentPlan): PlanDocument {
  const doc = readDoc(p);
  doc.cells[2].status = 'running';
  for (const c of doc.cells.slice(3)) { c.status = 'pending'; c.attempts = 0; }
  doc.scaling.cart.restored = false;
  doc.status = 'running';
  writeFileSync(join(p.outDir, 'shop.json'), JSON.stringify(doc));
  return doc;
}

/** The two-service plan in a fresh out dir, run once to the end in a fresh world: what every rerun test starts from. */
async function planRunOnce() {
  const dir = tempDir('mora-planrun-');
  const w = world();
  const p = plan(dir);
  await runPlan(p, w.hooks);
  return { dir, w, p };
}

/**
 * A plan run to the end (cart back at 3), then the operator scales cart to 5; `changed` is the plan with cart's
 * cells edited, so a rerun scales cart again. `firstRunLeft` is cart's count between the two.
 */
async function rerunAfterCartScaledTo5() {
  const { dir, w } = await planRunOnce();
  const firstRunLeft = w.replicas();
  w.setReplicas(5); // the operator scaled cart after the experiment
  const changed = plan(dir);
  changed.services[0].durationSeconds = 7; // cart's cells run again
  return { w, changed, firstRunLeft };
}

/**
 * A run killed in cart/r2/l10 on a fake cluster (Deployment/cart left at 2 of its 3, cart-v2 at 4); `moved` is the
 * plan with cart's service now naming Deployment/cart-v2, so the rerun meets a pending note for another workload.
 */
async function rerunAfterKillWithCartMoved() {
  const dir = tempDir('mora-planrun-');
  const w = world();
  const c = cluster(w, { 'shop/Deployment/cart': 3, 'shop/Deployment/cart-v2': 4 });
  const p = plan(dir);
  await runPlan(p, c.hooks);
  killedInCartR2(p);
  c.replicas['shop/Deployment/cart'] = 2; // as the killed run left it
  const moved = plan(dir);
  moved.services[0].workload = { ...moved.services[0].workload!, name: 'cart-v2' };
  return { w, c, moved };
}

function plan(dir: string, levels = '[10, 20]', services: 'both' | 'search' = 'both'): ExperimentPlan {
  const search = `  - name: search
    target: http://127.0.0.1:8081/
    replicas: [1]
    levels: [5]
    duration: 6s
    slo: { latencyP95Ms: 50 }
`;
  if (services === 'search') return parsePlan(`prometheus: http://127.0.0.1:9090\nscrapeInterval: 1s\nrateCap: 100\nout: out\nname: shop\nservices:\n${search}`, join(dir, 'shop.mora-plan.yaml'));
  return parsePlan(`prometheus: http://127.0.0.1:9090
scrapeInterval: 1s
rateCap: 100
out: out
services:
  - name: cart
    target: http://127.0.0.1:8080/
    replicas: [1, 2]
    levels: ${levels}
    duration: 6s
    warmup: 3s
    slo: { latencyP95Ms: 50 }
    workload: { namespace: shop, name: cart }
    resources: process
  - name: search
    target: http://127.0.0.1:8081/
    replicas: [1]
    levels: [5]
    duration: 6s
    slo: { latencyP95Ms: 50 }
`, join(dir, 'shop.mora-plan.yaml'));
}

const readDoc = (p: ExperimentPlan) => JSON.parse(readFileSync(join(p.outDir, 'shop.json'), 'utf8')) as PlanDocument;
const csvRows = (p: ExperimentPlan) => readFileSync(join(p.outDir, 'shop.csv'), 'utf8').trim().split('\n').slice(1);

describe('running an experiment plan (fake Prometheus, driver and scaler)', () => {
  it('runs every cell in order, writes each to the one CSV and the JSON, and restores the replica count', async () => {
    const dir = tempDir('mora-planrun-');
    const w = world();
    const p = plan(dir);
    const r = await runPlan(p, w.hooks);
    assert.equal(r.document.status, 'complete');
    assert.deepEqual(w.calls, ['scale 1', 'load cart/r1/l10', 'load cart/r1/l20', 'scale 2', 'load cart/r2/l10', 'load cart/r2/l20', 'restore 3', 'load search/r1/l5']);
    const doc = readDoc(p);
    assert.deepEqual(doc.cells.map((c) => [c.id, c.status, c.attempts, c.quality?.passed]), [
      ['cart/r1/l10', 'done', 1, true], ['cart/r1/l20', 'done', 1, true], ['cart/r2/l10', 'done', 1, true], ['cart/r2/l20', 'done', 1, true], ['search/r1/l5', 'done', 1, true],
    ]);
    assert.deepEqual(doc.scaling.cart, { workload: 'Deployment/cart', namespace: 'shop', restoreCommand: 'kubectl scale', originalReplicas: 3, restored: true, scaledTo: 2 });
    assert.deepEqual(doc.versions.drivers, ['fake 1']);
    const rows = csvRows(p);
    for (const c of doc.cells) assert.ok(rows.filter((l) => l.includes(`,${c.id},`)).length >= 6, c.id);
    assert.ok(rows.some((l) => l.includes(',warmup,')) && rows.some((l) => l.includes(',measured,')));
    // Each row ends with its cell's asked rate, achieved rate and saturated flag (the fake driver serves the level).
    for (const c of doc.cells) for (const l of rows.filter((x) => x.includes(`,${c.id},`))) assert.ok(l.endsWith(`,${c.level},${c.level},0`), l);
    assert.equal(doc.quality.passed, 5);
  });

  // Before: the wait for a cell's first scrapes (up to 10 scrape intervals + 5 s) said nothing.
  it('a cell waiting for its target\'s first scrapes says so (an onEvent "scrapes": how long at most, what it asks, then ready); none when they are there', async () => {
    const dir = tempDir('mora-planrun-');
    const w = world();
    let looks = 0;
    const base = w.hooks.prometheus!;
    const prometheus = { ...base, displayUrl: base.displayUrl, maxPoints: base.maxPoints, buildInfo: base.buildInfo, queryRange: base.queryRange,
      async query(q: string) { return q.startsWith('count_over_time') && ++looks <= 2 ? [] : base.query(q); } } as unknown as PrometheusClient;
    const events: unknown[] = [];
    const r = await runPlan(plan(dir, '[10, 20]', 'search'), { ...w.hooks, prometheus, onEvent: (e) => { if (e.kind === 'scrapes') events.push({ cell: e.cell.id, ...e.wait }); } });
    assert.equal(r.document.status, 'complete');
    assert.deepEqual(events.map((e) => ({ ...(e as object), waited: undefined })), [
      { cell: 'search/r1/l5', state: 'start', seconds: 15, query: 'count_over_time(up{instance="127.0.0.1:8081"}[5m])', waited: undefined },
      { cell: 'search/r1/l5', state: 'ready', waited: undefined },
    ]);
    events.length = 0;
    await runPlan(plan(tempDir('mora-planrun-'), '[10, 20]', 'search'), { ...w.hooks, onEvent: (e) => { if (e.kind === 'scrapes') events.push(e); } });
    assert.deepEqual(events, [], 'scrapes already there: nothing said');
  });

  // The 'still' event (printed by mora experiment run as '  still waiting: …') comes through runPlan's onEvent, on the
  // clock and interval runPlan's scrapeWait hook gives (default Date.now, 30 s): here the world's virtual clock.
  it('a cell still waiting for its first scrapes says so once per report interval, not before it has passed', async () => {
    const w = world();
    const t0 = w.hooks.now!();
    const base = w.hooks.prometheus!;
    const prometheus = { ...base, displayUrl: base.displayUrl, maxPoints: base.maxPoints, buildInfo: base.buildInfo, queryRange: base.queryRange,
      async query(q: string) { return q.startsWith('count_over_time') && w.hooks.now!() - t0 < 12 ? [] : base.query(q); } } as unknown as PrometheusClient;
    const events: Array<{ state: string; at: number }> = [];
    const r = await runPlan(plan(tempDir('mora-planrun-'), '[10, 20]', 'search'), {
      ...w.hooks, prometheus, scrapeWait: { clock: () => w.hooks.now!() * 1000, reportEveryMs: 5_000 },
      onEvent: (e) => { if (e.kind === 'scrapes') events.push({ state: e.wait.state, at: w.hooks.now!() - t0 }); },
    });
    assert.equal(r.document.status, 'complete');
    assert.deepEqual(events.map((e) => e.state), ['start', 'still', 'still', 'ready']);
    const still = events.filter((e) => e.state === 'still');
    assert.ok(still[0].at >= 5 && still[1].at - still[0].at >= 5, `one per 5 s of the clock, none before: ${JSON.stringify(events)}`);
  });

  it('a resume rewrites a CSV written before the rate columns existed in today\'s columns, the rates from each cell\'s record', async () => {
    const { w, p } = await planRunOnce();
    const fresh = readFileSync(join(p.outDir, 'shop.csv'), 'utf8');
    const [header, ...rows] = fresh.trim().split('\n');
    assert.deepEqual(header.split(',').slice(-3), ['asked_rate', 'achieved_rate', 'saturated']);
    const drop3 = (l: string) => l.split(',').slice(0, -3).join(',');
    writeFileSync(join(p.outDir, 'shop.csv'), `${[drop3(header), ...rows.map(drop3)].join('\n')}\n`);
    const doc = readDoc(p);
    doc.cells[1].quality!.saturated = true; // as if cart/r1/l20 had been saturated
    doc.cells[1].stats!.achievedRate = 12.5;
    writeFileSync(join(p.outDir, 'shop.json'), JSON.stringify(doc));
    w.calls.length = 0;
    await runPlan(p, w.hooks);
    assert.deepEqual(w.calls, [], 'every cell was done');
    const after = readFileSync(join(p.outDir, 'shop.csv'), 'utf8').trim().split('\n');
    assert.equal(after[0], header);
    assert.deepEqual(after.slice(1).filter((l) => !l.includes(',cart/r1/l20,')), rows.filter((l) => !l.includes(',cart/r1/l20,')));
    const l20 = after.slice(1).filter((l) => l.includes(',cart/r1/l20,'));
    assert.ok(l20.length > 0);
    for (const l of l20) assert.ok(l.endsWith(',20,12.5,1'), l);
  });

  it('resumes after a crash: done cells and their rows kept, stray rows dropped, the running cell restarted, the original count taken from the note', async () => {
    const { w, p } = await planRunOnce();
    // What a SIGKILL in cart/r2/l10 leaves: that cell running, later ones pending, cart scaled to 2 and not restored,
    // and (killed between the CSV and the JSON write) rows of the running cell in the CSV.
    const doc = readDoc(p);
    const keptRows = csvRows(p).filter((l) => /,cart\/r1\/l(10|20),/.test(l));
    doc.cells[2].status = 'running';
    for (const c of doc.cells.slice(3)) { c.status = 'pending'; c.attempts = 0; }
    doc.cells[2].attempts = 1;
    doc.scaling.cart.restored = false;
    doc.status = 'running';
    writeFileSync(join(p.outDir, 'shop.json'), JSON.stringify(doc));
    writeFileSync(join(p.outDir, 'shop.csv'), `${readFileSync(join(p.outDir, 'shop.csv'), 'utf8').split('\n')[0]}\n${keptRows.join('\n')}\n1,2,3,cart/r2/l10,cart,measured\n`);
    w.setReplicas(2);
    w.calls.length = 0;
    const events: string[] = [];
    const r = await runPlan(p, { ...w.hooks, onEvent: (e) => { if (e.kind === 'resume') events.push(e.message); } });
    assert.deepEqual(events, ['resuming shop: 2 of 5 cell(s) already done; cell cart/r2/l10 was interrupted and restarts; Deployment/cart (service cart) still scaled; its original 3 replica(s) come from the earlier run\'s note']);
    assert.deepEqual(w.calls, ['scale 2', 'load cart/r2/l10', 'load cart/r2/l20', 'restore 3', 'load search/r1/l5']);
    assert.deepEqual(r.skipped, ['cart/r1/l10', 'cart/r1/l20']);
    const after = readDoc(p);
    assert.equal(after.status, 'complete');
    assert.equal(after.runs, 2);
    assert.deepEqual(after.cells.slice(0, 2), doc.cells.slice(0, 2));
    assert.equal(after.cells[2].attempts, 2);
    assert.deepEqual(csvRows(p).slice(0, keptRows.length), keptRows);
    assert.ok(!csvRows(p).includes('1,2,3,cart/r2/l10,cart,measured'));
    assert.equal(w.replicas(), 3);
  });

  it('runs a done cell again when its plan entry changed, and nothing at all when everything is done', async () => {
    const dir = tempDir('mora-planrun-');
    const w = world();
    await runPlan(plan(dir), w.hooks);
    w.calls.length = 0;
    await runPlan(plan(dir), w.hooks);
    assert.deepEqual(w.calls, []);
    const changed = plan(dir);
    changed.services[1].durationSeconds = 7;
    await runPlan(changed, w.hooks);
    assert.deepEqual(w.calls, ['load search/r1/l5']);
  });

  it('cancelled mid-cell: the cell is not kept, the plan is partial, the count restored', async () => {
    const dir = tempDir('mora-planrun-');
    const w = world();
    const controller = new AbortController();
    const driver = w.hooks.httpDriver!;
    const r = await runPlan(plan(dir), { ...w.hooks, signal: controller.signal, httpDriver: async (req) => {
      if (req.cell.id === 'cart/r2/l10') controller.abort();
      return driver(req);
    } });
    assert.equal(r.document.status, 'partial');
    assert.deepEqual(r.document.cells.map((c) => c.status), ['done', 'done', 'pending', 'pending', 'pending']);
    assert.equal(w.calls.at(-1), 'restore 3');
    assert.equal(r.document.scaling.cart.restored, true);
  });

  it('the record keeps no credential of a URL: userinfo and ?token= / ?api_key= values are *** (the run uses the real URLs)', async () => {
    const dir = tempDir('mora-planrun-');
    const w = world();
    const p = plan(dir, '[10]', 'search');
    p.prometheusUrl = 'http://admin:pr0m-passw0rd@127.0.0.1:9090/?token=t0k3n-s3cret-value&extra_label=env%3Dprod';
    p.services[0].target = 'http://127.0.0.1:8081/?api_key=k3y-s3cret-value';
    const urls: string[] = [];
    const driver = w.hooks.httpDriver!;
    await runPlan(p, { ...w.hooks, httpDriver: async (req) => { urls.push(req.url!); return driver(req); } });
    const json = readFileSync(join(p.outDir, 'shop.json'), 'utf8');
    assert.ok(!/pr0m-passw0rd|t0k3n-s3cret-value|k3y-s3cret-value/.test(json), json);
    const doc = JSON.parse(json) as PlanDocument;
    assert.equal(doc.plan.prometheusUrl, 'http://127.0.0.1:9090/?token=***&extra_label=env%3Dprod');
    assert.equal(doc.plan.services[0].target, 'http://127.0.0.1:8081/?api_key=***');
    assert.deepEqual(urls, ['http://127.0.0.1:8081/?api_key=k3y-s3cret-value'], 'the load goes to the real URL');
  });

  it('a load driver\'s error that quotes the target keeps no credential: the cell\'s error, the plan\'s error and the thrown one', async () => {
    const dir = tempDir('mora-planrun-');
    const w = world();
    const p = plan(dir, '[10]', 'search');
    p.services[0].target = 'http://127.0.0.1:8081/?api_key=k3y-s3cret-value';
    const httpDriver: CellLoadDriver = async (req) => {
      throw new Error(`request to ${req.url!} failed: socket hang up (api_key k3y-s3cret-value)`);
    };
    const said = 'request to http://127.0.0.1:8081/?api_key=*** failed: socket hang up (api_key ***)';
    await assert.rejects(runPlan(p, { ...w.hooks, httpDriver }), (e: Error) => {
      assert.equal(e.message, said);
      assert.ok(!(e.stack ?? '').includes('k3y-s3cret-value'), e.stack);
      return true;
    });
    const json = readFileSync(join(p.outDir, 'shop.json'), 'utf8');
    assert.ok(!json.includes('k3y-s3cret-value'), json);
    const doc = JSON.parse(json) as PlanDocument;
    assert.equal(doc.status, 'failed');
    assert.equal(doc.error, said);
    assert.deepEqual(doc.cells.filter((c) => c.error !== undefined).map((c) => [c.id, c.status, c.error]), [[doc.cells[0].id, 'failed', said]]);
  });

  it('mora experiment run: a plan whose Prometheus credential was left out (?token=***) takes the full URL from MORA_PROMETHEUS_URL, else stops before any load', async () => {
    const dir = tempDir('mora-planrun-');
    const file = join(dir, 'wiz.mora-plan.yaml');
    writeFileSync(file, 'prometheus: "http://prom.example:9090/?token=***"\nrateCap: 10\nservices:\n  - name: x\n    target: http://127.0.0.1:9/\n    replicas: [1]\n    levels: [5]\n    duration: 5s\n    slo: { latencyP95Ms: 50 }\n');
    try {
      await withEnv({ MORA_PROMETHEUS_URL: undefined }, () => assert.rejects(experimentRunCommand(file, { format: 'json', dryRun: true }, () => undefined, () => undefined), /credential was left out of the plan file .*MORA_PROMETHEUS_URL/));
      await withEnv({ MORA_PROMETHEUS_URL: 'http://prom.example:9090/?token=t0k3n-s3cret-value' }, async () => {
        assert.equal(await experimentRunCommand(file, { format: 'json', dryRun: true }, () => undefined, () => undefined), 0);
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // Before: --format json printed each cell's target as the plan has it (user:password@, ?api_key=…), while the text
  // listing and the plan's record were redacted.
  it('mora experiment run --dry-run --format json: the cells\' targets without credentials (userinfo dropped, ?api_key= value ***)', async () => {
    const dir = tempDir('mora-planrun-');
    const file = join(dir, 'leak.mora-plan.yaml');
    writeFileSync(file, 'prometheus: http://127.0.0.1:9\nrateCap: 10\nservices:\n  - name: x\n    target: "http://u:pw-s3cret@127.0.0.1:1/?api_key=SEKRET456&x=1"\n    replicas: [1]\n    levels: [5]\n    duration: 5s\n    slo: { latencyP95Ms: 50 }\n');
    try {
      for (const format of ['json', 'text']) {
        let stdout = '';
        assert.equal(await experimentRunCommand(file, { format, dryRun: true }, (s) => (stdout += s), () => undefined), 0);
        assert.ok(!stdout.includes('SEKRET456') && !stdout.includes('pw-s3cret'), stdout);
        if (format === 'json') assert.deepEqual((JSON.parse(stdout) as { cells: Array<{ target?: string }> }).cells.map((c) => c.target), ['http://127.0.0.1:1/?api_key=***&x=1']);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  /**
   * `mora experiment run` of a plan with one 3 s cell per service, against a target that answers 200 until a request
   * to a path with /bad comes, and 500 from then on, and a Prometheus with a steady series. The target check's GET
   * before the run (user-agent mora-experiment-check) is answered 200 and changes nothing.
   */
  async function runQualityPlan(paths: Array<[name: string, path: string]>): Promise<{ code: number; out: string; err: string }> {
    let fail = false;
    const target = createServer((req, res) => {
      if (req.headers['user-agent'] === 'mora-experiment-check') return res.end('ok');
      if (req.url?.includes('/bad')) fail = true;
      res.statusCode = fail ? 500 : 200;
      res.end('ok');
    });
    const prom = createServer((req, res) => {
      const u = new URL(req.url!, 'http://x');
      res.setHeader('content-type', 'application/json');
      const now = Date.now() / 1000 + 100;
      if (u.pathname.endsWith('/status/buildinfo')) return res.end(JSON.stringify({ status: 'success', data: { version: 'test' } }));
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const q = new URLSearchParams(body || u.search);
        if (!u.pathname.endsWith('/query_range')) return res.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [now, String(now)] }] } }));
        const [start, end, step] = ['start', 'end', 'step'].map((k) => Number(q.get(k)));
        const values: Array<[number, string]> = [];
        for (let t = start; t <= end; t += step) values.push([t, '0.001']);
        res.end(JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [{ metric: {}, values }] } }));
      });
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    await new Promise<void>((r) => prom.listen(0, '127.0.0.1', r));
    const dir = tempDir('mora-planrun-');
    try {
      const t = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
      const file = join(dir, 'q.mora-plan.yaml');
      const svc = (name: string, path: string) => `  - { name: ${name}, target: '${t}${path}', replicas: [1], levels: [5], duration: 3s, warmup: 0s, cooldown: 0s, slo: { latencyP95Ms: 1000 } }\n`;
      writeFileSync(file, `prometheus: http://127.0.0.1:${(prom.address() as AddressInfo).port}\nscrapeInterval: 1s\nrateCap: 50\nout: out\nservices:\n${paths.map(([n, p]) => svc(n, p)).join('')}`);
      let out = '';
      let err = '';
      const code = await experimentRunCommand(file, { format: 'json', yes: true }, (s) => (out += s), (s) => (err += s));
      assert.ok(existsSync(join(dir, 'out', 'q.json')) && existsSync(join(dir, 'out', 'q.csv')), `the run's files are written\n${err}`);
      return { code, out, err };
    } finally {
      target.close();
      prom.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('mora experiment run: some cells failed the quality gate and others passed is exit 4 (partial), naming the failed cells', async () => {
    const { code, out, err } = await runQualityPlan([['good', '/'], ['bad', '/bad']]);
    const res = JSON.parse(out) as { status: string; quality: { passed: number; failed: number } };
    assert.equal(res.status, 'complete', err);
    assert.deepEqual([res.quality.passed, res.quality.failed], [1, 1], err);
    assert.equal(code, 4, err);
    assert.match(err, /mora: partial: 1 of 2 cell\(s\) failed the quality gate \(left out of capacity\): bad\/r1\/l5\n$/);
  });

  it('mora experiment run: every cell failed the quality gate is exit 4 too (not 0), naming each cell; the last line says 0 of N passed', async () => {
    const { code, out, err } = await runQualityPlan([['bad', '/bad'], ['worse', '/bad-too']]);
    const res = JSON.parse(out) as { status: string; quality: { passed: number; failed: number } };
    assert.equal(res.status, 'complete', err);
    assert.deepEqual([res.quality.passed, res.quality.failed], [0, 2], err);
    assert.equal(code, 4, err);
    const lines = err.trimEnd().split('\n');
    assert.equal(lines.at(-2), 'mora: failed the quality gate (left out of capacity): bad/r1/l5, worse/r1/l5');
    assert.equal(lines.at(-1), 'mora: partial: 0 of 2 cell(s) passed the quality gate: no capacity measured');
  });

  it('mora experiment run with the plan\'s Prometheus unreachable: exit 3 before anything, pointing at the plan\'s "prometheus:" field; no folder, no record, nothing scaled or sent', async () => {
    // Before: runPlan created out/, wrote p.json "failed" and p.csv, read and scaled the workload, and put it back.
    const dir = tempDir('mora-planrun-');
    const port = await closedPort();
    const seen: string[] = [];
    const kubeApi = createServer((req, res) => { seen.push(`kube ${req.method} ${req.url}`); res.statusCode = 500; res.end('{}'); });
    const target = createServer((req, res) => { seen.push(`target ${req.method} ${req.url}`); res.end('ok'); });
    await new Promise<void>((r) => kubeApi.listen(0, '127.0.0.1', r));
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    try {
      const kubeconfig = join(dir, 'kubeconfig');
      writeFileSync(kubeconfig, `apiVersion: v1\nkind: Config\ncurrent-context: x\nclusters: [{ name: cx, cluster: { server: "http://127.0.0.1:${(kubeApi.address() as AddressInfo).port}" } }]\nusers: [{ name: u, user: { token: t0k3n } }]\ncontexts: [{ name: x, context: { cluster: cx, user: u } }]\n`);
      const file = join(dir, 'p.mora-plan.yaml');
      writeFileSync(file, `prometheus: http://127.0.0.1:${port}\nscrapeInterval: 1s\nrateCap: 10\nout: out\nservices:\n  - { name: x, target: 'http://127.0.0.1:${(target.address() as AddressInfo).port}/', replicas: [2], levels: [5], duration: 2s, slo: { latencyP95Ms: 50 }, workload: { namespace: shop, name: x } }\n`);
      let asked = 0;
      const run = () => experimentRunCommand(file, { format: 'text', kubeconfig }, () => {}, () => {}, { stdinIsTty: true, confirm: async () => { asked++; return true; } });
      const refused = (e: Error & { exitCode?: number }) => {
        assert.equal(e.exitCode, 3);
        assert.equal(e.message, `Prometheus at http://127.0.0.1:${port} refused the connection — is it running? check the plan's "prometheus:" field; nothing was sent or written`);
        return true;
      };
      await assert.rejects(run(), refused);
      assert.ok(!existsSync(join(dir, 'out')), 'out/ not created');
      // a folder an earlier run wrote stays as it was
      mkdirSync(join(dir, 'out'));
      writeFileSync(join(dir, 'out', 'p.json'), '{"earlier": true}\n');
      await assert.rejects(run(), refused);
      assert.deepEqual(readdirSync(join(dir, 'out')), ['p.json']);
      assert.equal(readFileSync(join(dir, 'out', 'p.json'), 'utf8'), '{"earlier": true}\n');
      assert.equal(asked, 0, 'not asked to send a load that cannot be measured');
      assert.deepEqual(seen, [], 'no workload read or scaled, no request to the target');
    } finally {
      kubeApi.close();
      target.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a JMeter cell without a JMeter driver before sending anything', async () => {
    const dir = tempDir('mora-planrun-');
    const w = world();
    const withJmx = parsePlan(`prometheus: http://127.0.0.1:9\nrateCap: 10\nout: out\nservices:\n  - { name: j, jmx: x.jmx, target: 'http://127.0.0.1:1/', replicas: [1], levels: [5], duration: 2s, slo: { latencyP95Ms: 9 } }\n`, join(dir, 'j.mora-plan.yaml'));
    await assert.rejects(runPlan(withJmx, w.hooks), /cell j\/r1\/l5 names a JMeter plan \(.*x\.jmx\) but the JMeter driver is not available/);
    assert.deepEqual(w.calls, []);
  });
});

describe('a plan\'s JMeter cells send only to the plan\'s hosts', () => {
  it('refuses a .jmx whose sampler has its own host before any cell runs or anything is scaled', async () => {
    const dir = tempDir('mora-planrun-');
    const w = world();
    writeFileSync(join(dir, 'x.jmx'), jmxTemplate({ segments: 1 }).replace(/(<stringProp name="HTTPSampler\.domain">)[^<]*(<\/stringProp>)/, '$1evil.example$2'));
    const withJmx = parsePlan(`prometheus: http://127.0.0.1:9\nrateCap: 10\nout: out\nservices:\n  - { name: j, jmx: x.jmx, target: 'http://127.0.0.1:1/', replicas: [1, 2], levels: [5], duration: 2s, slo: { latencyP95Ms: 9 }, workload: { namespace: shop, name: j } }\n`, join(dir, 'j.mora-plan.yaml'));
    const jmxRan: string[] = [];
    await assert.rejects(runPlan(withJmx, { ...w.hooks, jmxDriver: async (req) => { jmxRan.push(req.cell.id); return w.hooks.httpDriver!(req); } }),
      /^Error: cell j\/r1\/l5: .*x\.jmx can send load to a host the plan does not allow: sampler "GET 0" sends to "evil\.example"/);
    assert.deepEqual(jmxRan, []);
    assert.deepEqual(w.calls, []);
  });
});

describe('restoring a plan\'s scaled workloads across reruns (fake cluster)', () => {
  it('a restored note is history: a rerun that scales the service again restores the count the workload has now', async () => {
    const { w, changed, firstRunLeft } = await rerunAfterCartScaledTo5();
    assert.equal(firstRunLeft, 3);
    w.calls.length = 0;
    const r = await runPlan(changed, w.hooks);
    assert.equal(w.calls.filter((c) => c.startsWith('restore')).join(), 'restore 5');
    assert.equal(w.replicas(), 5);
    assert.equal(r.document.scaling.cart.originalReplicas, 5);
    assert.equal(readDoc(changed).scaling.cart.restored, true);
  });

  it('a rerun that fails restores the count the workload had when the rerun started', async () => {
    const { w, changed } = await rerunAfterCartScaledTo5();
    const driver = w.hooks.httpDriver!;
    await assert.rejects(runPlan(changed, { ...w.hooks, httpDriver: async (req) => {
      if (req.cell.id === 'cart/r2/l10') throw new Error('generator crashed');
      return driver(req);
    } }), /generator crashed/);
    assert.equal(w.replicas(), 5);
    const doc = readDoc(changed);
    assert.equal(doc.status, 'failed');
    assert.deepEqual([doc.scaling.cart.originalReplicas, doc.scaling.cart.restored], [5, true]);
  });

  it('a pending note is restored on the workload it names when the plan now names another one, before anything else', async () => {
    const { w, c, moved } = await rerunAfterKillWithCartMoved();
    w.calls.length = 0;
    const events: string[] = [];
    const r = await runPlan(moved, { ...c.hooks, onEvent: (e) => {
      if (e.kind === 'scaling') events.push(`${e.note.workload} ${e.note.originalReplicas} ${e.note.restored}`);
      if (e.kind === 'resume') events.push(e.message);
    } });
    assert.equal(r.document.status, 'complete');
    assert.deepEqual(w.calls, [
      'restore cart 3', 'scale cart-v2 1', 'load cart/r1/l10', 'load cart/r1/l20', 'scale cart-v2 2', 'load cart/r2/l10', 'load cart/r2/l20',
      'restore cart-v2 4', 'load search/r1/l5',
    ]);
    assert.deepEqual(events, [
      'resuming shop: 0 of 5 cell(s) already done; cell cart/r2/l10 was interrupted and restarts; 2 done cell(s) changed in the plan or left it and run again; '
      + 'Deployment/cart (service cart) still scaled; its original 3 replica(s) come from the earlier run\'s note; the plan now names Deployment/cart-v2 in namespace shop: it is put back first',
      'Deployment/cart 3 true', 'Deployment/cart-v2 4 false', 'Deployment/cart-v2 4 true']);
    assert.deepEqual(c.replicas, { 'shop/Deployment/cart': 3, 'shop/Deployment/cart-v2': 4 });
    const note = readDoc(moved).scaling.cart;
    assert.deepEqual([note.workload, note.originalReplicas, note.restored], ['Deployment/cart-v2', 4, true]);
  });

  it('cancelled in a rerun after the plan moved the service: both workloads end at their own original counts', async () => {
    const { c, moved } = await rerunAfterKillWithCartMoved();
    const controller = new AbortController();
    const driver = c.hooks.httpDriver!;
    const r = await runPlan(moved, { ...c.hooks, signal: controller.signal, httpDriver: async (req) => {
      controller.abort(); // Ctrl-C in the rerun's first cell
      return driver(req);
    } });
    assert.equal(r.document.status, 'partial');
    assert.deepEqual(c.replicas, { 'shop/Deployment/cart': 3, 'shop/Deployment/cart-v2': 4 });
    assert.equal(readDoc(moved).scaling.cart.restored, true);
  });

  it('cancelled while waiting for the replicas of a rerun: partial, not failed, and restored to the count it had', async () => {
    const { w, changed } = await rerunAfterCartScaledTo5();
    const controller = new AbortController();
    const scaler = w.hooks.scalerFor!(changed.services[0].workload!, 'cart')!;
    const r = await runPlan(changed, { ...w.hooks, signal: controller.signal, scalerFor: () => ({ ...scaler, async scale(n, signal) {
      if (n !== 2) return scaler.scale(n, signal);
      controller.abort(); // what kubeScaler does on Ctrl-C while it polls for ready replicas
      throw new Error('cancelled while waiting for Deployment "cart" to have 2 ready replicas');
    } }) });
    assert.equal(r.document.status, 'partial');
    assert.equal(r.document.error, undefined);
    assert.equal(w.replicas(), 5);
    assert.deepEqual([r.document.scaling.cart.originalReplicas, r.document.scaling.cart.restored], [5, true]);
  });

  it('a count someone changed during the run is left, not overwritten with the original: the note, the event and a rerun say and do so', async () => {
    const dir = tempDir('mora-planrun-');
    const w = world();
    const p = plan(dir);
    let replicas = 3;
    const restores: Array<[number, number | undefined]> = [];
    const onDisk: Array<number | undefined> = [];
    // A cluster that, like kubeScaler, writes the original back only over the count the experiment set.
    const scaler: Scaler = {
      async current() { return replicas; },
      async scale(n) { onDisk.push(readDoc(p).scaling.cart.scaledTo); replicas = n; },
      async restore(n, expected) {
        restores.push([n, expected]);
        if (expected !== undefined && replicas !== expected && replicas !== n) return { left: replicas, reason: `Deployment/cart has ${replicas} replica(s), not the ${expected} the experiment set` };
        replicas = n;
      },
      describe: (n) => ({ workload: 'Deployment/cart', namespace: 'shop', restoreCommand: `kubectl -n shop scale deployment/cart --replicas=${n}` }),
    };
    const driver = w.hooks.httpDriver!;
    const notes: ScalingNote[] = [];
    const hooks: PlanRunHooks = { ...w.hooks, scalerFor: () => scaler, onEvent: (e) => { if (e.kind === 'scaling') notes.push(e.note); } };
    const r = await runPlan(p, { ...hooks, httpDriver: async (req) => {
      if (req.cell.id === 'cart/r2/l20') replicas = 7; // the operator scales cart by hand in the middle of the run
      return driver(req);
    } });
    assert.equal(r.document.status, 'complete');
    assert.deepEqual(onDisk, [1, 2], 'the count about to be set is on disk before each scale');
    assert.deepEqual(restores, [[3, 2]]);
    assert.equal(replicas, 7, 'the operator\'s 7 stays');
    const note = readDoc(p).scaling.cart;
    assert.deepEqual([note.restored, note.restoreSkipped, note.scaledTo], [false, 'Deployment/cart has 7 replica(s), not the 2 the experiment set', 2]);
    assert.equal(notes.at(-1)!.restoreSkipped, note.restoreSkipped);
    assert.match(buildExperimentView(readDoc(p)).notes.join('\n'), /Deployment\/cart \(service cart\) was left as found, not put back to 3 replica\(s\): Deployment\/cart has 7/);
    // Settled, not pending: a rerun does not try to put 3 back.
    restores.length = 0;
    const again = await runPlan(p, hooks);
    assert.deepEqual([again.document.status, restores, replicas], ['complete', [], 7]);
  });

  it('a restore that fails with an error that cannot be changed (a DOMException, a frozen error) is noted, redacted, and the other restores and cells still run', async () => {
    for (const [thrown, said] of [
      [new DOMException('The operation was aborted.', 'AbortError'), 'The operation was aborted.'],
      [Object.freeze(new Error('PATCH for http://127.0.0.1:8080/?api_key=k3y-s3cret-value refused')), 'PATCH for http://127.0.0.1:8080/?api_key=*** refused'],
    ] as const) {
      const dir = tempDir('mora-planrun-');
      try {
        const w = world();
        const c = cluster(w, { 'shop/Deployment/cart': 3, 'shop/Deployment/cart-b': 4 });
        const scalerFor = c.hooks.scalerFor!;
        const hooks: PlanRunHooks = {
          ...c.hooks,
          scalerFor: (wl, service) => {
            const s = scalerFor(wl, service)!;
            return wl.name === 'cart' ? { ...s, restore: async () => { throw thrown; } } : s;
          },
        };
        const p = plan(dir);
        p.services[0].target = 'http://127.0.0.1:8080/?api_key=k3y-s3cret-value';
        p.services[1] = { ...p.services[0], name: 'cart-b', target: 'http://127.0.0.1:8082/', workload: { ...p.services[0].workload!, name: 'cart-b' } };
        const r = await runPlan(p, hooks);
        assert.equal(r.document.status, 'complete');
        assert.deepEqual(r.document.cells.map((x) => x.status), r.document.cells.map(() => 'done'));
        assert.deepEqual([r.document.scaling.cart.restored, r.document.scaling.cart.restoreError], [false, said]);
        assert.equal(r.document.scaling['cart-b'].restored, true);
        assert.deepEqual(c.replicas, { 'shop/Deployment/cart': 2, 'shop/Deployment/cart-b': 4 });
        assert.ok(!readFileSync(join(p.outDir, 'shop.json'), 'utf8').includes('k3y-s3cret-value'));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });

  it('a pending note of a service that left the plan is restored', async () => {
    const { dir, w, p } = await planRunOnce();
    killedInCartR2(p);
    w.setReplicas(2);
    w.calls.length = 0;
    const only = plan(dir, '[10, 20]', 'search');
    const r = await runPlan(only, w.hooks);
    assert.deepEqual(w.calls, ['restore 3', 'load search/r1/l5']); // restored before any load
    assert.equal(w.replicas(), 3);
    assert.equal(r.document.scaling.cart.restored, true);
  });

  it('a pending note that does not say which workload is left pending with the reason, not restored on a guess', async () => {
    const { dir, w, p } = await planRunOnce();
    const doc = killedInCartR2(p);
    doc.scaling.cart.workload = 'cart'; // hand-edited: no kind
    writeFileSync(join(p.outDir, 'shop.json'), JSON.stringify(doc));
    w.calls.length = 0;
    const r = await runPlan(plan(dir, '[10, 20]', 'search'), w.hooks);
    assert.deepEqual(w.calls, ['load search/r1/l5']);
    assert.equal(r.document.scaling.cart.restored, false);
    assert.match(r.document.scaling.cart.restoreError ?? '', /does not say which workload "cart" in namespace "shop" is/);
  });

  it('two services on one Deployment: a rerun takes the original from the other service\'s pending note, not the count the killed run left', async () => {
    const dir = tempDir('mora-planrun-');
    const w = world();
    const c = cluster(w, { 'shop/Deployment/cart': 3 });
    const twin = () => {
      const p = plan(dir);
      p.services[1] = { ...p.services[0], name: 'cart-b', target: 'http://127.0.0.1:8082/' };
      return p;
    };
    const p = twin();
    await runPlan(p, c.hooks);
    assert.deepEqual(c.replicas, { 'shop/Deployment/cart': 3 });
    // Killed in cart-b's cell at 2 replicas: cart's note restored, cart-b's pending, the Deployment at 2.
    const doc = readDoc(p);
    const b2 = doc.cells.findIndex((x) => x.id === 'cart-b/r2/l10');
    doc.cells[b2].status = 'running';
    for (const x of doc.cells.slice(b2 + 1)) { x.status = 'pending'; x.attempts = 0; }
    doc.scaling['cart-b'].restored = false;
    writeFileSync(join(p.outDir, 'shop.json'), JSON.stringify(doc));
    c.replicas['shop/Deployment/cart'] = 2;
    const changed = twin();
    changed.services[0].durationSeconds = 7; // cart's cells run again, before cart-b's
    w.calls.length = 0;
    const r = await runPlan(changed, c.hooks);
    assert.equal(r.document.status, 'complete');
    assert.deepEqual(c.replicas, { 'shop/Deployment/cart': 3 });
    assert.deepEqual(w.calls.filter((x) => x.startsWith('restore')), ['restore cart 3', 'restore cart 3']);
    assert.deepEqual(Object.values(r.document.scaling).map((n) => [n.originalReplicas, n.restored]), [[3, true], [3, true]]);
  });

  it('a plan that pins the workload\'s context scales and, after a SIGKILL, restores it there, whatever the run\'s own context is', async () => {
    const dir = tempDir('mora-planrun-');
    const w = world();
    const counts: Record<string, number> = { 'prod/cart': 3, 'staging/cart': 3 };
    let runContext = 'staging';
    const asked: Array<string | undefined> = [];
    // As the CLI and VS Code build it: the pinned context, else the run's.
    const scalerFor = (wl: PlanWorkload): Scaler => {
      asked.push(wl.context);
      const ctx = wl.context ?? runContext;
      const key = `${ctx}/${wl.name}`;
      return {
        async current() { return counts[key]; },
        async scale(n) { w.calls.push(`scale ${key} ${n}`); counts[key] = n; },
        async restore(n) { w.calls.push(`restore ${key} ${n}`); counts[key] = n; },
        describe: (n) => ({ workload: `${wl.kind}/${wl.name}`, namespace: wl.namespace, context: ctx, restoreCommand: `kubectl --context ${ctx} scale --replicas=${n}` }),
      };
    };
    const pinned = (name = 'cart') => {
      const p = plan(dir);
      p.services[0].workload = { ...p.services[0].workload!, name, context: 'prod' };
      return p;
    };
    const p = pinned();
    await runPlan(p, { ...w.hooks, scalerFor });
    assert.deepEqual(asked, ['prod']);
    assert.deepEqual({ ...counts }, { 'prod/cart': 3, 'staging/cart': 3 });
    assert.ok(w.calls.includes('scale prod/cart 2') && !w.calls.some((c) => c.includes('staging')), w.calls.join());
    killedInCartR2(p);
    counts['prod/cart'] = 2;
    counts['prod/cart-v2'] = 4;
    // The rerun runs elsewhere by default, and the plan now names cart-v2 (in prod too): the killed run's note is
    // settled first, in the note's context.
    runContext = 'other';
    w.calls.length = 0;
    const r = await runPlan(pinned('cart-v2'), { ...w.hooks, scalerFor });
    assert.equal(r.document.status, 'complete', r.document.error);
    assert.equal(w.calls[0], 'restore prod/cart 3');
    assert.deepEqual(counts, { 'prod/cart': 3, 'staging/cart': 3, 'prod/cart-v2': 4 });
    assert.ok(w.calls.every((c) => c.includes('prod/') || c.startsWith('load')), w.calls.join());
    assert.deepEqual([r.document.scaling.cart.context, r.document.scaling.cart.workload], ['prod', 'Deployment/cart-v2']);
  });

  it('does not scale a workload of the same name in another kube context than the pending note\'s', async () => {
    const dir = tempDir('mora-planrun-');
    const w = world();
    const kube = { context: 'prod' };
    const c = cluster(w, { 'shop/Deployment/cart': 3 }, kube);
    const p = plan(dir);
    await runPlan(p, c.hooks);
    killedInCartR2(p);
    kube.context = 'staging';
    w.calls.length = 0;
    await assert.rejects(runPlan(plan(dir), c.hooks), /cell cart\/r2\/l10: an earlier run left Deployment\/cart in namespace shop \(context prod\) scaled from 3 replica\(s\) and it could not be restored \(the note is for kube context "prod" but this run uses "staging"\)/);
    assert.deepEqual(w.calls, []);
    const note = readDoc(p).scaling.cart;
    assert.equal(note.restored, false);
    assert.match(note.restoreError ?? '', /context "prod"/);
    // Back in the note's context, the rerun restores it and goes on.
    kube.context = 'prod';
    const r = await runPlan(plan(dir), c.hooks);
    assert.equal(r.document.status, 'complete');
    assert.equal(r.document.scaling.cart.restored, true);
    assert.equal(w.calls.at(-2), 'restore cart 3');
  });
});

describe('one run of a plan at a time (the plan lock)', () => {
  /** A pid no process has: a child that has already exited. */
  const deadPid = () => {
    const child = spawnSync(process.execPath, ['-e', '']);
    return child.pid!;
  };
  const lockFile = (p: ExperimentPlan) => join(p.outDir, 'shop.lock');
  const writeLock = (p: ExperimentPlan, pid: number, host = hostname()) => {
    mkdirSync(p.outDir, { recursive: true });
    writeFileSync(lockFile(p), JSON.stringify({ pid, hostname: host, started: '2026-11-30T10:00:00.000Z' }));
  };

  it('a second run of the same plan while the first one runs refuses, naming the holder, and scales and sends nothing', async () => {
    const dir = tempDir('mora-planrun-');
    const w = world();
    const p = plan(dir);
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    let entered!: () => void;
    const inFirstCell = new Promise<void>((r) => { entered = r; });
    const base = w.hooks.httpDriver!;
    const first = runPlan(p, { ...w.hooks, httpDriver: async (req) => { entered(); await gate; return base(req); } });
    await inFirstCell;
    const callsBefore = [...w.calls];
    const docBefore = readFileSync(join(p.outDir, 'shop.json'), 'utf8');
    const secondCalls: string[] = [];
    await assert.rejects(runPlan(plan(dir), { ...w.hooks, httpDriver: async (req) => { secondCalls.push(req.cell.id); return base(req); } }),
      (e: Error) => e instanceof PlanLockedError && e.message.includes(`plan shop is already being run (pid ${process.pid} on ${hostname()}`));
    assert.deepEqual(w.calls, callsBefore);
    assert.deepEqual(secondCalls, []);
    assert.equal(readFileSync(join(p.outDir, 'shop.json'), 'utf8'), docBefore);
    release();
    const r = await first;
    assert.equal(r.document.status, 'complete');
    assert.ok(!existsSync(lockFile(p)), 'the lock is released at the end');
    // Then the plan can run again.
    assert.equal((await runPlan(plan(dir), w.hooks)).document.status, 'complete');
  });

  it('mora experiment run: a plan locked by a live process is exit 2 with the holder, and nothing is sent', async () => {
    const dir = tempDir('mora-planrun-');
    const p = plan(dir);
    // A Prometheus that answers the pre-check (vector(1)), and is the target too (it answers the target check's GET):
    // the lock is what refuses.
    const prom = createServer((_req, res) => { res.setHeader('content-type', 'application/json'); res.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [1, '1'] }] } })); });
    await new Promise<void>((r) => prom.listen(0, '127.0.0.1', r));
    writeFileSync(join(dir, 'shop.mora-plan.yaml'), `prometheus: http://127.0.0.1:${(prom.address() as AddressInfo).port}/\nscrapeInterval: 1s\nrateCap: 100\nout: out\nname: shop\nservices:\n  - name: search\n    target: http://127.0.0.1:${(prom.address() as AddressInfo).port}/\n    replicas: [1]\n    levels: [5]\n    duration: 6s\n    slo: { latencyP95Ms: 50 }\n`);
    writeLock(p, process.pid);
    try {
      await assert.rejects(experimentRunCommand(join(dir, 'shop.mora-plan.yaml'), { yes: true, format: 'text' }, () => {}, () => {}),
        (e: Error & { exitCode?: number }) => e.exitCode === 2 && /already being run \(pid \d+/.test(e.message));
    } finally {
      prom.close();
    }
    assert.ok(!existsSync(join(p.outDir, 'shop.json')), 'nothing recorded');
    assert.ok(existsSync(lockFile(p)), 'the holder\'s lock stays');
  });

  it('a stale lock (same host, its pid gone: a SIGKILLed run) is taken over with a note, and the killed run\'s pending restore still runs', async () => {
    const { w, p } = await planRunOnce();
    killedInCartR2(p);
    w.setReplicas(2);
    writeLock(p, deadPid());
    w.calls.length = 0;
    const events: string[] = [];
    const r = await runPlan(p, { ...w.hooks, onEvent: (e) => { if (e.kind === 'resume') events.push(e.message); } });
    assert.match(events[0], /^plan shop: took over the lock of a run that is gone \(pid \d+ on /);
    assert.equal(r.document.status, 'complete');
    assert.equal(r.document.scaling.cart.restored, true);
    assert.equal(w.replicas(), 3);
    assert.ok(!existsSync(lockFile(p)));
  });

  // Until 2026-12-01 a rerun put back the count a killed run had left (its pending note) before it took that
  // workload's lock (plan-lock.ts acquireWorkloadLock): a flag-form `mora experiment` scaling cart at that moment (it
  // holds cart's lock) had its count overwritten under it. Now the lock of every workload a pending note names is
  // taken before anything is restored, scaled or written, and a lock held by a live process refuses the plan.
  describe('a pending note on cart while another live process holds cart\'s workload lock', () => {
    const cartKey = workloadKey({ namespace: 'shop', kind: 'Deployment', name: 'cart' });
    /** A live process other than this one holding cart's workload lock beside the plan's out folder, as mora experiment writes it. */
    const holdCartLock = (p: ExperimentPlan) => {
      const holder = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
      const path = workloadLockPath(p.outDir, cartKey);
      writeFileSync(path, `${JSON.stringify({ pid: holder.pid, hostname: hostname(), started: '2026-12-01T03:00:00.000Z', by: 'mora experiment (out elsewhere)' })}\n`);
      const exited = new Promise<void>((r) => holder.once('exit', () => r()));
      return { path, pid: holder.pid!, stop: async () => { holder.kill('SIGKILL'); await exited; } };
    };
    const refusedByCartLock = (pid: number, path: string) => (e: Error) => {
      assert.ok(e instanceof PlanLockedError, e.stack);
      assert.equal(e.message, `plan shop: Deployment/cart in namespace shop (service cart) is being scaled by mora experiment (out elsewhere) (pid ${pid} on ${hostname()}, started 2026-12-01T03:00:00.000Z; lock ${path}): nothing was scaled or sent; run it again once that run has ended (two runs would each restore over the other's count)`);
      return true;
    };

    it('the plan moved cart\'s service to cart-v2 (cart put back first): refused, cart left at 2, its note pending, the record unchanged', async () => {
      const { w, c, moved } = await rerunAfterKillWithCartMoved();
      const before = readFileSync(join(moved.outDir, 'shop.json'), 'utf8');
      const held = holdCartLock(moved);
      try {
        w.calls.length = 0;
        await assert.rejects(runPlan(moved, c.hooks), refusedByCartLock(held.pid, held.path));
        assert.deepEqual(w.calls, []);
        assert.deepEqual(c.replicas, { 'shop/Deployment/cart': 2, 'shop/Deployment/cart-v2': 4 });
        assert.equal(readFileSync(join(moved.outDir, 'shop.json'), 'utf8'), before, 'nothing written');
        assert.ok(existsSync(held.path), 'the holder\'s lock stays');
      } finally {
        await held.stop();
      }
      // Its holder gone (and reaped), the next run takes the lock over and puts cart back first.
      const r = await runPlan(moved, c.hooks);
      assert.equal(r.document.status, 'complete');
      assert.equal(w.calls[0], 'restore cart 3');
      assert.deepEqual(c.replicas, { 'shop/Deployment/cart': 3, 'shop/Deployment/cart-v2': 4 });
    });

    it('cart left the plan (its note restored before any load): refused, cart left at 2, nothing loaded', async () => {
      const { dir, w, p } = await planRunOnce();
      killedInCartR2(p);
      w.setReplicas(2);
      w.calls.length = 0;
      const held = holdCartLock(p);
      try {
        await assert.rejects(runPlan(plan(dir, '[10, 20]', 'search'), w.hooks), refusedByCartLock(held.pid, held.path));
      } finally {
        await held.stop();
      }
      assert.deepEqual(w.calls, []);
      assert.equal(w.replicas(), 2);
      assert.equal(readDoc(p).scaling.cart.restored, false);
    });

    it('cart\'s cells all done but its note pending (killed before the restore): refused, cart left at 2', async () => {
      const { w, p } = await planRunOnce();
      const doc = readDoc(p);
      doc.scaling.cart.restored = false;
      doc.status = 'running';
      writeFileSync(join(p.outDir, 'shop.json'), JSON.stringify(doc));
      w.setReplicas(2);
      w.calls.length = 0;
      const held = holdCartLock(p);
      try {
        await assert.rejects(runPlan(p, w.hooks), refusedByCartLock(held.pid, held.path));
      } finally {
        await held.stop();
      }
      assert.deepEqual(w.calls, []);
      assert.equal(w.replicas(), 2);
    });
  });

  it('a lock from another host is refused with how to clear it; an unreadable lock too', async () => {
    const dir = tempDir('mora-planrun-');
    const w = world();
    const p = plan(dir);
    writeLock(p, process.pid, 'other-host.example');
    await assert.rejects(runPlan(p, w.hooks), /being run on another host \(pid \d+ on other-host\.example.*delete .*shop\.lock and run again/);
    writeFileSync(lockFile(p), '');
    await assert.rejects(runPlan(p, w.hooks), /does not say who holds it/);
    assert.deepEqual(w.calls, []);
  });
});
