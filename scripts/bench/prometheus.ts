/**
 * bench:prometheus — reading a cluster's 12 metrics from a real Prometheus: MOrA's batched plan
 * (src/data/prometheus/batch-plan.ts: a few range queries per metric per namespace, pods mapped through the owner
 * chain) against the per-workload plan it replaces (queries.ts: one range query per metric per container), both
 * through ClusterDataSource.metricsDetailedForNamespace, in the same process, on the same Prometheus.
 *
 * The cluster: `--workloads` workloads (Deployments, every 10th a StatefulSet, every 20th a DaemonSet; every 4th with a
 * sidecar) of `--pods` pods each in `--namespaces` namespaces, `--days` of history at `--step` seconds: cAdvisor CPU,
 * memory, CFS and network series, http_requests_total (200 and, for a third of the pods, 500), a 4-bucket latency
 * histogram, kube-state-metrics ready replicas, kube_pod_owner and kube_replicaset_owner (hourly samples).
 * Backfilled with promtool (time-sliced OpenMetrics files, 2 converters at once) and cached under
 * ${XDG_CACHE_HOME:-~/.cache}/mora/bench-prometheus/ (keyed by the scale), so only the first run pays for it.
 *
 * Printed for each plan: HTTP requests, PromQL queries, bytes received (on the wire, gzip, and decoded), wall time,
 * the peak of heap + array buffers above the start of the phase, and peak RSS; then the ratios. The batched plan runs
 * first (it pays for any cold cache). Its frames are written to a temporary file and every per-workload frame is
 * compared with them (within 1e-9 relative; the same metrics missing); writing and comparing are not timed.
 * Exits 1 when a frame differs, a metric needs more than 2 queries per namespace, or the batched plan does not need
 * at least 10× fewer requests.
 *
 *   npm run bench:prometheus [-- --workloads 1000 --pods 3 --namespaces 5 --days 7 --step 300] [--no-cache]
 *                            [--max-samples <per response>] [--max-pods <per batch>] [--proxy-delay <ms>]
 *
 * --proxy-delay N sends both plans through a forward proxy on loopback (test/harness/forward-proxy.ts, via HTTP_PROXY,
 * as a user behind a proxy would) that adds N ms to each request — what a VPN or a remote cluster adds.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { METRIC_NAMES, type MetricName } from '../../src/core/metrics';
import type { Workload, WorkloadKind } from '../../src/core/workload';
import { ClusterDataSource, type DetailedFrame } from '../../src/data/cluster';
import type { TimeRange } from '../../src/data/datasource';
import { axiosFetch, newHttpStats, type HttpStats } from '../../src/data/http';
import { newBatchPlanStats } from '../../src/data/prometheus/batch-plan';
import { PrometheusClient } from '../../src/data/prometheus/client';
import { startForwardProxy, type ForwardProxy } from '../../test/harness/forward-proxy';
import { startPrometheus, type RunningPrometheus } from '../../test/harness/prometheus';
import { arg } from './args';

const WORKLOADS = arg('workloads', 1000);
const PODS = arg('pods', 3);
const NAMESPACES = arg('namespaces', 5);
const DAYS = arg('days', 7);
const STEP = arg('step', 300);
const CACHE = !process.argv.includes('--no-cache');
/** The batched plan's limits (defaults: the plan's own). */
const MAX_SAMPLES = process.argv.includes('--max-samples') ? arg('max-samples', 0) : undefined;
const MAX_PODS = process.argv.includes('--max-pods') ? arg('max-pods', 0) : undefined;
/** Both plans through a real forward proxy on loopback (HTTP_PROXY) that adds this much per request: a slower network. */
const PROXY_DELAY = process.argv.includes('--proxy-delay') ? arg('proxy-delay', 0) : undefined;
/** Fixed, so a cached backfill stays valid: 2026-11-28 00:00 UTC. */
const END = Date.UTC(2026, 10, 28) / 1000;
const START = END - DAYS * 86400 - 3600;
const SLICES = Math.max(1, Math.ceil((DAYS * 24) / 21));

// ---------------------------------------------------------------------------------------------------------------
// The cluster

interface Pod {
  ns: string;
  name: string;
  workload: Workload;
  containers: string[];
  owner: { kind: string; name: string };
  index: number;
}

/** A deterministic hash → [0, 1). */
function h(a: number, b: number): number {
  let x = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x27d4eb2f, 0xc2b2ae35);
  x = Math.imul(x ^ (x >>> 16), 0x45d9f3b);
  x = Math.imul(x ^ (x >>> 13), 0x45d9f3b);
  return ((x ^ (x >>> 16)) >>> 0) / 4294967296;
}

