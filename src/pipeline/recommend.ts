/**
 * The recommendation pipeline over any DataSource: read each workload's metrics, run the engine (with a forecaster
 * checked against the moving window when asked). The CLI (`mora recommend`, `mora demo`), the extension's
 * recommendation store and the forecast view all call this one function.
 */
import { existsSync } from 'node:fs';
import { series, type Series } from '../core/series';
import type { DataSource, MetricFrame } from '../data/datasource';
import type { Workload } from '../core/workload';
import type { StoredExperiment } from '../data/experiments/store';
import { workloadFrames, type WorkloadFrames } from '../data/namespace-frames';
import { experimentsFor, loadModelFromExperiments } from './experiment-capacity';
import { recommendWorkload, type EngineOptions, type EngineResult, type ForecastProvider, type Policy } from '../rightsizing/engine';
import type { SubjectForecastProvider } from '../rightsizing/engine/recommend';
import { runForecast, type ModelRun } from '../ml/forecast';
import { runSavedSeriesLstm, savedSeriesModelPath } from '../ml/lstm/saved-series';
import { parseLstmOptions } from '../ml/lstm/models';
import { DEFAULT_LSTM_OPTIONS } from '../ml/lstm/forecaster';
import { isSnapshot, snapshotNote } from '../data/kube/metrics-server';
import { lowersConfidence } from '../data/prometheus/batch-plan';
import type { LstmWorkerPool } from '../ml/worker/pool';
import { contextLstm, unavailableLstm, GLOBAL_LSTM_MIN_WORKLOADS, type GlobalLstmSettings, type GlobalModelEvent, type LstmOverride } from './global-lstm';
import { parseWorkloadSelector, selects } from './workload-selector';
import { PARTIAL_DATA_NOTE } from '../core/advice-text';

/** The highest confidence a snapshot (metrics.k8s.io: one sample, no history) may carry. */
export const SNAPSHOT_CONFIDENCE = 0.2;

/**
 * What a Prometheus warning (a Thanos/Mimir partial response: a store unavailable, series dropped by a limit) does to
 * the confidence of the values read with it: halved. The data may be incomplete by any amount, and MOrA cannot tell how
 * much; the factor follows the engine's memory rule (½ per OOM day: one unexplained hole in the evidence), not a
 * measurement. docs/LIVE-CLUSTER.md § Prometheus warnings.
 */
export const PARTIAL_DATA_CONFIDENCE_FACTOR = 0.5;

/**
 * The note on a value whose confidence PARTIAL_DATA_CONFIDENCE_FACTOR lowered, in words about the risk the views show
 * (no view shows the confidence): `risk estimate less certain: …`; the compact risk texts carry a ⚠ with it
 * (src/core/advice-text.ts partialData).
 */
export { PARTIAL_DATA_NOTE };

/**
 * Lowers the confidence of the containers whose frames carried a warning that their data may be incomplete or mixed
 * (a partial response or limit hit on the CPU / memory data, MOrA's cluster-mix warning: batch-plan.ts lowersConfidence;
 * not a PromQL annotation, nor a missing OOM history) — their CPU
 * and memory values' and the container's — and the recommendation's (the lowest of its containers', as the engine's).
 */
export function markPartialData(result: EngineResult, warned: ReadonlySet<string>): EngineResult {
  if (warned.size === 0) return result;
  const rec = result.recommendation;
  for (const c of rec.containers) {
    if (!warned.has(c.container)) continue;
    for (const r of [c.cpu, c.memory]) {
      if (!r) continue;
      r.confidence *= PARTIAL_DATA_CONFIDENCE_FACTOR;
      r.evidence.notes.push(PARTIAL_DATA_NOTE);
    }
    c.confidence *= PARTIAL_DATA_CONFIDENCE_FACTOR;
  }
  const confs = rec.containers.map((c) => c.confidence).filter((x) => x > 0);
  rec.confidence = confs.length ? Math.min(...confs) : 0;
  return result;
}

