// Shared pieces of the experiment-plan tests: plan YAML, a fake Prometheus client on a virtual clock, and a loopback
// Prometheus that answers every query.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PrometheusClient } from '../../../src/data/prometheus/client';

/** The head of a plan named shop (Prometheus on :9090, 1 s scrapes, rate cap 100, out: out), up to `services:`. */
export const SHOP_PLAN_HEAD = 'prometheus: http://127.0.0.1:9090\nscrapeInterval: 1s\nrateCap: 100\nout: out\nname: shop\nservices:\n';

/** One service of a plan's `services:` list in block style, 6 s cells with a 50 ms p95 SLO; `workload` scales shop/<it>. */
export function serviceYaml(s: { name: string; target: string; replicas: number[]; levels: number[]; workload?: string }): string {
  return `  - name: ${s.name}
    target: ${s.target}
    replicas: [${s.replicas.join(', ')}]
    levels: [${s.levels.join(', ')}]
    duration: 6s
    slo: { latencyP95Ms: 50 }
${s.workload ? `    workload: { namespace: shop, name: ${s.workload} }\n` : ''}`;
}

/**
 * A Prometheus client at the clock `clock()`: instant queries answer one sample (10 for count_over_time, else a
 * timestamp 5 s after the clock: scrapes are there), range queries a steady series of 2.
 */
export function steadyPrometheus(clock: () => number): PrometheusClient {
  return {
    maxPoints: 11000,
    displayUrl: 'http://prometheus.test',
    async query(q: string) { return [{ labels: {}, t: clock(), v: q.startsWith('count_over_time') ? 10 : clock() + 5 }]; },
    async buildInfo() { return { version: 'test' }; },
    async queryRange(_q: string, start: number, end: number, step: number) {
      const n = Math.floor((end - start) / step) + 1;
      return { series: [{ labels: {}, t: Float64Array.from({ length: n }, (_, i) => start + i * step), v: new Float64Array(n).fill(2) }], step, start, end, warnings: [] };
    },
  } as unknown as PrometheusClient;
}

/** A loopback Prometheus that answers every query with vector(1) (a plan's pre-run check passes). */
export async function answeringPrometheus(): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [Date.now() / 1000, '1'] }] } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
