// Opening YAML that is not Kubernetes costs nothing visible: no MOrA status bar item (whose update runs the data
// source's health check); a manifest (apiVersion + kind) or the MOrA view brings it.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activateMora, waitFor } from './helpers';

interface Api {
  statusBarShown(): boolean;
  sourceRequested(): boolean;
  readonly treeView: vscode.TreeView<unknown>;
}

async function showYaml(content: string): Promise<void> {
  const doc = await vscode.workspace.openTextDocument({ language: 'yaml', content });
  await vscode.window.showTextDocument(doc);
}

describe('MOrA activation on YAML', function () {
  this.timeout(60_000);

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('shows the status bar item only while a Kubernetes manifest or the MOrA view is visible', async () => {
    const api = (await activateMora()) as unknown as Api;
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('workbench.view.explorer');
    await waitFor(() => api.treeView.visible, (v) => !v, 10_000);
    await showYaml('apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n');
    assert.equal(await waitFor(() => api.statusBarShown(), (s) => s, 10_000), true, 'a manifest is visible');
    // The CI file takes the manifest's place in the same editor group (no close first): the item, shown until now, must
    // go because of the CI file itself. After closing every editor it would already be hidden and the wait prove nothing.
    await showYaml('on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n');
    assert.equal(await waitFor(() => api.statusBarShown(), (s) => !s, 10_000), false, 'a CI file is not a manifest');
    await vscode.commands.executeCommand('workbench.view.extension.mora');
    assert.equal(await waitFor(() => api.statusBarShown(), (s) => s, 10_000), true, 'the MOrA view is visible');
    assert.equal(api.sourceRequested(), true, 'the view asked for the source');
  });
});
