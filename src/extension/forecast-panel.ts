import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as vscode from 'vscode';
import type { Recommendation } from '../core/recommendation';
import type { Workload } from '../core/workload';
import type { DataSource } from '../data/datasource';
import {
  drawnMismatch, parseWebviewMessage, parseWebviewState, PendingRequests, type DrawnStamp, type ExperimentViewData, type ForecastViewData, type HostToWebview, type PanelId, type RenderedReport, type TargetRef,
  type WebviewDescription, type WebviewToHost,
} from '../protocol/forecast';
import type { Log } from './log';
import { recommendationSettings, storedExperiments, type RecommendationStore } from './recommendation-store';
import type { LstmWorkerPool } from '../ml/worker/pool';
import { editorSurface, FORECAST_PANEL_VIEW_ID, forecastLocation, viewSurface, type ForecastSurface } from './forecast-surface';

export const FORECAST_VIEW_TYPE = 'mora.forecast';

/** What a forecast is for: a workload's container (context optional: the first context holding the namespace). */
export interface ForecastTarget {
  context?: string;
  namespace: string;
  kind: string;
  name: string;
  container: string;
}

export interface ForecastHost {
  readonly extension: vscode.ExtensionContext;
  readonly log: Log;
  readonly store: RecommendationStore;
  source(): DataSource;
  /** The LSTM worker pool (created on first use), or undefined when the worker bundle is missing. */
  lstmPool(): LstmWorkerPool | undefined;
}

function nonce(): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let s = '';
  for (let i = 0; i < 32; i++) s += chars[Math.floor(Math.random() * chars.length)];
  return s;
}

/** The panel's HTML: a strict CSP (no inline script, scripts only with this load's nonce), resources only from the bundle folders. */
export function forecastHtml(webview: vscode.Webview, extensionUri: vscode.Uri, location: 'editor' | 'panel' = 'editor'): string {
  const n = nonce();
  const script = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', 'webview.js'));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'webview.css'));
  const csp = [
    "default-src 'none'",
    `img-src ${webview.cspSource} data:`,
    `style-src ${webview.cspSource}`,
    `font-src ${webview.cspSource}`,
    `script-src 'nonce-${n}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style}">
<title>MOrA forecast</title>
</head>
<body data-location="${location}">
<main id="app"></main>
<script nonce="${n}" src="${script}"></script>
</body>
</html>`;
}

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return {
    enableScripts: true,
    // Only the webview bundle and the styles: the host bundles, the worker and the WASM binaries stay out of its reach.
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media')],
  };
}

/**
 * How the forecast panel is created. `retainContextWhenHidden`: a hidden panel keeps its page instead of being torn
 * down and reloaded when shown again. In a browser (code-server, VS Code for the Web) every webview page VS Code creates
 * registers its own service-worker version, and Chromium activates it only a second after the previous one goes idle
 * (docs/BENCHMARKS.md § Forecast view inside VS Code): a reloaded view first painted after ~1.5 s, a kept one is switched
 * in ~0.3 s. One hidden page's memory is the price. A tab the user closed is gone all the same; the bottom panel's view
 * (mora.forecast.location panel, the default) is not (forecast-surface.ts).
 */
export function panelOptions(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  return { ...webviewOptions(extensionUri), enableFindWidget: true, retainContextWhenHidden: true };
}

const sameTarget = (a: TargetRef, b: ForecastTarget) =>
  a.namespace === b.namespace && a.kind.toLowerCase() === b.kind.toLowerCase() && a.name === b.name && a.container === b.container
  && (b.context === undefined || a.context === b.context);

/** One forecast panel: its target, the data it shows and the request bookkeeping of the protocol. */
class ForecastPanel implements vscode.Disposable {
  private readonly pending = new PendingRequests(15_000);
  private readonly disposables: vscode.Disposable[] = [];
  private data: ForecastViewData | undefined;
  private recommendation: Recommendation | undefined;
  /** The store generation (data source and settings) `recommendation` was computed in: Apply refuses it once that changed. */
  private recommendationGeneration = -1;
  private computing: Promise<void> | undefined;
  /**
   * Bumped by everything that makes work under way stale (a new target, an experiment's results, a refresh): a
   * computation or LSTM pass posts and keeps its results only while the generation it started in is current.
   */
  private generation = 0;
  private readyResolve: () => void = () => {};
  /** The webview said `ready` since its HTML was last loaded: messages posted now are heard. */
  private listening = false;
  /** The current generation's forecast failed with this message (the webview gets it on its `ready`). */
  private failed: string | undefined;
  /** Settles once the webview said `ready` (after each load of its HTML). */
  ready: Promise<void>;
  readonly onDispose = new vscode.EventEmitter<void>();
  /** What the webview reports having painted (`rendered`): the view's own clock for "shown" (benchmarks, diagnostics). */
  readonly onRendered = new vscode.EventEmitter<RenderedReport>();
  /** Set while the panel shows a load experiment's results instead of a forecast (see showExperiment). */
  private experiment: ExperimentResults | undefined;