const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
function token(seed: number, len: number): string {
  let s = '';
  for (let i = 0; i < len; i++) s += ALPHABET[Math.floor(h(seed, i + 17) * ALPHABET.length)];
  return s;
}

function buildCluster(): { namespaces: string[]; workloads: Workload[]; pods: Pod[] } {
  const namespaces = Array.from({ length: NAMESPACES }, (_, k) => `team-${k + 1}`);
  const workloads: Workload[] = [];
  const pods: Pod[] = [];
  for (let j = 0; j < WORKLOADS; j++) {
    const ns = namespaces[Math.floor((j * NAMESPACES) / WORKLOADS)];
    const kind: WorkloadKind = j % 10 === 3 ? 'StatefulSet' : j % 20 === 7 ? 'DaemonSet' : 'Deployment';
    const name = `${kind === 'StatefulSet' ? 'db' : kind === 'DaemonSet' ? 'agent' : 'svc'}-${String(j).padStart(4, '0')}`;
    const containers = j % 4 === 1 ? ['app', 'proxy'] : ['app'];
    const w: Workload = {
      context: 'bench', namespace: ns, kind, name, replicas: PODS,
      containers: containers.map((c) => ({ name: c, resources: { requests: { cpu: 0.25, memory: 256 * 2 ** 20 }, limits: {} } })),
    };
    workloads.push(w);
    const rs = `${name}-${token(j, 10)}`;
    for (let p = 0; p < PODS; p++) {
      const podName = kind === 'StatefulSet' ? `${name}-${p}` : kind === 'DaemonSet' ? `${name}-${token(j * 31 + p, 5)}` : `${rs}-${token(j * 31 + p, 5)}`;
      const owner = kind === 'Deployment' ? { kind: 'ReplicaSet', name: rs } : { kind, name };
      pods.push({ ns, name: podName, workload: w, containers, owner, index: pods.length });
    }
  }
  return { namespaces, workloads, pods };
}

// ---------------------------------------------------------------------------------------------------------------
// Backfill: OpenMetrics slices → promtool → TSDB blocks (cached)

const DAY = 86400;
const daily = (t: number, phase: number) => 1 + 0.5 * Math.sin((2 * Math.PI * t) / DAY + phase);
const LES = ['0.1', '0.5', '1', '+Inf'];

