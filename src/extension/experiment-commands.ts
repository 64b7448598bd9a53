/**
 * Load experiment plans in VS Code (docs/EXPERIMENTS.md):
 * - "MOrA: Run Load Experiment": a plan picker (the workspace's *.mora-plan.{yaml,yml,json}, or "Create a plan…", a short
 *   wizard that writes one), a modal confirmation with the cells and the total load before anything is sent, then the
 *   cells one by one with progress and Cancel (the runner's AbortSignal: the running cell is dropped, the written ones
 *   stay, replica counts are put back); the results open in the forecast view.
 * - "MOrA: Show Experiment Results": a plan's record (<out>/<name>.json) in the forecast view.
 * - Diagnostics on plan files: parsePlan's first problem at its line (the YAML extension, which reads the plan's JSON
 *   Schema, may not be installed; MOrA's own check is the one the runner applies anyway).
 * Nothing here runs in an untrusted workspace: it sends real traffic and may scale workloads.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ExperimentPlan } from '../data/experiments/plan-file';
import type { PlanDocument, PlanRunHooks, PlanRunResult } from '../data/experiments/plan-run';
import type { ExperimentViewData } from '../protocol/forecast';
import type { TreeNode } from '../views/tree-model';
import type { PlanWizardAnswers } from '../views/experiment-model';
import { connectTimeoutFromSetting } from './connect-timeout-setting';
import { prometheusTimeoutFromSetting } from './prometheus-timeout-setting';
import type { MoraContext } from './context';
import { prometheusAuthFor, prometheusQuerySettingsFor } from './prometheus-token';
import { DocumentDiagnostics } from './diagnostics';
import type { ForecastPanels } from './forecast-panel';
import { EDITOR_KUBECONFIG_HINT } from './kubeconfig-hint';
import { loadLive } from './live';
import { registerCommand } from './register';
import { ActiveRuns, pendingRestoreText, pendingRestores } from '../data/experiments/active-runs';

/** The plan runs going in this window: deactivate (window closed or reloaded) stops them and waits for the restores. */
const activeRuns = new ActiveRuns();
/** workspaceState: the records (<out>/<plan>.json) of runs started and not yet finished — a killed host leaves them. */
const RUNNING_KEY = 'mora.experiments.running';

/**
 * Stops every experiment run in this window (the runner puts the replica counts back on abort) and resolves once they
 * are done or after `timeoutMs`, with the plans still running then (their notes stay pending for the next activation).
 */
export function stopExperiments(timeoutMs: number): Promise<string[]> {
  return activeRuns.stopAll(timeoutMs);
}

const PLAN_GLOB = '**/*.mora-plan.{yaml,yml,json}';
const CREATE = 'create';

function model(): typeof import('../views/experiment-model') {
  return require('../views/experiment-model') as typeof import('../views/experiment-model');
}

export interface PlanPickItem extends vscode.QuickPickItem {
  /** A plan file, or 'create' for the wizard. */
  file: string | typeof CREATE;
}

interface ProgressLike {
  report(value: { message?: string; increment?: number }): void;
}

/** The dialogs the command uses; tests (and other extensions) may pass their own to drive it without clicking. */
export interface ExperimentUi {
  pickPlan(items: PlanPickItem[]): Thenable<PlanPickItem | undefined>;
  input(options: vscode.InputBoxOptions): Thenable<string | undefined>;
  /** The modal confirmation: true sends the load. */
  confirm(message: string, detail: string): Thenable<boolean>;
  withProgress<T>(title: string, task: (progress: ProgressLike, token: vscode.CancellationToken) => Promise<T>): Thenable<T>;
}

/** The command's second argument (programmatic callers, tests). */
export interface RunExperimentOptions {
  /** A plan file: no picker. */
  plan?: string;
  ui?: Partial<ExperimentUi>;
  /** Passed to the runner (e.g. a load driver); signal and onEvent are the command's own. */
  hooks?: Omit<PlanRunHooks, 'signal' | 'onEvent'>;
  /** Called with each runner event after the command's own handling (tests: cancel at a given moment). */
  onEvent?: PlanRunHooks['onEvent'];
}

const defaultUi: ExperimentUi = {
  pickPlan: (items) => vscode.window.showQuickPick(items, { title: 'MOrA: Run Load Experiment — which plan?', matchOnDescription: true }),
  input: (options) => vscode.window.showInputBox(options),
  confirm: async (message, detail) => (await vscode.window.showWarningMessage(message, { modal: true, detail }, 'Send load')) === 'Send load',
  withProgress: (title, task) => vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, task),
};

