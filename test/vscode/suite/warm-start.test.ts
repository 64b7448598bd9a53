// The forecast view of a cluster with no global LSTM of its own, in real VS Code: the LSTM member of all four panels is
// MOrA's shipped warm-start model (zero shot, no per-series training), and the view's note says so.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ForecastViewData, RenderedReport } from '../../../src/protocol/forecast';
import { activateMora, waitFor } from './helpers';

interface ForecastApi {
  forecast: {
    show(target: { namespace: string; kind: string; name: string; container: string }): Promise<void>;
    data(): ForecastViewData | undefined;
    onRendered: vscode.Event<RenderedReport>;
  };
}

describe('MOrA forecast view on a cluster without a global LSTM: the warm start', function () {
  this.timeout(120_000);
  after(async () => { await vscode.commands.executeCommand('workbench.action.closeAllEditors'); });

  it('forecasts every panel with the shipped warm-start model instead of training per series', async () => {
    const api = (await activateMora()) as unknown as ForecastApi;
    // An empty model cache for this test (MOrA reads XDG_CACHE_HOME when it looks for a cluster's model): no cached model
    // for the demo context, whatever an earlier run left in the shared fallback folder.
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'mora-warm-view-'));
    const before = process.env.XDG_CACHE_HOME;
    process.env.XDG_CACHE_HOME = cache;
    const reports: RenderedReport[] = [];
    const sub = api.forecast.onRendered((r) => reports.push(r));
    try {
      await api.forecast.show({ namespace: 'shop', kind: 'Deployment', name: 'emailservice', container: 'server' });
      const painted = await waitFor(() => reports.find((r) => r.phase === 'forecast' && r.lstmPanels.length > 0), (r) => r !== undefined, 60_000);
      assert.ok(painted, `an LSTM was fused (reports: ${JSON.stringify(reports)})`);
      const notes = api.forecast.data()?.notes ?? [];
      const lstmNote = notes.find((n) => n.startsWith('LSTM: '));
      assert.match(lstmNote ?? '', /warm-start model/, `notes: ${notes.join(' | ')}`);
      assert.deepEqual(painted.lstmPanels, ['cpu', 'memory', 'requests', 'replicas'], 'all four panels, as with a cluster model');
    } finally {
      sub.dispose();
      if (before === undefined) delete process.env.XDG_CACHE_HOME; else process.env.XDG_CACHE_HOME = before;
      fs.rmSync(cache, { recursive: true, force: true });
    }
  });

  it('with mora.lstm.warmStart off, trains per series instead (CPU and memory), and the note does not name the warm start', async () => {
    const api = (await activateMora()) as unknown as ForecastApi;
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const cfg = () => vscode.workspace.getConfiguration('mora');
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'mora-warm-off-'));
    const before = process.env.XDG_CACHE_HOME;
    process.env.XDG_CACHE_HOME = cache;
    const reports: RenderedReport[] = [];
    const sub = api.forecast.onRendered((r) => reports.push(r));
    try {
      await cfg().update('lstm.warmStart', false, vscode.ConfigurationTarget.Workspace);
      await api.forecast.show({ namespace: 'shop', kind: 'Deployment', name: 'paymentservice', container: 'server' });
      const painted = await waitFor(() => reports.find((r) => r.phase === 'forecast' && r.lstmPanels.length > 0), (r) => r !== undefined, 80_000);
      assert.ok(painted, `an LSTM was fused (reports: ${JSON.stringify(reports)})`);
      assert.deepEqual(painted.lstmPanels, ['cpu', 'memory'], 'per-series LSTMs for the panels the view trains them for');
      const notes = api.forecast.data()?.notes ?? [];
      assert.ok(!notes.some((n) => /warm-start/.test(n)), `notes: ${notes.join(' | ')}`);
    } finally {
      sub.dispose();
      await cfg().update('lstm.warmStart', undefined, vscode.ConfigurationTarget.Workspace);
      if (before === undefined) delete process.env.XDG_CACHE_HOME; else process.env.XDG_CACHE_HOME = before;
      fs.rmSync(cache, { recursive: true, force: true });
    }
  });
});
