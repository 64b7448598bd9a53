// mora.prometheus.url in the real extension serves the kubeconfig's CURRENT context only (extension.ts passes
// prometheusUrlScope 'current-context' to ClusterDataSource; src/data/prometheus/url-scope.ts decides). A REAL
// kube-apiserver and a backfilled real Prometheus (test/harness/live-cluster.ts, its own process), and a kubeconfig of
// two contexts on that one API server: both list the same shop/checkout, the worst case for borrowed numbers. The
// current context shows usage from the Prometheus at mora.prometheus.url; the other one must not — its cluster has no
// Prometheus Service and no metrics-server, so its workloads say why usage is missing. Switching the current context
// moves the URL with it, so it is the current context that decides, not the first or the only one.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { parse, stringify } from 'yaml';
import { backToDemo, startFixture, type Fixture } from './live-fixture';
import { activateMora, EXTENSION_ID, labelOf, waitFor, type MoraTestApi, type TreeNode } from './helpers';

type Api = MoraTestApi & { sourceKind(): string };
type Kubeconfig = { contexts: Array<{ name: string; context: Record<string, unknown> }>; 'current-context': string };

/** The fixture's kubeconfig with a second context on the same cluster and user, `current` as its current context. */
function twoContexts(fixtureKubeconfig: string, dir: string, other: string, current: string): string {
  const kc = parse(fs.readFileSync(fixtureKubeconfig, 'utf8')) as Kubeconfig;
  kc.contexts.push({ name: other, context: { ...kc.contexts[0].context } });
  kc['current-context'] = current;
  const file = path.join(dir, `kubeconfig-current-${current}.yaml`);
  fs.writeFileSync(file, stringify(kc), { mode: 0o600 });
  return file;
}

/** A container row of the usage table in a container's tooltip: [request, limit, p50, p95, max, recommended]. */
function usageRow(tooltip: string, resource: 'CPU' | 'Memory'): string[] {
  const line = tooltip.split('\n').find((l) => l.startsWith(`| ${resource} |`));
  assert.ok(line, `the tooltip has a ${resource} row:\n${tooltip}`);
  return line.split('|').slice(2, -1).map((c) => c.trim());
}

const text = (t: vscode.TreeItem['tooltip'] | vscode.TreeItem['description']): string => (t instanceof vscode.MarkdownString ? t.value : String(t ?? ''));

