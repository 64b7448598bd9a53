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
  /** When the fixture was ready: its backfilled usage ends at least 2 minutes before. */
  let readyAt = 0;
  const cfg = () => vscode.workspace.getConfiguration('mora');

  before(async function () {
    this.timeout(200_000);
    fixture = await startFixture(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath);
    readyAt = Date.now();
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

    // The fixture's Prometheus is backfilled, not scraping: once its newest cAdvisor sample is over 3 minutes old, health
    // says the cAdvisor check stale, which `mora recommend` warns about on stderr. The context's row says it in its
    // description (not only in a tooltip), after a Refresh whose health check comes after that.
    const staleFrom = readyAt + 65_000;
    if (Date.now() < staleFrom) await new Promise((r) => setTimeout(r, staleFrom - Date.now()));
    await vscode.commands.executeCommand('mora.refresh');
    const text = (t: vscode.TreeItem['tooltip'] | vscode.TreeItem['description']) => (t instanceof vscode.MarkdownString ? t.value : String(t ?? ''));
    const row = async () => {
      const [r] = await api.tree.getChildren();
      const item = r ? await api.tree.getTreeItem(r) : undefined;
      return { label: await (r ? label(r) : ''), description: text(item?.description), tooltip: text(item?.tooltip), icon: (item?.iconPath as vscode.ThemeIcon | undefined)?.id };
    };
    const warned = await waitFor(row, (x) => x.label === 'mora-real' && x.description.startsWith('⚠'), 60_000, 'the context row says the stale usage');
    assert.match(warned.description, /^⚠ usage data (about )?\d\S* old$/);
    assert.match(warned.tooltip, /^⚠ cAdvisor: .*(newest sample is|the newest is) (about )?\d\S* old.* — the kubelet\/cAdvisor scrape target is down or no longer scraped/);
    assert.equal(warned.icon, 'warning');

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
