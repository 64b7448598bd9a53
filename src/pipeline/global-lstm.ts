/**
 * Fleet-scale LSTM for the recommendation pipeline: with at least GLOBAL_LSTM_MIN_WORKLOADS workloads in a context, the
 * `lstm` member of `-m fused` (and `-m lstm`) is ONE global LSTM for the whole context (src/ml/lstm/global.ts) instead of
 * one trained per series — 1,000 workloads in minutes instead of hours (docs/BENCHMARKS.md § bench:fleet). Prophet,
 * the fusion, its fallback and confidence stay per series: the global model only replaces the per-series LSTM run
 * (ForecastRequest.overrides.lstm), each series forecast zero shot through its own scaling.
 *
 * Per context, once per run:
 *  - the cached model (global-cache.ts) is used as is when it has seen the data up to this run's cutoff (less than a day
 *    of new data), and was trained at this run's forecast step;
 *  - when it is stale by up to REFRESH_MAX_DAYS it is REFRESHED (fine-tuned on the pool's windows, new days included)
 *    instead of retrained; older, missing, unreadable or trained at another step: trained from scratch — or, when MOrA's
 *    shipped warm-start weights exist for this step (src/ml/lstm/warm-start.ts), fine-tuned from them as a refresh is;
 *  - training and refreshing run in the LSTM worker pool (src/ml/worker), on every workload's series read once before
 *    the recommendations (a second read of the source; only when the model is trained or refreshed);
 *  - a failed training is one warning: the fused forecasts then run on Prophet and the seasonal baseline alone.
 *
 * Honest holdouts: the engine (checkForecast) forecasts from the history before the last day and scores that day; the
 * fusion scores its members on the day before (holdoutSplit). The pool therefore ends two days before the last
 * midnight (`poolCutoff`), so neither scored day was seen in training.
 */
import { join } from 'node:path';
import { series, slice, type Series } from '../core/series';
import type { DataSource } from '../data/datasource';
import type { Workload } from '../core/workload';
import { workloadFrames } from '../data/namespace-frames';
import { downsample } from '../rightsizing/engine/forecast-choice';
import type { ModelRun, ResolvedRequest } from '../ml/forecast';
import { GlobalLstmModel, globalLstmOverride, type GlobalLstmOptions, type RefreshOptions } from '../ml/lstm/global';
import { GLOBAL_MODEL_FILE, REFRESH_MAX_DAYS, coveredTo, globalModelDir, globalModelTooOld, moraCacheRoot, poolCutoff, readCachedGlobal, trainedStep, writeCachedGlobal } from '../ml/lstm/global-cache';
import { LstmWorkerPool } from '../ml/worker/pool';
import { asClusterModel, loadWarmStart, warmStartBase } from '../ml/lstm/warm-start';

const DAY = 86400;

/** "More than a few" workloads in a context: from this many on, a forecast run uses one global LSTM for the context. */
export const GLOBAL_LSTM_MIN_WORKLOADS = 5;

/** A cached model stale by more than this many days is retrained, not refreshed (global-cache.ts globalModelTooOld). */
export { REFRESH_MAX_DAYS, poolCutoff };

/** Training windows for the whole pool (split evenly over its series, 4–64 each): ~1 minute of training on one core. */
export const GLOBAL_WINDOW_BUDGET = 30000;

/** The global model's training for recommendations: the per-series network, batch 256, ≤ 10 epochs. */
export const RECOMMEND_GLOBAL_OPTIONS: Partial<GlobalLstmOptions> = { epochs: 10, patience: 3, batchSize: 256, learningRate: 2e-3 };