/** A recommendation from one sample: no forecast, confidence capped, and the snapshot note in every evidence. */
function markSnapshot(result: EngineResult, note: string): EngineResult {
  const cap = (c: number) => Math.min(c, SNAPSHOT_CONFIDENCE);
  const rec = result.recommendation;
  for (const c of rec.containers) {
    for (const r of [c.cpu, c.memory]) {
      if (!r) continue;
      r.confidence = cap(r.confidence);
      r.evidence.notes = [note, ...r.evidence.notes];
    }
    c.confidence = cap(c.confidence);
  }
  rec.confidence = cap(rec.confidence);
  return result;
}

export interface RecommendRequest {
  /** Only this kubeconfig context (default: every context the source has). */
  context?: string;
  namespace?: string;
  /** Only this workload: a name, or `kind/name`, `namespace/name`, `namespace/kind/name` (parseWorkloadSelector). */
  workload?: string;
  /**
   * The workloads chosen (every context, before any metric is read): may throw to stop the run, e.g. the CLI refusing
   * a write whose `-w` matches several workloads.
   */
  onTargets?: (workloads: readonly Workload[]) => void;
  policy?: Partial<Policy>;
  /** A registered forecast model name ('prophet', 'fusion'...) or undefined for the window rule alone. */
  model?: string;
  /** Seconds between forecast points (default: `forecastDefaults(model)`, 300, or 900 for the LSTM and fused). */
  forecastStep?: number;
  /**
   * Per-model options (`--set model.name=value`), e.g. { lstm: { epochs: '3' } }, merged over `forecastDefaults(model)`'s
   * (`recommendModelOptions`): a key given overrides that key only, the others keep their defaults.
   */
  modelOptions?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  onProgress?: (done: number, total: number, name: string) => void;
  /**
   * A workload whose metrics cannot be read (no samples, a query Prometheus rejects) is skipped and reported here,
   * so one broken workload never hides the recommendations of the others. Without a handler the error is thrown.
   * `error` is what was thrown, for callers that tell "no data" (PrometheusError kind `empty`) from "Prometheus failed".
   */
  onSkip?: (workload: Workload, reason: string, error?: unknown) => void;
  /**
   * Each distinct warning the source answered with (Thanos/Mimir "partial response: store … unavailable"), once per run:
   * the numbers may rest on incomplete data. Also added to the evidence notes of the workloads it concerns.
   */
  onSourceWarning?: (message: string) => void;
  /**
   * A namespace whose workloads cannot be listed (RBAC allows some namespaces, not others) is skipped and reported here,
   * so the readable ones still get recommendations; when every namespace fails, the first error is thrown. Without a
   * handler the error is thrown at once.
   */
  onSkipNamespace?: (context: string, namespace: string, reason: string) => void;
  /**
   * A kubeconfig context whose cluster cannot be read (a stale context: the cluster is gone, the VPN is down, the
   * credentials expired) is skipped and reported here, so the others still get recommendations; when no context can be
   * read, the first error is thrown (and none is reported here). Without a handler the error is thrown at once.
   */
  onSkipContext?: (context: string, reason: string) => void;
  /** Stored load experiments (`mora recommend --experiments <dir>`): they measure per-replica capacity for replica advice. */
  experiments?: readonly StoredExperiment[];
  /**
   * The LSTM of `-m fused` / `-m lstm` at fleet scale (./global-lstm.ts): from GLOBAL_LSTM_MIN_WORKLOADS workloads in a
   * context on, one global LSTM per context (cached, refreshed when stale) instead of one per series.
   */
  globalLstm?: GlobalLstmSettings;
  /** What the global LSTM is doing (cached, training, epochs, trained, warnings), for progress and logs. */
  onGlobalModel?: (e: GlobalModelEvent) => void;
  /**
   * The global LSTM is known to be unavailable for this run (the in-cluster shard could neither train nor get the
   * shared one): the LSTM member fails with this reason, so fused runs on Prophet + the baseline, as when training fails.
   */
  globalLstmUnavailable?: string;
  /**
   * Where "MOrA: Train Models" saved its per-series LSTMs (the extension's storage + /models; savedSeriesModelPath): the
   * editor's runs (the store's tree, CodeLenses and hovers, the forecast view's recommendation) pass it, the CLI does not.
   * With `fused` (or `lstm`), the LSTM then comes from there and nowhere else: a container's CPU or memory forecast runs
   * its saved model — the one Show Forecast uses — when it fits the series by the same rules (src/ml/lstm/saved-series.ts:
   * step, window, trained before the fusion's holdout, not stale, level unchanged); with none saved, or one refused, and
   * for the load forecast, the fusion runs without its LSTM (Prophet and the seasonal baseline; `lstm` alone: no
   * forecast, the window rule). Nothing is trained: no per-series LSTM, no global LSTM trained, refreshed or read from
   * the cache. The evidence notes say which model was used, or that none was saved, or why a saved one was not.
   */
  savedLstmRoot?: string;
}

