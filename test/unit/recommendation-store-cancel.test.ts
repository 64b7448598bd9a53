/**
 * Cancelling "MOrA: Recommend" stops the command's own computation, never the tree's: the store's computation of a
 * namespace (src/views/recommendation-store.ts) is shared by the command and the tree's background load, and a Cancel
 * used to reject the promise the tree awaited, so the tree kept one workload's recommendation until a manual Refresh.
 * The editor-free store on the demo, with the tree model reading it as the extension wires them (treeSource).
 */
import * as assert from 'node:assert/strict';
import { DemoDataSource } from '../../src/data/demo';
import type { CancelSignal } from '../../src/views/cancellable';
import { recommendSettings } from '../../src/views/recommend-settings';
import { CancellationError, RecommendationModel } from '../../src/views/recommendation-store';
import { ClusterTreeModel, type TreeNode } from '../../src/views/tree-model';

/** A Cancel button: `cancel()` as the user pressing it. */
class CancelButton implements CancelSignal {
  isCancellationRequested = false;
  private readonly listeners = new Set<() => void>();
  cancel(): void {
    this.isCancellationRequested = true;
    for (const l of this.listeners) l();
  }
  onCancellationRequested(listener: () => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }
}

/** The demo, counting how often shop's workloads are listed (a computation of it lists them first, and per workload). */
class CountingDemo extends DemoDataSource {
  listings = 0;
  override workloads(...args: Parameters<DemoDataSource['workloads']>): ReturnType<DemoDataSource['workloads']> {
    if (args[1] === 'shop') this.listings++;
    return super.workloads(...args);
  }
}

function storeOn(source: DemoDataSource): RecommendationModel {
  return new RecommendationModel({
    source: () => source,
    log: { info: () => undefined, warn: () => undefined },
    // The settings' defaults (the moving-window rule, no forecast): what a fresh install computes.
    settings: () => {
      const { warnings: _warnings, ...settings } = recommendSettings((_key, fallback) => fallback);
      return settings;
    },
    experiments: () => undefined,
    inClusterMaxAgeHours: () => 0,
  });
}

/** "n of m": the containers of the namespace whose row shows a recommended value (`cpu 200m→…`), of all its containers. */
async function recommendedContainers(model: ClusterTreeModel, ns: TreeNode): Promise<string> {
  let shown = 0;
  let all = 0;
  for (const w of await model.children(ns)) {
    for (const c of await model.children(w)) {
      all++;
      if (c.description?.includes('→')) shown++;
    }
  }
  return `${shown} of ${all}`;
}

async function shopNode(model: ClusterTreeModel): Promise<TreeNode> {
  const [ctx] = await model.children();
  const ns = (await model.children(ctx)).find((n) => n.label === 'shop');
  assert.ok(ns);
  return ns;
}

