/**
 * `mora demo`: the embedded demo shop as a table — what each service asks for against what it really uses.
 */
import { riskSettingText } from '../../core/advice-text';
import { formatCpu, humanMemory } from '../../core/quantity';
import { DEFAULT_RISK } from '../../rightsizing/engine/policy';
import { quantile, max } from '../../core/stats';
import { resolve } from 'node:path';
import { checkUserFile, writeUserFile } from '../format/write';
import { checkReportPath } from './report-path';
import { UserError } from '../errors';
import { riskOption } from './recommend';
import { DemoDataSource, DEMO_SERVICES, demoManifests, demoWorkload } from '../../data/demo';
import { fitLines, renderTable, terminalWidth, wrapWords } from '../format/table';

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

/** `a/b/c` → `b/c`: the p95 and the max of p50/p95/max, when the table must be narrower. */
const dropFirst = (s: string): string => s.split('/').slice(1).join('/');

/**
 * The usage table, fitted to `width` as the other tables (table.ts renderTable): in a narrower terminal the names are
 * shortened, then the replicas left out, the usage columns show p95/max instead of p50/p95/max, then p95 alone, and
 * the limits last.
 */
export function demoTable(rows: DemoRow[], width = Infinity): string {
  const cpu = (x: number | undefined) => (x === undefined ? '-' : formatCpu(x));
  const mem = (x: number | undefined) => (x === undefined ? '-' : humanMemory(x));
  const cells = rows.map((r) => {
    // One short word each, so the table stays narrow.
    const notes: string[] = [];
    const idleCpu = r.cpu.request !== undefined && r.cpu.p95 < 0.3 * r.cpu.request;
    const idleMem = r.memory.request !== undefined && r.memory.p95 < 0.3 * r.memory.request;
    if (idleCpu || idleMem) notes.push(idleCpu && idleMem ? 'idle' : idleCpu ? 'cpu idle' : 'mem idle');
    if (r.throttledShare > 0.01) notes.push('throttled');
    if (r.memory.limit !== undefined && r.memory.max > 0.85 * r.memory.limit) notes.push('mem risk');
    return [r.service, String(r.replicas), `${cpu(r.cpu.request)}/${cpu(r.cpu.limit)}`, `${cpu(r.cpu.p50)}/${cpu(r.cpu.p95)}/${cpu(r.cpu.max)}`,
      `${mem(r.memory.request)}/${mem(r.memory.limit)}`, `${mem(r.memory.p50)}/${mem(r.memory.p95)}/${mem(r.memory.max)}`, notes.join(', ')];
  });
  // Each shorter form says what it hides, so the note under the table names every one: `not shown: rep, cpu/mem p50/max, cpu limits`.
  const usage = (at: number, what: string) => [{ at, header: `${what} p95/max`, cell: dropFirst, hides: 'p50' }, { at: at + 4, header: `${what} p95`, cell: (s: string) => s.split('/')[0], hides: 'max' }];
  const limit = (at: number, what: string) => [{ at, header: `${what} req`, cell: (s: string) => s.split('/')[0], hides: 'limits' }];
  return renderTable([
    { header: 'service' }, { header: 'rep', align: 'right', fit: [{ at: 1, drop: true }] },
    { header: 'cpu req/lim', keep: true, fit: limit(8, 'cpu') }, { header: 'cpu p50/p95/max', keep: true, fit: usage(2, 'cpu') },
    { header: 'mem req/lim', keep: true, fit: limit(9, 'mem') }, { header: 'mem p50/p95/max', keep: true, fit: usage(3, 'mem') },
    { header: 'note', keep: true, wrap: true },
  ], cells, width, { gap: 1, whole: 'mora demo | less -S' }).replace(/\n$/, '');
}

/** Lines ending in a newline, as they are when each fits `width`, else re-wrapped to it as one paragraph. */
function fitParagraph(text: string, width: number): string {
  const lines = text.replace(/\n$/, '').split('\n');
  return lines.every((l) => l.length <= width) ? text : wrapWords(lines.join(' '), width);
}

export interface DemoOptions {
  report: string | false;
  /** `report` is the default name, not a --report given: --usage (which writes no report) goes with it. */
  reportFromDefault?: boolean;
  /** -m was typed (not its default none): refused with --usage, which uses no forecast. */
  modelGiven?: boolean;
  model: string;
  usage?: boolean;
  manifests?: string;
  quiet?: boolean;
  /** --cpu-risk / --memory-risk (shares, validated as mora recommend's); undefined: the policy's defaults (5% / 1%). */
  cpuRisk?: string;
  memoryRisk?: string;
}

