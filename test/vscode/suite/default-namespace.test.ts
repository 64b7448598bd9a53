// mora.defaultNamespace decides which recommendation a manifest without a namespace gets. Changing it must reach the
// CodeLenses, the hover and the palette's apply-all at once, without an edit to the file or a change in the store (the
// views were cached by document version and store generation only, so they kept the old namespace's numbers).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Recommendation } from '../../../src/core/recommendation';
import { activateMora, appManifest, appRecommendation, waitFor } from './helpers';

// Namespaces the demo source does not have: looking them up computes nothing, so the store changes only when the test says.
const NS_A = 'mora-ns-a';
const NS_B = 'mora-ns-b';

const rec = (namespace: string, cpu: number, mem: number) => appRecommendation(namespace, 'nsweb', cpu, mem, `injected for ${namespace}`);
const MANIFEST = appManifest('nsweb');

describe('mora.defaultNamespace reaches the CodeLenses, hover and apply-all without an edit', function () {
  this.timeout(60_000);
  const cfg = () => vscode.workspace.getConfiguration('mora');
  let file = '';

  before(async () => {
    const api = (await activateMora()) as unknown as { recommendations: { set(recs: Recommendation[]): void } };
    const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? fs.mkdtempSync(path.join(os.tmpdir(), 'mora-'));
    file = path.join(root, `default-namespace-${process.pid}.yaml`);
    fs.writeFileSync(file, MANIFEST);
    api.recommendations.set([rec(NS_A, 0.18, 420), rec(NS_B, 0.3, 100)]);
  });

  after(async () => {
    await cfg().update('defaultNamespace', undefined, vscode.ConfigurationTarget.Workspace);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    fs.rmSync(file, { force: true });
  });

  it('switching the setting switches the lens, the hover and what the palette applies', async () => {
    await cfg().update('defaultNamespace', NS_A, vscode.ConfigurationTarget.Workspace);
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
    await vscode.window.showTextDocument(doc);
    const titles = async () => ((await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri)) ?? [])
      .map((l) => l.command?.title ?? '').filter((t) => t.startsWith('MOrA'));
    const hover = async () => {
      const at = doc.positionAt(doc.getText().indexOf('name: app') + 7);
      const hs = (await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, at)) ?? [];
      return hs.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
    };
    assert.deepEqual(await waitFor(titles, (t) => t.length > 0), ['MOrA: cpu 500m → 180m · mem 1Gi → 420Mi · risk — (no risk stated for a mora value)']);
    assert.match(await hover(), new RegExp(`Deployment ${NS_A}/nsweb`));

    await cfg().update('defaultNamespace', NS_B, vscode.ConfigurationTarget.Workspace);
    const expected = ['MOrA: cpu 500m → 300m · mem 1Gi → 100Mi · risk — (no risk stated for a mora value)'];
    assert.deepEqual(await waitFor(titles, (t) => t[0] === expected[0], 10_000), expected);
    assert.equal(doc.version, 1, 'the document was not edited');
    assert.match(await hover(), new RegExp(`Deployment ${NS_B}/nsweb`));

    await vscode.commands.executeCommand('mora.applyRecommendation');
    assert.match(doc.getText(), /cpu: 300m/);
    assert.match(doc.getText(), /memory: 100Mi/);
    await vscode.commands.executeCommand('workbench.action.files.revert');
  });
});
