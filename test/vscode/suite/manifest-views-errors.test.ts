// A manifest whose view throws (a lookup or a text module failing on some recommendation) loses every CodeLens, hover and
// hint of the file: that must not happen without a word. The error goes to the output channel, once per document version.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { ManifestViews } from '../../../src/extension/codelens';

const YAML = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: app\n'
  + '        resources:\n          requests:\n            cpu: 500m\n';

describe('manifest views: a failure is logged, once per document version', function () {
  this.timeout(60_000);

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('a throwing lookup: no view, one log line per version, however often asked', async () => {
    const logged: string[] = [];
    let fail = true;
    const store = {
      onDidChange: () => ({ dispose() { /* nothing to undo */ } }),
      lookup: () => { if (fail) throw new Error('lookup exploded'); return undefined; },
    };
    const views = new ManifestViews(store as unknown as ConstructorParameters<typeof ManifestViews>[0], {
      error: (message: string, error?: unknown) => logged.push(`${message}: ${(error as Error).message}`),
    });
    try {
      const doc = await vscode.workspace.openTextDocument({ language: 'yaml', content: YAML });
      assert.equal(views.get(doc), undefined);
      assert.equal(views.get(doc), undefined);
      assert.equal(logged.length, 1, logged.join('\n'));
      assert.match(logged[0], new RegExp(`CodeLenses, hovers and hints of .* \\(version ${doc.version}\\) could not be computed; the file shows none: lookup exploded$`));

      const edit = new vscode.WorkspaceEdit();
      edit.insert(doc.uri, new vscode.Position(0, 0), '# edited\n');
      assert.ok(await vscode.workspace.applyEdit(edit));
      assert.equal(views.get(doc), undefined);
      assert.equal(views.get(doc), undefined);
      assert.equal(logged.length, 2, logged.join('\n'));
      assert.match(logged[1], new RegExp(`\\(version ${doc.version}\\)`));

      // Working again: a view, and nothing more logged.
      fail = false;
      const e2 = new vscode.WorkspaceEdit();
      e2.insert(doc.uri, new vscode.Position(0, 0), '# again\n');
      assert.ok(await vscode.workspace.applyEdit(e2));
      assert.ok(views.get(doc));
      assert.equal(logged.length, 2);
    } finally {
      views.dispose();
    }
  });
});
