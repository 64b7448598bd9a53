/**
 * Renders engine results for people (table, as wide as the terminal) and machines (json, yaml, csv).
 */
import { stringify } from 'yaml';
import { floorNote, noRiskReason, replicaAdvice, replicaChange, replicaRiskBrief, replicaRiskStatement, riskCell, riskCellText, riskStatement, riskTargetsLine, shareText, verdictLabel } from '../../core/advice-text';
import { formatCpu, formatMemory, humanMemory, humanMemoryQuantity, memoryUpToMi } from '../../core/quantity';
import type { ContainerRecommendation, Recommendation, ResourceRecommendation } from '../../core/recommendation';
import type { EngineResult } from '../../rightsizing/engine';
import { toCsv } from './csv';
import { fitTable, type Column, type FitStep } from './table';

const cpu = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? '-' : formatCpu(x));
/**
 * A memory request or limit (current, MOrA's, VPA's, KRR's) as the CSV and the manifest write it, rounded up to whole Mi
 * (humanMemoryQuantity): the table never shows less than what is written.
 */
const mem = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? '-' : humanMemoryQuantity(x));
/** An amount summed over containers and replicas (Δ, the savings line): read, not copied, so to the nearest `1.88Gi`. */
const memAmount = (x: number): string => humanMemory(x);
/**
 * `now→new`, or the value alone when it stays: MOrA's value equals it, or MOrA sets none (a CPU limit without
 * --cpu-limits, a resource without a value) and apply leaves the workload's own as it is (apply-plan.ts). `300m→-`
 * read as removing the limit.
 */
const arrow = (a: string, b: string): string => (a === b || b === '-' ? a : `${a}→${b}`);
/** A current value MOrA sets nothing for (shown alone, kept by apply). */
const kept = (a: number | undefined, b: number | undefined): boolean => a !== undefined && Number.isFinite(a) && b === undefined;

/** A namespace column when the results span more than one namespace: the same name in two namespaces stays two rows one can tell apart. */
const namespaces = (results: readonly EngineResult[]): boolean => new Set(results.map((r) => r.recommendation.workload.namespace)).size > 1;

