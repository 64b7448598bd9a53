/**
 * The one message protocol between the extension host and the forecast webview.
 *
 * Shape (after microsoft/vscode-pull-request-github's webview base): the webview announces `ready`, the host answers with
 * `show`; either side may send a `request` carrying a numeric `id`, and the other side answers with exactly one `response`
 * carrying the same id (`ok` + `result`, or `ok: false` + `error`). Everything here is plain JSON (no class instances,
 * no typed arrays) because messages and saved webview state are structured-cloned / serialised.
 *
 * No imports: the webview bundle and the host both use this file.
 */

export const PROTOCOL_VERSION = 1;

/** Panel ids: CPU, memory, and the workload-level request rate / replicas. */
export type PanelId = 'cpu' | 'memory' | 'requests' | 'replicas';
export type PanelUnit = 'cores' | 'bytes' | 'req/s' | 'count';
export type ModelId = 'prophet' | 'lstm' | 'fused';

export interface TargetRef {
  context: string;
  namespace: string;
  kind: string;
  name: string;
  container: string;
}

export interface Points {
  /** Unix seconds. */
  t: number[];
  v: number[];
}

export interface ModelForecastData {
  model: ModelId;
  t: number[];
  mean: number[];
  lower: number[];
  upper: number[];
  /** Width of the band, e.g. 0.9. */
  intervalWidth: number;
}

/** A horizontal line drawn across the chart: the recommendation, or the current setting for comparison. */
export interface ReferenceLine {
  label: string;
  value: number;
  role: 'recommended' | 'current';
}

/** Numbers shown under the chart for people who do not read charts (and for screen readers). */
export interface TableData {
  caption: string;
  columns: string[];
  rows: string[][];
}

export interface PanelData {
  id: PanelId;
  title: string;
  unit: PanelUnit;
  history: Points;
  forecasts: ModelForecastData[];
  lines: ReferenceLine[];
  summary: TableData;
  /** Hourly forecast values, one row per hour of the horizon. */
  detail: TableData;
}

export interface ForecastViewData {
  version: number;
  target: TargetRef;
  title: string;
  /** Unix seconds. */
  generatedAt: number;
  /** Models that produced a forecast, and one line per model that did not run or was dropped (why). */
  modelsRun: ModelId[];
  notes: string[];
  /** One-line recommendation, e.g. "cpu 500m → 180m · mem 1Gi → 420Mi · cpu request exceeded ≈5% of the time · ≈1 OOM day in 100". */
  headline: string;
  /**
   * The risk each value carries and the target it was sized to, one line per resource, e.g. "CPU: request exceeded ≈5% of
   * the time (≈1 h 12 min a day); risk target ≤5% of the time (setting mora.risk.cpu), calibrated on 14 days of its own
   * history". Empty or absent when the recommendation carries no risk statement (older saved state included).
   */
  risk?: string[];
  /**
   * The recommendation's evidence, one line each (the hover's and the tree's text): per resource its value and risk, the
   * observed p50/p95/p99, the method, the replay and the data completeness. Absent in older saved state.
   */
  evidence?: string[];
  /** The container's `resources:` block as YAML, for "Copy YAML". */
  yaml: string;
  /** Empty when the workload has no chartable history (under two buckets, < 30 min, or no metrics): a note says so. */
  panels: PanelData[];
}

/**
 * What the view drew when the user pressed Apply / Copy YAML: the host acts only if that is still the recommendation it
 * holds (a Refresh or a new target may have replaced it between the paint and the press).
 */
export interface DrawnStamp {
  target: TargetRef;
  generatedAt: number;
  /** The resources YAML shown (the values Apply writes). */
  yaml: string;
}

/** Said in place of the chart (a note from the host, and the webview's text) when a workload has no panel to draw. */
export const NO_PANELS_NOTE = 'Not enough history to chart (needs 30 min).';

/** The refusal Apply / Copy YAML answer when what was drawn is not what the host would act on. */
export const FORECAST_CHANGED = 'The forecast changed since it was drawn: review it and apply again.';

