/**
 * Runs an experiment plan cell by cell (docs/EXPERIMENTS.md): for each cell, the load (a CellLoadDriver), a cool-down,
 * then the 12 metrics of the cell's time read back from Prometheus, the quality gate, and the cell written at once —
 * its rows appended to the experiment's one CSV (`<name>.csv`, atomically replaced) and its record marked done in the
 * JSON (`<name>.json`, atomically replaced) — before the next cell starts.
 *
 * Resuming: the JSON is the source of truth. Running the same plan again skips the cells it records as done (with the
 * same parameters: a changed cell runs again) and drops CSV rows of any other cell (a run killed between the CSV and
 * the JSON write left them), so a SIGKILL at any moment loses only the cell that was running, which then restarts.
 *
 * Scaling: before a service's first cell at a replica count the workload is scaled (Scaler, plan.ts) and the service's
 * ScalingNote — the original count and the command that restores it — is in the JSON before anything changes. The
 * original count is put back after the service's last cell, on error and on cancel. A SIGKILL cannot restore it: the
 * next run finds the note with `restored: false`, takes the original count from it (not from the cluster, which still
 * shows the interrupted run's count), says so, and restores it when the service is done. A pending note is owed to the
 * workload it names: if the plan now names another one for that service (or none), the note's workload is restored
 * first. A note with `restored: true` is history: a rerun that scales the service again reads the live count.
 * Other plans' records (and experiments') beside this one are looked at too (other-notes.ts): a workload another running
 * plan is scaling is refused (WorkloadScaledElsewhereError), before anything is written and again before it is first
 * scaled; a killed run's pending note on it gives the original count, and is settled by this run's restore.
 *
 * A failed cell: a cell whose target took no connection after its workload was scaled (the check before its load,
 * target-check.ts: the plan's pre-run check skips such targets), or whose load got not one answer, is recorded
 * `failed` with the reason, not `done`; the run stops there (the scaling restored, as for any failed cell) and a rerun
 * runs it again.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../core/atomic-write';
import { METRIC_NAMES, type MetricName } from '../../core/metrics';
import { stripUserinfo } from '../../core/redact';
import { PrometheusClient, type PrometheusAuth } from '../prometheus/client';
import { redact } from '../prometheus/errors';
import { fetchFrame } from '../prometheus/frame';
import { DEFAULT_METRIC_NAMES, DEFAULT_QUERY_CONFIG, metricQueries, promString, type QueryConfig } from '../prometheus/queries';
import { checkJmxHosts } from './jmx-hosts';
import { acquirePlanLock, acquireWorkloadLock, PlanLockedError, type PlanLock } from './plan-lock';
import { planPrometheusOptions } from './plan-prometheus';
import { PLAN_CSV_COLUMNS, cell as csvCell, planCsvLines } from './csv';
import { expandPlan, type CellLoadDriver, type CellLoadResult, type ExperimentPlan, type PlanCell, type PlanWorkload } from './plan-file';
import type { Scaler } from './plan';
import { judgeCell, type CellQuality } from './quality';
import { redactedError, scrapeWaitSeconds, storedErrorText, waitForScrapes, type ScalingNote, type ScrapeWait, type ScrapeWaitTiming } from './runner';
import { otherLabel, otherPendingNotes, settleOtherNotes, settleStaleNotes, splitByLiveCount, WorkloadScaledElsewhereError, type OtherNote } from './other-notes';
import { noteKey, noteWorkload, settled, workloadKey, workloadLabel } from './scaling-note';
import { scaledTargetMessage, waitForConnection, type NoConnection, type TargetCheckOptions } from './target-check';

export type CellStatus = 'pending' | 'running' | 'done' | 'failed';

export interface CellRecord {
  id: string;
  service: string;
  replicas: number;
  level: number;
  scenario: PlanCell['scenario'];
  /** Hash of the cell's parameters: a done cell whose plan entry changed runs again. */
  fingerprint: string;
  status: CellStatus;
  /** How many times this cell was started (more than 1: an earlier run was interrupted in it). */
  attempts: number;
  error?: string;
  timings?: { started: number; loadStart: number; loadEnd: number; finished: number };
  stats?: CellLoadResult;
  quality?: CellQuality;
  /** Means and maxima of each metric over the measured rows (after warm-up). */
  summary?: { rows: number; means: Partial<Record<MetricName, number>>; maxima: Partial<Record<MetricName, number>> };
  slo: PlanCell['slo'];
  workload?: PlanWorkload;
}

export type PlanStatus = 'running' | 'complete' | 'partial' | 'failed';

export interface PlanDocument {
  schema: 'mora.experiment-plan/1';
  name: string;
  status: PlanStatus;
  error?: string;
  /** The plan as run (URLs without credentials: userinfo dropped, credential query values `***`). */
  plan: ExperimentPlan;
  versions: { mora: string; node: string; drivers: string[]; prometheus?: string };
  started: number;
  updated: number;
  /** Runs of this plan into this folder: 1 + the resumes. */
  runs: number;
  /** What a resume found and did, one line per run after the first. */
  resumes: string[];
  cells: CellRecord[];
  /** Per service with a workload: its original replica count and whether it was put back. */
  scaling: Record<string, ScalingNote>;
  /** The quality report: passed and failed cells, and why. */
  quality: { passed: number; failed: number; pending: number; failures: Array<{ cell: string; reasons: string[] }> };
  files: { csv: string; json: string };
  stepSeconds: number;
  rateWindowSeconds: number;
}

