// First VS Code tests, run inside a real extension host (code-server or desktop VS Code).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { DemoDataSource, DEMO_CONTEXT, DEMO_NAMESPACE } from '../../../src/data/demo';
import { activateMora, collectTree, labelOf, type TreeNode } from './helpers';

describe('MOrA extension', () => {
  it('activates from its view and returns the test API', async () => {
    const api = await activateMora();
    assert.equal(typeof api.tree.getChildren, 'function');
    assert.equal(typeof api.loadedHeavyModules, 'function');
    const ext = vscode.extensions.getExtension('mora-dev.mora');
    assert.ok(ext?.isActive, 'extension is active');
  });

  it('does not load TensorFlow.js (or other heavy modules) on activation', async () => {
    const api = await activateMora();
    assert.deepEqual(api.loadedHeavyModules(), []);
    // Independent of the extension's own bookkeeping: nothing from TF.js is in this process's module cache.
    const tf = Object.keys(require.cache).filter((k) => /[\\/]@tensorflow[\\/]|[\\/]dist[\\/]worker\.js$/.test(k));
    assert.deepEqual(tf, []);
  });

  it('shows the demo cluster in the MOrA view', async () => {
    const api = await activateMora();
    const demo = new DemoDataSource();
    const expectedWorkloads = (await demo.workloads(DEMO_CONTEXT, DEMO_NAMESPACE)).map((w) => w.name);
    assert.ok(expectedWorkloads.length > 0, 'the demo has workloads');

    const nodes = await collectTree(api, 4);
    const labels = new Set(await Promise.all(nodes.map((n: TreeNode) => labelOf(api, n))));
    assert.ok([...labels].some((l) => l.includes(DEMO_NAMESPACE)), `a node names namespace "${DEMO_NAMESPACE}" (saw ${[...labels].join(', ')})`);
    for (const name of expectedWorkloads) {
      assert.ok([...labels].some((l) => l === name || l.startsWith(`${name} `) || l.startsWith(`${name}:`)), `workload "${name}" is in the tree`);
    }
  });

  it('contributes its commands, and Refresh runs and keeps the demo tree', async () => {
    const api = await activateMora();
    const all = await vscode.commands.getCommands(true);
    for (const c of ['mora.refresh', 'mora.showForecast', 'mora.recommend', 'mora.healthCheck', 'mora.showLog']) {
      assert.ok(all.includes(c), `${c} is registered`);
    }
    await vscode.commands.executeCommand('mora.refresh');
    const roots = await api.tree.getChildren();
    assert.ok(roots.length > 0, 'the tree still has roots after a refresh');
  });
});
