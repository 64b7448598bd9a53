/**
 * A pool of LSTM worker threads: many workloads train in parallel, at most one per spare core; each job reports
 * progress and can be cancelled. The host thread only posts and receives messages.
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Forecast } from '../forecast-types';
import type { LstmOptions, LstmState } from '../lstm/forecaster';
import type { GlobalLstmOptions, GlobalLstmState, RefreshOptions } from '../lstm/global';
import type { Holdout } from '../lstm/holdout-run';
import type { TargetBuffering, WorkloadModelOptions, WorkloadModelState, WorkloadTarget } from '../lstm/workload-model';
import type { ViewPanelsJob, WorkerJob, WorkerReply } from './protocol';
import { tsxExecArgv } from './tsx-hook';
import type { PanelFrame, PanelsResult } from '../../views/forecast-panels';

export interface PoolOptions {
  /** Default: cores − 1 (the host keeps one), at least 1. */
  size?: number;
  /** Worker entry: dist/worker.js next to the bundle, or the TypeScript source through tsx (tests, CLI from source). */
  workerFile?: string;
  /**
   * Linux: the workers' nice value (e.g. 10), so a thread sharing the cores with them — the extension host's — is
   * scheduled first (./thread-priority.ts). Default: normal priority (the CLI, where the workers are the work).
   */
  niceness?: number;
  /**
   * The fusion's Prophet prior for view-panels jobs that do not name one, read when each job is submitted (the extension
   * passes mora.fusion.prophetWeight, so a changed setting applies to the next forecast computed).
   */
  prophetWeight?: () => number | undefined;
}

/** A trained series model, its forecast and, when asked for, its holdout score (what the fusion weighs it by). */
export interface LstmJobResult { state: LstmState; forecast: Forecast; holdout?: Holdout }

export interface JobHandle {
  result: Promise<LstmJobResult>;
  cancel(): void;
}

export interface Progress { epoch: number; epochs: number; loss: number; valLoss: number }

export interface WorkloadJobHandle {
  result: Promise<{ state: WorkloadModelState; prediction: Record<WorkloadTarget, Float64Array> }>;
  cancel(): void;
}

interface Pending {
  job: WorkerJob;
  onProgress?: (p: Progress) => void;
  resolve: (r: never) => void;
  reject: (e: Error) => void;
}

export class CancelledJobError extends Error {
  constructor() { super('LSTM training cancelled'); this.name = 'CancelledJobError'; }
}

/** A worker entry; `missing` says which file is not there (jobs then fail with it rather than Node's module error). */
export interface WorkerEntry { file: string; execArgv: string[]; missing?: string }

function missingEntry(file: string): string {
  return `the LSTM worker entry ${file} is missing (a build or package without it: rebuild with npm run build, or reinstall MOrA)`;
}

/** dist/worker.js beside the bundle in `dir`; from the sources, main.ts through tsx; neither: the bundle, named as missing. */
export function defaultWorkerFile(dir = __dirname): WorkerEntry {
  const bundled = join(dir, 'worker.js');
  if (existsSync(bundled)) return { file: bundled, execArgv: [] };
  const source = join(dir, 'main.ts');
  if (existsSync(source)) return { file: source, execArgv: tsxExecArgv() };
  return { file: bundled, execArgv: [], missing: missingEntry(bundled) };
}

export class LstmWorkerPool {
  readonly size: number;
  backend: string | undefined;
  private readonly idle: Worker[] = [];
  private readonly all: Worker[] = [];
  private readonly queue: Pending[] = [];
  private readonly running = new Map<number, Pending>();
  private nextId = 1;
  private readonly entry: WorkerEntry;
  private readonly niceness: number | undefined;
  private readonly prophetWeight: (() => number | undefined) | undefined;
  /** Global LSTMs forecast jobs may name, by key, and which workers already hold which (a state is sent once per worker). */
  private readonly globals = new Map<string, GlobalLstmState>();
  private readonly holds = new WeakMap<Worker, Set<string>>();

  constructor(options: PoolOptions = {}) {
    this.size = Math.max(1, options.size ?? availableParallelism() - 1);
    this.entry = options.workerFile
      ? { file: options.workerFile, execArgv: options.workerFile.endsWith('.ts') ? tsxExecArgv() : [], ...(existsSync(options.workerFile) ? {} : { missing: missingEntry(options.workerFile) }) }
      : defaultWorkerFile();
    this.niceness = options.niceness;
    this.prophetWeight = options.prophetWeight;
  }

