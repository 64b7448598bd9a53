/**
 * bench:in-cluster — MOrA's in-cluster recommender (`mora recommend --in-cluster`, issue 15) on a fleet: `--workloads`
 * (default 10,000) Deployments in `--namespaces` (default 200), each with a VerticalPodAutoscaler naming MOrA, run as 1,
 * 4 and 8 shards of an Indexed Job. Everything is real except the kubelet: the kube-apiserver of the test harness
 * (test/harness/control-plane.ts) with the upstream VPA CRD (scripts/install-vpa-crd.sh), a real Prometheus backfilled
 * with promtool (`tsdb create-blocks-from openmetrics`, as test/harness/prometheus.ts does, cached under
 * ~/.cache/mora/bench-in-cluster/), and each shard is the real CLI in its own process (as a Job pod runs it), with
 * JOB_COMPLETION_INDEX-style --shard-index / --shards, its usage read through the batched Prometheus plan.
 *
 * The usage is demo-style: the demo shop's eleven service profiles cycled (src/data/demo/generator.ts), each workload
 * with its own seed, traffic noise and a load ×e^N(0, 0.8), one pod each, `--hours` of history (default 6) at 60 s —
 * cAdvisor CPU (counter) and working set, and kube-state-metrics' owner chain (hourly), what the batched plan reads.
 *
 * Per configuration, shards run one after another (2 cores here: in parallel they would only share them): each
 * shard's wall time (process start to exit, and the shard's own `seconds`), Prometheus HTTP requests (counted by a
 * loopback proxy in front of Prometheus), API status writes (the shard's summary). Between configurations every VPA's
 * status is cleared, so each configuration writes all of them. Baseline: the 1-shard run, in the same process.
 *
 * `--write-concurrency 1,16` runs each shard configuration once per value (the shard's --write-concurrency: status writes
 * in flight), to compare the write phase; without it the shards use their default.
 *
 * `--keepalive-baseline` first runs the first shard count with one write in flight and no keep-alive
 * (MORA_KUBE_KEEPALIVE=0): the write path as it was before, as the baseline.
 *
 *   npm run bench:in-cluster [-- --workloads 10000 --namespaces 200 --hours 6 --shards 1,4,8] [--write-concurrency 1,16] [--keepalive-baseline] [--no-cache]
 */
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseAllDocuments } from 'yaml';
import { Rng } from '../../src/core/random';
import { DEFAULT_DEMO_OPTIONS, demoWorkload } from '../../src/data/demo';
import { generateService, timeGrid, trafficShape } from '../../src/data/demo/generator';
import { DEMO_SERVICES, FRONTEND_BASE_RPS } from '../../src/data/demo/services';
import { ControlPlane } from '../../test/harness/control-plane';
import { startPrometheus } from '../../test/harness/prometheus';
import { until } from '../../test/harness/wait';
import { arg } from './args';

type Json = Record<string, unknown>;

const WORKLOADS = arg('workloads', 10_000);
const NAMESPACES = arg('namespaces', 200);
const HOURS = arg('hours', 6);
const SHARDS = (process.argv.includes('--shards') ? process.argv[process.argv.indexOf('--shards') + 1] : '1,4,8').split(',').map(Number);
const CACHE = !process.argv.includes('--no-cache');
/** Per configuration, the shards' --write-concurrency values (undefined: the shard's default). */
const WRITE_CONCURRENCY: Array<number | undefined> = process.argv.includes('--write-concurrency')
  ? process.argv[process.argv.indexOf('--write-concurrency') + 1].split(',').map(Number) : [undefined];
const STEP = 60;
/** Fixed, so the cached backfill stays valid: 2026-11-28 00:00 UTC; the shards evaluate as of then (MORA_NOW). */
const END = Date.UTC(2026, 10, 28) / 1000;
const repo = path.resolve(__dirname, '..', '..');

interface Fleet {
  namespaces: string[];
  workloads: Array<{ ns: string; name: string; rs: string; pod: string; container: string; requests: { cpu: string; memory: string }; profile: number }>;
}

const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
function token(seed: number, len: number): string {
  const rng = new Rng(seed);
  let s = '';
  for (let i = 0; i < len; i++) s += ALPHABET[rng.int(ALPHABET.length)];
  return s;
}

