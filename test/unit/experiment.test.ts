// The experiment runner's bookkeeping with a simulated clock, a fake load generator and a fake Prometheus that answers
// from the load the runner drove: rows labelled with the level that ran, partial results on cancel, the JSON kept on
// a Prometheus failure, the unified CSV round trip, and the CLI's argument parsing. Real load and a real Prometheus
// are in test/integration/experiment.test.ts.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { METRIC_NAMES } from '../../src/core/metrics';
import { experimentCommand, parseDuration, parseLevels } from '../../src/cli/commands/experiment';
import { UserError } from '../../src/cli/errors';
import { PrometheusClient } from '../../src/data/prometheus/client';
import { PrometheusError } from '../../src/data/prometheus/errors';
import { EXPERIMENT_CSV_COLUMNS, experimentCsv, parseExperimentCsv, runExperiment, type ExperimentConfig, type LoadRunner } from '../../src/data/experiments';
import { runExperimentPlan } from '../../src/data/experiments/plan';
import { runLoadLevel } from '../../src/data/experiments/load';
import { ExperimentDataSource } from '../../src/data/experiments/store';
import { closedPort } from '../harness/ports';

const CPU_PER_REQ = 0.004;

/** A world where time only moves when the load runs or the runner sleeps; Prometheus reports rate = the level running then. */
function world(opts: { abortAtLevel?: number; controller?: AbortController; failQueries?: boolean; requestRateFrom?: number; rateWindowSeconds?: number; servedCap?: number } = {}) {
  let clock = 1_800_000_000;
  const ran: Array<{ from: number; to: number; rate: number }> = [];
  const load: LoadRunner = async (o) => {
    const from = clock;
    if (opts.abortAtLevel === ran.length) {
      clock += o.durationSeconds / 2;
      opts.controller!.abort();
      return { requests: 0, non2xx: 0, errors: 0, timeouts: 0, achievedRate: 0, latencyP50Ms: NaN, latencyP99Ms: NaN, durationSeconds: o.durationSeconds / 2, aborted: true };
    }
    clock += o.durationSeconds;
    ran.push({ from, to: clock, rate: o.rate });
    const served = Math.min(o.rate, opts.servedCap ?? Infinity);
    return { requests: served * o.durationSeconds, non2xx: 0, errors: 0, timeouts: 0, achievedRate: served, latencyP50Ms: 2, latencyP99Ms: 9, durationSeconds: o.durationSeconds, aborted: false };
  };
  const instantAt = (t: number) => ran.find((r) => t >= r.from && t < r.to)?.rate ?? NaN;
  // Like Prometheus' rate(): with a window, a row at t averages the rate over (t − window, t] (per second, 0 between levels).
  const rateAt = (t: number) => {
    const win = opts.rateWindowSeconds;
    if (!win) return instantAt(t);
    let sum = 0;
    for (let s = t - win + 1; s <= t; s++) sum += instantAt(s - 1) || 0;
    return sum / win;
  };
  // A labelled request counter exists only from the first request on, and rate() needs two scrapes of it: no request
  // rate for the first `requestRateFrom` seconds of the run.
  const requestRateAt = (t: number) => (opts.requestRateFrom !== undefined && ran.length && t < ran[0].from + opts.requestRateFrom ? NaN : rateAt(t));
  const queries: string[] = [];
  const fetchImpl = (async (url: string, init?: RequestInit) => {
    const p = new URLSearchParams(String(init?.body));
    const q = p.get('query') ?? '';
    queries.push(q);
    if (opts.failQueries && url.endsWith('query_range')) return Response.json({ status: 'error', errorType: 'execution', error: 'query timed out' }, { status: 503 });
    if (url.endsWith('/api/v1/query')) return Response.json({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [clock, '5'] }] } });
    const start = Number(p.get('start')), end = Number(p.get('end')), step = Number(p.get('step'));
    const f = q.includes('process_cpu') ? (t: number) => CPU_PER_REQ * rateAt(t)
      : q.includes('http_requests_total') && !q.includes('5..') ? requestRateAt
      : q.includes('process_resident') ? () => 5e7 : undefined;
    const result = f ? [{ metric: {}, values: Array.from({ length: (end - start) / step + 1 }, (_, i) => [start + i * step, String(f(start + i * step))]) }] : [];
    return Response.json({ status: 'success', data: { resultType: 'matrix', result } });
  }) as typeof fetch;
  return {
    load, ran, queries,
    prometheus: new PrometheusClient({ url: 'http://prom:9090', fetch: fetchImpl }),
    now: () => clock,
    sleep: async (ms: number) => { clock += ms / 1000; },
  };
}

/** A fake scaler for Deployment/cart in shop (context prod) at `start` replicas: its calls and its count in `calls` and `replicas`. */
function cartScaler(start: number) {
  const cmd = (r: number) => `kubectl --context prod -n shop scale deployment/cart --replicas=${r}`;
  const c = {
    replicas: start,
    calls: [] as string[],
    current: async () => c.replicas,
    scale: async (r: number) => { c.calls.push(`scale ${r}`); c.replicas = r; },
    restore: async (r: number, expected?: number) => { c.calls.push(`restore ${r} over ${expected}`); c.replicas = r; },
    describe: (r: number) => ({ workload: 'Deployment/cart', namespace: 'shop', context: 'prod', restoreCommand: cmd(r) }),
  };
  return c;
}

function config(outDir: string, over: Partial<ExperimentConfig> = {}): ExperimentConfig {
  return { service: 'Sample Svc', targetUrl: 'http://127.0.0.1:8080/', prometheusUrl: 'http://prom:9090', levels: [10, 50, 100], durationSeconds: 60, replicas: 2, outDir, scrapeIntervalSeconds: 5, ...over };
}

