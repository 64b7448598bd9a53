// The live cluster fixture for VS Code tests: test/harness/live-cluster.ts (a real kube-apiserver and Prometheus) run as
// its own process with the repo's tsx, since the extension host cannot host the control plane itself.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { activateMora, labelOf, waitFor, type MoraTestApi, type TreeNode } from './helpers';

export interface Fixture { kubeconfig: string; prometheusUrl: string; context: string; child: ChildProcess; lines: string[] }

/** Starts the live cluster with the repo's tsx; resolves when it printed where it is. Later lines go to `lines`. */
export function startFixture(repo: string): Promise<Fixture> {
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

export async function stopFixture(f: Fixture | undefined): Promise<void> {
  if (!f || f.child.exitCode !== null) return;
  const exited = new Promise((r) => f.child.once('exit', r));
  f.child.stdin!.end();
  const timer = setTimeout(() => f.child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

const cfg = () => vscode.workspace.getConfiguration('mora');

/** Points MOrA at the fixture's cluster: three settings (each switches the source once; callers wait for the tree). */
export async function useCluster(f: Fixture): Promise<void> {
  await cfg().update('kubeconfig', f.kubeconfig, vscode.ConfigurationTarget.Global);
  await cfg().update('prometheus.url', f.prometheusUrl, vscode.ConfigurationTarget.Global);
  await cfg().update('dataSource', 'cluster', vscode.ConfigurationTarget.Global);
}

/**
 * Points MOrA at the fixture's cluster and waits for its tree: the context roots (as labels), the namespace `name`, and a
 * labeller for the nodes below it (the tests then wait for that namespace's workloads as each needs).
 */
export async function clusterNamespace(f: Fixture, name: string): Promise<{ roots: string[]; ns: TreeNode; label: (n: TreeNode) => Promise<string> }> {
  const api = (await activateMora()) as MoraTestApi & { sourceKind(): string };
  await useCluster(f);
  const label = (n: TreeNode) => labelOf(api, n);
  const roots = await waitFor(async () => (api.sourceKind() === 'cluster' ? api.tree.getChildren() : []), (r) => r.length > 0);
  const namespaces = await api.tree.getChildren(roots[0]);
  const ns = namespaces[(await Promise.all(namespaces.map(label))).indexOf(name)];
  if (!ns) throw new Error(`no namespace ${name} under ${await label(roots[0])}`);
  return { roots: await Promise.all(roots.map(label)), ns, label };
}

/** Clears those settings, waits until the extension is back on the demo (the next suites expect it), then stops the cluster. */
export async function backToDemo(f: Fixture | undefined): Promise<void> {
  await cfg().update('dataSource', undefined, vscode.ConfigurationTarget.Global);
  await cfg().update('kubeconfig', undefined, vscode.ConfigurationTarget.Global);
  await cfg().update('prometheus.url', undefined, vscode.ConfigurationTarget.Global);
  const api = (await activateMora()) as MoraTestApi & { sourceKind(): string };
  await waitFor(() => api.sourceKind(), (k) => k === 'demo');
  await stopFixture(f);
}

/**
 * Asks the fixture's process (test/harness/live-cluster.ts) to act as another writer or reader of a Deployment, so the
 * extension host never loads the Kubernetes client itself (extension.test.ts checks its module cache). Resolves with the
 * API server's answer.
 */
export async function fixtureCall(f: Fixture, line: string): Promise<Record<string, unknown>> {
  const seen = f.lines.length;
  f.child.stdin!.write(`${line}\n`);
  const answer = await waitFor(() => f.lines.slice(seen).find((l) => /^\{"(scaled|patched|deployment|error)"/.test(l)), (l) => l !== undefined, 30_000, `the fixture's answer to ${line}`);
  const parsed = JSON.parse(answer!) as Record<string, unknown>;
  if ('error' in parsed) throw new Error(`${line}: ${String(parsed.error)}`);
  return parsed;
}
