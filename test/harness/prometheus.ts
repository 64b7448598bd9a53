// A real Prometheus for integration tests: a private TSDB in a temp folder, optionally backfilled from OpenMetrics
// text with `promtool tsdb create-blocks-from openmetrics`, listening on a free loopback port; stopped by its PID.
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { freeLoopbackPort } from './ports';

const run = promisify(execFile);

export interface PrometheusOptions {
  /** OpenMetrics text (`# TYPE`, samples with Unix-second timestamps, ending in `# EOF`) loaded before start. */
  openMetrics?: string;
  /** Extra scrape configs (YAML list items under scrape_configs), e.g. a loopback target the test starts. */
  scrapeConfigsYaml?: string;
  /** How long the TSDB keeps data: backfilled history older than this is dropped. Default 400d. */
  retention?: string;
  readyTimeoutMs?: number;
  /**
   * A folder of TSDB blocks made earlier (e.g. a cached promtool backfill too large to redo each run): each block is
   * hard-linked (copied across file systems) into the new data dir; Prometheus never changes a block's files.
   */
  blocksFrom?: string;
  /** promtool's --max-block-duration for the backfill (default 2h: a month of history makes 360 blocks, slow to write). */
  backfillMaxBlockDuration?: string;
  /** Extra prometheus flags, e.g. --storage.tsdb.max-block-duration=2h to keep big backfilled blocks as they are. */
  extraArgs?: string[];
  /** Serve HTTPS with this certificate (PEM; e.g. self-signed for 127.0.0.1); the URL is then https://. */
  tls?: { cert: string; key: string };
  /** Run inside this network namespace (test/harness/netns.ts), listening on `address` there instead of 127.0.0.1. */
  netns?: { name: string; address: string };
}

export interface RunningPrometheus {
  url: string;
  port: number;
  dataDir: string;
  /** Log lines Prometheus printed (for failure messages). */
  logs(): string;
  stop(): Promise<void>;
}

export interface OpenMetricsSeries {
  name: string;
  type: 'counter' | 'gauge';
  labels?: Record<string, string>;
  /** [unix seconds, value] */
  samples: Iterable<readonly [number, number]>;
}

/** OpenMetrics text for promtool; counters get the `_total` suffix OpenMetrics requires on samples. */
export function toOpenMetrics(series: OpenMetricsSeries[]): string {
  const lines: string[] = [];
  const byName = new Map<string, OpenMetricsSeries[]>();
  for (const s of series) byName.set(s.name, [...(byName.get(s.name) ?? []), s]);
  for (const [name, group] of byName) {
    const type = group[0].type;
    lines.push(`# TYPE ${name} ${type}`);
    const sampleName = type === 'counter' ? `${name}_total` : name;
    for (const s of group) {
      const labels = Object.entries(s.labels ?? {})
        .map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
        .join(',');
      for (const [t, v] of s.samples) lines.push(`${sampleName}${labels ? `{${labels}}` : ''} ${v} ${t}`);
    }
  }
  lines.push('# EOF');
  return `${lines.join('\n')}\n`;
}

function requireBinary(name: string): void {
  const found = (process.env.PATH ?? '').split(path.delimiter).some((d) => d && fs.existsSync(path.join(d, name)));
  if (!found) throw new Error(`${name} is not installed: run npm run setup:test (Debian package prometheus)`);
}

export async function startPrometheus(opts: PrometheusOptions = {}): Promise<RunningPrometheus> {
  requireBinary('prometheus');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mora-prometheus-'));
  const dataDir = path.join(dir, 'tsdb');
  fs.mkdirSync(dataDir);
  const config = path.join(dir, 'prometheus.yml');
  const scrape = opts.scrapeConfigsYaml ? `scrape_configs:\n${opts.scrapeConfigsYaml}` : 'scrape_configs: []';
  fs.writeFileSync(config, `global:\n  scrape_interval: 15s\n${scrape}\n`);
  const web: string[] = [];
  if (opts.tls) {
    fs.writeFileSync(path.join(dir, 'tls.crt'), opts.tls.cert);
    fs.writeFileSync(path.join(dir, 'tls.key'), opts.tls.key, { mode: 0o600 });
    fs.writeFileSync(path.join(dir, 'web.yml'), `tls_server_config:\n  cert_file: ${path.join(dir, 'tls.crt')}\n  key_file: ${path.join(dir, 'tls.key')}\n`);
    web.push(`--web.config.file=${path.join(dir, 'web.yml')}`);
  }

  if (opts.blocksFrom) {
    for (const block of fs.readdirSync(opts.blocksFrom)) {
      const src = path.join(opts.blocksFrom, block);
      if (!fs.existsSync(path.join(src, 'meta.json'))) continue;
      linkTree(src, path.join(dataDir, block));
    }
  }
  if (opts.openMetrics !== undefined) {
    requireBinary('promtool');
    const om = path.join(dir, 'backfill.om');
    fs.writeFileSync(om, opts.openMetrics);
    await run('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', ...(opts.backfillMaxBlockDuration ? [`--max-block-duration=${opts.backfillMaxBlockDuration}`] : []), om, dataDir], { timeout: 120_000 });
  }

  // A port picked just before start could be taken by someone else in between; retry a few times.
  for (let attempt = 0; ; attempt++) {
    const port = await freeLoopbackPort();
    let logs = '';
    const host = opts.netns?.address ?? '127.0.0.1';
    const child: ChildProcess = spawn(
      opts.netns ? 'ip' : 'prometheus',
      [
        ...(opts.netns ? ['netns', 'exec', opts.netns.name, 'prometheus'] : []),
        `--config.file=${config}`,
        `--storage.tsdb.path=${dataDir}`,
        `--web.listen-address=${host}:${port}`,
        `--storage.tsdb.retention.time=${opts.retention ?? '400d'}`,
        ...web,
        ...(opts.extraArgs ?? []),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout?.on('data', (d: Buffer) => (logs += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (logs += d.toString()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const url = `${opts.tls ? 'https' : 'http'}://${host}:${port}`;
    const stop = async (): Promise<void> => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
      fs.rmSync(dir, { recursive: true, force: true });
    };
    const ready = await waitReady(url, child, opts.readyTimeoutMs ?? 30_000, opts.tls?.cert);
    if (ready) return { url, port, dataDir, logs: () => logs, stop };
    if (child.exitCode === null) child.kill('SIGKILL');
    await exited;
    if (attempt >= 2 || !/address already in use/.test(logs)) {
      fs.rmSync(dir, { recursive: true, force: true });
      throw new Error(`Prometheus did not become ready on ${url}:\n${logs.slice(-2000)}`);
    }
  }
}

function linkTree(src: string, dest: string): void {
  fs.mkdirSync(dest, { recursive: true });
  for (const e of fs.readdirSync(src, { withFileTypes: true })) {
    const from = path.join(src, e.name);
    const to = path.join(dest, e.name);
    if (e.isDirectory()) linkTree(from, to);
    else {
      try {
        fs.linkSync(from, to);
      } catch {
        fs.copyFileSync(from, to);
      }
    }
  }
}

function readyOverTls(url: string, ca: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const req = https.get(`${url}/-/ready`, { ca }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', reject);
  });
}

async function waitReady(url: string, child: ChildProcess, timeoutMs: number, ca?: string): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    try {
      if (ca ? await readyOverTls(url, ca) : (await fetch(`${url}/-/ready`)).ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  return false;
}