/** Why the host must not act on `current` for a press made while `drawn` was on screen, or undefined when it may. */
export function drawnMismatch(drawn: DrawnStamp | undefined, current: ForecastViewData | undefined): string | undefined {
  if (!drawn || !current) return FORECAST_CHANGED;
  const same = JSON.stringify(drawn.target) === JSON.stringify(current.target) && drawn.generatedAt === current.generatedAt && drawn.yaml === current.yaml;
  return same ? undefined : FORECAST_CHANGED;
}

// ---- load experiment results (the same view, its own message: `experiment`) ----------------------------------------

/** One cell's value on an experiment chart; `failed` cells failed their quality gate (drawn marked, left out of capacity). */
export interface ExperimentPoint {
  x: number;
  y: number;
  /** The cell id, e.g. "checkout/r2/l50". */
  cell: string;
  failed: boolean;
}

export interface ExperimentSeries {
  label: string;
  role: 'asked' | 'achieved' | 'p95' | 'p99' | 'cpu' | 'slo' | 'capacity';
  /** The replica count the series is at (absent for asked rate, SLO and capacity lines). */
  replicas?: number;
  points: ExperimentPoint[];
}

export type ExperimentChartId = 'load' | 'latency' | 'cpu';

/** x is always the cell's load level (req/s asked at its peak). */
export interface ExperimentChart {
  id: ExperimentChartId;
  title: string;
  unit: 'req/s' | 'ms' | 'cores';
  series: ExperimentSeries[];
}

/** The sustainable rate per replica within the SLO, with its 95% interval. */
export interface ExperimentCapacity {
  estimate: number;
  lower: number;
  upper: number;
  bound: 'bracketed' | 'at-least';
  slo: string;
}

export interface ExperimentServiceData {
  service: string;
  capacity?: ExperimentCapacity;
  /** e.g. "48.2 req/s per replica (95% 44.0–52.5) within p95 ≤ 150 ms; CPU 2.10 ms per request". */
  capacityText: string;
  charts: ExperimentChart[];
  /** One row per cell: asked, achieved, latency, CPU, quality. */
  cells: TableData;
}

export interface ExperimentViewData {
  version: number;
  kind: 'experiment';
  /** The plan's name (names its files). */
  name: string;
  title: string;
  status: string;
  /** Unix seconds of the record's last write. */
  generatedAt: number;
  /** e.g. "18 cells: 16 passed, 2 failed (left out of capacity), 0 not run". */
  headline: string;
  notes: string[];
  services: ExperimentServiceData[];
}

/** What the webview keeps with `setState` so a hidden panel or a restarted VS Code shows the same view at once. */
export interface WebviewState {
  version: number;
  target: TargetRef;
  data?: ForecastViewData;
  panel?: PanelId;
  /** Set while the view shows a load experiment instead of a forecast (then `target` is a placeholder). */
  experiment?: ExperimentViewData;
  /** The experiment's service shown. */
  service?: string;
}

/** Host → webview requests (the webview answers with a response). */
export type HostCommand = 'describe';

/** Webview → host requests (the host answers with a response). */
export type WebviewCommand = 'apply' | 'copyYaml' | 'refresh' | 'ping';

