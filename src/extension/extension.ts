/**
 * MOrA's VS Code entry point: glue only. Activation stays light (no TensorFlow.js, no Kubernetes client):
 * the tree reads the demo or cluster source lazily, heavy work loads on first use.
 */
import * as vscode from 'vscode';
import { heavyModulesLoaded } from '../core/heavy';
import type { DataSource } from '../data/datasource';
import { DemoDataSource } from '../data/demo';
import { ClusterTreeModel, type TreeNode } from '../views/tree-model';
import { registerCommands } from './commands';
import { Log } from './log';
import { registerManifestFeatures, type ManifestFeaturesApi } from './manifest-commands';
import { StatusBar } from './status';
import { ClusterTreeProvider } from './tree';

/** What `activate` returns: used by the VS Code test suites, and by other extensions that want MOrA's data. */
export interface MoraApi extends ManifestFeaturesApi {
  tree: { getChildren(node?: TreeNode): Promise<TreeNode[]>; getTreeItem(node: TreeNode): vscode.TreeItem };
  loadedHeavyModules(): string[];
  readonly treeView: vscode.TreeView<TreeNode>;
}

export interface MoraContext {
  readonly extension: vscode.ExtensionContext;
  readonly log: Log;
  readonly provider: ClusterTreeProvider;
  readonly treeView: vscode.TreeView<TreeNode>;
  readonly status: StatusBar;
  source: DataSource;
}

export function createSource(log: Log): DataSource {
  const kind = vscode.workspace.getConfiguration('mora').get<string>('dataSource', 'demo');
  if (kind !== 'demo') log.warn(`Data source "${kind}" is not available in this build; showing the embedded demo.`);
  return new DemoDataSource();
}

export function activate(context: vscode.ExtensionContext): MoraApi {
  const log = new Log();
  const source = createSource(log);
  const provider = new ClusterTreeProvider(new ClusterTreeModel(source));
  const treeView = vscode.window.createTreeView('mora.clusterTree', { treeDataProvider: provider, showCollapseAll: true });
  const status = new StatusBar();
  const mora: MoraContext = { extension: context, log, provider, treeView, status, source };
  context.subscriptions.push(log, provider, treeView, status);
  registerCommands(mora);
  const manifestFeatures = registerManifestFeatures(mora);
  void status.update(source);
  log.info(`MOrA activated (data source: ${source.kind}).`);
  return {
    tree: { getChildren: (n) => provider.getChildren(n), getTreeItem: (n) => provider.getTreeItem(n) },
    loadedHeavyModules: heavyModulesLoaded,
    treeView,
    ...manifestFeatures,
  };
}

export function deactivate(): void {
  // Subscriptions dispose everything.
}
