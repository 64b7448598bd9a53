import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { ESLint } from 'eslint';

/** The lint rules that keep the editor-free core editor-free and the webview browser-only. */
describe('import boundaries (lint)', function () {
  this.timeout(60000);
  const root = join(__dirname, '..', '..');
  const eslint = new ESLint({ cwd: root });
  const errors = async (file: string, code: string) =>
    (await eslint.lintText(code, { filePath: join(root, file) }))[0].messages.filter((m) => m.ruleId === 'no-restricted-imports');

  it('rejects a vscode import under src/ml and the other editor-free folders', async () => {
    for (const dir of ['src/ml', 'src/core', 'src/data', 'src/cli', 'src/manifests', 'src/views', 'src/pipeline']) {
      const found = await errors(`${dir}/probe.ts`, "import * as vscode from 'vscode';\nexport const x = vscode;\n");
      assert.equal(found.length, 1, `${dir} may not import vscode`);
      assert.match(found[0].message, /Only src\/extension/);
    }
  });

  it('allows vscode in src/extension', async () => {
    assert.deepEqual(await errors('src/extension/probe.ts', "import * as vscode from 'vscode';\nexport const x = vscode;\n"), []);
  });

  it('rejects Node modules in the webview', async () => {
    const found = await errors('src/webview/probe.ts', "import { readFileSync } from 'node:fs';\nimport * as path from 'path';\nexport const x = [readFileSync, path];\n");
    assert.equal(found.length, 2);
  });
});
