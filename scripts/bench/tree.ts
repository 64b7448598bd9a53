/**
 * bench:tree — expanding a namespace of 1,000 workloads in the cluster tree (usage summaries from 14 days at
 * 5-minute steps for every container), against the naive way of doing the same work in the same process (one pass,
 * no yielding). What decides whether the editor stays responsive is the longest event-loop stall while it loads.
 *
 *   npm run bench:tree [-- --workloads 1000] [--runs 5]
 */
import { performance } from 'node:perf_hooks';
import { Rng } from '../../src/core/random';
import type { Workload } from '../../src/core/workload';
import type { DataSource, MetricFrame, MetricTarget, TimeRange } from '../../src/data/datasource';
import { ClusterTreeModel } from '../../src/views/tree-model';
import { summariseUsage } from '../../src/views/usage';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const N = arg('workloads', 1000);
const RUNS = arg('runs', 5);
const END = Date.UTC(2026, 10, 23) / 1000;

/** A synthetic cluster: N workloads with 1–3 containers, a daily CPU/memory cycle per container. */
function syntheticSource(n: number): DataSource {
  const rng = new Rng(7);
  const workloads: Workload[] = Array.from({ length: n }, (_, i) => ({
    context: 'bench', namespace: 'big', kind: 'Deployment', name: `svc-${String(i).padStart(4, '0')}`, replicas: 1 + (i % 4),
    containers: Array.from({ length: 1 + (i % 3) }, (_, j) => ({
      name: j === 0 ? 'app' : `sidecar-${j}`,
      resources: { requests: { cpu: 0.1 + rng.next(), memory: (64 + rng.int(1024)) * 2 ** 20 }, limits: {} },
    })),
  }));
  const range: TimeRange = { from: END - 14 * 86400, to: END, step: 300 };
  return {
    kind: 'demo',
    contexts: async () => ['bench'],
    namespaces: async () => ['big'],
    workloads: async () => workloads,
    historyRange: async () => range,
    health: async () => ({ ok: true, message: 'synthetic' }),
    metrics: async (_t: MetricTarget, r: TimeRange): Promise<MetricFrame> => {
      const len = Math.floor((r.to - r.from) / r.step);
      const t = new Float64Array(len);
      const cpu = new Float64Array(len);
      const mem = new Float64Array(len);
      const phase = rng.next() * 24;
      for (let i = 0; i < len; i++) {
        t[i] = r.from + i * r.step;
        const h = ((t[i] / 3600) + phase) % 24;
        cpu[i] = 0.05 + 0.04 * Math.sin((2 * Math.PI * h) / 24) + 0.01 * rng.next();
        mem[i] = 2e8 + 1e7 * rng.next();
      }
      return { t, step: r.step, values: { cpu_usage: cpu, memory_working_set: mem } };
    },
  };
}

async function timeIt(fn: () => Promise<unknown>): Promise<{ ms: number; stall: number }> {
  // Longest gap between event-loop turns while fn runs.
  let last = performance.now();
  let stall = 0;
  let running = true;
  const tick = () => {
    const now = performance.now();
    stall = Math.max(stall, now - last);
    last = now;
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  const t0 = performance.now();
  await fn();
  const ms = performance.now() - t0;
  stall = Math.max(stall, performance.now() - last);
  running = false;
  return { ms, stall };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

(async () => {
  const source = syntheticSource(N);
  const base: { ms: number; stall: number }[] = [];
  const mora: { ms: number; stall: number }[] = [];
  for (let r = 0; r < RUNS; r++) {
    base.push(await timeIt(async () => {
      for (const w of await source.workloads('bench', 'big')) {
        for (const c of w.containers) summariseUsage(await source.metrics({ workload: w, container: c.name }, await source.historyRange({ workload: w })));
      }
    }));
    const model = new ClusterTreeModel(source);
    const [ctx] = await model.children();
    const [ns] = await model.children(ctx);
    mora.push(await timeIt(() => model.children(ns)));
  }
  const line = (what: string, xs: { ms: number; stall: number }[]) =>
    console.log(`${what.padEnd(46)} ${median(xs.map((x) => x.ms)).toFixed(1).padStart(9)} ms   longest stall ${median(xs.map((x) => x.stall)).toFixed(1).padStart(6)} ms`);
  console.log(`Cluster tree: expand a namespace of ${N} workloads (${RUNS} runs, median), Node ${process.version}`);
  line('baseline: same summaries in one pass', base);
  line('MOrA: workload nodes with usage summaries', mora);
  const ratio = (f: (x: { ms: number; stall: number }) => number) => (median(mora.map(f)) / median(base.map(f))).toFixed(3);
  console.log(`ratio MOrA/baseline: time ${ratio((x) => x.ms)}, longest stall ${ratio((x) => x.stall)}; per workload ${(median(mora.map((x) => x.ms)) / N).toFixed(2)} ms`);
})();
