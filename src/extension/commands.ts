import * as vscode from 'vscode';
import type { TreeNode } from '../views/tree-model';
import type { MoraContext } from './extension';

/** Registers every MOrA command. Commands that change a cluster or send traffic refuse in an untrusted workspace. */
export function registerCommands(mora: MoraContext): void {
  const { extension, log, provider } = mora;
  const reg = (id: string, fn: (...args: never[]) => unknown) =>
    extension.subscriptions.push(vscode.commands.registerCommand(id, async (...args: never[]) => {
      try {
        return await fn(...args);
      } catch (e) {
        log.error(`${id} failed`, e);
        void vscode.window.showErrorMessage(`MOrA: ${e instanceof Error ? e.message : String(e)}`);
        return undefined;
      }
    }));

  reg('mora.refresh', () => {
    provider.refresh();
    void mora.status.update(mora.source);
    log.info('Cluster tree refreshed.');
  });

  reg('mora.showLog', () => log.channel.show(true));

  reg('mora.healthCheck', async () => {
    const health = await mora.source.health();
    log.info(`Health check (${mora.source.kind}): ${health.ok ? 'ok' : 'failed'} — ${health.message}`);
    const show = health.ok ? vscode.window.showInformationMessage : vscode.window.showWarningMessage;
    void show(`MOrA ${mora.source.kind} data source: ${health.message}`);
    return health;
  });

  reg('mora.selectContext', async () => {
    const contexts = await mora.source.contexts();
    const pick = await vscode.window.showQuickPick(contexts.map((c) => ({ label: c, description: mora.source.kind })), { title: 'MOrA: select context' });
    if (pick) {
      await mora.treeView.reveal((await provider.getChildren()).find((n: TreeNode) => n.label === pick.label)!, { expand: true, focus: true });
    }
    return pick?.label;
  });
}
