/**
 * Renders engine results for people (table, ≤ 100 columns) and machines (json, yaml, csv).
 */
import { stringify } from 'yaml';
import { formatCpu, formatMemory, humanMemory } from '../../core/quantity';
import type { Recommendation } from '../../core/recommendation';
import type { EngineResult } from '../../ml/engine';
import { toCsv } from './csv';
import { renderTable } from './table';

const cpu = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? '-' : formatCpu(x));
const mem = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? '-' : humanMemory(x));
const arrow = (a: string, b: string): string => (a === b ? b : `${a}→${b}`);

export function recommendationsTable(results: readonly EngineResult[], width = 100): string {
  const rows: string[][] = [];
  for (const r of results) {
    const rec = r.recommendation;
    for (const c of rec.containers) {
      const name = rec.containers.length > 1 ? `${rec.workload.name}/${c.container}` : rec.workload.name;
      const rep = rec.replicas;
      const repText = rep ? (rep.hpa ? `hpa ${rep.hpa.minReplicas}-${rep.hpa.maxReplicas}` : arrow(String(rep.current), String(rep.recommended.value))) : '-';
      rows.push([
        name,
        arrow(cpu(c.current.requests.cpu), cpu(c.cpu?.request.value)),
        arrow(cpu(c.current.limits.cpu), cpu(c.cpu?.limit?.value)),
        arrow(mem(c.current.requests.memory), mem(c.memory?.request.value)),
        arrow(mem(c.current.limits.memory), mem(c.memory?.limit?.value)),
        repText, c.verdict, `${Math.round(c.confidence * 100)}%`,
      ]);
    }
  }
  return renderTable([
    { header: 'workload' }, { header: 'cpu req' }, { header: 'cpu lim' }, { header: 'mem req' }, { header: 'mem lim' },
    { header: 'replicas' }, { header: 'verdict' }, { header: 'conf', align: 'right' },
  ], rows, width);
}

/** MOrA against VPA- and KRR-style values from the same history, with savings and replayed risk. */
export function comparisonTable(results: readonly EngineResult[], width = 100): string {
  const rows: string[][] = [];
  for (const r of results) {
    const d = r.details[0];
    if (!d) continue;
    const rep = r.recommendation.containers[0];
    const risk = d.memory?.evidence.replay;
    rows.push([
      r.recommendation.workload.name,
      cpu(d.cpu?.request.value), cpu(d.baselines.cpu.vpa), cpu(d.baselines.cpu.krr),
      mem(d.memory?.limit?.value), mem(d.baselines.memory.vpa), mem(d.baselines.memory.krr),
      `${r.savings.cpuRequest >= 0 ? '' : '+'}${cpu(Math.abs(r.savings.cpuRequest))}`,
      `${r.savings.memoryRequest >= 0 ? '' : '+'}${mem(Math.abs(r.savings.memoryRequest))}`,
      risk ? `${risk.oomDays}/${risk.days}` : '-',
      rep.verdict,
    ]);
  }
  return renderTable([
    { header: 'service' }, { header: 'cpu', align: 'right' }, { header: 'vpa', align: 'right' }, { header: 'krr', align: 'right' },
    { header: 'mem lim', align: 'right' }, { header: 'vpa', align: 'right' }, { header: 'krr', align: 'right' },
    { header: 'Δcpu', align: 'right' }, { header: 'Δmem', align: 'right' }, { header: 'oom', align: 'right' }, { header: 'verdict' },
  ], rows, width);
}

/** One line: the requests freed (or needed) over all workloads, × replicas, and the replayed risk. */
export function savingsSummary(results: readonly EngineResult[]): string {
  let cpuFreed = 0, memFreed = 0, oomDays = 0, days = 0;
  for (const r of results) {
    cpuFreed += r.savings.cpuRequest; memFreed += r.savings.memoryRequest;
    for (const d of r.details) { const rp = d.memory?.evidence.replay; if (rp) { oomDays += rp.oomDays; days += rp.days; } }
  }
  const signed = (x: number, f: (v: number) => string): string => `${x >= 0 ? 'frees' : 'needs'} ${f(Math.abs(x))}`;
  return `MOrA's requests, × replicas: CPU ${signed(cpuFreed, cpu)}, memory ${signed(memFreed, mem)} against the current spec.\n`
    + `Replayed over the last weeks, its memory limits would have been exceeded on ${oomDays} of ${days} container-days.\n`;
}

/** JSON/YAML body: the Recommendation (what every view reads) plus the baselines and savings next to it. */
export function recommendationsData(results: readonly EngineResult[]): unknown[] {
  return results.map((r) => ({
    ...r.recommendation,
    baselines: Object.fromEntries(r.details.map((d) => [d.container, d.baselines])),
    savings: r.savings,
  }));
}

export function recommendationsJson(results: readonly EngineResult[]): string {
  return JSON.stringify(recommendationsData(results), null, 2) + '\n';
}

export function recommendationsYaml(results: readonly EngineResult[]): string {
  return stringify(recommendationsData(results));
}

export function recommendationsCsv(results: readonly EngineResult[]): string {
  const header = ['context', 'namespace', 'kind', 'workload', 'container', 'resource', 'current_request', 'current_limit',
    'request', 'request_lower', 'request_upper', 'limit', 'method', 'confidence', 'verdict', 'vpa', 'krr'];
  const rows: unknown[][] = [];
  for (const r of results) {
    const w: Recommendation['workload'] = r.recommendation.workload;
    r.recommendation.containers.forEach((c, i) => {
      const d = r.details[i];
      for (const kind of ['cpu', 'memory'] as const) {
        const x = c[kind];
        if (!x) continue;
        const f = kind === 'cpu' ? formatCpu : formatMemory;
        const q = (v: number | undefined): string => (v === undefined ? '' : f(v));
        rows.push([w.context, w.namespace, w.kind, w.name, c.container, kind, q(c.current.requests[kind]), q(c.current.limits[kind]),
          q(x.request.value), q(x.request.lower), q(x.request.upper), q(x.limit?.value), x.evidence.method, x.confidence.toFixed(2), c.verdict,
          q(d?.baselines[kind].vpa), q(d?.baselines[kind].krr)]);
      }
    });
    const rep = r.recommendation.replicas;
    if (rep) {
      rows.push([w.context, w.namespace, w.kind, w.name, '', 'replicas', rep.current, '', rep.recommended.value, rep.recommended.lower, rep.recommended.upper,
        '', rep.hpa ? `hpa min ${rep.hpa.minReplicas} max ${rep.hpa.maxReplicas}` : 'load', r.recommendation.confidence.toFixed(2), '', '', '']);
    }
  }
  return toCsv(header, rows);
}
