/**
 * The models behind the forecast view's four panels: each metric of a frame bucketed, then Prophet, the LSTM (from the
 * caller's runner) and the fusion with its seasonal-baseline anchor, as `mora forecast --model all` runs them.
 *
 * Plain data in, plain data out, and nothing of the engine or the data sources: the extension runs this in its worker
 * pool (src/ml/worker, job `view-panels`) so the editor never waits on a Prophet fit; the CLI, tests and benchmarks run
 * it in-process through buildForecastView (./forecast-model.ts).
 */
import type { MetricName } from '../core/metrics';
import { bucketed, type Series } from '../core/series';
import type { Forecast } from '../ml/forecast-types';
import type { FusedForecast } from '../ml/fusion';
import { createRunContext, getModel, type ModelRun, type ResolvedRequest } from '../ml/forecast';
import type { Holdout } from '../ml/lstm/holdout-run';
import { globalLstmOverride, type GlobalLstmModel } from '../ml/lstm/global';
import { globalModelDir, globalModelTooOld, poolCutoff, readCachedGlobal, trainedStep } from '../ml/lstm/global-cache';
import { isWarmStart } from '../ml/lstm/warm-start';
import type { ModelForecastData, ModelId, PanelId, PanelUnit } from '../protocol/forecast';

/** The LSTM's forecast and, when it was trained without the last part of the history, its score there (for the fusion's weights). */
export interface LstmRunResult { forecast: Forecast; holdout?: Holdout }

/** Forecasts the LSTM for one history (the caller may run it in a worker). */
export type LstmRunner = (history: Series, horizon: number, step: number) => Promise<LstmRunResult>;

/** What the panels' models need (a subset of ForecastViewOptions). */
export interface PanelModelOptions {
  /** Seconds per bucket the history is aggregated to before forecasting. */
  bucket: number;
  horizonHours: number;
  seed: number;
  lstm?: LstmRunner;
  /** Panels the LSTM runs for. */
  lstmPanels: PanelId[];
  /** Per panel, an LSTM runner that replaces `lstm` there (forecasts a worker pool trained already). */
  lstmByPanel?: Partial<Record<PanelId, LstmRunner>>;
  /**
   * Prior weight of Prophet in the fusion, the LSTM getting the rest (the extension's mora.fusion.prophetWeight; the
   * CLI's --set fused.prophet_weight). Default 0.4 (DEFAULT_FUSION). It shapes the blend when both models are kept: with
   * holdout scores each prior is divided by its model's squared relative holdout error before the baseline anchor joins;
   * with one model kept the priors renormalise to 1, so it has no effect there.
   */
  prophetWeight?: number;
  /**
   * Per panel, runs kept from an earlier call on the same frame, bucket, horizon and seed (the caller's to check):
   * Prophet's forecast and the fusion's Prophet holdout fits and baseline, which do not depend on the LSTM. The forecast
   * view's worker passes the first paint's to the pass with the LSTM, so an open fits each panel's Prophet once.
   */
  memo?: PanelMemo;
}

/** Runs a panel's models may reuse (ForecastRequest.memo), by panel. */
export type PanelMemo = Partial<Record<PanelId, Map<string, Promise<unknown>>>>;

export interface PanelSpec {
  id: PanelId;
  title: string;
  unit: PanelUnit;
  metric: MetricName;
  /** How a bucket summarises its samples: memory and replicas by their max (what must fit), rates by their mean. */
  aggregate: 'mean' | 'max';
}

export const PANELS: readonly PanelSpec[] = [
  { id: 'cpu', title: 'CPU (per pod)', unit: 'cores', metric: 'cpu_usage', aggregate: 'mean' },
  { id: 'memory', title: 'Memory working set (per pod)', unit: 'bytes', metric: 'memory_working_set', aggregate: 'max' },
  { id: 'requests', title: 'Request rate', unit: 'req/s', metric: 'request_rate', aggregate: 'mean' },
  { id: 'replicas', title: 'Ready replicas', unit: 'count', metric: 'ready_replicas', aggregate: 'max' },
];

/** One panel's bucketed history and the models' forecasts (structured-clone safe: it crosses from a worker). */
export interface PanelRuns {
  id: PanelId;
  history: Series;
  runs: ModelForecastData[];
}

/** Every panel the frame has data for, and one note per model dropped or failed (and the fused weights). */
export interface PanelsResult {
  panels: PanelRuns[];
  notes: string[];
  /** Where the LSTM came from when the runner chose it (e.g. the cluster's cached global model). */
  lstmNote?: string;
  /** An LSTM member was run (whatever its source). */
  lstmRan?: boolean;
}

