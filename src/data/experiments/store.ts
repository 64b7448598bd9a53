/**
 * Stored experiments as a DataSource (kind "experiments"): a folder of `<id>.json` + `<id>.csv` written by the runner.
 * One context ("experiments"), namespaces from the experiments' workloads (or "local" for a plain process), one
 * workload per service; its metrics are the rows of all its experiments on one time grid (experiments run at
 * different times, so the grid has gaps between them — NaN, as for any source).
 */
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { MetricName } from '../../core/metrics';
import type { Workload } from '../../core/workload';
import type { DataSource, MetricFrame, MetricTarget, SourceHealth, TimeRange } from '../datasource';
import { InputError } from '../timeseries-csv';
import { parseExperimentCsv, type ExperimentRows } from './csv';
import type { PlanDocument } from './plan-run';
import type { ExperimentDocument, LevelSummary, LevelTiming } from './runner';

export const EXPERIMENTS_CONTEXT = 'experiments';

export interface StoredExperiment {
  document: ExperimentDocument;
  rows: ExperimentRows;
  namespace: string;
  workload: string;
  /** For one service × replica count of an experiment plan: the plan's record (its cells, quality and SLOs). */
  plan?: { document: PlanDocument; service: string };
}

/**
 * An experiment plan's record as StoredExperiments, one per service × replica count, so the data source and the
 * capacity fit read plans like single experiments: each done cell is a level (a cell that failed its quality gate is
 * a failed level, left out of fits), its rows those of the unified CSV with that service and replica count.
 */
export function planExperiments(doc: PlanDocument, csvText: string, csvName: string): StoredExperiment[] {
  const all = parseExperimentCsv(csvText, csvName);
  const lines = csvText.split(/\r?\n/).filter((l) => l.trim() !== '');
  const serviceCol = (lines[0] ?? '').split(',').indexOf('service');
  const serviceOf = lines.slice(1).map((l) => l.split(',')[serviceCol] ?? '');
  const out: StoredExperiment[] = [];
  const groups = new Map<string, typeof doc.cells>();
  for (const c of doc.cells) if (c.status === 'done') groups.set(`${c.service}\u0000${c.replicas}`, [...(groups.get(`${c.service}\u0000${c.replicas}`) ?? []), c]);
  for (const cells of groups.values()) {
    const { service, replicas, workload } = cells[0];
    const idx: number[] = [];
    for (let i = 0; i < all.t.length; i++) if (serviceOf[i] === service && all.replicas[i] === replicas) idx.push(i);
    const pick = (a: Float64Array) => Float64Array.from(idx, (i) => a[i]);
    const rows: ExperimentRows = {
      t: pick(all.t), loadLevel: pick(all.loadLevel), replicas: pick(all.replicas), values: {},
      ...(all.askedRate && all.achievedRate && all.saturated ? { askedRate: pick(all.askedRate), achievedRate: pick(all.achievedRate), saturated: pick(all.saturated) } : {}),
    };
    for (const [m, v] of Object.entries(all.values)) rows.values[m as keyof ExperimentRows['values']] = pick(v!);
    const levels: LevelTiming[] = cells.map((c) => ({
      level: c.level, start: c.timings?.loadStart ?? 0, end: c.timings?.loadEnd ?? 0, stats: c.stats as unknown as LevelTiming['stats'],
      ...(c.quality && !c.quality.passed ? { failed: `quality gate: ${c.quality.reasons.join('; ')}` } : {}),
    }));
    const summaries: LevelSummary[] = cells.map((c) => {
      const means = c.summary?.means ?? {};
      const rps = means.request_rate ?? NaN;
      return { level: c.level, rows: c.summary?.rows ?? 0, means, maxima: c.summary?.maxima ?? {}, cpuPerRequest: rps > 0 ? (means.cpu_usage ?? NaN) / rps : NaN };
    });
    const svc = doc.plan.services.find((s) => s.name === service);
    const document: ExperimentDocument = {
      schema: 'mora.experiment/1', id: `${doc.name}/${service}/r${replicas}`, status: 'complete',
      config: {
        service, targetUrl: svc?.target ?? '', prometheusUrl: doc.plan.prometheusUrl, levels: cells.map((c) => c.level),
        durationSeconds: svc?.durationSeconds ?? 0, replicas, stepSeconds: doc.stepSeconds, rateWindowSeconds: doc.rateWindowSeconds,
        ...(workload ? { workload } : {}),
      },
      timings: { started: doc.started, finished: doc.updated, levels },
      summary: { levels: summaries, missing: [], warnings: [] },
      files: { csv: doc.files.csv, json: doc.files.json },
    };
    out.push({ document, rows, namespace: workload?.namespace || 'local', workload: workload?.name ?? service, plan: { document: doc, service } });
  }
  return out;
}

