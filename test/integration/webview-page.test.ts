// The forecast webview's page (src/webview/main.ts, bundled as the build does) under its real CSP in headless Chromium,
// driven by the messages the host sends: what it draws, what it keeps across re-renders, and what it sends back.
// VS Code is not needed: acquireVsCodeApi is stubbed by the page and records what the view posts.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { PROTOCOL_VERSION, type ForecastViewData, type PanelData, type PanelId, type PanelUnit, type WebviewDescription } from '../../src/protocol/forecast';
import { chromiumPath } from '../harness/browser';
import { repoRoot } from '../harness/paths';

const START = Date.UTC(2026, 10, 20) / 1000;
const BUCKET = 1800;

function panel(id: PanelId, unit: PanelUnit, level: number): PanelData {
  const t = Array.from({ length: 96 }, (_, i) => START + i * BUCKET);
  const v = t.map((_, i) => level * (1 + 0.3 * Math.sin(i / 8)));
  const ft = Array.from({ length: 48 }, (_, i) => START + (96 + i) * BUCKET);
  const mean = ft.map(() => level);
  return {
    id, title: id.toUpperCase(), unit, history: { t, v },
    forecasts: [{ model: 'fused', t: ft, mean, lower: mean.map((x) => x * 0.8), upper: mean.map((x) => x * 1.2), intervalWidth: 0.9 }],
    lines: [{ label: 'Recommended request', value: level * 1.3, role: 'recommended' }],
    summary: { caption: `${id} summary`, columns: ['Series', 'p95'], rows: [['History', String(level)]] },
    detail: { caption: `${id} hourly forecast`, columns: ['Time (UTC)', 'Fused'], rows: ft.map((x, i) => [String(x), String(mean[i])]) },
  };
}

function view(name: string, panels: PanelData[], extra: Partial<ForecastViewData> = {}): ForecastViewData {
  return {
    version: PROTOCOL_VERSION, target: { context: 'demo', namespace: 'shop', kind: 'Deployment', name, container: 'server' },
    title: `Deployment shop/${name} · server`, generatedAt: START + 96 * BUCKET, modelsRun: ['prophet', 'fused'], notes: [],
    headline: `cpu 500m → 1m (${name})`, yaml: `resources:\n  requests:\n    cpu: 1m # ${name}\n`, panels, ...extra,
  };
}

const A = () => view('adservice', [panel('cpu', 'cores', 0.0004), panel('memory', 'bytes', 3e8)], {
  evidence: ['CPU request 1m (range 1m–2m), no limit', '  observed over 2 days (96 samples): p50 0.4m, p95 0.5m, p99 0.5m, max 0.5m'],
});