/** Writes one time slice of every series; counters carry their running value in `state` from slice to slice. */
async function writeSlice(file: string, pods: Pod[], workloads: Workload[], from: number, to: number, state: Float64Array): Promise<number> {
  const out = fs.createWriteStream(file);
  let buf: string[] = [];
  let size = 0;
  let samples = 0;
  const push = async (s: string) => {
    buf.push(s);
    size += s.length;
    if (size > 1 << 22) {
      const chunk = buf.join('');
      buf = [];
      size = 0;
      if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
    }
  };
  const times: number[] = [];
  for (let t = from; t < to; t += STEP) times.push(t);
  let sid = 0;
  const family = async (name: string, type: 'counter' | 'gauge') => push(`# TYPE ${name} ${type}\n`);
  const series = async (prefix: string, f: (t: number, k: number) => string, every = STEP) => {
    for (let k = 0; k < times.length; k++) {
      const t = times[k];
      if (t % every !== 0) continue;
      await push(`${prefix}${f(t, k)} ${t}\n`);
      samples++;
    }
  };
  const counter = async (prefix: string, rate: (t: number, k: number) => number, decimals = 0) => {
    const id = sid++;
    const scale = 10 ** decimals;
    await series(prefix, (t, k) => {
      state[id] += rate(t, k) * STEP;
      return String(Math.round(state[id] * scale) / scale);
    });
  };
  const gauge = async (prefix: string, f: (t: number, k: number) => number, every = STEP) => {
    sid++;
    await series(prefix, (t, k) => String(f(t, k)), every);
  };
  const lbl = (p: Pod, extra = '') => `{namespace="${p.ns}",pod="${p.name}"${extra}}`;

  await family('container_cpu_usage_seconds', 'counter');
  for (const p of pods) {
    for (const c of p.containers) {
      const level = c === 'app' ? 0.02 + 0.5 * h(p.index, 1) : 0.01 + 0.04 * h(p.index, 2);
      const phase = 6 * h(p.workload.replicas, p.index % 7);
      await counter(`container_cpu_usage_seconds_total${lbl(p, `,container="${c}"`)} `, (t) => level * daily(t, phase) * (0.8 + 0.4 * h(p.index, t)), 3);
    }
  }
  await family('container_memory_working_set_bytes', 'gauge');
  for (const p of pods) {
    for (const c of p.containers) {
      const base = c === 'app' ? 5e7 + 4e8 * h(p.index, 3) : 2e7 + 3e7 * h(p.index, 4);
      await gauge(`container_memory_working_set_bytes${lbl(p, `,container="${c}"`)} `, (t) => Math.round(base * (1 + 0.15 * Math.sin((2 * Math.PI * t) / DAY)) + 1e7 * h(p.index, t)));
    }
  }
  await family('container_memory_rss', 'gauge');
  for (const p of pods) {
    const base = 4e7 + 3e8 * h(p.index, 3);
    await gauge(`container_memory_rss${lbl(p, ',container="app"')} `, (t) => Math.round(base + 8e6 * h(p.index + 1, t)));
  }
  await family('container_cpu_cfs_periods', 'counter');
  for (const p of pods) await counter(`container_cpu_cfs_periods_total${lbl(p, ',container="app"')} `, () => 10);
  await family('container_cpu_cfs_throttled_periods', 'counter');
  for (const p of pods) {
    const share = 0.2 * h(p.index, 5);
    await counter(`container_cpu_cfs_throttled_periods_total${lbl(p, ',container="app"')} `, (t) => 10 * share * h(p.index + 2, t));
  }
  for (const [name, scale] of [['container_network_receive_bytes', 1e6], ['container_network_transmit_bytes', 4e5]] as const) {
    await family(name, 'counter');
    for (const p of pods) {
      const level = scale * (0.1 + h(p.index, 6));
      await counter(`${name}_total${lbl(p, ',container="POD",interface="eth0"')} `, (t) => level * daily(t, 1) * (0.9 + 0.2 * h(p.index + 3, t)));
    }
  }
  await family('http_requests', 'counter');
  for (const p of pods) {
    const rps = 5 + 45 * h(p.index, 7);
    await counter(`http_requests_total${lbl(p, ',code="200"')} `, (t) => rps * daily(t, 0.5) * (0.9 + 0.2 * h(p.index + 4, t)), 1);
    if (p.index % 3 === 0) await counter(`http_requests_total${lbl(p, ',code="500"')} `, (t) => 0.5 * h(p.index + 5, t), 1);
  }
  await family('http_request_duration_seconds_bucket', 'gauge');
  for (const p of pods) {
    const rps = 5 + 45 * h(p.index, 7);
    const first = sid;
    sid += LES.length;
    for (let b = 0; b < LES.length; b++) {
      await series(`http_request_duration_seconds_bucket${lbl(p, `,le="${LES[b]}"`)} `, (t) => {
        // Cumulative shares per bucket, increasing with le (so the histogram is valid), a little different each step.
        const f1 = 0.5 + 0.2 * h(p.index + 6, t);
        const shares = [f1, f1 + (1 - f1) * 0.7, f1 + (1 - f1) * 0.95, 1];
        state[first + b] += rps * daily(t, 0.5) * STEP * shares[b];
        return String(Math.round(state[first + b]));
      });
    }
  }
  await family('kube_pod_owner', 'gauge');
  for (const p of pods) await gauge(`kube_pod_owner${lbl(p, `,owner_kind="${p.owner.kind}",owner_name="${p.owner.name}",owner_is_controller="true"`)} `, () => 1, 3600);
  await family('kube_replicaset_owner', 'gauge');
  const seen = new Set<string>();
  for (const p of pods) {
    if (p.owner.kind !== 'ReplicaSet' || seen.has(p.owner.name)) continue;
    seen.add(p.owner.name);
    await gauge(`kube_replicaset_owner{namespace="${p.ns}",replicaset="${p.owner.name}",owner_kind="Deployment",owner_name="${p.workload.name}",owner_is_controller="true"} `, () => 1, 3600);
  }
  for (const [kind, name, label] of [['Deployment', 'kube_deployment_status_replicas_ready', 'deployment'], ['StatefulSet', 'kube_statefulset_status_replicas_ready', 'statefulset'], ['DaemonSet', 'kube_daemonset_status_number_ready', 'daemonset']] as const) {
    await family(name, 'gauge');
    for (const [j, w] of workloads.entries()) {
      if (w.kind !== kind) continue;
      await gauge(`${name}{namespace="${w.namespace}",${label}="${w.name}"} `, (t) => (h(j, t) < 0.01 ? PODS - 1 : PODS));
    }
  }
  await push('# EOF\n');
  out.write(buf.join(''));
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  return samples;
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited ${code}: ${err.slice(-500)}`))));
  });
}

async function backfill(dir: string, pods: Pod[], workloads: Workload[]): Promise<{ samples: number; generate: number; total: number }> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mora-bench-prom-'));
  const blocks = path.join(work, 'blocks');
  fs.mkdirSync(blocks);
  const state = new Float64Array(pods.length * 24 + workloads.length * 4);
  const started = performance.now();
  let generate = 0;
  let samples = 0;
  const running = new Set<Promise<void>>();
  try {
    for (let s = 0; s < SLICES; s++) {
      // Slices on the step grid, disjoint in time: promtool makes non-overlapping blocks, nothing to compact later.
      const span = Math.ceil((END + STEP - START) / SLICES / STEP) * STEP;
      const from = START + s * span;
      const to = Math.min(END + STEP, from + span);
      const file = path.join(work, `slice-${s}.om`);
      const g0 = performance.now();
      samples += await writeSlice(file, pods, workloads, from, to, state);
      generate += performance.now() - g0;
      process.stderr.write(`  backfill: slice ${s + 1}/${SLICES} written (${(fs.statSync(file).size / 2 ** 20).toFixed(0)} MiB), converting…\n`);
      while (running.size >= 2) await Promise.race(running);
      // 162 h blocks (the largest promtool makes under 192 h): one pass over a slice instead of one per 2 hours.
      const p: Promise<void> = run('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', '--max-block-duration=192h', '-q', file, blocks])
        .finally(() => { fs.rmSync(file, { force: true }); running.delete(p); });
      running.add(p);
    }
    await Promise.all(running);
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(blocks, dir);
    return { samples, generate: generate / 1000, total: (performance.now() - started) / 1000 };
  } finally {
    await Promise.allSettled(running);
    fs.rmSync(work, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Measuring a plan

interface Measured {
  requests: number;
  queries: number;
  wire: number;
  decoded: number;
  wall: number;
  heapPeak: number;
  rssPeak: number;
}

/** Counts PromQL executions: instant queries, and range queries at their first time chunk (start = the grid's start). */
function countingFetch(http: HttpStats, counter: { queries: number }, gridStart: number): typeof fetch {
  const inner = axiosFetch({ stats: http });
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = String(input);
    const params = new URLSearchParams(String(init?.body ?? ''));
    if (url.endsWith('/api/v1/query') || (url.endsWith('/api/v1/query_range') && Number(params.get('start')) === gridStart)) counter.queries++;
    return inner(input, init);
  }) as typeof fetch;
}

async function measure(fn: (untimed: (f: () => void) => void) => Promise<void>, http: HttpStats, counter: { queries: number }): Promise<Measured> {
  const mem = () => { const m = process.memoryUsage(); return { heap: m.heapUsed + m.arrayBuffers, rss: m.rss }; };
  // Settle before the baseline: array buffers are released a little after the GC that frees them.
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let i = 0, last = Infinity; gc && i < 20; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
    const now = mem().heap;
    if (now >= last * 0.99) break;
    last = now;
  }
  const base = mem();
  let heapPeak = 0;
  let rssPeak = base.rss;
  const sample = () => { const m = mem(); heapPeak = Math.max(heapPeak, m.heap - base.heap); rssPeak = Math.max(rssPeak, m.rss); };
  const timer = setInterval(sample, 5);
  const before = { ...http, queries: counter.queries };
  let excluded = 0;
  const t0 = performance.now();
  try {
    await fn((f) => {
      sample();
      const u0 = performance.now();
      f();
      excluded += performance.now() - u0;
    });
  } finally {
    clearInterval(timer);
  }
  sample();
  return {
    requests: http.requests - before.requests,
    queries: counter.queries - before.queries,
    wire: http.bytesReceived - before.bytesReceived,
    decoded: http.bytesDecoded - before.bytesDecoded,
    wall: (performance.now() - t0 - excluded) / 1000,
    heapPeak,
    rssPeak,
  };
}

// Frames on disk: per container, per metric, a presence byte and the values.
function writeFrame(fd: number, f: DetailedFrame): void {
  for (const m of METRIC_NAMES) {
    const v = f.frame.values[m];
    fs.writeSync(fd, Buffer.from([v ? 1 : 0]));
    if (v) fs.writeSync(fd, Buffer.from(v.buffer, v.byteOffset, v.byteLength));
  }
}

interface Diff { frames: number; values: number; maxRel: number; bad: string[] }

function compareFrame(fd: number, n: number, f: DetailedFrame, key: string, diff: Diff): void {
  const one = Buffer.alloc(1);
  const buf = Buffer.alloc(n * 8);
  diff.frames++;
  for (const m of METRIC_NAMES as readonly MetricName[]) {
    fs.readSync(fd, one, 0, 1, null);
    const theirs = one[0] ? new Float64Array(n) : undefined;
    if (theirs) {
      fs.readSync(fd, buf, 0, n * 8, null);
      theirs.set(new Float64Array(buf.buffer, buf.byteOffset, n));
    }
    const ours = f.frame.values[m];
    if (!!ours !== !!theirs) { if (diff.bad.length < 5) diff.bad.push(`${key} ${m}: present in ${ours ? 'per-workload' : 'batched'} only`); continue; }
    if (!ours || !theirs) continue;
    for (let i = 0; i < n; i++) {
      const a = ours[i], b = theirs[i];
      if (Number.isNaN(a) || Number.isNaN(b)) {
        if (!(Number.isNaN(a) && Number.isNaN(b)) && diff.bad.length < 5) diff.bad.push(`${key} ${m}[${i}]: ${a} vs ${b}`);
        continue;
      }
      const rel = Math.abs(a - b) / Math.max(1e-12, Math.abs(a));
      diff.maxRel = Math.max(diff.maxRel, rel);
      if (rel > 1e-9 && diff.bad.length < 5) diff.bad.push(`${key} ${m}[${i}]: ${a} vs ${b}`);
      diff.values++;
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------

(async () => {
  const { namespaces, workloads, pods } = buildCluster();
  const containers = workloads.reduce((s, w) => s + w.containers.length, 0);
  const key = `w${WORKLOADS}-p${PODS}-n${NAMESPACES}-d${DAYS}-s${STEP}-v1`;
  const cacheRoot = path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'mora', 'bench-prometheus');
  const blocks = CACHE ? path.join(cacheRoot, key) : fs.mkdtempSync(path.join(os.tmpdir(), 'mora-bench-blocks-'));
  let made = 'cached';
  if (!CACHE || !fs.existsSync(blocks)) {
    process.stderr.write(`bench:prometheus: backfilling ${pods.length} pods × ${DAYS} days at ${STEP} s (once; cached in ${CACHE ? blocks : 'a temp dir'})…\n`);
    const b = await backfill(blocks, pods, workloads);
    made = `made in ${b.total.toFixed(0)} s (${(b.samples / 1e6).toFixed(1)} M samples; generating the OpenMetrics text ${b.generate.toFixed(0)} s, promtool alongside, 2 at a time)`;
  }
  let prom: RunningPrometheus | undefined;
  let proxy: ForwardProxy | undefined;
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'mora-bench-frames-'));
  try {
    // min = max block duration: Prometheus keeps the backfilled blocks as they are (no compaction during the bench).
    prom = await startPrometheus({ blocksFrom: blocks, extraArgs: ['--storage.tsdb.min-block-duration=2h', '--storage.tsdb.max-block-duration=2h'], readyTimeoutMs: 300_000 });
    if (PROXY_DELAY !== undefined) {
      proxy = await startForwardProxy({ delayMs: PROXY_DELAY });
      for (const v of ['NO_PROXY', 'no_proxy', 'http_proxy']) delete process.env[v];
      process.env.HTTP_PROXY = proxy.url;
    }
    const range: TimeRange = { from: END - DAYS * 86400, to: END, step: STEP };
    const http = newHttpStats();
    const counter = { queries: 0 };
    const client = new PrometheusClient({ url: prom.url, fetch: countingFetch(http, counter, range.from) });
    const batchStats = newBatchPlanStats();
    const source = (plan: 'batched' | 'per-workload') => new ClusterDataSource({ prometheusUrl: prom!.url, prometheus: client, now: () => END, historyDays: DAYS, step: STEP, prometheusPlan: plan, batch: { stats: batchStats, maxSamplesPerRequest: MAX_SAMPLES, maxPodsPerBatch: MAX_PODS } });
    const byNs = namespaces.map((ns) => workloads.filter((w) => w.namespace === ns));
    const framesFile = path.join(scratch, 'batched.bin');
    let points = 0;

    process.stderr.write('bench:prometheus: batched plan…\n');
    let fd = fs.openSync(framesFile, 'w');
    const mora = await measure(async (untimed) => {
      const s = source('batched');
      for (const [k, ws] of byNs.entries()) {
        for await (const item of s.metricsDetailedForNamespace(namespaces[k], ws, range)) {
          untimed(() => { for (const f of item.containers.values()) { points = f.frame.t.length; writeFrame(fd, f); } });
        }
      }
    }, http, counter);
    fs.closeSync(fd);

    process.stderr.write('bench:prometheus: per-workload plan…\n');
    fd = fs.openSync(framesFile, 'r');
    const diff: Diff = { frames: 0, values: 0, maxRel: 0, bad: [] };
    const base = await measure(async (untimed) => {
      const s = source('per-workload');
      for (const [k, ws] of byNs.entries()) {
        for await (const item of s.metricsDetailedForNamespace(namespaces[k], ws, range)) {
          untimed(() => { for (const [c, f] of item.containers) compareFrame(fd, points, f, `${item.workload.namespace}/${item.workload.name}/${c}`, diff); });
        }
      }
    }, http, counter);
    fs.closeSync(fd);

    const mb = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
    const row = (label: string, m: Measured) => console.log(
      `${label.padEnd(30)} ${String(m.requests).padStart(8)} ${String(m.queries).padStart(8)} ${mb(m.wire).padStart(11)} ${mb(m.decoded).padStart(11)} ${m.wall.toFixed(1).padStart(8)} s ${mb(m.heapPeak).padStart(11)} ${mb(m.rssPeak).padStart(11)}`);
    console.log(`Prometheus read: ${WORKLOADS} workloads (${pods.length} pods, ${containers} containers) in ${NAMESPACES} namespaces, ${DAYS} days at ${STEP} s (${points} points); Prometheus 2.42 on loopback, Node ${process.version}`);
    console.log(`backfill: ${made}`);
    if (proxy) console.log(`network: both plans through a forward proxy on loopback (HTTP_PROXY) adding ${PROXY_DELAY} ms per request; it forwarded ${proxy.requests.length} requests`);
    console.log(`${''.padEnd(30)} ${'requests'.padStart(8)} ${'queries'.padStart(8)} ${'wire'.padStart(11)} ${'decoded'.padStart(11)} ${'wall'.padStart(10)} ${'heap+buf Δ'.padStart(11)} ${'peak RSS'.padStart(11)}`);
    row('baseline: per-workload plan', base);
    row('MOrA: batched plan', mora);
    const r = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(1)}×` : '–');
    console.log(`ratio baseline/MOrA: requests ${r(base.requests, mora.requests)}, queries ${r(base.queries, mora.queries)}, wire bytes ${r(base.wire, mora.wire)}, decoded bytes ${r(base.decoded, mora.decoded)}, wall ${r(base.wall, mora.wall)}, heap+buffers ${r(base.heapPeak, mora.heapPeak)}`);
    console.log(`MOrA: at most ${batchStats.maxQueriesPerMetricPerNamespace} range queries per metric per namespace (before time chunks; ${batchStats.batches} pod batches in ${NAMESPACES} namespaces), ${batchStats.ownerQueries} owner lookups, largest response ${batchStats.maxSamplesPerResponse} samples; pods mapped by owner ${batchStats.podsByOwner}, by name pattern ${batchStats.podsByPattern}`);
    console.log(`frames: ${diff.frames} containers × ${METRIC_NAMES.length} metrics, ${diff.values} values compared, largest relative difference ${diff.maxRel.toExponential(1)}${diff.bad.length ? `; DIFFERENT: ${diff.bad.join('; ')}` : ', identical within 1e-9'}`);
    const failures: string[] = [];
    if (diff.bad.length || diff.frames !== containers) failures.push('frames differ');
    if (batchStats.maxQueriesPerMetricPerNamespace > 2) failures.push('more than 2 queries per metric per namespace');
    if (base.requests < 10 * mora.requests) failures.push('fewer than 10× fewer requests');
    if (failures.length) {
      console.log(`FAIL: ${failures.join(', ')}`);
      process.exitCode = 1;
    }
  } finally {
    await prom?.stop();
    await proxy?.stop();
    fs.rmSync(scratch, { recursive: true, force: true });
    if (!CACHE) fs.rmSync(blocks, { recursive: true, force: true });
  }
})().catch((e) => {
  process.stderr.write(`bench:prometheus: ${(e as Error)?.stack ?? e}\n`);
  process.exitCode = 1;
});
