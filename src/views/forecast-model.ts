/**
 * Builds what the forecast webview shows, editor-free: history, Prophet / LSTM / fused forecasts with their 90% bands for
 * CPU, memory, request rate and replicas, the recommendation as reference lines, and the same numbers as tables.
 *
 * The panels' models (./forecast-panels.ts) run in-process by default (Prophet: tens of milliseconds on 15-minute
 * buckets); the extension runs them in its worker pool (`panelRunner`) so the editor never waits on them. The LSTM is
 * passed in as a function so the caller decides where it runs. Fusion is the registry's `fused`, as in `mora forecast`: both
 * models weighed by their holdout error against the seasonal baseline; without an LSTM run, or when it fails, the view
 * says so and fuses Prophet with the baseline (fusion's fallback). A note per panel gives the fused weights.
 */
import { advisedReplicaBounds, replicaAdvice, replicaRiskStatement, replicaRiskTarget } from '../core/advice-text';
import type { Recommendation } from '../core/recommendation';
import type { Workload } from '../core/workload';
import type { DataSource, MetricFrame } from '../data/datasource';
import type { StoredExperiment } from '../data/experiments/store';
import {
  NO_PANELS_NOTE, PROTOCOL_VERSION, type ForecastViewData, type ModelForecastData, type ModelId, type PanelData, type PanelId, type PanelUnit,
  type ReferenceLine, type TableData, type TargetRef,
} from '../protocol/forecast';
import { recommendFromSource } from '../pipeline/recommend';
import type { Policy } from '../rightsizing/engine';
import { containerHeadline, evidenceLines, resourcesYaml, riskLines, showCpu, showMemory, showMemoryQuantity } from './recommendation-text';
import { forecastPanels, PANELS, round, type LstmRunner, type PanelsResult } from './forecast-panels';

export type { LstmRunner, LstmRunResult } from './forecast-panels';
export { aggregate, cachedGlobalLstm, globalLstmNote, globalLstmRunner } from './forecast-panels';

/**
 * Where the panels' models run: in-process by default (forecastPanels); the extension passes one that runs them in its
 * worker pool. Gets the frame and the options, returns the panels (and may say where the LSTM came from).
 */
export type PanelRunner = (frame: MetricFrame, options: ForecastViewOptions) => Promise<PanelsResult>;

/**
 * The panels' models on this thread — the extension's fallback when it has no worker pool — taking the fusion's Prophet
 * weight as the pool does (pool.ts viewPanels): the options' own, else `prophetWeight()` (the extension passes its
 * mora.fusion.prophetWeight), read per call so a changed setting applies to the next forecast. The same frame and
 * weight then give the same fused line on either path.
 */
export function inProcessPanels(prophetWeight: () => number | undefined): PanelRunner {
  return (frame, options) => {
    const w = options.prophetWeight ?? prophetWeight();
    return forecastPanels(frame, w === undefined ? options : { ...options, prophetWeight: w });
  };
}

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
  /** Prior weight of Prophet in the fusion (PanelModelOptions.prophetWeight); default 0.4. */
  prophetWeight?: number;
  /** The engine's policy (QoS, CPU limits, history days...). */
  policy: Partial<Policy>;
  /**
   * The forecast the engine checks against its moving window for the recommendation drawn (`mora.forecastModel`);
   * undefined = the window alone, the default everywhere. The panels always draw Prophet, LSTM and fused forecasts.
   */
  model?: string;
  /**
   * The model's options for the recommendation drawn (RecommendRequest.modelOptions), as the store computes its own:
   * with mora.forecastModel fused, mora.fusion.prophetWeight's weights on the recommendation defaults
   * (src/views/recommend-settings.ts). Undefined: the model's defaults. The panels' fusion takes `prophetWeight`.
   */
  modelOptions?: Record<string, Record<string, string>>;
  /** Stored load experiments, as the recommendation store uses them for replica advice. */
  experiments?: readonly StoredExperiment[];
  /** Recommendation from elsewhere; when absent the engine computes one with `policy`, `model` and `experiments`. */
  recommendation?: Recommendation;
  /** Where Train Models saved its per-series LSTMs: the engine's recommendation uses them as the store's does (RecommendRequest.savedLstmRoot). */
  savedLstmRoot?: string;
  /** Says where the LSTM came from when it is not a per-series training (the cluster's cached global model). */
  lstmNote?: string;
  /** Where the panels' models run (default: this thread). */
  panelRunner?: PanelRunner;
}

