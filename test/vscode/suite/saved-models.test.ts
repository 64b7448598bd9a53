// Train Models, then Show Forecast, in real VS Code: the view forecasts the CPU and memory panels with the LSTMs Train
// Models saved for that container (no training), and its notes say so, panel by panel.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
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

  it('the message after Train Models says whether the tree and CodeLenses use the models, as mora.forecastModel decides', () => {
    // The editor's recommendations read the saved models only with a fused or lstm model: the setting gives neither
    // (fused and lstm count as none), so the message must not send the user to set it. Should the setting ever allow
    // one, this fails: the message, and Train Models refreshing the store's entries for the trained workloads, are due.
    const editorLstm = ['fused', 'lstm'].filter((m) => forecastModel(m) !== undefined);
    const message = trainedModelsMessage(3, 'models');
    assert.deepEqual(editorLstm, [], 'mora.forecastModel gives the editor no LSTM model');
    assert.doesNotMatch(message, /set to fused|recommendations and CodeLenses use them/, message);
    assert.match(message, /the recommendations in the tree, CodeLenses and hovers do not \(mora\.forecastModel runs the moving window or Prophet there, no LSTM\)\.$/, message);
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