/** What the webview reports about itself when asked to `describe` (tests and diagnostics). */
export interface WebviewDescription {
  panel: PanelId | null;
  datasets: number;
  points: number;
  /** Non-transparent pixels sampled on the chart canvas: > 0 means something was drawn. */
  paintedPixels: number;
  tableRows: number;
  theme: string;
  /** Experiment view only: the service shown, the charts drawn and the points marked as failed cells. */
  experiment?: { service: string; charts: number; failedPoints: number; capacity: string };
  /** The risk lines shown under the headline (one per resource that carries a risk statement). */
  riskLines?: string[];
  /** When the webview's page was loaded (its performance.timeOrigin): unchanged while the page is kept, e.g. when hidden. */
  pageLoadedAt?: number;
  /**
   * Forecast view only: whether "Apply to open manifest" and "Copy YAML" can be pressed, the target of the forecast
   * drawn, and whether that is the previous target's (kept on screen, marked, after a `loading` for a new target).
   */
  actions?: { apply: boolean; copyYaml: boolean; drawn?: TargetRef; previous: boolean };
  /** Forecast view: the y-axis tick labels drawn, bottom to top. */
  yTicks?: string[];
  /** Forecast view: the "not enough history" note is shown in place of the chart. */
  noPanels?: boolean;
  /** Forecast view: the hourly table is open; what has the keyboard focus (`tab:<panel>`, `summary`, or a tag name). */
  detailsOpen?: boolean;
  focused?: string;
  /** What the live region (read by screen readers) says now. */
  live?: string;
  /** The Evidence list shown. */
  evidence?: string[];
}

export type HostToWebview =
  | { type: 'show'; data: ForecastViewData }
  | { type: 'experiment'; data: ExperimentViewData }
  /**
   * A progress line. `newTarget`: the view now stands for another target whose data has not arrived; what it draws is
   * the previous target's, whose actions must not act on the new target until its `show`. `recompute` (with `newTarget`):
   * the same target is being computed again (Refresh, a data-source or settings change): drawn as being recomputed.
   */
  | { type: 'loading'; message: string; newTarget?: boolean; recompute?: boolean }
  | { type: 'error'; message: string }
  | { type: 'request'; id: number; command: HostCommand }
  | ResponseMessage;

/**
 * What the webview just put on screen, sent after the browser painted it (the view's own clock for "shown"; benchmarks
 * and diagnostics): `status` = a progress or error line, `forecast` = a forecast view. `panels` are the panels it holds,
 * `lstmPanels` those whose fused forecast includes the LSTM (empty: history, Prophet and the seasonal baseline only).
 */
export interface RenderedReport {
  phase: 'status' | 'forecast';
  panels: PanelId[];
  lstmPanels: PanelId[];
  /** The status line shown (phase `status`). */
  status?: string;
  /** ms from the message's arrival in the webview to the paint (the webview's own share of the wait). */
  drawMs?: number;
  /** The workload drawn (phase `forecast`): a paint of an earlier target's late result is told apart from this one's. */
  workload?: string;
}

export type WebviewToHost =
  | { type: 'ready'; state?: WebviewState }
  | ({ type: 'rendered' } & RenderedReport)
  | { type: 'request'; id: number; command: WebviewCommand; args?: { panel?: PanelId; drawn?: DrawnStamp } }
  | ResponseMessage;

export type ResponseMessage =
  | { type: 'response'; id: number; ok: true; result?: unknown }
  | { type: 'response'; id: number; ok: false; error: string };

const WEBVIEW_COMMANDS: readonly string[] = ['apply', 'copyYaml', 'refresh', 'ping'] satisfies WebviewCommand[];
const HOST_COMMANDS: readonly string[] = ['describe'] satisfies HostCommand[];
const PANEL_IDS: readonly string[] = ['cpu', 'memory', 'requests', 'replicas'] satisfies PanelId[];

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

const isId = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;

function parseResponse(m: Record<string, unknown>): ResponseMessage | undefined {
  if (!isId(m.id)) return undefined;
  if (m.ok === true) return { type: 'response', id: m.id, ok: true, result: m.result };
  if (m.ok === false && typeof m.error === 'string') return { type: 'response', id: m.id, ok: false, error: m.error };
  return undefined;
}

export function isTargetRef(x: unknown): x is TargetRef {
  return isObject(x) && ['context', 'namespace', 'kind', 'name', 'container'].every((k) => typeof x[k] === 'string');
}

