/**
 * What VS Code shows around a load experiment plan (docs/EXPERIMENTS.md), without the editor:
 * - the confirmation before anything is sent: cells, total requests, the highest rate and the hosts that receive load;
 * - the per-cell progress line ("cell 3/18: checkout × 2 replicas @ 50 req/s");
 * - the plan the "Create a plan…" wizard writes (YAML that parsePlan accepts);
 * - a plan file's problems as line-numbered diagnostics (the YAML extension that reads the JSON Schema may be absent);
 * - the results as the forecast view's `experiment` data: per service, asked vs achieved rate, latency p95/p99 and CPU
 *   per cell against the load level, failed (quality-gate) cells marked, and the capacity per replica with its interval.
 */
import { capacityFromPlan, type ServiceCapacity } from '../pipeline/experiment-capacity';
import { parsePlan, PlanError, WORKLOAD_KINDS, type ExperimentPlan, type PlanCell, type PlanExpansion } from '../data/experiments/plan-file';
import type { CellRecord, PlanDocument } from '../data/experiments/plan-run';
import { redact } from '../data/prometheus/errors';
import type { WorkloadKind } from '../core/workload';
import {
  PROTOCOL_VERSION, type ExperimentChart, type ExperimentPoint, type ExperimentSeries, type ExperimentServiceData, type ExperimentViewData,
  type TableData,
} from '../protocol/forecast';

// ---- before: the confirmation and the progress ---------------------------------------------------------------------

export interface PlanLoadSummary {
  cells: number;
  totalRequests: number;
  /** The highest rate any cell asks for at any moment (req/s). */
  maxRate: number;
  /** Hosts that receive load (host:port of target URLs); JMeter cells add "JMeter plan <file name>" when they have no target. */
  hosts: string[];
  /** Load time plus cool-downs, without scaling and Prometheus reads. */
  totalSeconds: number;
  /** Workloads the run sets the replicas of (every service with a workload, even at one count), as "namespace/Kind/name". */
  scaled: string[];
  /** Per entry of `scaled`: the kube context the plan pins it to, if any. */
  scaledContexts: Array<string | undefined>;
}

export function planLoadSummary(expansion: PlanExpansion): PlanLoadSummary {
  const hosts = new Set<string>();
  const scaled = new Map<string, string | undefined>();
  let maxRate = 0;
  for (const c of expansion.cells) {
    for (const s of c.schedule) maxRate = Math.max(maxRate, s.rate);
    if (c.target) hosts.add(new URL(c.target).host);
    else if (c.jmx) hosts.add(`JMeter plan ${c.jmx.replace(/^.*[\\/]/, '')}`);
    // The runner sets the replicas of every cell with a workload (a single count too: scaled to it, then put back).
    if (c.workload) scaled.set(`${c.workload.namespace}/${c.workload.kind}/${c.workload.name}${c.workload.context ? `@${c.workload.context}` : ''}`, c.workload.context);
  }
  const label = (k: string) => k.replace(/@.*$/, '');
  return {
    cells: expansion.cells.length, totalRequests: expansion.totalRequests, maxRate, hosts: [...hosts], totalSeconds: expansion.totalSeconds,
    scaled: [...scaled.keys()].map(label), scaledContexts: [...scaled.values()],
  };
}

function minutes(seconds: number): string {
  return seconds < 90 ? `${Math.round(seconds)} s` : `${Math.round(seconds / 60)} min`;
}

const rate = (x: number) => `${+x.toFixed(2)} req/s`;

/**
 * The modal confirmation: a one-line message and the detail (every number the user agrees to before any load), and
 * the kube context each workload is scaled in — the plan's, else `currentContext` (the one the run will use).
 */