export const DEFAULT_FORECAST_VIEW_OPTIONS: ForecastViewOptions = {
  bucket: 900, horizonHours: 48, shownDays: 7, seed: 7, lstmPanels: ['cpu', 'memory'], policy: {},
};

/** The engine's recommendation for one workload of a source (src/rightsizing/engine via the CLI's shared runner). */
export async function engineRecommendation(
  source: DataSource, workload: Workload, policy: Partial<Policy> = {}, model?: string, experiments?: readonly StoredExperiment[], savedLstmRoot?: string,
  modelOptions?: Record<string, Record<string, string>>,
): Promise<Recommendation | undefined> {
  const runs = await recommendFromSource(source, {
    context: workload.context, namespace: workload.namespace, workload: workload.name, policy, model, experiments, savedLstmRoot, ...(modelOptions ? { modelOptions } : {}),
  });
  return runs.map((r) => r.recommendation).find((r) => r.workload.context === workload.context && r.workload.kind === workload.kind);
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

/**
 * A reference line's value (a current or recommended request, limit or replica count): memory as the headline, the
 * evidence and Copy YAML write it (showMemoryQuantity: rounded up to whole Mi, `1100Mi`, `1535Mi`), never the usage form
 * (`1.07Gi` for 1100Mi, below what is written). The webview's tooltip for these lines does the same (view-logic.ts lineValue).
 */
function settingValue(unit: PanelUnit, x: number): string {
  if (!Number.isFinite(x)) return formatValue(unit, x);
  // A replica count or HPA bound is a whole number: `7`, not `7.0` (the webview's tooltip, view-logic.ts, reads `7` too).
  return unit === 'bytes' ? showMemoryQuantity(Math.max(0, x)) : unit === 'count' ? `${Math.round(x)}` : formatValue(unit, x);
}

const MODEL_LABEL: Record<ModelId, string> = { prophet: 'Prophet', lstm: 'LSTM', fused: 'Fused' };

const peakOf = (a: readonly number[]) => a.reduce((m, x) => (Number.isFinite(x) ? Math.max(m, x) : m), -Infinity);

function iso(t: number): string {
  return new Date(t * 1000).toISOString().replace('T', ' ').slice(0, 16);
}

/**
 * The numbers behind a panel: last observed and history peak, then each model's peak, peak of the upper band and last value
 * (usage: to the nearest), then the reference lines (settings: as written, settingValue).
 */
export function summaryTable(title: string, unit: PanelUnit, history: { t: number[]; v: number[] }, forecasts: ModelForecastData[], lines: ReferenceLine[]): TableData {
  const f = (x: number) => formatValue(unit, x);
  const rows: string[][] = [];
  if (history.v.length) {
    rows.push(['History (observed)', f(history.v[history.v.length - 1]), f(peakOf(history.v)), '—', '—']);
  }
  for (const m of forecasts) {
    rows.push([MODEL_LABEL[m.model], f(m.mean[0]), f(peakOf(m.mean)), f(peakOf(m.upper)), f(m.mean[m.mean.length - 1])]);
  }
  for (const l of lines) rows.push([l.label, settingValue(unit, l.value), '—', '—', '—']);
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
    const rep = rec.replicas;
    const advised = advisedReplicaBounds(rep);
    add('Current replicas', rep.current, 'current');
    if (rep.hpa) {
      // The HPA sets the count: its bounds as they run and as advised (the tree's, lens's and hover's `HPA 2–6 → 2–12`),
      // never the bare count the load needs, which no one sets on an HPA-managed workload.
      if (rep.hpa.current) {
        add('HPA minReplicas now', rep.hpa.current.minReplicas, 'current');
        add('HPA maxReplicas now', rep.hpa.current.maxReplicas, 'current');
      }
      add('Recommended HPA minReplicas', advised.minReplicas, 'recommended');
      add('Recommended HPA maxReplicas', advised.maxReplicas, 'recommended');
    } else add('Recommended replicas', advised.need, 'recommended');
  }
  return lines;
}

