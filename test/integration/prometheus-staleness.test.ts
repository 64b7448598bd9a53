// Staleness markers, which only a real scrape writes (promtool backfill cannot): a real Prometheus scrapes a loopback
// cAdvisor-shaped exporter every second while a Deployment's pod is replaced by a new one (a rollout), and then while
// the exporter is down. What MOrA reads for the workload must follow the pod that exists: the replaced pod's memory
// must not linger in the per-pod average for Prometheus's 5-minute lookback (it would halve or double the new pod's
// usage after every rollout), and a target that stopped answering must read as missing data, not as its last value
// repeated — a flat line there would be sized as real usage.
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PrometheusClient } from '../../src/data/prometheus/client';
import { fetchFrame } from '../../src/data/prometheus/frame';
import { DEFAULT_QUERY_CONFIG, metricQueries } from '../../src/data/prometheus/queries';
import { startPrometheus, type RunningPrometheus } from '../harness/prometheus';
import { until } from '../harness/wait';

const MiB = 1024 * 1024;
const OLD_POD = 'web-5d8f9c7b6-abcde';
const NEW_POD = 'web-7c9d8e6f5-fghij';
const OLD_BYTES = 800 * MiB;
const NEW_BYTES = 200 * MiB;

type Phase = 'old' | 'new' | 'down';

/** A kubelet's /metrics/cadvisor for one container of whichever pod the phase says runs; 500 while "down". */
function exporter(): { server: http.Server; set(p: Phase): void } {
  let phase: Phase = 'old';
  const started = Date.now();
  const server = http.createServer((_req, res) => {
    if (phase === 'down') {
      res.writeHead(500).end('down');
      return;
    }
    const pod = phase === 'old' ? OLD_POD : NEW_POD;
    const bytes = phase === 'old' ? OLD_BYTES : NEW_BYTES;
    const labels = `namespace="shop",pod="${pod}",container="server"`;
    const cpuSeconds = 0.25 * (Date.now() - started) / 1000;
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(
      '# TYPE container_memory_working_set_bytes gauge\n'
      + `container_memory_working_set_bytes{${labels}} ${bytes}\n`
      + '# TYPE container_cpu_usage_seconds_total counter\n'
      + `container_cpu_usage_seconds_total{${labels}} ${cpuSeconds}\n`,
    );
  });
  return { server, set: (p) => { phase = p; } };
}

/** The raw samples (timestamp, value) Prometheus stored for a selector over the last `seconds`. */
async function raw(prom: RunningPrometheus, selector: string, seconds = 300): Promise<Array<[number, number]>> {
  const r = await fetch(`${prom.url}/api/v1/query?query=${encodeURIComponent(`${selector}[${seconds}s]`)}`);
  const body = await r.json() as { data: { result: Array<{ values: Array<[number, string]> }> } };
  return body.data.result.flatMap((s) => s.values.map(([t, v]): [number, number] => [t, Number(v)]));
}

describe('staleness markers from a real scrape: a replaced pod and a dead target', function () {
  this.timeout(120_000);
  let prom: RunningPrometheus | undefined;
  const exp = exporter();

  before(async () => {
    await new Promise<void>((resolve) => exp.server.listen(0, '127.0.0.1', resolve));
    const port = (exp.server.address() as AddressInfo).port;
    prom = await startPrometheus({
      scrapeConfigsYaml: `  - job_name: cadvisor\n    scrape_interval: 1s\n    static_configs:\n      - targets: ['127.0.0.1:${port}']\n`,
    });
  });

  after(async () => {
    await prom?.stop();
    await new Promise<void>((resolve) => exp.server.close(() => resolve()));
  });

  it('reads the new pod alone after a rollout, and a gap (not the last value) once the target is down', async () => {
    const p = prom!;
    const from = Math.floor(Date.now() / 1000);
    const mem = (pod: string) => `container_memory_working_set_bytes{pod="${pod}"}`;
    const enough = (n: number) => (s: Array<[number, number]>) => s.length >= n;
    assert.ok((await until(() => raw(p, mem(OLD_POD)), enough(5), 60_000, 250)).length >= 5, 'the old pod was never scraped 5 times');
    exp.set('new');
    const newSamples = await until(() => raw(p, mem(NEW_POD)), enough(6), 60_000, 250);
    assert.ok(newSamples.length >= 6, 'the new pod was never scraped 6 times');
    exp.set('down');
    const isDown = (s: Array<[number, number]>) => s.filter(([, v]) => v === 0).length >= 4;
    const up = await until(() => raw(p, 'up{job="cadvisor"}'), isDown, 60_000, 250);
    assert.ok(isDown(up), `the target was never seen down 4 times: ${JSON.stringify(up)}`);
    const newFirst = newSamples[0][0];
    const newLast = Math.max(...(await raw(p, mem(NEW_POD))).map(([t]) => t));
    const downFirst = Math.min(...up.filter(([, v]) => v === 0).map(([t]) => t));
    const to = Math.ceil(Date.now() / 1000) + 1;

    const queries = metricQueries({ namespace: 'shop', kind: 'Deployment', name: 'web' }, DEFAULT_QUERY_CONFIG, 1);
    const { frame } = await fetchFrame(new PrometheusClient({ url: p.url }), queries, { from, to, step: 1 });
    const memory = frame.values.memory_working_set;
    assert.ok(memory, 'no memory series in the frame');
    const at = (lo: number, hi: number) => [...frame.t].flatMap((t, i) => (t >= lo && t <= hi ? [memory[i]] : []));

    // Between the new pod's second sample and its last one, the old pod has a stale marker: the average is the new pod's.
    const rolledOut = at(newFirst + 1, newLast);
    assert.ok(rolledOut.length >= 3, `too few points after the rollout: ${rolledOut.length}`);
    for (const v of rolledOut) assert.equal(v, NEW_BYTES, `after the rollout read ${(v / MiB).toFixed(0)} MiB, the new pod uses 200 MiB`);
    // Before the rollout, the old pod's.
    const before = at(from, newFirst - 1).filter((v) => !Number.isNaN(v));
    assert.ok(before.length >= 3 && before.every((v) => v === OLD_BYTES), `before the rollout: ${before.map((v) => v / MiB).join(', ')} MiB`);
    // From the first failed scrape on, every series of the target is stale: missing, not 200 MiB held for 5 minutes.
    const dead = at(downFirst + 1, to);
    assert.ok(dead.length >= 2, `too few points after the target went down: ${dead.length}`);
    assert.ok(dead.every((v) => Number.isNaN(v)), `after the target went down read ${dead.map((v) => v / MiB).join(', ')} MiB`);
  });
});