export function recommendationsTable(results: readonly EngineResult[], width = 100): string {
  const rows: string[][] = [];
  const ns = namespaces(results);
  // The risk each row's values carry, where the strategy states one (MOrA); the baselines keep their confidence.
  const targets = riskTargetsLine(results.map((r) => r.recommendation));
  let keptCpuLimit = false, keptOther = false, replicaRisk = false;
  const noRisk: string[] = [];
  for (const r of results) {
    const rec = r.recommendation;
    for (const c of rec.containers) {
      const name = rec.containers.length > 1 ? `${rec.workload.name}/${c.container}` : rec.workload.name;
      if (c.cpu && kept(c.current.limits.cpu, c.cpu.limit?.value)) keptCpuLimit = true;
      if (kept(c.current.requests.cpu, c.cpu?.request.value) || kept(c.current.requests.memory, c.memory?.request.value)
        || kept(c.current.limits.memory, c.memory?.limit?.value) || (!c.cpu && kept(c.current.limits.cpu, undefined))) keptOther = true;
      const rep = rec.replicas;
      // The share of time the per-replica load exceeds its capacity at the advised count, next to it: `2→3 (0.4%)`.
      const repRisk = rep && targets ? replicaRiskBrief(rep) : undefined;
      if (repRisk) replicaRisk = true;
      const repText = rep ? replicaChange(rep, '→') + (repRisk ? ` ${repRisk}` : '') : '-';
      // A container without a risk statement among ones with: `—`, and why under the table (never a bare confidence).
      if (targets && !riskCell(c)) noRisk.push(`— ${name}: ${noRiskReason(c)}`);
      rows.push([
        ...(ns ? [rec.workload.namespace] : []), name,
        arrow(cpu(c.current.requests.cpu), cpu(c.cpu?.request.value)) + (heldAtCpuLimit(c) ? HELD_MARK : ''),
        arrow(cpu(c.current.limits.cpu), cpu(c.cpu?.limit?.value)),
        arrow(mem(c.current.requests.memory), mem(c.memory?.request.value)),
        arrow(mem(c.current.limits.memory), mem(c.memory?.limit?.value)),
        repText, verdictCell(c), targets ? riskCellText(c) : `${Math.round(c.confidence * 100)}%`,
      ]);
    }
  }
  // Quantities stay whole (a cut "220Mi→376…" hides the value to set); a long name is shortened in its middle, never wrapped.
  const columns: Column[] = [
    ...(ns ? [{ header: 'namespace', wrap: true }] : []), { header: 'workload', wrap: true },
    { header: 'cpu req', keep: true }, { header: 'cpu lim', keep: true, fit: [{ at: 2, drop: true }] }, { header: 'mem req', keep: true },
    { header: 'mem lim', keep: true, fit: [{ at: 5, drop: true }] }, {
      // An HPA's bounds name the pods they count (`HPA 2–6→2–12 of 80m`); narrower, the bounds alone before the column goes.
      header: 'replicas', keep: true, fit: [{ at: 4, cell: (s) => s.replace(/ of \d+m?$/, ''), hides: 'pod size' }, { at: 4, drop: true }],
    },
    { header: 'verdict', keep: true, wrap: true, fit: [SHORT_VERDICT] }, { header: targets ? 'risk' : 'conf', align: 'right', fit: [{ at: 3, drop: true }] },
  ];
  const table = fitTable(columns, rows, width, { whole: '-f csv, -f json or | less -S' });
  // A column's footnote only under a table showing the column (a narrow terminal leaves risk and replicas out).
  const shown = (header: string): boolean => columns.some((c, i) => c.header === header && table.shown[i]);
  return table.text + floorFootnotes(results, width) + heldFootnotes(results, width) + keptFootnote(keptCpuLimit, keptOther, width)
    + noRisk.map((l) => wrapText(l, width, '  ')).join('')
    + (targets ? riskFootnote(targets, width, results, shown('risk')) : '')
    + (replicaRisk && shown('replicas') ? wrapText('replicas (0.4%) = share of time the load per replica exceeds its capacity at that count, the CPU risk as the count was sized to it', width) : '');
}

/**
 * Narrower than the terminal (table.ts renderTable): `over-provisioned` reads `over` first; then the recommendations table
 * leaves out the kept CPU limit, the risk, the replicas and the memory limit, in that order (the requests to set stay);
 * the comparison table the risk, oom, KRR's, the Δ columns and VPA's (MOrA's values stay).
 */
const SHORT_VERDICT: FitStep = { at: 1, cell: (s) => s.replace('-provisioned', '') };

/** Marks a CPU request held at the container's own CPU limit (heldAtCpuLimit); its footnote names the fix. */
export const HELD_MARK = '†';

/**
 * A CPU request MOrA held at the container's own CPU limit because the container needs more: MOrA keeps CPU limits
 * unless --cpu-limits, and Kubernetes rejects a request above its limit, so the request stops there while the limit
 * throttles the container (the demo's currencyservice: 100m, ≈47% of the time above it against a 5% target). Only
 * raising the limit helps; the engine says so in the value's notes (rightsizing/engine/resource.ts), which only JSON
 * showed. `need` is the value it needs, from that note, when the note names it.
 */
export function heldAtCpuLimit(c: ContainerRecommendation): { limit: number; need?: string } | undefined {
  const r = c.cpu, limit = c.current.limits.cpu;
  if (!r || r.limit !== undefined || limit === undefined || !(limit > 0) || r.request.value !== limit) return undefined;
  const note = r.evidence.notes.find((n) => n.includes('above the CPU limit'));
  const overTarget = r.evidence.risk !== undefined && r.evidence.risk.expected > r.evidence.risk.target;
  if (!note && !overTarget) return undefined;
  const need = note ? /^needs (\S+), above the CPU limit/.exec(note)?.[1] : undefined;
  return need ? { limit, need } : { limit };
}

