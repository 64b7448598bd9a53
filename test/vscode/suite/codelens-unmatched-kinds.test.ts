// The informational lens on a kind no recommendation names (a DeploymentConfig here), in real VS Code: one MOrA lens
// saying it is not matched, nothing to apply, and its tooltip's `mora manifests apply` naming the document's file
// (workspace-relative, quoted for a shell: the file's folder holds a space) where the CLI's note writes `<file>`.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { appRecommendation, lensFolderPerTest, waitFor } from './helpers';

const DC = ['apiVersion: apps.openshift.io/v1', 'kind: DeploymentConfig', 'metadata:', '  name: frontend', '  namespace: shop',
  'spec:', '  replicas: 2', '  template:', '    spec:', '      containers:', '        - name: app', '          image: app:1',
  '          resources:', '            requests:', '              cpu: 500m', '              memory: 1Gi', ''].join('\n');

describe('MOrA CodeLens on a DeploymentConfig', function () {
  this.timeout(60_000);
  const folder = lensFolderPerTest('unmatched kinds ');

  it('a DeploymentConfig with a Deployment of its namespace/name/container recommended: one "not matched" lens, nothing to write, its tooltip naming the file', async () => {
    const file = path.join(folder.dir, 'frontend dc.yaml');
    fs.writeFileSync(file, DC);
    // The Deployment shop/frontend, container app: the DeploymentConfig's pods moved to a Deployment of the same name.
    folder.api.recommendations.set([appRecommendation('shop', 'frontend', 0.18, 420)]);
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
    await vscode.window.showTextDocument(doc);
    const mora = async () => ((await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri)) ?? [])
      .filter((l) => l.command?.title.startsWith('MOrA') || l.command?.command.startsWith('mora.'));
    const found = await waitFor(mora, (l) => l.length > 0, 30_000, 'a MOrA lens on the DeploymentConfig');
    assert.equal(found.length, 1, found.map((l) => l.command?.title).join(' | '));
    const [lens] = found;
    assert.equal(lens.command?.title, 'MOrA: not matched: no recommendation names a DeploymentConfig');
    assert.equal(lens.range.start.line, doc.getText().split('\n').indexOf('        - name: app'), 'above its container');
    // Nothing that writes: neither mora.applyRecommendation nor any arguments (the workbench cannot run it at all).
    assert.notEqual(lens.command?.command, 'mora.applyRecommendation');
    assert.ok(!lens.command?.command, `no command: ${lens.command?.command}`);
    assert.deepEqual(lens.command?.arguments ?? [], []);

    // The tooltip as sent to the workbench (executeCodeLensProvider hands back no tooltip for a command-less lens).
    const own = folder.api.codeLenses(doc).filter((l) => l.command?.title.startsWith('MOrA'));
    assert.equal(own.length, 1);
    const tooltip = own[0].command?.tooltip ?? '';
    const relative = vscode.workspace.asRelativePath(doc.uri, false);
    assert.ok(relative.endsWith('frontend dc.yaml') && !path.isAbsolute(relative), `workspace-relative: ${relative}`);
    assert.ok(tooltip.includes(`; set its values with mora manifests apply '${relative}' --set DeploymentConfig/frontend/<container>=cpu=…,memory=…`), tooltip);
    assert.ok(!tooltip.includes('<file>'), tooltip);
    assert.match(tooltip, /^DeploymentConfig shop\/frontend: not matched: no recommendation names a DeploymentConfig — /);
  });
});