function requireTrust(): void {
  if (!vscode.workspace.isTrusted) {
    throw new Error('A load experiment sends traffic to your services (and may scale workloads), which is disabled in Restricted Mode. Trust this workspace to use it.');
  }
}

/** The picker's items: plan files of the workspace (the active editor's first), then "Create a plan…". */
export async function planPickItems(): Promise<PlanPickItem[]> {
  const uris = await vscode.workspace.findFiles(PLAN_GLOB, '**/node_modules/**', 500);
  const active = vscode.window.activeTextEditor?.document.uri.fsPath;
  const files = uris.map((u) => u.fsPath).sort((a, b) => Number(b === active) - Number(a === active) || a.localeCompare(b));
  return [
    ...files.map((f): PlanPickItem => ({ label: path.basename(f), description: vscode.workspace.asRelativePath(f, true), file: f })),
    { label: '$(add) Create a plan…', description: 'service, target URL, replica counts, load levels, duration', file: CREATE, alwaysShow: true },
  ];
}

/** The wizard: a few questions, then a plan file written atomically beside the workspace's root and opened. */
async function createPlan(mora: MoraContext, ui: ExperimentUi, node: Partial<TreeNode> | undefined): Promise<string | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  if (!folder) throw new Error('Open a folder first: the plan file and its results are written into the workspace.');
  const m = model();
  const step = (n: number) => `MOrA: new experiment plan (${n}/5)`;
  const service = await ui.input({
    title: step(1), prompt: 'Service name (names the plan file and the results)', value: node?.workload?.name ?? 'my-service',
    validateInput: (s) => (/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(s.trim()) ? undefined : 'letters, digits, ".", "_" or "-"'),
  });
  if (!service) return undefined;
  const target = await ui.input({
    title: step(2), prompt: 'Target URL the load goes to (loopback unless you list the host in the plan\'s allowedHosts)', value: 'http://127.0.0.1:8080/',
    validateInput: (s) => { try { return /^https?:$/.test(new URL(s.trim()).protocol) ? undefined : 'an http:// or https:// URL'; } catch { return 'an http:// or https:// URL'; } },
  });
  if (!target) return undefined;
  const replicasText = await ui.input({
    title: step(3), prompt: 'Replica counts, comma-separated (more than one scales the workload between cells)', value: '1',
    validateInput: (s) => { const r = m.parseNumberList(s, 'replica count', true); return typeof r === 'string' ? r : undefined; },
  });
  if (!replicasText) return undefined;
  const levelsText = await ui.input({
    title: step(4), prompt: 'Load levels in requests per second, comma-separated', value: '10,50,100',
    validateInput: (s) => { const r = m.parseNumberList(s, 'load level'); return typeof r === 'string' ? r : undefined; },
  });
  if (!levelsText) return undefined;
  const durationText = await ui.input({
    title: step(5), prompt: 'Measured seconds per cell', value: '30', validateInput: (s) => (Number(s) >= 5 ? undefined : 'at least 5 seconds'),
  });
  if (!durationText) return undefined;
  const replicas = m.parseNumberList(replicasText, 'replica count', true) as number[];
  let workload: PlanWizardAnswers['workload'];
  if (replicas.length > 1 || replicas[0] !== 1) {
    const w = node?.workload;
    // The tree node's kind (a StatefulSet stays one); a kind without a replica count is refused here.
    const scaled = m.wizardWorkloadKind(w);
    if ('error' in scaled) throw new Error(scaled.error);
    // The cluster is pinned in the plan: the tree node's context, else the current one now — never whatever is
    // current when the plan runs later.
    const context = w?.context ?? node?.context ?? currentKubeContext();
    const ref = await ui.input({
      title: 'MOrA: new experiment plan — workload to scale',
      prompt: `namespace/name of the ${scaled.kind} MOrA scales to each replica count (and puts back)${context ? `, in kube context "${context}"` : ''}`,
      value: w ? `${w.namespace}/${w.name}` : `default/${service.trim()}`,
      validateInput: (s) => (/^[a-z0-9-]+\/[a-z0-9.-]+$/.test(s.trim()) ? undefined : 'namespace/name, e.g. shop/checkout'),
    });
    if (!ref) return undefined;
    const [namespace, name] = ref.trim().split('/');
    workload = { namespace, name, kind: scaled.kind, ...(context ? { context } : {}) };
  }
  const prometheusUrl = vscode.workspace.getConfiguration('mora').get<string>('prometheus.url', '').trim() || 'http://127.0.0.1:9090';
  const text = m.planYaml({
    service: service.trim(), target: target.trim(), replicas, levels: m.parseNumberList(levelsText, 'load level') as number[],
    durationSeconds: Number(durationText), prometheusUrl, ...(workload ? { workload } : {}),
  });
  let file = path.join(folder, `${service.trim()}.mora-plan.yaml`);
  for (let i = 2; fs.existsSync(file); i++) file = path.join(folder, `${service.trim()}-${i}.mora-plan.yaml`);
  const { writeFileAtomic } = require('../core/atomic-write') as typeof import('../core/atomic-write');
  writeFileAtomic(file, text);
  mora.log.info(`Wrote the experiment plan ${file}.`);
  await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(vscode.Uri.file(file)), { preview: false });
  return file;
}

