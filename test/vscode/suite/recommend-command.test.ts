// Recommend as the code review found it: a computation the store's clear threw away must not count as done; a tree
// node's context is the one computed, and an unreachable context does not fail the rest.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { DataSource } from '../../../src/data/datasource';
import { DemoDataSource, DEMO_CONTEXT, DEMO_NAMESPACE } from '../../../src/data/demo';
import type { Log } from '../../../src/extension/log';
import { RecommendationStore } from '../../../src/extension/recommendation-store';
import { activateMora } from './helpers';

function fakeLog(lines: string[]): Log {
  return { info: () => undefined, warn: (m: string) => lines.push(m), error: (m: string) => lines.push(m) } as unknown as Log;
}

/** The demo source with overrides (an object spread would lose the class's methods). */
function demoWith(overrides: Partial<DataSource>): DataSource {
  const demo = new DemoDataSource();
  return new Proxy(demo, {
    get: (target, key, receiver) => (key in overrides ? (overrides as Record<string | symbol, unknown>)[key] : Reflect.get(target, key, receiver)),
  });
}

describe('Recommend: superseded computations, contexts, and the palette\'s Apply', function () {
  this.timeout(120_000);

  it('a computation the store\'s clear superseded reports no workloads, and says it was superseded', async () => {
    await activateMora();
    const demo = new DemoDataSource();
    const holder: { store?: RecommendationStore } = {};
    // The data source changes (the store is cleared) right after the workloads were listed: nothing computed is kept.
    const source = demoWith({
      workloads: async (context, namespace) => {
        const list = await demo.workloads(context, namespace);
        holder.store!.clear();
        return list;
      },
    });
    const store = new RecommendationStore(() => source, fakeLog([]));
    holder.store = store;
    try {
      assert.equal(await store.computeNamespace(DEMO_NAMESPACE, { context: DEMO_CONTEXT }), 0, 'a thrown-away computation counts no workloads');
      const outcome = await store.recommendNamespace(DEMO_NAMESPACE, { context: DEMO_CONTEXT, force: true });
      assert.deepEqual([outcome.workloads, outcome.superseded], [0, true]);
      assert.deepEqual(store.all(), []);
    } finally {
      store.dispose();
    }
  });

  it('without a context, an unreachable context is skipped (with a note) and the others are computed', async () => {
    const demo = new DemoDataSource();
    const lines: string[] = [];
    const source = demoWith({
      contexts: async () => ['down', DEMO_CONTEXT],
      namespaces: async (context) => {
        if (context === 'down') throw new Error('connect ECONNREFUSED 127.0.0.1:6443');
        return demo.namespaces(context);
      },
    });
    const store = new RecommendationStore(() => source, fakeLog(lines));
    try {
      const expected = (await demo.workloads(DEMO_CONTEXT, DEMO_NAMESPACE)).length;
      assert.equal(await store.computeNamespace(DEMO_NAMESPACE), expected, 'computeNamespace does not fail on the unreachable context');
      const outcome = await store.recommendNamespace(DEMO_NAMESPACE, { force: true });
      assert.equal(outcome.workloads, expected);
      assert.deepEqual(outcome.failed.map((f) => f.context), ['down']);
      assert.ok(lines.some((l) => /down/.test(l) && /ECONNREFUSED/.test(l)), `the log notes the skipped context: ${JSON.stringify(lines)}`);
    } finally {
      store.dispose();
    }
  });

  it('Recommend from a tree node computes the node\'s context only', async () => {
    await activateMora();
    const cfg = vscode.workspace.getConfiguration('mora');
    if (cfg.get('dataSource') !== 'demo') await cfg.update('dataSource', 'demo', vscode.ConfigurationTarget.Global);
    // A namespace node of another context than the demo's: the demo's shop must not be computed for it.
    const count = await vscode.commands.executeCommand<number>('mora.recommend', { kind: 'namespace', context: 'not-the-demo', namespace: DEMO_NAMESPACE });
    assert.equal(count, 0, 'the node\'s context has no workloads in shop');
    const here = await vscode.commands.executeCommand<number>('mora.recommend', { kind: 'namespace', context: DEMO_CONTEXT, namespace: DEMO_NAMESPACE });
    assert.ok(here > 0, `the demo context's shop is recommended: ${here}`);
  });
});
