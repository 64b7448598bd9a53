// OOM kills from a real Prometheus (backfilled with promtool): kube-state-metrics' restart counter and last termination
// reason, and cAdvisor's container_oom_events_total, read by the batched plan in one query per namespace and mapped onto
// each container's frame (MetricFrame.oomKills). A kill that was not an OOM, and kills before the range, do not count; a
// namespace with no OOM series at all is read without them, with one warning. The one-workload path
// (ClusterDataSource.metrics(): the forecast view, one workload's recommend/forecast) reads the same kills.
import * as assert from 'node:assert/strict';
import type { Workload } from '../../src/core/workload';
import { ClusterDataSource } from '../../src/data/cluster';
import type { MetricFrame } from '../../src/data/datasource';
import { PrometheusClient } from '../../src/data/prometheus/client';
import { batchedFrames, newBatchPlanStats, OOM_MISSING } from '../../src/data/prometheus/batch-plan';
import { DEFAULT_QUERY_CONFIG } from '../../src/data/prometheus/queries';
import { startPrometheus, toOpenMetrics, type OpenMetricsSeries, type RunningPrometheus } from '../harness/prometheus';

const STEP = 300;
const HOURS = 72;
const H = 3600;

function wl(ns: string, name: string, containers: string[]): Workload {
  return { context: 'test', namespace: ns, kind: 'Deployment', name, replicas: 1, containers: containers.map((c) => ({ name: c, resources: { requests: {}, limits: { memory: 256 * 2 ** 20 } } })) };
}

