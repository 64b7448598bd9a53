import * as vscode from 'vscode';
import type { DataSource } from '../data/datasource';
import { ClusterTreeModel, type TreeNode } from '../views/tree-model';

/** Maps the editor-free tree model to VS Code TreeItems. Elements are the model's stable nodes, so `reveal` works. */
export class ClusterTreeProvider implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  /** No root items (the source cannot be used, e.g. no kubeconfig): VS Code then shows the view's welcome content. */
  private empty = false;

  constructor(public model: ClusterTreeModel) {
    this.follow(model);
  }

  /** A watched namespace changed in the cluster: VS Code asks for its children again (debounced in the source). */
  private follow(model: ClusterTreeModel): void {
    model.onDidChange = (node) => this.changed.fire(node);
  }

  /** A namespace collapsed: its watch stops until it is expanded again. */
  collapsed(node: TreeNode): void {
    this.model.collapsed(node);
  }

  /**
   * Points the tree at another data source (settings changed), keeping filter and sort; `empty` leaves the tree empty;
   * `warnings`: that source's (SourceWarnings), said on the context rows.
   */
  setSource(source: DataSource, options: { empty?: boolean; warnings?: ClusterTreeModel['warnings'] } = {}): void {
    const filter = this.model.filter;
    this.model.dispose();
    this.model = new ClusterTreeModel(source, this.model.recommendations);
    this.follow(this.model);
    this.model.filter = filter;
    this.model.warnings = options.warnings;
    this.empty = options.empty ?? false;
    this.changed.fire(undefined);
  }

  refresh(): void {
    this.model.invalidate();
    this.changed.fire(undefined);
  }

  /** Re-render without reloading data (filter or sort changed). */
  rerender(): void {
    this.changed.fire(undefined);
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    const item = new vscode.TreeItem(node.label, node.collapsible ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    item.id = node.id;
    item.description = node.description;
    if (node.tooltip) item.tooltip = new vscode.MarkdownString(node.tooltip);
    item.iconPath = new vscode.ThemeIcon(node.icon.id, node.icon.color ? new vscode.ThemeColor(node.icon.color) : undefined);
    item.contextValue = node.contextValue;
    if (node.kind === 'container') {
      item.command = { command: 'mora.showForecast', title: 'Show Forecast', arguments: [node] };
    }
    return item;
  }

  getChildren(node?: TreeNode): Promise<TreeNode[]> {
    if (this.empty) return Promise.resolve([]);
    return this.model.children(node);
  }

  getParent(node: TreeNode): TreeNode | undefined {
    return this.model.parent(node);
  }

  dispose(): void {
    this.model.dispose();
    this.changed.dispose();
  }
}