  train(t: Float64Array, v: Float64Array, horizon: number, options: Partial<Omit<LstmOptions, 'onEpoch' | 'isCancelled'>> = {},
    onProgress?: (p: Progress) => void, holdout = false): JobHandle {
    const cancel = new SharedArrayBuffer(4);
    return this.submit<LstmJobResult>({ type: 'train', id: this.nextId++, t, v, horizon, options, holdout, cancel }, cancel, onProgress);
  }

  /** The 14-feature workload model (cpu, memory and replica targets) on a frame of the 12 metrics. */
  trainWorkload(frame: { t: Float64Array; step: number; values: Record<string, Float64Array> }, buffering: TargetBuffering,
    options: Partial<Omit<WorkloadModelOptions, 'onEpoch' | 'isCancelled'>> = {}, onProgress?: (p: Progress) => void, loadLevel?: Float64Array): WorkloadJobHandle {
    const cancel = new SharedArrayBuffer(4);
    return this.submit({ type: 'train-workload', id: this.nextId++, t: frame.t, step: frame.step, values: frame.values, loadLevel, buffering, options, cancel }, cancel, onProgress);
  }

  /**
   * A cluster's global LSTM on its pooled series: trained from scratch, or with `base` the saved model refreshed
   * (fine-tuned on the pool's windows, docs/LSTM.md § Global model). Resolves with the new model's state.
   */
  trainGlobal(series: Array<{ id: string; t: Float64Array; v: Float64Array }>, options: {
    train?: Partial<Omit<GlobalLstmOptions, 'onEpoch' | 'isCancelled'>>; base?: GlobalLstmState; refresh?: Partial<Omit<RefreshOptions, 'onEpoch' | 'isCancelled'>>;
  } = {}, onProgress?: (p: Progress) => void): { result: Promise<{ state: GlobalLstmState; epochs: number }>; cancel(): void } {
    const cancel = new SharedArrayBuffer(4);
    return this.submit({ type: 'train-global', id: this.nextId++, series, options: options.train, base: options.base, refresh: options.refresh, cancel }, cancel, onProgress);
  }

  /** Makes a global LSTM available to `forecast` jobs under `key` (its state goes to each worker with its first such job). */
  registerGlobal(key: string, state: GlobalLstmState): void {
    this.globals.set(key, state);
  }

  /**
   * One forecast through the model registry in a worker (e.g. `fused`): the same numbers as `runForecast` on this thread.
   * With `globalKey` (see registerGlobal), that global LSTM is the `lstm` member.
   */
  forecast(history: { t: ArrayLike<number>; v: ArrayLike<number> }, request: { model: string; horizon: number; step: number; seed?: number; options?: Record<string, Record<string, string>> },
    globalKey?: string): { result: Promise<Forecast>; cancel(): void } {
    if (globalKey !== undefined && !this.globals.has(globalKey)) throw new Error(`no global LSTM registered as "${globalKey}"`);
    const cancel = new SharedArrayBuffer(4);
    return this.submit({
      type: 'forecast', id: this.nextId++, t: Float64Array.from(history.t), v: Float64Array.from(history.v), ...request,
      global: globalKey === undefined ? undefined : { key: globalKey }, cancel,
    }, cancel);
  }

  /**
   * The forecast view's panel models in a worker (src/views/forecast-panels.ts), the LSTM member as the job says.
   * Jobs queue behind training: `urgent` puts this one first (a view waiting for its first paint).
   */
  viewPanels(frame: PanelFrame, options: ViewPanelsJob['options'], lstm?: ViewPanelsJob['lstm'], urgent = false): { result: Promise<PanelsResult>; cancel(): void } {
    const cancel = new SharedArrayBuffer(4);
    const values: Record<string, Float64Array> = {};
    for (const [k, v] of Object.entries(frame.values)) if (v) values[k] = v;
    const prophetWeight = options.prophetWeight ?? this.prophetWeight?.();
    const withWeight = prophetWeight === undefined ? options : { ...options, prophetWeight };
    return this.submit({ type: 'view-panels', id: this.nextId++, t: frame.t, values, options: withWeight, lstm, cancel }, cancel, undefined, urgent);
  }

