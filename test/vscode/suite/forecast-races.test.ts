// The forecast view while work is under way: a forecast still computing when the view moves on (to an experiment's
// results, to new settings, to another workload) must not draw, keep or act on what it computed for what came before.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Recommendation } from '../../../src/core/recommendation';
import type { ExperimentViewData, ForecastViewData, RenderedReport, WebviewDescription } from '../../../src/protocol/forecast';
import { fixturePlanDocument } from '../../harness/experiment-fixture';
import { activateMora, waitFor } from './helpers';

interface Api {
  recommendations: { all(): Recommendation[]; clear(): void };
  forecast: {
    show(target: { namespace: string; kind: string; name: string; container: string }): Promise<void>;
    describe(): Promise<WebviewDescription>;
    data(): ForecastViewData | undefined;
    experiment(): ExperimentViewData | undefined;
    settled(): Promise<void>;
    request(command: 'apply' | 'copyYaml' | 'refresh' | 'ping'): Promise<unknown>;
    onRendered: vscode.Event<RenderedReport>;
  };
}

const cfg = () => vscode.workspace.getConfiguration('mora');
const node = (name: string) => ({ workload: { context: 'demo', namespace: 'shop', kind: 'Deployment', name }, container: 'server' });

describe('MOrA forecast view: work under way when the view moves on', function () {
  this.timeout(180_000);
  let dir = '';

  before(async () => {
    await activateMora();
    if (cfg().get('dataSource') !== 'demo') await cfg().update('dataSource', 'demo', vscode.ConfigurationTarget.Global);
  });

  after(async () => {
    await cfg().update('risk.cpu', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('two Show Forecasts in a row: the view ends on the second workload\'s forecast', async () => {
    const api = (await activateMora()) as unknown as Api;
    await api.forecast.show({ namespace: 'shop', kind: 'Deployment', name: 'frontend', container: 'server' });
    // The second arrives while the first computes: that computation is stale, and the second must still be computed.
    await vscode.commands.executeCommand('mora.showForecast', node('adservice'));
    await vscode.commands.executeCommand('mora.showForecast', node('currencyservice'));
    const data = await waitFor(async () => {
      await api.forecast.settled();
      return api.forecast.data();
    }, (x) => x?.target.name === 'currencyservice');
    assert.equal(data?.target.name, 'currencyservice');
  });

  it('an experiment\'s results shown while a forecast computes stay shown (the forecast is discarded)', async () => {
    const api = (await activateMora()) as unknown as Api;
    await api.forecast.show({ namespace: 'shop', kind: 'Deployment', name: 'frontend', container: 'server' });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mora-vsc-races-'));
    const { doc } = fixturePlanDocument(path.join(dir, 'shop.mora-plan.yaml'));
    const json = path.join(dir, 'shop.json');
    fs.writeFileSync(json, JSON.stringify(doc));
    // Another workload's forecast starts computing, and at once the experiment's results are asked for.
    await vscode.commands.executeCommand('mora.showForecast', node('emailservice'));
    assert.equal(await vscode.commands.executeCommand('mora.showExperimentResults', json), json);
    // The emailservice computation (and whatever it chains to) has finished: it must not have replaced the experiment.
    await api.forecast.settled();
    assert.equal(api.forecast.experiment()?.name, doc.name, 'the host still shows the experiment');
    assert.equal(api.forecast.data(), undefined, 'no forecast data kept for a view showing an experiment');
    const d = await waitFor(() => api.forecast.describe(), (x) => x.experiment?.service === 'checkout' && x.paintedPixels > 0);
    assert.equal(d.experiment?.service, 'checkout', `the webview draws the experiment, not the forecast: ${JSON.stringify(d)}`);
  });

  it('a risk setting changed while the forecast computes: the view and the store get the new settings\' recommendation', async () => {
    const api = (await activateMora()) as unknown as Api;
    await cfg().update('risk.cpu', undefined, vscode.ConfigurationTarget.Global);
    await api.forecast.show({ namespace: 'shop', kind: 'Deployment', name: 'cartservice', container: 'server' });
    // checkoutservice starts computing with the default (5%); the setting changes to 20% before it is done.
    await vscode.commands.executeCommand('mora.showForecast', node('checkoutservice'));
    await cfg().update('risk.cpu', 0.2, vscode.ConfigurationTarget.Global);
    const newTarget = /risk target ≤20% of the time \(setting mora\.risk\.cpu\)/;
    const data = await waitFor(async () => {
      await api.forecast.settled();
      return api.forecast.data();
    }, (x) => x?.target.name === 'checkoutservice' && newTarget.test((x.risk ?? []).join('\n')), 90_000);
    assert.equal(data?.target.name, 'checkoutservice');
    assert.match((data?.risk ?? []).join('\n'), newTarget, `the view's risk lines: ${JSON.stringify(data?.risk)}`);
    // The shared store holds no recommendation computed with the old setting for it.
    const stored = api.recommendations.all().find((r) => r.workload.name === 'checkoutservice' && r.workload.namespace === 'shop');
    const cpuTarget = stored?.containers.find((c) => c.container === 'server')?.cpu?.evidence.risk?.target;
    assert.ok(stored === undefined || cpuTarget === 0.2, `the store's checkoutservice CPU risk target: ${cpuTarget}`);
    // Back to the default, and its recomputation done here: it must not land in the next test (or suite).
    await cfg().update('risk.cpu', undefined, vscode.ConfigurationTarget.Global);
    const back = await waitFor(async () => {
      await api.forecast.settled();
      return api.forecast.data();
    }, (x) => /risk target ≤5% of the time/.test((x?.risk ?? []).join('\n')), 90_000);
    assert.match((back?.risk ?? []).join('\n'), /risk target ≤5% of the time/);
  });

  it('the data source changes (the store is cleared, as switching source or kubeconfig does): the view recomputes, its Apply off until then', async () => {
    const api = (await activateMora()) as unknown as Api;
    await api.forecast.show({ namespace: 'shop', kind: 'Deployment', name: 'frontend', container: 'server' });
    await waitFor(() => api.forecast.describe(), (x) => x.actions?.apply === true && x.actions.drawn?.name === 'frontend' && !x.actions.previous);
    await api.forecast.settled();
    const first = api.forecast.data();
    assert.ok(first, 'frontend\'s forecast is shown');
    api.recommendations.clear();
    // The webview handles the host's messages in order: this describe comes after what the clear made the host post.
    const during = await api.forecast.describe();
    assert.ok(!during.actions?.apply, `Apply stays on for the old source's recommendation: ${JSON.stringify(during.actions)}`);
    const data = await waitFor(async () => {
      await api.forecast.settled();
      return api.forecast.data();
    }, (x) => x !== undefined && x !== first && x.target.name === 'frontend');
    assert.notEqual(data, first, 'the view computed frontend again');
    await waitFor(() => api.forecast.describe(), (x) => x.actions?.apply === true && !x.actions.previous);
  });

  it('Refresh takes Apply and Copy YAML off at once, until the recomputed recommendation is drawn', async () => {
    const api = (await activateMora()) as unknown as Api;
    await api.forecast.show({ namespace: 'shop', kind: 'Deployment', name: 'frontend', container: 'server' });
    await waitFor(() => api.forecast.describe(), (x) => x.actions?.apply === true && x.actions.drawn?.name === 'frontend' && !x.actions.previous);
    await api.forecast.settled();
    const first = api.forecast.data();
    const refreshed = api.forecast.request('refresh');
    // The webview handles the host's messages in order: this describe comes after what Refresh made the host post. Before,
    // Refresh posted nothing: Apply stayed on, and a press then waited for and wrote the new, never-shown recommendation.
    const during = await api.forecast.describe();
    assert.ok(!during.actions?.apply && !during.actions?.copyYaml, `Apply / Copy YAML on while the recommendation is recomputed: ${JSON.stringify(during.actions)}`);
    await refreshed;
    assert.notEqual(api.forecast.data(), first, 'a new forecast was computed');
    await waitFor(() => api.forecast.describe(), (x) => x.actions?.apply === true && x.actions.drawn?.name === 'frontend' && !x.actions.previous);
  });

  it('on a new target, Apply and Copy YAML are off (the previous workload\'s chart marked) until its data arrives', async () => {
    const api = (await activateMora()) as unknown as Api;
    await api.forecast.show({ namespace: 'shop', kind: 'Deployment', name: 'frontend', container: 'server' });
    let lstmPainted = false;
    const sub = api.forecast.onRendered((r) => {
      const d = api.forecast.data();
      if (r.phase === 'forecast' && r.lstmPanels.length > 0 && d?.target.name === 'shippingservice' && d.modelsRun.includes('lstm')) lstmPainted = true;
    });
    const before = await waitFor(() => api.forecast.describe(), (x) => x.actions?.apply === true && x.actions.drawn?.name === 'frontend');
    assert.equal(before.actions?.apply, true, `frontend's actions: ${JSON.stringify(before.actions)}`);
    await vscode.commands.executeCommand('mora.showForecast', node('shippingservice'));
    // The webview handles the host's messages in order: this describe comes after the `loading` for shippingservice.
    const during = await api.forecast.describe();
    const a = during.actions;
    assert.ok(a, 'the forecast view describes its actions');
    assert.ok(!(a.apply || a.copyYaml) || a.drawn?.name === 'shippingservice', `Apply/Copy act on shippingservice while drawing ${a.drawn?.name}: ${JSON.stringify(a)}`);
    if (a.drawn?.name === 'frontend') assert.equal(a.previous, true, 'frontend\'s chart is marked as the previous workload');
    const after = await waitFor(() => api.forecast.describe(), (x) => x.actions?.drawn?.name === 'shippingservice' && x.actions.apply && !x.actions.previous);
    assert.deepEqual([after.actions?.drawn?.name, after.actions?.apply, after.actions?.copyYaml, after.actions?.previous], ['shippingservice', true, true, false]);
    // Its LSTM pass (the warm start: quick) painted here too, not in the next suite's view.
    await waitFor(() => lstmPainted, (x) => x, 60_000, 'shippingservice\'s LSTM pass painted in this view');
    sub.dispose();
  });
});
