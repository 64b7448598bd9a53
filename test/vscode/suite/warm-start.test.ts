// The forecast view of a cluster with no global LSTM of its own, in real VS Code: the LSTM member of all four panels is
// MOrA's shipped warm-start model (zero shot, no per-series training), and the view's note says so.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ForecastViewData, RenderedReport } from '../../../src/protocol/forecast';
import { activateMora, pollUntil } from './helpers';

interface ForecastApi {
  forecast: {
    show(target: { namespace: string; kind: string; name: string; container: string }): Promise<void>;
    data(): ForecastViewData | undefined;
    onRendered: vscode.Event<RenderedReport>;
  };
}

/**
 * Opens the forecast view of `name` with an empty model cache (MOrA reads XDG_CACHE_HOME when it looks for a cluster's
 * model: no cached model for the demo context, whatever an earlier run left in the shared fallback folder) and returns
 * the first paint whose fused forecast includes an LSTM, with the view's notes.
 */
async function firstLstmPaint(api: ForecastApi, name: string, timeoutMs: number): Promise<{ painted: RenderedReport | undefined; notes: string[] }> {
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'mora-warm-view-'));
  const before = process.env.XDG_CACHE_HOME;
  process.env.XDG_CACHE_HOME = cache;
  const reports: RenderedReport[] = [];
  const sub = api.forecast.onRendered((r) => reports.push(r));
  try {
    await api.forecast.show({ namespace: 'shop', kind: 'Deployment', name, container: 'server' });
    // Only this workload's paints: an earlier suite's late recompute (a settings change) can paint another one meanwhile.
    const { value: painted } = await pollUntil(() => reports.find((r) => r.phase === 'forecast' && r.workload === name && r.lstmPanels.length > 0), (r) => r !== undefined, timeoutMs);
    assert.ok(painted, `an LSTM was fused (reports: ${JSON.stringify(reports)})`);
    const data = api.forecast.data();
    assert.equal(data?.target.name, name, 'the notes read are this workload\'s');
    return { painted, notes: data?.notes ?? [] };
  } finally {
    sub.dispose();
    if (before === undefined) delete process.env.XDG_CACHE_HOME; else process.env.XDG_CACHE_HOME = before;
    fs.rmSync(cache, { recursive: true, force: true });
  }
}

describe('MOrA forecast view on a cluster without a global LSTM: the warm start', function () {
  this.timeout(120_000);
  after(async () => { await vscode.commands.executeCommand('workbench.action.closeAllEditors'); });

  it('forecasts every panel with the shipped warm-start model instead of training per series', async () => {
    const api = (await activateMora()) as unknown as ForecastApi;
    const { painted, notes } = await firstLstmPaint(api, 'emailservice', 60_000);
    const lstmNote = notes.find((n) => n.startsWith('LSTM: '));
    assert.match(lstmNote ?? '', /warm-start model/, `notes: ${notes.join(' | ')}`);
    assert.deepEqual(painted?.lstmPanels, ['cpu', 'memory', 'requests', 'replicas'], 'all four panels, as with a cluster model');
  });

  it('with mora.lstm.warmStart off, trains per series instead (CPU and memory), and the note does not name the warm start', async () => {
    const api = (await activateMora()) as unknown as ForecastApi;
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const cfg = () => vscode.workspace.getConfiguration('mora');
    await cfg().update('lstm.warmStart', false, vscode.ConfigurationTarget.Workspace);
    try {
      const { painted, notes } = await firstLstmPaint(api, 'paymentservice', 80_000);
      assert.deepEqual(painted?.lstmPanels, ['cpu', 'memory'], 'per-series LSTMs for the panels the view trains them for');
      assert.ok(!notes.some((n) => /warm-start/.test(n)), `notes: ${notes.join(' | ')}`);
    } finally {
      await cfg().update('lstm.warmStart', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });
});