describe('mora.prometheus.url serves only the current kubeconfig context (real kube-apiserver and Prometheus)', function () {
  this.timeout(300_000);
  let fixture: Fixture | undefined;
  let dir: string;
  const cfg = () => vscode.workspace.getConfiguration('mora');

  before(async function () {
    this.timeout(200_000);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mora-vscode-url-scope-'));
    fixture = await startFixture(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath);
  });
  after(async () => {
    await backToDemo(fixture);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('the current context shows that Prometheus\'s usage; the other context (same namespace and names) does not, and says why; switching the current context moves it', async () => {
    const api = (await activateMora()) as Api;
    const f = fixture!;
    const labels = (nodes: TreeNode[]) => Promise.all(nodes.map((n) => labelOf(api, n)));
    const child = async (nodes: TreeNode[], name: string) => nodes[(await labels(nodes)).indexOf(name)];

    /** The workload and its container `server` as the tree shows them under `context` (undefined until listed). */
    const checkout = async (context: string) => {
      const ctx = await child(await api.tree.getChildren(), context);
      if (ctx === undefined) return undefined;
      const shop = await child(await api.tree.getChildren(ctx), 'shop');
      if (shop === undefined) return undefined;
      const workload = await child(await api.tree.getChildren(shop), 'checkout');
      if (workload === undefined) return undefined;
      const server = await child(await api.tree.getChildren(workload), 'server');
      if (server === undefined) return undefined;
      const [w, s] = await Promise.all([api.tree.getTreeItem(workload), api.tree.getTreeItem(server)]);
      return { workloadTooltip: text(w.tooltip), serverTooltip: text(s.tooltip), serverDescription: text(s.description) };
    };
    type Shown = Awaited<ReturnType<typeof checkout>>;
    const hasUsage = (c: Shown) => c !== undefined && usageRow(c.serverTooltip, 'CPU')[3] !== '—';
    // Settled: usage read (a p95 in the table) or the reason it could not be (the workload's tooltip says "Usage: …").
    const settled = (c: Shown) => hasUsage(c) || (c !== undefined && /\n\nUsage: /.test(c.workloadTooltip));

    /** Asserts `served` shows the Prometheus's usage and `other` (same cluster, same workloads) shows none of it. */
    const expectUrlServes = async (served: string, other: string) => {
      // Usage under the served context also says the tree is on the source built from the settings just changed (the
      // one before showed none there), so the other context is read from that source too.
      const s = await waitFor(() => checkout(served), hasUsage, 90_000);
      assert.ok(s, `${served}: shop/checkout/server is listed`);
      const cpu = usageRow(s.serverTooltip, 'CPU');
      const memory = usageRow(s.serverTooltip, 'Memory');
      // The fixture's Prometheus holds about 0.1 core and 150 MB for checkout's server: read from it, not discovered.
      assert.match(cpu[3], /^\d+(\.\d+)?m$/, `${served} (current context): a CPU p95 from mora.prometheus.url:\n${s.serverTooltip}`);
      assert.notEqual(memory[4], '—', `${served}: a memory max from mora.prometheus.url`);
      assert.doesNotMatch(s.workloadTooltip, /\n\nUsage: /);

      const o = await waitFor(() => checkout(other), settled, 90_000);
      assert.ok(o, `${other}: shop/checkout/server is listed (the same API server)`);
      // None of that Prometheus's numbers under the other context: its p50/p95/max cells are empty, and not the same row.
      assert.notDeepEqual(usageRow(o.serverTooltip, 'CPU'), cpu, `${other} shows ${served}'s usage from mora.prometheus.url`);
      assert.deepEqual(usageRow(o.serverTooltip, 'CPU').slice(2, 5), ['—', '—', '—'], `${other}: no CPU usage:\n${o.serverTooltip}`);
      assert.deepEqual(usageRow(o.serverTooltip, 'Memory').slice(2, 5), ['—', '—', '—'], `${other}: no memory usage`);
      assert.doesNotMatch(o.serverDescription, /→/, `${other}: no recommendation computed from borrowed usage`);
      // Why: its own cluster was searched (no Prometheus Service, no metrics-server), and the URL serves the current context.
      assert.match(o.workloadTooltip, new RegExp(`\\n\\nUsage: no Prometheus found in context "${other}".*mora\\.prometheus\\.url serves the current context "${served}" only`),
        `${other}: the workload says why usage is missing:\n${o.workloadTooltip}`);
    };

    // Current context mora-real; mora-other is the same cluster under another name.
    await cfg().update('kubeconfig', twoContexts(f.kubeconfig, dir, 'mora-other', 'mora-real'), vscode.ConfigurationTarget.Global);
    await cfg().update('prometheus.url', f.prometheusUrl, vscode.ConfigurationTarget.Global);
    await cfg().update('dataSource', 'cluster', vscode.ConfigurationTarget.Global);
    const roots = await waitFor(async () => (api.sourceKind() === 'cluster' ? labels(await api.tree.getChildren()) : []), (l) => l.length === 2);
    assert.deepEqual([...roots].sort(), ['mora-other', 'mora-real']);
    assert.equal(cfg().get('prometheus.url'), f.prometheusUrl);
    await expectUrlServes('mora-real', 'mora-other');

    // The same two contexts with mora-other current: the URL now serves mora-other, and mora-real must look for its own.
    await cfg().update('kubeconfig', twoContexts(f.kubeconfig, dir, 'mora-other', 'mora-other'), vscode.ConfigurationTarget.Global);
    await expectUrlServes('mora-other', 'mora-real');
  });
});