const isStrings = (x: unknown): x is string[] => Array.isArray(x) && x.every((s) => typeof s === 'string');
const isNumbers = (x: unknown): x is number[] => Array.isArray(x) && x.every((n) => typeof n === 'number' || n === null);
const PANEL_UNITS: readonly string[] = ['cores', 'bytes', 'req/s', 'count'] satisfies PanelUnit[];
const MODEL_IDS: readonly string[] = ['prophet', 'lstm', 'fused'] satisfies ModelId[];

function isTable(x: unknown): x is TableData {
  return isObject(x) && typeof x.caption === 'string' && isStrings(x.columns) && Array.isArray(x.rows) && x.rows.every(isStrings);
}

/** A panel the webview can draw (every field it reads, with its type): saved state and messages are checked with it. */
export function isPanelData(x: unknown): x is PanelData {
  return isObject(x) && typeof x.id === 'string' && PANEL_IDS.includes(x.id) && typeof x.title === 'string'
    && typeof x.unit === 'string' && PANEL_UNITS.includes(x.unit)
    && isObject(x.history) && isNumbers(x.history.t) && isNumbers(x.history.v)
    && Array.isArray(x.forecasts) && x.forecasts.every((f) => isObject(f) && typeof f.model === 'string' && MODEL_IDS.includes(f.model)
      && isNumbers(f.t) && isNumbers(f.mean) && isNumbers(f.lower) && isNumbers(f.upper) && typeof f.intervalWidth === 'number')
    && Array.isArray(x.lines) && x.lines.every((l) => isObject(l) && typeof l.label === 'string' && typeof l.value === 'number'
      && (l.role === 'recommended' || l.role === 'current'))
    && isTable(x.summary) && isTable(x.detail);
}

/** Forecast view data the webview can draw: its strings, lists and every panel's shape. */
export function isForecastViewData(x: unknown): x is ForecastViewData {
  return isObject(x) && x.version === PROTOCOL_VERSION && isTargetRef(x.target) && typeof x.title === 'string' && typeof x.headline === 'string'
    && typeof x.generatedAt === 'number' && typeof x.yaml === 'string' && isStrings(x.notes) && isStrings(x.modelsRun)
    && (x.risk === undefined || isStrings(x.risk)) && (x.evidence === undefined || isStrings(x.evidence))
    && Array.isArray(x.panels) && x.panels.every(isPanelData);
}

function isDrawnStamp(x: unknown): x is DrawnStamp {
  return isObject(x) && isTargetRef(x.target) && typeof x.generatedAt === 'number' && typeof x.yaml === 'string';
}

/** Restored webview state is untrusted (older versions, hand edits): accept only what this version can show. */
export function parseWebviewState(x: unknown): WebviewState | undefined {
  if (!isObject(x) || x.version !== PROTOCOL_VERSION || !isTargetRef(x.target)) return undefined;
  const data = isForecastViewData(x.data) ? x.data : undefined;
  const panel = typeof x.panel === 'string' && PANEL_IDS.includes(x.panel) ? (x.panel as PanelId) : undefined;
  const experiment = isExperimentViewData(x.experiment) ? x.experiment : undefined;
  return {
    version: PROTOCOL_VERSION, target: x.target, data, panel,
    ...(experiment ? { experiment, ...(typeof x.service === 'string' ? { service: x.service } : {}) } : {}),
  };
}

export function isExperimentViewData(x: unknown): x is ExperimentViewData {
  return isObject(x) && x.version === PROTOCOL_VERSION && x.kind === 'experiment' && typeof x.name === 'string' && Array.isArray(x.services)
    && x.services.every((s) => isObject(s) && typeof s.service === 'string' && Array.isArray(s.charts));
}