/** Reads every experiment of a folder (skipping failed ones and ones without a CSV). Throws InputError on unreadable files. */
export function loadExperiments(dir: string): StoredExperiment[] {
  if (!existsSync(dir)) throw new InputError(`${dir}: no such folder of experiments`);
  const out: StoredExperiment[] = [];
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.json')).sort()) {
    let doc: ExperimentDocument;
    try {
      doc = JSON.parse(readFileSync(join(dir, f), 'utf8')) as ExperimentDocument;
    } catch (e) {
      throw new InputError(`${join(dir, f)}: not valid JSON (${(e as Error).message})`);
    }
    // JSON that is not an object (`null`, a number) is not an experiment: skipped like any other foreign JSON, not a TypeError.
    if (doc === null || typeof doc !== 'object') continue;
    if ((doc as { schema: string }).schema === 'mora.experiment-plan/1') {
      const plan = doc as unknown as PlanDocument;
      const csvPath = join(dir, plan.files.csv);
      if (existsSync(csvPath)) out.push(...planExperiments(plan, readFileSync(csvPath, 'utf8'), csvPath));
      continue;
    }
    if (doc.schema !== 'mora.experiment/1' || doc.status === 'failed' || !doc.files?.csv) continue;
    const csvPath = join(dir, doc.files.csv);
    if (!existsSync(csvPath)) continue;
    const rows = parseExperimentCsv(readFileSync(csvPath, 'utf8'), csvPath);
    const w = doc.config.workload;
    out.push({ document: doc, rows, namespace: w?.namespace || 'local', workload: w?.name ?? doc.config.service });
  }
  return out;
}

export class ExperimentDataSource implements DataSource {
  readonly kind = 'experiments' as const;
  private cache: StoredExperiment[] | undefined;

  constructor(private readonly dir: string) {}

  /** Re-reads the folder on next use (after a new run). */
  refresh(): void {
    this.cache = undefined;
  }

  experiments(): StoredExperiment[] {
    this.cache ??= loadExperiments(this.dir);
    return this.cache;
  }

  async contexts(): Promise<string[]> {
    return [EXPERIMENTS_CONTEXT];
  }

  async namespaces(context: string): Promise<string[]> {
    if (context !== EXPERIMENTS_CONTEXT) return [];
    return [...new Set(this.experiments().map((e) => e.namespace))].sort();
  }

  async workloads(context: string, namespace: string): Promise<Workload[]> {
    if (context !== EXPERIMENTS_CONTEXT) return [];
    const byName = new Map<string, StoredExperiment[]>();
    for (const e of this.experiments()) if (e.namespace === namespace) byName.set(e.workload, [...(byName.get(e.workload) ?? []), e]);
    return [...byName].map(([name, exps]) => {
      const last = exps[exps.length - 1].document.config;
      return {
        context, namespace, kind: last.workload?.kind ?? 'Deployment', name,
        replicas: last.replicas,
        containers: [{ name: last.workload?.container ?? 'main', resources: { requests: {}, limits: {} } }],
        labels: { 'mora.dev/experiments': String(exps.length) },
      };
    });
  }

  private of(target: MetricTarget): StoredExperiment[] {
    return this.experiments().filter((e) => e.namespace === target.workload.namespace && e.workload === target.workload.name);
  }

  async historyRange(target: MetricTarget): Promise<TimeRange> {
    const exps = this.of(target);
    if (!exps.length) throw new InputError(`no experiments for ${target.workload.namespace}/${target.workload.name} in ${this.dir}`);
    let from = Infinity, to = -Infinity, step = Infinity;
    for (const e of exps) {
      const t = e.rows.t;
      if (!t.length) continue;
      from = Math.min(from, t[0]);
      to = Math.max(to, t[t.length - 1]);
      step = Math.min(step, e.document.config.stepSeconds);
    }
    if (!Number.isFinite(from)) throw new InputError(`the experiments of ${target.workload.name} have no rows`);
    return { from, to: to + step, step };
  }

  async metrics(target: MetricTarget, range: TimeRange): Promise<MetricFrame> {
    const n = Math.max(0, Math.floor((range.to - range.from) / range.step));
    const t = Float64Array.from({ length: n }, (_, i) => range.from + i * range.step);
    const values: Partial<Record<MetricName, Float64Array>> = {};
    for (const e of this.of(target)) {
      for (const [m, v] of Object.entries(e.rows.values) as Array<[MetricName, Float64Array]>) {
        if (!v.some(Number.isFinite)) continue; // a column the experiment could not fill stays absent
        const out = (values[m] ??= new Float64Array(n).fill(NaN));
        for (let k = 0; k < e.rows.t.length; k++) {
          const i = Math.floor((e.rows.t[k] - range.from) / range.step);
          if (i >= 0 && i < n && Number.isFinite(v[k])) out[i] = v[k];
        }
      }
    }
    return { t, step: range.step, values };
  }

  async health(): Promise<SourceHealth> {
    try {
      const n = this.experiments().length;
      return n ? { ok: true, message: `${n} experiment(s) in ${this.dir}` } : { ok: false, message: `no experiments in ${this.dir} — run mora experiment --out ${this.dir}` };
    } catch (e) {
      return { ok: false, message: (e as Error).message };
    }
  }
}

/**
 * The load experiments of several folders' `.mora/experiments` (a multi-root workspace keeps them in any of its folders:
 * Run Load Experiment writes into the first). A folder without one is skipped; one that cannot be read is passed to
 * `warn` and skipped. Undefined when none was read.
 */
export function loadFolderExperiments(roots: readonly string[], warn: (dir: string, error: Error) => void): StoredExperiment[] | undefined {
  const out: StoredExperiment[] = [];
  let read = 0;
  for (const root of roots) {
    const dir = join(root, '.mora', 'experiments');
    if (!existsSync(dir)) continue;
    try {
      out.push(...loadExperiments(dir));
      read++;
    } catch (e) {
      warn(dir, e as Error);
    }
  }
  return read > 0 ? out : undefined;
}
