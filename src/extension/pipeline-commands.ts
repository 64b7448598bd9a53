/**
 * The pipeline commands: LSTM training for workloads and the Prometheus token (load experiments: experiment-commands.ts).
 * Each shows progress and can be cancelled; nothing that sends traffic runs in an untrusted workspace.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Workload, WorkloadRef } from '../core/workload';
import type { TreeNode } from '../views/tree-model';
import type { MoraContext } from './context';
import { registerCommand } from './register';
import { setPrometheusHeaders, setPrometheusToken } from './prometheus-token';
import { settingCheck } from '../views/recommend-settings';

function requireTrust(what: string): void {
  if (!vscode.workspace.isTrusted) {
    throw new Error(`${what} sends traffic to your services and cluster, which is disabled in Restricted Mode. Trust this workspace to use it.`);
  }
}

/** Workloads a command applies to: the tree node's (a workload, or every workload of a namespace), else a quick pick. */
async function targetWorkloads(mora: MoraContext, arg: unknown, title: string): Promise<Workload[]> {
  const node = arg as Partial<TreeNode> | undefined;
  const source = mora.source;
  if (node?.workload) {
    const all = await source.workloads(node.workload.context, node.workload.namespace);
    return all.filter((w) => w.name === node.workload!.name && w.kind === node.workload!.kind);
  }
  if (node?.kind === 'namespace' && node.namespace && node.context) return source.workloads(node.context, node.namespace);
  const items: Array<vscode.QuickPickItem & { workload: Workload }> = [];
  for (const c of await source.contexts()) {
    for (const ns of await source.namespaces(c)) {
      for (const w of await source.workloads(c, ns)) items.push({ label: w.name, description: `${w.kind} · ${ns} · ${c}`, workload: w });
    }
  }
  const picked = await vscode.window.showQuickPick(items, { title, canPickMany: true });
  return picked?.map((p) => p.workload) ?? [];
}

/** Where a model is saved: the place Show Forecast looks for it (src/ml/lstm/saved-series.ts; loaded with the training). */
function modelFile(mora: MoraContext, w: WorkloadRef, container: string, metric: string): string {
  const { savedSeriesModelPath } = require('../ml/lstm/saved-series') as typeof import('../ml/lstm/saved-series');
  return savedSeriesModelPath(path.join(mora.extension.globalStorageUri.fsPath, 'models'), w, container, metric);
}

/**
 * The sentence after Train Models. Its models (per container and metric, and the workload model) are TF.js artefacts
 * with their validation scores. Show Forecast uses a container's CPU and memory models instead of training or the
 * global LSTM for those panels while they fit the series (src/ml/lstm/saved-series.ts), and says so in its notes. With
 * mora.forecastModel fused, the recommendations in the tree, CodeLenses and hovers use them under the same rules
 * (RecommendRequest.savedLstmRoot: the saved model or no LSTM, never a training), and the trained workloads' entries are
 * recomputed at once (RecommendationStore.refreshWorkloads). The workload model is not read back.
 */
export function trainedModelsMessage(count: number, dir: string): string {
  const { SAVED_SERIES_MAX_AGE_DAYS } = require('../ml/lstm/saved-series') as typeof import('../ml/lstm/saved-series');
  return `MOrA: trained ${count} LSTM model(s), saved as TF.js artefacts with their validation scores (see the MOrA output) under ${dir}. `
    + `Show Forecast uses the CPU and memory models for their panels, without training, for up to ${SAVED_SERIES_MAX_AGE_DAYS} days (its notes say so); `
    + 'with mora.forecastModel set to fused, so do the recommendations in the tree, CodeLenses and hovers (these workloads\' are recomputed now), under the same rules.';
}

