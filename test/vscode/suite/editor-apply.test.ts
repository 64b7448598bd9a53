// Applying from the editor (editor apply): the forecast view's Apply asks which manifest when two visible ones hold the
// workload; a second manifest Apply racing the first is refused with words that say so (not "is it read-only?"); Use
// the Demo Data writes only the scope the effective value comes from.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { demoManifests } from '../../../src/data/demo';
import type { ManifestChange } from '../../../src/manifests/types';
import { activateMora, waitFor } from './helpers';

interface ForecastApi {
  forecast: {
    show(target: { namespace: string; kind: string; name: string; container: string }): Promise<void>;
    request(command: 'apply'): Promise<unknown>;
  };
  sourceKind(): string;
}

describe('Applying from the editor: which manifest, a refused edit, Use the Demo Data\'s scope (editor apply)', function () {
  this.timeout(120_000);
  const window = vscode.window as unknown as Record<string, unknown>;
  const real = { showQuickPick: vscode.window.showQuickPick, showErrorMessage: vscode.window.showErrorMessage };
  const files: string[] = [];
  const root = () => vscode.workspace.workspaceFolders![0].uri.fsPath;
  const cfg = () => vscode.workspace.getConfiguration('mora');
  afterEach(async () => {
    window.showQuickPick = real.showQuickPick;
    window.showErrorMessage = real.showErrorMessage;
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    for (const f of files.splice(0)) fs.rmSync(f, { force: true });
  });

  it('the forecast view\'s Apply with two visible manifests holding the workload asks which file, and writes only the one picked', async () => {
    const api = (await activateMora()) as unknown as ForecastApi;
    const a = path.join(root(), `apply-a-${process.pid}.yaml`);
    const b = path.join(root(), `apply-b-${process.pid}.yaml`);
    files.push(a, b);
    fs.writeFileSync(a, demoManifests());
    fs.writeFileSync(b, demoManifests());
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const docA = await vscode.workspace.openTextDocument(vscode.Uri.file(a));
    const docB = await vscode.workspace.openTextDocument(vscode.Uri.file(b));
    await vscode.window.showTextDocument(docB, vscode.ViewColumn.Two);
    await vscode.window.showTextDocument(docA, vscode.ViewColumn.One); // a: the active editor, first in editor order
    await api.forecast.show({ namespace: 'shop', kind: 'Deployment', name: 'productcatalogservice', container: 'server' });
    const [textA, textB] = [docA.getText(), docB.getText()];
    const asked: string[][] = [];
    window.showQuickPick = async (items: Array<vscode.QuickPickItem>) => {
      asked.push(items.map((i) => i.label));
      return items.find((i) => i.label.startsWith('apply-b-'));
    };
    const message = String(await api.forecast.request('apply'));
    assert.deepEqual(asked, [[`apply-a-${process.pid}.yaml`, `apply-b-${process.pid}.yaml`]], 'asked once, naming both files');
    assert.match(message, new RegExp(`^Applied \\d+ change\\(s\\) to apply-b-${process.pid}\\.yaml\\.$`));
    assert.equal(docA.getText(), textA, 'the active manifest is not written');
    assert.notEqual(docB.getText(), textB);
    // Dismissing the pick writes nothing.
    window.showQuickPick = async () => undefined;
    await api.forecast.show({ namespace: 'shop', kind: 'Deployment', name: 'cartservice', container: 'server' });
    const [againA, againB] = [docA.getText(), docB.getText()];
    assert.equal(await api.forecast.request('apply'), 'Nothing applied.');
    assert.deepEqual([docA.getText(), docB.getText()], [againA, againB]);
  });

  it('a manifest Apply refused because the document changed meanwhile (another edit landed first) says so and to try again, not "read-only"', async () => {
    await activateMora();
    const file = path.join(root(), `apply-race-${process.pid}.yaml`);
    files.push(file);
    fs.writeFileSync(file, demoManifests());
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
    await vscode.window.showTextDocument(doc);
    const errors: string[] = [];
    window.showErrorMessage = async (m: string) => { errors.push(m); return undefined; };
    // VS Code refuses an edit computed on a version of the document the editor no longer has ("has changed in the
    // meantime"): here another edit lands first, and VS Code's answer to MOrA's is that refusal. Two Applies in quick
    // succession meet it when the editor applies the other between the first's computing and its validation.
    const workspace = vscode.workspace as unknown as Record<string, unknown>;
    const realApplyEdit = vscode.workspace.applyEdit;
    workspace.applyEdit = async () => {
      const other = new vscode.WorkspaceEdit();
      other.insert(doc.uri, new vscode.Position(0, 0), '# another edit\n');
      await realApplyEdit(other);
      return false;
    };
    const change: ManifestChange[] = [{ type: 'resources', target: { kind: 'Deployment', name: 'cartservice', container: 'server' }, set: { requests: { cpu: '111m' } } }];
    try {
      assert.equal(await vscode.commands.executeCommand('mora.applyRecommendation', { uri: doc.uri.toString(), changes: change }), undefined);
    } finally {
      workspace.applyEdit = realApplyEdit;
    }
    assert.equal(errors.length, 1, errors.join('\n'));
    assert.equal(errors[0], `MOrA: VS Code refused the edit to apply-race-${process.pid}.yaml: apply-race-${process.pid}.yaml changed while the edit was being made. Nothing was written; try again.`);
    await vscode.commands.executeCommand('workbench.action.files.revert');
  });

  it('Use the Demo Data with cluster in both the workspace and the user settings writes the workspace\'s only', async () => {
    const api = (await activateMora()) as unknown as ForecastApi;
    const missing = path.join(root(), `missing-kubeconfig-${process.pid}.yaml`);
    try {
      await cfg().update('kubeconfig', missing, vscode.ConfigurationTarget.Global);
      await cfg().update('dataSource', 'cluster', vscode.ConfigurationTarget.Global);
      await cfg().update('dataSource', 'cluster', vscode.ConfigurationTarget.Workspace);
      await waitFor(() => api.sourceKind(), (k) => k === 'cluster');
      await vscode.commands.executeCommand('mora.useDemo');
      assert.equal(await waitFor(() => api.sourceKind(), (k) => k === 'demo'), 'demo');
      const where = cfg().inspect<string>('dataSource');
      assert.equal(where?.workspaceValue, 'demo');
      assert.equal(where?.globalValue, 'cluster', 'the user setting (other windows) is left as it was');
    } finally {
      await cfg().update('dataSource', undefined, vscode.ConfigurationTarget.Workspace);
      await cfg().update('dataSource', undefined, vscode.ConfigurationTarget.Global);
      await cfg().update('kubeconfig', undefined, vscode.ConfigurationTarget.Global);
      await waitFor(() => api.sourceKind(), (k) => k === 'demo');
    }
  });
});