/**
 * The replica advice under the replicas panel's summary, in the tree tooltip's words: `replicas 2 → 5 (per-replica load
 * above capacity at no time in the history, target ≤5%)`, or for an HPA `HPA 2–6 → raise maxReplicas to 12 (1.5 × the p99 load needs
 * 12 pods of 80m)` (replicaAdvice, replicaRiskStatement).
 */
function replicaAdviceText(rep: NonNullable<Recommendation['replicas']>): string {
  const risk = replicaRiskStatement(rep);
  return `${replicaAdvice(rep)}${risk ? ` (${risk}, ${replicaRiskTarget(rep)})` : ''}`;
}

/** Everything the webview shows for one container, plus the recommendation it is drawn against. */
export async function buildForecastView(
  source: DataSource, workload: Workload, container: string, options: ForecastViewOptions = DEFAULT_FORECAST_VIEW_OPTIONS,
): Promise<{ data: ForecastViewData; recommendation: Recommendation | undefined }> {
  const target = { workload, container };
  const range = await source.historyRange(target);
  const frame = await source.metrics(target, range);
  const ran = await (options.panelRunner ?? forecastPanels)(frame, options);
  const { panels } = ran;
  const notes = [...ran.notes];
  const lstmNote = options.lstmNote ?? ran.lstmNote;
  const lstmRan = options.lstm !== undefined || ran.lstmRan === true;
  const recommendation = options.recommendation ?? (await engineRecommendation(source, workload, options.policy, options.model, options.experiments, options.savedLstmRoot, options.modelOptions));
  const modelsRun = new Set<ModelId>();
  for (const p of panels) for (const r of p.runs) modelsRun.add(r.model);
  if (!lstmRan) notes.unshift('LSTM not run (yet): the fused forecast is Prophet anchored on the seasonal baseline.');
  else if (lstmNote) notes.push(lstmNote);
  else if (options.lstmPanels.length < panels.length) {
    notes.push(`LSTM run for ${options.lstmPanels.join(' and ')} only (it trains for tens of seconds per series, in a worker thread).`);
  }
  if (recommendation) {
    const how = options.model ? `its moving window, checked against a ${options.model} forecast of the last day` : 'its moving-window rule';
    notes.push(`The recommendation is the engine's, as in the tree and the CodeLenses: ${how} (setting mora.forecastModel).`);
  }

  // Every panel dropped (under two buckets of history, or no metrics): the view says so instead of an empty chart.
  if (panels.length === 0) notes.unshift(`${NO_PANELS_NOTE} No CPU, memory, request-rate or replica series with two or more ${Math.round(options.bucket / 60)}-minute buckets.`);
  const shownFrom = range.to - options.shownDays * 86400;
  const panelData: PanelData[] = panels.map((p) => {
    const spec = PANELS.find((x) => x.id === p.id)!;
    const from = p.history.t.findIndex((t) => t >= shownFrom);
    const history = { t: Array.from(p.history.t.subarray(Math.max(0, from))), v: round(p.history.v.subarray(Math.max(0, from))) };
    const lines = recommendation ? referenceLines(p.id, recommendation, container) : [];
    const summary = summaryTable(spec.title, spec.unit, history, p.runs, lines);
    // The replicas panel says the advice its lines draw, with the risk the other surfaces state.
    if (p.id === 'replicas' && recommendation?.replicas) summary.caption += ` · ${replicaAdviceText(recommendation.replicas)}`;
    return {
      id: p.id, title: spec.title, unit: spec.unit, history, forecasts: p.runs, lines, summary,
      detail: detailTable(spec.title, spec.unit, p.runs),
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
    risk: c ? riskLines(c, recommendation?.origin) : [],
    evidence: c && recommendation ? evidenceLines(recommendation, c) : [],
    yaml: c ? resourcesYaml(c) : '',
    panels: panelData,
  };
  return { data, recommendation };
}