/** Validates a message from the webview (the host never trusts its shape). Undefined for anything unknown. */
export function parseWebviewMessage(x: unknown): WebviewToHost | undefined {
  if (!isObject(x)) return undefined;
  switch (x.type) {
    case 'ready': {
      const state = x.state === undefined ? undefined : parseWebviewState(x.state);
      return state ? { type: 'ready', state } : { type: 'ready' };
    }
    case 'rendered': {
      const ids = (a: unknown): PanelId[] | undefined =>
        Array.isArray(a) && a.every((p) => typeof p === 'string' && PANEL_IDS.includes(p)) ? (a as PanelId[]) : undefined;
      const panels = ids(x.panels);
      const lstmPanels = ids(x.lstmPanels);
      if ((x.phase !== 'status' && x.phase !== 'forecast') || !panels || !lstmPanels) return undefined;
      return {
        type: 'rendered', phase: x.phase, panels, lstmPanels, ...(typeof x.status === 'string' ? { status: x.status } : {}),
        ...(typeof x.drawMs === 'number' && Number.isFinite(x.drawMs) ? { drawMs: x.drawMs } : {}),
        ...(typeof x.workload === 'string' ? { workload: x.workload } : {}),
      };
    }
    case 'request': {
      if (!isId(x.id) || typeof x.command !== 'string' || !WEBVIEW_COMMANDS.includes(x.command)) return undefined;
      const panel = isObject(x.args) && typeof x.args.panel === 'string' && PANEL_IDS.includes(x.args.panel) ? (x.args.panel as PanelId) : undefined;
      const drawn = isObject(x.args) && isDrawnStamp(x.args.drawn)
        ? { target: x.args.drawn.target, generatedAt: x.args.drawn.generatedAt, yaml: x.args.drawn.yaml } : undefined;
      return { type: 'request', id: x.id, command: x.command as WebviewCommand, ...(panel || drawn ? { args: { ...(panel ? { panel } : {}), ...(drawn ? { drawn } : {}) } } : {}) };
    }
    case 'response':
      return parseResponse(x);
    default:
      return undefined;
  }
}

/** Validates a message from the host (the webview checks too: a malformed message must not break the view). */
export function parseHostMessage(x: unknown): HostToWebview | undefined {
  if (!isObject(x)) return undefined;
  switch (x.type) {
    case 'show':
      return isForecastViewData(x.data) ? { type: 'show', data: x.data } : undefined;
    case 'experiment':
      return isExperimentViewData(x.data) ? { type: 'experiment', data: x.data } : undefined;
    case 'loading':
      return typeof x.message === 'string'
        ? { type: 'loading', message: x.message, ...(x.newTarget === true ? { newTarget: true, ...(x.recompute === true ? { recompute: true } : {}) } : {}) } : undefined;
    case 'error':
      return typeof x.message === 'string' ? { type: 'error', message: x.message } : undefined;
    case 'request':
      return isId(x.id) && typeof x.command === 'string' && HOST_COMMANDS.includes(x.command)
        ? { type: 'request', id: x.id, command: x.command as HostCommand } : undefined;
    case 'response':
      return parseResponse(x);
    default:
      return undefined;
  }
}

/**
 * Request/response bookkeeping shared by both ends: `request` returns a promise settled by the matching response,
 * or rejected after `timeoutMs` so a lost message never hangs a caller.
 */
export class PendingRequests {
  private next = 1;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void; timer: ReturnType<typeof setTimeout> }>();

  constructor(private readonly timeoutMs = 10_000) {}

  /** Allocates an id; call `send` with it, then await the promise. */
  create(): { id: number; promise: Promise<unknown> } {
    const id = this.next++;
    const promise = new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`no response to request ${id} within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
    });
    return { id, promise };
  }

  /** Settles the request a response answers; false when no such request is waiting (late or duplicate). */
  settle(m: ResponseMessage): boolean {
    const p = this.pending.get(m.id);
    if (!p) return false;
    this.pending.delete(m.id);
    clearTimeout(p.timer);
    if (m.ok) p.resolve(m.result);
    else p.reject(new Error(m.error));
    return true;
  }

  /** Rejects everything still waiting (the panel closed). */
  dispose(reason = 'the forecast view was closed'): void {
    for (const [, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new Error(reason));
    }
    this.pending.clear();
  }

  get size(): number {
    return this.pending.size;
  }
}