export function registerPipelineCommands(mora: MoraContext): void {
  const { extension, log } = mora;
  const reg = (id: string, fn: (...args: unknown[]) => unknown) => registerCommand(extension, log, id, fn);

  /** Trains the LSTM on CPU and memory of each container, in worker threads, and saves the models with their scalers. */
  // The second argument (programmatic callers, tests) may shrink training, e.g. { epochs: 2, maxWindows: 128 }.
  reg('mora.trainModels', async (arg, lstmOptions) => {
    if (mora.source.kind !== 'demo') requireTrust('Training reads your cluster\'s metrics and');
    const workloads = await targetWorkloads(mora, arg, 'MOrA: train models for…');
    if (workloads.length === 0) return [];
    const pool = mora.lstmPool();
    if (!pool) throw new Error('The LSTM worker bundle (dist/worker.js) is missing: rebuild the extension (npm run build).');
    const { saveModel } = require('../ml/lstm/persist') as typeof import('../ml/lstm/persist');
    const { savedSeriesTrainingHistory } = require('../ml/lstm/saved-series') as typeof import('../ml/lstm/saved-series');
    const { trainingFrames } = require('../pipeline/training-frames') as typeof import('../pipeline/training-frames');
    const { PANELS, horizonSteps, panelHistory } = require('../views/forecast-panels') as typeof import('../views/forecast-panels');
    const { DEFAULT_FORECAST_VIEW_OPTIONS } = require('../views/forecast-model') as typeof import('../views/forecast-model');
    const metrics = ['cpu_usage', 'memory_working_set'] as const;
    // Per container: a CPU and a memory model; per workload: one workload model (on its first container's frame).
    const total = workloads.reduce((n, w) => n + w.containers.length * metrics.length + (w.containers.length ? 1 : 0), 0);
    const saved: Array<{ file: string; mae: number; baselineMae: number }> = [];
    // Workloads with a new CPU or memory model: their recommendations (mora.forecastModel fused) are recomputed with it,
    // also when other trainings failed or the rest was cancelled.
    const trained = new Set<Workload>();
    const train = () => vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'MOrA: training LSTM models', cancellable: true }, async (progress, token) => {
      const handles: Array<{ cancel(): void }> = [];
      const abort = new AbortController();
      token.onCancellationRequested(() => { abort.abort(); handles.forEach((h) => h.cancel()); });
      let done = 0;
      const cfg = vscode.workspace.getConfiguration('mora');
      // The margin the recommendations use: an invalid mora.safetyMargin is its default here too (the warning is the store's).
      const margin = settingCheck('safetyMargin', cfg.get<unknown>('safetyMargin')).value;
      const trainings: Array<Promise<void>> = [];
      // Collected by allSettled once every read is done; a training that fails before then is not an unhandled rejection.
      const add = (p: Promise<void>) => { p.catch(() => undefined); trainings.push(p); };
      const track = <T extends { cancel(): void }>(handle: T): T => {
        handles.push(handle);
        if (token.isCancellationRequested) handle.cancel();
        return handle;
      };
      const report = (what: string) => progress.report({ message: `${++done}/${total}: ${what}`, increment: 100 / Math.max(1, total) });
      // Each container's history read once, two reads at a time, none started after Cancel; each frame's trainings
      // are queued in the worker pool (bounded by the cores) as soon as it arrives.
      const frames = await trainingFrames(mora.source, workloads, {
        concurrency: 2, signal: abort.signal,
        onFrame: ({ workload: w, container, frame, error }) => {
          if (!frame) {
            add(Promise.reject(new Error(`${w.name}/${container}: ${error?.message ?? 'no data'}`)));
            return;
          }
          for (const metric of metrics) {
            add((async () => {
              // The forecast view's own series and run (its panel history at its bucket, trained on all but its
              // holdout), so Show Forecast can use the saved model instead of training: saved-series.ts. Cut before the
              // day the recommendation engine checks its forecast on, so the recommendations can use it too.
              const spec = PANELS.find((p) => p.metric === metric)!;
              const panel = frame.values[metric] ? panelHistory(spec, frame, DEFAULT_FORECAST_VIEW_OPTIONS.bucket) : undefined;
              const history = panel && savedSeriesTrainingHistory(panel);
              if (!history) throw new Error(`${w.name}/${container}: no ${metric} data to train on`);
              const handle = track(pool.train(Float64Array.from(history.t), Float64Array.from(history.v), horizonSteps(DEFAULT_FORECAST_VIEW_OPTIONS), (lstmOptions ?? {}) as Record<string, number>, undefined, true));
              const { state } = await handle.result;
              const file = modelFile(mora, w, container, metric);
              saveModel(file, state); // a TF.js LayersModel artefact: model.json + weights beside it
              saved.push({ file, mae: state.validation.mae, baselineMae: state.validation.baselineMae });
              trained.add(w);
              report(`${w.name}/${container} ${metric}`);
              log.info(`Trained LSTM for ${w.namespace}/${w.name}/${container} ${metric}: validation MAE ${state.validation.mae.toPrecision(3)} vs seasonal-naive ${state.validation.baselineMae.toPrecision(3)} (${pool.backend ?? 'worker'}).`);
            })());
          }
          const first = w.containers[0];
          if (container !== first?.name) return;
          // One 14-feature workload model per workload: CPU, memory and replica targets from all 12 metrics at once.
          add((async () => {
            const values = Object.fromEntries(Object.entries(frame.values).filter((e): e is [string, Float64Array] => e[1] !== undefined));
            const handle = track(pool.trainWorkload({ t: frame.t, step: frame.step, values }, {
              cpuMargin: margin, memoryMargin: margin, targetCpuUtilization: w.hpa?.targetCpuUtilization ?? 0.7,
              cpuRequest: first.resources.requests.cpu ?? 0.1,
            }, (lstmOptions ?? {}) as Record<string, number>));
            const { state } = await handle.result;
            const file = modelFile(mora, w, '_workload', 'targets');
            saveModel(file, state); // a TF.js LayersModel artefact: model.json + weights beside it
            const v = state.validation.cpu_target;
            saved.push({ file, mae: v.mae, baselineMae: v.persistenceMae });
            report(`${w.name} workload model`);
            log.info(`Trained the workload model for ${w.namespace}/${w.name} (14 features → cpu, memory, replica targets): cpu_target MAE ${v.mae.toPrecision(3)} vs persistence ${v.persistenceMae.toPrecision(3)}${v.levelMae !== undefined ? `, recent level ${v.levelMae.toPrecision(3)}` : ''}${state.missingFeatures.length ? `; features absent from the data: ${state.missingFeatures.join(', ')}` : ''}.`);
          })());
        },
      });
      log.info(`Train Models: read ${frames.length} container histories${abort.signal.aborted ? ' (cancelled)' : ''}.`);
      const results = await Promise.allSettled(trainings);
      if (token.isCancellationRequested) throw new vscode.CancellationError();
      const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed.length) throw new Error(`${failed.length} of ${results.length} trainings failed: ${(failed[0].reason as Error).message}`);
    });
    try {
      await train();
    } finally {
      if (trained.size) {
        void mora.store.refreshWorkloads([...trained]).then((n) => {
          if (n) log.info(`Train Models: recomputed the recommendations of ${n} workload(s) with the new models (mora.forecastModel fused).`);
        }, (e: unknown) => log.warn(`Train Models: recomputing the recommendations failed: ${(e as Error).message}`));
      }
    }
    // What these files are for, said as it is: Show Forecast reads the CPU and memory models back, and the recommendations with mora.forecastModel fused (docs/LSTM.md § Persistence).
    void vscode.window.showInformationMessage(trainedModelsMessage(saved.length, path.join(extension.globalStorageUri.fsPath, 'models')));
    return saved;
  });

  // mora.runExperiment (experiment plans, per-cell progress, results in the forecast view): experiment-commands.ts.

  // A string argument (programmatic callers, tests) is the token, without the input box; '' removes it. A second string
  // argument is the Prometheus URL it is for; otherwise asked when several are configured. Tokens are kept per URL
  // origin and sent only there (src/extension/prometheus-token.ts).
  reg('mora.setPrometheusToken', async (arg, url) => {
    const set = await setPrometheusToken(extension.secrets, typeof arg === 'string' ? arg : undefined, typeof url === 'string' ? url : undefined);
    if (!set) return;
    const token = set.token;
    // The cluster source reads the token when it is built: build it again, so Health Check and the tree use it now
    // (the demo reads no Prometheus; an untrusted workspace's cluster source is built, with the token, on trust).
    if (mora.source.kind === 'cluster') {
      await mora.reloadSource();
      log.info(token ? 'Prometheus token stored; the cluster data source now sends it.' : 'Prometheus token removed; the cluster data source no longer sends one.');
    }
    void vscode.window.showInformationMessage(token ? `MOrA: Prometheus token for ${set.origin} stored in the secret storage.` : 'MOrA: Prometheus token removed.');
  });

  // Extra headers on every request to one Prometheus URL origin (a Mimir/Cortex tenant: X-Scope-OrgID), kept in the
  // secret storage as tokens are. Arguments (programmatic callers, tests): the headers — 'Name: value' strings, or one
  // string separated by ';', a ';' in a value written '\;' ('' or [] removes them) — and the URL they are for.
  reg('mora.setPrometheusHeaders', async (arg, url) => {
    const headers = typeof arg === 'string' || (Array.isArray(arg) && arg.every((h) => typeof h === 'string')) ? arg as string | string[] : undefined;
    const set = await setPrometheusHeaders(extension.secrets, headers, typeof url === 'string' ? url : undefined);
    if (!set) return;
    const what = set.names.length ? `header(s) ${set.names.join(', ')}` : 'no extra headers';
    // Names only: the values may be tenant ids or credentials.
    if (mora.source.kind === 'cluster') {
      await mora.reloadSource();
      log.info(`Prometheus at ${set.origin}: ${what}; the cluster data source now sends ${set.names.length ? 'them' : 'none'}.`);
    }
    void vscode.window.showInformationMessage(set.names.length ? `MOrA: ${what} for ${set.origin} stored in the secret storage.` : `MOrA: extra headers for ${set.origin} removed.`);
  });
}
