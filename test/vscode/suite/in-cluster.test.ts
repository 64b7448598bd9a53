// MOrA's in-cluster recommendations in VS Code: a REAL kube-apiserver and Prometheus (test/harness/live-cluster.ts) where
// MOrA's in-cluster run has written shop/checkout's VPA status three hours ago (test/harness/vpa-fixture.ts: the upstream
// VPA CRD, MOrA's own writer). With mora.dataSource = cluster the tree shows that recommendation as read — "in-cluster,
// 3 h ago" — and computes frontend, which has none, locally.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { backToDemo, clusterNamespace, startFixture, type Fixture } from './live-fixture';
import { activateMora, EXTENSION_ID, waitFor, type MoraTestApi } from './helpers';

/** Runs the VPA fixture against the cluster with the repo's tsx; rejects with its stderr when it fails. */
function writeVpaStatus(repo: string, kubeconfig: string): Promise<void> {
  const tsx = path.join(repo, 'node_modules', 'tsx', 'dist', 'cli.mjs');
  const cache = process.env.MORA_TEST_CACHE_HOME || path.join(os.userInfo().homedir, '.cache');
  const child = spawn(process.execPath, [tsx, path.join(repo, 'test', 'harness', 'vpa-fixture.ts'), kubeconfig],
    { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, XDG_CACHE_HOME: cache, ELECTRON_RUN_AS_NODE: '1' } });
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => { err += s; });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`vpa-fixture exited ${code}:\n${err.slice(-3000)}`))));
  });
}

describe('In-cluster recommendations (VPA status written by MOrA) in the tree', function () {
  this.timeout(300_000);
  let fixture: Fixture | undefined;

  before(async function () {
    this.timeout(240_000);
    const repo = vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath;
    fixture = await startFixture(repo);
    await writeVpaStatus(repo, fixture.kubeconfig);
  });
  after(async () => {
    await backToDemo(fixture);
  });

  it('shows checkout\'s in-cluster recommendation with its age; frontend is computed here', async () => {
    const api = (await activateMora()) as MoraTestApi & { sourceKind(): string };
    const { ns: shop, label } = await clusterNamespace(fixture!, 'shop');
    const item = async (name: string) => {
      const workloads = await api.tree.getChildren(shop);
      const node = workloads[(await Promise.all(workloads.map(label))).indexOf(name)];
      return node === undefined ? undefined : api.tree.getTreeItem(node);
    };
    // The store announces the recommendations; the tree re-renders with them.
    const checkout = await waitFor(() => item('checkout'), (i) => /in-cluster, 3 h ago/.test(String(i?.description ?? '')), 90_000);
    // The status states no risk: `risk —`, never its bare confidence (80%); the tooltip says why.
    assert.match(String(checkout?.description), /^Deployment · replicas 2 · risk — · in-cluster, 3 h ago$/);
    const tooltip = checkout?.tooltip instanceof vscode.MarkdownString ? checkout.tooltip.value : String(checkout?.tooltip);
    assert.match(tooltip, /Recommendation: in-cluster \(VPA status, written 3 h ago\) — VPA shop\/checkout/);
    assert.match(tooltip, /Risk —: no risk stated for an in-cluster value/);
    const workloads = await api.tree.getChildren(shop);
    const checkoutNode = workloads[(await Promise.all(workloads.map(label))).indexOf('checkout')];
    const containers = await api.tree.getChildren(checkoutNode);
    const server = await api.tree.getTreeItem(containers[(await Promise.all(containers.map(label))).indexOf('server')]);
    assert.match(String(server.description), /^cpu 500m→120m · mem 512Mi→200Mi/);
    // frontend has no MOrA VPA: computed here from Prometheus (its container gets a recommended value), not in-cluster.
    const frontendServer = await waitFor(async () => {
      const all = await api.tree.getChildren(shop);
      const node = all[(await Promise.all(all.map(label))).indexOf('frontend')];
      const [c] = node === undefined ? [] : await api.tree.getChildren(node);
      return c === undefined ? undefined : api.tree.getTreeItem(c);
    }, (i) => /→/.test(String(i?.description ?? '')), 90_000);
    assert.match(String(frontendServer?.description), /^cpu 300m→\S+ · mem 256Mi→/);
    assert.doesNotMatch(`${String(frontendServer?.description)} ${String((await item('frontend'))?.description)}`, /in-cluster/);
  });
});
