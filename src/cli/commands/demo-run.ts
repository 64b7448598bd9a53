/**
 * `mora demo`: the embedded demo shop as a table — what each service asks for against what it really uses.
 */
import { formatCpu, humanMemory } from '../../core/quantity';
import { quantile, max } from '../../core/stats';
import { writeFileAtomic } from '../../core/atomic-write';
import { DemoDataSource, DEMO_SERVICES, demoManifests, demoWorkload } from '../../data/demo';

export interface DemoRow {
  service: string;
  replicas: number;
  cpu: { request?: number; limit?: number; p50: number; p95: number; max: number };
  memory: { request?: number; limit?: number; p50: number; p95: number; max: number };
  throttledShare: number;
}

export function demoRows(source = new DemoDataSource()): DemoRow[] {
  return DEMO_SERVICES.map((p) => {
    const w = demoWorkload(p);
    const m = source.serviceMetrics(p.name).values;
    const r = w.containers[0].resources;
    let throttled = 0;
    for (const x of m.cpu_throttling_ratio) if (x > 0.05) throttled++;
    return {
      service: p.name,
      replicas: w.replicas,
      cpu: { request: r.requests.cpu, limit: r.limits.cpu, p50: quantile(m.cpu_usage, 0.5), p95: quantile(m.cpu_usage, 0.95), max: max(m.cpu_usage) },
      memory: { request: r.requests.memory, limit: r.limits.memory, p50: quantile(m.memory_working_set, 0.5), p95: quantile(m.memory_working_set, 0.95), max: max(m.memory_working_set) },
      throttledShare: throttled / m.cpu_throttling_ratio.length,
    };
  });
}

function pad(s: string, n: number, right = false): string {
  return right ? s.padStart(n) : s.padEnd(n);
}

export function demoTable(rows: DemoRow[]): string {
  const cpu = (x: number | undefined) => (x === undefined ? '-' : formatCpu(x));
  const mem = (x: number | undefined) => (x === undefined ? '-' : humanMemory(x));
  const head = ['service', 'rep', 'cpu req/lim', 'cpu p50/p95/max', 'mem req/lim', 'mem p50/p95/max', 'note'];
  const widths = [21, 3, 11, 16, 12, 20, 11];
  const lines = [head.map((h, i) => pad(h, widths[i], i === 1)).join(' '), widths.map((w) => '─'.repeat(w)).join(' ')];
  for (const r of rows) {
    const notes: string[] = [];
    if (r.cpu.request !== undefined && r.cpu.p95 < 0.3 * r.cpu.request) notes.push('cpu idle');
    if (r.throttledShare > 0.01) notes.push('throttled');
    if (r.memory.limit !== undefined && r.memory.max > 0.85 * r.memory.limit) notes.push('mem risk');
    if (r.memory.request !== undefined && r.memory.p95 < 0.3 * r.memory.request) notes.push('mem idle');
    lines.push([
      pad(r.service, widths[0]), pad(String(r.replicas), widths[1], true),
      pad(`${cpu(r.cpu.request)}/${cpu(r.cpu.limit)}`, widths[2]),
      pad(`${cpu(r.cpu.p50)}/${cpu(r.cpu.p95)}/${cpu(r.cpu.max)}`, widths[3]),
      pad(`${mem(r.memory.request)}/${mem(r.memory.limit)}`, widths[4]),
      pad(`${mem(r.memory.p50)}/${mem(r.memory.p95)}/${mem(r.memory.max)}`, widths[5]),
      notes.join(', '),
    ].join(' '));
  }
  return lines.join('\n');
}

export async function runDemo(opts: { manifests?: string } = {}): Promise<void> {
  if (opts.manifests) {
    writeFileAtomic(opts.manifests, demoManifests());
    process.stderr.write(`wrote the demo manifests to ${opts.manifests}\n`);
  }
  const rows = demoRows();
  process.stdout.write('MOrA demo shop — namespace "shop", 14 days of 1-minute metrics (per-pod usage)\n\n');
  process.stdout.write(demoTable(rows) + '\n');
}