function kubeconfigSetting(): string | undefined {
  return vscode.workspace.getConfiguration('mora').get<string>('kubeconfig', '').trim() || undefined;
}

/** The kubeconfig's current context, or undefined when there is no kubeconfig to read. */
function currentKubeContext(): string | undefined {
  try {
    return loadLive().KubeClient.load({ kubeconfig: kubeconfigSetting(), kubeconfigHint: EDITOR_KUBECONFIG_HINT }).currentContext();
  } catch {
    return undefined;
  }
}

/**
 * The plan as the editor shows it: an open plan's text, edits included, is what runs — and it is not saved (the run
 * may not be confirmed; saving stays the user's). A plan not open is read from its file.
 */
async function readPlan(file: string): Promise<ExperimentPlan> {
  const open = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === file);
  const { parsePlan, withPrometheusCredentials } = require('../data/experiments/plan-file') as typeof import('../data/experiments/plan-file');
  let text: string;
  try {
    text = open ? open.getText() : fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`${file}: cannot read the plan (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  // A problem is also a diagnostic on the file (PlanDiagnostics); the message names the line and field.
  const plan = parsePlan(text, file);
  // The wizard leaves the credential of mora.prometheus.url out of the file (?token=***): the setting's URL is the real one.
  const cfg = vscode.workspace.getConfiguration('mora');
  const perContext = Object.values(cfg.get<Record<string, unknown>>('prometheus.urls', {}) ?? {}).filter((u): u is string => typeof u === 'string');
  return withPrometheusCredentials(plan, [cfg.get<string>('prometheus.url', ''), ...perContext, process.env.MORA_PROMETHEUS_URL]);
}

/** Reads a plan's record and builds the forecast view's experiment data. */
export function experimentResults(jsonPath: string): ExperimentViewData {
  const m = model();
  return m.buildExperimentView(m.parsePlanRecord(fs.readFileSync(jsonPath, 'utf8'), jsonPath));
}

export function registerExperimentFeatures(mora: MoraContext, panels: ForecastPanels): { diagnostics: PlanDiagnostics } {
  const { extension, log } = mora;
  const reg = (id: string, fn: (...args: unknown[]) => unknown) => registerCommand(extension, log, id, fn);
  const diagnostics = new PlanDiagnostics();
  extension.subscriptions.push(diagnostics);
  // Disposal (the extension host shutting down) aborts the runs at once; deactivate waits for their restores.
  extension.subscriptions.push({ dispose: () => void activeRuns.stopAll(0) });
  warnPendingRestores(mora);

  const openResults = async (jsonPath: string, reveal = true) => {
    await panels.showExperiment({ data: experimentResults(jsonPath), reload: () => experimentResults(jsonPath) }, reveal);
  };

  reg('mora.runExperiment', async (arg, opts) => {
    requireTrust();
    const options = (opts ?? {}) as RunExperimentOptions;
    const ui: ExperimentUi = { ...defaultUi, ...options.ui };
    // From the explorer's context menu: the plan file; from the tree: a workload the wizard starts from.
    const node = arg instanceof vscode.Uri ? undefined : (arg as Partial<TreeNode> | undefined);
    let file = options.plan ?? (arg instanceof vscode.Uri ? arg.fsPath : undefined);
    if (!file) {
      const picked = await ui.pickPlan(await planPickItems());
      if (!picked) return undefined;
      file = picked.file === CREATE ? await createPlan(mora, ui, node) : picked.file;
      if (!file) return undefined;
    }
    const plan = await readPlan(file);
    const m = model();
    const { expandPlan } = require('../data/experiments/plan-file') as typeof import('../data/experiments/plan-file');
    const expansion = expandPlan(plan);
    const live = loadLive();
    // Cells an earlier run finished (same parameters) are skipped: the confirmation says so.
    const previous = live.readPlanDocument(live.planPaths(plan).json);
    const done = new Set((previous?.cells ?? []).filter((c) => c.status === 'done').filter((c) => {
      const cell = expansion.cells.find((x) => x.id === c.id);
      return cell !== undefined && live.cellFingerprint(cell) === c.fingerprint;
    }).map((c) => c.id));
    const kubeconfig = kubeconfigSetting();
    const connectTimeoutMs = connectTimeoutFromSetting(vscode.workspace.getConfiguration('mora').get<unknown>('kubernetes.connectTimeoutSeconds'), (m) => log.warn(m));
    let kube: import('../data/kube/client').KubeClient | undefined;
    // A workload the plan pins to no context is scaled in the current one, read now and named in the confirmation:
    // the run uses exactly that one, even if the kubeconfig's current context changes before it scales.
    const unpinned = expansion.cells.some((c) => c.workload && !c.workload.context);
    if (unpinned) kube = live.KubeClient.load({ kubeconfig, kubeconfigHint: EDITOR_KUBECONFIG_HINT, connectTimeoutMs });
    const currentContext = kube?.currentContext();
    const confirmation = m.confirmationText(plan, expansion, done, { currentContext });
    const { message } = confirmation;
    // An earlier run (a window closed or killed mid-run) left counts scaled: the confirmation says so first.
    const owed = pendingRestoreText(plan.name, pendingRestores(previous));
    const detail = owed ? `${owed}\n\n${confirmation.detail}` : confirmation.detail;
    if (!(await ui.confirm(message, detail))) {
      log.info(`Experiment plan ${plan.name}: not confirmed, nothing sent.`);
      return undefined;
    }

    // The token kept for the plan's Prometheus origin (src/extension/prometheus-token.ts), none for another.
    const auth = (await prometheusAuthFor(extension.secrets, log))(plan.prometheusUrl);
    // mora.prometheus.matchers, and the headers kept for the plan's Prometheus origin (none for another).
    const query = await prometheusQuerySettingsFor(extension.secrets, log, [plan.prometheusUrl]);
    const prometheusHooks = { prometheusAuth: auth, prometheusMatchers: query.prometheusMatchers, prometheusHeaders: query.prometheusHeadersFor(plan.prometheusUrl),
      // mora.prometheus.timeoutSeconds, as the cluster view reads it.
      ...prometheusTimeoutFromSetting(vscode.workspace.getConfiguration('mora').get<unknown>('prometheus.timeoutSeconds'), (m) => log.warn(m)) };
    // Prometheus is reachable before anything is written, scaled or sent (as `mora experiment run`): asked on the client
    // the run will use (a caller's hooks win there too). No connection or refused credentials (reachabilityFailure,
    // src/data/prometheus/reachability.ts): one error, no record, no workload read or scaled, no load.
    const check = live.planReachabilityFailure(plan, { ...prometheusHooks, ...options.hooks });
    vscode.window.setStatusBarMessage(`MOrA: checking the Prometheus of experiment plan ${plan.name}…`, check);
    const failure = await check;
    if (failure) {
      const text = live.nothingSentMessage(failure);
      log.warn(`Experiment plan ${plan.name}: ${text}`);
      void vscode.window.showErrorMessage(`MOrA: ${text}`);
      return undefined;
    }
    // The targets of the cells still to run take connections, before anything is scaled or written: one GET to each
    // target that not every cell using it scales a workload before loading (planTargetProblem, the rule of
    // src/data/experiments/target-check.ts that `mora experiment` and `mora experiment run` use too). A refused
    // connection, an unknown host or no route is one error naming the target and its cells; no record, no scaling.
    const targets = live.planTargetProblem(expansion.cells, { skip: done });
    vscode.window.setStatusBarMessage(`MOrA: checking the targets of experiment plan ${plan.name}…`, targets);
    const down = await targets;
    if (down) {
      log.warn(`Experiment plan ${plan.name}: ${down}`);
      void vscode.window.showErrorMessage(`MOrA: experiment plan ${plan.name}: ${down}`);
      return undefined;
    }
    const total = expansion.cells.length;
    const recordPath = live.planPaths(plan).json;
    await markRunning(extension, recordPath, true);
    const result = await ui.withProgress(`MOrA: experiment ${plan.name}`, async (progress, ct): Promise<PlanRunResult | { error: Error; document?: PlanDocument }> => {
      const abort = new AbortController();
      const sub = ct.onCancellationRequested(() => abort.abort());
      if (ct.isCancellationRequested) abort.abort();
      try {
        return await activeRuns.track(plan.name, abort, live.runPlan(plan, {
          jmxDriver: live.jmeterDriver({ jmeterPath: vscode.workspace.getConfiguration('mora').get<string>('experiments.jmeterPath', '').trim() || undefined }),
          ...prometheusHooks,
          scalerFor: (w) => {
            kube ??= live.KubeClient.load({ kubeconfig, kubeconfigHint: EDITOR_KUBECONFIG_HINT, connectTimeoutMs });
            // The plan's pinned context, else the one the confirmation named.
            const context = w.context ?? currentContext ?? kube.currentContext();
            log.info(`Experiment plan ${plan.name}: scaling ${w.kind}/${w.name} in namespace ${w.namespace}, kube context "${context}".`);
            return live.kubeScaler(kube, { context, namespace: w.namespace, kind: w.kind, name: w.name }, { pollMs: 500 });
          },
          ...options.hooks,
          signal: abort.signal,
          onEvent: (e) => {
            switch (e.kind) {
              case 'resume': log.info(`Experiment plan ${plan.name}: ${e.message}`); break;
              case 'scale': progress.report({ message: `scaling ${e.workload} to ${e.replicas} replica(s)…` }); break;
              case 'cell-start': progress.report({ message: m.progressMessage(e.cell, total), increment: 100 / Math.max(1, e.pending) }); break;
              case 'target': progress.report({ message: `${live.targetWaitText(e.cell, e.wait)}…` }); break;
              case 'cell-written':
                log.info(`Experiment ${plan.name}: ${e.cell.id} written, quality ${e.record.quality?.passed ? 'passed' : `FAILED: ${e.record.quality?.reasons.join('; ')}`}.`);
                // The results grow cell by cell in the forecast view (opened beside, without taking the focus).
                openResults(live.planPaths(plan).json, false).catch((err: Error) => log.warn(`The experiment's results could not be shown: ${err.message}`));
                break;
              case 'scaling':
                if (e.note.restoreError) void vscode.window.showErrorMessage(`MOrA: could not put ${e.note.workload} back to ${e.note.originalReplicas} replica(s): ${e.note.restoreError}. By hand: ${e.note.restoreCommand}`);
                else if (e.note.restoreSkipped) {
                  // Someone changed the count during the run: MOrA leaves it (the warning is in the record's note too).
                  log.warn(`Experiment plan ${plan.name}: ${e.note.restoreSkipped}`);
                  void vscode.window.showWarningMessage(`MOrA: ${e.note.restoreSkipped}`);
                }
                break;
              default: break;
            }
            options.onEvent?.(e);
          },
        }));
      } catch (e) {
        // The record on disk holds what was written before the error: shown with it.
        return { error: e as Error, document: safeRead(live, plan) };
      } finally {
        sub.dispose();
      }
    });
    if (!pendingRestores(safeRead(live, plan)).length) await markRunning(extension, recordPath, false);
    // New measurements change replica advice (when the results are in the workspace's .mora/experiments): recompute.
    mora.store.clear();
    const jsonPath = live.planPaths(plan).json;
    if (fs.existsSync(jsonPath)) await openResults(jsonPath);
    if ('error' in result) throw new Error(`the experiment ${plan.name} stopped: ${result.error.message}`);
    const doc = result.document;
    if (doc.status === 'partial') {
      void vscode.window.showInformationMessage(`MOrA: experiment ${plan.name} cancelled — ${result.ran.length} cell(s) written now, ${doc.quality.pending} not run. Run the plan again to resume.`);
    } else if (doc.quality.failed) {
      void vscode.window.showWarningMessage(`MOrA: experiment ${plan.name} done; ${doc.quality.failed} of ${doc.cells.length} cell(s) failed their quality gate and are left out of capacity (see the results).`);
    } else {
      void vscode.window.showInformationMessage(`MOrA: experiment ${plan.name} done — ${doc.cells.length} cell(s), results in ${vscode.workspace.asRelativePath(jsonPath)}.`);
    }
    return result;
  });

  reg('mora.showExperimentResults', async (arg) => {
    let file = arg instanceof vscode.Uri ? arg.fsPath : typeof arg === 'string' ? arg : undefined;
    if (!file) {
      const active = vscode.window.activeTextEditor?.document.uri.fsPath;
      if (active && /\.json$/i.test(active) && isPlanRecord(active)) file = active;
    }
    if (!file) {
      const records = (await vscode.workspace.findFiles('**/*.json', '**/node_modules/**', 2000)).map((u) => u.fsPath).filter(isPlanRecord);
      if (!records.length) throw new Error('No experiment results in this workspace: run "MOrA: Run Load Experiment" first (its record is <out>/<plan>.json).');
      file = (await vscode.window.showQuickPick(records.map((f) => ({ label: path.basename(f), description: vscode.workspace.asRelativePath(f, true), f })), { title: 'MOrA: experiment results' }))?.f;
      if (!file) return undefined;
    }
    await openResults(file);
    return file;
  });

  return { diagnostics };
}