export function confirmationText(plan: ExperimentPlan, expansion: PlanExpansion, done: ReadonlySet<string> = new Set(), kube: { currentContext?: string } = {}): { message: string; detail: string } {
  const s = planLoadSummary(expansion);
  const pending = expansion.cells.filter((c) => !done.has(c.id));
  const where = (i: number, why: boolean) => {
    const pinned = s.scaledContexts[i];
    if (pinned) return ` in context "${pinned}"`;
    if (kube.currentContext) return ` in context "${kube.currentContext}"${why ? ' (the current kubeconfig context; the plan names none)' : ''}`;
    return '';
  };
  const scaled = (why: boolean) => s.scaled.map((w, i) => `${w}${where(i, why)}`).join(', ');
  const message = `Send load for experiment plan "${plan.name}"? ${s.cells} cell(s), ${s.totalRequests.toLocaleString('en-US')} requests in total, at most ${rate(s.maxRate)}, to ${s.hosts.join(', ')}.`
    + (s.scaled.length ? ` Scales ${scaled(false)}.` : '');
  const lines = [
    `Cells: ${s.cells} (${[...new Set(expansion.cells.map((c) => c.service))].length} service(s) × replica counts × load levels)${done.size ? `; ${s.cells - pending.length} already done and skipped` : ''}`,
    `Total requests: ${s.totalRequests.toLocaleString('en-US')}`,
    `Highest rate: ${rate(s.maxRate)} (rate cap ${rate(plan.rateCap)})`,
    `Hosts receiving load: ${s.hosts.join(', ')}`,
    `Load time: about ${minutes(s.totalSeconds)}`,
    ...(s.scaled.length ? [`Scaled between cells (put back at the end): ${scaled(true)}`] : []),
    `Results: ${plan.outDir}`,
    '',
    ...expansion.cells.slice(0, 30).map((c) => `${done.has(c.id) ? '✓ ' : ''}${cellLabel(c)} — ${c.scenario}, ${c.warmupSeconds + c.durationSeconds} s, ${c.requests} requests`),
    ...(expansion.cells.length > 30 ? [`… and ${expansion.cells.length - 30} more cell(s)`] : []),
  ];
  return { message, detail: lines.join('\n') };
}

/** "checkout × 2 replicas @ 50 req/s". */
export function cellLabel(c: Pick<PlanCell, 'service' | 'replicas' | 'level'>): string {
  return `${c.service} × ${c.replicas} replica${c.replicas === 1 ? '' : 's'} @ ${+c.level.toFixed(2)} req/s`;
}

/** The progress line of a cell: its position among all cells of the plan (done ones included). */
export function progressMessage(c: Pick<PlanCell, 'service' | 'replicas' | 'level' | 'index'>, total: number): string {
  return `cell ${c.index + 1}/${total}: ${cellLabel(c)}`;
}

// ---- the wizard's plan ---------------------------------------------------------------------------------------------

export interface PlanWizardAnswers {
  service: string;
  target: string;
  replicas: number[];
  levels: number[];
  durationSeconds: number;
  prometheusUrl: string;
  /**
   * Needed (and asked) when there are several replica counts: the workload MOrA scales between cells (default kind
   * Deployment; wizardWorkloadKind gives a tree node's), and the kube context it is in.
   */
  workload?: { namespace: string; name: string; kind?: WorkloadKind; context?: string };
  /** p95 latency objective in ms (default 250). */
  sloP95Ms?: number;
  /** Folder of the results, relative to the plan file (default .mora/experiments, which feeds replica advice). */
  out?: string;
}

