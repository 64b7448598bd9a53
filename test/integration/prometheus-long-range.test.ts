// Long ranges: 30 days at the default 60 s step are read at a grown step (fitStep keeps them under Prometheus'
// 11,000 points). The rate window must cover that step (before: 120 s windows at a 300 s step read CPU over 40% of
// the time) and memory must be the peak within each step (before: the value at one instant every 300 s, so a 60 s daily
// spike was seen on about one day in five). A real Prometheus backfilled with 30 days scraped every 60 s: a daily 60 s
// memory spike and a daily 60 s CPU burst, each at a seeded random time; both query plans must see every one.
import * as assert from 'node:assert/strict';
import { Rng } from '../../src/core/random';
import type { Workload } from '../../src/core/workload';
import { ClusterDataSource } from '../../src/data/cluster';
import type { MetricFrame } from '../../src/data/datasource';
import { startPrometheus, toOpenMetrics, type OpenMetricsSeries, type RunningPrometheus } from '../harness/prometheus';

const SCRAPE = 60;
const DAYS = 30;
const Mi = 1024 * 1024;
const POD = 'checkout-6b7f9c8d5e-k2x9p';
const BASE_CPU = 0.2;
const BURST_CPU = 10;
const BASE_MEM = 200 * Mi;
const SPIKE_MEM = 800 * Mi;

function generate(start: number, end: number): { series: OpenMetricsSeries[]; spikes: number[]; bursts: number[] } {
  const rng = new Rng(3011);
  const spikes: number[] = [];
  const bursts: number[] = [];
  for (let d = 0; d < DAYS; d++) {
    const day = start + d * 86400;
    spikes.push(day + SCRAPE * (20 + rng.int(1400)));
    bursts.push(day + SCRAPE * (20 + rng.int(1400)));
  }
  const spikeSet = new Set(spikes);
  const burstSet = new Set(bursts);
  const cpu: Array<[number, number]> = [];
  const mem: Array<[number, number]> = [];
  const one: Array<[number, number]> = [];
  let used = 0;
  for (let t = start; t <= end; t += SCRAPE) {
    // The counter's rise to t is the usage in (t - 60, t]: a burst at b is the rise of the sample at b + 60.
    if (t > start) used += (burstSet.has(t - SCRAPE) ? BURST_CPU : BASE_CPU) * SCRAPE;
    cpu.push([t, Math.round(used * 1000) / 1000]);
    mem.push([t, spikeSet.has(t) ? SPIKE_MEM : BASE_MEM]);
    one.push([t, 1]);
  }
  const labels = { namespace: 'shop', pod: POD, container: 'server' };
  return {
    spikes,
    bursts,
    series: [
      { name: 'container_cpu_usage_seconds', type: 'counter', labels, samples: cpu },
      { name: 'container_memory_working_set_bytes', type: 'gauge', labels, samples: mem },
      { name: 'kube_pod_owner', type: 'gauge', labels: { namespace: 'shop', pod: POD, owner_kind: 'ReplicaSet', owner_name: 'checkout-6b7f9c8d5e', owner_is_controller: 'true' }, samples: one },
      { name: 'kube_replicaset_owner', type: 'gauge', labels: { namespace: 'shop', replicaset: 'checkout-6b7f9c8d5e', owner_kind: 'Deployment', owner_name: 'checkout', owner_is_controller: 'true' }, samples: one },
    ],
  };
}

const WORKLOAD: Workload = { context: 'test', namespace: 'shop', kind: 'Deployment', name: 'checkout', replicas: 1, containers: [{ name: 'server', resources: { requests: {}, limits: {} } }] };

/** The largest value at grid points in [from, to). */
function maxIn(f: MetricFrame, v: Float64Array, from: number, to: number): number {
  let m = -Infinity;
  for (let i = 0; i < f.t.length; i++) if (f.t[i] >= from && f.t[i] < to && !Number.isNaN(v[i])) m = Math.max(m, v[i]);
  return m;
}

