/**
 * MOrA's VS Code entry point: glue only. Activation stays light (no TensorFlow.js, no Kubernetes client):
 * the tree reads the demo or cluster source lazily, heavy work loads on first use.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { heavyModulesLoaded } from '../core/heavy';
import type { DataSource } from '../data/datasource';
import { DemoDataSource } from '../data/demo';
import type { LstmWorkerPool } from '../ml/worker/pool';
import { announcement, SourceWarnings } from '../views/source-warnings';
import { ClusterTreeModel, type TreeNode } from '../views/tree-model';
import { kubeconfigProblem, registerClusterCommands, type KubeconfigProblem } from './cluster-commands';
import { registerCommands } from './commands';
import { connectTimeoutFromSetting } from './connect-timeout-setting';
import { prometheusTimeoutFromSetting } from './prometheus-timeout-setting';
import { EDITOR_KUBECONFIG_HINT } from './kubeconfig-hint';
import { loadLive } from './live';
import { Log } from './log';
import { dataSourceLine } from './source-line';
import { registerManifestFeatures, type ManifestFeaturesApi } from './manifest-commands';
import { stopExperiments } from './experiment-commands';
import { registerPipelineCommands } from './pipeline-commands';
import { RecommendationStore } from './recommendation-store';
import { setBeforeCommands } from './register';
import { prometheusAuthFor, prometheusQuerySettingsFor } from './prometheus-token';
import { StatusSlot } from './status-slot';
import { ClusterTreeProvider } from './tree';

/** What `activate` returns: used by the VS Code test suites, and by other extensions that want MOrA's data. */
export interface MoraApi extends ManifestFeaturesApi {
  tree: { getChildren(node?: TreeNode): Promise<TreeNode[]>; getTreeItem(node: TreeNode): vscode.TreeItem };
  loadedHeavyModules(): string[];
  readonly treeView: vscode.TreeView<TreeNode>;
  /** The data source in use ('demo' or 'cluster'). */
  sourceKind(): DataSource['kind'];
  /** For the cluster source: no kubeconfig found ('none') or one that cannot be used ('unreadable'); the welcome view shows. */
  kubeconfigProblem(): KubeconfigProblem | undefined;
  /** Whether the status bar item shows (only while the MOrA view or a Kubernetes manifest is visible). */
  statusBarShown(): boolean;
  /** Whether the configured source has been asked for (not at activation: when the view, a command or a lens needs it). */
  sourceRequested(): boolean;
}

import { PROMETHEUS_TOKEN_SECRET, type MoraContext } from './context';
export { PROMETHEUS_TOKEN_SECRET, type MoraContext };


/** Said in the log and on the tree when mora.dataSource is cluster in a workspace that is not trusted. */
export const CLUSTER_AWAITS_TRUST = 'Restricted Mode: showing the embedded demo; the cluster data source (mora.dataSource) waits until this workspace is trusted.';

/**
 * mora.dataSource is cluster but the workspace is not trusted. A user-level setting still applies in Restricted Mode
 * (only workspace values of restrictedConfigurations are ignored), so the trust check is MOrA's own.
 */
export function clusterAwaitsTrust(): boolean {
  return vscode.workspace.getConfiguration('mora').get<string>('dataSource', 'demo') === 'cluster' && !vscode.workspace.isTrusted;
}

/**
 * The configured data source; the demo in Restricted Mode (the tree, CodeLens lookups and restored forecast views read
 * no cluster until the workspace is trusted: activate switches on onDidGrantWorkspaceTrust). The cluster source loads
 * nothing heavy until it is used, so this is safe at activation.
 */