export interface WorkloadRun extends EngineResult {
  /**
   * The series the engine read, for charts in the HTML report: CPU and memory of the first container, and of each
   * container by name (`containers`), so a sidecar gets its own charts.
   */
  history: { cpu?: Series; memory?: Series; containers?: Record<string, { cpu?: Series; memory?: Series }> };
}

/**
 * How a model runs for recommendations when the caller does not say: the LSTM (alone or fused) at 15-minute steps with
 * a lighter network (8 epochs, 256 windows), Prophet at 5-minute steps. `mora demo`, `mora recommend` and any other
 * caller get the same numbers for the same model (the per-series LSTM options; at fleet scale the global LSTM of ./global-lstm.ts replaces it).
 */
export function forecastDefaults(model: string): { step: number; modelOptions?: RecommendRequest['modelOptions'] } {
  return model === 'fused' || model === 'lstm'
    ? { step: 900, modelOptions: { lstm: { epochs: '8', maxWindows: '256' } } }
    : { step: 300 };
}

/** A key as the models match it (parseLstmOptions): case and underscores ignored, so `max_windows` is `maxWindows`. */
const optionKey = (k: string): string => k.toLowerCase().replace(/_/g, '');

/**
 * The options a recommendation's forecasts run with: per model, the keys given over `forecastDefaults(model)`'s, so
 * `{ lstm: { epochs: '3' } }` keeps the default 256 windows and `{ fused: { prophet_weight: '0.7' } }` the LSTM's 8
 * epochs and 256 windows (a default is dropped where a key given names it in another spelling). Undefined when neither
 * has any.
 */
export function recommendModelOptions(model: string, given: RecommendRequest['modelOptions']): RecommendRequest['modelOptions'] {
  const defaults = forecastDefaults(model).modelOptions;
  if (!given) return defaults;
  if (!defaults) return given;
  const out: Record<string, Readonly<Record<string, string>>> = { ...defaults };
  for (const [name, options] of Object.entries(given)) {
    const named = new Set(Object.keys(options).map(optionKey));
    const kept = Object.entries(defaults[name] ?? {}).filter(([k]) => !named.has(optionKey(k)));
    out[name] = { ...Object.fromEntries(kept), ...options };
  }
  return out;
}

export function forecastProvider(model: string, seed = 42, options?: RecommendRequest['modelOptions'], lstm?: LstmOverride): ForecastProvider {
  const overrides = lstm ? { lstm } : undefined;
  return async (history, horizon, step) => (await runForecast(history, { model, horizon, step, seed, options, overrides })).forecast;
}

/**
 * Whether a context's forecasts use one global LSTM: the model trains an LSTM, the caller did not name a saved model
 * (`--set lstm.global=<model.json>`), and the context has enough workloads (or the caller forces it either way).
 */
