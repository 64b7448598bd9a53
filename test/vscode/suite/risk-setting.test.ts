// The risk knob in the editor: changing `mora.risk.memory` recomputes the demo's recommendations, and the tree's tooltip,
// a manifest's hover and CodeLens title then state the new target and the risk the new values carry. The engine computes the numbers.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ForecastViewData, WebviewDescription } from '../../../src/protocol/forecast';
import { activateMora, waitFor, type MoraTestApi, type TreeNode } from './helpers';

interface ForecastApi {
  forecast: {
    show(target: { namespace: string; kind: string; name: string; container: string }): Promise<void>;
    describe(): Promise<WebviewDescription>;
    data(): ForecastViewData | undefined;
  };
}

interface Node { kind: string; label: string; description?: string }

const cfg = () => vscode.workspace.getConfiguration('mora');

/** cartservice's `server` container as the tree shows it now: its description and tooltip. */
async function cartServer(api: MoraTestApi): Promise<{ description: string; tooltip: string }> {
  const [ctx] = (await api.tree.getChildren()) as Node[];
  const [ns] = (await api.tree.getChildren(ctx as TreeNode)) as Node[];
  const cart = ((await api.tree.getChildren(ns as TreeNode)) as Node[]).find((w) => w.label === 'cartservice');
  if (!cart) return { description: '', tooltip: '' };
  const [server] = (await api.tree.getChildren(cart as TreeNode)) as Node[];
  const item = await api.tree.getTreeItem(server as TreeNode);
  const tooltip = item.tooltip instanceof vscode.MarkdownString ? item.tooltip.value : String(item.tooltip ?? '');
  return { description: String(item.description ?? ''), tooltip };
}

async function hoverText(doc: vscode.TextDocument, needle: string): Promise<string> {
  const at = doc.positionAt(doc.getText().indexOf(needle) + needle.length - 2); // on the value (the container's name)
  const hovers = (await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, at)) ?? [];
  return hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
}

/** The title of MOrA's container CodeLens in the document (empty while there is none). */
async function containerLensTitle(doc: vscode.TextDocument): Promise<string> {
  const all = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri)) ?? [];
  return all.map((l) => l.command?.title ?? '').find((t) => /^MOrA: cpu /.test(t)) ?? '';
}

/** The recommended memory limit in the tree tooltip's table (`| Memory | … | 70Mi / 80Mi |`: request / limit). */
const memoryLimit = (tooltip: string): string => (/\| Memory \|.*\| ([^|]+) \|$/m.exec(tooltip)?.[1] ?? '').split(' / ').pop()!.trim();