/** Waits for `ok(value)` (polling `get`), failing with the last value after `ms`. */
// 20 s: headless Chromium drawing charts on two busy cores (the whole CI run) can take several seconds per step.
async function until<T>(get: () => Promise<T>, ok: (x: T) => boolean, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last = await get();
  while (!ok(last)) {
    if (Date.now() > deadline) assert.fail(`condition not met within ${ms} ms; last: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 25));
    last = await get();
  }
  return last;
}

describe('forecast webview page (headless Chromium, real CSP)', function () {
  this.timeout(60_000);
  let dir = '';
  let server: http.Server;
  let browser: Browser;
  let url = '';

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mora-webview-page-'));
    // The bundle the build makes (scripts/build.mjs: browser, iife), or one given (MORA_WEBVIEW_BUNDLE: e.g. an older build).
    const bundle = process.env.MORA_WEBVIEW_BUNDLE ?? path.join(dir, 'webview.js');
    if (!process.env.MORA_WEBVIEW_BUNDLE) {
      await build({ entryPoints: [path.join(repoRoot, 'src', 'webview', 'main.ts')], outfile: bundle, bundle: true, platform: 'browser', format: 'iife', target: 'es2022', logLevel: 'error' });
    }
    const css = path.join(repoRoot, 'media', 'webview.css');
    server = http.createServer((req, res) => {
      const u = new URL(req.url ?? '/', 'http://x');
      if (u.pathname === '/') {
        const origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
        // forecastHtml's policy, with this server as the webview's resource origin.
        const csp = ["default-src 'none'", `img-src ${origin} data:`, `style-src ${origin}`, `font-src ${origin}`, "script-src 'nonce-T3st'"].join('; ');
        const init = u.searchParams.get('state') ?? 'undefined';
        res.setHeader('content-type', 'text/html');
        res.end(`<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8"><meta http-equiv="Content-Security-Policy" content="${csp}">
<link rel="stylesheet" href="/webview.css"><title>t</title></head><body class="vscode-dark" data-location="panel"><main id="app"></main>
<script nonce="T3st">window.__out = []; window.__state = ${init};
window.acquireVsCodeApi = () => ({ postMessage: (m) => window.__out.push(JSON.parse(JSON.stringify(m))), getState: () => window.__state, setState: (s) => { window.__state = s; } });</script>
<script nonce="T3st" src="/webview.js"></script></body></html>`);
        return;
      }
      const file = u.pathname === '/webview.js' ? bundle : u.pathname === '/webview.css' ? css : undefined;
      if (!file) {
        res.statusCode = 404;
        res.end();
        return;
      }
      res.setHeader('content-type', file.endsWith('.css') ? 'text/css' : 'text/javascript');
      res.end(fs.readFileSync(file));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
    browser = await chromium.launch({ executablePath: chromiumPath(), headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  });

  after(async () => {
    await browser?.close();
    server?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  async function open(state?: unknown): Promise<{ page: Page; errors: string[]; send(m: unknown): Promise<void>; describe(): Promise<WebviewDescription>; out(): Promise<Array<Record<string, unknown>>> }> {
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 }, timezoneId: 'America/New_York' });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(state === undefined ? url : `${url}?state=${encodeURIComponent(JSON.stringify(state))}`);
    await page.waitForFunction(() => (window as unknown as { __out: unknown[] }).__out.length > 0 || document.readyState === 'complete');
    const send = (m: unknown) => page.evaluate((x) => window.postMessage(x, '*'), JSON.parse(JSON.stringify(m)) as object);
    const out = () => page.evaluate(() => (window as unknown as { __out: Array<Record<string, unknown>> }).__out);
    let id = 1000;
    const describe = async (): Promise<WebviewDescription> => {
      const n = ++id;
      await send({ type: 'request', id: n, command: 'describe' });
      const r = await until(out, (o) => o.some((m) => m.type === 'response' && m.id === n));
      return r.find((m) => m.type === 'response' && m.id === n)!.result as WebviewDescription;
    };
    return { page, errors, send, describe, out };
  }

  it('a workload with nothing to chart shows a note, not the previous workload\'s chart and tables', async () => {
    const { page, send, describe, errors } = await open();
    await send({ type: 'show', data: A() });
    await until(describe, (d) => d.points > 0 && d.paintedPixels > 0);
    await send({ type: 'loading', message: 'Forecasting cartservice/server…', newTarget: true });
    await send({ type: 'show', data: view('cartservice', [], { notes: ['Not enough history to chart (needs 30 min).'] }) });
    const d = await until(describe, (x) => x.actions?.drawn?.name === 'cartservice');
    assert.deepEqual({ panel: d.panel, datasets: d.datasets, points: d.points, tableRows: d.tableRows, noPanels: d.noPanels },
      { panel: null, datasets: 0, points: 0, tableRows: 0, noPanels: true });
    assert.equal(await page.locator('[role=tab]').count(), 0, 'no tabs of the previous workload');
    assert.match(await page.locator('.empty').innerText(), /Not enough history to chart \(needs 30 min\)/);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('Apply sends what was drawn (target, generatedAt, values) for the host to check', async () => {
    const { page, send, describe, out } = await open();
    const a = A();
    await send({ type: 'show', data: a });
    await until(describe, (d) => d.actions?.apply === true);
    await page.click('#apply');
    const sent = await until(out, (o) => o.some((m) => m.type === 'request' && m.command === 'apply'));
    const req = sent.find((m) => m.type === 'request' && m.command === 'apply') as { args?: { drawn?: unknown } };
    assert.deepEqual(req.args?.drawn, { target: a.target, generatedAt: a.generatedAt, yaml: a.yaml });
    // A `loading` (Refresh, a new target) takes Apply off at once; a Refresh's says the same workload is being recomputed.
    await send({ type: 'loading', message: 'Recomputing adservice/server…', newTarget: true, recompute: true });
    assert.equal((await describe()).actions?.apply, false);
    assert.equal(await page.locator('h1').innerText(), `${a.title} (being recomputed)`);
    await send({ type: 'loading', message: 'Forecasting cartservice/server…', newTarget: true });
    assert.equal(await page.locator('h1').innerText(), `${a.title} (previous workload)`);
    await page.close();
  });

  it('a saved state it cannot draw: `ready` is still sent and the state dropped; the host\'s forecast then draws', async () => {
    const a = A();
    const broken = { version: PROTOCOL_VERSION, target: a.target, panel: 'cpu', data: { ...a, panels: [{ ...a.panels[0], detail: undefined, history: { t: [1, 2] } }] } };
    const { page, send, describe, out, errors } = await open(broken);
    const ready = await until(out, (o) => o.some((m) => m.type === 'ready'));
    assert.ok(ready.some((m) => m.type === 'ready'));
    await send({ type: 'show', data: a });
    const d = await until(describe, (x) => x.points > 0);
    assert.equal(d.panel, 'cpu');
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('a re-render (an LSTM update, a theme change) keeps the focused tab, the open hourly table and their focus', async () => {
    const { page, send, describe } = await open();
    await send({ type: 'show', data: A() });
    await until(describe, (d) => d.points > 0);
    await page.focus('[data-panel="memory"]');
    await page.keyboard.press('ArrowLeft'); // to CPU, keyboard-style
    await page.keyboard.press('ArrowRight'); // back to memory
    assert.equal((await describe()).focused, 'tab:memory');
    await send({ type: 'show', data: A() }); // the LSTM's forecasts arrive
    let d = await until(describe, (x) => x.points > 0);
    assert.deepEqual([d.panel, d.focused], ['memory', 'tab:memory']);
    await page.click('.tables summary');
    assert.equal((await describe()).detailsOpen, true);
    await page.evaluate(() => document.body.classList.add('vscode-light')); // a theme change
    await send({ type: 'show', data: A() });
    d = await until(describe, (x) => x.points > 0 && x.theme.includes('vscode-light'));
    assert.deepEqual([d.detailsOpen, d.focused], [true, 'summary']);
    await page.close();
  });

  it('the live region reads a forecast arriving once and no LSTM epoch', async () => {
    const { page, send, describe } = await open();
    await send({ type: 'show', data: A() });
    await until(describe, (d) => d.live === 'Forecast updated');
    for (let e = 1; e <= 5; e++) await send({ type: 'loading', message: `LSTM training in a worker thread: epoch ${e}/60 (1 of 2)…` });
    const d = await describe();
    assert.equal(d.live, 'Forecast updated', 'epochs are shown, not announced');
    assert.match(await page.locator('.status').innerText(), /epoch 5\/60/);
    // Only one element is a live region, and it is not the progress line.
    assert.equal(await page.locator('[aria-live]').count(), 1);
    assert.equal(await page.locator('.status[aria-live]').count(), 0);
    await page.close();
  });

  it('labels a tiny axis distinctly and shows the evidence', async () => {
    const { page, send, describe } = await open();
    await send({ type: 'show', data: A() });
    const d = await until(describe, (x) => x.points > 0);
    const ticks = d.yTicks ?? [];
    assert.ok(ticks.length >= 3, `ticks: ${ticks.join(', ')}`);
    assert.equal(new Set(ticks).size, ticks.length, `0.4m of CPU: every tick reads differently: ${ticks.join(', ')}`);
    assert.deepEqual(d.evidence, A().evidence);
    assert.match(await page.locator('.evidence h2').innerText(), /Evidence/);
    await page.close();
  });
});
