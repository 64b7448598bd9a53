// The cluster tree in VS Code when the cluster goes away: a REAL kube-apiserver and Prometheus (test/harness/live-cluster.ts,
// its own process) are listed, then the API server is stopped in the middle of the session. Refresh shows one line
// under the context, and the extension host stays alive: its commands answer, and switching back to the demo works.
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { activateMora, EXTENSION_ID, labelOf, waitFor, type MoraTestApi, type TreeNode } from './helpers';

interface Fixture { kubeconfig: string; prometheusUrl: string; context: string; child: ChildProcess; lines: string[] }

/** Starts the live cluster with the repo's tsx; resolves when it printed where it is. Later lines go to `lines`. */
function startFixture(repo: string): Promise<Fixture> {
  const tsx = path.join(repo, 'node_modules', 'tsx', 'dist', 'cli.mjs');
  const script = path.join(repo, 'test', 'harness', 'live-cluster.ts');
  if (!fs.existsSync(tsx) || !fs.existsSync(script)) throw new Error(`the live-cluster fixture needs ${tsx} and ${script}`);
  // The control plane's binaries are in the user's own cache (the runner passes it as MORA_TEST_CACHE_HOME).
  const cache = process.env.MORA_TEST_CACHE_HOME || path.join(os.userInfo().homedir, '.cache');
  const child = spawn(process.execPath, [tsx, script], { cwd: repo, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, XDG_CACHE_HOME: cache, ELECTRON_RUN_AS_NODE: '1' } });
  const lines: string[] = [];
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    let ready = false;
    const timer = setTimeout(() => { child.kill(); reject(new Error(`live cluster not ready in 150 s:\n${err.slice(-3000)}`)); }, 150_000);
    child.stderr!.setEncoding('utf8').on('data', (s: string) => { err += s; });
    child.stdout!.setEncoding('utf8').on('data', (s: string) => {
      out += s;
      const parts = out.split('\n');
      out = parts.pop() ?? '';
      lines.push(...parts);
      if (!ready && lines.length) {
        ready = true;
        clearTimeout(timer);
        resolve({ ...(JSON.parse(lines.shift()!) as Omit<Fixture, 'child' | 'lines'>), child, lines });
      }
    });
    child.once('exit', (code) => { clearTimeout(timer); if (!ready) reject(new Error(`live cluster exited (${code}):\n${err.slice(-3000)}`)); });
  });
}

async function stopFixture(f: Fixture | undefined): Promise<void> {
  if (!f || f.child.exitCode !== null) return;
  const exited = new Promise((r) => f.child.once('exit', r));
  f.child.stdin!.end();
  const timer = setTimeout(() => f.child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

describe('Cluster tree when the API server goes away mid-session (real kube-apiserver)', function () {
  this.timeout(300_000);
  let fixture: Fixture | undefined;
  const cfg = () => vscode.workspace.getConfiguration('mora');

  before(async function () {
    this.timeout(200_000);
    fixture = await startFixture(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath);
  });
  after(async () => {
    await cfg().update('dataSource', undefined, vscode.ConfigurationTarget.Global);
    await cfg().update('kubeconfig', undefined, vscode.ConfigurationTarget.Global);
    await cfg().update('prometheus.url', undefined, vscode.ConfigurationTarget.Global);
    const api = (await activateMora()) as MoraTestApi & { sourceKind(): string };
    await waitFor(() => api.sourceKind(), (k) => k === 'demo');
    await stopFixture(fixture);
  });

  it('lists the cluster, then after the API server stops a refresh shows one line under the context; the extension host keeps answering', async () => {
    const api = (await activateMora()) as MoraTestApi & { sourceKind(): string };
    await cfg().update('kubeconfig', fixture!.kubeconfig, vscode.ConfigurationTarget.Global);
    await cfg().update('prometheus.url', fixture!.prometheusUrl, vscode.ConfigurationTarget.Global);
    await cfg().update('dataSource', 'cluster', vscode.ConfigurationTarget.Global);
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
    const [root] = await api.tree.getChildren();
    const under = await waitFor(async () => labels(await api.tree.getChildren(root)), (l) => l.length === 1 && /refused the connection/.test(l[0]), 60_000);
    assert.equal(under.length, 1);
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
