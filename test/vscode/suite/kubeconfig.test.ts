// The cluster data source without a usable kubeconfig: an empty tree, so the welcome view (chosen by the context key
// mora.kubeconfigProblem) says what MOrA looked for and offers the demo — never client-node's placeholder context
// "loaded-context". The extension host's environment cannot change here, so the kubeconfig comes from mora.kubeconfig.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { activateMora, EXTENSION_ID, labelOf, waitFor, type MoraTestApi } from './helpers';

type Api = MoraTestApi & { sourceKind(): string; kubeconfigProblem(): string | undefined };

describe('MOrA cluster source without a usable kubeconfig', function () {
  this.timeout(120_000);
  let dir: string;
  const cfg = () => vscode.workspace.getConfiguration('mora');
  before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mora-vscode-kubeconfig-')); });
  after(async () => {
    await cfg().update('kubeconfig', undefined, vscode.ConfigurationTarget.Global);
    await cfg().update('dataSource', undefined, vscode.ConfigurationTarget.Global);
    const api = (await activateMora()) as Api;
    await waitFor(() => api.sourceKind(), (k) => k === 'demo');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const labels = async (api: Api) => Promise.all((await api.tree.getChildren()).map((n) => labelOf(api, n)));

  it('a missing kubeconfig: no tree items (the welcome view), then Use the Demo Data brings the demo back', async () => {
    const api = (await activateMora()) as Api;
    await cfg().update('kubeconfig', path.join(dir, 'missing-kubeconfig.yaml'), vscode.ConfigurationTarget.Global);
    await cfg().update('dataSource', 'cluster', vscode.ConfigurationTarget.Global);
    assert.equal(await waitFor(() => api.kubeconfigProblem(), (p) => p === 'unreadable'), 'unreadable');
    assert.equal(api.sourceKind(), 'cluster');
    assert.deepEqual(await api.tree.getChildren(), [], 'an empty tree is what shows the welcome view');
    assert.equal(api.treeView.description, 'kubeconfig unusable');
    // The welcome content this state selects explains and offers the way back to the demo.
    const welcome = (vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as { contributes: { viewsWelcome: Array<{ contents: string; when?: string }> } }).contributes.viewsWelcome;
    const shown = welcome.filter((w) => w.when === 'mora.kubeconfigProblem == unreadable');
    assert.equal(shown.length, 1);
    assert.match(shown[0].contents, /\[Use the Demo Data\]\(command:mora\.useDemo\)/);
    const none = welcome.find((w) => w.when === 'mora.kubeconfigProblem == none')!;
    assert.match(none.contents, /KUBECONFIG[\s\S]*~\/\.kube\/config[\s\S]*in-cluster service account/);

    await vscode.commands.executeCommand('mora.useDemo');
    assert.equal(await waitFor(() => api.sourceKind(), (k) => k === 'demo'), 'demo');
    assert.equal(api.kubeconfigProblem(), undefined);
    assert.deepEqual(await waitFor(() => labels(api), (l) => l.length > 0), ['demo']);
    assert.equal(cfg().get('dataSource'), 'demo');
  });

  it('a kubeconfig that is not valid YAML is "unreadable" too; a good one in mora.kubeconfig lists its contexts (not loaded-context)', async () => {
    const api = (await activateMora()) as Api;
    const broken = path.join(dir, 'broken.yaml');
    fs.writeFileSync(broken, 'apiVersion: v1\nclusters:\n- name: c\n  cluster:\n   server: [unclosed\n');
    await cfg().update('kubeconfig', broken, vscode.ConfigurationTarget.Global);
    await cfg().update('dataSource', 'cluster', vscode.ConfigurationTarget.Global);
    assert.equal(await waitFor(() => api.kubeconfigProblem(), (p) => p === 'unreadable' && api.sourceKind() === 'cluster'), 'unreadable');
    assert.deepEqual(await api.tree.getChildren(), []);

    const good = path.join(dir, 'good.yaml');
    fs.writeFileSync(good, ['apiVersion: v1', 'kind: Config', 'clusters:', '- name: c', '  cluster:', '    server: https://127.0.0.1:9', 'users:', '- name: u', '  user:', '    token: t',
      'contexts:', '- name: mora-first', '  context:', '    cluster: c', '    user: u', '- name: mora-second', '  context:', '    cluster: c', '    user: u', 'current-context: mora-first', ''].join('\n'));
    await cfg().update('kubeconfig', good, vscode.ConfigurationTarget.Global);
    assert.equal(await waitFor(() => api.kubeconfigProblem(), (p) => p === undefined), undefined);
    const roots = await waitFor(() => labels(api), (l) => l.length > 0);
    assert.deepEqual(roots, ['mora-first', 'mora-second']);
    assert.ok(!roots.includes('loaded-context'));
    await vscode.commands.executeCommand('mora.useDemo');
    await waitFor(() => api.sourceKind(), (k) => k === 'demo');
  });
});
