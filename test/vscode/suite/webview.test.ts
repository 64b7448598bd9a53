// The forecast webview in real VS Code: it renders a chart from real (demo) forecasts and answers a request over the protocol.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ForecastViewData, WebviewDescription } from '../../../src/protocol/forecast';
import { activateMora } from './helpers';

interface ForecastApi {
  forecast: {
    show(target: { namespace: string; kind: string; name: string; container: string }): Promise<void>;
    describe(): Promise<WebviewDescription>;
    data(): ForecastViewData | undefined;
  };
}

async function describeWhenDrawn(api: ForecastApi, ms = 20_000): Promise<WebviewDescription> {
  const end = Date.now() + ms;
  let d = await api.forecast.describe();
  while ((d.points === 0 || d.paintedPixels === 0) && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 200));
    d = await api.forecast.describe();
  }
  return d;
}

describe('MOrA forecast webview', function () {
  this.timeout(90_000);

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('renders a non-empty chart of real forecasts and answers a request', async () => {
    const api = (await activateMora()) as unknown as ForecastApi;
    await api.forecast.show({ namespace: 'shop', kind: 'Deployment', name: 'productcatalogservice', container: 'server' });
    const data = api.forecast.data();
    assert.ok(data, 'the host computed the view');
    assert.deepEqual(data.panels.map((p) => p.id), ['cpu', 'memory', 'requests', 'replicas']);
    assert.ok(data.modelsRun.includes('prophet') && data.modelsRun.includes('fused'), `models run: ${data.modelsRun.join(', ')}`);
    // The demo's productcatalogservice asks for 500m and 1Gi and uses a few percent: the headline says so.
    assert.match(data.headline, /^cpu 500m → \d+m · mem 1Gi → \d+(\.\d+)?Mi · \d+% confident$/);

    const d = await describeWhenDrawn(api);
    assert.equal(d.panel, 'cpu');
    assert.ok(d.datasets >= 3, `datasets drawn: ${d.datasets}`);
    assert.ok(d.points > 100, `points drawn: ${d.points}`);
    assert.ok(d.paintedPixels > 100, `pixels painted on the canvas: ${d.paintedPixels}`);
    assert.ok(d.tableRows > 10, 'the numbers are also in a table');
    assert.match(d.theme, /vscode-(dark|light|high-contrast)/, 'the webview got the theme classes');
  });

  it('opens from the showForecast command with a tree node and switches target', async () => {
    const api = (await activateMora()) as unknown as ForecastApi;
    const node = { workload: { context: 'demo', namespace: 'shop', kind: 'Deployment', name: 'cartservice' }, container: 'server' };
    await vscode.commands.executeCommand('mora.showForecast', node);
    const end = Date.now() + 30_000;
    while (api.forecast.data()?.target.name !== 'cartservice' && Date.now() < end) await new Promise((r) => setTimeout(r, 200));
    assert.equal(api.forecast.data()?.target.name, 'cartservice');
    const d = await describeWhenDrawn(api);
    assert.ok(d.paintedPixels > 0);
  });
});
