// How faithfully a load experiment measures a service: the sample service (test/harness/sample-service.ts) burns a
// known CPU time per request and fails a known share of requests; autocannon knows what it sent. A real Prometheus
// scrapes the service; MOrA's experiment reads the metrics back. Printed side by side per level:
//   baseline = the ground truth (client-side sent rate and p50, configured failure share, configured CPU per request)
//   MOrA     = what the experiment pipeline measured through Prometheus
// CPU per request is a floor in the baseline: the service burns that much CPU time per request, and the runtime adds
// HTTP parsing, metrics and GC on top. Latency differs by design: the server histogram starts when the handler runs,
// the client clock when the request is sent (queueing in the socket backlog is only seen by the client).
//
// Then, in the same run, MOrA's load generator against independent tools (wrk, JMeter) on the same target at fixed
// rates and at saturation: scripts/bench/load-tools.ts says what is compared.
//
// npm run bench:experiment [-- --cpu-ms 4 --levels 20,50,100 --duration 10 --fail-every 20 --tool-rates 10,25,50
//                              --tool-duration 5 --tool-rounds 2 --tool-cpu-ms 2 --section all|pipeline|tools]
// Needs the Debian packages prometheus, wrk, jmeter and jmeter-http (npm run setup:test). Loopback only; about 5 min.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runExperiment } from '../../src/data/experiments';
import { startPrometheus } from '../../test/harness/prometheus';
import { startSampleService } from '../../test/harness/sample-service';
import { benchLoadTools } from './load-tools';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : def;
}

async function main(): Promise<void> {
  const section = arg('section', 'all');
  if (section === 'all' || section === 'pipeline') await pipeline();
  if (section === 'all' || section === 'tools') await tools();
}

/** The load generators on one sample service that never fails (so every answer is a 2xx for every tool). */
async function tools(): Promise<void> {
  const cpuMs = Number(arg('tool-cpu-ms', '2'));
  const rates = arg('tool-rates', '10,25,50').split(',').map(Number);
  const seconds = Number(arg('tool-duration', '5'));
  const rounds = Number(arg('tool-rounds', '2'));
  const svc = await startSampleService({ cpuMsPerRequest: cpuMs, failEvery: 0 });
  try {
    process.stdout.write(`\nLoad generator vs independent tools (sample service, ${cpuMs} ms CPU per request, ${seconds} s per run, median of ${rounds}, load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores):\n`);
    const t0 = Date.now();
    await benchLoadTools(`${svc.url}/`, rates, seconds, rounds);
    process.stdout.write(`wall ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  } finally {
    await svc.stop();
  }
}

async function pipeline(): Promise<void> {
  const cpuMs = Number(arg('cpu-ms', '4'));
  const failEvery = Number(arg('fail-every', '20'));
  const levels = arg('levels', '20,50,100').split(',').map(Number);
  const duration = Number(arg('duration', '10'));
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'mora-bench-exp-'));
  const svc = await startSampleService({ cpuMsPerRequest: cpuMs, failEvery });
  const prom = await startPrometheus({ scrapeConfigsYaml: `  - job_name: sample\n    scrape_interval: 1s\n    static_configs:\n      - targets: ['127.0.0.1:${svc.port}']\n` });
  try {
    const t0 = Date.now();
    const r = await runExperiment({ service: 'bench', targetUrl: `${svc.url}/`, prometheusUrl: prom.url, levels, durationSeconds: duration, replicas: 1, outDir: out, scrapeIntervalSeconds: 1 });
    const wall = (Date.now() - t0) / 1000;
    const d = r.document;
    const rows: string[][] = [['level', 'quantity', 'baseline', 'MOrA', 'MOrA/baseline']];
    const add = (level: number, what: string, base: number, mora: number | undefined) =>
      rows.push([String(level), what, base.toPrecision(4), mora === undefined ? '–' : mora.toPrecision(4), mora === undefined ? '–' : (mora / base).toFixed(3)]);
    d.summary!.levels.forEach((l, i) => {
      const stats = d.timings.levels[i].stats;
      add(l.level, 'request rate (req/s)', stats.achievedRate, l.means.request_rate);
      add(l.level, 'failed share', 1 / failEvery, l.means.error_rate !== undefined && l.means.request_rate ? l.means.error_rate / l.means.request_rate : undefined);
      add(l.level, 'CPU per request (ms, floor)', cpuMs, l.cpuPerRequest * 1000);
      add(l.level, 'p50 latency (ms)', stats.latencyP50Ms, l.means.latency_p50 !== undefined ? l.means.latency_p50 * 1000 : undefined);
    });
    const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
    for (const row of rows) process.stdout.write(`${row.map((x, c) => x.padEnd(widths[c])).join('  ')}\n`);
    process.stdout.write(`\nstatus ${d.status}, validation ok=${d.validation?.ok} confidence=${d.validation?.confidence.toFixed(2)}, ` +
      `${levels.length} levels × ${duration} s, wall ${wall.toFixed(1)} s (incl. waiting for scrapes)\n`);
  } finally {
    await prom.stop();
    await svc.stop();
    fs.rmSync(out, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`bench:experiment: ${(e as Error)?.stack ?? e}\n`);
  process.exitCode = 1;
});