  constructor(readonly panel: ForecastSurface, public target: ForecastTarget, private readonly host: ForecastHost, experiment?: ExperimentResults) {
    this.experiment = experiment;
    this.ready = new Promise((r) => (this.readyResolve = r));
    panel.webview.options = webviewOptions(host.extension.extensionUri);
    this.disposables.push(
      panel.webview.onDidReceiveMessage((m) => void this.onMessage(m)),
      panel.onDidDispose(() => this.dispose()),
      // A webview without retainContextWhenHidden (a panel restored from a session saved before MOrA set it) is torn
      // down when hidden: it redraws from its saved state when shown again and says `ready` once more; requests wait for that.
      panel.onDidHide(() => {
        if (!panel.retainsContext) this.resetReady();
      }),
    );
    this.load();
    // A forecast's computation starts now, not when the webview has loaded and said `ready`: both take a few hundred
    // milliseconds, and the first paint needs both.
    if (!experiment) void this.compute();
  }

  private resetReady(): void {
    this.listening = false;
    this.ready = new Promise((r) => (this.readyResolve = r));
  }

  private load(): void {
    this.resetReady();
    this.panel.title = this.experiment ? experimentTitle(this.experiment.data) : `Forecast: ${this.target.name}/${this.target.container}`;
    this.panel.webview.html = forecastHtml(this.panel.webview, this.host.extension.extensionUri, this.panel.location);
  }

  /**
   * Keeps `data` as what the view shows, and posts it if the webview listens; otherwise its `ready` gets it. Nothing
   * waits for the webview: a page that never says `ready` does not hold a computation (or `settled()`) open.
   */
  private async showData(data: ForecastViewData): Promise<void> {
    this.data = data;
    if (this.listening) await this.post({ type: 'show', data });
  }

  retarget(target: ForecastTarget): void {
    if (this.experiment) {
      // Back from an experiment's results to a forecast: the forecast (kept or not) is shown again.
      this.experiment = undefined;
      this.data = undefined;
    }
    if (this.data && sameTarget(this.data.target, target)) return;
    this.generation++;
    this.cancelLstm();
    this.target = target;
    this.data = undefined;
    this.recommendation = undefined;
    this.panel.title = `Forecast: ${target.name}/${target.container}`;
    // The view keeps drawing the previous target's data (marked) with its Apply / Copy YAML off until this one's arrives.
    void this.post({ type: 'loading', message: `Forecasting ${target.name}/${target.container}…`, newTarget: true });
    void this.compute();
  }

  private post(m: HostToWebview): Thenable<boolean> {
    // Work started for this view (a forecast, a worker's progress) can finish after the user closed it; the message then
    // has nowhere to go, and `webview` of a disposed panel throws.
    if (this.disposed) return Promise.resolve(false);
    return this.panel.webview.postMessage(m);
  }

  private disposed = false;

  private async onMessage(raw: unknown): Promise<void> {
    const m: WebviewToHost | undefined = parseWebviewMessage(raw);
    if (!m) {
      this.host.log.warn('Forecast view sent an unknown message; ignored.');
      return;
    }
    if (m.type === 'response') {
      this.pending.settle(m);
      return;
    }
    if (m.type === 'rendered') {
      const { type: _, ...report } = m;
      this.onRendered.fire(report);
      return;
    }
    if (m.type === 'ready') {
      this.listening = true;
      this.readyResolve();
      if (this.experiment) {
        await this.post({ type: 'experiment', data: this.experiment.data });
        return;
      }
      // A restored panel already drew its saved data; it is refreshed in the background with a new forecast.
      if (this.data) await this.post({ type: 'show', data: this.data });
      else if (this.failed !== undefined) await this.post({ type: 'error', message: this.failed });
      else void this.compute();
      return;
    }
    try {
      // From the webview, Apply / Copy YAML carry what was drawn (none: refused); the test API's presses carry nothing.
      const result = await this.handle(m.command, { drawn: m.args?.drawn });
      await this.post({ type: 'response', id: m.id, ok: true, result });
    } catch (e) {
      await this.post({ type: 'response', id: m.id, ok: false, error: (e as Error).message });
    }
  }