function usesGlobalLstm(req: RecommendRequest, workloads: number): boolean {
  if ((req.model !== 'fused' && req.model !== 'lstm') || req.globalLstm?.enabled === false) return false;
  if (req.modelOptions?.lstm?.global !== undefined) return false;
  return req.globalLstm?.enabled === true || workloads >= (req.globalLstm?.minWorkloads ?? GLOBAL_LSTM_MIN_WORKLOADS);
}

/**
 * The `lstm.*` keys given that differ from the LSTM's defaults in this run, as the user spelt them: `defaults` are the
 * caller's own over the model's (DEFAULT_LSTM_OPTIONS), e.g. recommend's 8 epochs and 256 windows (forecastDefaults), and
 * a value is compared as the model reads it (case and underscores ignored, numbers as numbers), so a default spelt out
 * (as the editor passes them) is no change. `global` and `series` (a saved global LSTM and its pool series) aside.
 */
export function lstmKeysChanged(given: Readonly<Record<string, string>> | undefined, defaults?: Readonly<Record<string, string>>): string[] {
  if (!given) return [];
  const base: Record<string, unknown> = { ...DEFAULT_LSTM_OPTIONS, ...parseLstmOptions(defaults ?? {}) };
  return Object.entries(given).filter(([k, v]) => {
    if (['global', 'series'].includes(optionKey(k))) return false;
    let parsed: Record<string, unknown>;
    try { parsed = parseLstmOptions({ [k]: v }); } catch { return true; } // checked before (forecast-options.ts); a key not read as a default is a change
    return Object.entries(parsed).some(([key, value]) => base[key] !== value);
  }).map(([k]) => `lstm.${k}`);
}

/**
 * The LSTM options the caller set that differ from the defaults (`lstm.global` aside): a context on its global LSTM
 * trains that model with its own settings, so these shape nothing there, and the run says so instead of ignoring them.
 */
function lstmKeysGlobalIgnores(req: RecommendRequest): string[] {
  if (!req.model) return [];
  return lstmKeysChanged(req.modelOptions?.lstm, forecastDefaults(req.model).modelOptions?.lstm);
}

/**
 * `--set lstm.global=<model.json>`: the saved global LSTM forecasts as it was saved, so the other `lstm.*` keys that
 * differ from the defaults (lstmKeysChanged, `defaults` as there) shape nothing; the one-line warning naming them, or
 * undefined (no lstm.global, or no such key). One wording for `mora recommend` (laptop and --in-cluster) and
 * `mora forecast`; the caller prefixes `mora: ` and prints it on stderr, with -q too.
 */
export function givenGlobalLstmWarning(given: Readonly<Record<string, string>> | undefined, defaults?: Readonly<Record<string, string>>): string | undefined {
  if (given?.global === undefined) return undefined;
  const unused = lstmKeysChanged(given, defaults);
  return unused.length
    ? `--set ${unused.join(', ')} not used: the given global LSTM ${given.global} forecasts as it was saved (nothing is trained in this run; those keys shape the per-series LSTM, used without lstm.global)`
    : undefined;
}

/** The editor's fused / lstm: the LSTM member is a model Train Models saved, or none (RecommendRequest.savedLstmRoot). */
function savedLstmOnly(req: RecommendRequest): req is RecommendRequest & { savedLstmRoot: string; model: string } {
  return req.savedLstmRoot !== undefined && (req.model === 'fused' || req.model === 'lstm');
}

/** The LSTM member where no saved model is used (savedLstmOnly): it fails, so the fusion runs on Prophet and the baseline. */
const noSavedLstm: LstmOverride = () => Promise.reject(new Error('no LSTM saved by Train Models is used for this forecast (the editor trains none)'));