export async function runDemo(opts: DemoOptions = { report: false, model: 'none' }): Promise<void> {
  // Every option is checked before anything is printed or written (exit 2, stdout empty, no file written, as mora recommend):
  // --usage with a flag for the recommendations first, then the risk targets, the model, the report's path (name
  // .html/.htm, folder exists) and --manifests' folder.
  // The report, the forecast (-m) and the risk targets are for the recommendations, which --usage leaves out: typing one
  // with --usage is a usage error naming each, not a flag silently ignored (before, exit 0 and `--cpu-risk 0.01` unused).
  if (opts.usage) {
    const unused = [
      ...(opts.report && !opts.reportFromDefault ? ['--report'] : []),
      ...(opts.modelGiven ? [`-m ${opts.model}`] : []),
      ...(opts.cpuRisk !== undefined ? ['--cpu-risk'] : []),
      ...(opts.memoryRisk !== undefined ? ['--memory-risk'] : []),
    ];
    if (unused.length) {
      const names = unused.length === 1 ? unused[0] : `${unused.slice(0, -1).join(', ')} and ${unused[unused.length - 1]}`;
      const sizing = unused.some((f) => f !== '--report') ? ' (the usage table is what was observed: no forecast, no risk target)' : '';
      throw new UserError(`${names} go${unused.length === 1 ? 'es' : ''} with the recommendations, which --usage leaves out${sizing}: `
        + `drop --usage for ${unused.length === 1 && unused[0] === '--report' ? 'the report' : 'the recommendations'}, or ${names} for the usage table alone`);
    }
  }
  const risk = { cpu: riskOption('--cpu-risk', opts.cpuRisk, DEFAULT_RISK.cpu), memory: riskOption('--memory-risk', opts.memoryRisk, DEFAULT_RISK.memory) };
  const model = opts.model === 'none' ? undefined : opts.model;
  const { modelNames } = require('../../ml/forecast') as typeof import('../../ml/forecast');
  if (model && !modelNames().includes(model)) throw new UserError(`unknown model "${opts.model}" for --model; available: ${modelNames().join(', ')}, none`);
  // --usage prints the usage table only and writes no report: the default name is not checked then.
  if (opts.report && !opts.usage) checkReportPath(opts.report);
  if (opts.manifests) checkUserFile(opts.manifests);
  if (opts.manifests) {
    writeUserFile(opts.manifests, demoManifests());
    process.stderr.write(`wrote the demo manifests to ${opts.manifests}\n`);
  }
  const source = new DemoDataSource();
  const out = process.stdout;
  const width = terminalWidth(); // the terminal's, else $COLUMNS, else unlimited (a pipe: every line as it is)
  out.write('MOrA demo shop — namespace "shop", 11 services, 14 days of 1-minute metrics\n\n');
  out.write('What each service asks for against what it uses (per pod):\n\n');
  out.write(demoTable(demoRows(source), width) + '\n\n');
  if (opts.usage) return;

  const { comparisonReport } = require('./recommend-run') as typeof import('./recommend-run');
  const tty = process.stderr.isTTY === true;
  // The model runs as in `mora recommend` (src/pipeline/recommend.ts forecastDefaults), so both give the same numbers.
  const { runs } = await comparisonReport(source, {
    model,
    policy: { cpuRisk: risk.cpu, memoryRisk: risk.memory },
    report: opts.report || undefined,
    title: 'MOrA demo shop',
    onGlobalModel: (require('../../pipeline/global-lstm') as typeof import('../../pipeline/global-lstm')).globalEventPrinter((x) => process.stderr.write(x), { tty, quiet: opts.quiet }),
    onProgress: opts.quiet ? undefined : (d, n, name) => process.stderr.write(tty ? `\rrecommending: ${d}/${n} ${name.padEnd(24)}${d === n ? '\n' : ''}` : `recommending: ${d}/${n} ${name}\n`),
  });
  // The one knob, in one line: what the targets (the defaults, or --cpu-risk / --memory-risk) promise and where to change
  // them; wrapped only where the terminal is narrower.
  out.write(`${fitParagraph(`MOrA sizes to your risk target: ${riskSettingText(risk)} `
    + '(--cpu-risk / --memory-risk here and in mora recommend; settings mora.risk.cpu / mora.risk.memory).\n', width)}\n`);
  out.write(`${fitParagraph(`MOrA's recommendations (${model ? `moving window, checked against the ${model} forecast` : 'moving window; -m prophet|fused checks a forecast against it'})\n`
    + 'next to VPA\'s and KRR\'s on the same history:\n', width)}\n`);
  // As wide as the terminal (else $COLUMNS, else unlimited), as mora recommend --compare.
  const f = require('../format/recommendations') as typeof import('../format/recommendations');
  const table = f.comparisonTableFit(runs, width);
  out.write(table.text + fitLines(f.savingsSummary(runs), width));
  // The legend names only the columns the table shows (a narrow terminal leaves Δ and oom out).
  const delta = table.shown('Δcpu') || table.shown('Δmem req');
  const legend = delta && table.shown('oom')
    ? 'cpu = CPU request, mem lim = memory limit; Δ = what MOrA frees (+ = needs) × replicas;\n'
      + 'oom = replayed days whose peak exceeded MOrA\'s limit. MOrA\'s floors are 10m and 32Mi per container\n'
    : `${['cpu = CPU request, mem lim = memory limit', ...(delta ? ['Δ = what MOrA frees (+ = needs) × replicas'] : []),
      ...(table.shown('oom') ? ['oom = replayed days whose peak exceeded MOrA\'s limit'] : [])].join('; ')}. MOrA's floors are 10m and 32Mi per container\n`;
  out.write(`\n${fitParagraph(`${legend}(VPA's: 25m and 250Mi per pod); a floor far above usage is named next to the verdict.\n`, width)}`);
  // Where the report is: stderr, so stdout is the tables alone (as recommend --report says `wrote …` on stderr).
  if (opts.report) process.stderr.write(`HTML report with charts: ${resolve(opts.report)}\n`);
}