  /**
   * Answers a webview request (also the test API's way to press the webview's buttons). `pressed`: the press came from
   * the webview, with the stamp of what it drew (if anything): Apply / Copy YAML then act only on that recommendation,
   * never wait for another (a Refresh or retarget between the paint and the press) and act on values never shown.
   */
  async handle(command: 'apply' | 'copyYaml' | 'refresh' | 'ping', pressed?: { drawn?: DrawnStamp }): Promise<unknown> {
    switch (command) {
      case 'ping':
        return 'pong';
      case 'refresh':
        if (this.experiment) return this.reloadExperiment();
        return this.refresh(`Recomputing ${this.target.name}/${this.target.container}…`);
      case 'copyYaml': {
        if (pressed) this.checkDrawn(pressed.drawn);
        else await this.whenComputed();
        if (!this.data?.yaml) throw new Error('No recommendation to copy.');
        await vscode.env.clipboard.writeText(this.data.yaml);
        return this.data.yaml;
      }
      case 'apply': {
        if (pressed) this.checkDrawn(pressed.drawn);
        else await this.whenComputed();
        if (!this.recommendation) throw new Error('No recommendation to apply.');
        if (this.recommendationGeneration !== this.host.store.currentGeneration()) {
          throw new Error('The data source or the settings changed since this recommendation was computed: the view is recomputing it; apply once it is shown.');
        }
        const result = await vscode.commands.executeCommand<string | undefined>('mora.applyRecommendation', { recommendation: this.recommendation, container: this.target.container });
        return result ?? 'Nothing applied.';
      }
    }
  }

  /** A press from the webview acts only on the recommendation it drew, and only once that is computed (else refused). */
  private checkDrawn(drawn: DrawnStamp | undefined): void {
    const refusal = this.recommendation ? drawnMismatch(drawn, this.data) : drawnMismatch(undefined, undefined);
    if (refusal) throw new Error(refusal);
  }

  /**
   * What is drawn, and a computation under way (it may have read the settings before they changed), are stale: the
   * running one discards its results and chains to a new one, which this waits for; else a new one starts. The view is
   * told at once (`loading`, as for a new target): its Apply / Copy YAML go off until the new recommendation is drawn.
   */
  private async refresh(message: string): Promise<undefined> {
    this.generation++;
    this.cancelLstm();
    this.data = undefined;
    this.recommendation = undefined;
    void this.post({ type: 'loading', message, newTarget: true, recompute: true });
    await (this.computing ?? this.compute());
    return undefined;
  }

  /** The store was cleared (data source or settings changed): what is drawn is marked stale, its Apply off, and recomputed. */
  async sourceChanged(): Promise<void> {
    if (this.experiment || this.disposed) return;
    await this.refresh(`Recomputing ${this.target.name}/${this.target.container} for the current data source and settings…`);
  }

  async whenComputed(): Promise<void> {
    if (!this.recommendation) await this.compute();
  }

  /** Settles when no forecast computation (phase 1, and the ones it chains to for a newer generation) is under way. */
  settled(): Promise<void> {
    return this.computing ?? Promise.resolve();
  }

  /**
   * Phase 1: Prophet + fused (Prophet anchored on the seasonal baseline) and the engine's recommendation, shown within a second.
   * Phase 2 (background): the LSTM trains in a worker thread for CPU and memory; the view updates when it is done.
   * `compute` resolves after phase 1.
   */
  compute(): Promise<void> {
    if (this.computing) return this.computing;
    const target = this.target;
    const generation = this.generation;
    // Noted before the settings are read: a store cleared since (settings or data source changed) means old settings.
    const storeGeneration = this.host.store.currentGeneration();
    // Retargeted, an experiment shown instead, refreshed, the store cleared or the view closed since this started: its
    // results go nowhere (a newer generation's computation follows this one).
    const stale = (): boolean => generation !== this.generation || storeGeneration !== this.host.store.currentGeneration()
      || this.disposed || this.experiment !== undefined;
    this.cancelLstm();
    this.failed = undefined;
    this.computing = (async () => {
      try {
        await this.phase1(target, generation, storeGeneration, stale);
      } finally {
        this.computing = undefined;
      }
      // Retargeted or refreshed while this ran (compute() then returned this run): the current generation's turn. Here,
      // not in phase1: its early returns (stale) must reach this too (they skipped it, and the new target was never computed).
      if (stale() && !this.disposed && !this.experiment) await this.compute();
    })();
    return this.computing;
  }