/** A plan file for one service, YAML with comments; `parsePlan` accepts it (or says which answer is wrong). */
export function planYaml(a: PlanWizardAnswers): string {
  const host = new URL(a.target).hostname.toLowerCase().replace(/^\[|\]$/g, '');
  const loopback = host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
  const list = (xs: number[]) => `[${xs.join(', ')}]`;
  const shownPrometheus = redact(a.prometheusUrl, []);
  const lines = [
    `# MOrA experiment plan (docs/EXPERIMENTS.md): run it with "MOrA: Run Load Experiment" or mora experiment run <this file>.`,
    // A credential in the setting's URL (user:password@, ?token=…) never goes into a file people share: MOrA puts the
    // setting's full URL back when it runs the plan (withPrometheusCredentials).
    ...(shownPrometheus !== a.prometheusUrl ? [`# The credential in mora.prometheus.url is left out here (***); MOrA takes the full URL from that setting (or MORA_PROMETHEUS_URL) when it runs this plan.`] : []),
    `prometheus: ${JSON.stringify(shownPrometheus)}`,
    `scrapeInterval: 15s`,
    `# No cell may ask for more requests per second than this.`,
    `rateCap: ${Math.max(...a.levels)}`,
    ...(loopback ? [] : [`# Hosts besides loopback that may receive load.`, `allowedHosts: [${JSON.stringify(host)}]`]),
    `out: ${JSON.stringify(a.out ?? '.mora/experiments')}`,
    `services:`,
    `  - name: ${JSON.stringify(a.service)}`,
    `    target: ${JSON.stringify(a.target)}`,
    `    replicas: ${list(a.replicas)}`,
    `    levels: ${list(a.levels)}`,
    `    scenario: constant`,
    `    duration: ${a.durationSeconds}s`,
    `    warmup: ${Math.min(10, Math.max(1, Math.round(a.durationSeconds / 6)))}s`,
    `    slo:`,
    `      latencyP95Ms: ${a.sloP95Ms ?? 250}`,
  ];
  if (a.workload) {
    lines.push('    workload:', `      namespace: ${JSON.stringify(a.workload.namespace)}`, `      kind: ${a.workload.kind ?? 'Deployment'}`, `      name: ${JSON.stringify(a.workload.name)}`);
    // The cluster it was picked in: the run scales it there, whatever the current context is then.
    if (a.workload.context) lines.push(`      context: ${JSON.stringify(a.workload.context)}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * The kind of workload the wizard's plan scales, from the tree node it was started on: a Deployment or StatefulSet
 * keeps its kind (a StatefulSet written as a Deployment would not be found, or another workload of that name would be
 * scaled); no node is a Deployment; any other kind cannot be set to a replica count, and the error says so.
 */
export function wizardWorkloadKind(node?: { kind?: string; name?: string }): { kind: WorkloadKind } | { error: string } {
  if (!node?.kind) return { kind: 'Deployment' };
  const kind = WORKLOAD_KINDS.find((k) => k === node.kind);
  if (kind) return { kind };
  return { error: `${node.kind}${node.name ? `/${node.name}` : ''} has no replica count MOrA can set (only a ${WORKLOAD_KINDS.join(' or a ')}): give one replica count, or start the wizard without it to name a Deployment` };
}

/** Comma-separated positive numbers (wizard input), or an error message. */
export function parseNumberList(raw: string, what: string, integer = false): number[] | string {
  const parts = raw.split(',').map((p) => p.trim()).filter(Boolean);
  if (!parts.length) return `give at least one ${what}`;
  const xs = parts.map(Number);
  const bad = xs.findIndex((x) => !(x > 0) || (integer && !Number.isInteger(x)));
  if (bad >= 0) return `"${parts[bad]}" is not ${integer ? 'a whole number ≥ 1' : 'a positive number'}`;
  if (new Set(xs).size !== xs.length) return `a ${what} is listed twice`;
  return xs;
}

// ---- diagnostics on plan files -------------------------------------------------------------------------------------

export interface PlanProblem {
  /** 1-based; undefined when the problem has no place (then the first line). */
  line?: number;
  field?: string;
  message: string;
}

/** The plan's first problem, as parsePlan reports it (it stops at the first), or none. */
export function planProblems(text: string, file: string): PlanProblem[] {
  try {
    parsePlan(text, file);
    return [];
  } catch (e) {
    if (!(e instanceof PlanError)) return [{ message: (e as Error).message }];
    // The message starts with "file:line: "; the editor already says which file and where.
    const prefix = `${file}${e.line ? `:${e.line}` : ''}: `;
    const message = e.message.startsWith(prefix) ? e.message.slice(prefix.length) : e.message;
    return [{ line: e.line, field: e.field, message }];
  }
}

export const PLAN_FILE_PATTERN = /\.mora-plan\.(ya?ml|json)$/i;

// ---- after: the results --------------------------------------------------------------------------------------------

/** A plan's record from its JSON text; throws a clear error for anything else. */
export function parsePlanRecord(text: string, file: string): PlanDocument {
  let doc: { schema?: unknown; cells?: unknown };
  try {
    doc = JSON.parse(text) as typeof doc;
  } catch (e) {
    throw new Error(`${file}: not valid JSON (${(e as Error).message})`);
  }
  if (doc?.schema !== 'mora.experiment-plan/1' || !Array.isArray(doc.cells)) {
    throw new Error(`${file} is not an experiment plan's record (expected schema mora.experiment-plan/1, as "MOrA: Run Load Experiment" and mora experiment run write)`);
  }
  return doc as PlanDocument;
}

const num = (x: number | undefined, d: number): string => (x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(d));

/** A cell that ran to the end (its numbers are real); `failed` marks one whose quality gate failed. */
function measured(c: CellRecord): c is CellRecord & { stats: NonNullable<CellRecord['stats']> } {
  return c.status === 'done' && c.stats !== undefined;
}

const isFailed = (c: CellRecord) => c.quality !== undefined && !c.quality.passed;

function point(c: CellRecord, y: number | undefined): ExperimentPoint[] {
  return y === undefined || !Number.isFinite(y) ? [] : [{ x: c.level, y, cell: c.id, failed: isFailed(c) }];
}

function perReplica(cells: CellRecord[], label: (r: number) => string, role: ExperimentSeries['role'], y: (c: CellRecord) => number | undefined): ExperimentSeries[] {
  return [...new Set(cells.map((c) => c.replicas))].sort((a, b) => a - b).map((r) => ({
    label: label(r), role, replicas: r,
    points: cells.filter((c) => c.replicas === r).sort((a, b) => a.level - b.level).flatMap((c) => point(c, y(c))),
  }));
}

const replicasText = (r: number) => `${r} replica${r === 1 ? '' : 's'}`;

function serviceCharts(cells: CellRecord[], cap: ServiceCapacity | undefined): ExperimentChart[] {
  const done = cells.filter(measured);
  const levels = [...new Set(cells.map((c) => c.level))].sort((a, b) => a - b);
  const lo = levels[0] ?? 0, hi = levels[levels.length - 1] ?? 0;
  const flat = (label: string, role: ExperimentSeries['role'], y: number): ExperimentSeries => ({
    label, role, points: [{ x: lo, y, cell: '', failed: false }, { x: hi, y, cell: '', failed: false }],
  });
  // The asked rate: the mean over the measured time (a step, ramp or spike asks less than its peak on average).
  const asked: ExperimentSeries = {
    label: 'asked', role: 'asked',
    points: levels.map((l) => {
      const c = done.find((x) => x.level === l && x.quality);
      return { x: l, y: c?.quality?.askedRate ?? l, cell: '', failed: false };
    }),
  };
  const load: ExperimentChart = {
    id: 'load', title: 'Load: asked vs achieved', unit: 'req/s',
    series: [asked, ...perReplica(done, (r) => `achieved, ${replicasText(r)}`, 'achieved', (c) => c.stats?.achievedRate)],
  };
  const slo = cells[0]?.slo ?? {};
  const latency: ExperimentChart = {
    id: 'latency', title: 'Latency p95 / p99', unit: 'ms',
    series: [
      ...perReplica(done, (r) => `p95, ${replicasText(r)}`, 'p95', (c) => c.stats?.latencyP95Ms),
      ...perReplica(done, (r) => `p99, ${replicasText(r)}`, 'p99', (c) => c.stats?.latencyP99Ms),
      ...(slo.latencyP95Ms !== undefined ? [flat(`SLO p95 ≤ ${slo.latencyP95Ms} ms`, 'slo', slo.latencyP95Ms)] : []),
      ...(slo.latencyP99Ms !== undefined ? [flat(`SLO p99 ≤ ${slo.latencyP99Ms} ms`, 'slo', slo.latencyP99Ms)] : []),
    ],
  };
  const cpu: ExperimentChart = {
    id: 'cpu', title: 'CPU per pod', unit: 'cores',
    series: perReplica(done, (r) => `CPU per pod, ${replicasText(r)}`, 'cpu', (c) => c.summary?.means.cpu_usage),
  };
  // The capacity per replica as the total rate of each replica count: where the achieved rate should level off.
  if (cap?.perReplica) {
    for (const r of [...new Set(done.map((c) => c.replicas))].sort((a, b) => a - b)) {
      load.series.push(flat(`capacity, ${replicasText(r)} (${num(cap.perReplica.estimate * r, 1)} req/s)`, 'capacity', cap.perReplica.estimate * r));
    }
  }
  return [load, latency, cpu];
}

export function capacityText(cap: ServiceCapacity | undefined): string {
  const k = cap?.perReplica;
  if (!cap || !k) return 'capacity not measured: no cell that passed its quality gate met the SLO';
  const parts = [`${k.bound === 'at-least' ? '≥ ' : ''}${num(k.estimate, 1)} req/s per replica (95% ${num(k.lower, 1)}–${num(k.upper, 1)}) within ${k.slo}`];
  if (k.bound === 'at-least') parts.push('every cell met the SLO: a lower bound');
  if (cap.cpuSecondsPerRequest !== undefined) parts.push(`CPU ${num(cap.cpuSecondsPerRequest * 1000, 2)} ms per request`);
  if (cap.memoryPerReplicaBytes !== undefined) parts.push(`memory ${num(cap.memoryPerReplicaBytes / 2 ** 20, 0)} MiB per replica`);
  parts.push(`${cap.usedCells.length} cell(s) used, ${cap.excludedCells.length} left out`);
  return parts.join('; ');
}

function cellTable(service: string, cells: CellRecord[]): TableData {
  return {
    caption: `${service}: cells`,
    columns: ['cell', 'replicas', 'asked req/s', 'achieved req/s', 'p95 ms', 'p99 ms', 'CPU per pod', 'quality'],
    rows: cells.map((c) => {
      const q = c.quality;
      const status = c.status !== 'done' ? `${c.status}${c.error ? `: ${c.error}` : ''}`
        : !q ? 'done' : q.passed ? `passed${q.saturated ? ' (saturated)' : ''}${q.sloMet ? '' : ', SLO missed'}` : `FAILED: ${q.reasons.join('; ')}`;
      const cpu = c.summary?.means.cpu_usage;
      return [
        c.id, String(c.replicas), num(q?.askedRate ?? c.level, 1), num(c.stats?.achievedRate, 1), num(c.stats?.latencyP95Ms, 1), num(c.stats?.latencyP99Ms, 1),
        cpu === undefined ? '–' : `${Math.round(cpu * 1000)}m`, status,
      ];
    }),
  };
}

/** The forecast view's `experiment` data for a plan's record (capacities computed from it unless given). */
export function buildExperimentView(doc: PlanDocument, capacities: ServiceCapacity[] = capacityFromPlan(doc)): ExperimentViewData {
  const services = [...new Set(doc.cells.map((c) => c.service))];
  const q = doc.quality ?? { passed: 0, failed: 0, pending: 0 };
  const out: ExperimentServiceData[] = services.map((service) => {
    const cells = doc.cells.filter((c) => c.service === service);
    const cap = capacities.find((c) => c.service === service);
    const k = cap?.perReplica;
    return {
      service,
      ...(k ? { capacity: { estimate: k.estimate, lower: k.lower, upper: k.upper, bound: k.bound, slo: k.slo } } : {}),
      capacityText: capacityText(cap),
      charts: serviceCharts(cells, cap),
      cells: cellTable(service, cells),
    };
  });
  const notes = [
    ...(doc.error ? [`The run stopped with an error: ${doc.error}`] : []),
    ...(doc.quality?.failures ?? []).map((f) => `${f.cell} failed its quality gate and is left out of capacity: ${f.reasons.join('; ')}`),
    ...Object.entries(doc.scaling ?? {}).filter(([, n]) => !n.restored).map(([s, n]) => (n.restoreSkipped
      ? `${n.workload} (service ${s}) was left as found, not put back to ${n.originalReplicas} replica(s): ${n.restoreSkipped}`
      : `${n.workload} (service ${s}) was not put back to ${n.originalReplicas} replica(s): ${n.restoreCommand}`)),
    ...(doc.resumes ?? []),
    `Load drivers: ${doc.versions?.drivers?.join(', ') || 'none recorded'}; MOrA ${doc.versions?.mora ?? '?'}.`,
  ];
  return {
    version: PROTOCOL_VERSION, kind: 'experiment', name: doc.name, title: `Load experiment: ${doc.name}`, status: doc.status,
    generatedAt: doc.updated,
    headline: `${doc.cells.length} cell(s): ${q.passed} passed, ${q.failed} failed (left out of capacity), ${q.pending} not run — ${doc.status}`,
    notes, services: out,
  };
}
