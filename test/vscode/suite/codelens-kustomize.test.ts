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
  // An overlay elsewhere in the repository renders the base into prod (bba337b): noted, or refused when prod/web is
  // recommended otherwise, as recommend --apply-to <file> says it.
  it('overlays/prod renders base/deployment.yaml into prod: Apply refused while prod/web is recommended otherwise, applied with the note once alike', async () => {
    fs.mkdirSync(path.join(folder.dir, '.git'));
    fs.mkdirSync(path.join(folder.dir, 'base'));
    fs.mkdirSync(path.join(folder.dir, 'overlays', 'prod'), { recursive: true });
    fs.writeFileSync(path.join(folder.dir, 'base', 'kustomization.yaml'), 'resources:\n- deployment.yaml\n');
    fs.writeFileSync(path.join(folder.dir, 'base', 'deployment.yaml'), appManifest('web'));
    fs.writeFileSync(path.join(folder.dir, 'overlays', 'prod', 'kustomization.yaml'), 'namespace: prod\nresources:\n- ../../base\n');
    folder.api.recommendations.set([appRecommendation('default', 'web', 0.18, 420), appRecommendation('prod', 'web', 0.5, 420)]);
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(path.join(folder.dir, 'base', 'deployment.yaml')));
    await vscode.window.showTextDocument(doc);
    const refused = await waitFor(() => mora(doc), (l) => l.some((x) => x.command?.title.startsWith('Apply: refused')), 30_000, 'the refused Apply');
    const apply = refused.find((l) => l.command?.command === 'mora.applyRecommendation')!;
    assert.equal(apply.command?.title, 'Apply: refused, an overlay recommends it otherwise');
    const tooltip = folder.api.codeLenses(doc).find((l) => l.command?.command === 'mora.applyRecommendation')?.command?.tooltip ?? '';
    assert.match(tooltip, /^also rendered by .*overlays[/\\]prod[/\\]kustomization\.yaml as prod\/Deployment\/web, whose own recommendation sets the cpu request to 500m/);
    const original = doc.getText();
    assert.equal(await vscode.commands.executeCommand(apply.command!.command, ...(apply.command!.arguments ?? [])), undefined, 'refused (an error message)');
    assert.equal(doc.getText(), original, 'nothing written');

    // prod/web recommended as default/web is (set replaces prod's): the Apply is offered, noting prod, and its message too.
    folder.api.recommendations.set([appRecommendation('prod', 'web', 0.18, 420)]);
    const offered = await waitFor(() => mora(doc), (l) => l.some((x) => x.command?.title === 'Apply'), 30_000, 'the Apply');
    const lens = folder.api.codeLenses(doc).find((l) => l.command?.title === 'Apply');
    assert.match(lens?.command?.tooltip ?? '', /\nnote: also rendered by .*overlays[/\\]prod[/\\]kustomization\.yaml as prod\/Deployment\/web: this edit changes its .*\(the values its own recommendation gives too\)$/);
    const run = offered.find((l) => l.command?.title === 'Apply')!;
    const message = await vscode.commands.executeCommand<string>(run.command!.command, ...(run.command!.arguments ?? []));
    assert.match(message ?? '', /^Applied 1 change\(s\) to .*deployment\.yaml\. Note: also rendered by .*as prod\/Deployment\/web: /);
    assert.match(doc.getText(), /cpu: 180m/);
  });
});