  /** Phase 1 of `compute` (never throws: an error is logged and shown); returns early once `stale`. */
  private async phase1(target: ForecastTarget, generation: number, storeGeneration: number, stale: () => boolean): Promise<void> {
    try {
      const source = this.host.source();
      const workload = await findWorkload(source, target);
      const views = require('../views/forecast-model') as typeof import('../views/forecast-model');
      const { buildForecastView, DEFAULT_FORECAST_VIEW_OPTIONS } = views;
      // The recommendation drawn is computed as the tree's and the CodeLenses' are (same settings, model and experiments):
      // the store's own when it has one (not one read from the cluster), so the engine does not run again on this thread.
      const settings = recommendationSettings();
      const stored = this.host.store.treeSource().get(workload);
      const base = {
        ...DEFAULT_FORECAST_VIEW_OPTIONS, policy: settings.policy, model: settings.model, experiments: storedExperiments(this.host.log),
        // With fused, mora.fusion.prophetWeight's weights (recommendSettings), so the lines drawn are the tree's numbers.
        modelOptions: settings.modelOptions,
        // The recommendation drawn, when the store has none, forecasts with Train Models' LSTMs as the store's would
        // (mora.forecastModel fused: the container's saved model or no LSTM, never a training; RecommendRequest.savedLstmRoot).
        savedLstmRoot: join(this.host.extension.globalStorageUri.fsPath, 'models'),
        recommendation: stored && !stored.origin ? stored : undefined,
      };
      const pool = this.host.lstmPool();
      const t0 = Date.now();
      // Prophet and the fusion run in a worker, ahead of any training queued there: the editor never waits on them.
      const { data, recommendation } = await buildForecastView(source, workload, target.container, {
        ...base, panelRunner: pool ? workerPanels(pool, undefined, [], true) : views.inProcessPanels(fusionProphetWeight),
      });
      if (stale()) return;
      this.host.log.info(`Forecast for ${workload.name}/${target.container}: ${data.modelsRun.join(', ')} in ${Date.now() - t0} ms.`);
      this.recommendation = recommendation;
      this.recommendationGeneration = storeGeneration;
      // Computed with settings the store has since dropped (cleared): not put back (the refresh recomputes).
      if (recommendation && recommendation !== stored) this.host.store.merge(recommendation, storeGeneration);
      // The computation started with the panel, while its webview loads: shown now if it listens, else on its `ready`.
      await this.showData(data);
      void this.withLstm(source, workload, target, generation, { ...base, recommendation });
    } catch (e) {
      const message = `MOrA could not forecast ${target.name}/${target.container}: ${(e as Error).message}`;
      this.host.log.error(message, e);
      // Said now if the webview listens, else on its `ready` (nothing here waits for it).
      if (stale()) return;
      this.failed = message;
      if (this.listening) await this.post({ type: 'error', message });
    }
  }