describe('recommendation store: cancelling Recommend leaves the tree\'s computation whole', function () {
  this.timeout(60000);

  it('a Recommend that replaced the tree\'s background load and is cancelled after its first workload: the tree gets 11 of 11', async () => {
    const source = new CountingDemo();
    const store = storeOn(source);
    const recs = store.treeSource();
    let treeLoad: Promise<unknown> | undefined;
    let asked!: () => void;
    const treeAsked = new Promise<void>((resolve) => { asked = resolve; });
    const model = new ClusterTreeModel(source, {
      ensure: (context, namespace) => {
        treeLoad = recs.ensure(context, namespace);
        asked();
        return treeLoad;
      },
      get: (ref) => recs.get(ref),
    });
    const ns = await shopNode(model);
    const expanding = model.children(ns);
    // The tree's background computation of shop is under way; Recommend (forced) replaces it.
    await treeAsked;
    const cancel = new CancelButton();
    const progress: number[] = [];
    await assert.rejects(store.recommendNamespace('shop', {
      context: 'demo', token: cancel, force: true,
      progress: (done) => {
        progress.push(done);
        if (done === 1) cancel.cancel();
      },
    }), CancellationError);
    // The command stopped at once: no workload computed after the Cancel.
    assert.deepEqual(progress, [1]);
    await expanding;
    const treeOutcome = await treeLoad!.then((n) => n, (e: unknown) => e);
    // What the tree shows now, without a Refresh (before the fix: 1 of 11, the rest usage only).
    assert.equal(await recommendedContainers(model, ns), '11 of 11');
    assert.equal(treeOutcome, 11, 'the tree\'s load resolves to the namespace\'s workloads, not to the command\'s cancellation');
    // The cache holds the completed computation: the next ask is answered from it, without computing again.
    const listings = source.listings;
    assert.equal(await store.computeNamespace('shop', { context: 'demo' }), 11);
    assert.equal(source.listings, listings);
  });

  it('a tree load that joined a cancelled Recommend still completes; a Recommend nobody joined stops for good', async () => {
    const source = new CountingDemo();
    const store = storeOn(source);
    const cancel = new CancelButton();
    const progress: number[] = [];
    const command = store.recommendNamespace('shop', {
      context: 'demo', token: cancel, force: true,
      progress: (done) => {
        progress.push(done);
        if (done === 1) cancel.cancel();
      },
    });
    // The tree expands while Recommend runs: it joins the command's computation.
    const treeLoad = store.treeSource().ensure('demo', 'shop').then((n) => n, (e: unknown) => e);
    await assert.rejects(command, CancellationError);
    assert.deepEqual(progress, [1]);
    assert.equal(await treeLoad, 11);
    const model = new ClusterTreeModel(source, store.treeSource());
    assert.equal(await recommendedContainers(model, await shopNode(model)), '11 of 11');

    // Alone (no tree waiting), a cancelled Recommend computes nothing more: no listing of the namespace after the Cancel.
    const alone = new CountingDemo();
    const quiet = storeOn(alone);
    const button = new CancelButton();
    let listedAtCancel = -1;
    await assert.rejects(quiet.recommendNamespace('shop', {
      context: 'demo', token: button, force: true,
      progress: (done) => {
        if (done !== 1) return;
        listedAtCancel = alone.listings;
        button.cancel();
      },
    }), CancellationError);
    assert.ok(listedAtCancel > 0);
    assert.equal(alone.listings, listedAtCancel);
    // And its cancellation is not cached: the next ask computes the namespace.
    assert.equal(await quiet.computeNamespace('shop', { context: 'demo' }), 11);
  });

  it('a caller with a token that joined the tree\'s load stops waiting at its Cancel; the tree\'s load goes on', async () => {
    const source = new CountingDemo();
    const store = storeOn(source);
    let treeDone = false;
    const treeLoad = store.treeSource().ensure('demo', 'shop').then((n) => n, (e: unknown) => e).finally(() => { treeDone = true; });
    const cancel = new CancelButton();
    // Not forced: it joins the computation under way rather than starting its own.
    const joined = store.recommendNamespace('shop', { context: 'demo', token: cancel });
    cancel.cancel();
    await assert.rejects(joined, CancellationError);
    // Rejected at the Cancel, while the tree's load still runs (before, it waited for all 11 workloads and resolved).
    assert.equal(treeDone, false);
    assert.equal(await treeLoad, 11);
    const model = new ClusterTreeModel(source, store.treeSource());
    assert.equal(await recommendedContainers(model, await shopNode(model)), '11 of 11');
  });

  it('a Recommend whose run a newer forced run replaced stops at its Cancel, not when the newer run ends', async () => {
    const store = storeOn(new CountingDemo());
    const cancel = new CancelButton();
    let progressAt = 0;
    let settledAt = -1;
    const first = store.recommendNamespace('shop', { context: 'demo', token: cancel, force: true })
      .then((r) => { settledAt = progressAt; return r; }, (e: unknown) => { settledAt = progressAt; return e; });
    await new Promise<void>((r) => setImmediate(r));
    // A Refresh (forced, no token) replaces the first run; the user cancels the first at the Refresh's third workload.
    const refresh = await store.computeNamespace('shop', { context: 'demo', force: true, progress: (d) => { progressAt = d; if (d === 3) cancel.cancel(); } });
    assert.equal(refresh, 11);
    assert.ok(await first instanceof CancellationError, `the cancelled Recommend answered ${JSON.stringify(await first)}`);
    assert.ok(settledAt < 11, `it settled at the Refresh's workload ${settledAt}, not when the Refresh ended`);
  });
});