function buildFleet(): Fleet {
  const namespaces = Array.from({ length: NAMESPACES }, (_, k) => `team-${String(k).padStart(3, '0')}`);
  const workloads: Fleet['workloads'] = [];
  for (let i = 0; i < WORKLOADS; i++) {
    const base = DEMO_SERVICES[i % DEMO_SERVICES.length];
    const name = `${base.name}-${String(i).padStart(5, '0')}`;
    const rs = `${name}-${token(i + 1, 10)}`;
    workloads.push({
      ns: namespaces[Math.floor((i * NAMESPACES) / WORKLOADS)], name, rs, pod: `${rs}-${token(i + 1_000_003, 5)}`, container: 'server',
      requests: { cpu: base.requests.cpu ?? '100m', memory: base.requests.memory ?? '128Mi' }, profile: i % DEMO_SERVICES.length,
    });
  }
  return { namespaces, workloads };
}

// ---------------------------------------------------------------------------------------------------------------
// Backfill: demo-style usage → OpenMetrics → promtool → TSDB blocks (cached)

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited ${code}: ${err.slice(-500)}`))));
  });
}

/** Writes the fleet's series for workloads [from, to) to one OpenMetrics file; returns the samples written. */
async function writeChunk(file: string, fleet: Fleet, from: number, to: number): Promise<number> {
  const opts = { ...DEFAULT_DEMO_OPTIONS, step: STEP, days: HOURS / 24, end: END };
  const grid = timeGrid(opts);
  const out = fs.createWriteStream(file);
  const write = async (s: string) => { if (!out.write(s)) await new Promise<void>((r) => out.once('drain', () => r())); };
  let samples = 0;
  const cpu: string[] = ['# TYPE container_cpu_usage_seconds counter\n'];
  const mem: string[] = ['# TYPE container_memory_working_set_bytes gauge\n'];
  const owners: string[] = ['# TYPE kube_pod_owner gauge\n'];
  const rsOwners: string[] = ['# TYPE kube_replicaset_owner gauge\n'];
  for (let i = from; i < to; i++) {
    const w = fleet.workloads[i];
    const rng = new Rng(DEFAULT_DEMO_OPTIONS.seed + 7919 * (i + 1));
    const base = DEMO_SERVICES[w.profile];
    const profile = { ...base, fanout: base.fanout * Math.exp(0.8 * rng.normal()) };
    const r = demoWorkload(base).containers[0].resources;
    const traffic = trafficShape(grid, rng, STEP);
    const m = generateService(profile, { requestCpu: r.requests.cpu, limitCpu: r.limits.cpu, requestMemory: r.requests.memory, limitMemory: r.limits.memory }, grid, traffic, FRONTEND_BASE_RPS, rng, STEP);
    const lbl = `{namespace="${w.ns}",pod="${w.pod}",container="${w.container}"}`;
    let total = 0;
    for (let k = 0; k < grid.length; k++) {
      total += Math.max(0, m.values.cpu_usage[k]) * STEP;
      cpu.push(`container_cpu_usage_seconds_total${lbl} ${total.toFixed(3)} ${grid[k]}\n`);
      mem.push(`container_memory_working_set_bytes${lbl} ${Math.round(m.values.memory_working_set[k])} ${grid[k]}\n`);
      samples += 2;
      if (grid[k] % 3600 === 0) {
        owners.push(`kube_pod_owner{namespace="${w.ns}",pod="${w.pod}",owner_kind="ReplicaSet",owner_name="${w.rs}",owner_is_controller="true"} 1 ${grid[k]}\n`);
        rsOwners.push(`kube_replicaset_owner{namespace="${w.ns}",replicaset="${w.rs}",owner_kind="Deployment",owner_name="${w.name}",owner_is_controller="true"} 1 ${grid[k]}\n`);
        samples += 2;
      }
    }
  }
  for (const family of [cpu, mem, owners, rsOwners]) await write(family.join(''));
  await write('# EOF\n');
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  return samples;
}

/** The cached TSDB blocks for this scale, made on first use (promtool; two files converting at once). */
async function blocks(fleet: Fleet): Promise<{ dir: string; made?: { samples: number; seconds: number } }> {
  const cacheRoot = path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'mora', 'bench-in-cluster');
  const dir = path.join(cacheRoot, `w${WORKLOADS}-n${NAMESPACES}-h${HOURS}-s${STEP}-v1`);
  if (CACHE && fs.existsSync(path.join(dir, 'done'))) return { dir };
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mora-bench-incluster-'));
  const out = path.join(work, 'blocks');
  fs.mkdirSync(out);
  const t0 = performance.now();
  let samples = 0;
  const running = new Set<Promise<void>>();
  const CHUNK = 1000;
  try {
    for (let i = 0; i < fleet.workloads.length; i += CHUNK) {
      // Each file holds its workloads' whole history: promtool makes one block per file, none overlapping in series.
      const file = path.join(work, `chunk-${i}.om`);
      samples += await writeChunk(file, fleet, i, Math.min(fleet.workloads.length, i + CHUNK));
      process.stderr.write(`  backfill: workloads ${i}–${Math.min(fleet.workloads.length, i + CHUNK) - 1} written (${(fs.statSync(file).size / 2 ** 20).toFixed(0)} MiB), converting…\n`);
      while (running.size >= 2) await Promise.race(running);
      const p: Promise<void> = run('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', '-q', file, out])
        .finally(() => { fs.rmSync(file, { force: true }); running.delete(p); });
      running.add(p);
    }
    await Promise.all(running);
    fs.mkdirSync(cacheRoot, { recursive: true });
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(out, dir);
    fs.writeFileSync(path.join(dir, 'done'), '');
    return { dir, made: { samples, seconds: (performance.now() - t0) / 1000 } };
  } finally {
    await Promise.allSettled(running);
    fs.rmSync(work, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Prometheus behind a counting proxy; the API server through a keep-alive client

/** A loopback HTTP proxy to Prometheus that counts requests (what each shard costs Prometheus). */
function countingProxy(target: string): Promise<{ url: string; count: () => number; close: () => Promise<void> }> {
  const t = new URL(target);
  let n = 0;
  const agent = new http.Agent({ keepAlive: true });
  const server = http.createServer((req, res) => {
    n++;
    const up = http.request({ host: t.hostname, port: t.port, path: req.url, method: req.method, headers: req.headers, agent }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', (e) => { res.writeHead(502); res.end(String(e)); });
    req.pipe(up);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as { port: number };
    resolve({ url: `http://127.0.0.1:${port}`, count: () => n, close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }) });
  }));
}