  private async withLstm(source: DataSource, workload: Workload, target: ForecastTarget, generation: number, options: import('../views/forecast-model').ForecastViewOptions): Promise<void> {
    const views = require('../views/forecast-model') as typeof import('../views/forecast-model');
    const pool = this.host.lstmPool();
    const jobs: Cancellable[] = [];
    let cancelled = false;
    this.cancelLstm = () => {
      cancelled = true;
      for (const j of jobs) j.cancel();
    };
    const stale = (): boolean => cancelled || generation !== this.generation || this.experiment !== undefined || this.disposed;
    const show = async (what: string, t0: number, data: ForecastViewData): Promise<void> => {
      this.host.log.info(`${what} for ${workload.name}/${target.container} in ${Date.now() - t0} ms.`);
      await this.showData(data);
    };
    const allPanels: PanelId[] = ['cpu', 'memory', 'requests', 'replicas'];
    if (!pool) {
      // No worker bundle: the cluster's global model on this thread, else MOrA's warm start, if there is one; no per-series training.
      const why: string[] = [];
      const warn = (line: string): void => { this.host.log.warn(line); if (/global LSTM .* not used$/.test(line)) why.push(`${line}.`); };
      const warmStart = require('../ml/lstm/warm-start') as typeof import('../ml/lstm/warm-start');
      // The series' end, for the global model's age rule (a cluster model too old for it is not used: the warm start instead).
      const historyEnd = await source.historyRange({ workload }).then((r) => r.to, () => undefined);
      const global = views.cachedGlobalLstm(source.kind, workload.context, options.bucket, warn, undefined, historyEnd) ?? (warmStartSetting() ? warmStart.loadWarmStart(options.bucket, warn) : undefined);
      if (!global) return;
      try {
        const t0 = Date.now();
        const { data } = await views.buildForecastView(source, workload, target.container, {
          ...options, lstm: views.globalLstmRunner(global), lstmPanels: allPanels,
          lstmNote: [...why, views.globalLstmNote(global)].join(' '), panelRunner: views.inProcessPanels(fusionProphetWeight),
        });
        if (!stale()) await show('Global LSTM forecasts', t0, data);
      } catch (e) {
        this.host.log.warn(`Global LSTM for ${workload.name}/${target.container} failed: ${(e as Error).message}`);
      }
      return;
    }
    // The cluster's global LSTM, when `mora recommend -m fused` or `mora demo -m fused` trained one (the store never trains
    // one): no training, all four panels, at once. The worker reads it from the cache (the host only checks that the file is there).
    const cache = require('../ml/lstm/global-cache') as typeof import('../ml/lstm/global-cache');
    const dir = cache.globalModelDir(source.kind, workload.context);
    /** Why the cluster's global model was not used (e.g. too old for this series), for the per-series run's notes. */
    const fallback: string[] = [];
    if (existsSync(join(dir, cache.GLOBAL_MODEL_FILE))) {
      try {
        const t0 = Date.now();
        const { data } = await views.buildForecastView(source, workload, target.container, {
          ...options, lstmPanels: allPanels, panelRunner: this.withSavedModels(workload, target.container, (results) => workerPanels(pool, { kind: 'global', dir, results }, jobs)),
        });
        if (!stale()) await show('Global LSTM forecasts', t0, data);
        return;
      } catch (e) {
        if (stale()) return;
        this.host.log.warn(`Global LSTM for ${workload.name}/${target.container} not used (${(e as Error).message}); training per series`);
        fallback.push(`LSTM: the cluster's global model was not used (${(e as Error).message}); trained per series.`);
      }
    } else {
      // A cluster with no global model yet: MOrA's shipped warm start, zero shot, instead of waiting for per-series training
      // (about as accurate on the held-out clusters measured; docs/BENCHMARKS.md § Warm start). Off: the setting
      // mora.lstm.warmStart, or MORA_LSTM_WARM_START=0.
      const warmStart = require('../ml/lstm/warm-start') as typeof import('../ml/lstm/warm-start');
      const path = warmStartSetting() && warmStart.warmStartEnabled() ? warmStart.warmStartPath() : undefined;
      if (path) {
        try {
          const t0 = Date.now();
          const { data } = await views.buildForecastView(source, workload, target.container, {
            ...options, lstmPanels: allPanels, panelRunner: this.withSavedModels(workload, target.container, (results) => workerPanels(pool, { kind: 'global', dir: dirname(path), results }, jobs)),
          });
          if (!stale()) await show('Warm-start LSTM forecasts', t0, data);
          return;
        } catch (e) {
          if (stale()) return;
          this.host.log.warn(`Warm-start LSTM for ${workload.name}/${target.container} not used (${(e as Error).message}); training per series`);
        }
      }
    }
    // Per series, in the worker pool, with progress in the view (except where Train Models saved a model that fits); then
    // the panels' models once more with those forecasts.
    const perSeries = this.withSavedModels(workload, target.container, (saved) => async (frame, opts) => {
      const panels = require('../views/forecast-panels') as typeof import('../views/forecast-panels');
      const results: Partial<Record<PanelId, import('../views/forecast-panels').LstmRunResult>> = { ...saved };
      const failed: string[] = [];
      const horizon = panels.horizonSteps(opts);
      let n = 0;
      for (const id of opts.lstmPanels) {
        if (saved[id]) continue;
        const spec = panels.PANELS.find((p) => p.id === id);
        const history = spec && panels.panelHistory(spec, frame, opts.bucket);
        if (!spec || !history || history.t.length < 2) continue;
        if (stale()) throw new Error('cancelled');
        const i = ++n;
        const job = pool.train(history.t, history.v, horizon, {}, (p) => {
          if (!stale()) void this.post({ type: 'loading', message: `LSTM training in a worker thread: epoch ${p.epoch}/${p.epochs} (${i} of ${opts.lstmPanels.length})…` });
        }, true);
        jobs.push(job);
        try {
          results[id] = await job.result;
        } catch (e) {
          if (stale()) throw e;
          failed.push(`${spec.title}: LSTM failed: ${(e as Error).message}`);
        }
      }
      const r = await workerPanels(pool, { kind: 'trained', results }, jobs)(frame, opts);
      return { ...r, notes: [...r.notes, ...fallback, ...failed] };
    });
    try {
      const t0 = Date.now();
      const { data } = await views.buildForecastView(source, workload, target.container, { ...options, panelRunner: perSeries });
      if (!stale()) await show(`LSTM forecasts (${pool.backend ?? 'worker'})`, t0, data);
    } catch (e) {
      if (!stale()) this.host.log.warn(`LSTM for ${workload.name}/${target.container} failed: ${(e as Error).message}`);
    }
  }

