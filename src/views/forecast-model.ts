/**
 * Builds what the forecast webview shows, editor-free: history, Prophet / LSTM / fused forecasts with their 90% bands for
 * CPU, memory, request rate and replicas, the recommendation as reference lines, and the same numbers as tables.
 *
 * Prophet runs in-process (tens of milliseconds on 15-minute buckets). The LSTM is passed in as a function so the caller
 * decides where it runs (a worker thread in the extension). Fusion is the registry's `fused`, as in `mora forecast`: both
 * models weighed by their holdout error against the seasonal baseline; without an LSTM run, or when it fails, the view
 * says so and fuses Prophet with the baseline (fusion's fallback). A note per panel gives the fused weights.
 */
import type { MetricName } from '../core/metrics';
import type { Recommendation } from '../core/recommendation';
import type { Series } from '../core/series';
import type { Workload } from '../core/workload';
import type { DataSource, MetricFrame } from '../data/datasource';
import type { StoredExperiment } from '../data/experiments/store';
import type { Forecast } from '../ml/forecast-types';
import type { FusedForecast } from '../ml/fusion';
import { createRunContext } from '../ml/forecast';
import type { Holdout } from '../ml/lstm/holdout-run';
import { globalLstmOverride, type GlobalLstmModel } from '../ml/lstm/global';
import { globalModelDir, readCachedGlobal, trainedStep } from '../ml/lstm/global-cache';
import {
  PROTOCOL_VERSION, type ForecastViewData, type ModelForecastData, type ModelId, type PanelData, type PanelId, type PanelUnit,
  type ReferenceLine, type TableData, type TargetRef,
} from '../protocol/forecast';
import { recommendFromSource } from '../pipeline/recommend';
import type { Policy } from '../rightsizing/engine';
import { containerHeadline, resourcesYaml, riskLines, showCpu, showMemory } from './recommendation-text';

/** Forecasts the LSTM for one history (the caller may run it in a worker). */
/** The LSTM's forecast and, when it was trained without the last part of the history, its score there (for the fusion's weights). */
export interface LstmRunResult { forecast: Forecast; holdout?: Holdout }

export type LstmRunner = (history: Series, horizon: number, step: number) => Promise<LstmRunResult>;

export interface ForecastViewOptions {
  /** Seconds per bucket the history is aggregated to before forecasting (default 15 min). */
  bucket: number;
  horizonHours: number;
  /** Days of history drawn (all of it is used for fitting). */
  shownDays: number;
  seed: number;
  lstm?: LstmRunner;
  /** Panels the LSTM runs for (it trains for tens of seconds per series): the ones the recommendation sizes. */
  lstmPanels: PanelId[];
  /** The engine's policy (QoS, CPU limits, history days...). */
  policy: Partial<Policy>;
  /**
   * The forecast the engine checks against its moving window for the recommendation drawn (`mora.forecastModel`);
   * undefined = the window alone, the default everywhere. The panels always draw Prophet, LSTM and fused forecasts.
   */
  model?: string;
  /** Stored load experiments, as the recommendation store uses them for replica advice. */
  experiments?: readonly StoredExperiment[];
  /** Recommendation from elsewhere; when absent the engine computes one with `policy`, `model` and `experiments`. */
  recommendation?: Recommendation;
  /** Says where the LSTM came from when it is not a per-series training (the cluster's cached global model). */
  lstmNote?: string;
}

/**
 * The cluster's global LSTM from MOrA's model cache (written by `mora recommend -m fused` or the extension's store at fleet
 * scale, src/pipeline/global-lstm.ts), when one exists for this context and was trained at the view's bucket; an
 * unreadable one is reported through `warn` and ignored.
 */
