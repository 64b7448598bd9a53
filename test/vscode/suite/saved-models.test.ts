// Train Models, then Show Forecast, in real VS Code: the view forecasts the CPU and memory panels with the LSTMs Train
// Models saved for that container (no training), and its notes say so, panel by panel.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Recommendation } from '../../../src/core/recommendation';
import { DemoDataSource } from '../../../src/data/demo';
import { trainedModelsMessage } from '../../../src/extension/pipeline-commands';
import { recommendFromSource } from '../../../src/pipeline/recommend';
import type { ForecastViewData } from '../../../src/protocol/forecast';
import { forecastModel } from '../../../src/views/recommend-settings';
import { activateMora, waitFor, type TreeNode } from './helpers';

interface ForecastApi {
  forecast: {
    show(target: { namespace: string; kind: string; name: string; container: string }): Promise<void>;
    data(): ForecastViewData | undefined;
  };
}

describe('Show Forecast uses the LSTMs Train Models saved', function () {
  this.timeout(240_000);
  after(async () => { await vscode.commands.executeCommand('workbench.action.closeAllEditors'); });

  it('after Train Models, the CPU and memory panels forecast with the saved models, and the notes say so', async () => {
    const api = await activateMora();
    const [ctx] = (await api.tree.getChildren()) as TreeNode[];
    const [ns] = (await api.tree.getChildren(ctx)) as TreeNode[];
    const nodes = (await api.tree.getChildren(ns)) as Array<TreeNode & { label?: string }>;
    const redis = nodes.find((n) => n.label === 'redis-cart');
    assert.ok(redis, 'redis-cart is in the demo tree');
    const saved = await vscode.commands.executeCommand<Array<{ file: string }>>('mora.trainModels', redis, { epochs: 2, maxWindows: 128 });
    assert.equal(saved?.length, 3, 'CPU and memory of its one container, and the workload model');
    const forecast = (api as unknown as ForecastApi).forecast;
    await forecast.show({ namespace: 'shop', kind: 'StatefulSet', name: 'redis-cart', container: 'server' });
    const usedSaved = (notes: readonly string[]) => ['CPU (per pod)', 'Memory working set (per pod)'].every((p) => notes.some((n) => n.startsWith(`${p}: LSTM saved by Train Models`)));
    const data = await waitFor(() => forecast.data(), (d) => d?.target.name === 'redis-cart' && usedSaved(d.notes), 120_000);
    assert.ok(data && usedSaved(data.notes), `notes: ${JSON.stringify(data?.notes)}`);
    assert.ok(!data.notes.some((n) => /saved by Train Models was not used/.test(n)), `notes: ${JSON.stringify(data.notes)}`);
  });

  it('the message after Train Models says the tree and CodeLenses use the models with mora.forecastModel fused, which the setting offers', () => {
    // The editor's recommendations read the saved models with fused (recommend-settings.ts forecastModel), and the
    // extension's package.json offers it: the message sends the user to that setting, and says the trained workloads are
    // recomputed (RecommendationStore.refreshWorkloads; the next case checks it).
    const ext = vscode.extensions.getExtension('mora-dev.mora');
    const setting = ext?.packageJSON.contributes.configuration.properties['mora.forecastModel'] as { enum: string[]; default: string };
    assert.deepEqual(setting.enum, ['none', 'prophet', 'fused']);
    assert.equal(setting.default, 'none');
    assert.equal(forecastModel('fused'), 'fused', 'fused reaches the engine in the editor');
    assert.equal(forecastModel('lstm'), undefined, 'lstm alone counts as none');
    const message = trainedModelsMessage(3, 'models');
    assert.doesNotMatch(message, /do not \(mora\.forecastModel runs the moving window or Prophet there, no LSTM\)/, message);
    assert.match(message, /with mora\.forecastModel set to fused, so do the recommendations in the tree, CodeLenses and hovers \(these workloads' are recomputed now\), under the same rules\.$/, message);
  });

  it('with mora.forecastModel fused, the tree\'s recommendation runs without an LSTM until Train Models, then with the saved models, recomputed when it finishes', async function () {
    this.timeout(420_000);
    // paymentservice: no other case trains it. Before Train Models its fusion has no LSTM and says so; after, its CPU and
    // memory forecasts use the saved models, with no clear, refresh or recompute asked for.
    const api = await activateMora();
    const recs = (api as unknown as { recommendations: { all(): Recommendation[] } }).recommendations;
    const cfg = () => vscode.workspace.getConfiguration('mora');
    const shopNodes = async () => {
      const [ctx] = (await api.tree.getChildren()) as TreeNode[];
      const [ns] = (await api.tree.getChildren(ctx)) as TreeNode[];
      return (await api.tree.getChildren(ns)) as Array<TreeNode & { label?: string }>;
    };
    const notes = async (): Promise<{ cpu: string[]; memory: string[] }> => {
      await shopNodes(); // the tree asks the store for the namespace (computed once per clear)
      const r = recs.all().find((x) => x.workload.namespace === 'shop' && x.workload.name === 'paymentservice');
      const c = r?.containers.find((x) => x.container === 'server');
      return { cpu: c?.cpu?.evidence.notes ?? [], memory: c?.memory?.evidence.notes ?? [] };
    };
    await cfg().update('forecastModel', 'fused', vscode.ConfigurationTarget.Global);
    try {
      const none = 'forecast: no LSTM saved for this container: run MOrA: Train Models; fused ran without an LSTM (Prophet and the seasonal baseline)';
      const before = await waitFor(notes, (n) => n.cpu.includes(none) && n.memory.includes(none), 180_000);
      assert.ok(before.cpu.includes(none) && before.memory.includes(none), JSON.stringify(before));
      const payment = (await shopNodes()).find((n) => n.label === 'paymentservice');
      assert.ok(payment, 'paymentservice is in the demo tree');
      const saved = await vscode.commands.executeCommand<Array<{ file: string }>>('mora.trainModels', payment, { epochs: 2, maxWindows: 128 });
      assert.equal(saved?.length, 3, 'CPU and memory of its one container, and the workload model');
      const used = (n: readonly string[]) => n.some((x) => /^forecast: LSTM saved by Train Models \(trained on history to .+\), not retrained$/.test(x));
      const after = await waitFor(notes, (n) => used(n.cpu) && used(n.memory), 180_000);
      assert.ok(used(after.cpu) && used(after.memory), JSON.stringify(after));
      assert.ok(!after.cpu.includes(none) && !after.memory.includes(none), JSON.stringify(after));
    } finally {
      await cfg().update('forecastModel', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('the recommendation (fused) forecasts redis-cart\'s CPU and memory with the models Train Models saved', async () => {
    await activateMora();
    const source = new DemoDataSource();
    const [redis] = (await source.workloads((await source.contexts())[0], 'shop')).filter((w) => w.name === 'redis-cart');
    const saved = await vscode.commands.executeCommand<Array<{ file: string }>>('mora.trainModels', { workload: redis }, { epochs: 2, maxWindows: 128 });
    const cpuFile = saved?.find((f) => /server\.cpu_usage\.json$/.test(f.file))?.file;
    assert.ok(cpuFile, JSON.stringify(saved));
    // The folder the store passes (extension.ts: globalStorage/models): <root>/<context>/<namespace>/<kind>-<name>/<file>.
    const root = path.resolve(path.dirname(cpuFile), '..', '..', '..');
    const [run] = await recommendFromSource(source, {
      context: redis.context, namespace: 'shop', workload: 'redis-cart', model: 'fused', savedLstmRoot: root,
      globalLstm: { enabled: false }, modelOptions: { lstm: { epochs: '2', maxWindows: '64' } },
    });
    const c = run.recommendation.containers.find((x) => x.container === 'server');
    for (const r of [c?.cpu, c?.memory]) {
      assert.ok(r?.evidence.notes.some((n) => /^forecast: LSTM saved by Train Models \(trained on history to .+\), not retrained$/.test(n)), JSON.stringify(r?.evidence.notes));
    }
  });
});
