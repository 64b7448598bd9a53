/**
 * The forecast webview (browser bundle dist/webview/webview.js): draws history, Prophet / LSTM / fused forecasts with their bands
 * and the recommendation as lines (chart.js, time axis), with the same numbers as tables underneath.
 * Talks to the host only through src/protocol; keeps its state with setState so a panel restored after a restart redraws at once
 * (a hidden panel keeps its page: the host creates it with retainContextWhenHidden).
 * Colours come from the --vscode-* theme variables and are re-read when the theme changes.
 */
import {
  Chart, Filler, Legend, LinearScale, LineController, LineElement, PointElement, TimeScale, Title, Tooltip, type ChartDataset,
} from 'chart.js';
import 'chartjs-adapter-date-fns';
import {
  parseHostMessage, PendingRequests, PROTOCOL_VERSION, parseWebviewState, type DrawnStamp,
  type ExperimentChart, type ExperimentViewData, type ForecastViewData, type HostToWebview, type PanelData, type PanelId,
  type RenderedReport, type TableData, type WebviewCommand, type WebviewDescription, type WebviewState, type WebviewToHost,
} from '../protocol/forecast';
import { announcement, formatValue, NO_PANELS_NOTE, spanGapsMs, suggestedMax, tickLabel, tickStep, tooltipLabel, utcWall } from './view-logic';

Chart.register(LineController, LineElement, PointElement, LinearScale, TimeScale, Filler, Legend, Tooltip, Title);

interface VsCodeApi {
  postMessage(message: WebviewToHost): void;
  getState(): unknown;
  setState(state: WebviewState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const pending = new PendingRequests(30_000);
let state: WebviewState | undefined = parseWebviewState(vscode.getState());
let chart: Chart<'line', { x: number; y: number }[]> | undefined;
/**
 * The data drawn is the previous target's: the host said `loading` for a new target and that target's `show`
 * has not arrived. It stays on screen, marked, and its Apply / Copy YAML stay disabled: they would act on the new target.
 */
let previous: false | 'target' | 'recompute' = false;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

const app = document.getElementById('app') ?? document.body.appendChild(el('div', { id: 'app' }));
const header = app.appendChild(el('header'));
const title = header.appendChild(el('h1', {}, 'MOrA forecast'));
const headline = header.appendChild(el('p', { class: 'headline' }));
/** The risk each value carries and the target it was sized to (the evidence for the headline's risk). */
const riskList = header.appendChild(el('ul', { class: 'risk', 'aria-label': 'Risk' }));
const toolbar = header.appendChild(el('div', { class: 'toolbar', role: 'toolbar', 'aria-label': 'Recommendation actions' }));
const applyButton = toolbar.appendChild(el('button', { type: 'button', id: 'apply' }, 'Apply to open manifest'));
const copyButton = toolbar.appendChild(el('button', { type: 'button', id: 'copy', class: 'secondary' }, 'Copy YAML'));
const refreshButton = toolbar.appendChild(el('button', { type: 'button', id: 'refresh', class: 'secondary' }, 'Refresh'));
/** The progress line, shown only: LSTM epochs would otherwise be read out one by one (up to 60 a series). */
const status = app.appendChild(el('p', { class: 'status' }));
/** What a screen reader hears (announcement()): a forecast arriving once, errors and steps, not each epoch. */
const live = app.appendChild(el('p', { class: 'sr-only', role: 'status', 'aria-live': 'polite' }));
const tabs = app.appendChild(el('div', { class: 'tabs', role: 'tablist', 'aria-label': 'Metric' }));
const panelBox = app.appendChild(el('section', { class: 'panel', role: 'tabpanel', id: 'panel' }));
const chartBox = panelBox.appendChild(el('div', { class: 'chart' }));
/** Said in place of the chart when the workload has nothing to chart (no panel). */
const emptyNote = panelBox.insertBefore(el('p', { class: 'empty', hidden: '' }, NO_PANELS_NOTE), chartBox);
const canvas = chartBox.appendChild(el('canvas', { id: 'chart', role: 'img' }));
const tables = panelBox.appendChild(el('div', { class: 'tables' }));
/** The recommendation's evidence (observed percentiles, method, replay, data completeness), as the tree and hover say it. */
const evidenceBox = app.appendChild(el('section', { class: 'evidence', 'aria-labelledby': 'evidence-title', hidden: '' }));
evidenceBox.appendChild(el('h2', { id: 'evidence-title' }, 'Evidence'));
const evidenceList = evidenceBox.appendChild(el('ul'));
const notes = app.appendChild(el('ul', { class: 'notes' }));
/** A load experiment's results (the `experiment` message): per service, three charts against the load level and the cells. */
const expBox = app.insertBefore(el('section', { class: 'experiment', hidden: '' }), notes);

// ---- theme ---------------------------------------------------------------------------------------------------------

function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.body).getPropertyValue(name).trim();
  return v || fallback;
}