/** The metrics of a workload over its history, as a data source returns them. */
export interface PanelFrame {
  t: Float64Array;
  values: Partial<Record<MetricName, Float64Array>>;
}

/** The frame's metrics the panels read (4 of a source's 12): what is worth copying to a worker. */
export function panelFrame(frame: PanelFrame): PanelFrame {
  const values: PanelFrame['values'] = {};
  for (const p of PANELS) if (frame.values[p.metric]) values[p.metric] = frame.values[p.metric];
  return { t: frame.t, values };
}

/** Buckets a regular series by time; empty buckets are skipped (gaps stay gaps). */
export function aggregate(t: ArrayLike<number>, v: ArrayLike<number>, bucket: number, how: 'mean' | 'max'): Series {
  return bucketed(t, v, bucket, how).series;
}

/** A panel's bucketed history (what its models forecast from), or undefined when the frame lacks the metric. */
export function panelHistory(spec: PanelSpec, frame: PanelFrame, bucket: number): Series | undefined {
  const values = frame.values[spec.metric];
  return values ? aggregate(frame.t, values, bucket, spec.aggregate) : undefined;
}

export const horizonSteps = (o: Pick<PanelModelOptions, 'horizonHours' | 'bucket'>): number => Math.max(1, Math.round((o.horizonHours * 3600) / o.bucket));

export const round = (a: ArrayLike<number>): number[] => Array.from(a, (x) => (Number.isFinite(x) ? Number(x.toPrecision(6)) : NaN));

function toData(model: ModelId, f: Forecast): ModelForecastData {
  return { model, t: Array.from(f.t), mean: round(f.mean), lower: round(f.lower), upper: round(f.upper), intervalWidth: f.intervalWidth };
}

async function forecastPanel(spec: PanelSpec, frame: PanelFrame, options: PanelModelOptions, notes: string[]): Promise<PanelRuns | undefined> {
  const history = panelHistory(spec, frame, options.bucket);
  if (!history || history.t.length < 2) return undefined;
  const horizon = horizonSteps(options);
  const runs: ModelForecastData[] = [];
  const lstm = options.lstmPanels.includes(spec.id) ? options.lstmByPanel?.[spec.id] ?? options.lstm : undefined;
  // The same registry run as `mora forecast --model all`: Prophet, the LSTM (from the caller's runner, a worker thread in
  // the extension) and the fusion with its seasonal-baseline anchor, weighted by each model's holdout error.
  let memo: Map<string, Promise<unknown>> | undefined;
  if (options.memo) memo = options.memo[spec.id] ??= new Map();
  const context = createRunContext(history, {
    horizon, step: options.bucket, seed: options.seed, memo, options: fusionModelOptions(options.prophetWeight),
    overrides: {
      ...(memo ? { prophet: (h: Series, request: ResolvedRequest) => keep(memo, 'prophet', () => getModel('prophet').run(h, request, context)) } : {}),
      lstm: async (h, request) => {
        if (!lstm) throw new Error('LSTM not run for this panel');
        const r = await lstm(h, request.horizon, request.step);
        return { model: 'lstm', forecast: r.forecast, fitted: r.holdout ? { holdout: r.holdout } : {}, timings: { fitMs: 0, predictMs: 0 } };
      },
    },
  });
  try {
    runs.push(toData('prophet', (await context.get('prophet')).forecast));
  } catch (e) {
    notes.push(`${spec.title}: Prophet failed: ${(e as Error).message}`);
  }
  if (lstm) {
    try {
      runs.push(toData('lstm', (await context.get('lstm')).forecast));
    } catch (e) {
      notes.push(`${spec.title}: LSTM failed: ${(e as Error).message}`);
    }
  }
  try {
    const fused = (await context.get('fused')).forecast as FusedForecast;
    runs.push(toData('fused', fused));
    // A model that failed is already in the notes; say only why a working one was left out.
    for (const d of fused.dropped) if (!d.reason.startsWith('failed:')) notes.push(`${spec.title}: ${d.name} dropped from the fusion: ${d.reason}`);
    notes.push(`${spec.title}: fused = ${weightsText(fused)}.`);
  } catch (e) {
    notes.push(`${spec.title}: no forecast (${(e as Error).message})`);
  }
  return { id: spec.id, history, runs };
}

/**
 * The fused model's options for a Prophet prior weight (the LSTM gets 1 − it): clamped into [0, 1], as VS Code only warns
 * about a setting outside its schema's range; undefined or not a number: none (the default weights).
 */
