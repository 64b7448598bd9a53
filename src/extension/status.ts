import * as vscode from 'vscode';
import type { DataSource, SourceHealth } from '../data/datasource';
import { statusText } from '../views/status-text';
import { statusTooltip, type SourceWarning } from '../views/source-warnings';

/**
 * Shows the active context and whether the data source answers; click runs the health check. A warning about the usage
 * read (a stopped cAdvisor target, a Prometheus read split: SourceWarnings) shows it as not ok, its tooltip saying it.
 */
export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('mora.status', vscode.StatusBarAlignment.Left, 10);
  /** The last health answer, as shown: whether ok, the context, the tooltip's health line. */
  private shown: { ok: boolean; current: string | undefined; contexts: string[]; tooltip: string } | undefined;
  private warnings: readonly SourceWarning[] = [];

  /** `onHealth`: each health answer, for the warnings it carries (SourceHealth.stale). */
  constructor(private readonly onHealth?: (source: DataSource, health: SourceHealth) => void) {
    this.item.name = 'MOrA';
    this.item.command = 'mora.healthCheck';
    this.item.text = '$(loading~spin) MOrA';
    this.item.show();
  }

  async update(source: DataSource): Promise<void> {
    try {
      const [contexts, current, health] = await Promise.all([source.contexts(), source.currentContext?.().catch(() => undefined), source.health()]);
      // The kubeconfig's current context (kubectl config use-context), not the first one the file lists.
      this.shown = { ok: health.ok, current, contexts, tooltip: `${source.kind} data source — ${health.message}` };
      this.render();
      this.onHealth?.(source, health);
    } catch (e) {
      this.shown = undefined;
      this.item.text = '$(error) MOrA';
      this.item.tooltip = `Data source failed: ${e instanceof Error ? e.message : String(e)}`;
    }
  }

  /** The warnings standing about the source's usage (SourceWarnings.all()). */
  setWarnings(warnings: readonly SourceWarning[]): void {
    this.warnings = warnings;
    this.render();
  }

  private render(): void {
    if (!this.shown) return;
    const { ok, current, contexts, tooltip } = this.shown;
    const fine = ok && this.warnings.length === 0;
    this.item.text = statusText(fine, current, contexts);
    this.item.tooltip = statusTooltip(tooltip, this.warnings);
    this.item.backgroundColor = fine ? undefined : new vscode.ThemeColor('statusBarItem.warningBackground');
  }

  dispose(): void {
    this.item.dispose();
  }
}
