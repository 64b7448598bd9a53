/**
 * What every command module is handed by `activate`: kept apart from extension.ts so the command modules do not
 * import the module that imports them (extension.ts ↔ commands was an import cycle).
 */
import type * as vscode from 'vscode';
import type { DataSource } from '../data/datasource';
import type { LstmWorkerPool } from '../ml/worker/pool';
import type { TreeNode } from '../views/tree-model';
import type { Log } from './log';
import type { RecommendationStore } from './recommendation-store';
import type { StatusBar } from './status';
import type { ClusterTreeProvider } from './tree';

/** No kubeconfig found ('none') or one that cannot be used ('unreadable'): the welcome view shows. */
export type KubeconfigProblem = 'none' | 'unreadable';

export interface MoraContext {
  readonly extension: vscode.ExtensionContext;
  readonly log: Log;
  readonly provider: ClusterTreeProvider;
  readonly treeView: vscode.TreeView<TreeNode>;
  /** The status bar item; shown only while the MOrA view or a Kubernetes manifest is visible. */
  readonly status: Pick<StatusBar, 'update'>;
  /** The one recommendation store every view reads (tree, CodeLens, hover, webview). */
  readonly store: RecommendationStore;
  /** LSTM training in worker threads, created on first use; undefined when the worker bundle is missing. */
  lstmPool(): LstmWorkerPool | undefined;
  source: DataSource;
  /** Set when the cluster source has no usable kubeconfig (context key mora.kubeconfigProblem). */
  kubeconfigProblem?: KubeconfigProblem;
  /** Builds the configured source again (settings changed, or the kubeconfig was fixed). */
  reloadSource(): Promise<void>;
}

export const PROMETHEUS_TOKEN_SECRET = 'mora.prometheus.token';