describe('OOM kills from kube-state-metrics and cAdvisor in a real Prometheus', function () {
  this.timeout(120_000);
  let prom: RunningPrometheus | undefined;
  let client: PrometheusClient;
  const end = Math.floor(Date.now() / 1000 / H) * H - 2 * H;
  const start = end - HOURS * H;
  /** Restart times (seconds since start) of cache's server: OOM kills at 10 h 7 min and 30 h 20 min, an Error exit at 40 h. */
  const OOM = [10 * H + 420, 30 * H + 1200];
  const ERROR = 40 * H;

  before(async function () {
    this.timeout(180_000);
    const out: OpenMetricsSeries[] = [];
    const ts: number[] = [];
    for (let t = start; t <= end; t += STEP) ts.push(t);
    const gauge = (f: (t: number) => number | undefined) => ts.flatMap((t) => { const v = f(t - start); return v === undefined ? [] : [[t, v] as [number, number]]; });
    const pods: Array<[string, string, string, string[]]> = [
      ['shop', 'cache-6b7f9c8d5e-k2x9p', 'cache-6b7f9c8d5e', ['server', 'sidecar']],
      ['shop', 'web-5c6d7e8f9a-zz9zz', 'web-5c6d7e8f9a', ['server']],
      ['shop', 'queue-7d8e9f0a1b-x1y2z', 'queue-7d8e9f0a1b', ['worker']],
      ['bare', 'api-5f6a7b8c9d-p0o9i', 'api-5f6a7b8c9d', ['api']],
    ];
    for (const [ns, pod, rs, containers] of pods) {
      const base = { namespace: ns, pod };
      for (const c of containers) {
        let v = 0;
        out.push({ name: 'container_cpu_usage_seconds', type: 'counter', labels: { ...base, container: c }, samples: gauge(() => (v += 0.1 * STEP)) });
        out.push({ name: 'container_memory_working_set_bytes', type: 'gauge', labels: { ...base, container: c }, samples: gauge(() => 2e8) });
      }
      if (ns === 'bare') continue; // no kube-state-metrics, no OOM events: nothing to tell kills by
      out.push({ name: 'kube_pod_owner', type: 'gauge', labels: { ...base, owner_kind: 'ReplicaSet', owner_name: rs, owner_is_controller: 'true' }, samples: gauge(() => 1) });
      out.push({ name: 'kube_replicaset_owner', type: 'gauge', labels: { namespace: ns, replicaset: rs, owner_kind: 'Deployment', owner_name: rs.replace(/-[a-z0-9]+$/, ''), owner_is_controller: 'true' }, samples: gauge(() => 1) });
      for (const c of containers) {
        const labels = { ...base, container: c, uid: 'u1' };
        if (pod.startsWith('cache') && c === 'server') {
          const restarts = (s: number) => OOM.filter((x) => x <= s).length + (s >= ERROR ? 1 : 0);
          out.push({ name: 'kube_pod_container_status_restarts', type: 'counter', labels, samples: gauge(restarts) });
          // kube-state-metrics reports the last termination's reason only: OOMKilled from the first kill until the Error exit.
          out.push({ name: 'kube_pod_container_status_last_terminated_reason', type: 'gauge', labels: { ...labels, reason: 'OOMKilled' }, samples: gauge((s) => (s >= OOM[0] && s < ERROR ? 1 : undefined)) });
          out.push({ name: 'kube_pod_container_status_last_terminated_reason', type: 'gauge', labels: { ...labels, reason: 'Error' }, samples: gauge((s) => (s >= ERROR ? 1 : undefined)) });
        } else {
          out.push({ name: 'kube_pod_container_status_restarts', type: 'counter', labels, samples: gauge(() => 0) });
        }
      }
      if (pod.startsWith('queue')) {
        // cAdvisor's OOM events only (no termination reason series): three kills in the same hour at 50 h, one at 2 h.
        out.push({ name: 'container_oom_events', type: 'counter', labels: { ...base, container: 'worker', id: '/kubepods/x' }, samples: gauge((s) => (s >= 50 * H + 600 ? 4 : s >= 2 * H + 600 ? 1 : 0)) });
      }
    }
    prom = await startPrometheus({ openMetrics: toOpenMetrics(out) });
    client = new PrometheusClient({ url: prom.url });
  });

  after(async () => {
    await prom?.stop();
  });

  async function frames(ns: string, workloads: Workload[], from: number) {
    const stats = newBatchPlanStats();
    const out = new Map<string, MetricFrame>();
    const warnings = new Set<string>();
    for await (const item of batchedFrames(client, DEFAULT_QUERY_CONFIG, ns, workloads, { from, to: end, step: STEP }, { stats })) {
      for (const [c, f] of item.containers) {
        out.set(`${item.workload.name}/${c}`, f.frame);
        for (const w of f.warnings) warnings.add(w);
      }
    }
    return { frames: out, warnings, stats };
  }

  it('dates each OOM kill to its hour, per container, from either source; an Error exit is no OOM kill', async () => {
    const ws = [wl('shop', 'cache', ['server', 'sidecar']), wl('shop', 'web', ['server']), wl('shop', 'queue', ['worker'])];
    const { frames: f, warnings, stats } = await frames('shop', ws, start);
    const hourEnd = (s: number) => {
      // The query's points end at the grid's last time, an hour apart: a kill is dated to the first point at or after it.
      const last = f.get('cache/server')!.t.at(-1)!;
      return last - Math.floor((last - (start + s)) / H) * H;
    };
    assert.deepEqual(f.get('cache/server')!.oomKills, OOM.map(hourEnd), 'two OOM kills, the Error exit not counted');
    assert.deepEqual(f.get('cache/sidecar')!.oomKills, [], 'the sidecar was never killed');
    assert.deepEqual(f.get('web/server')!.oomKills, [], 'no restarts: known to be none');
    assert.deepEqual(f.get('queue/worker')!.oomKills, [hourEnd(2 * H + 600), ...Array(3).fill(hourEnd(50 * H + 600))], 'cAdvisor events: one, then three in one hour');
    assert.deepEqual([...warnings], []);
    // Per namespace, not per workload: one workload costs as many queries as three.
    assert.equal((await frames('shop', [ws[0]], start)).stats.queries, stats.queries);
  });

  it('counts only kills within the range read', async () => {
    const { frames: f } = await frames('shop', [wl('shop', 'cache', ['server'])], start + 20 * H);
    assert.equal(f.get('cache/server')!.oomKills!.length, 1, 'the kill at 10 h is before the range');
  });

  it('the one-workload path (metrics(), as the forecast view reads) gives each container the batched plan\'s kills', async () => {
    const ws = [wl('shop', 'cache', ['server', 'sidecar']), wl('shop', 'web', ['server']), wl('shop', 'queue', ['worker'])];
    const range = { from: start, to: end, step: STEP };
    const { frames: batched } = await frames('shop', ws, start);
    const source = new ClusterDataSource({ prometheus: client, now: () => end });
    for (const w of ws) {
      for (const c of w.containers) {
        const one = await source.metrics({ workload: w, container: c.name }, range);
        assert.deepEqual(one.oomKills, batched.get(`${w.name}/${c.name}`)!.oomKills, `${w.name}/${c.name}`);
        assert.deepEqual(one.warnings ?? [], [], `${w.name}/${c.name}: no warning`);
      }
    }
    assert.equal(batched.get('cache/server')!.oomKills!.length, 2, 'the comparison has kills in it');
    // No OOM series of its own (no kill, the namespace has OOM series): known to be none, not unknown, not an error.
    assert.deepEqual((await source.metrics({ workload: ws[1], container: 'server' }, range)).oomKills, []);
  });

  it('one workload without OOM series is read without kills, with one warning, as the batched plan', async () => {
    const api = wl('bare', 'api', ['api']);
    const frame = await new ClusterDataSource({ prometheus: client, now: () => end }).metrics({ workload: api, container: 'api' }, { from: start, to: end, step: STEP });
    assert.equal(frame.oomKills, undefined, 'unknown, not "none"');
    assert.ok(frame.values.memory_working_set, 'memory still read');
    assert.deepEqual(frame.warnings, [OOM_MISSING]);
  });

  it('without OOM series the frames are read without kills, with one warning', async () => {
    const { frames: f, warnings } = await frames('bare', [wl('bare', 'api', ['api'])], start);
    const frame = f.get('api/api')!;
    assert.equal(frame.oomKills, undefined, 'unknown, not "none"');
    assert.ok(frame.values.memory_working_set, 'memory still read');
    assert.deepEqual([...warnings], [OOM_MISSING]);
  });
});
