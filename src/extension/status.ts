import * as vscode from 'vscode';
import type { DataSource } from '../data/datasource';
import { statusText } from '../views/status-text';

/** Shows the active context and whether the data source answers; click runs the health check. */
export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('mora.status', vscode.StatusBarAlignment.Left, 10);

  constructor() {
    this.item.name = 'MOrA';
    this.item.command = 'mora.healthCheck';
    this.item.text = '$(loading~spin) MOrA';
    this.item.show();
  }

  async update(source: DataSource): Promise<void> {
    try {
      const [contexts, current, health] = await Promise.all([source.contexts(), source.currentContext?.().catch(() => undefined), source.health()]);
      // The kubeconfig's current context (kubectl config use-context), not the first one the file lists.
      this.item.text = statusText(health.ok, current, contexts);
      this.item.tooltip = `${source.kind} data source — ${health.message}`;
      this.item.backgroundColor = health.ok ? undefined : new vscode.ThemeColor('statusBarItem.warningBackground');
    } catch (e) {
      this.item.text = '$(error) MOrA';
      this.item.tooltip = `Data source failed: ${e instanceof Error ? e.message : String(e)}`;
    }
  }

  dispose(): void {
    this.item.dispose();
  }
}
