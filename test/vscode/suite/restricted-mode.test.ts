// Restricted Mode: a user-level mora.dataSource = cluster still applies in an untrusted workspace (VS Code ignores only
// workspace values of restrictedConfigurations), so MOrA itself must build the demo there — the tree, the CodeLens
// lookups and restored forecast views all read `mora.source` — and say that the cluster waits for trust. The harness
// runs VS Code with workspace trust off (always trusted), so the test makes `vscode.workspace.isTrusted` false for the
// extension (the same API object: the suite lives in the extension's folder); trust coming back is a rebuild, which is
// what onDidGrantWorkspaceTrust runs.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { activateMora, labelOf, waitFor, type MoraTestApi } from './helpers';

type Api = MoraTestApi & { sourceKind(): string; kubeconfigProblem(): string | undefined };

describe('Restricted Mode shows the demo even with a user-level cluster data source', function () {
  this.timeout(120_000);
  const cfg = () => vscode.workspace.getConfiguration('mora');
  let dir = '';
  const trusted = Object.getOwnPropertyDescriptor(vscode.workspace, 'isTrusted');
  /** false: untrusted for the extension too; undefined: VS Code's own property back. */
  const setTrusted = (value: false | undefined) => {
    if (value === false) Object.defineProperty(vscode.workspace, 'isTrusted', { get: () => false, configurable: true });
    else if (trusted) Object.defineProperty(vscode.workspace, 'isTrusted', trusted);
    else delete (vscode.workspace as { isTrusted?: boolean }).isTrusted;
  };

  before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mora-vscode-restricted-')); });
  after(async () => {
    setTrusted(undefined);
    await cfg().update('dataSource', undefined, vscode.ConfigurationTarget.Global);
    await cfg().update('kubeconfig', undefined, vscode.ConfigurationTarget.Global);
    const api = (await activateMora()) as Api;
    await waitFor(() => api.sourceKind(), (k) => k === 'demo');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('untrusted: the demo tree and a note on the view; trusted again: the cluster\'s contexts', async () => {
    const api = (await activateMora()) as Api;
    assert.ok(trusted?.configurable, 'vscode.workspace.isTrusted can be replaced for the test');
    const labels = async () => Promise.all((await api.tree.getChildren()).map((n) => labelOf(api, n)));
    const kubeconfig = path.join(dir, 'kubeconfig.yaml');
    fs.writeFileSync(kubeconfig, ['apiVersion: v1', 'kind: Config', 'clusters:', '- name: c', '  cluster:', '    server: https://127.0.0.1:9', 'users:', '- name: u', '  user:', '    token: t',
      'contexts:', '- name: mora-restricted', '  context:', '    cluster: c', '    user: u', 'current-context: mora-restricted', ''].join('\n'));

    setTrusted(false);
    assert.equal(vscode.workspace.isTrusted, false);
    await cfg().update('kubeconfig', kubeconfig, vscode.ConfigurationTarget.Global);
    await cfg().update('dataSource', 'cluster', vscode.ConfigurationTarget.Global);
    // The switch has run when the view says why it shows the demo (before the fix: the cluster, and no note).
    const description = await waitFor(() => String(api.treeView.description ?? ''), (d) => /Restricted Mode/.test(d) || api.sourceKind() === 'cluster', 30_000);
    assert.equal(api.sourceKind(), 'demo', 'no cluster source in an untrusted workspace');
    assert.match(description, /Restricted Mode: the cluster waits for trust/);
    assert.deepEqual(await waitFor(labels, (l) => l.length > 0), ['demo']);

    // Trust granted (onDidGrantWorkspaceTrust rebuilds the source): the configured cluster.
    setTrusted(undefined);
    await vscode.commands.executeCommand('mora.reloadKubeconfig');
    assert.equal(api.sourceKind(), 'cluster');
    assert.equal(api.treeView.description, undefined);
    assert.deepEqual(await waitFor(labels, (l) => l[0] === 'mora-restricted'), ['mora-restricted']);
  });
});