  /**
   * A panel runner that first forecasts, on this thread and without training, the panels whose container has an LSTM
   * Train Models saved that fits the panel's series (src/ml/lstm/saved-series.ts: same step and window, trained before
   * this view's holdout, not stale), then runs `run` with those results for the rest. The view's notes (and the log) say
   * which panels used a saved model, and why one that exists was not used.
   */
  private withSavedModels(workload: Workload, container: string, run: (saved: Partial<Record<PanelId, import('../views/forecast-panels').LstmRunResult>>) => import('../views/forecast-model').PanelRunner): import('../views/forecast-model').PanelRunner {
    return async (frame, opts) => {
      const panels = require('../views/forecast-panels') as typeof import('../views/forecast-panels');
      const savedSeries = require('../ml/lstm/saved-series') as typeof import('../ml/lstm/saved-series');
      const root = join(this.host.extension.globalStorageUri.fsPath, 'models');
      const saved: Partial<Record<PanelId, import('../views/forecast-panels').LstmRunResult>> = {};
      const notes: string[] = [];
      for (const id of opts.lstmPanels) {
        const spec = panels.PANELS.find((p) => p.id === id);
        if (!spec || !SAVED_METRICS.includes(spec.metric)) continue;
        const file = savedSeries.savedSeriesModelPath(root, workload, container, spec.metric);
        if (!existsSync(file)) continue;
        const history = panels.panelHistory(spec, frame, opts.bucket);
        if (!history || history.t.length < 2) continue;
        const r = savedSeries.runSavedSeriesLstm(file, history, panels.horizonSteps(opts));
        if (r.used) {
          saved[id] = { forecast: r.forecast, holdout: r.holdout };
          notes.push(`${spec.title}: ${r.note}.`);
        } else notes.push(`${spec.title}: the LSTM saved by Train Models was not used: ${r.reason}.`);
      }
      if (notes.length) this.host.log.info(`Forecast for ${workload.name}/${container}: ${notes.join(' ')}`);
      const r = await run(saved)(frame, opts);
      return { ...r, notes: [...r.notes, ...notes] };
    };
  }

  private cancelLstm: () => void = () => {};

  /** Sends a request to the webview and waits for its response (tests: the chart really rendered). */
  async describe(): Promise<WebviewDescription> {
    await this.ready;
    const { id, promise } = this.pending.create();
    await this.post({ type: 'request', id, command: 'describe' });
    return (await promise) as WebviewDescription;
  }

  currentData(): ForecastViewData | undefined {
    return this.data;
  }

  /** Shows a load experiment's results in this panel (its forecast work stops; showing a forecast again recomputes). */
  async showExperiment(results: ExperimentResults): Promise<void> {
    this.generation++;
    this.cancelLstm();
    this.experiment = results;
    this.panel.title = experimentTitle(results.data);
    await this.post({ type: 'experiment', data: results.data });
  }

  currentExperiment(): ExperimentViewData | undefined {
    return this.experiment?.data;
  }

  /** Reads the experiment's record again (it grows while a plan runs, and a resumed run rewrites it). */
  private async reloadExperiment(): Promise<undefined> {
    const results = this.experiment;
    if (!results?.reload) return undefined;
    results.data = results.reload();
    await this.post({ type: 'experiment', data: results.data });
    return undefined;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    // A computation waiting for the webview to listen ends (it checks `disposed`) instead of waiting forever.
    this.readyResolve();
    this.cancelLstm();
    this.pending.dispose();
    for (const d of this.disposables) d.dispose();
    this.panel.dispose();
    this.onDispose.fire();
    this.onDispose.dispose();
    this.onRendered.dispose();
  }
}

/** A load experiment's results for the panel, and how to read them again (Refresh, settings changes). */
export interface ExperimentResults {
  data: ExperimentViewData;
  reload?: () => ExperimentViewData;
}

interface Cancellable { cancel(): void }