export async function createSource(context: vscode.ExtensionContext, log: Log, onPrometheusNote?: (note: string, context?: string) => void): Promise<DataSource> {
  const cfg = vscode.workspace.getConfiguration('mora');
  if (cfg.get<string>('dataSource', 'demo') !== 'cluster') return new DemoDataSource();
  if (!vscode.workspace.isTrusted) {
    log.info(CLUSTER_AWAITS_TRUST);
    return new DemoDataSource();
  }
  const { ClusterDataSource } = loadLive();
  // Tokens live in VS Code's secret storage (one per Prometheus URL origin), never in settings or logs.
  // Empty: discovered per context through the API server's service proxy; a URL per context wins over the one URL,
  // which serves the current context only (the tree lists every context: the others must not borrow its usage).
  const prometheusUrl = cfg.get<string>('prometheus.url', '').trim() || undefined;
  const prometheusUrls = Object.fromEntries(Object.entries(cfg.get<Record<string, string>>('prometheus.urls', {}) ?? {})
    .filter(([, u]) => typeof u === 'string' && u.trim()).map(([c, u]) => [c, u.trim()]));
  log.info(dataSourceLine(prometheusUrl, prometheusUrls));
  return new ClusterDataSource({
    // mora.kubeconfig (user settings only: it may name exec credential plugins to run), else as kubectl finds it.
    kubeconfig: cfg.get<string>('kubeconfig', '').trim() || undefined,
    // Its errors name that setting and Use the Demo Data, not the CLI's --kubeconfig / --source demo.
    kubeconfigHint: EDITOR_KUBECONFIG_HINT,
    prometheusUrl,
    prometheusUrls,
    prometheusUrlScope: 'current-context',
    prometheusSelector: cfg.get<string>('prometheus.selector', '').trim() || undefined,
    // A token per Prometheus URL origin, sent only there (a prod token never reaches staging's URL).
    prometheusAuthFor: await prometheusAuthFor(context.secrets, log),
    // mora.prometheus.matchers (one cluster of a Prometheus that holds several) and the extra headers kept per URL
    // origin in the secret store (Set Prometheus Headers: a Mimir/Cortex tenant), sent only to that origin.
    ...await prometheusQuerySettingsFor(context.secrets, log),
    // The history the engine uses: an invalid mora.historyDays is its default (recommendSettings warns once about it).
    historyDays: (require('../views/recommend-settings') as typeof import('../views/recommend-settings')).settingCheck('historyDays', cfg.get<unknown>('historyDays')).value,
    connectTimeoutMs: connectTimeoutFromSetting(cfg.get<unknown>('kubernetes.connectTimeoutSeconds'), (message) => {
      log.warn(message);
      void vscode.window.showWarningMessage(`MOrA: ${message}`);
    }),
    // mora.prometheus.timeoutSeconds: MOrA's own timeout of each Prometheus request (default 30 s), named by its messages.
    ...prometheusTimeoutFromSetting(cfg.get<unknown>('prometheus.timeoutSeconds'), (message) => {
      log.warn(message);
      void vscode.window.showWarningMessage(`MOrA: ${message}`);
    }),
    // VS Code's proxy support patches Node's agents (http.proxy, PAC, http.proxySupport); axios must not add the
    // environment's proxy on top.
    proxyFromEnv: false,
    // A read split after a timeout, which `mora recommend` says on stderr: the tree, the status item and the log say it.
    onPrometheusNote,
  });
}