export type PlanEvent =
  | { kind: 'resume'; message: string }
  | { kind: 'skip'; cell: PlanCell }
  | { kind: 'scale'; service: string; workload: string; replicas: number }
  | { kind: 'scaling'; service: string; note: ScalingNote }
  | { kind: 'cell-start'; cell: PlanCell; position: number; pending: number }
  /** Waiting for Prometheus' first scrapes of the cell's target (runner.ts ScrapeWait): only when they are not there yet. */
  | { kind: 'scrapes'; cell: PlanCell; wait: ScrapeWait }
  /**
   * The target of a cell that scales its workload refused the check's first GET after scaling (start: how long it may
   * take at most), then took a connection (ready, after `waited` s). None when the first GET connects.
   */
  | { kind: 'target'; cell: PlanCell; wait: { state: 'start'; seconds: number } | { state: 'ready'; waited: number } }
  | { kind: 'cell-load-done'; cell: PlanCell; stats: CellLoadResult }
  | { kind: 'cell-written'; cell: PlanCell; record: CellRecord };

export interface PlanRunHooks {
  signal?: AbortSignal;
  /** Driver for `target` cells; default autocannon (cell-load.ts). */
  httpDriver?: CellLoadDriver;
  /** Driver for `jmx` cells; without one such a cell fails with a clear error before any load. */
  jmxDriver?: CellLoadDriver;
  /** The scaler of a service's workload (the CLI builds one from the kubeconfig), in `workload.context` when it is set. */
  scalerFor?: (workload: PlanWorkload, service: string) => Scaler | undefined;
  prometheus?: PrometheusClient;
  prometheusAuth?: PrometheusAuth;
  /** Label matchers added to every query (mora.prometheus.matchers), and extra headers on every request (the plan URL's own). */
  prometheusMatchers?: string;
  prometheusHeaders?: Record<string, string>;
  /** MOrA's own timeout of each Prometheus request (--prometheus-timeout, mora.prometheus.timeoutSeconds); default 30 s. */
  prometheusTimeoutMs?: number;
  /** Where that timeout is set, named by its messages (PrometheusClientOptions.timeoutHint). */
  prometheusTimeoutHint?: string;
  /** PrometheusClientOptions.onNote of the client built from the plan (a read split after a timeout); `mora experiment run` says it on stderr. */
  onPrometheusNote?: (note: string) => void;
  onEvent?: (e: PlanEvent) => void;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /**
   * The clock and report interval of the wait for a cell's first scrapes (tests); default Date.now, every 30 s. The
   * wait for a scaled cell's target uses the same clock.
   */
  scrapeWait?: ScrapeWaitTiming;
  /** The GET to a scaled cell's target before its load (default noConnection, target-check.ts); tests of a fake driver pass their own. */
  targetCheck?: (url: string, opts: TargetCheckOptions) => Promise<NoConnection | undefined>;
}

export interface PlanRunResult {
  document: PlanDocument;
  jsonPath: string;
  csvPath: string;
  /** Cells run (and written) by this call, and cells skipped as already done. */
  ran: string[];
  skipped: string[];
}

export function planPaths(plan: ExperimentPlan): { json: string; csv: string; lock: string } {
  return { json: join(plan.outDir, `${plan.name}.json`), csv: join(plan.outDir, `${plan.name}.csv`), lock: join(plan.outDir, `${plan.name}.lock`) };
}

export function cellFingerprint(c: PlanCell): string {
  const key = {
    service: c.service, replicas: c.replicas, level: c.level, scenario: c.scenario, duration: c.durationSeconds, warmup: c.warmupSeconds,
    cooldown: c.cooldownSeconds, target: c.target && stripUserinfo(c.target), jmx: c.jmx, slo: c.slo, workload: c.workload, resources: c.resources,
    selector: c.selector, connections: c.connections,
  };
  return createHash('sha256').update(JSON.stringify(key)).digest('hex').slice(0, 16);
}

/** Reads an earlier run's JSON of this plan, if any (an unreadable one is an error: it holds the record of what ran). */
export function readPlanDocument(path: string): PlanDocument | undefined {
  if (!existsSync(path)) return undefined;
  let doc: PlanDocument;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8')) as PlanDocument;
  } catch (e) {
    throw new Error(`${path}: not valid JSON (${(e as Error).message}); it records which cells ran — move it away to start the plan afresh`);
  }
  if (doc.schema !== 'mora.experiment-plan/1') throw new Error(`${path} is not an experiment plan's record (schema ${String(doc.schema)}); choose another "out" folder or plan name`);
  return doc;
}