/** mora.fusion.prophetWeight, read as each forecast is computed (the worker pool reads it the same way: extension.ts). */
const fusionProphetWeight = (): number | undefined => vscode.workspace.getConfiguration('mora').get<number>('fusion.prophetWeight');

/**
 * Runs the forecast view's panel models in the worker pool (job `view-panels`), the LSTM member as `lstm` says; the job
 * joins `jobs` so closing or retargeting the view cancels it. `urgent`: ahead of queued training (the first paint).
 */
function workerPanels(pool: LstmWorkerPool, lstm: import('../ml/worker/protocol').ViewPanelsJob['lstm'], jobs: Cancellable[], urgent = false): import('../views/forecast-model').PanelRunner {
  return (frame, options) => {
    // Only the four metrics the panels draw cross to the worker (a structured-clone copy made on this thread).
    const { panelFrame } = require('../views/forecast-panels') as typeof import('../views/forecast-panels');
    const job = pool.viewPanels(panelFrame(frame), { bucket: options.bucket, horizonHours: options.horizonHours, seed: options.seed, lstmPanels: options.lstmPanels }, lstm, urgent);
    jobs.push(job);
    return job.result;
  };
}

/** The metrics Train Models saves a per-container LSTM for (pipeline-commands.ts). */
const SAVED_METRICS: readonly string[] = ['cpu_usage', 'memory_working_set'];

function experimentTitle(data: ExperimentViewData): string {
  return `Experiment: ${data.name}`;
}

/** The target a panel showing an experiment carries (the protocol's state needs one; nothing is forecast for it). */
export function experimentPlaceholderTarget(data: ExperimentViewData): ForecastTarget & TargetRef {
  return { context: '', namespace: '', kind: 'ExperimentPlan', name: data.name, container: '' };
}

async function findWorkload(source: DataSource, target: ForecastTarget): Promise<Workload> {
  const contexts = target.context ? [target.context] : await source.contexts();
  for (const context of contexts) {
    if (!(await source.namespaces(context)).includes(target.namespace)) continue;
    const w = (await source.workloads(context, target.namespace)).find((x) => x.kind.toLowerCase() === target.kind.toLowerCase() && x.name === target.name);
    if (w) {
      if (!w.containers.some((c) => c.name === target.container)) {
        throw new Error(`${w.kind} ${w.name} has no container "${target.container}" (containers: ${w.containers.map((c) => c.name).join(', ')})`);
      }
      return w;
    }
  }
  throw new Error(`no ${target.kind} ${target.namespace}/${target.name} in the ${source.kind} data source`);
}

/**
 * The forecast view (one, reused), in an editor tab or the bottom panel (`mora.forecast.location`), and what brings it
 * back after a restart: the editor tab's serializer (`onWebviewPanel:mora.forecast`), the bottom view's saved state.
 */
export class ForecastPanels implements vscode.Disposable {
  private current: ForecastPanel | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly rendered = new vscode.EventEmitter<RenderedReport>();
  /** The current panel's `rendered` reports, whichever panel that is. */
  readonly onRendered = this.rendered.event;
  /** The bottom panel's view once VS Code resolved it (it does so when the view is first shown). */
  private view: vscode.WebviewView | undefined;
  private viewWaiters: Array<(v: vscode.WebviewView) => void> = [];

