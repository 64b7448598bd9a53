// The "your cAdvisor series carry pod_name" hint on a workload without samples: whether any series carries pod_name is
// asked once per context and kept for a while — not forever (the extension runs for days, and the user fixes or breaks
// a relabelling meanwhile), and never when the question failed.
import * as assert from 'node:assert/strict';
import type { Workload } from '../../src/core/workload';
import { ClusterDataSource, OLD_LABELS_TTL_SECONDS } from '../../src/data/cluster';
import type { PrometheusClient } from '../../src/data/prometheus/client';

const workload = { context: 'prod', namespace: 'shop', kind: 'Deployment', name: 'web', replicas: 1, containers: [{ name: 'app', requests: {}, limits: {} }] } as unknown as Workload;

/** A Prometheus with no series under "pod"; `anyOld` answers the per-context pod_name question (or throws). */
function fakePrometheus(state: { anyOld: number | Error; workloadOld: number }) {
  const asked = { anyOld: 0, workloadOld: 0 };
  const client = {
    maxPoints: 11_000,
    queryRange: async () => ({ series: [], warnings: [] }),
    query: async (promql: string) => {
      if (promql.includes('pod_name!=""')) {
        asked.anyOld++;
        if (state.anyOld instanceof Error) throw state.anyOld;
        return [{ metric: {}, t: 0, v: state.anyOld }];
      }
      asked.workloadOld++;
      return [{ metric: {}, t: 0, v: state.workloadOld }];
    },
  };
  return { client: client as unknown as PrometheusClient, asked };
}

async function metricsError(source: ClusterDataSource, clock: { now: number }): Promise<string> {
  const range = { from: clock.now - 3600, to: clock.now, step: 60 };
  const e = await source.metrics({ workload, container: 'app' }, range).then(() => undefined, (x: Error) => x);
  assert.ok(e instanceof Error, 'expected "no samples"');
  return e.message;
}

describe('cluster source: the pod_name hint is not cached forever, nor when its question failed', () => {
  it('a relabelling broken after the first answer shows once the answer expired', async () => {
    const clock = { now: 1_800_000_000 };
    const state = { anyOld: 0 as number | Error, workloadOld: 4 };
    const { client } = fakePrometheus(state);
    const source = new ClusterDataSource({ prometheus: client, now: () => clock.now });
    assert.match(await metricsError(source, clock), /^no samples for container_cpu_usage_seconds_total\{/);
    state.anyOld = 7; // the scrape job now keeps pod_name/container_name
    clock.now += OLD_LABELS_TTL_SECONDS + 60;
    assert.match(await metricsError(source, clock), /4 series of .*pod_name=~.* they carry pod_name\/container_name/);
  });

  it('an answer within its lifetime is reused (one question per context, not one per workload)', async () => {
    const clock = { now: 1_800_000_000 };
    const { client, asked } = fakePrometheus({ anyOld: 0, workloadOld: 0 });
    const source = new ClusterDataSource({ prometheus: client, now: () => clock.now });
    await metricsError(source, clock);
    clock.now += OLD_LABELS_TTL_SECONDS / 2;
    await metricsError(source, clock);
    assert.equal(asked.anyOld, 1);
    assert.equal(asked.workloadOld, 0);
  });

  it('a failed question is asked again next time instead of being kept as "maybe" (a query per empty workload)', async () => {
    const clock = { now: 1_800_000_000 };
    const state = { anyOld: new Error('query timed out') as number | Error, workloadOld: 0 };
    const { client, asked } = fakePrometheus(state);
    const source = new ClusterDataSource({ prometheus: client, now: () => clock.now });
    assert.match(await metricsError(source, clock), /^no samples for/);
    assert.equal(asked.anyOld, 1);
    state.anyOld = 0;
    await metricsError(source, clock);
    await metricsError(source, clock);
    assert.equal(asked.anyOld, 2);
    // After the real answer ("none"), no workload is asked about pod_name: only the one while it was unknown.
    assert.equal(asked.workloadOld, 1);
  });
});