function apiClient(cp: ControlPlane): (method: string, p: string, body?: unknown, contentType?: string) => Promise<{ status: number; body: string }> {
  const agent = new https.Agent({ keepAlive: true, maxSockets: 16, ca: cp.caPem, ...('clientCert' in cp.admin ? { cert: cp.admin.clientCert, key: cp.admin.clientKey } : {}) });
  return (method, p, body, contentType = 'application/json') => new Promise((resolve, reject) => {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const req = https.request(new URL(p, cp.url), { method, agent, headers: { Accept: 'application/json', ...(text ? { 'Content-Type': contentType } : {}) } }, (res) => {
      let b = '';
      res.on('data', (d: Buffer) => (b += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b }));
    });
    req.on('error', reject);
    req.end(text);
  });
}

/** Runs `fn` over items, `n` at a time. */
async function pool<T>(items: T[], n: number, fn: (x: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < items.length) await fn(items[next++]);
  }));
}

function vpaCrdFile(): string {
  const install = path.join(repo, 'scripts', 'install-vpa-crd.sh');
  const file = execFileSync('bash', [install, '--print-file'], { encoding: 'utf8' }).trim();
  if (!fs.existsSync(file)) execFileSync('bash', [install], { stdio: ['ignore', 'inherit', 'inherit'], timeout: 300_000 });
  return file;
}

// ---------------------------------------------------------------------------------------------------------------

interface ShardRun { index: number; wall: number; seconds: number; prometheusRequests: number; writes: number; vpas: number; written: number; namespaces: number; phases: Record<string, number> }

/** The shard's phase durations from its own self-metrics (--metrics-file, OpenMetrics). */
function phasesOf(file: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of fs.readFileSync(file, 'utf8').matchAll(/^mora_recommender_phase_duration_seconds\{[^}]*phase="(\w+)"[^}]*\} ([\d.e+-]+)/gm)) out[m[1]] = Number(m[2]);
  return out;
}

function shardProcess(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(repo, 'bin', 'mora.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => { out += s; });
    child.stderr.setEncoding('utf8').on('data', (s: string) => { err += s; });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, out, err }));
  });
}