  constructor(private readonly host: ForecastHost) {
    this.disposables.push(vscode.window.registerWebviewPanelSerializer(FORECAST_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, state) => {
        const saved = parseWebviewState(state);
        if (!saved) {
          panel.dispose();
          return;
        }
        this.adopt(new ForecastPanel(editorSurface(panel, host.extension.extensionUri), saved.target, host, saved.experiment ? { data: saved.experiment } : undefined));
      },
    }));
    // The data source (demo/cluster, kubeconfig, Prometheus) or a setting the recommendations use changed: the store was
    // cleared, and what the view draws (and would apply) belongs to the old one. It recomputes against the current source
    // (a view restored at startup, computed against the demo before the cluster source was built, recovers this way).
    this.disposables.push(host.store.onDidClear(() => {
      this.current?.sourceChanged().catch((e) => host.log.warn(`The forecast view could not recompute: ${(e as Error).message}`));
    }));
    this.disposables.push(vscode.window.registerWebviewViewProvider(FORECAST_PANEL_VIEW_ID, {
      resolveWebviewView: (view, context) => this.resolveView(view, context.state),
    }, { webviewOptions: { retainContextWhenHidden: true } }));
  }

  private resolveView(view: vscode.WebviewView, state: unknown): void {
    this.view = view;
    view.webview.options = webviewOptions(this.host.extension.extensionUri);
    view.onDidDispose(() => {
      if (this.view === view) this.view = undefined;
      if (this.current?.panel.location === 'panel') this.current.dispose();
    });
    const waiters = this.viewWaiters;
    this.viewWaiters = [];
    if (waiters.length > 0) {
      for (const w of waiters) w(view);
      return;
    }
    // Shown by the user (or restored with the window) before any workload was picked: the last one it showed, or a hint.
    const saved = parseWebviewState(state);
    if (saved) this.adopt(new ForecastPanel(viewSurface(view), saved.target, this.host, saved.experiment ? { data: saved.experiment } : undefined));
    else view.webview.html = placeholderHtml();
  }

  /** The bottom panel's view, shown (VS Code resolves it on first show). */
  private async shownView(preserveFocus: boolean): Promise<vscode.WebviewView> {
    if (this.view) {
      this.view.show(preserveFocus);
      return this.view;
    }
    const resolved = new Promise<vscode.WebviewView>((r) => this.viewWaiters.push(r));
    await vscode.commands.executeCommand(`${FORECAST_PANEL_VIEW_ID}.focus`, { preserveFocus });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('VS Code did not open the forecast view in the panel within 30 s; set mora.forecast.location to "editor" to open it as an editor tab')), 30_000);
    });
    try {
      return await Promise.race([resolved, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private adopt(p: ForecastPanel): ForecastPanel {
    if (this.current !== p) this.current?.dispose();
    this.current = p;
    p.onDispose.event(() => {
      if (this.current === p) this.current = undefined;
    });
    p.onRendered.event((r) => this.rendered.fire(r));
    return p;
  }

  /** The view where the setting says, reused when it is already there (a changed setting moves it on the next show). */
  private reusable(): ForecastPanel | undefined {
    if (this.current && this.current.panel.location !== forecastLocation()) this.current.dispose();
    return this.current;
  }

  async show(target: ForecastTarget): Promise<ForecastPanel> {
    const current = this.reusable();
    if (current) {
      current.retarget(target);
      current.panel.reveal(false);
      return current;
    }
    if (forecastLocation() === 'panel') {
      return this.adopt(new ForecastPanel(viewSurface(await this.shownView(false)), target, this.host));
    }
    const panel = vscode.window.createWebviewPanel(FORECAST_VIEW_TYPE, `Forecast: ${target.name}/${target.container}`, vscode.ViewColumn.Beside,
      panelOptions(this.host.extension.extensionUri));
    return this.adopt(new ForecastPanel(editorSurface(panel, this.host.extension.extensionUri), target, this.host));
  }

  get panel(): ForecastPanel | undefined {
    return this.current;
  }

  /** Opens (or reuses) the forecast view for a load experiment's results; `reveal` false updates it without taking the focus. */
  async showExperiment(results: ExperimentResults, reveal = true): Promise<ForecastPanel> {
    const current = this.reusable();
    if (current) {
      await current.showExperiment(results);
      if (reveal) current.panel.reveal(false);
      return current;
    }
    if (forecastLocation() === 'panel') {
      return this.adopt(new ForecastPanel(viewSurface(await this.shownView(!reveal)), experimentPlaceholderTarget(results.data), this.host, results));
    }
    const panel = vscode.window.createWebviewPanel(FORECAST_VIEW_TYPE, experimentTitle(results.data), { viewColumn: vscode.ViewColumn.Beside, preserveFocus: !reveal },
      panelOptions(this.host.extension.extensionUri));
    return this.adopt(new ForecastPanel(editorSurface(panel, this.host.extension.extensionUri), experimentPlaceholderTarget(results.data), this.host, results));
  }

  dispose(): void {
    this.current?.dispose();
    for (const d of this.disposables) d.dispose();
    this.rendered.dispose();
  }
}

/** The bottom view before a workload is picked: no script, nothing to load. */
function placeholderHtml(): string {
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="UTF-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'"><title>MOrA forecast</title></head>
<body style="font-family: var(--vscode-font-family); color: var(--vscode-descriptionForeground); padding: 1em">
<p>Pick a workload's container in the MOrA tree and choose <em>Show Forecast</em> to see its history, the Prophet, LSTM and fused forecasts, and the recommendation's evidence here.</p>
</body>
</html>`;
}

/** `mora.lstm.warmStart`: MOrA's shipped LSTM for a cluster without a model of its own (default on). */
export function warmStartSetting(): boolean {
  return vscode.workspace.getConfiguration('mora').get<boolean>('lstm.warmStart', true) !== false;
}
