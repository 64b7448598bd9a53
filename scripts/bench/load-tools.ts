// MOrA's load generator (src/data/experiments/load.ts, built on autocannon) against independent load tools on the same
// target in one run: JMeter (Debian's 2.13, through MOrA's JMeter driver and its template .jmx) and wrk (Debian's 4.x).
//
// What is compared, per asked rate: achieved rate, client-side latency p50 and p99, and MOrA ÷ tool.
//   - MOrA has two generators, both on autocannon: `mora experiment`'s levels (load.ts: autocannon's per-second quota
//     per connection, every connection's second starting together) and plan cells (cell-load.ts: the same with the
//     connections' seconds staggered). Both pace toward the asked rate, as JMeter does (its Constant Throughput Timer
//     shared across threads spaces requests evenly).
//   - wrk has no rate control (wrk2 is not packaged): each connection waits a fixed think time after each answer
//     (wrk's Lua delay()), set to connections ÷ rate, so wrk reaches asked × think ÷ (think + latency) — slightly
//     below the asked rate by construction.
//   - "saturation": every tool unpaced with the same 8 connections (JMeter: 8 threads) for the same time, i.e. the
//     most each gets from the target on this machine; all tools share the machine's cores with the target.
// Each tool first runs 2 s unmeasured (JIT warm-up); a JMeter level starts a fresh JVM, so its first 2 s are a
// warm-up stretch MOrA's driver excludes. Every tool runs `rounds` times per rate in a rotated order and the table
// shows medians: the target shares the machine with the tools and with whatever else runs.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { autocannonCellDriver } from '../../src/data/experiments/cell-load';
import { runLoadLevel } from '../../src/data/experiments/load';
import { runJmeterCell } from '../../src/data/experiments/jmeter';
import { whichBinary } from '../../src/data/experiments/jmeter-install';
import { jmxTemplate } from '../../src/data/experiments/jmx-template';
import type { PlanCell } from '../../src/data/experiments/plan-file';

export interface ToolResult {
  achievedRate: number;
  p50: number;
  p99: number;
}

const SATURATION_CONNECTIONS = 8;

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.stderr.on('data', (d: Buffer) => (out += d.toString()));
    c.once('error', reject);
    c.once('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} exited ${code}: ${out.slice(-500)}`))));
  });
}

function ms(value: string, unit: string): number {
  return Number(value) * ({ us: 0.001, ms: 1, s: 1000, m: 60_000 } as Record<string, number>)[unit];
}