export async function recommendFromSource(source: DataSource, req: RecommendRequest = {}): Promise<WorkloadRun[]> {
  const runs: WorkloadRun[] = [];
  const targets: Array<{ ctx: string; ns: string; w: Awaited<ReturnType<DataSource['workloads']>>[number] }> = [];
  let listed = 0;
  let firstNamespaceError: unknown;
  let contextsRead = 0;
  const contextErrors: Array<[string, unknown]> = [];
  // Every context's namespaces asked at once: a dead context (its connect probe or timeout) delays no other.
  const chosen = (await source.contexts()).filter((ctx) => req.context === undefined || ctx === req.context);
  const selector = req.workload === undefined ? undefined : parseWorkloadSelector(req.workload);
  const namespace = selector?.namespace ?? req.namespace;
  // -w shop/web with -n other: nothing can match; no namespace read.
  const none = selector?.namespace !== undefined && req.namespace !== undefined && selector.namespace !== req.namespace;
  const namespacesOf = new Map(chosen.map((ctx) => {
    const p = source.namespaces(ctx);
    p.catch(() => undefined); // awaited below, in order; never an unhandled rejection meanwhile
    return [ctx, p] as const;
  }));
  for (const ctx of chosen) {
    let namespaces: string[];
    try {
      namespaces = await namespacesOf.get(ctx)!;
      contextsRead++;
    } catch (e) {
      if (!req.onSkipContext) throw e;
      contextErrors.push([ctx, e]);
      continue;
    }
    for (const ns of namespaces) {
      if (none || (namespace && ns !== namespace)) continue;
      let workloads;
      try {
        workloads = await source.workloads(ctx, ns);
        listed++;
      } catch (e) {
        if (!req.onSkipNamespace) throw e;
        firstNamespaceError ??= e;
        req.onSkipNamespace(ctx, ns, (e as Error).message);
        continue;
      }
      for (const w of workloads) if (!selector || selects(selector, w)) targets.push({ ctx, ns, w });
    }
  }
  // Named as skipped only beside a context that was read; with none read, the first error is the whole answer.
  if (contextsRead === 0 && contextErrors.length) throw contextErrors[0][1];
  for (const [ctx, e] of contextErrors) req.onSkipContext?.(ctx, (e as Error).message);
  if (listed === 0 && firstNamespaceError !== undefined) throw firstNamespaceError;
  req.onTargets?.(targets.map((x) => x.w));
  const defaults = req.model ? forecastDefaults(req.model) : undefined;
  const modelOptions = req.model ? recommendModelOptions(req.model, req.modelOptions) : undefined;
  const forecast = req.model && defaults
    ? { provider: forecastProvider(req.model, 42, modelOptions), method: req.model, step: req.forecastStep ?? defaults.step }
    : undefined;
  // Fleet scale: one global LSTM per context, trained (or refreshed, or taken from the cache) before the first workload;
  // then each workload's forecasts run in the worker pool (every core) while this thread runs the engine.
  const byContext = new Map<string, EngineOptions['forecast']>();
  let workers: LstmWorkerPool | undefined;
  const ownPool = !req.globalLstm?.pool;
  try {
    if (forecast && req.model) {
      const contexts = new Map<string, Workload[]>();
      for (const x of targets) {
        const list = contexts.get(x.ctx);
        if (list) list.push(x.w);
        else contexts.set(x.ctx, [x.w]);
      }
      for (const [ctx, ws] of contexts) {
        if (savedLstmOnly(req)) {
          // The editor: no LSTM but the saved ones (savedLstmProvider, per container); everything else runs without it.
          byContext.set(ctx, { ...forecast, provider: forecastProvider(req.model, 42, modelOptions, noSavedLstm) });
          continue;
        }
        if (req.globalLstmUnavailable !== undefined && usesGlobalLstm(req, Infinity)) {
          byContext.set(ctx, { ...forecast, provider: forecastProvider(req.model, 42, modelOptions, unavailableLstm(req.globalLstmUnavailable)) });
          continue;
        }
        if (!usesGlobalLstm(req, ws.length)) {
          // A few workloads (the extension's store asks one at a time): the context's model when the cache has it up to
          // date, so they get the numbers a fleet-wide run gives; else per-series LSTMs.
          if (!usesGlobalLstm(req, Infinity)) continue;
          const { override } = await contextLstm(source, ctx, ws, forecast.step, req.globalLstm ?? {}, (e) => req.onGlobalModel?.(e), true);
          if (override) byContext.set(ctx, { ...forecast, provider: forecastProvider(req.model, 42, modelOptions, override) });
          continue;
        }
        const ignored = lstmKeysGlobalIgnores(req);
        if (ignored.length) {
          req.onGlobalModel?.({
            kind: 'warning', context: ctx,
            message: `--set ${ignored.join(', ')} not used for context "${ctx}": its ${ws.length} workloads share the context's global LSTM, which trains with its own settings (the per-series LSTM those keys shape runs below ${req.globalLstm?.minWorkloads ?? GLOBAL_LSTM_MIN_WORKLOADS} workloads, e.g. with -w); --set lstm.global=<model.json> names a saved model instead`,
          });
        }
        workers ??= req.globalLstm?.pool ?? new (require('../ml/worker/pool') as typeof import('../ml/worker/pool')).LstmWorkerPool({ size: forecastWorkers() });
        const { override, model } = await contextLstm(source, ctx, ws, forecast.step, { ...req.globalLstm, pool: workers }, (e) => req.onGlobalModel?.(e));
        const options = modelOptions as Record<string, Record<string, string>> | undefined;
        if (model && req.globalLstm?.parallel !== false) {
          const key = `${ctx}\0v${model.version}`;
          workers.registerGlobal(key, model.toJSON());
          const pool = workers;
          const provider: ForecastProvider = (history, horizon, step) => pool.forecast(history, { model: req.model!, horizon, step, seed: 42, options }, key).result;
          byContext.set(ctx, { ...forecast, provider });
        } else {
          byContext.set(ctx, { ...forecast, provider: forecastProvider(req.model, 42, options, override) });
        }
      }
    }
    // With forecasts in workers, a few workloads are in flight at once (their order kept); otherwise one at a time.
    const lanes = byContext.size && workers && req.globalLstm?.parallel !== false ? workers.size + 1 : 1;
    const slots: Array<WorkloadRun | undefined> = [];
    const inflight = new Set<Promise<void>>();
    let failure: { error: unknown } | undefined;
    let index = 0, done = 0;
    const warned = new Set<string>();
    const warn = (message: string) => {
      if (warned.has(message)) return;
      warned.add(message);
      req.onSourceWarning?.(message);
    };
    // A live cluster reads a namespace's metrics at once (a few Prometheus queries per metric), workload by workload.
    for await (const item of workloadFrames(source, targets.map((x) => x.w))) {
      if (failure) break;
      const i = index++;
      const p: Promise<void> = recommendOne(item, source, req, byContext.get(item.workload.context) ?? forecast, warn)
        .then((r) => { if (r) slots[i] = r; }, (error: unknown) => { failure ??= { error }; })
        .finally(() => {
          inflight.delete(p);
          req.onProgress?.(++done, targets.length, item.workload.name);
        });
      inflight.add(p);
      while (inflight.size >= lanes) await Promise.race(inflight);
    }
    await Promise.all(inflight);
    if (failure) throw failure.error;
    for (const r of slots) if (r) runs.push(r);
    return runs;
  } finally {
    if (workers && ownPool) await workers.close();
  }
}

