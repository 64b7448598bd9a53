// A sample service for load experiments: a real Node HTTP server in its own process (so its process_* CPU and
// memory are its own, not the test runner's or autocannon's), exporting prom-client metrics on /metrics:
// http_requests_total{method,route,code}, http_request_duration_seconds (histogram) and the default process metrics.
// Each request burns `cpuMsPerRequest` of CPU time; every `failEvery`-th request answers 500.
// With `serviceTimeMs`, each request also holds one of `concurrency` slots for that long (timers, not CPU): a queue with
// a KNOWN capacity of concurrency × 1000 / serviceTimeMs requests/s that does not depend on how busy the machine is.
import { fork, type ChildProcess } from 'node:child_process';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SampleServiceOptions {
  /** CPU milliseconds each request burns. Default 2. */
  cpuMsPerRequest?: number;
  /** Every n-th request fails with 500 (0 = never). Default 0. */
  failEvery?: number;
  /**
   * A fixed service time: each request waits for one of `concurrency` slots and holds it this long (completion times
   * are scheduled from the slot's previous completion, so late timers do not lower the throughput). Capacity is
   * concurrency × 1000 / serviceTimeMs req/s; above it the queue, and so the latency, grows. Default: none.
   * With it, cpuMsPerRequest defaults to 0.
   */
  serviceTimeMs?: number;
  /** Slots for serviceTimeMs. Default 1 (a serial queue). */
  concurrency?: number;
}

export interface RunningSampleService {
  url: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

export async function startSampleService(opts: SampleServiceOptions = {}): Promise<RunningSampleService> {
  const child: ChildProcess = fork(__filename, ['--serve'], {
    execArgv: ['--import', 'tsx'],
    env: {
      ...process.env,
      SAMPLE_CPU_MS: String(opts.cpuMsPerRequest ?? (opts.serviceTimeMs ? 0 : 2)),
      SAMPLE_FAIL_EVERY: String(opts.failEvery ?? 0),
      SAMPLE_SERVICE_MS: String(opts.serviceTimeMs ?? 0),
      SAMPLE_CONCURRENCY: String(opts.concurrency ?? 1),
    },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sample service did not start in 30 s: ${stderr.slice(-500)}`)), 30_000);
    child.once('message', (m: { port?: number }) => { clearTimeout(timer); if (m.port) resolve(m.port); });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`sample service exited (${code}): ${stderr.slice(-500)}`)); });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    pid: child.pid ?? 0,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(t);
      }
    },
  };
}

function burn(ms: number): number {
  // Real CPU work (integer mixing) until this process has used `ms` of CPU time — CPU time, not wall time, so the cost
  // per request stays what was configured when other processes compete for the cores. The result is returned so the
  // loop is not optimised away.
  const start = process.cpuUsage();
  let h = 0x811c9dc5;
  for (;;) {
    for (let i = 0; i < 2000; i++) h = Math.imul(h ^ i, 16777619);
    const used = process.cpuUsage(start);
    if ((used.user + used.system) / 1000 >= ms) return h;
  }
}

async function serve(): Promise<void> {
  const client = require('prom-client') as typeof import('prom-client');
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  const requests = new client.Counter({ name: 'http_requests_total', help: 'HTTP requests', labelNames: ['method', 'route', 'code'], registers: [registry] });
  const duration = new client.Histogram({
    name: 'http_request_duration_seconds', help: 'HTTP request duration', labelNames: ['method', 'route'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [registry],
  });
  const cpuMs = Number(process.env.SAMPLE_CPU_MS ?? 2);
  const failEvery = Number(process.env.SAMPLE_FAIL_EVERY ?? 0);
  const serviceMs = Number(process.env.SAMPLE_SERVICE_MS ?? 0);
  // Each slot's next free time (ms); a request takes the earliest and completes serviceMs after max(now, free).
  const slots = new Array<number>(Math.max(1, Number(process.env.SAMPLE_CONCURRENCY ?? 1))).fill(0);
  const hold = (): Promise<void> => {
    if (!(serviceMs > 0)) return Promise.resolve();
    let k = 0;
    for (let i = 1; i < slots.length; i++) if (slots[i] < slots[k]) k = i;
    const done = Math.max(Date.now(), slots[k]) + serviceMs;
    slots[k] = done;
    return new Promise((r) => setTimeout(r, done - Date.now()));
  };
  let count = 0;
  let sink = 0;
  const server = http.createServer((req, res) => {
    if (req.url === '/metrics') {
      registry.metrics().then((text) => {
        res.writeHead(200, { 'Content-Type': registry.contentType });
        res.end(text);
      }, (e: Error) => { res.writeHead(500); res.end(e.message); });
      return;
    }
    const stop = duration.startTimer({ method: req.method ?? 'GET', route: '/' });
    const answer = () => {
      if (cpuMs > 0) sink ^= burn(cpuMs);
      count++;
      const code = failEvery > 0 && count % failEvery === 0 ? 500 : 200;
      res.writeHead(code, { 'Content-Type': 'text/plain' });
      res.end(code === 200 ? `ok ${sink & 1}\n` : 'failed\n');
      stop();
      requests.inc({ method: req.method ?? 'GET', route: '/', code: String(code) });
    };
    if (serviceMs > 0) void hold().then(answer);
    else answer();
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  process.send?.({ port: (server.address() as AddressInfo).port });
  const shutdown = () => { server.close(() => process.exit(0)); server.closeAllConnections(); };
  process.on('SIGTERM', shutdown);
  process.on('disconnect', shutdown);
}

if (process.argv.includes('--serve') && process.send) {
  serve().catch((e) => {
    process.stderr.write(String((e as Error)?.stack ?? e));
    process.exit(1);
  });
}