async function markRunning(extension: vscode.ExtensionContext, record: string, running: boolean): Promise<void> {
  const now = extension.workspaceState.get<string[]>(RUNNING_KEY, []).filter((f) => f !== record);
  await extension.workspaceState.update(RUNNING_KEY, running ? [...now, record] : now);
}

/**
 * At activation: a run this workspace started and never finished (the window was killed, or deactivate's wait ran
 * out) may have left replica counts scaled — its record's pending scaling notes say which; the user is told.
 */
function warnPendingRestores(mora: MoraContext): void {
  const { extension, log } = mora;
  const records = extension.workspaceState.get<string[]>(RUNNING_KEY, []);
  if (!records.length) return;
  const { readPlanDocument } = loadLive();
  const still: string[] = [];
  for (const record of records) {
    let doc: PlanDocument | undefined;
    try { doc = readPlanDocument(record); } catch (e) { log.warn(`The experiment record ${record} could not be read: ${(e as Error).message}`); }
    const text = doc && pendingRestoreText(doc.name, pendingRestores(doc));
    if (!text) continue;
    still.push(record);
    log.warn(text);
    void vscode.window.showWarningMessage(`MOrA: ${text}`);
  }
  void extension.workspaceState.update(RUNNING_KEY, still);
}

function safeRead(live: ReturnType<typeof loadLive>, plan: ExperimentPlan): PlanDocument | undefined {
  try {
    return live.readPlanDocument(live.planPaths(plan).json);
  } catch {
    return undefined;
  }
}

