// mora.fusion.prophetWeight in real VS Code: the forecast view's fusion (run in the extension's worker pool) takes the
// setting as Prophet's prior, and a change redraws the open view with the new blend.
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

/** Each panel's fused weights in percent, from the view's notes ("CPU (per pod): fused = prophet 21%, lstm 32%, baseline (…) 47%."). */
function blends(notes: readonly string[]): Map<string, Record<string, number>> {
  const out = new Map<string, Record<string, number>>();
  for (const n of notes) {
    const m = /^(.*): fused = (.*)\.$/.exec(n);
    if (m) out.set(m[1], Object.fromEntries([...m[2].matchAll(/(prophet|lstm|baseline)[^,]*? (\d+)%/g)].map((x) => [x[1], Number(x[2])])));
  }
  return out;
}

describe('mora.fusion.prophetWeight weighs Prophet in the forecast view\'s fusion', function () {
  this.timeout(180_000);
  const cfg = () => vscode.workspace.getConfiguration('mora');
  let cache = '';
  const xdg = process.env.XDG_CACHE_HOME;
  before(() => {
    // No cluster model cached for the demo: the LSTM member is the shipped warm start (no training, seconds).
    cache = fs.mkdtempSync(path.join(os.tmpdir(), 'mora-fusion-weight-'));
    process.env.XDG_CACHE_HOME = cache;
  });
  after(async () => {
    await cfg().update('fusion.prophetWeight', undefined, vscode.ConfigurationTarget.Workspace);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    if (xdg === undefined) delete process.env.XDG_CACHE_HOME; else process.env.XDG_CACHE_HOME = xdg;
    fs.rmSync(cache, { recursive: true, force: true });
  });

  it('a low weight, then a high one: Prophet\'s share of each blend with both models grows, the LSTM\'s shrinks', async () => {
    const api = (await activateMora()) as unknown as ForecastApi;
    const reports: RenderedReport[] = [];
    const sub = api.forecast.onRendered((r) => reports.push(r));
    try {
      // Only emailservice's paints: an LSTM pass of the suite before (another workload) may still paint after this starts.
      const lstmPaint = async (from: number) => {
        const { value: painted } = await pollUntil(() => reports.slice(from).find((r) => r.phase === 'forecast' && r.lstmPanels.length > 0 && r.workload === 'emailservice'), (r) => r !== undefined, 90_000);
        assert.ok(painted, `an LSTM was fused (reports: ${JSON.stringify(reports.slice(from))})`);
        return blends(api.forecast.data()?.notes ?? []);
      };
      await cfg().update('fusion.prophetWeight', 0.1, vscode.ConfigurationTarget.Workspace);
      await api.forecast.show({ namespace: 'shop', kind: 'Deployment', name: 'emailservice', container: 'server' });
      const low = await lstmPaint(0);
      const both = [...low].filter(([, w]) => w.prophet !== undefined && w.lstm !== undefined).map(([panel]) => panel);
      assert.ok(both.length > 0, `some panel fuses Prophet and the LSTM: ${JSON.stringify([...low])}`);

      const from = reports.length;
      await cfg().update('fusion.prophetWeight', 0.9, vscode.ConfigurationTarget.Workspace);
      const high = await lstmPaint(from);
      for (const panel of both) {
        const [l, h] = [low.get(panel)!, high.get(panel)];
        assert.ok(h && h.prophet !== undefined && h.lstm !== undefined, `${panel}: both models still kept: ${JSON.stringify(h)}`);
        assert.ok(h.prophet > l.prophet && h.lstm < l.lstm, `${panel}: 0.1 → ${JSON.stringify(l)}, 0.9 → ${JSON.stringify(h)}`);
      }
    } finally {
      sub.dispose();
    }
  });
});