function moraVersion(): string {
  try {
    return (require('../../../package.json') as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

function jsonText(doc: unknown): string {
  return `${JSON.stringify(doc, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`;
}

/** The plan as recorded: URLs without credentials (userinfo; ?token=, ?api_key= … values are `***`). */
function safePlan(plan: ExperimentPlan): ExperimentPlan {
  return {
    ...plan, prometheusUrl: redact(plan.prometheusUrl, []),
    services: plan.services.map((s) => ({ ...s, ...(s.target ? { target: redact(s.target, []) } : {}) })),
  };
}

export function qualityReport(cells: readonly CellRecord[]): PlanDocument['quality'] {
  const done = cells.filter((c) => c.status === 'done');
  const failed = done.filter((c) => c.quality && !c.quality.passed);
  return {
    passed: done.length - failed.length, failed: failed.length, pending: cells.length - done.length,
    failures: failed.map((c) => ({ cell: c.id, reasons: c.quality!.reasons })),
  };
}

/**
 * A cell failed and stopped the run (recorded failed). `kind` 'unreachable': its target (or a JMeter plan's hosts) took
 * no connection after scaling, or not one request of its load was answered — the CLI's exit 3, as the pre-run check's.
 */
export class CellFailedError extends Error {
  constructor(message: string, readonly kind: 'unreachable') {
    super(message);
    this.name = 'CellFailedError';
  }
}

/** Why a cell whose load got not one answer failed: how many requests failed, and how (the connection errors by code). */
export function noAnswerMessage(c: PlanCell, r: CellLoadResult): string {
  const codes = Object.entries(r.errorCodes ?? {}).filter(([, n]) => n > 0).map(([code, n]) => `${n} ${code}`);
  const how = [...codes, ...(r.timeouts ? [`${r.timeouts} timed out`] : [])].join(', ');
  const what = c.target ? `the target ${redact(c.target, [])}` : `the hosts of ${c.jmx ?? 'its JMeter plan'}`;
  return `cell ${c.id}: no request of its load was answered (${r.errors} failed${how ? `: ${how}` : ''}) — is ${what} of service ${c.service} running and listening there? the cell is recorded failed and runs again on the next run`;
}

function stats(xs: number[]): { mean: number; max: number } {
  return { mean: xs.reduce((a, b) => a + b, 0) / xs.length, max: Math.max(...xs) };
}

/** A done cell's asked rate, achieved rate and saturation, repeated over its n rows (NaN where the record has none). */
function cellRates(rec: CellRecord | undefined, n: number): { askedRate: Float64Array; achievedRate: Float64Array; saturated: Float64Array } {
  const q = rec?.quality;
  return {
    askedRate: new Float64Array(n).fill(q?.askedRate ?? NaN),
    achievedRate: new Float64Array(n).fill(rec?.stats?.achievedRate ?? NaN),
    saturated: new Float64Array(n).fill(q ? (q.saturated ? 1 : 0) : NaN),
  };
}

/** One row of an earlier CSV layout in PLAN_CSV_COLUMNS order: known cells by name, the rate cells from the record. */
function upgradeRow(header: readonly string[], cells: readonly string[], rec: CellRecord | undefined): string {
  const rates = cellRates(rec, 1);
  const fill: Record<string, string> = {
    asked_rate: csvCell(rates.askedRate[0]), achieved_rate: csvCell(rates.achievedRate[0]), saturated: csvCell(rates.saturated[0]),
  };
  return PLAN_CSV_COLUMNS.map((c) => {
    const k = header.indexOf(c);
    return k >= 0 ? cells[k] ?? '' : fill[c] ?? '';
  }).join(',');
}

/**
 * Runs (or resumes) a plan under its lock (plan-lock.ts): a second run of the same plan at the same time throws
 * PlanLockedError before reading or changing anything.
 */
export async function runPlan(plan: ExperimentPlan, hooks: PlanRunHooks = {}): Promise<PlanRunResult> {
  mkdirSync(plan.outDir, { recursive: true });
  const lock = acquirePlanLock(planPaths(plan).lock, plan.name);
  try {
    if (lock.tookOver) hooks.onEvent?.({ kind: 'resume', message: `plan ${plan.name}: ${lock.tookOver}` });
    return await runPlanLocked(plan, hooks);
  } finally {
    lock.release();
  }
}

async function runPlanLocked(plan: ExperimentPlan, hooks: PlanRunHooks): Promise<PlanRunResult> {
  const now = hooks.now ?? (() => Date.now() / 1000);
  const sleep = hooks.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const emit = (e: PlanEvent) => hooks.onEvent?.(e);
  const { cells } = expandPlan(plan);
  const paths = planPaths(plan);
  const scrape = plan.scrapeIntervalSeconds;
  const step = scrape;
  // rate() over three scrapes: enough samples for a counter's rate, short enough for cells of a few seconds.
  const rateWindowSeconds = Math.max(3 * scrape, 2 * step);

  // 1. What an earlier run left: done cells (same parameters) are kept, with their CSV rows; everything else reruns.
  const previous = readPlanDocument(paths.json);
  const prevById = new Map((previous?.cells ?? []).map((c) => [c.id, c]));
  const records: CellRecord[] = cells.map((c) => {
    const fingerprint = cellFingerprint(c);
    const p = prevById.get(c.id);
    if (p && p.status === 'done' && p.fingerprint === fingerprint) return p;
    return {
      id: c.id, service: c.service, replicas: c.replicas, level: c.level, scenario: c.scenario, fingerprint, status: 'pending',
      attempts: p && p.fingerprint === fingerprint ? p.attempts : 0, slo: c.slo, ...(c.workload ? { workload: c.workload } : {}),
    };
  });
  const done = new Set(records.filter((r) => r.status === 'done').map((r) => r.id));
  let csvLines: string[] = [];
  if (existsSync(paths.csv)) {
    const lines = readFileSync(paths.csv, 'utf8').split(/\r?\n/).filter((l) => l.trim() !== '');
    const header = (lines[0] ?? '').split(',');
    const idCol = header.indexOf('cell_id');
    if (idCol < 0 && lines.length) throw new Error(`${paths.csv} has no cell_id column: it is not this plan's CSV; choose another "out" folder or plan name`);
    csvLines = lines.slice(1).filter((l) => done.has(l.split(',')[idCol]));
    // A CSV written before the rate columns existed: its rows move to today's columns (by name), and the rate cells
    // come from their cell's record, so the resumed file has one header and every row its cell's rates.
    if (header.join(',') !== PLAN_CSV_COLUMNS.join(',')) {
      const byId = new Map(records.map((r) => [r.id, r]));
      csvLines = csvLines.map((l) => upgradeRow(header, l.split(','), byId.get(l.split(',')[idCol])));
    }
  }
  /**
   * One scaler per workload (two services may share one; a note may name a workload the plan no longer does), in the
   * context the plan (or the note) pins, else the run's.
   */
  const scalers = new Map<string, Scaler | undefined>();
  const scalerFor = (w: PlanWorkload, service: string): Scaler | undefined => {
    const key = workloadKey(w, w.context);
    if (!scalers.has(key)) scalers.set(key, hooks.scalerFor?.(w, service));
    return scalers.get(key);
  };
  /** The key a note for this workload, scaled by this scaler, has (the scaler says which kube context). */
  const keyOf = (w: PlanWorkload, scaler: Scaler | undefined): string => workloadKey(w, scaler?.describe?.(0).context);
  /** Another plan or experiment, running now, with a pending note on this workload (other-notes.ts): this run does not scale it. */
  const scaledElsewhere = (key: string): OtherNote | undefined => otherPendingNotes(plan.outDir, key, paths.json).find((o) => o.running);
  const refusal = (o: OtherNote, service: string, then: string): WorkloadScaledElsewhereError => {
    const n = o.note;
    const it = o.kind === 'plan' ? o.name : 'that experiment';
    return new WorkloadScaledElsewhereError(`plan ${plan.name}: ${n.workload} in namespace ${n.namespace}${n.context ? ` (context ${n.context})` : ''} (service ${service}) is being scaled by ${o.kind} ${o.name}, which is running (${o.running}; its record ${o.path}): ${then}; run ${plan.name} once ${it} has ended${o.lock ? `; if ${it} is not running, delete ${o.lock}` : ''}`, o);
  };
  // Before anything is written: a workload this run would scale (or put back) that another running plan scales now.
  const checked = new Set<string>();
  const checkNotScaledElsewhere = (key: string | undefined, service: string) => {
    if (key === undefined || checked.has(key)) return;
    checked.add(key);
    const o = scaledElsewhere(key);
    if (o) throw refusal(o, service, 'nothing was scaled or sent');
  };
  for (const [s, n] of Object.entries(previous?.scaling ?? {})) if (!settled(n)) checkNotScaledElsewhere(noteKey(n), s);
  for (const c of cells) {
    if (done.has(c.id) || !c.workload) continue;
    const scaler = scalerFor(c.workload, c.service);
    if (scaler) checkNotScaledElsewhere(keyOf(c.workload, scaler), c.service);
  }

  /**
   * The workload locks this run holds (plan-lock.ts acquireWorkloadLock), by note key: the lock of each workload an
   * earlier run's pending note names is taken here, before anything is written, restored or scaled; the others just
   * before the workload is first scaled (after the records say no other run scales it). Each is released once no
   * pending note of this run names it (its count put back), the rest at the end. A flag-form `mora experiment` takes
   * the same lock, so one started at the same instant as this run's scaling is refused by one or the other, not judged
   * by records neither had written yet. Until 2026-12-01 a pending note's count was put back before its lock was taken:
   * a flag-form run holding it (scaling that workload at that moment) had its count overwritten under it.
   */
  const workloadLocks = new Map<string, PlanLock>();
  const takeWorkloadLock = (key: string, workload: string, service: string, then: string): void => {
    if (workloadLocks.has(key)) return;
    const lock = acquireWorkloadLock(plan.outDir, key, `plan ${plan.name}: ${workload} (service ${service})`, `plan ${plan.name} (${paths.json})`, { then });
    workloadLocks.set(key, lock);
    if (lock.tookOver) emit({ kind: 'resume', message: `${workload}: ${lock.tookOver}` });
  };
  const noteWorkloadText = (n: ScalingNote) => `${n.workload} in namespace ${n.namespace}${n.context ? ` (context ${n.context})` : ''}`;
  /** Releases every workload lock this run holds, each guarded: one that throws does not keep the others held. */
  const releaseEveryWorkloadLock = (): void => {
    for (const lock of workloadLocks.values()) {
      try {
        lock.release();
      } catch { /* a lock removed or unreadable meanwhile: the others are still released */ }
    }
    workloadLocks.clear();
  };
  try {
    for (const [s, n] of Object.entries(previous?.scaling ?? {})) {
      const key = noteKey(n);
      if (!settled(n) && key !== undefined) takeWorkloadLock(key, noteWorkloadText(n), s, 'nothing was scaled or sent');
    }
  } catch (e) {
    releaseEveryWorkloadLock();
    throw e;
  }

  const started = now();
  const doc: PlanDocument = {
    schema: 'mora.experiment-plan/1', name: plan.name, status: 'running', plan: safePlan(plan),
    versions: { mora: moraVersion(), node: process.version, drivers: previous?.versions.drivers ?? [] },
    started: previous?.started ?? started, updated: started, runs: (previous?.runs ?? 0) + 1, resumes: previous?.resumes ?? [],
    cells: records, scaling: { ...(previous?.scaling ?? {}) }, quality: qualityReport(records),
    files: { csv: `${plan.name}.csv`, json: `${plan.name}.json` }, stepSeconds: step, rateWindowSeconds,
  };
  /** The URLs the run uses, credentials included: an error text is recorded without them (storedErrorText). */
  const runUrls = [plan.prometheusUrl, ...plan.services.map((x) => x.target), ...cells.map((c) => c.target)];
  const writeJson = () => {
    doc.updated = now();
    doc.quality = qualityReport(records);
    writeFileAtomic(paths.json, jsonText(doc));
  };
  const writeCsv = () => writeFileAtomic(paths.csv, `${[PLAN_CSV_COLUMNS.join(','), ...csvLines].join('\n')}\n`);
  const pendingCells = cells.filter((c) => !done.has(c.id));
  const ran: string[] = [];
  const skipped = cells.filter((c) => done.has(c.id)).map((c) => c.id);
  let prometheus: PrometheusClient;
  let httpDriver: CellLoadDriver;
  // The workload locks taken above are released if the run stops before its main part (which releases them at its end).
  try {
    if (previous) {
      const interrupted = (previous.cells ?? []).filter((c) => c.status === 'running').map((c) => c.id);
      const unrestored = Object.entries(previous.scaling ?? {}).filter(([, n]) => !settled(n)).map(([s, n]) => {
        const planned = plan.services.find((x) => x.name === s)?.workload;
        const moved = !planned || workloadLabel(planned) !== n.workload || planned.namespace !== n.namespace;
        const why = !planned ? 'the plan no longer scales a workload for that service' : `the plan now names ${workloadLabel(planned)} in namespace ${planned.namespace}`;
        return `${n.workload} (service ${s}) still scaled; its original ${n.originalReplicas} replica(s) come from the earlier run's note${moved ? `; ${why}: it is put back first` : ''}`;
      });
      const changed = (previous.cells ?? []).filter((c) => c.status === 'done' && !done.has(c.id)).length;
      const msg = [
        `resuming ${plan.name}: ${done.size} of ${cells.length} cell(s) already done`,
        ...(interrupted.length ? [`cell ${interrupted.join(', ')} was interrupted and restarts`] : []),
        ...(changed ? [`${changed} done cell(s) changed in the plan or left it and run again`] : []),
        ...unrestored,
      ].join('; ');
      doc.resumes.push(`${new Date(started * 1000).toISOString()}: ${msg}`);
      emit({ kind: 'resume', message: msg });
    }
    writeCsv();
    writeJson();

    // 2. Nothing is sent before every pending cell can run: a JMeter cell needs its driver and its file.
    for (const c of pendingCells) {
      if (c.jmx && !hooks.jmxDriver) throw new Error(`cell ${c.id} names a JMeter plan (${c.jmx}) but the JMeter driver is not available in this build of MOrA`);
      if (c.jmx && !existsSync(c.jmx)) throw new Error(`cell ${c.id}: JMeter plan ${c.jmx} does not exist`);
      if (c.jmx) {
        try {
          checkJmxHosts(readFileSync(c.jmx, 'utf8'), c.jmx);
        } catch (e) {
          throw new Error(`cell ${c.id}: ${(e as Error).message}`);
        }
      }
    }
    prometheus = hooks.prometheus ?? new PrometheusClient(planPrometheusOptions(plan, hooks));
    httpDriver = hooks.httpDriver ?? (require('./cell-load') as typeof import('./cell-load')).autocannonCellDriver;

    for (const c of cells) if (done.has(c.id)) emit({ kind: 'skip', cell: c });
  } catch (e) {
    releaseEveryWorkloadLock();
    throw e;
  }
  /** Services whose workload this run changed or found changed: restored at the end whatever happens. */
  const toRestore = new Set<string>(Object.entries(doc.scaling).filter(([, n]) => !settled(n)).map(([s]) => s));
  const releaseWorkloadLocks = (): void => {
    for (const [key, lock] of workloadLocks) {
      if (Object.values(doc.scaling).some((n) => !settled(n) && noteKey(n) === key)) continue;
      lock.release();
      workloadLocks.delete(key);
    }
  };
  /** Puts back the workload a service's pending note names — the note's, not the one the plan names today — under its lock. */
  const restore = async (service: string): Promise<void> => {
    toRestore.delete(service);
    const note = doc.scaling[service];
    if (!note || settled(note)) return;
    const ref = noteWorkload(note);
    const scaler = ref && scalerFor(ref, service);
    const context = scaler?.describe?.(note.originalReplicas).context;
    const settledNow = [service];
    // Never without the workload's lock (taken before the run for a pending note it found, before the first scale for
    // its own): another run holding it is scaling that workload now.
    let unlocked: string | undefined;
    const key = noteKey(note);
    if (key !== undefined && !workloadLocks.has(key)) {
      try {
        takeWorkloadLock(key, noteWorkloadText(note), service, 'its count was not put back');
      } catch (e) {
        if (!(e instanceof PlanLockedError)) throw e;
        unlocked = e.message;
      }
    }
    if (unlocked) {
      note.restoreError = unlocked;
    } else if (!ref) {
      note.restoreError = `the note does not say which workload "${note.workload}" in namespace "${note.namespace}" is`;
    } else if (!scaler?.restore) {
      note.restoreError = `this run has no way to scale ${note.workload} (a kubeconfig)`;
    } else if (note.context !== undefined && context !== note.context) {
      // The same name in another cluster is another workload: scaling it would change something the plan never did.
      note.restoreError = `the note is for kube context "${note.context}" but this run uses ${context === undefined ? 'none' : `"${context}"`}`;
    } else {
      try {
        // Only over the count the experiment set: a count someone changed meanwhile is left, and the note says so.
        const outcome = await scaler.restore(note.originalReplicas, note.scaledTo);
        const settle = (n: ScalingNote) => {
          if (outcome) n.restoreSkipped = outcome.reason;
          else n.restored = true;
          delete n.restoreError;
        };
        settle(note);
        // Another service's pending note on the same workload with the same original is settled by this restore too,
        // and so are other records' (a killed run's, whose original this run took: other-notes.ts).
        const others = key === undefined ? [] : otherPendingNotes(plan.outDir, key, paths.json).filter((o) => !o.running && o.note.originalReplicas === note.originalReplicas);
        if (others.length) settleOtherNotes(others, outcome ? { restoreSkipped: outcome.reason } : { restored: true });
        for (const [s, n] of Object.entries(doc.scaling)) {
          if (s !== service && !settled(n) && noteKey(n) === key && n.originalReplicas === note.originalReplicas) {
            settle(n);
            toRestore.delete(s);
            settledNow.push(s);
          }
        }
      } catch (e) {
        note.restoreError = storedErrorText(e, runUrls);
      }
    }
    writeJson();
    releaseWorkloadLocks();
    for (const s of settledNow) emit({ kind: 'scaling', service: s, note: { ...doc.scaling[s] } });
  };
  /**
   * Before a service's workload first changes in this run: the note of its original count is on disk. An interrupted
   * run's pending note for this same workload keeps its count (the cluster still shows the interrupted run's); a
   * restored note is history, so the count is read again — unless another service's pending note on this workload
   * holds it.
   */
  const noteOriginal = async (cell: PlanCell, scaler: Scaler & Required<Pick<Scaler, 'current'>>): Promise<void> => {
    const w = cell.workload!;
    const key = keyOf(w, scaler);
    const busy = scaledElsewhere(key);
    if (busy) throw refusal(busy, cell.service, `cell ${cell.id} was not started`);
    const context = scaler.describe?.(0).context;
    takeWorkloadLock(key, `${workloadLabel(w)} in namespace ${w.namespace}${context ? ` (context ${context})` : ''}`, cell.service, `cell ${cell.id} was not started`);
    const note = doc.scaling[cell.service];
    if (note && !settled(note)) {
      if (noteKey(note) === key) return;
      // Restored (or tried) before the first cell; a note still pending here could not be, and replacing it would lose it.
      throw new Error(`cell ${cell.id}: an earlier run left ${note.workload} in namespace ${note.namespace}${note.context ? ` (context ${note.context})` : ''} scaled from ${note.originalReplicas} replica(s) and it could not be restored (${note.restoreError ?? 'unknown'}); MOrA will not scale ${workloadLabel(w)} for this service until it is — run the plan where it can be restored, or restore it by hand (${note.restoreCommand}) and set "restored": true in ${paths.json}`);
    }
    const pending = Object.values(doc.scaling).find((n) => !settled(n) && noteKey(n) === key);
    // Another record's pending note (a run killed with the workload scaled) holds the original, not the cluster's count.
    const found = pending ? [] : otherPendingNotes(plan.outDir, key, paths.json);
    const live = pending ? undefined : await scaler.current();
    // Such a note holds the original only while the workload still has the count that run set (scaledTo; a note
    // without one, from before it was kept, is taken as it is — as a restore of it would be): a count changed since
    // (the owner's) is the original, and those notes are settled as skipped, as their own restore would have been.
    const { owed: others, stale } = splitByLiveCount(found, live);
    const original = pending ? pending.originalReplicas : others.length ? others[0].note.originalReplicas : live!;
    const d = scaler.describe?.(original) ?? { namespace: w.namespace, restoreCommand: `scale it back to ${original} replicas` };
    const before = doc.scaling[cell.service];
    doc.scaling[cell.service] = { ...d, workload: workloadLabel(w), namespace: w.namespace, originalReplicas: original, restored: false };
    writeJson(); // the note is on disk before the workload changes
    // Two plans noting the same workload at the same moment each find the other's note now: both stop, neither scales.
    const raced = scaledElsewhere(key);
    if (raced) {
      if (before) doc.scaling[cell.service] = before;
      else delete doc.scaling[cell.service];
      writeJson();
      throw refusal(raced, cell.service, `cell ${cell.id} was not started`);
    }
    const skipped = settleStaleNotes(stale, workloadLabel(w), w.namespace, live, `plan ${plan.name} (${paths.json})`, original);
    if (skipped) emit({ kind: 'resume', message: skipped });
    if (others.length) {
      emit({ kind: 'resume', message: `${workloadLabel(w)} in namespace ${w.namespace} has ${live} replica(s), but ${others.map(otherLabel).join(', ')} left it scaled from ${original} and did not restore it: MOrA takes ${original} as its original count` });
    }
    emit({ kind: 'scaling', service: cell.service, note: { ...doc.scaling[cell.service] } });
  };

  let currentReplicas = new Map<string, number>();
  /** Per service with a workload: the replica count at which its target last took a connection in this run. */
  const targetCheckedAt = new Map<string, number>();
  const clock = hooks.scrapeWait?.clock ?? Date.now;
  try {
    // A pending note whose workload the plan no longer names for a service that still runs cells (renamed, moved to
    // another namespace or context, dropped) is settled before anything else changes.
    for (const s of [...toRestore]) {
      const planned = pendingCells.find((c) => c.service === s)?.workload;
      if (!planned || noteKey(doc.scaling[s]) !== keyOf(planned, scalerFor(planned, s))) await restore(s);
    }
    for (const [position, cell] of pendingCells.entries()) {
      if (hooks.signal?.aborted) break;
      const rec = records[cell.index];
      // A service's cells are consecutive: once the next pending cell is another service's, the previous one is done.
      for (const s of [...toRestore]) if (s !== cell.service && !pendingCells.slice(position).some((c) => c.service === s)) await restore(s);
      const scaler = cell.workload && scalerFor(cell.workload, cell.service);
      if (cell.workload && cell.replicas !== 1 && !scaler) throw new Error(`cell ${cell.id} needs ${cell.replicas} replicas of ${cell.workload.kind}/${cell.workload.name} but there is no way to scale it (a kubeconfig)`);
      if (scaler && currentReplicas.get(cell.service) !== cell.replicas) {
        if (scaler.current && scaler.restore) await noteOriginal(cell, scaler as Scaler & Required<Pick<Scaler, 'current'>>);
        toRestore.add(cell.service);
        emit({ kind: 'scale', service: cell.service, workload: `${cell.workload!.kind}/${cell.workload!.name}`, replicas: cell.replicas });
        const note = doc.scaling[cell.service];
        if (note && !settled(note)) {
          note.scaledTo = cell.replicas; // on disk before the count changes: a rerun restores only over it
          writeJson();
        }
        try {
          await scaler.scale(cell.replicas, hooks.signal);
        } catch (e) {
          if (hooks.signal?.aborted) break; // Ctrl-C while waiting for the replicas: a cancel (partial, exit 130), not a failure
          throw e;
        }
        currentReplicas.set(cell.service, cell.replicas);
      }
      if (hooks.signal?.aborted) break;
      emit({ kind: 'cell-start', cell, position, pending: pendingCells.length });
      rec.status = 'running';
      rec.attempts++;
      delete rec.error;
      const cellStarted = now();
      writeJson();

      const target = cell.target ? new URL(cell.target) : undefined;
      const queryConfig: QueryConfig = {
        ...DEFAULT_QUERY_CONFIG, resources: cell.resources, rateWindowSeconds, names: { ...DEFAULT_METRIC_NAMES },
      };
      if (cell.selector) queryConfig.appSelector = cell.selector;
      else if (target) queryConfig.appSelector = `instance=${promString(target.host)}`;
      try {
        if (cell.resources === 'process' && queryConfig.appSelector) await waitForScrapes(prometheus, queryConfig.appSelector, scrape, sleep, hooks.signal, (wait) => emit({ kind: 'scrapes', cell, wait }), hooks.scrapeWait);
        else await prometheus.buildInfo({ signal: hooks.signal });
      } catch (e) {
        if (hooks.signal?.aborted) { rec.status = 'pending'; break; }
        throw e;
      }
      // A cell that scales its workload: its target was not checked before the run (it may answer only once scaled),
      // so it is now, after each change of the count, before the load: one GET, again each second while no connection
      // is possible, for at most the scrape wait's bound (10 scrape intervals + 5 s). Still none: the cell fails.
      if (cell.workload && cell.target && targetCheckedAt.get(cell.service) !== cell.replicas) {
        const seconds = scrapeWaitSeconds(scrape);
        const t0 = clock();
        let waited = false;
        const down = await waitForConnection(cell.target, {
          waitMs: seconds * 1000, clock, sleep, signal: hooks.signal, check: hooks.targetCheck,
          onWaiting: () => { waited = true; emit({ kind: 'target', cell, wait: { state: 'start', seconds } }); },
        });
        if (hooks.signal?.aborted) { rec.status = 'pending'; break; }
        if (down) {
          const e = new CellFailedError(scaledTargetMessage(cell, down, Math.round((clock() - t0) / 1000)), 'unreachable');
          rec.status = 'failed';
          rec.error = storedErrorText(e, runUrls);
          throw e;
        }
        if (waited) emit({ kind: 'target', cell, wait: { state: 'ready', waited: Math.round((clock() - t0) / 1000) } });
        targetCheckedAt.set(cell.service, cell.replicas);
      }

      // Load.
      const driver = cell.jmx ? hooks.jmxDriver! : httpDriver;
      let loadStart = now();
      let result: CellLoadResult;
      try {
        result = await driver({ cell, url: cell.target, jmx: cell.jmx, signal: hooks.signal, workDir: join(plan.outDir, '.work', cell.id.replace(/\//g, '_')) });
      } catch (e) {
        rec.status = 'failed';
        rec.error = storedErrorText(e, runUrls);
        throw e;
      }
      const loadEnd = now();
      if (result.aborted || hooks.signal?.aborted) { rec.status = 'pending'; break; }
      // JMeter's first request comes seconds after the call (JVM start): its rows and warm-up start there.
      if (result.loadStartedAt !== undefined && result.loadStartedAt > loadStart && result.loadStartedAt < loadEnd) loadStart = result.loadStartedAt;
      if (!doc.versions.drivers.includes(result.driver)) doc.versions.drivers.push(result.driver);
      emit({ kind: 'cell-load-done', cell, stats: result });
      // Not one request answered: nothing was measured, whatever the reason (a target gone since its check, one never
      // checked). Failed, not done: the run stops and a rerun runs the cell again.
      if (result.requests === 0) {
        const e = new CellFailedError(noAnswerMessage(cell, result), 'unreachable');
        rec.status = 'failed';
        rec.error = storedErrorText(e, runUrls);
        rec.stats = result;
        rec.timings = { started: cellStarted, loadStart, loadEnd, finished: now() };
        throw e;
      }

      // Cool-down, then until Prometheus holds a scrape from after the load (bounded).
      if (cell.cooldownSeconds > 0) await sleep(cell.cooldownSeconds * 1000);
      const settleDeadline = Date.now() + (3 * scrape + 2) * 1000;
      if (cell.resources === 'process' && queryConfig.appSelector) {
        for (;;) {
          const r = await prometheus.query(`min(timestamp(up{${queryConfig.appSelector}}))`).catch(() => []);
          if ((r[0]?.v ?? 0) >= loadEnd || Date.now() > settleDeadline) break;
          await sleep(Math.min(500, scrape * 250));
        }
      } else if (cell.cooldownSeconds < 2 * scrape) {
        await sleep((2 * scrape - cell.cooldownSeconds) * 1000);
      }

      // The cell's rows: the 12 metrics over the load, on the scrape grid.
      const from = Math.floor(loadStart / step) * step;
      const to = Math.ceil(loadEnd / step) * step;
      const queryTarget = cell.workload ?? { namespace: '', kind: 'Pod' as const, name: cell.service };
      let fetched;
      try {
        fetched = await fetchFrame(prometheus, metricQueries(queryTarget, queryConfig, step), { from, to, step }, hooks.signal);
      } catch (e) {
        if (hooks.signal?.aborted) { rec.status = 'pending'; break; }
        rec.status = 'failed';
        rec.error = storedErrorText(e, runUrls);
        throw e;
      }
      const keep: number[] = [];
      for (let i = 0; i < fetched.frame.t.length; i++) if (fetched.frame.t[i] >= loadStart && fetched.frame.t[i] <= loadEnd) keep.push(i);
      const t = Float64Array.from(keep, (i) => fetched.frame.t[i]);
      const values: Partial<Record<MetricName, Float64Array>> = {};
      for (const [m, v] of Object.entries(fetched.frame.values) as Array<[MetricName, Float64Array]>) values[m] = Float64Array.from(keep, (i) => v[i]);
      // The measured rows start after the warm-up, and after a full rate window of the cell's own load (before it,
      // rate() still mixes in the previous cell), but no later than half-way through the measured time.
      const measuredFrom = loadStart + Math.min(Math.max(cell.warmupSeconds, rateWindowSeconds), cell.warmupSeconds + cell.durationSeconds / 2);
      const warm = Array.from(t, (x) => x < measuredFrom);
      const measured = keep.map((_, k) => k).filter((k) => !warm[k]);
      const means: Partial<Record<MetricName, number>> = {};
      const maxima: Partial<Record<MetricName, number>> = {};
      const judged: Partial<Record<MetricName, number[]>> = {};
      for (const m of METRIC_NAMES) {
        const v = values[m];
        if (!v) continue;
        const xs = measured.map((k) => v[k]).filter(Number.isFinite);
        judged[m] = xs;
        if (xs.length) { const s = stats(xs); means[m] = s.mean; maxima[m] = s.max; }
      }
      const expectedRows = Math.max(1, Math.floor((loadEnd - measuredFrom) / step));
      rec.quality = judgeCell({ cell, stats: result, judged, expectedRows, thresholds: plan.quality, missing: fetched.missing.map((q) => q.metric) });
      rec.summary = { rows: measured.length, means, maxima };
      rec.stats = result;
      rec.timings = { started: cellStarted, loadStart, loadEnd, finished: now() };
      csvLines.push(...planCsvLines({
        t, values, loadLevel: new Float64Array(t.length).fill(cell.level), replicas: new Float64Array(t.length).fill(cell.replicas),
        ...cellRates(rec, t.length),
      }, { cellId: cell.id, service: cell.service, warmup: warm }));
      // Written the moment the cell ends: the CSV first, then the JSON that marks it done (see the module comment).
      writeCsv();
      rec.status = 'done';
      writeJson();
      ran.push(cell.id);
      emit({ kind: 'cell-written', cell, record: rec });
    }
    doc.status = records.every((r) => r.status === 'done') ? 'complete' : 'partial';
  } catch (e) {
    doc.status = 'failed';
    doc.error = storedErrorText(e, runUrls);
    throw redactedError(e, runUrls);
  } finally {
    try {
      for (const r of records) if (r.status === 'running') r.status = 'pending';
      for (const s of [...toRestore]) await restore(s);
      currentReplicas = new Map();
      writeJson();
    } finally {
      // Held still: a workload whose count could not be put back (its note pending, for the next run to restore).
      // Released even when that restore or write throws: in the VS Code extension host the pid lives on, so a lock
      // left behind would never be judged stale (until 2026-12-01 it stayed until a reload).
      releaseEveryWorkloadLock();
    }
  }
  return { document: doc, jsonPath: paths.json, csvPath: paths.csv, ran, skipped };
}