/** Achieved rate and latency percentiles from wrk's `--latency` report. */
export function parseWrk(out: string): ToolResult {
  const total = /(\d+) requests in ([\d.]+)(us|ms|s|m),/.exec(out);
  const pct = (p: string) => {
    const m = new RegExp(`^\\s*${p}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm').exec(out);
    return m ? ms(m[1], m[2]) : NaN;
  };
  if (!total) throw new Error(`unexpected wrk output: ${out.slice(0, 300)}`);
  return { achievedRate: Number(total[1]) / (ms(total[2], total[3]) / 1000), p50: pct('50'), p99: pct('99') };
}

async function wrk(url: string, rate: number | undefined, seconds: number, dir: string): Promise<ToolResult> {
  const connections = rate === undefined ? SATURATION_CONNECTIONS : Math.max(1, Math.ceil(rate / 20));
  const args = ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency'];
  if (rate !== undefined) {
    const script = path.join(dir, `pace-${rate}.lua`);
    fs.writeFileSync(script, `-- think time per connection so ${connections} connections ask ~${rate} req/s\nfunction delay()\n  return ${(connections * 1000) / rate}\nend\n`);
    args.push('-s', script);
  }
  return parseWrk(await run('wrk', [...args, url]));
}

async function mora(url: string, rate: number | undefined, seconds: number): Promise<ToolResult> {
  const r = await runLoadLevel({ url, rate: rate ?? 1e6, durationSeconds: seconds, ...(rate === undefined ? { connections: SATURATION_CONNECTIONS, maxRequests: 1e7 } : {}) });
  return { achievedRate: r.achievedRate, p50: r.latencyP50Ms, p99: r.latencyP99Ms };
}

function benchCell(url: string, rate: number | undefined, seconds: number, warmupSeconds: number, jmx?: string): PlanCell {
  const asked = rate ?? 1e6;
  const schedule = [...(warmupSeconds > 0 ? [{ rate: asked, seconds: warmupSeconds, warmup: true }] : []), { rate: asked, seconds, warmup: false }];
  return {
    id: `bench/l${asked}`, index: 0, service: 'bench', replicas: 1, level: asked, scenario: 'constant', durationSeconds: seconds,
    warmupSeconds, cooldownSeconds: 0, target: url, jmx, slo: {}, resources: 'process',
    ...(rate === undefined ? { connections: SATURATION_CONNECTIONS } : {}),
    schedule, requests: Math.round(asked * (seconds + warmupSeconds)),
  };
}

async function moraCells(url: string, rate: number | undefined, seconds: number): Promise<ToolResult> {
  const r = await autocannonCellDriver({ cell: benchCell(url, rate, seconds, 0), url });
  return { achievedRate: r.achievedRate, p50: r.latencyP50Ms, p99: r.latencyP99Ms };
}

async function jmeter(url: string, jmx: string, rate: number | undefined, seconds: number): Promise<ToolResult> {
  const r = await runJmeterCell({ cell: benchCell(url, rate, seconds, 2, jmx) });
  return { achievedRate: r.achievedRate, p50: r.latencyP50Ms, p99: r.latencyP99Ms };
}

type Tool = 'levels' | 'cells' | 'wrk' | 'jmeter';

function median(xs: number[]): number {
  const v = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (!v.length) return NaN;
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
}

/**
 * Runs the comparison and prints one table; returns the rows for the caller. Each tool runs `rounds` times per rate,
 * in an order rotated every round (the machine's other load changes over minutes), and the median of each quantity
 * is shown.
 */
export async function benchLoadTools(url: string, rates: number[], seconds: number, rounds = 2): Promise<string[][]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mora-bench-tools-'));
  const jmx = path.join(dir, 'cell.jmx');
  fs.writeFileSync(jmx, jmxTemplate());
  const haveWrk = !!whichBinary('wrk');
  const haveJmeter = !!(process.env.MORA_JMETER || whichBinary('jmeter'));
  if (!haveWrk) process.stdout.write('wrk not installed (apt-get install wrk): its columns are empty\n');
  if (!haveJmeter) process.stdout.write('jmeter not installed (apt-get install jmeter jmeter-http): its columns are empty\n');
  const tools: Tool[] = ['levels', 'cells', ...(haveWrk ? ['wrk' as const] : []), ...(haveJmeter ? ['jmeter' as const] : [])];
  const runTool = (t: Tool, rate: number | undefined): Promise<ToolResult> =>
    t === 'levels' ? mora(url, rate, seconds) : t === 'cells' ? moraCells(url, rate, seconds) : t === 'wrk' ? wrk(url, rate, seconds, dir) : jmeter(url, jmx, rate, seconds);
  const rows: string[][] = [['asked', 'quantity', 'MOrA levels', 'MOrA cells', 'wrk', 'JMeter', 'levels/wrk', 'levels/JMeter', 'cells/wrk', 'cells/JMeter']];
  try {
    // Unmeasured warm-up of each tool's client and of the target.
    await mora(url, rates[0], 2);
    await moraCells(url, rates[0], 2);
    if (haveWrk) await wrk(url, rates[0], 2, dir);
    for (const rate of [...rates, undefined]) {
      const got: Partial<Record<Tool, ToolResult[]>> = {};
      for (let r = 0; r < rounds; r++) {
        for (let k = 0; k < tools.length; k++) {
          const t = tools[(k + r) % tools.length];
          (got[t] ??= []).push(await runTool(t, rate));
        }
      }
      const med = (t: Tool): ToolResult | undefined => got[t] && {
        achievedRate: median(got[t]!.map((x) => x.achievedRate)), p50: median(got[t]!.map((x) => x.p50)), p99: median(got[t]!.map((x) => x.p99)),
      };
      const [m, c, w, j] = (['levels', 'cells', 'wrk', 'jmeter'] as const).map(med);
      const label = rate === undefined ? `saturation (${SATURATION_CONNECTIONS} conn.)` : `${rate} req/s`;
      const f = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '–' : x.toPrecision(4));
      const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || !(b > 0) ? '–' : (a / b).toFixed(3));
      for (const [q, key] of [['achieved rate (req/s)', 'achievedRate'], ['latency p50 (ms)', 'p50'], ['latency p99 (ms)', 'p99']] as const) {
        rows.push([label, q, f(m?.[key]), f(c?.[key]), f(w?.[key]), f(j?.[key]), ratio(m?.[key], w?.[key]), ratio(m?.[key], j?.[key]), ratio(c?.[key], w?.[key]), ratio(c?.[key], j?.[key])]);
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const widths = rows[0].map((_, col) => Math.max(...rows.map((row) => row[col].length)));
  for (const row of rows) process.stdout.write(`${row.map((x, col) => x.padEnd(widths[col])).join('  ')}\n`);
  return rows;
}