/**
 * `† currencyservice: CPU request held at its 100m limit (needs 195m); the limit throttles it, so only raising the CPU
 * limit lowers its risk (MOrA keeps CPU limits unless --cpu-limits)`, one per container so marked, wrapped to the width.
 * Where the engine also advises more replicas (no HPA), the risk in the row is the CPU's at the current count, and the
 * advised count lowers it too (the load spread over more pods; the demo's currencyservice: 47% at 2, per-replica load
 * above capacity at no time in the history at 5): `† currencyservice: CPU request held at its 100m limit, which throttles
 * it; its 47% risk (and the 195m a pod needs) is at the current 2 replicas: the advised 5 replicas lower that risk
 * (per-replica load above capacity at no time in the history), as would raising the CPU limit to 195m or more (…)`.
 */
export function heldFootnotes(results: readonly EngineResult[], width = 100): string {
  const out: string[] = [];
  for (const r of results) {
    const rec = r.recommendation;
    for (const c of rec.containers) {
      const held = heldAtCpuLimit(c);
      if (!held) continue;
      const name = rec.containers.length > 1 ? `${rec.workload.name}/${c.container}` : rec.workload.name;
      const raise = `raising the CPU limit${held.need ? ` to ${held.need} or more` : ''}`;
      const more = moreReplicas(rec.replicas);
      const n0 = rec.replicas?.current ?? 0;
      const atNow = `the current ${n0} replica${n0 === 1 ? '' : 's'}`;
      const risk = c.cpu?.evidence.risk ? shareText(c.cpu.evidence.risk.expected) : undefined;
      const what = [risk ? `its ${risk} risk` : 'its risk', held.need ? ` (and the ${held.need} a pod needs)` : ''].join('');
      out.push(wrapText(more
        ? `${HELD_MARK} ${name}: CPU request held at its ${formatCpu(held.limit)} limit, which throttles it; ${what} is at ${atNow}: `
          + `the advised ${more.count} replicas lower that risk${more.statement ? ` (${more.statement})` : ''}, as would ${raise} (MOrA keeps CPU limits unless --cpu-limits)`
        : `${HELD_MARK} ${name}: CPU request held at its ${formatCpu(held.limit)} limit${held.need ? ` (needs ${held.need})` : ''}; `
          + `the limit throttles it, so only ${raise} lowers its risk (MOrA keeps CPU limits unless --cpu-limits)`, width, '  '));
    }
  }
  return out.join('');
}

/**
 * The advised replica count where it is above the current one and the engine sets it (no HPA), with its risk statement:
 * more pods share the load, so a held CPU request is exceeded less than the row's risk (stated at the current count) says.
 */
function moreReplicas(rep: Recommendation['replicas']): { count: number; statement?: string } | undefined {
  if (!rep || rep.hpa) return undefined;
  const count = Math.round(rep.recommended.value);
  return count > rep.current ? { count, statement: replicaRiskStatement(rep) } : undefined;
}

/** Words wrapped to `width`, continuation lines indented by `indent`; one newline at the end. */
function wrapText(text: string, width: number, indent = ''): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = indent + word;
    } else line = line ? `${line} ${word}` : word;
  }
  return `${[...lines, line].join('\n')}\n`;
}

/** Under a table with a value MOrA sets nothing for: that a value without → stays, as apply leaves it. */
function keptFootnote(cpuLimit: boolean, other: boolean, width: number): string {
  if (!cpuLimit && !other) return '';
  return wrapText(`a value without → is kept as it is${cpuLimit ? ' (CPU limits are set only with --cpu-limits)' : ''}`, width);
}

/**
 * Under a table with a risk column: what it means and the targets, wrapped to the table's width: `risk = expected share of
 * time above the CPU request · OOM days at the memory limit (1/100 = 1 in 100), from each workload's own history; risk
 * targets: CPU request exceeded ≤5% of the time, memory limit ≤1 OOM day in 100 (--cpu-risk, --memory-risk)`. With the
 * risk column left out to fit the width (`column` false), the targets alone: what the values were sized to.
 */
function riskFootnote(targets: string, width: number, results: readonly EngineResult[] = [], column = true): string {
  if (!column) return wrapText(`${targets} (--cpu-risk, --memory-risk)`, width);
  const leak = results.some((r) => r.recommendation.containers.some((c) => c.memory?.evidence.risk?.leak));
  return wrapText('risk = expected share of time above the CPU request · OOM days at the memory limit (1/100 = 1 in 100'
    + `${leak ? '; leak 5d = memory leaks: an OOM kill in ≈5 days at the limit' : ''}), from each workload's own history; ${targets} (--cpu-risk, --memory-risk)`, width);
}