describe('load experiments', () => {
  let dir: string;
  // The out folder one level inside the test's own temp folder: a run's workload lock goes beside it (plan-lock.ts); straight
  // in the temp dir, two test runs on one machine met the same lock and refused each other.
  beforeEach(() => { dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mora-exp-unit-')), 'out'); fs.mkdirSync(dir); });
  afterEach(() => fs.rmSync(path.dirname(dir), { recursive: true, force: true }));

  it('runs every level, labels each row with the level that ran then, and summarises CPU per request', async () => {
    const w = world();
    const r = await runExperiment(config(dir), w);
    const d = r.document;
    assert.equal(d.status, 'complete');
    assert.deepEqual(w.ran.map((x) => x.rate), [10, 50, 100]);
    assert.match(path.basename(r.csvPath!), /^sample-svc-r2-\d{8}T\d{6}Z\.csv$/);
    const rows = parseExperimentCsv(fs.readFileSync(r.csvPath!, 'utf8'));
    assert.ok(rows.t.length >= 3 * 60 / 5 - 3, `${rows.t.length} rows`);
    for (let i = 0; i < rows.t.length; i++) {
      const rate = rows.values.request_rate![i];
      if (!Number.isFinite(rate)) continue;
      assert.equal(rows.loadLevel[i], rate, `row ${rows.t[i]}: labelled ${rows.loadLevel[i]}, served ${rate}`);
      assert.equal(rows.replicas[i], 2);
    }
    assert.deepEqual(d.summary!.levels.map((l) => l.level), [10, 50, 100]);
    for (const l of d.summary!.levels) assert.ok(Math.abs(l.cpuPerRequest - CPU_PER_REQ) < 1e-9, `${l.level}: ${l.cpuPerRequest}`);
    assert.ok(w.queries.some((q) => q.includes('instance="127.0.0.1:8080"')), 'default selector is the target instance');
    const json = JSON.parse(fs.readFileSync(r.jsonPath, 'utf8'));
    assert.equal(json.status, 'complete');
    assert.equal(json.timings.levels.length, 3);
    assert.equal(json.validation.ok, true);
    assert.equal(json.config.outDir, undefined, 'the JSON does not record local paths of the run');
  });

  it('on cancel keeps the completed levels and writes a result marked partial', async () => {
    const controller = new AbortController();
    const w = world({ abortAtLevel: 2, controller });
    const events: string[] = [];
    const r = await runExperiment(config(dir), { ...w, signal: controller.signal, onProgress: (e) => events.push(e.phase) });
    assert.equal(r.document.status, 'partial');
    assert.match(r.document.interrupted!, /2 of 3/);
    assert.deepEqual(r.document.timings.levels.map((l) => l.level), [10, 50]);
    const rows = parseExperimentCsv(fs.readFileSync(r.csvPath!, 'utf8'));
    assert.deepEqual([...new Set(rows.loadLevel)], [10, 50]);
    assert.equal(events.at(-1), 'written');
    assert.equal(JSON.parse(fs.readFileSync(r.jsonPath, 'utf8')).status, 'partial');
  });

  it('keeps the run (timings, status failed, the error) when Prometheus fails after the load', async () => {
    const w = world({ failQueries: true });
    await assert.rejects(runExperiment(config(dir, { levels: [10] }), w), /503.*query timed out/);
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json'));
    assert.equal(files.length, 1);
    const json = JSON.parse(fs.readFileSync(path.join(dir, files[0]), 'utf8'));
    assert.equal(json.status, 'failed');
    assert.match(json.error, /query timed out/);
    assert.equal(json.timings.levels.length, 1);
    assert.ok(!fs.readdirSync(dir).some((f) => f.endsWith('.tmp')), 'no temp files left');
  });

  it('a plan runs one experiment per replica count, scaling before each, and stops after a cancelled one', async () => {
    const w = world();
    const scaled: number[] = [];
    const scaler = { scale: async (r: number) => { scaled.push(r); assert.equal(w.ran.length, (scaled.length - 1) * 2, 'scaled before the levels of its experiment'); } };
    const results = await runExperimentPlan({ ...config(dir, { levels: [10, 20] }), replicas: [1, 3] }, scaler, w);
    assert.deepEqual(scaled, [1, 3]);
    assert.deepEqual(results.map((r) => r.document.config.replicas), [1, 3]);
    const rows = parseExperimentCsv(fs.readFileSync(results[1].csvPath!, 'utf8'));
    assert.ok(rows.replicas.every((x) => x === 3));
    assert.notEqual(results[0].jsonPath, results[1].jsonPath);
    await assert.rejects(runExperimentPlan({ ...config(dir), replicas: [1, 2] }, undefined, w), /need a way to scale/);
    // the same replica count twice at the same (simulated) second: two files, not one overwritten
    const frozen = { ...world(), now: () => 1_900_000_000 };
    const twice = await runExperimentPlan({ ...config(dir, { levels: [10] }), replicas: [2, 2] }, { scale: async () => undefined }, frozen);
    assert.notEqual(twice[0].jsonPath, twice[1].jsonPath);
    assert.ok(fs.existsSync(twice[0].csvPath!) && fs.existsSync(twice[1].csvPath!));

    const controller = new AbortController();
    const w2 = world({ abortAtLevel: 1, controller });
    const partial = await runExperimentPlan({ ...config(dir, { levels: [10, 20] }), replicas: [1, 2] }, { scale: async () => undefined }, { ...w2, signal: controller.signal });
    assert.deepEqual(partial.map((r) => r.document.status), ['partial']);
  });

  it('stored experiments read back as a DataSource: one workload per service, rows of all its runs on one grid', async () => {
    const w = world();
    await runExperimentPlan({ ...config(dir, { levels: [10, 40] }), replicas: [1, 2] }, { scale: async () => undefined }, w);
    await runExperiment(config(dir, { service: 'other', levels: [5] }), w);
    fs.writeFileSync(path.join(dir, 'broken-run.json'), JSON.stringify({ schema: 'mora.experiment/1', status: 'failed', files: { json: 'x' } }));
    const store = new ExperimentDataSource(dir);
    assert.deepEqual(await store.namespaces('experiments'), ['local']);
    const ws = await store.workloads('experiments', 'local');
    assert.deepEqual(ws.map((x) => x.name).sort(), ['Sample Svc', 'other']);
    assert.equal(ws.find((x) => x.name === 'Sample Svc')!.replicas, 2, 'the latest run');
    const target = { workload: ws.find((x) => x.name === 'Sample Svc')! };
    const range = await store.historyRange(target);
    const frame = await store.metrics(target, range);
    const rates = [...frame.values.request_rate!].filter(Number.isFinite);
    assert.deepEqual([...new Set(rates)].sort((a, b) => a - b), [10, 40], 'both runs, both levels');
    assert.equal(frame.values.network_rx, undefined, 'a metric no run had stays absent');
    let paired = 0;
    frame.t.forEach((_t, i) => {
      const cpu = frame.values.cpu_usage![i], rps = frame.values.request_rate![i];
      if (Number.isFinite(cpu) && Number.isFinite(rps)) { assert.ok(Math.abs(cpu - CPU_PER_REQ * rps) < 1e-9); paired++; }
    });
    assert.ok(paired > 20, `${paired} rows with CPU and request rate`);
    assert.equal((await store.health()).ok, true);
    assert.equal((await new ExperimentDataSource(path.join(dir, 'none')).health()).ok, false);
  });

  it('for a Kubernetes workload reads CPU and memory from cAdvisor for its pods, and reports what is missing', async () => {
    const w = world();
    const r = await runExperiment(config(dir, { levels: [10], workload: { namespace: 'shop', kind: 'Deployment', name: 'cart', container: 'server' } }), w);
    assert.ok(w.queries.some((q) => q.includes('container_cpu_usage_seconds_total{namespace="shop",pod=~"cart-[a-z0-9]{1,10}-[a-z0-9]{5}",container="server"}')));
    assert.ok(!w.queries.some((q) => q.includes('count_over_time(up')), 'no scrape wait: the cluster scrapes cAdvisor');
    // this fake Prometheus has no cAdvisor series: the run is written, flagged, with the selector to check
    assert.equal(r.document.validation!.ok, false);
    assert.ok(r.document.summary!.missing.some((m) => m.metric === 'cpu_usage' && /cAdvisor/.test(m.hint)));
  });

  it('a target nobody answers fails the run (status failed, not complete) and gets no further levels', async () => {
    const w = world();
    const sent: number[] = [];
    const dead: LoadRunner = async (o) => {
      sent.push(o.rate);
      return { requests: 0, non2xx: 0, errors: o.rate * o.durationSeconds, timeouts: 0, achievedRate: 0, latencyP50Ms: NaN, latencyP99Ms: NaN, durationSeconds: o.durationSeconds, aborted: false, errorCodes: { ECONNREFUSED: o.rate * o.durationSeconds } };
    };
    const r = await runExperiment(config(dir), { ...w, load: dead });
    assert.equal(r.document.status, 'failed');
    assert.deepEqual(sent, [10], 'the levels after a level nobody answered are not sent');
    assert.match(r.document.error!, /^no request to http:\/\/127\.0\.0\.1:8080\/ was answered: 600 connection error\(s\) \(600 ECONNREFUSED\) at 10 req\/s — is the target running and reachable\? \(2 level\(s\) not sent\)$/);
    assert.match(r.document.timings.levels[0].failed!, /was answered/);
    assert.equal(r.csvPath, undefined);
    assert.equal(JSON.parse(fs.readFileSync(r.jsonPath, 'utf8')).status, 'failed');
  });

  it('a target that accepts connections but never answers: its pending requests count as unanswered, the run stops early and says so', async function () {
    this.timeout(20_000);
    const hung = http.createServer(() => { /* takes the request, never answers */ });
    await new Promise<void>((r) => hung.listen(0, '127.0.0.1', () => r()));
    try {
      const port = (hung.address() as AddressInfo).port;
      const w = world();
      const r = await runExperiment(config(dir, { targetUrl: `http://127.0.0.1:${port}/`, durationSeconds: 2 }), { ...w, load: runLoadLevel });
      const [first] = r.document.timings.levels;
      assert.equal(r.document.status, 'failed');
      assert.equal(r.document.timings.levels.length, 1, 'no further levels after one nobody answered');
      assert.equal(first.stats.requests, 0);
      assert.ok(first.stats.unanswered! > 0 && first.stats.errors > 0, JSON.stringify(first.stats));
      assert.match(r.document.error!, /accepted connections but never answered within the level: \d+ request\(s\) still unanswered at its end at 10 req\/s — is the service hung/);
    } finally {
      hung.closeAllConnections();
      await new Promise<void>((r) => hung.close(() => r()));
    }
  });

  it('a level where more than half the requests fail is marked failed; the run stays complete while other levels succeed', async () => {
    const w = world();
    const flaky: LoadRunner = async (o) => {
      const stats = await w.load(o);
      return o.rate === 50 ? { ...stats, non2xx: Math.round(stats.requests * 0.7) } : stats;
    };
    const r = await runExperiment(config(dir), { ...w, load: flaky });
    assert.equal(r.document.status, 'complete');
    assert.deepEqual(r.document.timings.levels.map((l) => l.failed === undefined), [true, false, true]);
    assert.match(r.document.timings.levels[1].failed!, /^70% of the requests to http:\/\/127\.0\.0\.1:8080\/ failed/);
    const all5xx: LoadRunner = async (o) => { const s = await w.load(o); return { ...s, non2xx: s.requests }; };
    const bad = await runExperiment(config(dir, { levels: [10, 20] }), { ...w, load: all5xx });
    assert.equal(bad.document.status, 'failed');
    assert.match(bad.document.error!, /every level failed: no request to .* succeeded: all \d+ answers were non-2xx/);
  });

  it('stores URLs without their credentials', async () => {
    const w = world();
    const r = await runExperiment(config(dir, { levels: [10], targetUrl: 'http://bob:t4rget-pw@127.0.0.1:8080/', prometheusUrl: 'http://admin:pr0m-pw@prom:9090' }), w);
    const text = fs.readFileSync(r.jsonPath, 'utf8');
    assert.ok(!/t4rget-pw|pr0m-pw|bob|admin/.test(text), text);
    const json = JSON.parse(text);
    assert.equal(json.config.targetUrl, 'http://127.0.0.1:8080/');
    assert.equal(json.config.prometheusUrl, 'http://prom:9090', 'as given, without the userinfo');
  });

  it('stores URLs without a credential in their query (?token=, ?api_key=), keeping the other parameters', async () => {
    const w = world();
    const r = await runExperiment(config(dir, {
      levels: [10], targetUrl: 'http://127.0.0.1:8080/?api_key=k3y-s3cret-value', prometheusUrl: 'http://prom:9090/?token=t0k3n-s3cret-value&extra_label=env%3Dprod',
    }), w);
    const text = fs.readFileSync(r.jsonPath, 'utf8');
    assert.ok(!/k3y-s3cret-value|t0k3n-s3cret-value/.test(text), text);
    const json = JSON.parse(text);
    assert.equal(json.config.targetUrl, 'http://127.0.0.1:8080/?api_key=***');
    assert.equal(json.config.prometheusUrl, 'http://prom:9090/?token=***&extra_label=env%3Dprod');
  });

  it('a load error that quotes the target keeps no credential: stored (JSON error) and thrown, in the URL or alone', async () => {
    const w = world();
    const target = 'http://bob:t4rget-pw@127.0.0.1:8080/?token=t0k3n-s3cret-value&x=1';
    const load: LoadRunner = async () => {
      throw new Error('Non HTTP response code: java.net.ConnectException for http://bob:t4rget-pw@127.0.0.1:8080/?token=t0k3n-s3cret-value&x=1 (-Jquery=token%3Dt0k3n-s3cret-value, password t4rget-pw)');
    };
    const said = 'Non HTTP response code: java.net.ConnectException for http://127.0.0.1:8080/?token=***&x=1 (-Jquery=token%3D***, password ***)';
    await assert.rejects(runExperiment(config(dir, { levels: [10], targetUrl: target }), { ...w, load }), (e: Error) => {
      assert.equal(e.message, said);
      assert.ok(!/t0k3n-s3cret-value|t4rget-pw/.test(e.stack ?? ''), e.stack);
      return true;
    });
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json'));
    const text = fs.readFileSync(path.join(dir, files[0]), 'utf8');
    assert.ok(!/t0k3n-s3cret-value|t4rget-pw/.test(text), text);
    const json = JSON.parse(text);
    assert.equal(json.status, 'failed');
    assert.equal(json.error, said);
  });

  it('an error that cannot be changed (a DOMException, a frozen error) is stored and thrown, never replaced by a TypeError; one quoting a credential is thrown as a redacted copy of its class', async () => {
    const target = 'http://bob:t4rget-pw@127.0.0.1:8080/?token=t0k3n-s3cret-value';
    const run = async (thrown: unknown) => {
      const out = fs.mkdtempSync(path.join(dir, 'run-'));
      let caught: unknown;
      await assert.rejects(runExperiment(config(out, { levels: [10], targetUrl: target }), { ...world(), load: async () => { throw thrown; } }), (e) => { caught = e; return true; });
      const json = JSON.parse(fs.readFileSync(path.join(out, fs.readdirSync(out).find((f) => f.endsWith('.json'))!), 'utf8'));
      assert.equal(json.status, 'failed');
      return { caught: caught as Error, stored: json.error as string };
    };
    // Nothing to redact: the very error goes on (an AbortError is still one for whoever catches it).
    for (const e of [new DOMException('The operation was aborted.', 'AbortError'), new DOMException('The operation timed out.', 'TimeoutError'), Object.freeze(new Error('socket hang up'))]) {
      const r = await run(e);
      assert.equal(r.caught, e);
      assert.equal(r.stored, e.message);
    }
    // A credential in it: a copy says it without, the original is left as it was.
    const said = 'request to http://127.0.0.1:8080/?token=*** failed (token ***)';
    const frozen = Object.freeze(new PrometheusError(`request to ${target} failed (token t0k3n-s3cret-value)`, 'unreachable'));
    const r1 = await run(frozen);
    assert.ok(r1.caught instanceof PrometheusError && r1.caught !== frozen);
    assert.deepEqual([r1.caught.name, r1.caught.kind, r1.caught.message, r1.stored], ['PrometheusError', 'unreachable', said, said]);
    assert.ok(!/t0k3n-s3cret-value|t4rget-pw/.test(r1.caught.stack ?? ''), r1.caught.stack);
    assert.match(frozen.message, /t0k3n-s3cret-value/);
    const dom = new DOMException(`request to ${target} failed (token t0k3n-s3cret-value)`, 'AbortError');
    const r2 = await run(dom);
    assert.deepEqual([r2.caught.name, r2.caught.message, r2.stored], ['AbortError', said, said]);
    assert.ok(!/t0k3n-s3cret-value|t4rget-pw/.test(r2.caught.stack ?? ''), r2.caught.stack);
  });

  it('a plan whose restore fails stores the restore error without the run\'s credentials, whatever the error is', async () => {
    const target = 'http://127.0.0.1:8080/?api_key=k3y-s3cret-value';
    for (const [thrown, said] of [
      [Object.freeze(new Error(`scale request for ${target} refused (api_key k3y-s3cret-value)`)), 'scale request for http://127.0.0.1:8080/?api_key=*** refused (api_key ***)'],
      [new DOMException('The operation was aborted.', 'AbortError'), 'The operation was aborted.'],
    ] as const) {
      const out = fs.mkdtempSync(path.join(dir, 'plan-'));
      const notes: Array<{ restored: boolean; restoreError?: string }> = [];
      const scaler = {
        current: async () => 3,
        scale: async () => undefined,
        restore: async () => { throw thrown; },
        describe: () => ({ workload: 'Deployment/cart', namespace: 'shop', restoreCommand: 'kubectl -n shop scale deployment/cart --replicas=3' }),
      };
      const results = await runExperimentPlan({ ...config(out, { levels: [10], targetUrl: target }), replicas: [1, 2] }, scaler, { ...world(), onScaling: (n) => notes.push(n) });
      assert.equal(results.length, 2);
      for (const r of results) {
        const text = fs.readFileSync(r.jsonPath, 'utf8');
        assert.ok(!text.includes('k3y-s3cret-value'), text);
        assert.deepEqual([JSON.parse(text).scaling.restored, JSON.parse(text).scaling.restoreError], [false, said]);
      }
      assert.deepEqual(notes.at(-1)?.restoreError, said);
    }
  });

  it('a plan that scales a workload notes its original count from the start and puts it back: at the end, on error, on cancel', async () => {
    const calls: string[] = [];
    let replicas = 3;
    const notesAtStart: unknown[] = [];
    const scaler = (failAt?: number) => ({
      current: async () => replicas,
      scale: async (r: number) => {
        // the JSON of the run exists before the workload is touched, with the note in it
        const running = fs.readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')))
          .filter((d) => d.status === 'running');
        notesAtStart.push(running.map((d) => d.scaling));
        calls.push(`scale ${r}`); replicas = r;
        if (r === failAt) throw new Error('pods never became ready');
      },
      restore: async (r: number) => { calls.push(`restore ${r}`); replicas = r; },
      describe: (r: number) => ({ workload: 'Deployment/cart', namespace: 'shop', restoreCommand: `kubectl -n shop scale deployment/cart --replicas=${r}` }),
    });
    const done = await runExperimentPlan({ ...config(dir, { levels: [10] }), replicas: [1, 2] }, scaler(), world());
    assert.deepEqual(calls, ['scale 1', 'scale 2', 'restore 3']);
    assert.equal(replicas, 3);
    // The count about to be set is on disk too (scaledTo): after a kill -9 a rerun restores only over it.
    assert.deepEqual(notesAtStart[0], [{ workload: 'Deployment/cart', namespace: 'shop', restoreCommand: 'kubectl -n shop scale deployment/cart --replicas=3', originalReplicas: 3, restored: false, scaledTo: 1 }]);
    for (const r of done) assert.deepEqual(JSON.parse(fs.readFileSync(r.jsonPath, 'utf8')).scaling, { workload: 'Deployment/cart', namespace: 'shop', restoreCommand: 'kubectl -n shop scale deployment/cart --replicas=3', originalReplicas: 3, restored: true, scaledTo: 2 });

    calls.length = 0;
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir);
    await assert.rejects(runExperimentPlan({ ...config(dir, { levels: [10] }), replicas: [1, 2] }, scaler(2), world()), /pods never became ready/);
    assert.deepEqual(calls, ['scale 1', 'scale 2', 'restore 3']);
    const failed = fs.readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')));
    assert.deepEqual(failed.map((d) => [d.status, d.scaling.restored]).sort(), [['complete', true], ['failed', true]]);

    calls.length = 0;
    const controller = new AbortController();
    const w = world({ abortAtLevel: 0, controller });
    const cancelled = await runExperimentPlan({ ...config(dir, { levels: [10] }), replicas: [1, 2] }, scaler(), { ...w, signal: controller.signal });
    assert.deepEqual(calls, ['scale 1', 'restore 3']);
    assert.equal(cancelled[0].document.status, 'partial');
    assert.equal(JSON.parse(fs.readFileSync(cancelled[0].jsonPath, 'utf8')).scaling.restored, true);
  });

  // Before: the rerun read the killed run's 4 as the original count, and "restored" 4 at the end.
  it('a plan after a kill -9 takes the original count from the killed run\'s pending note (same workload and context only), puts it back, and settles that note', async () => {
    const cmd = (r: number) => `kubectl --context prod -n shop scale deployment/cart --replicas=${r}`;
    const record = (file: string, started: number, scaling: Record<string, unknown>) => fs.writeFileSync(path.join(dir, file), JSON.stringify({
      schema: 'mora.experiment/1', id: file.replace(/\.json$/, ''), status: 'running', timings: { started, finished: started, levels: [] }, files: { json: file }, scaling,
    }));
    const pending = { workload: 'Deployment/cart', namespace: 'shop', context: 'prod', restoreCommand: cmd(1), originalReplicas: 1, restored: false, scaledTo: 4 };
    record('killed.json', 100, pending);
    record('other-context.json', 50, { ...pending, context: 'staging', originalReplicas: 7 });
    record('other-workload.json', 60, { ...pending, workload: 'Deployment/web', originalReplicas: 9 });
    record('history.json', 10, { ...pending, originalReplicas: 5, restored: true });
    let replicas = 4;
    const calls: string[] = [];
    const scaler = {
      current: async () => replicas,
      scale: async (r: number) => {
        // This run's note is on disk with the count it sets before the workload changes (a kill now: the rerun knows it).
        const mine = fs.readdirSync(dir).filter((f) => f.startsWith('sample-svc-')).map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')));
        assert.deepEqual(mine.map((d) => [d.scaling.originalReplicas, d.scaling.scaledTo]), [[1, r]]);
        calls.push(`scale ${r}`); replicas = r;
      },
      restore: async (r: number, expected?: number) => { calls.push(`restore ${r} over ${expected}`); replicas = r; },
      describe: (r: number) => ({ workload: 'Deployment/cart', namespace: 'shop', context: 'prod', restoreCommand: cmd(r) }),
    };
    const said: string[] = [];
    const [run] = await runExperimentPlan({ ...config(dir, { levels: [10] }), replicas: [2] }, scaler, { ...world(), onPending: (m) => said.push(m) });
    assert.deepEqual(calls, ['scale 2', 'restore 1 over 2']);
    assert.equal(replicas, 1);
    assert.deepEqual(said, ['Deployment/cart in namespace shop has 4 replica(s), but an earlier run (killed.json) left it scaled from 1 and did not restore it: MOrA takes 1 as its original count']);
    const read = (f: string) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')).scaling;
    assert.deepEqual(read(path.basename(run.jsonPath)), { workload: 'Deployment/cart', namespace: 'shop', context: 'prod', restoreCommand: cmd(1), originalReplicas: 1, restored: true, scaledTo: 2 });
    assert.deepEqual(read('killed.json'), { ...pending, restored: true });
    // Another kube context or another workload is another debt: left as it is.
    assert.deepEqual([read('other-context.json').restored, read('other-workload.json').restored, read('history.json').originalReplicas], [false, false, 5]);

    // Cancelled before it scales: the debt is still paid (over the count the killed run set).
    record('killed-again.json', 200, { ...pending, scaledTo: 3 });
    replicas = 3;
    calls.length = 0;
    const controller = new AbortController();
    controller.abort();
    await runExperimentPlan({ ...config(dir, { levels: [10] }), replicas: [2] }, scaler, { ...world(), signal: controller.signal });
    assert.deepEqual([calls, replicas, read('killed-again.json').restored], [['restore 1 over 3'], 1, true]);
  });

  it('a killed run\'s note whose count the owner changed since: the live count is the original, the note is settled as skipped (as runPlan does)', async () => {
    const cmd = (r: number) => `kubectl --context prod -n shop scale deployment/cart --replicas=${r}`;
    const pending = { workload: 'Deployment/cart', namespace: 'shop', context: 'prod', restoreCommand: cmd(2), originalReplicas: 2, restored: false, scaledTo: 4 };
    fs.writeFileSync(path.join(dir, 'killed.json'), JSON.stringify({ schema: 'mora.experiment/1', id: 'killed', status: 'running', timings: { started: 100, finished: 100, levels: [] }, files: { json: 'killed.json' }, scaling: pending }));
    // The killed run left cart at 4; its owner has since set 7 by hand.
    const scaler = cartScaler(7);
    const said: string[] = [];
    const [run] = await runExperimentPlan({ ...config(dir, { levels: [10] }), replicas: [3] }, scaler, { ...world(), onPending: (m) => said.push(m) });
    assert.deepEqual(scaler.calls, ['scale 3', 'restore 7 over 3']);
    assert.equal(scaler.replicas, 7, 'the owner\'s count, not the killed run\'s original 2');
    assert.deepEqual(said, [`Deployment/cart in namespace shop has 7 replica(s), not the count experiment killed.json (${path.join(dir, 'killed.json')}) set (4) when it was killed: the count was changed since, so MOrA takes 7 as its original count and leaves that note settled as skipped`]);
    const read = (f: string) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')).scaling;
    assert.deepEqual(read(path.basename(run.jsonPath)), { workload: 'Deployment/cart', namespace: 'shop', context: 'prod', restoreCommand: cmd(7), originalReplicas: 7, restored: true, scaledTo: 3 });
    const killed = read('killed.json');
    assert.equal(killed.restored, false);
    assert.equal(killed.restoreSkipped, `Deployment/cart had 7 replica(s), not the 4 that run set, when mora experiment (${dir}) noted it: the count was changed since, and MOrA left it (7 is that run's original count)`);
  });

  // Before 2026-12-01 each run looked at the records, then wrote its own: two runs started at the same instant both
  // found no other run's note and both scaled the workload, each restoring over the other's count.
  it('two mora experiment runs started at the same instant on one workload: exactly one scales it, the other is refused naming it (5 times over)', async () => {
    for (let round = 0; round < 5; round++) {
      const parent = fs.mkdtempSync(path.join(dir, `round-${round}-`));
      const scaler = cartScaler(2); // one workload, shared by both runs
      const outs = ['a', 'b'].map((n) => path.join(parent, n));
      const runs = await Promise.allSettled(outs.map((out) => runExperimentPlan({ ...config(out, { levels: [10] }), replicas: [3] }, scaler, world())));
      const won = runs.filter((r) => r.status === 'fulfilled');
      const lost = runs.flatMap((r, i) => (r.status === 'rejected' ? [{ error: r.reason as Error, other: outs[1 - i] }] : []));
      assert.equal(won.length, 1, `round ${round}: ${runs.map((r) => r.status).join(', ')}`);
      assert.equal(lost.length, 1);
      const { error, other } = lost[0];
      assert.equal(error.name, 'PlanLockedError');
      assert.match(error.message, new RegExp(`^mora experiment: Deployment/cart in namespace shop \\(context prod\\) \\(service Sample Svc\\) is being scaled by mora experiment \\(out ${other.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\) \\(pid ${process.pid} on ${os.hostname().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, started [^;]+; lock [^)]+\\.lock\\): nothing was scaled or sent; `));
      assert.deepEqual(scaler.calls, ['scale 3', 'restore 2 over 3'], 'scaled and restored once');
      assert.equal(scaler.replicas, 2);
      assert.deepEqual(fs.readdirSync(parent).filter((f) => f.endsWith('.lock')), [], 'the lock released');
    }
  });

  for (const kind of ['experiment', 'plan'] as const) {
    it(`${kind === 'plan' ? 'a plan' : 'an experiment'} still running (its lock held) with a pending note on the workload: mora experiment is refused before it scales, that note left as it is`, async () => {
      const cmd = (r: number) => `kubectl --context prod -n shop scale deployment/cart --replicas=${r}`;
      const pending = { workload: 'Deployment/cart', namespace: 'shop', context: 'prod', restoreCommand: cmd(2), originalReplicas: 2, restored: false, scaledTo: 4 };
      const lock = kind === 'plan' ? 'a.lock' : 'experiment-1-2-abcdef.lock';
      const file = kind === 'plan' ? 'a.json' : 'running.json';
      const doc = kind === 'plan'
        ? { schema: 'mora.experiment-plan/1', name: 'a', started: 100, scaling: { cart: pending } }
        : { schema: 'mora.experiment/1', id: 'running', status: 'running', timings: { started: 100, finished: 100, levels: [] }, files: { json: file }, lock, scaling: pending };
      fs.writeFileSync(path.join(dir, file), JSON.stringify(doc));
      fs.writeFileSync(path.join(dir, lock), `${JSON.stringify({ pid: process.pid, hostname: os.hostname(), started: '2026-11-30T20:00:00.000Z' })}\n`);
      const scaler = cartScaler(4);
      const before = fs.readdirSync(dir).sort();
      const name = kind === 'plan' ? 'a' : file;
      const who = kind === 'plan' ? 'a' : 'that experiment';
      await assert.rejects(runExperimentPlan({ ...config(dir, { levels: [10] }), replicas: [3] }, scaler, world()), (e: Error) => {
        assert.equal(e.name, 'WorkloadScaledElsewhereError');
        assert.equal(e.message, `mora experiment: Deployment/cart in namespace shop (context prod) (service ${config(dir).service}) is being scaled by ${kind} ${name}, which is running (pid ${process.pid} on ${os.hostname()}, started 2026-11-30T20:00:00.000Z; its record ${path.join(dir, file)}): nothing was scaled or sent; run it again once ${who} has ended; if ${who} is not running, delete ${path.join(dir, lock)}`);
        return true;
      });
      assert.deepEqual([scaler.calls, scaler.replicas], [[], 4]);
      assert.deepEqual(fs.readdirSync(dir).sort(), before, 'nothing written, no lock of its own left');
      assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')), doc);
    });
  }

  it('judges completeness after the first rate window: a request counter that appears with the first request is not a data gap', async () => {
    // As on a busy machine with 1 s scrapes: the counter shows up with the first request, rate() has it 3 scrapes later.
    const w = world({ requestRateFrom: 3 });
    const r = await runExperiment(config(dir, { levels: [15, 60], durationSeconds: 6, scrapeIntervalSeconds: 1 }), w);
    const v = r.document.validation!;
    assert.equal(v.ok, true, v.messages.join('; '));
    assert.ok(v.metrics.request_rate!.completeness >= 0.8, `${v.metrics.request_rate!.completeness}`);
    // A real hole inside the run still counts.
    const holes = world({ requestRateFrom: 8 });
    const h = await runExperiment(config(dir, { levels: [15, 60], durationSeconds: 6, scrapeIntervalSeconds: 1 }), holes);
    assert.equal(h.document.validation!.ok, false);
    assert.match(h.document.validation!.messages.join('; '), /request_rate: only \d+% of the expected samples/);
  });

  it('summarises a level only from rows whose whole rate window lies inside it, never one reaching into the next level', async () => {
    const w = world({ rateWindowSeconds: 60 });
    const d = (await runExperiment(config(dir, { levels: [10, 50], durationSeconds: 60, scrapeIntervalSeconds: 15 }), w)).document;
    assert.equal(d.config.rateWindowSeconds, 60);
    const [first] = d.summary!.levels;
    assert.ok(first.rows >= 1, `${first.rows} rows`);
    assert.ok(Math.abs(first.means.request_rate! - 10) < 1e-9, `level 10 summarised as ${first.means.request_rate} req/s`);
    assert.equal(first.note, undefined);
    // The CLI's default --duration (90 s) at the default 15 s scrape: three rows a level, so a late scrape still leaves some.
    const byDefault = (await runExperiment(config(dir, { levels: [10, 50], durationSeconds: 90, scrapeIntervalSeconds: 15 }), world({ rateWindowSeconds: 60 }))).document;
    for (const l of byDefault.summary!.levels) assert.ok(l.rows >= 3 && l.note === undefined, `level ${l.level}: ${l.rows} rows`);
  });

  it('a level shorter than its rate window gets no summary and a note saying how to get one, not rows of the next level', async () => {
    const w = world({ rateWindowSeconds: 60 });
    const d = (await runExperiment(config(dir, { levels: [10, 50], durationSeconds: 30, scrapeIntervalSeconds: 15 }), w)).document;
    const [first] = d.summary!.levels;
    assert.equal(first.rows, 0);
    assert.equal(first.means.request_rate, undefined);
    assert.match(first.note!, /no row whose 60 s rate window lies inside its 30 s.*--duration 75s/);
    assert.ok(d.validation!.messages.some((m) => m === first.note), 'the note is among the messages the CLI prints');
  });

  it('marks a level served well short of its asked rate as saturated (the plan gate\'s rule), in the JSON and the printed messages', async () => {
    const w = world({ servedCap: 30 });
    const r = await runExperiment(config(dir, { levels: [10, 32, 100] }), w);
    const d = r.document;
    assert.equal(d.status, 'complete', 'saturation is a finding, not a failure');
    const json = JSON.parse(fs.readFileSync(r.jsonPath, 'utf8')) as typeof d;
    assert.deepEqual(json.timings.levels.map((l) => Boolean(l.saturated)), [false, false, true], '30 of 32 req/s is within 90%; 30 of 100 is not');
    assert.match(json.timings.levels[2].saturated!, /^saturated: served 30\.0 of the asked 100\.0 req\/s \(30%, less than 90%\)/);
    assert.deepEqual(json.summary!.levels.map((l) => Boolean(l.saturated)), [false, false, true]);
    assert.ok(json.validation!.messages.some((m) => /^level 100 req\/s saturated/.test(m)), json.validation!.messages.join('; '));
  });

  it('rejects bad configurations before sending any load', async () => {
    const w = world();
    await assert.rejects(runExperiment(config(dir, { levels: [] }), w), /no load levels/);
    await assert.rejects(runExperiment(config(dir, { levels: [10, -5] }), w), /-5 is not a positive/);
    await assert.rejects(runExperiment(config(dir, { targetUrl: 'ftp://x' }), w), /not an http\(s\) URL/);
    assert.equal(w.ran.length, 0);
  });

  it('writes and reads the unified CSV: timestamp, the 12 metrics, load_level, replicas, then asked_rate, achieved_rate, saturated; empty cells for gaps', () => {
    assert.deepEqual([...EXPERIMENT_CSV_COLUMNS], ['timestamp', ...METRIC_NAMES, 'load_level', 'replicas', 'asked_rate', 'achieved_rate', 'saturated']);
    const t = Float64Array.from([100, 105, 110]);
    const text = experimentCsv({
      t, values: { cpu_usage: Float64Array.from([0.1, NaN, 0.30000000000000004]) }, loadLevel: Float64Array.from([5, 5, 9]), replicas: Float64Array.from([1, 1, 1]),
      askedRate: Float64Array.from([5, 5, 9]), achievedRate: Float64Array.from([4.98, 4.98, 6.5]), saturated: Float64Array.from([0, 0, 1]),
    });
    assert.equal(text.split('\n')[2], `105${','.repeat(13)}5,1,5,4.98,0`);
    assert.equal(text.split('\n')[3], `110,0.3${','.repeat(12)}9,1,9,6.5,1`);
    const back = parseExperimentCsv(text);
    assert.deepEqual([...back.values.cpu_usage!].map((x) => (Number.isNaN(x) ? null : x)), [0.1, null, 0.3]);
    assert.ok(back.values.memory_rss!.every(Number.isNaN));
    assert.deepEqual([...back.saturated!], [0, 0, 1]);
    assert.deepEqual([...back.achievedRate!], [4.98, 4.98, 6.5]);
    assert.throws(() => parseExperimentCsv('a,b\n1,2'), /no "timestamp" column/);
  });

  it('reads a CSV written before the rate columns existed: its rows, with unknown (NaN) rates', () => {
    const old = `${['timestamp', ...METRIC_NAMES, 'load_level', 'replicas'].join(',')}\n100${','.repeat(13)}5,1\n`;
    const back = parseExperimentCsv(old);
    assert.deepEqual([...back.t], [100]);
    assert.deepEqual([...back.loadLevel], [5]);
    assert.ok([...back.askedRate!, ...back.achievedRate!, ...back.saturated!].every(Number.isNaN));
  });

  it('parses --duration and --levels, with one-line errors', () => {
    assert.equal(parseDuration('--duration', '20s'), 20);
    assert.equal(parseDuration('--duration', '1m30s'), 90);
    assert.equal(parseDuration('--duration', '45'), 45);
    assert.throws(() => parseDuration('--duration', '20 parsecs'), (e: Error) => e instanceof UserError && /not a duration/.test(e.message));
    assert.deepEqual(parseLevels('10, 50,100'), [10, 50, 100]);
    assert.throws(() => parseLevels('10,x'), /"x" is not a positive request rate/);
  });

  it('cancelled while waiting for the replicas of the second count: that run is partial (not failed), the first kept, the count restored', async () => {
    const controller = new AbortController();
    const calls: string[] = [];
    let replicas = 3;
    const scaler = {
      current: async () => replicas,
      // What kubeScaler does on Ctrl-C while it polls for ready replicas: it throws once the signal is aborted.
      scale: async (r: number) => {
        calls.push(`scale ${r}`); replicas = r;
        if (r === 2) { controller.abort(); throw new Error('cancelled while waiting for Deployment "cart" to have 2 ready replicas'); }
      },
      restore: async (r: number) => { calls.push(`restore ${r}`); replicas = r; },
    };
    const results = await runExperimentPlan({ ...config(dir, { levels: [10] }), replicas: [1, 2] }, scaler, { ...world(), signal: controller.signal });
    assert.deepEqual(results.map((r) => r.document.status), ['complete', 'partial']);
    assert.equal(results[1].document.error, undefined);
    assert.match(results[1].document.interrupted ?? '', /cancelled/);
    assert.deepEqual(calls, ['scale 1', 'scale 2', 'restore 3']);
    for (const r of results) assert.equal(JSON.parse(fs.readFileSync(r.jsonPath, 'utf8')).scaling.restored, true);
  });

  it('cancelled while waiting for Prometheus to scrape the target: partial, not failed', async () => {
    const controller = new AbortController();
    let asked = 0;
    const fetchImpl = (async () => {
      if (++asked === 2) controller.abort(); // Ctrl-C on the second look
      return Response.json({ status: 'success', data: { resultType: 'vector', result: [] } });
    }) as unknown as typeof fetch;
    const w = { ...world(), prometheus: new PrometheusClient({ url: 'http://prom:9090', fetch: fetchImpl }) };
    const r = await runExperiment(config(dir), { ...w, signal: controller.signal });
    assert.equal(r.document.status, 'partial');
    assert.equal(r.document.error, undefined);
    assert.equal(w.ran.length, 0, 'no load sent');
    assert.equal(JSON.parse(fs.readFileSync(r.jsonPath, 'utf8')).status, 'partial');
  });

  it('mora experiment: some levels failed and others measured is exit 4 (partial), naming the failed level, with the results printed', async () => {
    // A target that answers its first 12 requests (the 10 req/s level) and 500 after (the 20 req/s level fails).
    let served = 0;
    const target = http.createServer((_req, res) => { res.statusCode = ++served <= 12 ? 200 : 500; res.end('ok'); });
    // A Prometheus whose every instant query says "scraped after now" and every range query a steady series.
    const prom = http.createServer((req, res) => {
      const u = new URL(req.url!, 'http://x');
      res.setHeader('content-type', 'application/json');
      const now = Date.now() / 1000 + 100;
      if (u.pathname.endsWith('/query_range')) {
        let body = '';
        req.on('data', (c) => (body += c));
        req.on('end', () => {
          const p = new URLSearchParams(body || u.search);
          const [start, end, step] = ['start', 'end', 'step'].map((k) => Number(p.get(k)));
          const values: Array<[number, string]> = [];
          for (let t = start; t <= end; t += step) values.push([t, '2']);
          res.end(JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [{ metric: {}, values }] } }));
        });
        return;
      }
      res.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [now, String(now)] }] } }));
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    await new Promise<void>((r) => prom.listen(0, '127.0.0.1', r));
    try {
      let out = '';
      let err = '';
      const code = await experimentCommand({ target: `http://127.0.0.1:${(target.address() as AddressInfo).port}/`, prometheus: `http://127.0.0.1:${(prom.address() as AddressInfo).port}`, levels: '10,20', duration: '1s', out: dir, scrapeInterval: '1s', format: 'json' },
        (s) => (out += s), (s) => (err += s));
      const doc = JSON.parse(out) as { status: string; json: string };
      assert.equal(doc.status, 'complete', err);
      const levels = (JSON.parse(fs.readFileSync(doc.json, 'utf8')) as { timings: { levels: Array<{ level: number; failed?: string }> } }).timings.levels;
      assert.deepEqual(levels.map((l) => l.failed === undefined), [true, false], err);
      assert.equal(code, 4, err);
      assert.match(err, /mora: partial: 1 level\(s\) failed .*: 20 req\/s at 1 replica\(s\): /);
    } finally {
      target.close();
      prom.close();
    }
  });

  it('mora experiment: Ctrl-C while waiting for the first scrape exits 130 with a partial record, not exit 2', async () => {
    const controller = new AbortController();
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        res.setHeader('content-type', 'application/json');
        // The pre-check's vector(1) answers; Ctrl-C comes once MOrA asks for the target's first scrapes.
        if (new URLSearchParams(body).get('query') === 'vector(1)') return res.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [Date.now() / 1000, '1'] }] } }));
        controller.abort();
        res.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [] } }));
      });
    });
    // A target that answers (the one GET before the wait); no load reaches it.
    const target = http.createServer((_req, res) => res.end('ok'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as AddressInfo).port;
      let out = '';
      const code = await experimentCommand({ target: `http://127.0.0.1:${(target.address() as AddressInfo).port}/`, prometheus: `http://127.0.0.1:${port}`, levels: '10', duration: '1s', out: dir, scrapeInterval: '1s', format: 'json' },
        (s) => (out += s), () => undefined, controller.signal);
      assert.equal(code, 130);
      assert.equal(JSON.parse(out).status, 'partial');
    } finally {
      server.close();
      target.close();
    }
  });

  // An unreachable Prometheus is found before anything is written: it measured nothing, so --out stays as it was.
  // Before: exit 3 with --out created and a record "status": "failed" in it ("run written to …").
  it('mora experiment with Prometheus unreachable: exit 3 naming --prometheus, --out not created, an existing folder left as it was', async () => {
    const port = await closedPort();
    const target = http.createServer((_req, res) => res.end('ok'));
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(target.address() as AddressInfo).port}/`;
      const fresh = path.join(dir, 'results');
      fs.mkdirSync(path.join(dir, 'kept'));
      fs.writeFileSync(path.join(dir, 'kept', 'mine.txt'), 'x');
      for (const out of [fresh, path.join(dir, 'kept')]) {
        let stderr = '';
        const err = await experimentCommand({ target: url, prometheus: `http://127.0.0.1:${port}`, levels: '10', duration: '1s', out, scrapeInterval: '1s', format: 'json' },
          () => assert.fail('nothing on stdout'), (s) => (stderr += s)).then(() => assert.fail('expected an error'), (e: Error) => e);
        assert.ok(err instanceof UserError, String(err));
        assert.equal(err.exitCode, 3);
        assert.equal(err.message, `Prometheus at http://127.0.0.1:${port} refused the connection — is it running? check --prometheus; nothing was sent or written`);
        assert.equal(stderr, '');
      }
      assert.equal(fs.existsSync(fresh), false, '--out is not created');
      assert.deepEqual(fs.readdirSync(path.join(dir, 'kept')), ['mine.txt']);
    } finally {
      target.close();
    }
  });

  /** A Prometheus that answers queries only (a query-only front end such as prom-label-proxy): the build info is `buildInfo`. */
  async function queryOnlyPrometheus(buildInfo: { status: number; body: string }, auth?: string): Promise<http.Server> {
    const prom = http.createServer((req, res) => {
      const u = new URL(req.url!, 'http://x');
      res.setHeader('content-type', 'application/json');
      if (auth !== undefined && req.headers.authorization !== auth) {
        res.statusCode = 401;
        return res.end(JSON.stringify({ status: 'error', errorType: 'unauthorized', error: 'no token' }));
      }
      if (!u.pathname.startsWith('/api/v1/query')) {
        res.statusCode = buildInfo.status;
        return res.end(buildInfo.body);
      }
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const p = new URLSearchParams(body || u.search);
        if (u.pathname.endsWith('/query_range')) {
          const [start, end, step] = ['start', 'end', 'step'].map((k) => Number(p.get(k)));
          const values: Array<[number, string]> = [];
          for (let t = start; t <= end; t += step) values.push([t, '2']);
          return res.end(JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [{ metric: {}, values }] } }));
        }
        const now = Date.now() / 1000 + 100;
        res.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [now, String(now)] }] } }));
      });
    });
    await new Promise<void>((r) => prom.listen(0, '127.0.0.1', r));
    return prom;
  }

  // Since 2390737 the pre-check asked /api/v1/status/buildinfo, and a front end that answers only queries stopped the
  // whole run: '{}' was exit 2 "not a Prometheus API answer for the build info", a 404 exit 3. The run only needs queries.
  for (const [name, buildInfo] of [['404s', { status: 404, body: '404 page not found' }], ['answers {} to', { status: 200, body: '{}' }]] as const) {
    it(`mora experiment with a Prometheus front end that ${name} the build info but answers queries: the run goes on and is measured`, async () => {
      const target = http.createServer((_req, res) => res.end('ok'));
      await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
      const prom = await queryOnlyPrometheus(buildInfo);
      try {
        let out = '';
        let err = '';
        const code = await experimentCommand({ target: `http://127.0.0.1:${(target.address() as AddressInfo).port}/`, prometheus: `http://127.0.0.1:${(prom.address() as AddressInfo).port}`, levels: '10', duration: '1s', out: dir, scrapeInterval: '1s', format: 'json' },
          (s) => (out += s), (s) => (err += s));
        assert.equal(code, 0, err);
        const doc = JSON.parse(out) as { status: string; json: string };
        assert.equal(doc.status, 'complete', err);
        assert.ok(fs.existsSync(doc.json));
      } finally {
        target.close();
        prom.close();
      }
    });
  }

  it('mora experiment with a Prometheus that refuses the credentials (401): exit 3 before anything is sent or written', async () => {
    let hits = 0;
    const target = http.createServer((_req, res) => { hits++; res.end('ok'); });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    const prom = await queryOnlyPrometheus({ status: 404, body: '' }, 'Bearer right');
    const fresh = path.join(dir, 'results');
    try {
      const err = await experimentCommand({ target: `http://127.0.0.1:${(target.address() as AddressInfo).port}/`, prometheus: `http://127.0.0.1:${(prom.address() as AddressInfo).port}`, levels: '10', duration: '1s', out: fresh, scrapeInterval: '1s', format: 'json' },
        () => assert.fail('nothing on stdout'), () => undefined).then(() => assert.fail('expected an error'), (e: Error) => e);
      assert.ok(err instanceof UserError && err.exitCode === 3, String(err));
      assert.match(err.message, /answered 401 .*; nothing was sent or written$/);
      assert.equal(fs.existsSync(fresh), false, '--out is not created');
      assert.equal(hits, 0, 'no request was sent to the target');
    } finally {
      target.close();
      prom.close();
    }
  });

  // README: --out is left as it was when Prometheus cannot be used. Before: any answer passed the pre-check, so a URL
  // answering a login page (HTML, 200) or 501 created --out with a "status": "failed" record (exit 3, "run written to").
  for (const [name, status, body, said] of [
    ['an HTML login page with 200', 200, '<!doctype html><title>Sign in</title>', /answered an HTML page \("Sign in"\), not Prometheus' JSON, for query vector\(1\): the login page of a proxy .* — check --prometheus: it must be the base URL of a Prometheus \(or of a proxy in front of one\) whose \/api\/v1\/query answers; nothing was sent or written$/],
    ['501 Not Implemented', 501, 'not implemented', /answered 501 Not Implemented for query vector\(1\): not implemented — check --prometheus: .*; nothing was sent or written$/],
  ] as const) {
    it(`mora experiment --prometheus <a URL answering ${name}>: exit 3, one line naming --prometheus, --out untouched, nothing sent`, async () => {
      let hits = 0;
      const target = http.createServer((_req, res) => { hits++; res.end('ok'); });
      await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
      const page = http.createServer((_req, res) => res.writeHead(status, { 'content-type': 'text/html' }).end(body));
      await new Promise<void>((r) => page.listen(0, '127.0.0.1', r));
      const fresh = path.join(dir, 'results');
      fs.mkdirSync(path.join(dir, 'kept'));
      fs.writeFileSync(path.join(dir, 'kept', 'mine.txt'), 'x');
      try {
        for (const out of [fresh, path.join(dir, 'kept')]) {
          let stderr = '';
          const err = await experimentCommand({ target: `http://127.0.0.1:${(target.address() as AddressInfo).port}/`, prometheus: `http://127.0.0.1:${(page.address() as AddressInfo).port}`, levels: '10', duration: '1s', out, scrapeInterval: '1s', format: 'json' },
            () => assert.fail('nothing on stdout'), (s) => (stderr += s)).then(() => assert.fail('expected an error'), (e: Error) => e);
          assert.ok(err instanceof UserError && err.exitCode === 3, String(err));
          assert.match(err.message, said);
          assert.equal(err.message.includes('\n'), false, 'one line');
          assert.equal(stderr, '');
        }
        assert.equal(fs.existsSync(fresh), false, '--out is not created');
        assert.deepEqual(fs.readdirSync(path.join(dir, 'kept')), ['mine.txt']);
        assert.equal(hits, 0, 'no request was sent to the target');
      } finally {
        target.close();
        page.close();
      }
    });
  }

  // Before: the scheme was checked only in the runner, after the Prometheus pre-check: exit 3 about Prometheus.
  it('mora experiment --target ftp://… with Prometheus unreachable: exit 2 naming --target, before Prometheus is asked', async () => {
    const port = await closedPort();
    for (const target of ['ftp://x', 'ftp://bob:t4rget-pw@x/']) {
      const err = await experimentCommand({ target, prometheus: `http://127.0.0.1:${port}`, levels: '10', duration: '5s', out: path.join(dir, 'results'), scrapeInterval: '15s', format: 'text' },
        () => assert.fail('nothing on stdout'), () => assert.fail('nothing on stderr')).then(() => assert.fail('expected an error'), (e: Error) => e);
      assert.ok(err instanceof UserError, String(err));
      assert.equal(err.exitCode, 2, err.message);
      assert.match(err.message, /^--target "ftp:\/\/(x|x\/)" is not an http\(s\) URL \(the scheme is ftp\); expected e\.g\. http:\/\/127\.0\.0\.1:8080\/$/);
    }
    assert.equal(fs.existsSync(path.join(dir, 'results')), false);
  });

  /** A Prometheus that answers vector(1) and says "no scrapes yet" (count_over_time(up) empty) `emptyLooks` times, then 5; it records the queries. */
  async function scrapingLater(emptyLooks: number, onLook?: (n: number) => void): Promise<{ server: http.Server; url: string; queries: string[] }> {
    const queries: string[] = [];
    let looks = 0;
    const server = http.createServer((req, res) => {
      const u = new URL(req.url!, 'http://x');
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        res.setHeader('content-type', 'application/json');
        const p = new URLSearchParams(body || u.search);
        const q = p.get('query') ?? '';
        queries.push(q);
        if (u.pathname.endsWith('/query_range')) {
          const [start, end, step] = ['start', 'end', 'step'].map((k) => Number(p.get(k)));
          const values: Array<[number, string]> = [];
          for (let t = start; t <= end; t += step) values.push([t, '2']);
          return res.end(JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [{ metric: {}, values }] } }));
        }
        const now = Date.now() / 1000;
        if (q.startsWith('count_over_time')) {
          onLook?.(++looks);
          if (looks <= emptyLooks) return res.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [] } }));
          return res.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [now, '5'] }] } }));
        }
        res.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [now, '1'] }] } }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, queries };
  }

  // Before: no check of the target; the run waited 10 scrape intervals + 5 s (2 min 35 s at 15 s) for its first
  // scrapes without a word, then exit 3 with a "failed" record in --out.
  it('mora experiment with a --target that refuses connections: exit 3 at once, one line naming --target, no record, no wait', async () => {
    const port = await closedPort();
    const prom = await scrapingLater(Infinity);
    const fresh = path.join(dir, 'results');
    try {
      let stderr = '';
      const err = await experimentCommand({ target: `http://127.0.0.1:${port}/`, prometheus: prom.url, levels: '10', duration: '5s', out: fresh, scrapeInterval: '15s', format: 'text' },
        () => assert.fail('nothing on stdout'), (s) => (stderr += s)).then(() => assert.fail('expected an error'), (e: Error) => e);
      assert.ok(err instanceof UserError, String(err));
      assert.equal(err.exitCode, 3, err.message);
      assert.equal(err.message, `--target http://127.0.0.1:${port}/ refused the connection (ECONNREFUSED) — is the service running and listening there? check --target; nothing was sent or written`);
      assert.equal(stderr, '');
      assert.deepEqual(prom.queries, ['vector(1)'], 'Prometheus asked only the pre-check, no wait for scrapes');
      assert.equal(fs.existsSync(fresh), false, '--out is not created');
    } finally {
      prom.server.close();
    }
  });

  it('mora experiment says on stderr, as the wait starts, that it waits for the first scrapes (how long at most, for what), then that they came', async () => {
    let hits = 0;
    const target = http.createServer((_req, res) => { hits++; res.end('ok'); });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    const targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}/`;
    let stderr = '';
    let atSecondLook = '';
    const prom = await scrapingLater(2, (n) => { if (n === 2) atSecondLook = stderr; });
    try {
      const code = await experimentCommand({ target: targetUrl, prometheus: prom.url, levels: '10', duration: '1s', out: dir, scrapeInterval: '1s', format: 'json' },
        () => undefined, (s) => (stderr += s));
      assert.equal(code, 0, stderr);
      const line = `waiting up to 15 s for Prometheus at ${prom.url} to scrape ${targetUrl} twice (count_over_time(up{instance="127.0.0.1:${(target.address() as AddressInfo).port}"}[5m])); Ctrl-C stops\n`;
      assert.ok(atSecondLook.includes(line), `said while waiting, not after: ${JSON.stringify(atSecondLook)}`);
      assert.match(stderr, /\nPrometheus scrapes the target \(after \d+ s\)\nlevel 1\/1: /);
      assert.ok(hits >= 1);
    } finally {
      target.close();
      prom.server.close();
    }
  });

  it('never prints the credentials of a --target it cannot use', async () => {
    const err = await experimentCommand({ target: 'http://bob:t4rget-pw@[oops/', prometheus: 'http://127.0.0.1:9', levels: '10', duration: '1s', out: dir, scrapeInterval: '1s', format: 'text' },
      () => undefined, () => undefined).then(() => assert.fail('expected an error'), (e: Error) => e);
    assert.ok(err instanceof UserError && err.exitCode === 2, String(err));
    assert.equal(err.message, '--target "http://[oops/" is not a URL; expected e.g. http://127.0.0.1:8080/');
    const q = await experimentCommand({ target: 'http://[oops/?api_key=k3y-s3cret-value', prometheus: 'http://127.0.0.1:9', levels: '10', duration: '1s', out: dir, scrapeInterval: '1s', format: 'text' },
      () => undefined, () => undefined).then(() => assert.fail('expected an error'), (e: Error) => e);
    assert.equal(q.message, '--target "http://[oops/?api_key=***" is not a URL; expected e.g. http://127.0.0.1:8080/');
    await assert.rejects(runExperiment(config(dir, { targetUrl: 'ftp://bob:t4rget-pw@host/' }), world()), (e: Error) => !e.message.includes('t4rget-pw') && /not an http\(s\) URL/.test(e.message));
  });
});