export interface GlobalLstmSettings {
  /** false: per-series LSTMs whatever the size (the benchmark's reference); true: global even below the threshold. */
  enabled?: boolean;
  /** Workloads in a context from which the global model is used (default GLOBAL_LSTM_MIN_WORKLOADS). */
  minWorkloads?: number;
  /** MOrA's cache root (default moraCacheRoot(): ${XDG_CACHE_HOME:-~/.cache}/mora). */
  cacheRoot?: string;
  /** Training and refresh options (tests: tiny models). */
  train?: Partial<Omit<GlobalLstmOptions, 'onEpoch' | 'isCancelled'>>;
  refresh?: Partial<Omit<RefreshOptions, 'onEpoch' | 'isCancelled'>>;
  /**
   * A cold context's first training fine-tunes MOrA's shipped warm-start model (src/ml/lstm/warm-start.ts) instead of
   * training from random weights. Default: on, unless `train` asks for a network of its own (tests' tiny models); off
   * also with MORA_LSTM_WARM_START=0.
   */
  warmStart?: boolean;
  /** A worker pool to train and forecast in (the extension's); default one opened and closed for the run. */
  pool?: LstmWorkerPool;
  /** false: the fused forecasts run on the calling thread, one workload at a time (default: in the pool's workers). */
  parallel?: boolean;
}

export type GlobalModelEvent =
  | { kind: 'cached'; context: string; path: string; version: number }
  | { kind: 'training' | 'refreshing'; context: string; series: number; windowsPerSeries: number; warmStart?: boolean }
  | { kind: 'epoch'; context: string; epoch: number; epochs: number; loss: number; valLoss: number }
  /** `path`: the cache file written; absent when it could not be written (the model is used for this run only, warned). */
  | { kind: 'trained' | 'refreshed'; context: string; path?: string; version: number; series: number; windows: number; epochs: number; seconds: number }
  | { kind: 'warning'; context: string; message: string };

/** One line for a terminal or a log. */
export function describeGlobalEvent(e: GlobalModelEvent): string | undefined {
  switch (e.kind) {
    case 'cached': return `global LSTM for "${e.context}": cached model v${e.version} is up to date (${e.path})`;
    case 'training': return `global LSTM for "${e.context}": training on ${e.series} series (≤ ${e.windowsPerSeries} windows each)${e.warmStart ? ', fine-tuning MOrA\'s warm-start weights,' : ''} in a worker`;
    case 'refreshing': return `global LSTM for "${e.context}": refreshing the cached model on ${e.series} series (new days)`;
    case 'trained':
    case 'refreshed': return `global LSTM for "${e.context}": ${e.kind} v${e.version} (${e.series} series, ${e.windows} windows, ${e.epochs} epochs) in ${e.seconds.toFixed(1)} s ${e.path === undefined ? '(not cached: used for this run only)' : `→ ${e.path}`}`;
    case 'warning': return `mora: ${e.message}`;
    default: return undefined;
  }
}

/**
 * A terminal's handler: warnings always (one line), the rest unless quiet; epochs as one updating line on a terminal.
 */
export function globalEventPrinter(write: (s: string) => void, opts: { tty: boolean; quiet?: boolean; safe?: (s: string) => string }): (e: GlobalModelEvent) => void {
  let open = false;
  const safe = opts.safe ?? ((x: string) => x);
  return (e) => {
    if (e.kind === 'epoch') {
      if (opts.quiet || !opts.tty) return;
      write(`\r${safe(`global LSTM for "${e.context}": epoch ${e.epoch + 1}/${e.epochs} (validation loss ${e.valLoss.toFixed(3)})`)}`);
      open = true;
      return;
    }
    if (opts.quiet && e.kind !== 'warning') return;
    write(`${open ? '\n' : ''}${safe(describeGlobalEvent(e) ?? '')}\n`);
    open = false;
  };
}


/** The global model as the fusion's `lstm` member, or — when there is none — a member that fails with the reason (fused falls back). */
export type LstmOverride = (history: Series, request: ResolvedRequest) => Promise<ModelRun>;

export function unavailableLstm(reason: string): LstmOverride {
  return () => Promise.reject(new Error(`global LSTM unavailable: ${reason}`));
}

interface PoolSeries { id: string; t: Float64Array; v: Float64Array }