/** Any CSS colour with an alpha, resolved by the browser itself (theme variables may be hex, rgb() or named). */
function withAlpha(color: string, alpha: number): string {
  const probe = document.createElement('canvas').getContext('2d');
  if (!probe) return color;
  probe.fillStyle = '#000';
  probe.fillStyle = color;
  const c = probe.fillStyle; // normalised: '#rrggbb' or 'rgba(r, g, b, a)'
  if (c.startsWith('#') && c.length === 7) {
    const n = parseInt(c.slice(1), 16);
    return `rgba(${n >> 16}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
  }
  const m = /rgba?\(([^)]+)\)/.exec(c);
  if (m) {
    const [r, g, b] = m[1].split(',').map((s) => s.trim());
    return `rgba(${r}, ${g}, ${b}, ${alpha})`;
  }
  return c;
}

function palette() {
  const highContrast = document.body.classList.contains('vscode-high-contrast') || document.body.classList.contains('vscode-high-contrast-light');
  return {
    highContrast,
    fg: cssVar('--vscode-foreground', '#444'),
    grid: cssVar('--vscode-editorWidget-border', cssVar('--vscode-panel-border', 'rgba(128,128,128,0.3)')),
    history: cssVar('--vscode-charts-foreground', cssVar('--vscode-foreground', '#666')),
    prophet: cssVar('--vscode-charts-blue', '#3794ff'),
    lstm: cssVar('--vscode-charts-purple', '#b180d7'),
    fused: cssVar('--vscode-charts-orange', '#d18616'),
    recommended: cssVar('--vscode-charts-green', '#89d185'),
    current: cssVar('--vscode-charts-red', '#f14c4c'),
  };
}

// ---- formatting ----------------------------------------------------------------------------------------------------

const MODEL_LABEL = { prophet: 'Prophet', lstm: 'LSTM', fused: 'Fused' } as const;

// ---- rendering -----------------------------------------------------------------------------------------------------

function datasets(p: PanelData): ChartDataset<'line', { x: number; y: number }[]>[] {
  const c = palette();
  const width = c.highContrast ? 2.5 : 1.5;
  const out: ChartDataset<'line', { x: number; y: number }[]>[] = [];
  // x in UTC wall-clock ms (the tables' clock); a gap longer than two buckets stays a gap, not a ramp across it.
  const pts = (t: number[], v: number[]) => t.map((x, i) => ({ x: utcWall(x), y: v[i] ?? NaN }));
  const spanGaps = spanGapsMs(p.history.t) ?? false;
  out.push({ label: 'History', data: pts(p.history.t, p.history.v), borderColor: c.history, backgroundColor: c.history, borderWidth: 1, pointRadius: 0, spanGaps });
  for (const f of p.forecasts) {
    const color = c[f.model];
    const band = `${MODEL_LABEL[f.model]} ${Math.round(f.intervalWidth * 100)}% band`;
    // The band: lower edge, then the upper edge filled down to it ('-1' = the dataset just before).
    if (f.model !== 'prophet' || !p.forecasts.some((g) => g.model === 'fused')) {
      out.push({ label: `${band} (lower)`, data: pts(f.t, f.lower), borderColor: 'transparent', pointRadius: 0, fill: false });
      out.push({ label: band, data: pts(f.t, f.upper), borderColor: 'transparent', backgroundColor: withAlpha(color, c.highContrast ? 0.35 : 0.18), pointRadius: 0, fill: '-1' });
    }
    out.push({
      label: MODEL_LABEL[f.model], data: pts(f.t, f.mean), borderColor: color, backgroundColor: color, pointRadius: 0,
      borderWidth: f.model === 'fused' ? width + 0.5 : width, borderDash: f.model === 'fused' ? [] : [5, 3],
    });
  }
  const t0 = p.history.t[0] ?? p.forecasts[0]?.t[0];
  const lastF = p.forecasts[0];
  const t1 = lastF ? lastF.t[lastF.t.length - 1] : p.history.t[p.history.t.length - 1];
  if (t0 !== undefined && t1 !== undefined) {
    // A current setting far above the data (an over-provisioned limit) would flatten the chart: it stays in the table only.
    const top = yTop(p);
    for (const l of p.lines) {
      if (l.role === 'current' && l.value > top * 2) continue;
      const color = l.role === 'recommended' ? c.recommended : c.current;
      out.push({
        label: l.label, data: [{ x: utcWall(t0), y: l.value }, { x: utcWall(t1), y: l.value }], borderColor: color, backgroundColor: color,
        borderWidth: l.role === 'recommended' ? width + 0.5 : width, borderDash: l.role === 'recommended' ? [] : [2, 4], pointRadius: 0,
      });
    }
  }
  return out;
}

/** Highest value worth drawing: history, forecast bands and the recommendation. */
function yTop(p: PanelData): number {
  let top = 0;
  const take = (a: number[]) => { for (const x of a) if (Number.isFinite(x) && x > top) top = x; };
  take(p.history.v);
  for (const f of p.forecasts) take(f.upper);
  take(p.lines.filter((l) => l.role === 'recommended').map((l) => l.value));
  return top;
}

function renderChart(p: PanelData): void {
  const c = palette();
  Chart.defaults.color = c.fg;
  Chart.defaults.font.family = cssVar('--vscode-font-family', 'sans-serif');
  const data = { datasets: datasets(p) };
  canvas.setAttribute('aria-label', `${p.title}: history and forecasts; the numbers are in the tables below.`);
  if (chart) chart.destroy();
  chart = new Chart<'line', { x: number; y: number }[]>(canvas, {
    type: 'line',
    data,
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      parsing: false,
      normalized: true,
      interaction: { mode: 'nearest', axis: 'x', intersect: false },
      scales: {
        // UTC, as the tables (x is shifted by utcWall: the adapter formats in the browser's zone).
        x: {
          type: 'time', time: { unit: 'day', tooltipFormat: "yyyy-MM-dd HH:mm 'UTC'", displayFormats: { day: 'EEE d MMM' } }, grid: { color: c.grid },
          ticks: { color: c.fg, maxRotation: 0 }, title: { display: true, text: 'time (UTC)', color: c.fg },
        },
        // Every panel's quantity is non-negative: a band reaching below zero is clipped, not drawn as negative usage.
        // Tick labels take their decimals and unit from the tick step, so neighbours never read the same.
        y: {
          min: 0, suggestedMax: suggestedMax(p.unit), grid: { color: c.grid },
          ticks: { color: c.fg, callback: (v, _i, ticks) => tickLabel(p.unit, Number(v), tickStep(ticks.map((t) => t.value))) },
          title: { display: true, text: p.unit, color: c.fg },
        },
      },
      plugins: {
        legend: { labels: { color: c.fg, filter: (item) => !String(item.text).endsWith('(lower)') } },
        // The request/limit lines read as the headline, summary and YAML write them (1100Mi), usage to 3 digits (1.07Gi).
        tooltip: { callbacks: { label: (ctx) => tooltipLabel(p.unit, p.lines, String(ctx.dataset.label), (ctx.raw as { y: number }).y) } },
      },
    },
  });
}

function renderTable(t: TableData, collapsed: boolean, open = false): HTMLElement {
  const table = el('table');
  table.appendChild(el('caption', {}, t.caption));
  const head = table.appendChild(el('thead')).appendChild(el('tr'));
  for (const col of t.columns) head.appendChild(el('th', { scope: 'col' }, col));
  const body = table.appendChild(el('tbody'));
  for (const row of t.rows) {
    const tr = body.appendChild(el('tr'));
    row.forEach((cell, i) => tr.appendChild(el(i === 0 ? 'th' : 'td', i === 0 ? { scope: 'row' } : {}, cell)));
  }
  if (!collapsed) return table;
  const details = el('details');
  details.open = open;
  details.appendChild(el('summary', {}, t.caption));
  details.appendChild(table);
  return details;
}

function currentPanel(data: ForecastViewData): PanelData | undefined {
  return data.panels.find((p) => p.id === state?.panel) ?? data.panels[0];
}

function selectPanel(id: PanelId, focus = false): void {
  const data = state?.data;
  if (!state || !data) return;
  state = { ...state, panel: id };
  vscode.setState(state);
  render(data);
  if (focus) (tabs.querySelector(`[data-panel="${id}"]`) as HTMLElement | null)?.focus();
}

/** Apply and Copy YAML act on the host's current target: only while the data drawn is that target's and has a YAML. */
function setActions(data: ForecastViewData | undefined): void {
  const off = !data?.yaml || previous !== false;
  applyButton.disabled = off;
  copyButton.disabled = off;
}

/**
 * What a re-render (an LSTM update, a theme change, a new target) must give back: the focused tab or table summary and
 * whether the hourly table was open. Rebuilt elements are new nodes: without this, focus fell to BODY and the table shut.
 */
function viewMemory(): { focusTab?: string; focusSummary: boolean; detailsOpen: boolean } {
  const active = document.activeElement as HTMLElement | null;
  return {
    focusTab: active && tabs.contains(active) ? active.dataset.panel : undefined,
    focusSummary: !!active && tables.contains(active) && active.tagName === 'SUMMARY',
    detailsOpen: tables.querySelector('details')?.open ?? false,
  };
}

function render(data: ForecastViewData): void {
  const memory = viewMemory();
  title.textContent = previous ? `${data.title} (${previous === 'recompute' ? 'being recomputed' : 'previous workload'})` : data.title;
  headline.textContent = data.headline;
  riskList.replaceChildren(...(data.risk ?? []).map((line) => el('li', {}, line)));
  riskList.hidden = !data.risk?.length;
  setActions(data);
  const panel = currentPanel(data);
  tabs.replaceChildren();
  data.panels.forEach((p, i) => {
    const selected = p.id === panel?.id;
    const b = tabs.appendChild(el('button', {
      type: 'button', role: 'tab', id: `tab-${p.id}`, 'data-panel': p.id, 'aria-selected': String(selected), 'aria-controls': 'panel', tabindex: selected ? '0' : '-1',
    }, p.title));
    b.addEventListener('click', () => selectPanel(p.id));
    b.addEventListener('keydown', (e) => {
      const d = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
      if (d) selectPanel(data.panels[(i + d + data.panels.length) % data.panels.length].id, true);
    });
  });
  // No panel (under 30 min of history, or no metrics): nothing of the previous workload's chart or tables may stay.
  emptyNote.hidden = panel !== undefined;
  chartBox.hidden = panel === undefined;
  if (panel) {
    panelBox.setAttribute('aria-labelledby', `tab-${panel.id}`);
    renderChart(panel);
    tables.replaceChildren(renderTable(panel.summary, false), renderTable(panel.detail, true, memory.detailsOpen));
  } else {
    panelBox.removeAttribute('aria-labelledby');
    if (chart) { chart.destroy(); chart = undefined; }
    canvas.removeAttribute('aria-label');
    tables.replaceChildren();
  }
  if (memory.focusTab) (tabs.querySelector(`[data-panel="${memory.focusTab}"]`) as HTMLElement | null)?.focus();
  else if (memory.focusSummary) tables.querySelector('summary')?.focus();
  evidenceList.replaceChildren(...(data.evidence ?? []).map((line) => el('li', {}, line)));
  evidenceBox.hidden = !data.evidence?.length;
  notes.replaceChildren(...[`Models run: ${data.modelsRun.join(', ') || 'none'}`, ...data.notes].map((n) => el('li', {}, n)));
}

function show(data: ForecastViewData): void {
  const arrived = performance.now();
  state = { version: PROTOCOL_VERSION, target: data.target, data, panel: state?.target && sameTarget(state, data) && !state.experiment ? state.panel : undefined };
  vscode.setState(state);
  previous = false;
  status.textContent = '';
  setMode('forecast');
  render(data);
  announce(announcement({ type: 'show' }));
  reportRendered({
    phase: 'forecast', panels: data.panels.map((p) => p.id),
    lstmPanels: data.panels.filter((p) => p.forecasts.some((f) => f.model === 'lstm')).map((p) => p.id), workload: data.target.name,
  }, arrived);
}

/** Tells the host what is on screen once the browser has painted it (the next frame, then a task: after its paint). */
function reportRendered(report: RenderedReport, arrived = performance.now()): void {
  requestAnimationFrame(() => setTimeout(() => vscode.postMessage({ type: 'rendered', ...report, drawMs: Math.round(performance.now() - arrived) }), 0));
}

/**
 * The host's target changed (or its recommendation is being recomputed): the data drawn is kept, marked as the previous
 * one (or as being recomputed), its actions off.
 */
function markPrevious(why: 'target' | 'recompute'): void {
  if (previous === why || previous === 'target' || !state?.data || state.experiment) return;
  previous = why;
  render(state.data);
}

/** Sets the live region (cleared first, so the same words said again are announced again). */
function announce(text: string | undefined): void {
  if (text === undefined) return;
  live.textContent = '';
  requestAnimationFrame(() => { live.textContent = text; });
}

function showStatus(message: string, kind: 'loading' | 'error' = 'loading'): void {
  status.textContent = message;
  announce(announcement({ type: kind, message }));
  reportRendered({ phase: 'status', panels: [], lstmPanels: [], status: message });
}

// ---- load experiment results ---------------------------------------------------------------------------------------

let expCharts: Array<{ chart: Chart<'line', { x: number; y: number }[]>; canvas: HTMLCanvasElement; failed: number }> = [];

/** The forecast's header, toolbar, tabs and panel, or the experiment's section: one view, two kinds of content. */
function setMode(mode: 'forecast' | 'experiment'): void {
  const forecast = mode === 'forecast';
  expBox.hidden = forecast;
  panelBox.hidden = !forecast;
  tabs.hidden = !forecast;
  applyButton.hidden = !forecast;
  copyButton.hidden = !forecast;
  // Refresh stays: in an experiment it reads the record again (a run in a terminal keeps writing it).
  if (!forecast) {
    riskList.hidden = true;
    emptyNote.hidden = true;
    evidenceBox.hidden = true;
    if (chart) { chart.destroy(); chart = undefined; }
  } else {
    for (const c of expCharts) c.chart.destroy();
    expCharts = [];
    expBox.replaceChildren();
  }
}

function experimentColor(i: number): string {
  const c = palette();
  return [c.prophet, c.recommended, c.lstm, c.fused, cssVar('--vscode-charts-yellow', '#cca700')][i % 5];
}

function formatExp(unit: ExperimentChart['unit'], x: number): string {
  if (unit === 'cores') return formatValue('cores', x);
  return `${+x.toFixed(unit === 'ms' ? 0 : 1)}`;
}

function renderExperimentChart(box: HTMLElement, ch: ExperimentChart): void {
  const c = palette();
  const width = c.highContrast ? 2.5 : 1.5;
  const replicaCounts = [...new Set(ch.series.map((s) => s.replicas).filter((r): r is number => r !== undefined))].sort((a, b) => a - b);
  let failed = 0;
  const datasets: ChartDataset<'line', { x: number; y: number }[]>[] = ch.series.map((s) => {
    const color = s.role === 'asked' ? c.history : s.role === 'slo' ? c.current : s.role === 'capacity' ? c.recommended : experimentColor(replicaCounts.indexOf(s.replicas ?? 0));
    const marked = s.points.map((p) => p.failed);
    failed += marked.filter(Boolean).length;
    const line = s.role === 'asked' || s.role === 'slo' || s.role === 'capacity';
    return {
      label: s.label, data: s.points.map((p) => ({ x: p.x, y: p.y })), borderColor: color, backgroundColor: color, borderWidth: width,
      borderDash: s.role === 'asked' ? [5, 3] : s.role === 'slo' ? [2, 4] : s.role === 'capacity' ? [8, 4] : s.role === 'p99' ? [4, 2] : [],
      // A cell that failed its quality gate: a large cross in the theme's error colour (left out of capacity).
      pointStyle: marked.map((f) => (f ? 'crossRot' : 'circle')), pointRadius: line ? 0 : marked.map((f) => (f ? 8 : 3)),
      pointBorderColor: marked.map((f) => (f ? c.current : color)), pointBorderWidth: marked.map((f) => (f ? 3 : 1)),
    };
  });
  const wrap = box.appendChild(el('div', { class: 'chart', 'data-chart': ch.id }));
  const cv = wrap.appendChild(el('canvas', { role: 'img', 'aria-label': `${ch.title} per load level; the numbers are in the table below.` }));
  const chartObj = new Chart<'line', { x: number; y: number }[]>(cv, {
    type: 'line',
    data: { datasets },
    options: {
      animation: false, responsive: true, maintainAspectRatio: false, parsing: false,
      interaction: { mode: 'nearest', intersect: false },
      scales: {
        x: { type: 'linear', grid: { color: c.grid }, ticks: { color: c.fg }, title: { display: true, text: 'load level (req/s asked)', color: c.fg } },
        y: { min: 0, grid: { color: c.grid }, ticks: { color: c.fg, callback: (v) => formatExp(ch.unit, Number(v)) }, title: { display: true, text: ch.unit, color: c.fg } },
      },
      plugins: {
        title: { display: true, text: ch.title, color: c.fg },
        legend: { labels: { color: c.fg } },
        tooltip: {
          callbacks: {
            label: (ctx) => {
              const p = ch.series[ctx.datasetIndex]?.points[ctx.dataIndex];
              return `${ctx.dataset.label}: ${formatExp(ch.unit, (ctx.raw as { y: number }).y)}${p?.cell ? ` (${p.cell}${p.failed ? ', failed its quality gate' : ''})` : ''}`;
            },
          },
        },
      },
    },
  });
  expCharts.push({ chart: chartObj, canvas: cv, failed });
}

function currentService(data: ExperimentViewData): ExperimentViewData['services'][number] | undefined {
  return data.services.find((s) => s.service === state?.service) ?? data.services[0];
}

function renderExperiment(data: ExperimentViewData): void {
  setMode('experiment');
  title.textContent = data.title;
  headline.textContent = data.headline;
  for (const c of expCharts) c.chart.destroy();
  expCharts = [];
  const svc = currentService(data);
  const serviceTabs = el('div', { class: 'tabs', role: 'tablist', 'aria-label': 'Service' });
  data.services.forEach((s, i) => {
    const selected = s.service === svc?.service;
    const b = serviceTabs.appendChild(el('button', { type: 'button', role: 'tab', 'data-service': s.service, 'aria-selected': String(selected), tabindex: selected ? '0' : '-1' }, s.service));
    b.addEventListener('click', () => selectService(s.service));
    b.addEventListener('keydown', (e) => {
      const d = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
      if (d) selectService(data.services[(i + d + data.services.length) % data.services.length].service, true);
    });
  });
  tabs.replaceChildren();
  const parts: HTMLElement[] = [serviceTabs];
  if (svc) {
    parts.push(el('p', { class: 'capacity' }, `Capacity: ${svc.capacityText}`));
    const charts = el('div', { class: 'experiment-charts' });
    parts.push(charts);
    expBox.replaceChildren(...parts);
    for (const ch of svc.charts) renderExperimentChart(charts, ch);
    expBox.appendChild(el('div', { class: 'tables' })).appendChild(renderTable(svc.cells, false));
  } else {
    expBox.replaceChildren(...parts);
  }
  notes.replaceChildren(...data.notes.map((n) => el('li', {}, n)));
}

function selectService(service: string, focus = false): void {
  const data = state?.experiment;
  if (!state || !data) return;
  state = { ...state, service };
  vscode.setState(state);
  renderExperiment(data);
  if (focus) (expBox.querySelector(`[data-service="${CSS.escape(service)}"]`) as HTMLElement | null)?.focus();
}

function showExperiment(data: ExperimentViewData): void {
  const service = state?.experiment?.name === data.name ? state.service : undefined;
  state = {
    version: PROTOCOL_VERSION, target: { context: '', namespace: '', kind: 'ExperimentPlan', name: data.name, container: '' }, experiment: data,
    ...(service ? { service } : {}),
  };
  vscode.setState(state);
  previous = false;
  status.textContent = '';
  renderExperiment(data);
}

function paintedPixels(cv: HTMLCanvasElement): number {
  let painted = 0;
  const ctx = cv.getContext('2d');
  if (ctx && cv.width > 0 && cv.height > 0) {
    const img = ctx.getImageData(0, 0, cv.width, cv.height).data;
    for (let i = 3; i < img.length; i += 16) if (img[i] > 0) painted++;
  }
  return painted;
}

function describeExperiment(data: ExperimentViewData): WebviewDescription {
  const ds = expCharts.flatMap((c) => c.chart.data.datasets);
  const svc = currentService(data);
  return {
    panel: null,
    datasets: ds.length,
    points: ds.reduce((s, d) => s + d.data.length, 0),
    paintedPixels: expCharts.reduce((s, c) => s + paintedPixels(c.canvas), 0),
    tableRows: expBox.querySelectorAll('tbody tr').length,
    theme: document.body.className,
    experiment: { service: svc?.service ?? '', charts: expCharts.length, failedPoints: expCharts.reduce((s, c) => s + c.failed, 0), capacity: svc?.capacityText ?? '' },
  };
}

function sameTarget(s: WebviewState, d: ForecastViewData): boolean {
  return JSON.stringify(s.target) === JSON.stringify(d.target);
}

// ---- protocol ------------------------------------------------------------------------------------------------------

function focusedName(): string {
  const a = document.activeElement as HTMLElement | null;
  if (!a) return 'none';
  if (a.dataset.panel) return `tab:${a.dataset.panel}`;
  return a.tagName.toLowerCase();
}

function describe(): WebviewDescription {
  if (state?.experiment) return describeExperiment(state.experiment);
  let painted = 0;
  const ctx = canvas.getContext('2d');
  if (ctx && canvas.width > 0 && canvas.height > 0) {
    const img = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    for (let i = 3; i < img.length; i += 16) if (img[i] > 0) painted++;
  }
  const ds = chart?.data.datasets ?? [];
  const usable = (b: HTMLButtonElement) => !b.disabled && !b.hidden;
  return {
    panel: (state?.data && currentPanel(state.data)?.id) ?? null,
    datasets: ds.length,
    points: ds.reduce((s, d) => s + d.data.length, 0),
    paintedPixels: painted,
    tableRows: tables.querySelectorAll('tbody tr').length,
    theme: document.body.className,
    riskLines: Array.from(riskList.querySelectorAll('li'), (li) => li.textContent ?? ''),
    pageLoadedAt: performance.timeOrigin,
    actions: { apply: usable(applyButton), copyYaml: usable(copyButton), ...(state?.data ? { drawn: state.data.target } : {}), previous: previous !== false },
    yTicks: chart ? (chart.scales.y?.ticks ?? []).map((t) => String(t.label)) : [],
    noPanels: !emptyNote.hidden,
    detailsOpen: tables.querySelector('details')?.open ?? false,
    focused: focusedName(),
    live: live.textContent ?? '',
    evidence: evidenceBox.hidden ? [] : Array.from(evidenceList.querySelectorAll('li'), (li) => li.textContent ?? ''),
  };
}

/** What is drawn, sent with Apply / Copy YAML: the host acts only if it still holds that recommendation. */
function drawnStamp(): DrawnStamp | undefined {
  const d = state?.experiment ? undefined : state?.data;
  return d && !previous ? { target: d.target, generatedAt: d.generatedAt, yaml: d.yaml } : undefined;
}

async function request(command: WebviewCommand): Promise<unknown> {
  const { id, promise } = pending.create();
  const drawn = command === 'apply' || command === 'copyYaml' ? drawnStamp() : undefined;
  const args = { ...(state?.panel ? { panel: state.panel } : {}), ...(drawn ? { drawn } : {}) };
  vscode.postMessage({ type: 'request', id, command, args });
  return promise;
}

async function runButton(button: HTMLButtonElement, command: WebviewCommand, done: (r: unknown) => string): Promise<void> {
  button.disabled = true;
  try {
    status.textContent = done(await request(command));
  } catch (e) {
    status.textContent = (e as Error).message;
  } finally {
    // Apply / Copy YAML come back only if the data drawn is still the current target's.
    if (button === refreshButton) button.disabled = false;
    else setActions(state?.experiment ? undefined : state?.data);
  }
}

applyButton.addEventListener('click', () => void runButton(applyButton, 'apply', (r) => (typeof r === 'string' ? r : 'Applied.')));
copyButton.addEventListener('click', () => void runButton(copyButton, 'copyYaml', () => 'Copied the resources YAML to the clipboard.'));
refreshButton.addEventListener('click', () => void runButton(refreshButton, 'refresh', () => ''));

function onMessage(m: HostToWebview): void {
  switch (m.type) {
    case 'show':
      show(m.data);
      break;
    case 'experiment':
      showExperiment(m.data);
      break;
    case 'loading':
      if (m.newTarget) markPrevious(m.recompute ? 'recompute' : 'target');
      showStatus(m.message);
      break;
    case 'error':
      showStatus(m.message, 'error');
      break;
    case 'request':
      // Only 'describe' exists; answer every request exactly once.
      vscode.postMessage({ type: 'response', id: m.id, ok: true, result: describe() });
      break;
    case 'response':
      pending.settle(m);
      break;
  }
}

window.addEventListener('message', (e: MessageEvent) => {
  const m = parseHostMessage(e.data);
  if (m) onMessage(m);
});

// Theme switches change the body's classes: redraw with the new colours.
new MutationObserver(() => {
  if (state?.experiment) renderExperiment(state.experiment);
  else if (state?.data) render(state.data);
}).observe(document.body, { attributes: true, attributeFilter: ['class'] });

// Ready first: a saved state that fails to draw must not keep the host from sending a fresh forecast.
vscode.postMessage(state ? { type: 'ready', state } : { type: 'ready' });
try {
  if (state?.experiment) renderExperiment(state.experiment);
  else if (state?.data) render(state.data);
  else status.textContent = 'Loading forecast…';
} catch (e) {
  // A bad saved state (an older shape, a hand edit parseWebviewState let through): dropped; the host's `show` follows.
  console.error('MOrA: the saved forecast could not be drawn; dropped', e);
  state = undefined;
  if (chart) { chart.destroy(); chart = undefined; }
  tabs.replaceChildren();
  tables.replaceChildren();
  status.textContent = 'Loading forecast…';
}