/** A verdict in a table: `ok`, or `ok*` when a floor lifted a value far above usage (the footnote says which). */
function verdictCell(c: ContainerRecommendation): string {
  return c.raisedToFloor?.length ? `${c.verdict}*` : c.verdict;
}

/** `* frontend: memory raised to the 250Mi floor (5.8× the observed peak 43.3Mi)`, one line per container so marked. */
export function floorFootnotes(results: readonly EngineResult[], width = 100): string {
  const lines: string[] = [];
  for (const r of results) {
    const rec = r.recommendation;
    for (const c of rec.containers) {
      const note = floorNote(c);
      if (!note) continue;
      const name = rec.containers.length > 1 ? `${rec.workload.name}/${c.container}` : rec.workload.name;
      const line = `* ${name}: ${note}`;
      lines.push(line.length > width ? `${line.slice(0, width - 1)}…` : line);
    }
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/**
 * MOrA against VPA- and KRR-style values from the same history, with savings and replayed risk: a row per container
 * (`web/proxy` when the workload has several, as in the recommendations table), so a sidecar is never left out. Where
 * MOrA's values carry risk statements, a `risk` column (the expected risk of MOrA's values, as in the recommendations
 * table) and the footnote with the targets they were sized to.
 */
export function comparisonTable(results: readonly EngineResult[], width = 100): string {
  return comparisonTableFit(results, width).text;
}

/** The comparison table and which of its columns it shows (by header: `Δcpu`, `oom`, `vpa`…), for a legend under it. */
export function comparisonTableFit(results: readonly EngineResult[], width = 100): { text: string; shown: (header: string) => boolean } {
  const rows: string[][] = [];
  const ns = namespaces(results);
  const targets = riskTargetsLine(results.map((r) => r.recommendation));
  const delta = (x: number | undefined, f: (v: number) => string): string => (x === undefined ? '-' : `${x >= 0 ? '' : '+'}${f(Math.abs(x))}`);
  const noRisk: string[] = [];
  for (const r of results) {
    const rec = r.recommendation;
    for (const c of rec.containers) {
      const d = r.details.find((x) => x.container === c.container);
      if (!d) continue;
      const saved = d.saved ?? (rec.containers.length === 1 ? r.savings : undefined);
      const risk = d.memory?.evidence.replay;
      rows.push([
        ...(ns ? [rec.workload.namespace] : []), rec.containers.length > 1 ? `${rec.workload.name}/${c.container}` : rec.workload.name,
        cpu(d.cpu?.request.value) + (heldAtCpuLimit(c) ? HELD_MARK : ''), cpu(d.baselines.cpu.vpa), cpu(d.baselines.cpu.krr),
        mem(d.memory?.limit?.value), mem(d.baselines.memory.vpa), mem(d.baselines.memory.krr),
        delta(saved?.cpuRequest, cpu), delta(saved?.memoryRequest, memAmount),
        risk ? `${risk.oomDays ?? 0}/${risk.days}` : '-',
        verdictCell(c), ...(targets ? [riskCellText(c)] : []),
      ]);
      if (targets && !riskCell(c)) noRisk.push(`— ${rec.containers.length > 1 ? `${rec.workload.name}/${c.container}` : rec.workload.name}: ${noRiskReason(c)}`);
    }
  }
  const columns: Column[] = [
    ...(ns ? [{ header: 'namespace', wrap: true }] : []), { header: 'service', wrap: true }, { header: 'cpu', align: 'right' },
    { header: 'vpa', align: 'right', fit: [{ at: 6, drop: true }] }, { header: 'krr', align: 'right', fit: [{ at: 4, drop: true }] },
    { header: 'mem lim', align: 'right' }, { header: 'vpa', align: 'right', fit: [{ at: 6, drop: true }] }, { header: 'krr', align: 'right', fit: [{ at: 4, drop: true }] },
    { header: 'Δcpu', align: 'right', fit: [{ at: 5, drop: true }] }, { header: 'Δmem req', align: 'right', fit: [{ at: 5, drop: true }] },
    { header: 'oom', align: 'right', fit: [{ at: 3, drop: true }] }, { header: 'verdict', keep: true, wrap: true, fit: [SHORT_VERDICT] },
    ...(targets ? [{ header: 'risk', align: 'right' as const, fit: [{ at: 2, drop: true }] }] : []),
  ];
  const table = fitTable(columns, rows, width);
  const shown = (header: string): boolean => columns.some((c, i) => c.header === header && table.shown[i]);
  const text = table.text + floorFootnotes(results, width) + heldFootnotes(results, width)
    + (shown('Δcpu') || shown('Δmem req') ? deltaFootnote(results, width) : '')
    + noRisk.map((l) => wrapText(l, width, '  ')).join('') + (targets ? riskFootnote(targets, width, results, shown('risk')) : '');
  return { text, shown };
}

/** The workloads whose savings count MOrA's requests at the replicas it advises: `currencyservice 2→3`. */
function advisedReplicas(results: readonly EngineResult[]): string[] {
  return results.filter((r) => r.savings.replicas).map((r) => `${r.recommendation.workload.name} ${r.savings.replicas!.current}→${r.savings.replicas!.advised}`);
}

/** `a 2→3, b 1→2, c 4→3 and 5 more`: a list that stays one line. */
const fewOf = (at: readonly string[]): string => (at.length > 3 ? `${at.slice(0, 3).join(', ')} and ${at.length - 3} more` : at.join(', '));

/**
 * Under the comparison table, what Δ is: the REQUESTS freed, while the memory column next to it is the limit (the one the
 * oom and risk columns are about), so adservice's limit going 300Mi→225Mi is a Δmem req of +27Mi (its request 180Mi→207Mi,
 * one replica). Said in every table, and which rows count the advised replicas.
 */
function deltaFootnote(results: readonly EngineResult[], width: number): string {
  const at = advisedReplicas(results);
  return wrapText('Δcpu / Δmem req = requests freed: current request × replicas − MOrA\'s request × replicas ("+" = more '
    + 'needed; mem lim is the limit, not the request)'
    + (at.length ? `; MOrA's at the advised replicas for ${fewOf(at)}, the others at their current replicas` : ''), width);
}

/** One line: the requests freed (or needed) over all workloads, × replicas (advised where MOrA advises a count), and the replayed risk. */
export function savingsSummary(results: readonly EngineResult[]): string {
  let cpuFreed = 0, memFreed = 0, oomDays = 0, days = 0;
  for (const r of results) {
    cpuFreed += r.savings.cpuRequest; memFreed += r.savings.memoryRequest;
    for (const d of r.details) { const rp = d.memory?.evidence.replay; if (rp) { oomDays += rp.oomDays ?? 0; days += rp.days; } }
  }
  const signed = (x: number, f: (v: number) => string): string => `${x >= 0 ? 'frees' : 'needs'} ${f(Math.abs(x))}`;
  const at = advisedReplicas(results);
  return `MOrA's requests, × ${at.length ? 'advised ' : ''}replicas: CPU ${signed(cpuFreed, cpu)}, memory ${signed(memFreed, memAmount)} against the current.\n`
    + (at.length ? `(advised: ${fewOf(at)}; the others at their current replicas)\n` : '')
    + `Replayed over the last weeks, its memory limits would have been exceeded on ${oomDays} of ${days} container-days.\n`;
}

/**
 * JSON/YAML body: the Recommendation (what every view reads) plus the baselines and savings next to it, the replica
 * advice in words, and every number rounded for output (`roundForOutput`); the engine's own values stay unrounded.
 */
export function recommendationsData(results: readonly EngineResult[]): unknown[] {
  return results.map((r) => roundForOutput({
    ...r.recommendation,
    containers: r.recommendation.containers.map((c) => {
      const note = floorNote(c);
      const out = { ...c, cpu: withKeptLimit(withStatement(c.cpu), c.current.limits.cpu), memory: withKeptLimit(withStatement(c.memory), c.current.limits.memory) };
      return note ? { ...out, verdictNote: note } : out;
    }),
    ...(r.recommendation.replicas ? { replicas: withReplicaStatement(r.recommendation.replicas) } : {}),
    baselines: Object.fromEntries(r.details.map((d) => [d.container, d.baselines])),
    savings: r.savings,
  }));
}

/**
 * A resource MOrA sizes without a limit (CPU when the policy sets no CPU limits) on a container that has one: the limit
 * apply keeps, as `limitKept` (base units), so the output does not read as dropping it.
 */
function withKeptLimit(r: ResourceRecommendation | undefined, current: number | undefined): ResourceRecommendation | undefined {
  return r && !r.limit && current !== undefined ? { ...r, limitKept: current } as ResourceRecommendation : r;
}

/** The risk statement in words next to its numbers (`evidence.risk.statement`), as every view words it. */
function withStatement(r: ResourceRecommendation | undefined): ResourceRecommendation | undefined {
  const risk = r?.evidence.risk;
  return r && risk ? { ...r, evidence: { ...r.evidence, risk: { ...risk, statement: riskStatement(r) } as typeof risk } } : r;
}

/** The replica advice in words, and its risk statement next to its numbers (`risk.statement`), as the CSV replica row words it. */
function withReplicaStatement(rep: NonNullable<Recommendation['replicas']>): unknown {
  const statement = replicaRiskStatement(rep);
  return { ...rep, ...(rep.risk && statement ? { risk: { ...rep.risk, statement } } : {}), advice: replicaAdvice(rep) };
}

/** Keys holding a share or ratio (0..1 or a multiplier): 4 decimals. */
const RATIO_KEYS = new Set(['confidence', 'margin', 'agreement', 'completeness', 'exceedanceShare', 'wasteRatio', 'oomDayShare',
  'cpuExceedance', 'targetCpuUtilization', 'days', 'target', 'expected']);

/**
 * Rounds numbers at the output edge, by what they measure: cores to 6 decimals (a microcore, far below the 1m a quantity
 * can say), bytes to whole bytes, shares and ratios to 4 decimals, anything else to 6 decimals. A key `cpu…` or
 * `memory…` sets the unit for everything under it; `0.30000000000000004` becomes `0.3`.
 */
export function roundForOutput<T>(value: T, unit: 'cores' | 'bytes' | undefined = undefined, key = ''): T {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || Number.isInteger(value)) return value;
    const places = RATIO_KEYS.has(key) ? 4 : unit === 'bytes' ? 0 : 6;
    const r = Number(value.toFixed(places));
    return (Object.is(r, -0) ? 0 : r) as T;
  }
  if (Array.isArray(value)) return value.map((x) => roundForOutput(x, unit, key)) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const u = /^cpu/i.test(k) ? 'cores' : /^memory/i.test(k) ? 'bytes' : unit;
      out[k] = roundForOutput(v, u, k);
    }
    return out as T;
  }
  return value;
}