export function fusionModelOptions(prophetWeight: unknown): Record<string, Record<string, string>> | undefined {
  if (typeof prophetWeight !== 'number' || !Number.isFinite(prophetWeight)) return undefined;
  const w = Math.min(1, Math.max(0, prophetWeight));
  return { fused: { prophet_weight: String(w), lstm_weight: String(1 - w) } };
}

/** The memo's run under `key`, computed once; a failure is not kept. */
function keep(memo: Map<string, Promise<unknown>>, key: string, run: () => Promise<ModelRun>): Promise<ModelRun> {
  let p = memo.get(key) as Promise<ModelRun> | undefined;
  if (!p) {
    const started = run();
    p = started;
    memo.set(key, started);
    started.catch(() => { if (memo.get(key) === started) memo.delete(key); });
  }
  return p;
}

/** "prophet 21%, lstm 32%, baseline (median of the last 7 days at the same time of day) 47%" */
function weightsText(f: FusedForecast): string {
  return f.used.map((m) => {
    const w = `${Math.round(100 * (f.weights[m] ?? 0))}%`;
    return m === 'baseline' && f.anchor?.baseline ? `baseline (${f.anchor.baseline}) ${w}` : `${m} ${w}`;
  }).join(', ');
}

/**
 * The cluster's global LSTM from MOrA's model cache (written by `mora recommend -m fused` or the extension's store at fleet
 * scale, src/pipeline/global-lstm.ts), when one exists for this context and was trained at the view's bucket and — given
 * `historyEnd`, the view's series end — is not too old for it (the pipeline's own age rule, global-cache.ts
 * globalModelTooOld: past it the pipeline retrains rather than refreshes, and the view does not use it either). An
 * unreadable or too old one is reported through `warn` and ignored.
 */
export function cachedGlobalLstm(sourceKind: string, context: string, bucket: number, warn: (line: string) => void, cacheRoot?: string, historyEnd?: number): GlobalLstmModel | undefined {
  return cachedGlobalLstmIn(globalModelDir(sourceKind, context, cacheRoot), bucket, warn, historyEnd);
}

/** The global LSTM cached in one folder (global-cache.ts globalModelDir), when it was trained at `bucket` and is not too old. */
export function cachedGlobalLstmIn(dir: string, bucket: number, warn: (line: string) => void, historyEnd?: number): GlobalLstmModel | undefined {
  const model = readCachedGlobal(dir, warn);
  if (!model || trainedStep(model) !== bucket) return undefined;
  // MOrA's shipped warm start (read through here by the worker) is zero shot on any cluster's days: no age.
  const old = historyEnd === undefined || isWarmStart(model) ? undefined : globalModelTooOld(model, poolCutoff(historyEnd));
  if (old) {
    warn(`${old}: not used`);
    return undefined;
  }
  return model;
}

/** The view's note on a global LSTM member: the cluster's own model, or MOrA's shipped warm start until the cluster has one. */
export function globalLstmNote(model: GlobalLstmModel): string {
  return isWarmStart(model)
    ? 'LSTM: MOrA\'s shipped warm-start model (pre-trained on public and generated series; zero shot), no per-series training — until this cluster has a global model of its own (Recommend at fleet scale, or mora recommend -m fused, trains one).'
    : `LSTM: the cluster's global model (v${model.version}, cached; trained on ${model.state.trainedOn.series} series), no per-series training.`;
}

/**
 * The LSTM runner of a global model: a forecast in milliseconds (no training), scored on the fusion's holdout — which
 * the model never saw (it was trained on each series up to two days before the last midnight).
 */
export function globalLstmRunner(model: GlobalLstmModel): LstmRunner {
  const run = globalLstmOverride(model);
  return async (history, horizon, step) => {
    const r = await run(history, { horizon, step, modelOptions: {} });
    return { forecast: r.forecast, holdout: (r.fitted as { holdout: Holdout }).holdout };
  };
}

/** Every panel's models on this thread (the extension's worker pool runs this same function in a worker). */
export async function forecastPanels(frame: PanelFrame, options: PanelModelOptions): Promise<PanelsResult> {
  const notes: string[] = [];
  const panels: PanelRuns[] = [];
  for (const spec of PANELS) {
    const p = await forecastPanel(spec, frame, options, notes);
    if (p) panels.push(p);
  }
  return { panels, notes, lstmRan: options.lstm !== undefined || Object.keys(options.lstmByPanel ?? {}).length > 0 };
}

