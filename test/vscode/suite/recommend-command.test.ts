// Recommend and Apply Recommendation as the code review found them: a computation the store's clear threw away must not
// count as done; a tree node's context is the one computed, and an unreachable context does not fail the rest; the
// palette's Apply writes only into the active editor (never another visible YAML editor).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Recommendation } from '../../../src/core/recommendation';
import type { DataSource } from '../../../src/data/datasource';
import { DemoDataSource, DEMO_CONTEXT, DEMO_NAMESPACE } from '../../../src/data/demo';
import type { Log } from '../../../src/extension/log';
import { RecommendationStore } from '../../../src/extension/recommendation-store';
import { activateMora, appManifest, appRecommendation, EXTENSION_ID, waitFor } from './helpers';

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

  it('Train Models\' refresh of a workload does not put its older result over a forced recompute that started after it', async function () {
    this.timeout(300_000);
    await activateMora();
    const cfg = () => vscode.workspace.getConfiguration('mora');
    const before = cfg().inspect('forecastModel')?.globalValue;
    // refreshWorkloads recomputes only with fused (the saved models); an empty models folder: Prophet + baseline, no training.
    await cfg().update('forecastModel', 'fused', vscode.ConfigurationTarget.Global);
    const models = fs.mkdtempSync(path.join(os.tmpdir(), 'mora-models-'));
    const demo = new DemoDataSource();
    const NAME = 'paymentservice';
    // The data as read: every workload list carries the version current when it was read, as its CPU request (v cores),
    // which the recommendation keeps as the container's current request.
    let version = 1;
    let hold: { entered: boolean; release?: () => void; gate?: Promise<void> } | undefined;
    const source = demoWith({
      workloads: async (context, namespace) => {
        const v = version;
        const list = (await demo.workloads(context, namespace)).filter((w) => w.name === NAME).map((w) => ({ ...w, containers: w.containers.map((c) => ({ ...c, resources: { ...c.resources, requests: { ...c.resources.requests, cpu: v } } })) }));
        const h = hold;
        if (h && !h.entered) {
          h.entered = true;
          await h.gate;
        }
        return list;
      },
    });
    const store = new RecommendationStore(() => source, fakeLog([]), models);
    const versionOf = () => store.all().find((r) => r.workload.name === NAME)?.containers[0]?.current.requests.cpu;
    try {
      assert.equal(await store.computeNamespace(DEMO_NAMESPACE, { context: DEMO_CONTEXT }), 1);
      assert.equal(versionOf(), 1);
      const workload = (await demo.workloads(DEMO_CONTEXT, DEMO_NAMESPACE)).find((w) => w.name === NAME)!;
      // The refresh reads version 1 and is held there; the data changes, a forced recompute starts and finishes first.
      const h: NonNullable<typeof hold> = { entered: false };
      h.gate = new Promise<void>((resolve) => { h.release = resolve; });
      hold = h;
      const refresh = store.refreshWorkloads([workload]);
      assert.ok((await waitFor(() => h.entered, (x) => x, 60_000)), 'the refresh read the workloads');
      version = 2;
      assert.equal(await store.computeNamespace(DEMO_NAMESPACE, { context: DEMO_CONTEXT, force: true }), 1);
      assert.equal(versionOf(), 2, 'the forced recompute landed');
      h.release!();
      assert.equal(await refresh, 0, 'the refresh\'s older result was not kept');
      assert.equal(versionOf(), 2, 'the newer recompute\'s result stands');
    } finally {
      hold?.release?.();
      store.dispose();
      fs.rmSync(models, { recursive: true, force: true });
      await cfg().update('forecastModel', before, vscode.ConfigurationTarget.Global);
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

  describe('Apply Recommendation from the palette', () => {
    let file = '';
    after(async () => {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      if (file) fs.rmSync(file, { force: true });
    });

    it('is offered in the palette only for a YAML editor', () => {
      const menus = vscode.extensions.getExtension(EXTENSION_ID)?.packageJSON.contributes.menus.commandPalette as { command: string; when?: string }[];
      assert.equal(menus.find((m) => m.command === 'mora.applyRecommendation')?.when, 'editorLangId == yaml');
    });

    it('with another editor active, a visible YAML manifest is left alone', async () => {
      const api = (await activateMora()) as unknown as { recommendations: { set(recs: Recommendation[]): void } };
      const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? fs.mkdtempSync(path.join(os.tmpdir(), 'mora-'));
      file = path.join(root, `apply-active-${process.pid}.yaml`);
      fs.writeFileSync(file, MANIFEST);
      api.recommendations.set([rec()]);
      const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
      await vscode.window.showTextDocument(doc, vscode.ViewColumn.One);
      // Its lenses offer the recommendation (so an Apply that took this visible editor would write it).
      const lenses = await waitFor(async () => ((await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri)) ?? [])
        .map((l) => l.command?.title ?? '').filter((t) => t.startsWith('MOrA')), (t) => t.length > 0);
      assert.match(lenses.join('\n'), /cpu 500m → 180m/);
      const other = await vscode.workspace.openTextDocument({ language: 'plaintext', content: 'notes' });
      await vscode.window.showTextDocument(other, vscode.ViewColumn.Two);
      assert.equal(vscode.window.activeTextEditor?.document, other);
      assert.ok(vscode.window.visibleTextEditors.some((e) => e.document === doc), 'the manifest is visible');
      const result = await vscode.commands.executeCommand('mora.applyRecommendation');
      assert.equal(result, undefined);
      assert.equal(doc.getText(), MANIFEST, 'the visible, inactive manifest was not rewritten');
      // The manifest active: it is applied.
      await vscode.window.showTextDocument(doc, vscode.ViewColumn.One);
      assert.match(String(await vscode.commands.executeCommand('mora.applyRecommendation')), /Applied/);
      assert.match(doc.getText(), /cpu: 180m/);
      await vscode.commands.executeCommand('workbench.action.files.revert');
    });
  });
});

const NS = 'mora-apply-active';

const rec = () => appRecommendation(NS, 'activeweb', 0.18, 420);
const MANIFEST = appManifest('activeweb', NS);