export function recommendationsJson(results: readonly EngineResult[]): string {
  return JSON.stringify(recommendationsData(results), null, 2) + '\n';
}

export function recommendationsYaml(results: readonly EngineResult[]): string {
  return stringify(recommendationsData(results));
}

/** What `recommend -f json|yaml --with-skipped` prints: the array under `recommendations`, and what was left out. */
export interface SkippedEntry { context: string; namespace: string | null; kind: string; name: string; reason: string }

export function recommendationsWithSkippedJson(results: readonly EngineResult[], skipped: readonly SkippedEntry[]): string {
  return JSON.stringify({ recommendations: recommendationsData(results), skipped }, null, 2) + '\n';
}

export function recommendationsWithSkippedYaml(results: readonly EngineResult[], skipped: readonly SkippedEntry[]): string {
  return stringify({ recommendations: recommendationsData(results), skipped });
}

/**
 * A VPA / KRR value as a CSV cell, in the units of the other cells: their memory is raw bytes (VPA's 511772988), written
 * rounded up to whole Mi (`489Mi`) as MOrA's own values are; CPU as a quantity (`204m`).
 */
function baselineCell(kind: 'cpu' | 'memory', v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return '';
  return kind === 'cpu' ? formatCpu(v) : formatMemory(memoryUpToMi(v));
}

