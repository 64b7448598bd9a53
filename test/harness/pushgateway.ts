// A real Prometheus Pushgateway (Debian package prometheus-pushgateway) on a loopback port, in memory (no persistence).
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { freeLoopbackPort } from './ports';

export interface RunningPushgateway {
  url: string;
  /** Everything it holds, in the Prometheus text format (GET /metrics). */
  metrics(): Promise<string>;
  logs(): string;
  stop(): Promise<void>;
}

export async function startPushgateway(timeoutMs = 20_000): Promise<RunningPushgateway> {
  const bin = 'prometheus-pushgateway';
  if (!(process.env.PATH ?? '').split(path.delimiter).some((d) => d && fs.existsSync(path.join(d, bin)))) {
    throw new Error(`${bin} is not installed: run npm run setup:test (Debian package prometheus-pushgateway)`);
  }
  for (let attempt = 0; ; attempt++) {
    const port = await freeLoopbackPort();
    let logs = '';
    const child: ChildProcess = spawn(bin, [`--web.listen-address=127.0.0.1:${port}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (d: Buffer) => (logs += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (logs += d.toString()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const url = `http://127.0.0.1:${port}`;
    const stop = async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
    };
    const deadline = Date.now() + timeoutMs;
    let ready = false;
    while (!ready && Date.now() < deadline && child.exitCode === null) {
      ready = await fetch(`${url}/-/ready`).then((r) => r.ok, () => false);
      if (!ready) await new Promise((r) => setTimeout(r, 100));
    }
    if (ready) return { url, logs: () => logs, stop, metrics: async () => (await fetch(`${url}/metrics`)).text() };
    await stop();
    if (attempt >= 2 || !/address already in use/.test(logs)) throw new Error(`the Pushgateway did not become ready on ${url}:\n${logs.slice(-2000)}`);
  }
}