  private submit<R>(job: WorkerJob, cancel: SharedArrayBuffer, onProgress?: (p: Progress) => void, urgent = false): { result: Promise<R>; cancel(): void } {
    let pending!: Pending;
    const result = new Promise<R>((resolve, reject) => { pending = { job, onProgress, resolve: resolve as (r: never) => void, reject }; });
    if (urgent) this.queue.unshift(pending);
    else this.queue.push(pending);
    this.pump();
    return {
      result,
      cancel: () => {
        Atomics.store(new Int32Array(cancel), 0, 1);
        // The worker may still post progress until it sees the flag: nobody asked for it any more (the view that showed
        // it may be gone), so it is not delivered.
        pending.onProgress = undefined;
        const i = this.queue.indexOf(pending);
        if (i >= 0) { this.queue.splice(i, 1); pending.reject(new CancelledJobError()); }
      },
    };
  }

  private spawn(): Worker {
    const w = new Worker(this.entry.file, { execArgv: this.entry.execArgv, workerData: { niceness: this.niceness } });
    w.on('message', (m: WorkerReply) => this.onMessage(w, m));
    w.on('error', (e) => this.failWorker(w, e));
    // A worker that ends without an 'error' (process.exit in a job, killed by the runtime) would leave its job pending
    // forever: it fails the same way. After an 'error' Node also emits 'exit'; failWorker ignores a worker already gone.
    w.on('exit', (code) => this.failWorker(w, new Error(`the LSTM worker thread exited (code ${code}) before finishing its job`)));
    this.all.push(w);
    return w;
  }

  private pump(): void {
    if (this.entry.missing && this.queue.length) {
      // Rejected on a later turn, as a worker failing to start would be, so a caller attaching its handler after submit is in time.
      const jobs = this.queue.splice(0), error = new Error(this.entry.missing);
      setImmediate(() => { for (const p of jobs) p.reject(error); });
      return;
    }
    while (this.queue.length) {
      let w = this.idle.pop();
      if (!w && this.all.length < this.size) w = this.spawn();
      if (!w) return;
      const p = this.queue.shift()!;
      this.running.set(p.job.id, p);
      (w as Worker & { jobId?: number }).jobId = p.job.id;
      w.postMessage(this.withGlobalState(w, p.job));
    }
  }

  /** A forecast job naming a global LSTM carries its state the first time this worker gets that key. */
  private withGlobalState(w: Worker, job: WorkerJob): WorkerJob {
    if (job.type !== 'forecast' || !job.global) return job;
    let held = this.holds.get(w);
    if (!held) this.holds.set(w, held = new Set());
    if (held.has(job.global.key)) return job;
    held.add(job.global.key);
    return { ...job, global: { key: job.global.key, state: this.globals.get(job.global.key) } };
  }

  private onMessage(w: Worker, m: WorkerReply): void {
    if (m.type === 'ready') { this.backend = m.backend; return; }
    const p = this.running.get(m.id);
    if (!p) return;
    if (m.type === 'progress') { p.onProgress?.(m); return; }
    this.running.delete(m.id);
    if (m.type === 'done') p.resolve({ state: m.state, forecast: { t: m.t, mean: m.mean, lower: m.lower, upper: m.upper, intervalWidth: 0.9 }, holdout: m.holdout } as never);
    else if (m.type === 'done-workload') p.resolve({ state: m.state, prediction: m.prediction } as never);
    else if (m.type === 'done-global') p.resolve({ state: m.state, epochs: m.epochs } as never);
    else if (m.type === 'done-view-panels') p.resolve(m.result as never);
    else if (m.type === 'done-forecast') p.resolve({ t: m.t, mean: m.mean, lower: m.lower, upper: m.upper, intervalWidth: m.intervalWidth } as never);
    else p.reject(m.cancelled ? new CancelledJobError() : new Error(m.message));
    this.idle.push(w);
    this.pump();
  }

  /** Fails the worker's running job with `e` and drops the worker (a new one is spawned for the queue); once per worker. */
  private failWorker(w: Worker, e: Error): void {
    const at = this.all.indexOf(w);
    if (at < 0) return;
    this.all.splice(at, 1);
    const idle = this.idle.indexOf(w);
    if (idle >= 0) this.idle.splice(idle, 1);
    const id = (w as Worker & { jobId?: number }).jobId;
    const p = id === undefined ? undefined : this.running.get(id);
    if (p) { this.running.delete(id!); p.reject(e); }
    if (!this.closed) this.pump();
  }

  private closed = false;

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.all.map((w) => w.terminate()));
    this.all.length = 0;
    this.idle.length = 0;
  }
}