describe('the risk setting (mora.risk.memory) in the editor', function () {
  this.timeout(180_000);
  let dir = '';

  after(async () => {
    await cfg().update('risk.memory', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('changing it recomputes: the tree\'s and the hover\'s recommendation and risk statement follow', async () => {
    const api = await activateMora();
    await vscode.commands.executeCommand('mora.clearFilter');
    if (cfg().get('dataSource') !== 'demo') await cfg().update('dataSource', 'demo', vscode.ConfigurationTarget.Global);
    await cfg().update('risk.memory', undefined, vscode.ConfigurationTarget.Global);
    assert.equal(cfg().get('risk.memory'), 0.01, 'the default: 1 OOM day in 100');

    const before = await waitFor(() => cartServer(api), (c) => c.tooltip.includes('risk target ≤1 OOM day in 100 (setting mora.risk.memory)'), 60_000);
    assert.match(before.tooltip, /Memory: [≈<]\d+ OOM days? in \d+ at this limit; risk target ≤1 OOM day in 100 \(setting mora\.risk\.memory\)/, before.tooltip);
    // The row: a compact risk next to its targets; the tooltip spells it out with the OOM days at the limit, next to the target.
    assert.match(before.description, /· (⚠ )?risk <?[\d.]+%·<?\d+\/\d+ \(≤5%·≤1\/100\)$/, before.description);
    assert.match(before.tooltip, /· [≈<]\d+ OOM days? in \d+ at limit [\d.]+[MG]i \(target ≤1 in 100\)\./, before.tooltip);

    // A manifest of the demo's cartservice: its hover reads the same store.
    dir = fs.mkdtempSync(path.join(vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? os.tmpdir(), 'risk-'));
    const file = path.join(dir, 'cartservice.yaml');
    fs.writeFileSync(file, 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: cartservice\n  namespace: shop\nspec:\n  template:\n    spec:\n'
      + '      containers:\n      - name: server\n        resources:\n          requests:\n            cpu: 200m\n            memory: 64Mi\n');
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
    await vscode.window.showTextDocument(doc);
    const hover1 = await waitFor(() => hoverText(doc, 'name: server'), (md) => md.includes('≤1 OOM day in 100 (setting mora.risk.memory)'), 60_000);
    // The CodeLens title: the expected OOM days at the memory limit, next to the target.
    const lens1 = await waitFor(() => containerLensTitle(doc), (t) => t.includes('(target ≤1 in 100)'), 60_000);
    assert.match(lens1, /· [≈<]\d+ OOM days? in \d+ at limit [\d.]+[MG]i \(target ≤1 in 100\)/, lens1);
    assert.match(hover1, /\*\*Memory\*\* request .* · [≈<]\d+ OOM days? in \d+ at this limit/, hover1);

    // The forecast view of the same container: the risk lines under its headline, drawn in the webview.
    const forecast = (api as unknown as ForecastApi).forecast;
    await forecast.show({ namespace: 'shop', kind: 'Deployment', name: 'cartservice', container: 'server' });
    const drawn1 = await waitFor(() => forecast.describe(), (d) => (d.riskLines ?? []).some((l) => l.includes('≤1 OOM day in 100 (setting mora.risk.memory)')), 60_000);
    assert.match((drawn1.riskLines ?? []).join('\n'), /^Memory: [≈<]\d+ OOM days? in \d+ at this limit; risk target ≤1 OOM day in 100/m, JSON.stringify(drawn1));

    // 1 OOM day in 5 accepted: the limit is recomputed lower (or equal where rounding holds it), and every view says so.
    await cfg().update('risk.memory', 0.2, vscode.ConfigurationTarget.Global);
    const after = await waitFor(() => cartServer(api), (c) => c.tooltip.includes('risk target ≤1 OOM day in 5 (setting mora.risk.memory)'), 90_000);
    assert.match(after.tooltip, /Memory: [≈<]\d+ OOM days? in \d+ at this limit; risk target ≤1 OOM day in 5 \(setting mora\.risk\.memory\)/, after.tooltip);
    assert.doesNotMatch(after.tooltip, /≤1 OOM day in 100/);
    assert.match(after.description, /· (⚠ )?risk <?[\d.]+%·<?\d+\/\d+ \(≤5%·≤1\/5\)$/, after.description);
    assert.match(after.tooltip, /· [≈<]\d+ OOM days? in \d+ at limit [\d.]+[MG]i \(target ≤1 in 5\)\./, after.tooltip);
    assert.notEqual(after.tooltip, before.tooltip);
    const mib = (q: string): number => (q.endsWith('Gi') ? parseFloat(q) * 1024 : parseFloat(q));
    assert.ok(mib(memoryLimit(after.tooltip)) <= mib(memoryLimit(before.tooltip)), `limit ${memoryLimit(before.tooltip)} → ${memoryLimit(after.tooltip)}`);
    const hover2 = await waitFor(() => hoverText(doc, 'name: server'), (md) => md.includes('≤1 OOM day in 5 (setting mora.risk.memory)'), 60_000);
    assert.doesNotMatch(hover2, /≤1 OOM day in 100/);
    const lens2 = await waitFor(() => containerLensTitle(doc), (t) => t.includes('(target ≤1 in 5)'), 60_000);
    assert.match(lens2, /· [≈<]\d+ OOM days? in \d+ at limit [\d.]+[MG]i \(target ≤1 in 5\)/, lens2);
    assert.notEqual(lens2, lens1);
    // …and the open forecast view recomputed, in the host's data and in what the webview draws.
    const drawn2 = await waitFor(() => forecast.describe(), (d) => (d.riskLines ?? []).some((l) => l.includes('≤1 OOM day in 5 (setting mora.risk.memory)')), 60_000);
    assert.match((drawn2.riskLines ?? []).join('\n'), /^Memory: .*risk target ≤1 OOM day in 5/m, JSON.stringify(drawn2));
    assert.match((forecast.data()?.risk ?? []).join('\n'), /risk target ≤1 OOM day in 5/);

    // Back to the default: back to the first numbers.
    await cfg().update('risk.memory', undefined, vscode.ConfigurationTarget.Global);
    const back = await waitFor(() => cartServer(api), (c) => c.tooltip.includes('risk target ≤1 OOM day in 100'), 90_000);
    assert.equal(memoryLimit(back.tooltip), memoryLimit(before.tooltip));
  });

  it('an invalid value: warned about, the default labelled as such; warned about again when set again after a fix', async () => {
    const api = await activateMora();
    const window = vscode.window as { showWarningMessage: unknown };
    const real = window.showWarningMessage;
    const warned: string[] = [];
    window.showWarningMessage = async (message: string) => { warned.push(message); return undefined; };
    const invalid = (w: string): boolean => w.startsWith('MOrA: Setting mora.risk.cpu is 5:');
    try {
      await cfg().update('risk.cpu', 5, vscode.ConfigurationTarget.Global);
      const broken = await waitFor(() => cartServer(api), (c) => c.tooltip.includes('(default 0.05 (mora.risk.cpu is invalid))') && warned.some(invalid), 90_000);
      assert.ok(broken.tooltip.includes('(default 0.05 (mora.risk.cpu is invalid))'), broken.tooltip);
      assert.doesNotMatch(broken.tooltip, /setting mora\.risk\.cpu/, broken.tooltip);
      assert.equal(warned.filter(invalid).length, 1, warned.join('\n'));
      await cfg().update('risk.cpu', undefined, vscode.ConfigurationTarget.Global);
      const fixed = await waitFor(() => cartServer(api), (c) => c.tooltip.includes('(setting mora.risk.cpu)'), 90_000);
      assert.ok(fixed.tooltip.includes('(setting mora.risk.cpu)'), fixed.tooltip);
      // Broken again: the store recomputes with the default, and the warning is said again (it was once per session).
      await cfg().update('risk.cpu', 5, vscode.ConfigurationTarget.Global);
      const again = await waitFor(() => cartServer(api), (c) => c.tooltip.includes('(mora.risk.cpu is invalid)') && warned.filter(invalid).length === 2, 60_000);
      assert.ok(again.tooltip.includes('(mora.risk.cpu is invalid)'), again.tooltip);
      assert.equal(warned.filter(invalid).length, 2, warned.join('\n'));
    } finally {
      window.showWarningMessage = real;
      await cfg().update('risk.cpu', undefined, vscode.ConfigurationTarget.Global);
    }
  });
});