export function cachedGlobalLstm(sourceKind: string, context: string, bucket: number, warn: (line: string) => void, cacheRoot?: string): GlobalLstmModel | undefined {
  const model = readCachedGlobal(globalModelDir(sourceKind, context, cacheRoot), warn);
  return model && trainedStep(model) === bucket ? model : undefined;
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

export const DEFAULT_FORECAST_VIEW_OPTIONS: ForecastViewOptions = {
  bucket: 900, horizonHours: 48, shownDays: 7, seed: 7, lstmPanels: ['cpu', 'memory'], policy: {},
};

/** The engine's recommendation for one workload of a source (src/rightsizing/engine via the CLI's shared runner). */
export async function engineRecommendation(
  source: DataSource, workload: Workload, policy: Partial<Policy> = {}, model?: string, experiments?: readonly StoredExperiment[],
): Promise<Recommendation | undefined> {
  const runs = await recommendFromSource(source, { context: workload.context, namespace: workload.namespace, workload: workload.name, policy, model, experiments });
  return runs.map((r) => r.recommendation).find((r) => r.workload.context === workload.context && r.workload.kind === workload.kind);
}

interface PanelSpec {
  id: PanelId;
  title: string;
  unit: PanelUnit;
  metric: MetricName;
  /** How a bucket summarises its samples: memory and replicas by their max (what must fit), rates by their mean. */
  aggregate: 'mean' | 'max';
}

const PANELS: readonly PanelSpec[] = [
  { id: 'cpu', title: 'CPU (per pod)', unit: 'cores', metric: 'cpu_usage', aggregate: 'mean' },
  { id: 'memory', title: 'Memory working set (per pod)', unit: 'bytes', metric: 'memory_working_set', aggregate: 'max' },
  { id: 'requests', title: 'Request rate', unit: 'req/s', metric: 'request_rate', aggregate: 'mean' },
  { id: 'replicas', title: 'Ready replicas', unit: 'count', metric: 'ready_replicas', aggregate: 'max' },
];

/** Buckets a regular series by time; empty buckets are skipped (gaps stay gaps). */
export function aggregate(t: ArrayLike<number>, v: ArrayLike<number>, bucket: number, how: 'mean' | 'max'): Series {
  const outT: number[] = [];
  const outV: number[] = [];
  let cur = NaN;
  let acc = 0;
  let n = 0;
  const flush = () => {
    if (n > 0) {
      outT.push(cur);
      outV.push(how === 'mean' ? acc / n : acc);
    }
  };
  for (let i = 0; i < t.length; i++) {
    const b = Math.floor(t[i] / bucket) * bucket;
    if (b !== cur) {
      flush();
      cur = b;
      acc = how === 'mean' ? 0 : -Infinity;
      n = 0;
    }
    const x = v[i];
    if (!Number.isFinite(x)) continue;
    acc = how === 'mean' ? acc + x : Math.max(acc, x);
    n++;
  }
  flush();
  return { t: Float64Array.from(outT), v: Float64Array.from(outV) };
}

export function formatValue(unit: PanelUnit, x: number): string {
  if (!Number.isFinite(x)) return '—';
  switch (unit) {
    case 'cores': return showCpu(Math.max(0, x));
    case 'bytes': return showMemory(Math.max(0, x));
    case 'req/s': return `${x.toFixed(x >= 100 ? 0 : 1)} req/s`;
    case 'count': return x.toFixed(1);
  }
}

const round = (a: ArrayLike<number>) => Array.from(a, (x) => (Number.isFinite(x) ? Number(x.toPrecision(6)) : NaN));

function toData(model: ModelId, f: Forecast): ModelForecastData {
  return { model, t: Array.from(f.t), mean: round(f.mean), lower: round(f.lower), upper: round(f.upper), intervalWidth: f.intervalWidth };
}

const MODEL_LABEL: Record<ModelId, string> = { prophet: 'Prophet', lstm: 'LSTM', fused: 'Fused' };

const peakOf = (a: readonly number[]) => a.reduce((m, x) => (Number.isFinite(x) ? Math.max(m, x) : m), -Infinity);

function iso(t: number): string {
  return new Date(t * 1000).toISOString().replace('T', ' ').slice(0, 16);
}

/** The numbers behind a panel: last observed and history peak, then each model's peak, peak of the upper band and last value. */
export function summaryTable(title: string, unit: PanelUnit, history: { t: number[]; v: number[] }, forecasts: ModelForecastData[], lines: ReferenceLine[]): TableData {
  const f = (x: number) => formatValue(unit, x);
  const rows: string[][] = [];
  if (history.v.length) {
    rows.push(['History (observed)', f(history.v[history.v.length - 1]), f(peakOf(history.v)), '—', '—']);
  }
  for (const m of forecasts) {
    rows.push([MODEL_LABEL[m.model], f(m.mean[0]), f(peakOf(m.mean)), f(peakOf(m.upper)), f(m.mean[m.mean.length - 1])]);
  }
  for (const l of lines) rows.push([l.label, f(l.value), '—', '—', '—']);
  return { caption: `${title}: summary`, columns: ['Series', 'Latest / first step', 'Peak', `Peak of ${Math.round((forecasts[0]?.intervalWidth ?? 0.9) * 100)}% upper bound`, 'End of horizon'], rows };
}

/** One row per hour of the horizon: each model's mean and band. */
export function detailTable(title: string, unit: PanelUnit, forecasts: ModelForecastData[]): TableData {
  const f = (x: number) => formatValue(unit, x);
  const columns = ['Time (UTC)', ...forecasts.map((m) => `${MODEL_LABEL[m.model]} (${Math.round(m.intervalWidth * 100)}% band)`)];
  const rows: string[][] = [];
  const ref = forecasts[0];
  if (ref) {
    let lastHour = NaN;
    for (let i = 0; i < ref.t.length; i++) {
      const hour = Math.floor(ref.t[i] / 3600);
      if (hour === lastHour) continue;
      lastHour = hour;
      rows.push([iso(ref.t[i]), ...forecasts.map((m) => `${f(m.mean[i])} (${f(m.lower[i])}–${f(m.upper[i])})`)]);
    }
  }
  return { caption: `${title}: hourly forecast`, columns, rows };
}

interface PanelForecast {
  spec: PanelSpec;
  history: Series;
  runs: ModelForecastData[];
  fused?: FusedForecast;
}

async function forecastPanel(spec: PanelSpec, frame: MetricFrame, options: ForecastViewOptions, notes: string[]): Promise<PanelForecast | undefined> {
  const values = frame.values[spec.metric];
  if (!values) return undefined;
  const history = aggregate(frame.t, values, options.bucket, spec.aggregate);
  if (history.t.length < 2) return undefined;
  const horizon = Math.max(1, Math.round((options.horizonHours * 3600) / options.bucket));
  const runs: ModelForecastData[] = [];
  const lstm = options.lstm && options.lstmPanels.includes(spec.id) ? options.lstm : undefined;
  // The same registry run as `mora forecast --model all`: Prophet, the LSTM (from the caller's runner, a worker thread in
  // the extension) and the fusion with its seasonal-baseline anchor, weighted by each model's holdout error.
  const context = createRunContext(history, {
    horizon, step: options.bucket, seed: options.seed,
    overrides: {
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
  let fused: FusedForecast | undefined;
  try {
    fused = (await context.get('fused')).forecast as FusedForecast;
    runs.push(toData('fused', fused));
    // A model that failed is already in the notes; say only why a working one was left out.
    for (const d of fused.dropped) if (!d.reason.startsWith('failed:')) notes.push(`${spec.title}: ${d.name} dropped from the fusion: ${d.reason}`);
    notes.push(`${spec.title}: fused = ${weightsText(fused)}.`);
  } catch (e) {
    notes.push(`${spec.title}: no forecast (${(e as Error).message})`);
  }
  return { spec, history, runs, fused };
}

/** "prophet 21%, lstm 32%, baseline (median of the last 7 days at the same time of day) 47%" */
function weightsText(f: FusedForecast): string {
  return f.used.map((m) => {
    const w = `${Math.round(100 * (f.weights[m] ?? 0))}%`;
    return m === 'baseline' && f.anchor?.baseline ? `baseline (${f.anchor.baseline}) ${w}` : `${m} ${w}`;
  }).join(', ');
}

function referenceLines(id: PanelId, rec: Recommendation, container: string): ReferenceLine[] {
  const c = rec.containers.find((x) => x.container === container);
  const lines: ReferenceLine[] = [];
  const add = (label: string, value: number | undefined, role: ReferenceLine['role']) => {
    if (value !== undefined && Number.isFinite(value)) lines.push({ label, value, role });
  };
  if (id === 'cpu' && c) {
    add('Current request', c.current.requests.cpu, 'current');
    add('Current limit', c.current.limits.cpu, 'current');
    add('Recommended request', c.cpu?.request.value, 'recommended');
    add('Recommended limit', c.cpu?.limit?.value, 'recommended');
  } else if (id === 'memory' && c) {
    add('Current request', c.current.requests.memory, 'current');
    add('Current limit', c.current.limits.memory, 'current');
    add('Recommended request', c.memory?.request.value, 'recommended');
    if (c.memory?.limit && c.memory.limit.value !== c.memory.request.value) add('Recommended limit', c.memory.limit.value, 'recommended');
  } else if (id === 'replicas' && rec.replicas) {
    add('Current replicas', rec.replicas.current, 'current');
    add('Recommended replicas', rec.replicas.recommended.value, 'recommended');
  }
  return lines;
}

/** Everything the webview shows for one container, plus the recommendation it is drawn against. */
export async function buildForecastView(
  source: DataSource, workload: Workload, container: string, options: ForecastViewOptions = DEFAULT_FORECAST_VIEW_OPTIONS,
): Promise<{ data: ForecastViewData; recommendation: Recommendation | undefined }> {
  const target = { workload, container };
  const range = await source.historyRange(target);
  const frame = await source.metrics(target, range);
  const notes: string[] = [];
  const panels: PanelForecast[] = [];
  for (const spec of PANELS) {
    const p = await forecastPanel(spec, frame, options, notes);
    if (p) panels.push(p);
  }
  const recommendation = options.recommendation ?? (await engineRecommendation(source, workload, options.policy, options.model, options.experiments));
  const modelsRun = new Set<ModelId>();
  for (const p of panels) for (const r of p.runs) modelsRun.add(r.model);
  if (!options.lstm) notes.unshift('LSTM not run (yet): the fused forecast is Prophet anchored on the seasonal baseline.');
  else if (options.lstmNote) notes.push(options.lstmNote);
  else if (options.lstmPanels.length < panels.length) {
    notes.push(`LSTM run for ${options.lstmPanels.join(' and ')} only (it trains for tens of seconds per series, in a worker thread).`);
  }
  if (recommendation) {
    const how = options.model ? `its moving window, checked against a ${options.model} forecast of the last day` : 'its moving-window rule';
    notes.push(`The recommendation is the engine's, as in the tree and the CodeLenses: ${how} (setting mora.forecastModel).`);
  }

  const shownFrom = range.to - options.shownDays * 86400;
  const panelData: PanelData[] = panels.map((p) => {
    const from = p.history.t.findIndex((t) => t >= shownFrom);
    const history = { t: Array.from(p.history.t.subarray(Math.max(0, from))), v: round(p.history.v.subarray(Math.max(0, from))) };
    const lines = recommendation ? referenceLines(p.spec.id, recommendation, container) : [];
    return {
      id: p.spec.id, title: p.spec.title, unit: p.spec.unit, history, forecasts: p.runs, lines,
      summary: summaryTable(p.spec.title, p.spec.unit, history, p.runs, lines),
      detail: detailTable(p.spec.title, p.spec.unit, p.runs),
    };
  });
  const c = recommendation?.containers.find((x) => x.container === container);
  const ref: TargetRef = { context: workload.context, namespace: workload.namespace, kind: workload.kind, name: workload.name, container };
  const data: ForecastViewData = {
    version: PROTOCOL_VERSION,
    target: ref,
    title: `${workload.kind} ${workload.namespace}/${workload.name} · ${container}`,
    generatedAt: recommendation?.generatedAt ?? range.to,
    modelsRun: [...modelsRun],
    notes,
    headline: c ? containerHeadline(c) : 'no recommendation for this container',
    risk: c ? riskLines(c) : [],
    yaml: c ? resourcesYaml(c) : '',
    panels: panelData,
  };
  return { data, recommendation };
}
