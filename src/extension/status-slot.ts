import * as vscode from 'vscode';
import type { DataSource, SourceHealth } from '../data/datasource';
import { looksLikeKubernetes } from '../manifests/sniff';
import type { SourceWarning } from '../views/source-warnings';
import { StatusBar } from './status';

/**
 * The status bar item, there only while it means something: the MOrA view is visible or an editor shows a Kubernetes
 * manifest (a YAML text with apiVersion and kind). Other YAML — a CI file, a compose file — shows no item and costs no
 * health check. The item is made when it is first wanted (its update asks the source for contexts and health) and
 * disposed when no longer wanted; `onShown` runs each time it appears (the extension builds its source then).
 */
export class StatusSlot implements vscode.Disposable {
  private bar: StatusBar | undefined;
  private last: DataSource | undefined;
  private warnings: readonly SourceWarning[] = [];
  private readonly subscriptions: vscode.Disposable[];

  /** `onHealth`: each health answer the item gets (StatusBar's), for the warnings it carries. */
  constructor(private readonly treeView: vscode.TreeView<unknown>, private readonly onShown: () => void,
    private readonly onHealth?: (source: DataSource, health: SourceHealth) => void) {
    const refresh = () => this.refresh();
    this.subscriptions = [
      treeView.onDidChangeVisibility(refresh),
      vscode.window.onDidChangeVisibleTextEditors(refresh),
      // A visible YAML file that becomes a manifest (or stops being one) as it is typed.
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.document.languageId === 'yaml' && vscode.window.visibleTextEditors.some((x) => x.document === e.document)) refresh();
      }),
    ];
  }

  get shown(): boolean {
    return this.bar !== undefined;
  }

  /** Shows the source's context and health when the item is shown (else when it next is). */
  update(source: DataSource): Promise<void> {
    this.last = source;
    return this.bar ? this.bar.update(source) : Promise.resolve();
  }

  /** The warnings standing about the source's usage (SourceWarnings.all()), shown by the item now and when it next shows. */
  setWarnings(warnings: readonly SourceWarning[]): void {
    this.warnings = warnings;
    this.bar?.setWarnings(warnings);
  }

  refresh(): void {
    const wanted = this.treeView.visible || vscode.window.visibleTextEditors.some((e) => e.document.languageId === 'yaml' && looksLikeKubernetes(e.document.getText()));
    if (wanted && !this.bar) {
      this.bar = new StatusBar(this.onHealth);
      this.bar.setWarnings(this.warnings);
      this.onShown();
      if (this.last) void this.bar.update(this.last);
    } else if (!wanted && this.bar) {
      this.bar.dispose();
      this.bar = undefined;
    }
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.bar?.dispose();
    this.bar = undefined;
  }
}
