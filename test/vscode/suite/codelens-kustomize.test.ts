// The lenses of a manifest file that a kustomization renders, in real VS Code, as `recommend --apply-to <file>` reads it:
// a Deployment without a namespace in a folder whose kustomization.yaml sets `namespace: prod` gets prod's
// recommendation; one whose kustomization has an inline patch setting its cpu gets an Apply that says it is refused and,
// run, writes nothing. An untitled document with the same text keeps the old rule (the default namespace).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { appManifest, appRecommendation, lensFolderPerTest, waitFor } from './helpers';

const mora = async (doc: vscode.TextDocument) => ((await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri)) ?? [])
  .filter((l) => l.command?.title.startsWith('MOrA') || l.command?.command.startsWith('mora.'));

describe('MOrA CodeLenses in a kustomize folder', function () {
  this.timeout(60_000);
  const folder = lensFolderPerTest('kustomize-lens-');

  it('a Deployment without a namespace, in a folder whose kustomization.yaml sets namespace: prod, gets prod\'s lens (an untitled copy does not)', async () => {
    const overlay = path.join(folder.dir, 'overlays', 'prod');
    fs.mkdirSync(overlay, { recursive: true });
    fs.writeFileSync(path.join(overlay, 'kustomization.yaml'), 'namespace: prod\nresources:\n- deployment.yaml\n');
    fs.writeFileSync(path.join(overlay, 'deployment.yaml'), appManifest('web'));
    folder.api.recommendations.set([appRecommendation('prod', 'web', 0.18, 420)]);
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(path.join(overlay, 'deployment.yaml')));
    await vscode.window.showTextDocument(doc);
    const found = await waitFor(() => mora(doc), (l) => l.length >= 2, 30_000, 'the lenses of prod/web');
    assert.deepEqual(found.map((l) => l.command?.title.replace(/^MOrA: cpu .*/, 'MOrA: cpu …')), ['MOrA: cpu …', 'Apply']);
    assert.equal(found[0].command?.command, 'mora.showForecast');
    assert.equal((found[0].command?.arguments?.[0] as { workload?: { namespace: string } }).workload?.namespace, 'prod');

    // The kustomization changed on disk (its folder is watched): read again, prod's lens goes.
    fs.writeFileSync(path.join(overlay, 'kustomization.yaml'), 'namespace: staging\nresources:\n- deployment.yaml\n');
    await waitFor(() => mora(doc), (l) => l.length === 0, 30_000, 'no lens once the kustomization says staging');

    // Untitled: no file, no kustomization: looked up in the default namespace as before, so no lens.
    const untitled = await vscode.workspace.openTextDocument({ language: 'yaml', content: appManifest('web') });
    await vscode.window.showTextDocument(untitled);
    assert.deepEqual(folder.api.codeLenses(untitled).map((l) => l.command?.title), []);
  });

  // Saved in the editor: read again at once (the watchers of the file's folder do not see it).
  it('the kustomization above the file\'s folder places it; saving an edit of it in the editor moves the lens', async () => {
    const prod = path.join(folder.dir, 'overlays', 'prod');
    fs.mkdirSync(path.join(prod, 'deploy'), { recursive: true });
    fs.writeFileSync(path.join(prod, 'kustomization.yaml'), 'namespace: prod\nresources:\n- deploy/web.yaml\n');
    fs.writeFileSync(path.join(prod, 'deploy', 'web.yaml'), appManifest('web'));
    folder.api.recommendations.set([appRecommendation('prod', 'web', 0.18, 420)]);
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(path.join(prod, 'deploy', 'web.yaml')));
    await vscode.window.showTextDocument(doc);
    await waitFor(() => mora(doc), (l) => l.length === 2, 30_000, 'the lenses of prod/web');
    const k = await vscode.workspace.openTextDocument(vscode.Uri.file(path.join(prod, 'kustomization.yaml')));
    const edit = new vscode.WorkspaceEdit();
    edit.replace(k.uri, new vscode.Range(0, 0, 0, 'namespace: prod'.length), 'namespace: staging');
    assert.ok(await vscode.workspace.applyEdit(edit));
    assert.ok(await k.save());
    await waitFor(() => mora(doc), (l) => l.length === 0, 30_000, 'no lens once the kustomization above says staging');
  });

  it('an inline patch of the kustomization sets web\'s cpu: the Apply lens says it is refused, and running it writes nothing', async () => {
    const app = path.join(folder.dir, 'app');
    fs.mkdirSync(app, { recursive: true });
    const patch = ['apiVersion: apps/v1', 'kind: Deployment', 'metadata:', '  name: web', 'spec:', '  template:', '    spec:', '      containers:',
      '        - name: app', '          resources:', '            requests:', '              cpu: "4"'];
    fs.writeFileSync(path.join(app, 'kustomization.yaml'), ['resources:', '- deployment.yaml', 'patches:', '- patch: |-', ...patch.map((l) => `    ${l}`), ''].join('\n'));
    fs.writeFileSync(path.join(app, 'deployment.yaml'), appManifest('web'));
    folder.api.recommendations.set([appRecommendation('default', 'web', 0.18, 420)]);
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(path.join(app, 'deployment.yaml')));
    await vscode.window.showTextDocument(doc);
    const found = await waitFor(() => mora(doc), (l) => l.length >= 2, 30_000, 'the lenses of default/web');
    const apply = found.find((l) => l.command?.command === 'mora.applyRecommendation');
    assert.equal(apply?.command?.title, 'Apply: refused, a kustomize patch sets it');
    const tooltip = folder.api.codeLenses(doc).find((l) => l.command?.command === 'mora.applyRecommendation')?.command?.tooltip ?? '';
    assert.match(tooltip, /^default\/Deployment\/web\/app is in .*app[/\\]deployment\.yaml, but a patch outside the path given sets it too: .*kustomization\.yaml \(inline patch patches\[0\], line 4\)/);
    const original = doc.getText();
    assert.equal(await vscode.commands.executeCommand(apply!.command!.command, ...(apply!.command!.arguments ?? [])), undefined, 'refused (an error message)');
    assert.equal(doc.getText(), original, 'nothing written');
    assert.equal(doc.isDirty, false);
  });
});