/**
 * Workers for fleet-scale forecasts: every core, at most 4 — this thread's engine work (about half a forecast's) keeps up
 * with 2–3 workers, and each worker holds its own runtime (~50–100 MB).
 */
function forecastWorkers(): number {
  return Math.max(1, Math.min(4, (require('node:os') as typeof import('node:os')).availableParallelism()));
}

/** One workload: its frames, the engine (with the forecaster), the snapshot label. Undefined when skipped (onSkip). */
async function recommendOne({ workload: w, frame: frameOf }: WorkloadFrames, source: DataSource, req: RecommendRequest,
  forecast: EngineOptions['forecast'], warn: (message: string) => void): Promise<WorkloadRun | undefined> {
  const containers = [];
  let frame0;
  // Containers Prometheus has no samples for (e.g. added by a rollout that has not run yet), when a sibling has some:
  // recommended without values, saying why, instead of hiding the whole workload.
  const unseen = new Map<string, string>();
  // Metrics Prometheus refused to read (422 "would load too many samples", a Mimir limit), by container: its message
  // becomes the unsized reason instead of the engine's "no usage samples", which would send the user looking for scrapes.
  const refused = new Map<string, NonNullable<MetricFrame['unavailable']>>();
  const warnings = new Set<string>();
  // Containers whose frames carried Prometheus warnings: their confidence is lowered (markPartialData).
  const warned = new Set<string>();
  try {
    for (const c of w.containers) {
      let frame;
      try {
        frame = await frameOf(c.name);
      } catch (e) {
        if ((e as { name?: string; kind?: string }).name !== 'PrometheusError' || (e as { kind?: string }).kind !== 'empty') throw e;
        unseen.set(c.name, (e as Error).message);
        containers.push({ name: c.name, cpu: undefined, memory: undefined, throttling: undefined });
        continue;
      }
      frame0 ??= frame;
      if (frame.unavailable) refused.set(c.name, frame.unavailable);
      for (const x of frame.warnings ?? []) warnings.add(x);
      // Only a warning on the usage data (the CPU / memory queries when the plan knows which query warned) that says
      // the data may be incomplete: a PromQL note on the latency query leaves CPU and memory as trusted as they were.
      if ((frame.usageWarnings ?? frame.warnings)?.some(lowersConfidence)) warned.add(c.name);
      const s = (m: keyof typeof frame.values): Series | undefined => {
        const v = frame.values[m];
        return v ? series(frame.t, v) : undefined;
      };
      // OOM kills when the source knows them (kube-state-metrics / cAdvisor): they raise memory and make the verdict at-risk.
      containers.push({ name: c.name, cpu: s('cpu_usage'), memory: s('memory_working_set'), throttling: s('cpu_throttling_ratio'), oomKills: frame.oomKills && [...frame.oomKills] });
    }
    if (unseen.size === w.containers.length && unseen.size > 0) throw new Error(unseen.values().next().value);
  } catch (e) {
    if (!req.onSkip) throw e;
    req.onSkip(w, (e as Error).message, e);
    return undefined;
  }
  const range = await source.historyRange({ workload: w });
  const saved = forecast && savedLstmOnly(req)
    ? savedLstmProvider(req.savedLstmRoot, w, containers.map((c) => c.name), forecast, req) : undefined;
  // metrics.k8s.io (no Prometheus in the cluster): one sample, labelled as a snapshot, never forecast.
  const snapshot = isSnapshot(frame0) ? frame0 : undefined;
  const now = snapshot ? snapshot.snapshot.at + 1 : range.to;
  const rr = frame0?.values.request_rate;
  const ready = frame0?.values.ready_replicas;
  const result = await recommendWorkload({
    workload: w, containers, now,
    requestRate: rr && frame0 ? series(frame0.t, rr) : undefined,
    readyReplicas: ready && frame0 ? series(frame0.t, ready) : undefined,
    measuredLoadModel: req.experiments ? loadModelFromExperiments(experimentsFor(w, req.experiments)) : undefined,
    snapshot: snapshot !== undefined,
  }, req.policy, { forecast: snapshot ? undefined : saved ? { ...forecast!, provider: saved.provider } : forecast });
  if (snapshot) markSnapshot(result, snapshotNote(snapshot));
  for (const c of result.recommendation.containers) {
    for (const [kind, r] of [['cpu', c.cpu], ['memory', c.memory]] as const) {
      const note = saved?.notes.get(`${c.container}\0${kind}`);
      if (r && note) r.evidence.notes.push(note);
    }
  }
  for (const c of result.recommendation.containers) {
    const why = unseen.get(c.container);
    if (why) c.unsized = [{ resource: 'cpu', reason: why }, { resource: 'memory', reason: why }];
    const off = refused.get(c.container);
    for (const u of (off && c.unsized) || []) {
      const message = off?.[u.resource === 'cpu' ? 'cpu_usage' : 'memory_working_set'];
      if (message) u.reason = message;
    }
  }
  for (const x of warnings) warn(x);
  for (const c of result.recommendation.containers) {
    for (const r of [c.cpu, c.memory]) if (r) r.evidence.notes.push(...[...warnings].map((x) => `Prometheus warning: ${x}`));
  }
  markPartialData(result, warned);
  const byContainer = Object.fromEntries(containers.map((c) => [c.name, { cpu: c.cpu, memory: c.memory }]));
  return { ...result, history: { cpu: containers[0]?.cpu, memory: containers[0]?.memory, containers: byContainer } };
}