/** Every workload's forecastable series (containers' CPU and memory, the request rate), at `step`, cut at the pool cutoff. */
async function readPool(source: DataSource, workloads: readonly Workload[], step: number): Promise<PoolSeries[]> {
  const out: PoolSeries[] = [];
  const minPoints = Math.round(DAY / step) + 80;
  const add = (id: string, s: Series | undefined, kind: 'cpu' | 'memory', cutoff: number): void => {
    if (!s || s.t.length === 0) return;
    const d = downsample(slice(s, s.t[0], cutoff), step, kind);
    let finite = 0;
    for (let i = 0; i < d.v.length; i++) if (Number.isFinite(d.v[i])) finite++;
    if (finite >= minPoints) out.push({ id, t: Float64Array.from(d.t), v: Float64Array.from(d.v) });
  };
  for await (const { workload: w, frame: frameOf } of workloadFrames(source, workloads)) {
    const key = `${w.namespace}/${w.kind}/${w.name}`;
    try {
      const range = await source.historyRange({ workload: w });
      const cutoff = poolCutoff(range.to);
      let first;
      for (const c of w.containers) {
        const f = await frameOf(c.name);
        first ??= f;
        if (f.t.length < 2) continue; // a snapshot (metrics.k8s.io) has no history to learn from
        const s = (v: Float64Array | undefined): Series | undefined => (v ? series(f.t, v) : undefined);
        add(`${key}/${c.name}/cpu`, s(f.values.cpu_usage), 'cpu', cutoff);
        add(`${key}/${c.name}/memory`, s(f.values.memory_working_set), 'memory', cutoff);
      }
      // The engine checks the request-rate forecast as memory is checked (peaks kept when down-sampling).
      if (first && first.t.length >= 2 && first.values.request_rate) add(`${key}/request_rate`, series(first.t, first.values.request_rate), 'memory', cutoff);
    } catch {
      // Unreadable here is unreadable in the recommendation pass too, which reports it (onSkip); the pool goes on without it.
    }
  }
  return out;
}

const windowsPerSeries = (n: number, budget: number): number => Math.max(4, Math.min(64, Math.round(budget / Math.max(1, n))));

/**
 * The `lstm` override for one context's forecasts: the cached global model when fresh, else one refreshed or trained
 * now in the worker pool (and cached). Never throws: a failure is a warning and an override that fails per series.
 */
export async function contextLstm(source: DataSource, context: string, workloads: readonly Workload[], step: number,
  settings: GlobalLstmSettings, onEvent: (e: GlobalModelEvent) => void): Promise<{ override: LstmOverride; model?: GlobalLstmModel }>;
/** `cachedOnly`: the up-to-date cached model, or nothing (a run of a few workloads then trains per series, as before). */
export async function contextLstm(source: DataSource, context: string, workloads: readonly Workload[], step: number,
  settings: GlobalLstmSettings, onEvent: (e: GlobalModelEvent) => void, cachedOnly: true): Promise<{ override?: LstmOverride; model?: GlobalLstmModel }>;
