import * as vscode from 'vscode';
import { demoManifests } from '../data/demo';
import { withAbortOnCancel } from '../views/cancellable';
import { PeriodicRefresh, refreshShown } from '../views/periodic-refresh';
import { effectiveLevel, overriddenMessage } from '../views/setting-target';
import type { TreeNode } from '../views/tree-model';
import type { MoraContext } from './context';
import { registerCommand } from './register';

/** Registers the tree and source commands. Commands that change a cluster or send traffic refuse in an untrusted workspace. */
export function registerCommands(mora: MoraContext): void {
  const { extension, log } = mora;
  const reg = (id: string, fn: (...args: never[]) => unknown) => registerCommand(extension, log, id, fn);
  const provider = () => mora.provider;

  // Refresh reads the kubeconfig again (a new login, another current context): the cluster source is built anew.
  const refresh = async () => {
    if (vscode.workspace.getConfiguration('mora').get<string>('dataSource', 'demo') === 'cluster') {
      await mora.reloadSource();
      return;
    }
    mora.store.clear();
    provider().refresh();
    void mora.status.update(mora.source);
  };
  reg('mora.refresh', async () => {
    await refresh();
    log.info('Cluster tree refreshed.');
  });

  // The kubeconfig file(s) kubectl reads (mora.kubeconfig, else KUBECONFIG, else ~/.kube/config): a change
  // (use-context, a new login) rebuilds the cluster source and its client, debounced.
  let kubeWatch: { dispose(): void } | undefined;
  const watchKubeconfig = () => {
    kubeWatch?.dispose();
    const { KubeconfigWatcher, kubeconfigWatchFiles } = require('../data/kube/kubeconfig-watch') as typeof import('../data/kube/kubeconfig-watch');
    const files = kubeconfigWatchFiles(vscode.workspace.getConfiguration('mora').get<string>('kubeconfig', '').trim() || undefined);
    kubeWatch = new KubeconfigWatcher({
      files,
      onChange: () => {
        if (vscode.workspace.getConfiguration('mora').get<string>('dataSource', 'demo') !== 'cluster') return;
        log.info('The kubeconfig changed: reloading the cluster data source.');
        void mora.reloadSource().catch((e) => log.error('Reloading the cluster data source failed', e));
      },
      onWatchError: (dir, e) => log.info(`Not watching ${dir} for kubeconfig changes (${e.message}); Refresh reloads it.`),
    });
  };
  watchKubeconfig();
  extension.subscriptions.push(
    { dispose: () => kubeWatch?.dispose() },
    vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('mora.kubeconfig') && watchKubeconfig()),
  );

  // Optional periodic refresh (mora.refreshIntervalSeconds; 0 = off). Unlike Refresh it keeps what is shown: the
  // listing reloads and each shown namespace is recomputed in the background, swapped in when done; a tick is skipped
  // while the last one still computes (a namespace slower than the interval still finishes; CodeLenses do not flicker).
  const periodic = new PeriodicRefresh(async () => {
    provider().refresh();
    void mora.status.update(mora.source);
    await refreshShown(mora.store.all(), ({ context, namespace }) => mora.store.computeNamespace(namespace, { context, force: true }).catch(() => 0)); // the store logs a failure
  }, (e) => log.warn(`Periodic refresh failed: ${e instanceof Error ? e.message : String(e)}`));
  let timer: NodeJS.Timeout | undefined;
  const schedule = () => {
    if (timer) clearInterval(timer);
    const seconds = vscode.workspace.getConfiguration('mora').get<number>('refreshIntervalSeconds', 0);
    timer = seconds > 0 ? setInterval(() => periodic.tick(), Math.max(10, seconds) * 1000) : undefined;
  };
  schedule();
  extension.subscriptions.push(
    { dispose: () => timer && clearInterval(timer) },
    vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('mora.refreshIntervalSeconds') && schedule()),
  );

  reg('mora.showLog', () => log.channel.show(true));

  // The demo shop's manifests in an untitled YAML editor: CodeLenses and Apply to try without a manifest of one's own
  // (the walkthrough's second step). Nothing is written to disk unless the user saves it.
  reg('mora.openDemoManifests', async () => {
    const doc = await vscode.workspace.openTextDocument({ language: 'yaml', content: demoManifests() });
    await vscode.window.showTextDocument(doc);
    return doc.uri.toString();
  });

  // Up to 30 s (each check waits for its own timeout): a notification with Cancel; cancelling aborts the checks'
  // requests (Kubernetes API, Prometheus) and ends the wait at once.
  reg('mora.healthCheck', async () => {
    const source = mora.source;
    const outcome = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `MOrA: checking the ${source.kind} data source…`, cancellable: true },
      (_progress, token) => withAbortOnCancel((signal) => source.health(signal), token),
    );
    if (outcome.cancelled) {
      log.info(`Health check (${source.kind}): cancelled.`);
      return undefined;
    }
    const health = outcome.value;
    log.info(`Health check (${source.kind}): ${health.ok ? 'ok' : 'failed'} — ${health.message}`);
    const show = health.ok ? vscode.window.showInformationMessage : vscode.window.showWarningMessage;
    void show(`MOrA ${source.kind} data source: ${health.message}`);
    return health;
  });

  reg('mora.selectContext', async () => {
    const contexts = await mora.source.contexts();
    const items = [
      ...contexts.map((c) => ({ label: c, description: mora.source.kind === 'demo' ? 'embedded demo' : 'kubeconfig' })),
      { label: mora.source.kind === 'demo' ? '$(cloud) Use my cluster (kubeconfig + Prometheus)…' : '$(beaker) Use the embedded demo', description: '', switchTo: mora.source.kind === 'demo' ? 'cluster' : 'demo' },
    ];
    const pick = await vscode.window.showQuickPick(items, { title: 'MOrA: select context' });
    if (!pick) return undefined;
    if ('switchTo' in pick) {
      // Where it takes effect: a workspace (folder) value overrides the user's, so writing only the user setting under
      // `"mora.dataSource": "demo"` in the workspace did nothing (as Use the Demo Data, mora.useDemo).
      const cfg = vscode.workspace.getConfiguration('mora');
      const level = effectiveLevel(cfg.inspect<string>('dataSource'));
      const target = level === 'workspaceFolder' ? vscode.ConfigurationTarget.WorkspaceFolder : level === 'workspace' ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
      await cfg.update('dataSource', pick.switchTo, target);
      const problem = overriddenMessage('mora.dataSource', pick.switchTo, vscode.workspace.getConfiguration('mora').get<string>('dataSource'));
      if (problem) {
        log.warn(problem);
        void vscode.window.showWarningMessage(problem);
      }
      return pick.switchTo;
    }
    const node = (await provider().getChildren()).find((n: TreeNode) => n.label === pick.label);
    if (node) await mora.treeView.reveal(node, { expand: true, focus: true });
    return pick.label;
  });

  reg('mora.searchTree', async () => {
    const text = await vscode.window.showInputBox({ title: 'MOrA: show workloads whose name contains…', value: provider().model.filter.search ?? '' });
    if (text === undefined) return;
    provider().model.filter = { ...provider().model.filter, search: text || undefined };
    provider().rerender();
    void vscode.commands.executeCommand('setContext', 'mora.treeFiltered', Boolean(text || provider().model.filter.namespace));
  });

  reg('mora.filterNamespace', async () => {
    const all = new Set<string>();
    for (const c of await mora.source.contexts()) for (const ns of await mora.source.namespaces(c)) all.add(ns);
    const pick = await vscode.window.showQuickPick(['$(clear-all) All namespaces', ...[...all].sort()], { title: 'MOrA: show namespace' });
    if (pick === undefined) return;
    const namespace = pick.startsWith('$(') ? undefined : pick;
    provider().model.filter = { ...provider().model.filter, namespace };
    provider().rerender();
    void vscode.commands.executeCommand('setContext', 'mora.treeFiltered', Boolean(namespace || provider().model.filter.search));
  });

  reg('mora.clearFilter', () => {
    provider().model.filter = { sort: provider().model.filter.sort };
    provider().rerender();
    void vscode.commands.executeCommand('setContext', 'mora.treeFiltered', false);
  });

  reg('mora.sortTree', async () => {
    const pick = await vscode.window.showQuickPick([
      { label: 'Most wasteful first', sort: 'waste' as const },
      { label: 'By name', sort: 'name' as const },
    ], { title: 'MOrA: sort workloads' });
    if (!pick) return;
    provider().model.filter = { ...provider().model.filter, sort: pick.sort };
    provider().rerender();
  });

  reg('mora.copyYaml', async (node?: TreeNode) => {
    const ref = node?.workload;
    if (!ref) throw new Error('Copy YAML works on a workload or container in the MOrA tree.');
    await mora.store.computeNamespace(ref.namespace, { context: ref.context });
    const rec = mora.store.treeSource().get(ref);
    if (!rec) throw new Error(`No recommendation for ${ref.name} yet.`);
    const { resourcesYaml } = require('../views/recommendation-text') as typeof import('../views/recommendation-text');
    const containers = rec.containers.filter((c) => !node?.container || c.container === node.container);
    const text = containers.map((c) => `# ${ref.kind} ${ref.namespace}/${ref.name}, container ${c.container}\n${resourcesYaml(c)}`).join('\n');
    await vscode.env.clipboard.writeText(text);
    void vscode.window.setStatusBarMessage('MOrA: recommended resources copied', 3000);
    return text;
  });

  // mora.applyToCluster (dry run, diff editor, confirm) lives in cluster-commands.ts.
}