/**
 * The forecast provider of one workload in the editor (savedLstmOnly): a forecast of a container's CPU or memory (the
 * engine says which: ForecastSubject) runs `req.model` with that container's saved model as its `lstm` member when it
 * fits (runSavedSeriesLstm: the same rules as Show Forecast), else the context's provider, whose LSTM member fails
 * (noSavedLstm: no training; always so for the load forecast). `notes` (container + kind → sentence) say what happened,
 * for the evidence: the model used, none saved (run Train Models), or why the saved one was refused.
 */
function savedLstmProvider(root: string, w: Workload, containers: readonly string[], forecast: NonNullable<EngineOptions['forecast']>,
  req: RecommendRequest): { provider: SubjectForecastProvider; notes: Map<string, string> } {
  const step = forecast.step ?? 300;
  const files = new Map<string, string>();
  for (const name of containers) {
    for (const [kind, metric] of [['cpu', 'cpu_usage'], ['memory', 'memory_working_set']] as const) {
      const file = savedSeriesModelPath(root, w, name, metric);
      if (existsSync(file)) files.set(`${name}\0${kind}`, file);
    }
  }
  const notes = new Map<string, string>();
  const options = recommendModelOptions(req.model!, req.modelOptions);
  const without = req.model === 'fused' ? 'fused ran without an LSTM (Prophet and the seasonal baseline)' : 'no LSTM forecast (the window rule)';
  const provider: SubjectForecastProvider = async (history, horizon, at, subject) => {
    const key = subject.container !== undefined && subject.resource !== 'load' ? `${subject.container}\0${subject.resource}` : undefined;
    if (key === undefined) return forecast.provider(history, horizon, at, subject);
    const file = files.get(key);
    if (file === undefined || at !== step) {
      notes.set(key, file === undefined
        ? `forecast: no LSTM saved for this container: run MOrA: Train Models; ${without}`
        : `forecast: the LSTM saved by Train Models was not used (this forecast is at a ${at} s step, the saved models at ${step} s); ${without}`);
      return forecast.provider(history, horizon, at, subject);
    }
    const run = runSavedSeriesLstm(file, history, horizon, { steps: lstmSteps(options) });
    if (!run.used) {
      notes.set(key, `forecast: the LSTM saved by Train Models was not used (${run.reason}); ${without}`);
      return forecast.provider(history, horizon, at, subject);
    }
    notes.set(key, `forecast: ${run.note}`);
    const lstm = (): Promise<ModelRun> => Promise.resolve({ model: 'lstm', forecast: run.forecast, fitted: { saved: true, holdout: run.holdout }, timings: { fitMs: 0, predictMs: 0 } });
    return (await runForecast(history, { model: req.model!, horizon, step: at, seed: 42, options, overrides: { lstm } })).forecast;
  };
  return { provider, notes };
}

/** The LSTM window length a run asks for (`--set lstm.steps=`), undefined for the default. */
function lstmSteps(options: RecommendRequest['modelOptions']): number | undefined {
  const raw = options?.lstm?.steps;
  return raw === undefined ? undefined : Number(raw);
}
