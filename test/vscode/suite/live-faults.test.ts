// The cluster tree in VS Code when the cluster goes away: a REAL kube-apiserver and Prometheus (test/harness/live-cluster.ts,
// its own process) are listed, then the API server is stopped in the middle of the session. Refresh shows one line
// under the context, and the extension host stays alive: its commands answer, and switching back to the demo works.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { backToDemo, startFixture, useCluster, type Fixture } from './live-fixture';
import { activateMora, EXTENSION_ID, labelOf, waitFor, type MoraTestApi, type TreeNode } from './helpers';

describe('Cluster tree when the API server goes away mid-session (real kube-apiserver)', function () {
  this.timeout(300_000);
  let fixture: Fixture | undefined;
  const cfg = () => vscode.workspace.getConfiguration('mora');

  before(async function () {
    this.timeout(200_000);
    fixture = await startFixture(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath);
  });
  after(() => backToDemo(fixture));

  it('lists the cluster, then after the API server stops a refresh shows one line under the context; the extension host keeps answering', async () => {
    const api = (await activateMora()) as MoraTestApi & { sourceKind(): string };
    await useCluster(fixture!);
    const label = (n: TreeNode) => labelOf(api, n);
    const labels = async (nodes: TreeNode[]) => Promise.all(nodes.map(label));
    // Three settings changed: wait until the tree shows the cluster (each change switches the source once).
    assert.deepEqual(await waitFor(async () => (api.sourceKind() === 'cluster' ? labels(await api.tree.getChildren()) : []), (l) => l[0] === 'mora-real'), ['mora-real']);
    const namespaces = await api.tree.getChildren((await api.tree.getChildren())[0]);
    const shop = namespaces[(await labels(namespaces)).indexOf('shop')];
    assert.ok(shop, 'namespace shop');
    const workloads = await waitFor(async () => labels(await api.tree.getChildren(shop)), (w) => w.includes('checkout'), 60_000);
    assert.deepEqual(workloads, ['checkout', 'frontend']);

    fixture!.child.stdin!.write('stop-apiserver\n');
    const stopped = await waitFor(() => fixture!.lines.join('\n'), (s) => s.includes('"stopped"'), 60_000);
    assert.match(stopped, /"stopped":"kube-apiserver"/);

    await vscode.commands.executeCommand('mora.refresh');
    // Refresh rebuilds the data source (it re-reads the kubeconfig), so the context's node is asked for again each time.
    const underRoot = async () => {
      const [r] = await api.tree.getChildren();
      return r ? labels(await api.tree.getChildren(r)) : [];
    };
    const under = await waitFor(underRoot, (l) => l.length === 1 && /refused the connection/.test(l[0]), 60_000);
    const [root] = await api.tree.getChildren();
    assert.equal(under.length, 1, `under the context: ${JSON.stringify(under)}`);
    assert.match(under[0], /^the Kubernetes API at https:\/\/127\.0\.0\.1:\d+ \(context "mora-real"\) refused the connection — is the cluster running and the kubeconfig context right\?$/);
    const item = await api.tree.getTreeItem((await api.tree.getChildren(root))[0]);
    assert.equal((item.iconPath as vscode.ThemeIcon).id, 'error');
    assert.equal(item.contextValue, 'mora.message');

    // The extension host is alive: MOrA's commands still answer, and the tree switches back to the demo on request.
    assert.ok(vscode.extensions.getExtension(EXTENSION_ID)!.isActive);
    await vscode.commands.executeCommand('mora.refresh');
    await cfg().update('dataSource', 'demo', vscode.ConfigurationTarget.Global);
    const demo = await waitFor(async () => (api.sourceKind() === 'demo' ? labels(await api.tree.getChildren()) : []), (l) => l.length > 0);
    assert.deepEqual(demo, ['demo']);
  });
});