/** A JSON file that is an experiment plan's record (read only its start: results folders hold big files too). */
function isPlanRecord(file: string): boolean {
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const buf = Buffer.alloc(200);
      const n = fs.readSync(fd, buf, 0, 200, 0);
      return buf.subarray(0, n).toString('utf8').includes('"mora.experiment-plan/1"');
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return false;
  }
}

/** parsePlan's problem with a plan file, at its line; updated on open and edits (debounced), cleared on close. */
export class PlanDiagnostics extends DocumentDiagnostics {
  constructor() {
    super('mora-plan');
    this.start();
  }

  protected applies(doc: vscode.TextDocument): boolean {
    return isPlanFile(doc);
  }

  update(doc: vscode.TextDocument): void {
    if (!isPlanFile(doc)) return;
    const problems = model().planProblems(doc.getText(), doc.uri.fsPath);
    this.collection.set(doc.uri, problems.map((p) => {
      const line = Math.min(Math.max(0, (p.line ?? 1) - 1), Math.max(0, doc.lineCount - 1));
      const text = doc.lineAt(line);
      const range = new vscode.Range(line, text.firstNonWhitespaceCharacterIndex, line, text.range.end.character);
      const d = new vscode.Diagnostic(range, p.message, vscode.DiagnosticSeverity.Error);
      d.source = 'MOrA plan';
      if (p.field) d.code = p.field;
      return d;
    }));
  }
}

function isPlanFile(doc: vscode.TextDocument): boolean {
  return doc.uri.scheme === 'file' && /\.mora-plan\.(ya?ml|json)$/i.test(doc.uri.fsPath);
}