/** A risk target as a CSV cell: a fleet allotment's target is a sum of floats (0.06499999999999968); 12 significant digits give 0.065. */
const targetCell = (x: number | undefined): number | '' => (x === undefined ? '' : Number(x.toPrecision(12)));

/**
 * One row per container and resource, and one for the replica advice (`replicas`, or `hpa` with the HPA's bounds). The columns
 * keep their places (readers index them; new ones go at the end): `confidence` is the engine's chance, 0–1, that the value
 * keeps to its risk target on the next day (docs/ENGINE.md § Confidence), for machines; people read `risk_statement`, the
 * words the table and JSON use (`≈1 OOM day in 133 at this limit`), next to `risk_target` and `risk_expected` (shares). The
 * replica rows carry the CPU risk target the count was sized to; a fixed count also the share of observed time the load per
 * replica exceeds its capacity at it.
 */
export function recommendationsCsv(results: readonly EngineResult[]): string {
  const header = ['context', 'namespace', 'kind', 'workload', 'container', 'resource', 'current_request', 'current_limit',
    'request', 'request_lower', 'request_upper', 'limit', 'method', 'confidence', 'verdict', 'vpa', 'krr', 'risk_target', 'risk_expected', 'risk_statement'];
  const rows: unknown[][] = [];
  for (const r of results) {
    const w: Recommendation['workload'] = r.recommendation.workload;
    r.recommendation.containers.forEach((c, i) => {
      const d = r.details[i];
      for (const kind of ['cpu', 'memory'] as const) {
        const x = c[kind];
        const f = kind === 'cpu' ? formatCpu : formatMemory;
        const q = (v: number | undefined): string => (v === undefined ? '' : f(v));
        if (!x) {
          // No value (too few samples, a container Prometheus never saw): the row stays, its value cells empty and the
          // reason in `method`, so a reader of the CSV sees the container was not sized rather than not there.
          const why = c.unsized?.find((u) => u.resource === kind);
          if (why) {
            rows.push([w.context, w.namespace, w.kind, w.name, c.container, kind, q(c.current.requests[kind]), q(c.current.limits[kind]),
              '', '', '', '', `no value: ${why.reason}`, '', verdictLabel(c), '', '', '', '', '']);
          }
          continue;
        }
        rows.push([w.context, w.namespace, w.kind, w.name, c.container, kind, q(c.current.requests[kind]), q(c.current.limits[kind]),
          // No limit from MOrA: the current one, which apply keeps (an empty cell would read as "no limit").
          q(x.request.value), q(x.request.lower), q(x.request.upper), q(x.limit?.value ?? c.current.limits[kind]), x.evidence.method, x.confidence.toFixed(2), verdictLabel(c),
          baselineCell(kind, d?.baselines[kind].vpa), baselineCell(kind, d?.baselines[kind].krr),
          targetCell(x.evidence.risk?.target), x.evidence.risk?.expected.toFixed(4) ?? '', x.evidence.risk ? riskStatement(x) : '']);
      }
    });
    const rep = r.recommendation.replicas;
    if (rep?.hpa) {
      // The HPA sets the count: its bounds now (current_request/current_limit = min/max) and advised (request/limit = min/max).
      const now = rep.hpa.current;
      rows.push([w.context, w.namespace, w.kind, w.name, '', 'hpa', now?.minReplicas ?? '', now?.maxReplicas ?? '', rep.hpa.minReplicas, '', '',
        rep.hpa.maxReplicas, replicaAdvice(rep), r.recommendation.confidence.toFixed(2), '', '', '', targetCell(rep.risk?.target), '', '']);
    } else if (rep) {
      rows.push([w.context, w.namespace, w.kind, w.name, '', 'replicas', rep.current, '', rep.recommended.value, rep.recommended.lower, rep.recommended.upper,
        '', replicaAdvice(rep), r.recommendation.confidence.toFixed(2), '', '', '', targetCell(rep.risk?.target), rep.risk?.expected.toFixed(4) ?? '',
        replicaRiskStatement(rep) ?? '']);
    }
  }
  return toCsv(header, rows);
}