export function activate(context: vscode.ExtensionContext): MoraApi {
  const log = new Log();
  // Start on the demo; the configured source replaces it as soon as it is built (reading a secret is async).
  // With mora.forecastModel fused, recommendations use the models Train Models saves (as Show Forecast does) and train
  // none; Train Models recomputes the trained workloads' entries (RecommendationStore.refreshWorkloads).
  const store = new RecommendationStore(() => mora.source, log, path.join(context.globalStorageUri.fsPath, 'models'));
  const provider = new ClusterTreeProvider(new ClusterTreeModel(new DemoDataSource(), store.treeSource()));
  const treeView = vscode.window.createTreeView('mora.clusterTree', { treeDataProvider: provider, showCollapseAll: true });
  // Activation on any YAML file stays cheap: the configured source (for the cluster one: the kubeconfig read, exec
  // credential plugins, the API server) is built the first time something reads mora.source — the MOrA view shown,
  // a command, a manifest's lens looking a workload up — or the status item appears (a manifest or the view visible).
  let current: DataSource = provider.model.source;
  let requested = false;
  // What `mora recommend` warns about on stderr (a stopped cAdvisor target, a read split after a timeout), for the
  // source in use: on its context's tree row and the status item while it stands, each said once per source built (a
  // Refresh builds it anew) in the output channel, a stopped target also as a notification. The demo's: none.
  let warnings = new SourceWarnings();
  const warned = (of: SourceWarnings, changed: boolean) => {
    if (of !== warnings || !changed) return;
    for (const w of of.fresh()) {
      const { log: line, notify } = announcement(w);
      log.warn(line);
      if (notify) void vscode.window.showWarningMessage(notify, 'Show Output').then((a) => { if (a) log.channel.show(true); });
    }
    status.setWarnings(of.all());
    provider.rerender();
  };
  const ensureSource = () => {
    if (requested) return;
    requested = true;
    if (vscode.workspace.getConfiguration('mora').get<string>('dataSource', 'demo') !== 'cluster') return;
    void switchSource().catch((err) => log.error('Opening the cluster data source failed', err));
  };
  const status = new StatusSlot(treeView, ensureSource, (source, health) => {
    if (source === current) warned(warnings, warnings.health(health));
  });
  let pool: LstmWorkerPool | undefined;
  const mora: MoraContext = {
    extension: context, log, provider, treeView, status, store,
    get source() { ensureSource(); return current; },
    set source(s: DataSource) { current = s; },
    reloadSource: () => { requested = true; return switchSource(); },
    lstmPool: () => {
      const worker = path.join(context.extensionUri.fsPath, 'dist', 'worker.js');
      if (!pool && fs.existsSync(worker)) {
        const { LstmWorkerPool: Pool } = require('../ml/worker/pool') as typeof import('../ml/worker/pool');
        // Background priority: Prophet fits and LSTM epochs yield the cores to the extension host's thread (no stalls).
        // The forecast view's fusion weighs Prophet by mora.fusion.prophetWeight, read as each view job is submitted.
        pool = new Pool({ workerFile: worker, niceness: 10, prophetWeight: () => vscode.workspace.getConfiguration('mora').get<number>('fusion.prophetWeight') });
      }
      return pool;
    },
  };
  context.subscriptions.push(log, provider, treeView, status, store, { dispose: () => void pool?.close() });
  context.subscriptions.push(store.onDidChange(() => provider.rerender()));
  context.subscriptions.push(treeView.onDidCollapseElement((e) => provider.collapsed(e.element)));

  // Builds can overlap (several settings changed at once, a token set meanwhile): only the last one started is used, so
  // a slower build from before a change never replaces the source built after it.
  // A superseded call resolves when the newest build is in use.
  let builds = 0;
  let newest: Promise<void> = Promise.resolve();
  const switchSource = (): Promise<void> => {
    const build = ++builds;
    newest = buildSource(build);
    return newest;
  };
  const buildSource = async (build: number): Promise<void> => {
    const built = new SourceWarnings();
    const source = await createSource(context, log, (note, ctx) => warned(built, built.note(note, ctx)));
    if (build !== builds) return newest;
    current = source;
    warnings = built;
    status.setWarnings([]);
    // No kubeconfig, or a broken one: an empty tree, so the welcome view says what was looked for and offers the demo.
    mora.kubeconfigProblem = kubeconfigProblem(source, log);
    void vscode.commands.executeCommand('setContext', 'mora.kubeconfigProblem', mora.kubeconfigProblem ?? '');
    treeView.description = mora.kubeconfigProblem === 'none' ? 'no kubeconfig' : mora.kubeconfigProblem === 'unreadable' ? 'kubeconfig unusable'
      : source.kind === 'demo' && clusterAwaitsTrust() ? 'demo (Restricted Mode: the cluster waits for trust)' : undefined;
    provider.setSource(source, { empty: mora.kubeconfigProblem !== undefined, warnings: built });
    store.clear();
    void vscode.commands.executeCommand('setContext', 'mora.sourceKind', source.kind);
    void status.update(source);
  };
  context.subscriptions.push(vscode.workspace.onDidChangeConfiguration((e) => {
    if (e.affectsConfiguration('mora.dataSource') || e.affectsConfiguration('mora.prometheus') || e.affectsConfiguration('mora.historyDays')
      || e.affectsConfiguration('mora.kubeconfig') || e.affectsConfiguration('mora.kubernetes')) {
      // Not asked for yet: the next use builds it with the new settings.
      if (requested) void switchSource().catch((err) => log.error('Switching the data source failed', err));
    }
  }));
  // Trust granted: the configured cluster source replaces the demo that stood in for it.
  context.subscriptions.push(vscode.workspace.onDidGrantWorkspaceTrust(() => {
    if (!requested || vscode.workspace.getConfiguration('mora').get<string>('dataSource', 'demo') !== 'cluster') return;
    log.info('Workspace trusted: opening the cluster data source.');
    void switchSource().catch((err) => log.error('Opening the cluster data source failed', err));
  }));
  // The first command builds the source (if nothing has) and runs on it once built; a failed build is logged, and the
  // command runs on what there is (the demo, or the empty tree's welcome).
  setBeforeCommands(() => { ensureSource(); return newest.catch(() => undefined); });
  registerCommands(mora);
  const manifestFeatures = registerManifestFeatures(mora);
  registerPipelineCommands(mora);
  registerClusterCommands(mora);
  void status.update(current);
  status.refresh();
  void vscode.commands.executeCommand('setContext', 'mora.sourceKind', current.kind);
  log.info(`MOrA activated (data source: ${vscode.workspace.getConfiguration('mora').get<string>('dataSource', 'demo')}${requested ? '' : ', opened on first use'}).`);
  return {
    tree: { getChildren: (n) => provider.getChildren(n), getTreeItem: (n) => provider.getTreeItem(n) },
    loadedHeavyModules: heavyModulesLoaded,
    treeView,
    sourceKind: () => mora.source.kind,
    kubeconfigProblem: () => { ensureSource(); return mora.kubeconfigProblem; },
    statusBarShown: () => status.shown,
    sourceRequested: () => requested,
    ...manifestFeatures,
  };
}

/** VS Code waits a few seconds for deactivate: running experiments get this long to put replica counts back. */
const STOP_EXPERIMENTS_MS = 4000;

/**
 * Window closed or reloaded: running experiments are aborted and their replica counts put back (bounded wait); a run
 * not done by then keeps its pending scaling note, which the next activation reports. Subscriptions dispose the rest.
 */
export async function deactivate(): Promise<void> {
  await stopExperiments(STOP_EXPERIMENTS_MS);
}