describe('long ranges read at a grown step see every spike (real Prometheus, 30 days backfilled)', function () {
  this.timeout(300_000);
  const end = Math.floor(Date.now() / 1000 / 3600) * 3600 - 3600;
  const start = end - DAYS * 86400;
  const range = { from: start, to: end, step: 60 };
  let prom: RunningPrometheus | undefined;
  let data: ReturnType<typeof generate>;

  before(async () => {
    data = generate(start, end);
    prom = await startPrometheus({ openMetrics: toOpenMetrics(data.series), backfillMaxBlockDuration: '240h', extraArgs: ['--storage.tsdb.max-block-duration=240h'] });
  });
  after(async () => {
    await prom?.stop();
  });

  for (const plan of ['batched', 'per-workload'] as const) {
    it(`${plan} plan: the daily 60 s memory spike on ${DAYS} of ${DAYS} days, the daily CPU burst on every day and CPU over all the time`, async () => {
      const source = new ClusterDataSource({ prometheusUrl: prom!.url, now: () => end, prometheusPlan: plan });
      let frame: MetricFrame | undefined;
      for await (const item of source.metricsForNamespace('test', 'shop', [WORKLOAD], range)) {
        const f = item.containers.get('server');
        assert.ok(f && !(f instanceof Error), `server: ${(f as Error | undefined)?.message}`);
        frame = f;
      }
      assert.ok(frame, 'a frame');
      const step = frame.step;
      assert.ok(step > 60, `the step grew (${step} s): else this test proves nothing`);
      const mem = frame.values.memory_working_set!;
      const cpu = frame.values.cpu_usage!;
      assert.ok(mem && cpu, 'memory and CPU read');

      // Every spike is the peak of the step that holds it: the grid point at or after it (within one step).
      const seenSpikes = data.spikes.filter((s) => maxIn(frame!, mem, s, s + step) === SPIKE_MEM).length;
      assert.equal(seenSpikes, DAYS, `memory spike seen on ${seenSpikes} of ${DAYS} days`);
      // No peak invented: outside the spikes' steps, the base.
      assert.equal(maxIn(frame, mem, start, data.spikes[0]), BASE_MEM);

      // A burst adds BURST_CPU × 60 core-seconds; at least half of it lands in one window of one step.
      const burstLevel = BASE_CPU + ((BURST_CPU - BASE_CPU) * SCRAPE) / step / 2;
      const seenBursts = data.bursts.filter((b) => maxIn(frame!, cpu, b, b + 3 * step) >= 0.9 * burstLevel).length;
      assert.equal(seenBursts, DAYS, `CPU burst seen on ${seenBursts} of ${DAYS} days`);
      // CPU over all the time: the frame's core-seconds are the counter's rise (within rate()'s extrapolation).
      let coreSeconds = 0;
      for (let i = 1; i < cpu.length; i++) if (!Number.isNaN(cpu[i])) coreSeconds += cpu[i] * step;
      const truth = BASE_CPU * (frame.t[frame.t.length - 1] - frame.t[0]) + DAYS * (BURST_CPU - BASE_CPU) * SCRAPE;
      assert.ok(Math.abs(coreSeconds - truth) / truth < 0.03, `CPU read ${coreSeconds.toFixed(0)} core-s of ${truth.toFixed(0)}`);
    });
  }
});

// Scraped less often than the step read (2 min scrapes at the default 60 s step): a step then holds no sample, and the
// peak within it alone left every other point a gap (before: 50% of memory missing). The last sample within the
// lookback stands in, as an instant read did.
describe('memory scraped less often than the step has no gaps (real Prometheus)', function () {
  this.timeout(120_000);
  const end = Math.floor(Date.now() / 1000 / 3600) * 3600 - 3600;
  const start = end - 86400;
  let prom: RunningPrometheus | undefined;
  before(async () => {
    const mem: Array<[number, number]> = [];
    const one: Array<[number, number]> = [];
    for (let t = start; t <= end; t += 120) {
      mem.push([t, BASE_MEM + (t % 7) * Mi]);
      one.push([t, 1]);
    }
    const labels = { namespace: 'shop', pod: POD, container: 'server' };
    prom = await startPrometheus({ openMetrics: toOpenMetrics([
      { name: 'container_memory_working_set_bytes', type: 'gauge', labels, samples: mem },
      { name: 'kube_pod_owner', type: 'gauge', labels: { namespace: 'shop', pod: POD, owner_kind: 'ReplicaSet', owner_name: 'checkout-6b7f9c8d5e', owner_is_controller: 'true' }, samples: one },
      { name: 'kube_replicaset_owner', type: 'gauge', labels: { namespace: 'shop', replicaset: 'checkout-6b7f9c8d5e', owner_kind: 'Deployment', owner_name: 'checkout', owner_is_controller: 'true' }, samples: one },
    ]) });
  });
  after(async () => {
    await prom?.stop();
  });

  for (const plan of ['batched', 'per-workload'] as const) {
    it(`${plan} plan: every 60 s point has a memory value, each a sample that was scraped`, async () => {
      const source = new ClusterDataSource({ prometheusUrl: prom!.url, now: () => end, prometheusPlan: plan });
      let frame: MetricFrame | undefined;
      for await (const item of source.metricsForNamespace('test', 'shop', [WORKLOAD], { from: start, to: end, step: 60 })) {
        const f = item.containers.get('server');
        assert.ok(f && !(f instanceof Error), `server: ${(f as Error | undefined)?.message}`);
        frame = f;
      }
      assert.ok(frame, 'a frame');
      assert.equal(frame.step, 60);
      const mem = frame.values.memory_working_set!;
      let gaps = 0;
      let points = 0;
      for (let i = 0; i < frame.t.length; i++) {
        if (frame.t[i] <= start + 120 || frame.t[i] > end) continue;
        points++;
        if (Number.isNaN(mem[i])) gaps++;
        else assert.ok(mem[i] >= BASE_MEM && mem[i] <= BASE_MEM + 6 * Mi, `a scraped value at ${frame.t[i]}: ${mem[i]}`);
      }
      assert.ok(points > 1000, `${points} points`);
      assert.equal(gaps, 0, `${gaps} of ${points} points without memory`);
    });
  }
});
