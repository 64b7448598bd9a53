// The cluster tree as a user sees it: recommendations and confidence on the demo, filtering, sorting, copy YAML, training.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { activateMora, labelOf, type MoraTestApi, type TreeNode } from './helpers';

interface Node { kind: string; label: string; description?: string; workload?: { name: string }; container?: string; verdict?: string }

async function workloads(api: MoraTestApi): Promise<Node[]> {
  const [ctx] = (await api.tree.getChildren()) as Node[];
  const [ns] = (await api.tree.getChildren(ctx)) as Node[];
  return (await api.tree.getChildren(ns)) as Node[];
}

describe('MOrA cluster tree', () => {
  it('shows every demo workload with replicas and each container with its recommendation and confidence', async () => {
    const api = await activateMora();
    await vscode.commands.executeCommand('mora.clearFilter');
    const list = await workloads(api);
    assert.equal(list.length, 11);
    // A count, or for the HPA-managed frontend advice on its HPA (never a fixed count the HPA would override).
    for (const w of list) assert.match(w.description ?? '', /^(Deployment|StatefulSet) · replicas (\d|HPA \d+–\d+)/, w.label);
    assert.match(list.find((w) => w.label === 'frontend')!.description ?? '', /· replicas HPA 2–6/);
    const catalog = list.find((w) => w.label === 'productcatalogservice')!;
    assert.equal(catalog.verdict, 'over-provisioned');
    const [server] = (await api.tree.getChildren(catalog as TreeNode)) as Node[];
    // cpu 500m→<less> · mem 1Gi→<less> (and the limit the OOM days are at) · the risk the values carry, compact, next to
    // the default targets (the demo's values carry risk statements, never a bare confidence); the row short (tree-row-length).
    const m = /^cpu 500m→(\d+)m · mem 1Gi→(\d+)Mi( lim \d+Mi)? · (⚠ )?risk (<?[\d.]+%)·(<?1\/\d+) \(≤5%·≤1\/100\)$/.exec(server.description ?? '');
    assert.ok(m, `container description "${server.description}"`);
    assert.ok(Number(m[1]) < 500 && Number(m[2]) < 1024);
    assert.ok((server.description ?? '').length <= 85, server.description);
    const item = await api.tree.getTreeItem(server as TreeNode);
    const tooltip = (item.tooltip as vscode.MarkdownString).value;
    assert.match(tooltip, /\| CPU \| 500m \|/);
    // The tooltip spells the row's risk out next to the default targets, with the memory limit the OOM days are about.
    assert.match(tooltip, /risk <?[\d.]+%·<?1\/\d+ \(≤5%·≤1\/100\): cpu request exceeded [≈<][\d.]+% of the time \(target ≤5%\) · [≈<]1 OOM day in \d+ at limit \d+(\.\d+)?Mi \(target ≤1 in 100\)\./);
    assert.equal(item.contextValue, 'mora.container.over-provisioned');
  });

  it('sorts the most wasteful workload first and filters by search text', async () => {
    const api = await activateMora();
    const model = (api as unknown as { treeView: vscode.TreeView<TreeNode> }).treeView;
    assert.ok(model);
    const ext = vscode.extensions.getExtension('mora-dev.mora')!;
    // The quick pick is the user's way; the model is what it sets.
    const provider = (ext.exports as { tree: unknown }).tree;
    assert.ok(provider);
    const realPick = vscode.window.showQuickPick;
    const realInput = vscode.window.showInputBox;
    try {
      (vscode.window as { showQuickPick: unknown }).showQuickPick = async (items: readonly { label: string }[]) => (await items).find((i) => i.label === 'Most wasteful first');
      await vscode.commands.executeCommand('mora.sortTree');
      let list = await workloads(api);
      assert.equal(list[0].label, 'productcatalogservice');
      (vscode.window as { showInputBox: unknown }).showInputBox = async () => 'cart';
      await vscode.commands.executeCommand('mora.searchTree');
      list = await workloads(api);
      assert.deepEqual(list.map((w) => w.label).sort(), ['cartservice', 'redis-cart']);
    } finally {
      (vscode.window as { showQuickPick: unknown }).showQuickPick = realPick;
      (vscode.window as { showInputBox: unknown }).showInputBox = realInput;
      await vscode.commands.executeCommand('mora.clearFilter');
    }
    assert.equal((await workloads(api)).length, 11);
  });

  it('copies the recommended resources of a container as YAML', async () => {
    const api = await activateMora();
    const cart = (await workloads(api)).find((w) => w.label === 'cartservice')!;
    const [server] = await api.tree.getChildren(cart as TreeNode);
    const text = await vscode.commands.executeCommand<string>('mora.copyYaml', server);
    assert.match(text, /^# Deployment shop\/cartservice, container server\nresources:\n {2}requests:\n {4}cpu: \d+m\n {4}memory: \d+Mi\n/);
    assert.equal(await vscode.env.clipboard.readText(), text);
  });

  it('trains LSTM models for a workload in worker threads and saves them with their scalers', async function () {
    this.timeout(240_000);
    const api = await activateMora();
    const redis = (await workloads(api)).find((w) => w.label === 'redis-cart')!;
    const saved = await vscode.commands.executeCommand<Array<{ file: string; mae: number; baselineMae: number }>>('mora.trainModels', redis, { epochs: 2, maxWindows: 128 });
    assert.ok(saved, 'training finished');
    assert.equal(saved.length, 3, 'CPU and memory of its one container, and the workload model');
    for (const s of saved) {
      // A TF.js LayersModel artefact (model.json + weights beside it) with MOrA's state in its metadata.
      const json = JSON.parse(fs.readFileSync(s.file, 'utf8'));
      assert.equal(json.format, 'layers-model');
      assert.ok(fs.existsSync(path.join(path.dirname(s.file), json.weightsManifest[0].paths[0])), 'weights file beside model.json');
      const state = json.userDefinedMetadata.mora;
      assert.ok(state.kind === 'mora-lstm' || state.kind === 'mora-workload-lstm', state.kind);
      if (state.kind === 'mora-lstm') assert.ok(state.scaler.max > state.scaler.min);
      else assert.deepEqual(state.targets, ['cpu_target', 'memory_target', 'replica_target']);
      assert.ok(Number.isFinite(s.mae) && s.mae >= 0);
    }
    assert.deepEqual(api.loadedHeavyModules().filter((m) => m.includes('@tensorflow')), [], 'training runs in workers, not in the extension host');
    assert.ok(await labelOf(api, redis as TreeNode));
  });
});
