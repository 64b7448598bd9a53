/**
 * bench:cluster-listing — what `mora recommend --source cluster` pays to name the pods it does not size
 * (KubeClient.uncoveredPods: one Pod and one ReplicaSet list per namespace, on top of the five workload lists), on a
 * namespace of `--workloads` (default 1,000) Deployments with one pod each, plus a few pods of owners MOrA does not size.
 * A real kube-apiserver (test/harness/control-plane.ts) and a real Prometheus backfilled with `--hours` (default 1) of
 * cAdvisor-shaped usage for every pod. Baseline, in the same process: the workload listing alone (what the CLI did
 * before). Then the whole CLI once, JSON output, and what it says on stderr.
 *
 *   npm run bench:cluster-listing [-- --workloads 1000 --hours 1 --rounds 5]
 */
import * as os from 'node:os';
import { performance } from 'node:perf_hooks';
import { KubeClient } from '../../src/data/kube/client';
import { ControlPlane } from '../../test/harness/control-plane';
import { usageSeries } from '../../test/harness/live-cluster';
import { startPrometheus, toOpenMetrics, type OpenMetricsSeries } from '../../test/harness/prometheus';
import { moraProcess, cleanEnv } from '../../test/unit/helpers/run-cli';
import { arg } from './args';

type Json = Record<string, unknown>;
const WORKLOADS = arg('workloads', 1000);
const HOURS = arg('hours', 1);
const ROUNDS = arg('rounds', 5);

async function pool<T>(items: T[], width: number, f: (x: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => { while (next < items.length) await f(items[next++]); }));
}

async function main(): Promise<void> {
  const cp = await ControlPlane.start();
  try {
    await cp.createNode('mora-node-1', { cpu: '64', memory: '256Gi', pods: String(WORKLOADS + 100) });
    await cp.createNamespace('bulk');
    const end = Math.floor(Date.now() / 60_000) * 60 - 120;
    const series: OpenMetricsSeries[] = [];
    const t0 = performance.now();
    await pool(Array.from({ length: WORKLOADS }, (_, i) => i), 8, async (i) => {
      const d = await cp.createDeployment('bulk', { name: `svc-${i}`, containers: [{ name: 'app', requests: { cpu: '100m', memory: '128Mi' } }] });
      series.push(...usageSeries(d.pods, 'bulk', { app: { cpu: 0.05, memory: 60e6 } }, end - HOURS * 3600, end));
    });
    for (const name of ['debug-a', 'debug-b']) await cp.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'bulk' }, spec: { containers: [{ name: 'sh', image: 'busybox' }] } });
    const made = (performance.now() - t0) / 1000;
    const prom = await startPrometheus({ openMetrics: toOpenMetrics(series) });
    try {
      const kube = KubeClient.load({ kubeconfig: cp.kubeconfig });
      const time = async (f: () => Promise<unknown>) => {
        const xs: number[] = [];
        for (let r = 0; r < ROUNDS; r++) { const a = performance.now(); await f(); xs.push(performance.now() - a); }
        return xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
      };
      const listed = (await kube.workloads('mora-real', 'bulk')).workloads.length;
      const base = await time(() => kube.workloads('mora-real', 'bulk'));
      const withPods = await time(() => Promise.all([kube.workloads('mora-real', 'bulk'), kube.uncoveredPods('mora-real', 'bulk')]).then(([, line]) => line));
      const after = await time(async () => { await kube.workloads('mora-real', 'bulk'); await kube.uncoveredPods('mora-real', 'bulk'); });
      const line = await kube.uncoveredPods('mora-real', 'bulk');
      const a = performance.now();
      const cli = await moraProcess(['recommend', '--source', 'cluster', '--prometheus', prom.url, '--kubeconfig', cp.kubeconfig, '-n', 'bulk', '-f', 'json', '-q'], cleanEnv());
      const cliSeconds = (performance.now() - a) / 1000;
      const recs = cli.code === 0 ? (JSON.parse(cli.out) as Json[]).length : 0;
      console.log(`machine: ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)}; ${WORKLOADS} Deployments + ${WORKLOADS} ReplicaSets + ${WORKLOADS + 2} Pods created in ${made.toFixed(0)} s`);
      console.log(`listing (median of ${ROUNDS}): workloads alone ${base.toFixed(0)} ms (baseline, ${listed} workloads); + uncoveredPods in parallel (as the CLI runs it) ${withPods.toFixed(0)} ms (×${(withPods / base).toFixed(2)}); one after the other ${after.toFixed(0)} ms (×${(after / base).toFixed(2)})`);
      console.log(`uncoveredPods says: ${line}`);
      console.log(`mora recommend --source cluster -n bulk -f json: exit ${cli.code}, ${recs} recommendations, ${cliSeconds.toFixed(1)} s; stderr: ${cli.err.trim().split('\n').slice(0, 3).join(' | ')}`);
    } finally {
      await prom.stop();
    }
  } finally {
    await cp.stop();
  }
}

main().catch((e: unknown) => { console.error(e); process.exit(1); });