export async function contextLstm(source: DataSource, context: string, workloads: readonly Workload[], step: number,
  settings: GlobalLstmSettings, onEvent: (e: GlobalModelEvent) => void, cachedOnly = false): Promise<{ override?: LstmOverride; model?: GlobalLstmModel }> {
  const warn = (message: string): void => onEvent({ kind: 'warning', context, message });
  const dir = globalModelDir(source.kind, context, settings.cacheRoot ?? moraCacheRoot());
  let cached = readCachedGlobal(dir, warn);
  if (cached && trainedStep(cached) !== step) cached = undefined; // another forecast step: another model
  let cutoff = -Infinity;
  try {
    for (const w of workloads) cutoff = Math.max(cutoff, poolCutoff((await source.historyRange({ workload: w })).to));
  } catch (e) {
    if (cachedOnly) return {};
    warn(`global LSTM for "${context}": cannot read the history range (${(e as Error).message.split('\n')[0]}); fused forecasts run without the LSTM`);
    return { override: unavailableLstm('no history range') };
  }
  const path = join(dir, GLOBAL_MODEL_FILE);
  if (cached && coveredTo(cached) > cutoff - DAY) {
    onEvent({ kind: 'cached', context, path, version: cached.version });
    return { override: globalLstmOverride(cached), model: cached };
  }
  if (cachedOnly) return {};
  const base = cached && !globalModelTooOld(cached, cutoff) ? cached : undefined;
  // No model of its own to refresh: start from the shipped warm-start weights when there are some for this step.
  const warm = base || !(settings.warmStart ?? settings.train === undefined) ? undefined : loadWarmStart(step, warn);
  let pool: PoolSeries[];
  try {
    pool = await readPool(source, workloads, step);
  } catch (e) {
    pool = [];
    warn(`global LSTM for "${context}": reading the series failed (${(e as Error).message.split('\n')[0]})`);
  }
  if (pool.length === 0) {
    warn(`global LSTM for "${context}": no series with enough history (≥ ~2 days at ${step} s) to train on; fused forecasts run without the LSTM`);
    return { override: unavailableLstm('no series to train on') };
  }
  const budget = settings.train?.windowsPerSeries !== undefined ? settings.train.windowsPerSeries * pool.length : GLOBAL_WINDOW_BUDGET;
  const per = windowsPerSeries(pool.length, budget);
  const workers = settings.pool ?? new LstmWorkerPool({ size: 1 });
  const t0 = performance.now();
  try {
    // A series the model cannot use (too short once regularised, too few steps per day) is named by the error: drop it, try again.
    for (let attempt = 0; ; attempt++) {
      onEvent({ kind: base ? 'refreshing' : 'training', context, series: pool.length, windowsPerSeries: per, ...(warm ? { warmStart: true } : {}) });
      const job = workers.trainGlobal(pool, base
        ? { base: base.toJSON(), refresh: { windowsPerSeries: Math.max(4, Math.round(per / 2)), ...settings.refresh } }
        // The warm start fine-tuned as a refresh is (3 epochs at 5e-4) on all of the first training's windows.
        : warm ? { base: warmStartBase(warm), refresh: { windowsPerSeries: per, ...settings.refresh } }
          : { train: { ...RECOMMEND_GLOBAL_OPTIONS, ...settings.train, windowsPerSeries: per } },
      (p) => onEvent({ kind: 'epoch', context, epoch: p.epoch, epochs: p.epochs, loss: p.loss, valLoss: p.valLoss }));
      let state;
      try {
        ({ state } = await job.result);
      } catch (e) {
        const bad = /series "([^"]+)"/.exec((e as Error).message)?.[1];
        if (bad === undefined || attempt >= 5 || !pool.some((s) => s.id === bad)) throw e;
        pool = pool.filter((s) => s.id !== bad);
        continue;
      }
      const model = GlobalLstmModel.fromJSON(warm ? asClusterModel(state) : state);
      // Named only once written: a cache that could not be written has no file to point to.
      let saved: string | undefined;
      try {
        saved = writeCachedGlobal(dir, model);
      } catch (e) {
        warn(`global LSTM for "${context}": could not cache the model in ${dir} (${(e as Error).message.split('\n')[0]}); it is used for this run only`);
      }
      const last = base ? model.state.refreshes[model.state.refreshes.length - 1] : model.state.trainedOn;
      onEvent({ kind: base ? 'refreshed' : 'trained', context, path: saved, version: model.version, series: last.series, windows: last.windows, epochs: last.epochs, seconds: (performance.now() - t0) / 1000 });
      return { override: globalLstmOverride(model), model };
    }
  } catch (e) {
    const reason = (e as Error).message.split('\n')[0];
    warn(`global LSTM for "${context}": ${base ? 'refresh' : 'training'} failed (${reason}); fused forecasts run without the LSTM`);
    return { override: unavailableLstm(reason) };
  } finally {
    if (!settings.pool) await workers.close();
  }
}
