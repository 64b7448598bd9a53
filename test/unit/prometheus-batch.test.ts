// The batched plan's pure parts: Prometheus' histogram_quantile re-done client-side, pods mapped to workloads through
// the owner chain (name patterns only as the fallback), and namespaces split into bounded pod batches.
// (Frames against the per-workload plan in a real Prometheus: test/integration/prometheus-batch.test.ts.)
import * as assert from 'node:assert/strict';
import type { Workload, WorkloadKind } from '../../src/core/workload';
import { OwnerIndex, PodResolver, planBatches } from '../../src/data/prometheus/batch-plan';
import { bucketQuantile, parseLe } from '../../src/data/prometheus/histogram';

function w(kind: WorkloadKind, name: string, replicas = 1, containers = ['app']): Workload {
  return { context: 'c', namespace: 'ns', kind, name, replicas, containers: containers.map((c) => ({ name: c, resources: { requests: {}, limits: {} } })) };
}

describe('batched Prometheus plan (pure parts)', () => {
  describe('bucketQuantile (Prometheus histogram_quantile)', () => {
    const b = (pairs: Array<[number, number]>) => pairs.map(([upperBound, count]) => ({ upperBound, count }));

    it('interpolates linearly inside the bucket that holds the rank', () => {
      // 100 observations: 50 ≤ 0.1, 90 ≤ 0.5, 100 ≤ 1.
      const h = () => b([[0.1, 50], [0.5, 90], [1, 100], [Infinity, 100]]);
      assert.equal(bucketQuantile(0.5, h()), 0.1);
      assert.ok(Math.abs(bucketQuantile(0.7, h()) - (0.1 + 0.4 * (20 / 40))) < 1e-15);
      assert.ok(Math.abs(bucketQuantile(0.95, h()) - (0.5 + 0.5 * (5 / 10))) < 1e-15);
      assert.ok(Math.abs(bucketQuantile(0.25, h()) - 0.05) < 1e-15, 'the first bucket starts at 0');
    });

    it('answers as Prometheus does at the edges', () => {
      assert.equal(bucketQuantile(0.99, b([[0.1, 1], [1, 2], [Infinity, 100]])), 1, 'rank in +Inf: the highest finite bound');
      assert.ok(Number.isNaN(bucketQuantile(0.5, b([[0.1, 1], [1, 2]]))), 'no +Inf bucket');
      assert.ok(Number.isNaN(bucketQuantile(0.5, b([[Infinity, 5]]))), 'fewer than two buckets');
      assert.ok(Number.isNaN(bucketQuantile(0.5, b([[1, 0], [Infinity, 0]]))), 'no observations');
      assert.equal(bucketQuantile(-0.1, b([[1, 1], [Infinity, 1]])), -Infinity);
      assert.equal(bucketQuantile(1.1, b([[1, 1], [Infinity, 1]])), Infinity);
      assert.equal(bucketQuantile(0.5, b([[-1, 5], [0, 8], [Infinity, 10]])), -1, 'a first bucket with a bound ≤ 0 is returned as is');
    });

    it('sorts, merges equal bounds (le="1" and le="1.0") and forces counts monotonic', () => {
      // → 0.5: 2, 1: 4, +Inf: 10; rank 3 lies in (0.5, 1], one of its two observations in.
      assert.equal(bucketQuantile(0.3, b([[Infinity, 10], [1, 3], [0.5, 2], [1, 1]])), 0.75);
      // A count below its predecessor (rates of separately scraped series) is lifted to it.
      assert.equal(bucketQuantile(0.5, b([[0.1, 6], [0.5, 4], [Infinity, 10]])), 0.1 * (5 / 6));
      assert.equal(parseLe('+Inf'), Infinity);
      assert.equal(parseLe('1.0'), 1);
      assert.ok(Number.isNaN(parseLe('')));
      assert.ok(Number.isNaN(parseLe('fast')));
    });
  });

  describe('PodResolver', () => {
    const workloads = [w('Deployment', 'api'), w('DaemonSet', 'api-x'), w('StatefulSet', 'db'), w('CronJob', 'report'), w('Deployment', 'web')];
    const owners = new OwnerIndex();
    OwnerIndex.add(owners.pods, 'api-7d9f8c6b5a-abcde', 'ReplicaSet', 'api-7d9f8c6b5a');
    OwnerIndex.add(owners.replicaSets, 'api-7d9f8c6b5a', 'Deployment', 'api');
    OwnerIndex.add(owners.pods, 'api-x-q1w2e', 'DaemonSet', 'api-x');
    OwnerIndex.add(owners.pods, 'db-0', 'StatefulSet', 'db');
    OwnerIndex.add(owners.pods, 'report-28731540-zx9cv', 'Job', 'report-28731540');
    OwnerIndex.add(owners.jobs, 'report-28731540', 'CronJob', 'report');
    // web's ReplicaSet series is missing: the pod-template-hash suffix is stripped.
    OwnerIndex.add(owners.pods, 'web-5c6d7e8f9a-aaaaa', 'ReplicaSet', 'web-5c6d7e8f9a');
    // A pod of a workload nobody listed, whose name fits api's pattern.
    OwnerIndex.add(owners.pods, 'api-other-12345', 'ReplicaSet', 'api-other');
    OwnerIndex.add(owners.replicaSets, 'api-other', 'Deployment', 'lookalike');
    OwnerIndex.add(owners.pods, 'debug', '<none>', '<none>');

    it('follows the owner chain: pod → ReplicaSet → Deployment, pod → Job → CronJob, StatefulSet and DaemonSet directly', () => {
      const r = new PodResolver(workloads, owners);
      assert.equal(r.resolve('api-7d9f8c6b5a-abcde'), 0);
      assert.equal(r.resolve('api-x-q1w2e'), 1, 'the DaemonSet, though the name fits api\'s Deployment pattern too');
      assert.equal(r.resolve('db-0'), 2);
      assert.equal(r.resolve('report-28731540-zx9cv'), 3);
      assert.equal(r.resolve('web-5c6d7e8f9a-aaaaa'), 4);
      assert.equal(r.resolve('api-other-12345'), -1, 'owned by a workload not listed: not api\'s, whatever its name');
      assert.equal(r.resolve('debug'), -1, 'a bare pod is its own workload');
      assert.equal(r.podsByOwner, 5);
      assert.equal(r.podsByPattern, 0);
      assert.equal(r.foreignPods(), 2);
    });

    it('falls back to name patterns for pods kube-state-metrics never reported; the longest matching name wins', () => {
      const r = new PodResolver(workloads, owners);
      assert.equal(r.resolve('db-1'), 2);
      assert.equal(r.resolve('api-x-zzzzz'), 1, 'api-x-zzzzz fits both api (Deployment) and api-x (DaemonSet)');
      assert.equal(r.resolve('api-6b5a4c3d2e-fffff'), 0);
      assert.equal(r.resolve('nothing-here'), -1);
      assert.equal(r.podsByPattern, 3);
      const none = new PodResolver(workloads, undefined);
      assert.equal(none.resolve('api-7d9f8c6b5a-abcde'), 0);
      assert.equal(none.podsByOwner, 0);
    });
  });

  describe('PodResolver: Argo Rollouts', () => {
    it('pod → ReplicaSet → Rollout, and by the ReplicaSet\'s name when its series is missing; a Deployment of the same name stays apart', () => {
      const workloads = [w('Rollout', 'checkout'), w('Deployment', 'cart'), w('Rollout', 'search')];
      const owners = new OwnerIndex();
      OwnerIndex.add(owners.pods, 'checkout-6f8b9c7d5-q2w3e', 'ReplicaSet', 'checkout-6f8b9c7d5');
      OwnerIndex.add(owners.replicaSets, 'checkout-6f8b9c7d5', 'Rollout', 'checkout');
      OwnerIndex.add(owners.pods, 'search-5b4c7d8e9-aaaaa', 'ReplicaSet', 'search-5b4c7d8e9');
      const r = new PodResolver(workloads, owners);
      assert.equal(r.resolve('checkout-6f8b9c7d5-q2w3e'), 0);
      assert.equal(r.resolve('search-5b4c7d8e9-aaaaa'), 2, 'the ReplicaSet series is missing: <rollout>-<hash>');
      assert.equal(r.podsByOwner, 2);
      // kube-state-metrics never saw it: the Deployment-like name pattern <rollout>-<hash>-<5>.
      assert.equal(r.resolve('checkout-7a8b9c6d5-zzzzz'), 0);
      assert.equal(r.podsByPattern, 1);
    });
  });

  describe('planBatches', () => {
    const owners = new OwnerIndex();
    const workloads = Array.from({ length: 10 }, (_, i) => w('Deployment', `svc-${i}`, 3, i % 2 ? ['app', 'proxy'] : ['app']));
    workloads.forEach((x) => {
      OwnerIndex.add(owners.replicaSets, `${x.name}-5d6f7a8b9c`, 'Deployment', x.name);
      for (let p = 0; p < 3; p++) OwnerIndex.add(owners.pods, `${x.name}-5d6f7a8b9c-pod${p}a`, 'ReplicaSet', `${x.name}-5d6f7a8b9c`);
    });

    it('one batch when the namespace fits: its pods by name, aggregated per workload by Prometheus (names checked against the owners)', () => {
      const [b, ...rest] = planBatches('shop', workloads, new PodResolver(workloads, owners), 500, 24_000);
      assert.equal(rest.length, 0);
      assert.match(b.podSel, /^namespace="shop",pod=~"svc-0-5d6f7a8b9c-pod0a\|svc-0-5d6f7a8b9c-pod1a\|/);
      assert.equal(b.capture, '(svc-0|svc-1|svc-2|svc-3|svc-4|svc-5|svc-6|svc-7|svc-8|svc-9)(?:-.*)?');
      assert.equal(b.pods, 30);
      assert.equal(b.containerSeries, 45);
    });

    it('splits a large namespace into balanced batches of whole workloads, each a bounded regex of pod names', () => {
      const batches = planBatches('shop', workloads, new PodResolver(workloads, owners), 12, 24_000);
      assert.deepEqual(batches.map((b) => b.members.length), [4, 4, 2]);
      assert.deepEqual(batches.flatMap((b) => b.members), [...workloads.keys()]);
      for (const b of batches) {
        assert.ok(b.pods <= 12);
        assert.match(b.podSel, /^namespace="shop",pod=~"svc-\d-5d6f7a8b9c-pod0a\|/);
        assert.ok(b.capture);
      }
      const byRegex = planBatches('shop', workloads, new PodResolver(workloads, owners), 1000, 300);
      assert.ok(byRegex.length > 1, `${byRegex.length} batch(es)`);
      for (const b of byRegex) assert.ok(b.podSel.length < 300 + 40, `${b.podSel.length} characters`);
    });

    it('pod mode where Prometheus cannot be told the workload: no owner data, shared names, a pod its capture would misplace', () => {
      const blind = planBatches('shop', [workloads[3]], new PodResolver([workloads[3]], undefined), 500, 24_000);
      assert.deepEqual(blind.map((b) => [b.podSel, b.capture]), [['namespace="shop",pod=~"svc-3-[a-z0-9]{1,10}-[a-z0-9]{5}"', undefined]]);
      // Deployment "api" whose pod (template hash "x1") is named like DaemonSet "api-x1"'s: api is read per pod.
      const ws = [w('Deployment', 'api'), w('DaemonSet', 'api-x1'), w('StatefulSet', 'web'), w('Deployment', 'web'), w('Deployment', 'cart')];
      const o = new OwnerIndex();
      OwnerIndex.add(o.pods, 'api-x1-abcde', 'ReplicaSet', 'api-x1');
      OwnerIndex.add(o.replicaSets, 'api-x1', 'Deployment', 'api');
      OwnerIndex.add(o.pods, 'api-x1-qwert', 'DaemonSet', 'api-x1');
      OwnerIndex.add(o.pods, 'web-0', 'StatefulSet', 'web');
      OwnerIndex.add(o.pods, 'web-5d6f7a8b9c-zzzzz', 'ReplicaSet', 'web-5d6f7a8b9c');
      OwnerIndex.add(o.pods, 'cart-5d6f7a8b9c-yyyyy', 'ReplicaSet', 'cart-5d6f7a8b9c');
      const batches = planBatches('shop', ws, new PodResolver(ws, o), 500, 24_000);
      assert.deepEqual(batches.map((b) => [b.members, b.capture]), [
        [[0, 2, 3], undefined],
        [[1, 4], '(api-x1|cart)(?:-.*)?'],
      ], 'batches in the order of their first workload');
      assert.equal(batches[0].podSel, 'namespace="shop",pod=~"api-x1-abcde|web-0|web-5d6f7a8b9c-zzzzz"', 'their own pods (the others\' are 40 % of the namespace), mapped here');
      const o2 = new OwnerIndex();
      OwnerIndex.add(o2.pods, 'web-0', 'StatefulSet', 'web');
      OwnerIndex.add(o2.pods, 'web-5d6f7a8b9c-zzzzz', 'ReplicaSet', 'web-5d6f7a8b9c');
      const mostly = planBatches('shop', ws.slice(2, 4), new PodResolver(ws.slice(2, 4), o2), 500, 24_000);
      assert.deepEqual(mostly.map((b) => [b.podSel, b.capture]), [['namespace="shop"', undefined]], 'shared names, most of the namespace: one namespace-wide query, mapped here');
    });
  });
});
