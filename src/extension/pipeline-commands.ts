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
import { PROMETHEUS_TOKEN_SECRET } from './context';

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

function modelFile(mora: MoraContext, w: WorkloadRef, container: string, metric: string): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '_');
  return path.join(mora.extension.globalStorageUri.fsPath, 'models', safe(w.context), safe(w.namespace), `${safe(w.kind)}-${safe(w.name)}`, `${safe(container)}.${metric}.json`);
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
    const jobs = workloads.flatMap((w) => w.containers.flatMap((c) => (['cpu_usage', 'memory_working_set'] as const).map((metric) => ({ w, container: c.name, metric }))));
    const saved: Array<{ file: string; mae: number; baselineMae: number }> = [];
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'MOrA: training LSTM models', cancellable: true }, async (progress, token) => {
      const handles: Array<{ cancel(): void }> = [];
      token.onCancellationRequested(() => handles.forEach((h) => h.cancel()));
      let done = 0;
      // The pool bounds parallelism by the cores; queue everything, then collect.
      const running = jobs.map(async (job) => {
        const target = { workload: job.w, container: job.container };
        const range = await mora.source.historyRange(target);
        const frame = await mora.source.metrics(target, { ...range, step: Math.max(range.step, 300) });
        const v = frame.values[job.metric];
        if (!v) throw new Error(`${job.w.name}/${job.container}: no ${job.metric} data to train on`);
        const handle = pool.train(frame.t, v, Math.round(86400 / frame.step), (lstmOptions ?? {}) as Record<string, number>);
        handles.push(handle);
        if (token.isCancellationRequested) handle.cancel();
        const { state } = await handle.result;
        const file = modelFile(mora, job.w, job.container, job.metric);
        saveModel(file, state); // a TF.js LayersModel artefact: model.json + weights beside it
        saved.push({ file, mae: state.validation.mae, baselineMae: state.validation.baselineMae });
        progress.report({ message: `${++done}/${jobs.length}: ${job.w.name}/${job.container} ${job.metric}`, increment: 100 / jobs.length });
        log.info(`Trained LSTM for ${job.w.namespace}/${job.w.name}/${job.container} ${job.metric}: validation MAE ${state.validation.mae.toPrecision(3)} vs seasonal-naive ${state.validation.baselineMae.toPrecision(3)} (${pool.backend ?? 'worker'}).`);
      });
      // One 14-feature workload model per workload: CPU, memory and replica targets from all 12 metrics at once.
      const cfg = vscode.workspace.getConfiguration('mora');
      const workloadRuns = workloads.map(async (w) => {
        const first = w.containers[0];
        if (!first) return;
        const target = { workload: w, container: first.name };
        const range = await mora.source.historyRange(target);
        const frame = await mora.source.metrics(target, { ...range, step: Math.max(range.step, 300) });
        const values = Object.fromEntries(Object.entries(frame.values).filter((e): e is [string, Float64Array] => e[1] !== undefined));
        const handle = pool.trainWorkload({ t: frame.t, step: frame.step, values }, {
          cpuMargin: cfg.get<number>('safetyMargin', 0), memoryMargin: cfg.get<number>('safetyMargin', 0), targetCpuUtilization: w.hpa?.targetCpuUtilization ?? 0.7,
          cpuRequest: first.resources.requests.cpu ?? 0.1,
        }, (lstmOptions ?? {}) as Record<string, number>);
        handles.push(handle);
        if (token.isCancellationRequested) handle.cancel();
        const { state } = await handle.result;
        const file = modelFile(mora, w, '_workload', 'targets');
        saveModel(file, state); // a TF.js LayersModel artefact: model.json + weights beside it
        const v = state.validation.cpu_target;
        saved.push({ file, mae: v.mae, baselineMae: v.persistenceMae });
        log.info(`Trained the workload model for ${w.namespace}/${w.name} (14 features → cpu, memory, replica targets): cpu_target MAE ${v.mae.toPrecision(3)} vs persistence ${v.persistenceMae.toPrecision(3)}${v.levelMae !== undefined ? `, recent level ${v.levelMae.toPrecision(3)}` : ''}${state.missingFeatures.length ? `; features absent from the data: ${state.missingFeatures.join(', ')}` : ''}.`);
      });
      const results = await Promise.allSettled([...running, ...workloadRuns]);
      if (token.isCancellationRequested) throw new vscode.CancellationError();
      const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed.length) throw new Error(`${failed.length} of ${results.length} trainings failed: ${(failed[0].reason as Error).message}`);
    });
    void vscode.window.showInformationMessage(`MOrA: trained ${saved.length} LSTM model(s), saved with their validation scores. Recommendations use the moving window unless the setting mora.forecastModel names a forecast; the forecast view draws the fused forecast.`);
    return saved;
  });

  // mora.runExperiment (experiment plans, per-cell progress, results in the forecast view): experiment-commands.ts.

  // A string argument (programmatic callers, tests) is the token, without the input box; '' removes it.
  reg('mora.setPrometheusToken', async (arg) => {
    const token = typeof arg === 'string' ? arg
      : await vscode.window.showInputBox({ title: 'MOrA: Prometheus bearer token', prompt: 'Stored in VS Code\'s secret storage, never in settings. Empty removes it.', password: true });
    if (token === undefined) return;
    if (token === '') await extension.secrets.delete(PROMETHEUS_TOKEN_SECRET);
    else await extension.secrets.store(PROMETHEUS_TOKEN_SECRET, token);
    // The cluster source reads the token when it is built: build it again, so Health Check and the tree use it now
    // (the demo reads no Prometheus; an untrusted workspace's cluster source is built, with the token, on trust).
    if (mora.source.kind === 'cluster') {
      await mora.reloadSource();
      log.info(token ? 'Prometheus token stored; the cluster data source now sends it.' : 'Prometheus token removed; the cluster data source no longer sends one.');
    }
    void vscode.window.showInformationMessage(token ? 'MOrA: Prometheus token stored in the secret storage.' : 'MOrA: Prometheus token removed.');
  });
}