(async () => {
  const t0 = performance.now();
  const fleet = buildFleet();
  const made = await blocks(fleet);
  if (made.made) console.log(`backfill: ${made.made.samples.toLocaleString('en')} samples in ${made.made.seconds.toFixed(0)} s (cached for the next run)`);
  const prom = await startPrometheus({ blocksFrom: made.dir, readyTimeoutMs: 120_000 });
  const proxy = await countingProxy(prom.url);
  const cp = await ControlPlane.start();
  const api = apiClient(cp);
  try {
    const crds = parseAllDocuments(fs.readFileSync(vpaCrdFile(), 'utf8')).map((d) => d.toJS() as Json).filter((d) => d?.kind === 'CustomResourceDefinition');
    for (const crd of crds) await cp.create(crd);
    await until(() => cp.raw('GET', '/apis/autoscaling.k8s.io/v1'), (r) => r.status === 200 && JSON.stringify(r.body).includes('"verticalpodautoscalers/status"'), 60_000);
    const c0 = performance.now();
    for (const ns of fleet.namespaces) await cp.createNamespace(ns);
    const vpaPath = (ns: string, name?: string) => `/apis/autoscaling.k8s.io/v1/namespaces/${ns}/verticalpodautoscalers${name ? `/${name}` : ''}`;
    const must = async (p: Promise<{ status: number; body: string }>, what: string) => {
      const r = await p;
      if (r.status < 200 || r.status > 299) throw new Error(`${what}: ${r.status} ${r.body.slice(0, 300)}`);
    };
    await pool(fleet.workloads, 16, async (w) => {
      await must(api('POST', `/apis/apps/v1/namespaces/${w.ns}/deployments`, {
        apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: w.name, namespace: w.ns },
        spec: { replicas: 1, selector: { matchLabels: { app: w.name } }, template: { metadata: { labels: { app: w.name } }, spec: { containers: [{ name: w.container, image: `demo/${w.name}:1`, resources: { requests: w.requests } }] } } },
      }), `create deployment ${w.ns}/${w.name}`);
      await must(api('POST', vpaPath(w.ns), {
        apiVersion: 'autoscaling.k8s.io/v1', kind: 'VerticalPodAutoscaler', metadata: { name: w.name, namespace: w.ns },
        spec: { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: w.name }, recommenders: [{ name: 'mora' }], updatePolicy: { updateMode: 'Off' } },
      }), `create vpa ${w.ns}/${w.name}`);
    });
    const createSeconds = (performance.now() - c0) / 1000;
    console.log(`cluster: ${fleet.namespaces.length} namespaces, ${fleet.workloads.length} Deployments and ${fleet.workloads.length} MOrA VPAs created in ${createSeconds.toFixed(0)} s; Prometheus: ${HOURS} h of demo-style usage at ${STEP} s`);

    const results = new Map<string, ShardRun[]>();
    // --keepalive-baseline: first, the shards as they were before keep-alive and concurrent writes (1 in flight, a new
    // connection per request: MORA_KUBE_KEEPALIVE=0, the product's default), the baseline of the write phase; the other
    // configurations run with keep-alive on (MORA_KUBE_KEEPALIVE=1), as the recorded results did.
    const configs = [
      ...(process.argv.includes('--keepalive-baseline') ? [{ shards: SHARDS[0], wc: 1 as number | undefined, label: `${SHARDS[0]} ×1 writes, no keep-alive`, env: { MORA_KUBE_KEEPALIVE: '0' } as NodeJS.ProcessEnv }] : []),
      ...SHARDS.flatMap((shards) => WRITE_CONCURRENCY.map((wc) => ({ shards, wc, label: `${shards}${wc === undefined ? '' : ` ×${wc} writes`}`, env: { MORA_KUBE_KEEPALIVE: '1' } as NodeJS.ProcessEnv }))),
    ];
    for (const [k, { shards, wc, label, env: configEnv }] of configs.entries()) {
      if (k > 0) {
        // Every status cleared, so this configuration writes all of them as the first did.
        const r0 = performance.now();
        await pool(fleet.workloads, 16, (w) => must(api('PATCH', `${vpaPath(w.ns, w.name)}/status`, { status: null }, 'application/merge-patch+json'), `clear ${w.ns}/${w.name}`));
        console.log(`  (statuses cleared in ${((performance.now() - r0) / 1000).toFixed(0)} s)`);
      }
      const runs: ShardRun[] = [];
      for (let i = 0; i < shards; i++) {
        const before = proxy.count();
        const metricsFile = path.join(os.tmpdir(), `mora-bench-in-cluster-${process.pid}.om`);
        const s0 = performance.now();
        const r = await shardProcess(['recommend', '--in-cluster', '--kubeconfig', cp.kubeconfig, '--prometheus', proxy.url, '--history-days', '1', '-q', '--shard-index', String(i), '--shards', String(shards), '--metrics-file', metricsFile, ...(wc === undefined ? [] : ['--write-concurrency', String(wc)])],
          { ...process.env, KUBECONFIG: '', MORA_PROMETHEUS_URL: '', MORA_NOW: String(END), ...configEnv });
        const wall = (performance.now() - s0) / 1000;
        if (r.code !== 0) throw new Error(`shard ${i}/${shards} exited ${r.code}: ${r.err.slice(-1500)}`);
        const s = JSON.parse(r.out) as { seconds: number; writes: number; namespaces: string[]; vpas: Array<{ outcome: string }> };
        const phases = phasesOf(metricsFile);
        fs.rmSync(metricsFile, { force: true });
        runs.push({ index: i, wall, seconds: s.seconds, prometheusRequests: proxy.count() - before, writes: s.writes, vpas: s.vpas.length, written: s.vpas.filter((v) => v.outcome === 'written').length, namespaces: s.namespaces.length, phases });
        console.log(`  ${label}, shard ${i}: ${s.namespaces.length} namespaces, ${s.vpas.length} VPAs (${runs[i].written} written), wall ${wall.toFixed(1)} s (its own ${s.seconds} s: ${Object.entries(phases).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}), ${runs[i].prometheusRequests} Prometheus requests, ${s.writes} API writes`);
      }
      results.set(label, runs);
    }

    const sum = (xs: ShardRun[], f: (x: ShardRun) => number) => xs.reduce((a, x) => a + f(x), 0);
    const base = results.get(configs[0].label)!;
    console.log(`\nbench:in-cluster — ${fleet.workloads.length} workloads in ${fleet.namespaces.length} namespaces, shards run one after another on ${os.cpus().length} cores (load ${os.loadavg()[0].toFixed(1)}), Node ${process.version}`);
    console.log('shards | wall per shard: min / median / max (s) | sum of walls (s) | Prometheus requests | API writes | VPAs written | ratio longest shard vs 1 shard');
    for (const [shards, runs] of results) {
      const walls = runs.map((r) => r.wall).sort((a, b) => a - b);
      console.log(`${shards.padStart(6)} | ${walls[0].toFixed(1)} / ${walls[Math.floor(walls.length / 2)].toFixed(1)} / ${walls[walls.length - 1].toFixed(1)} | ${sum(runs, (r) => r.wall).toFixed(1)} | ${sum(runs, (r) => r.prometheusRequests)} | ${sum(runs, (r) => r.writes)} | ${sum(runs, (r) => r.written)} | ${(walls[walls.length - 1] / Math.max(...base.map((r) => r.wall))).toFixed(3)}`);
    }
    // The write phase (the shards' own self-metric), per configuration: what --write-concurrency changes.
    for (const [label, runs] of results) console.log(`write phase, ${label}: ${sum(runs, (r) => r.phases.write ?? 0).toFixed(1)} s over its shards (ratio vs ${configs[0].label}: ${(sum(runs, (r) => r.phases.write ?? 0) / Math.max(1e-9, sum(base, (r) => r.phases.write ?? 0))).toFixed(3)})`);
    const out = { date: new Date().toISOString(), workloads: fleet.workloads.length, namespaces: fleet.namespaces.length, hours: HOURS, createSeconds, results: Object.fromEntries(results), totalSeconds: (performance.now() - t0) / 1000 };
    fs.writeFileSync(path.join(os.tmpdir(), 'mora-bench-in-cluster.json'), JSON.stringify(out, null, 2));
    // Every namespace of the cluster (the fleet's and the system ones) in exactly one shard; every VPA in one.
    const allNamespaces = sum(base, (r) => r.namespaces);
    const covered = [...results.values()].every((runs) => sum(runs, (r) => r.vpas) === fleet.workloads.length && sum(runs, (r) => r.namespaces) === allNamespaces);
    console.log(`every configuration covered each namespace once and every VPA once: ${covered ? 'yes' : 'NO'}; total ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    if (!covered) process.exitCode = 1;
  } finally {
    await proxy.close();
    await prom.stop();
    await cp.stop();
  }
})().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
