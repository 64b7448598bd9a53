// The forecast view's time budgets measured inside a real VS Code (issue 13): history + baseline painted ≤ 1 s, the fused
// forecast (LSTM included) for all four panels ≤ 5 s when the cluster's global model is cached, progress shown while an
// LSTM trains, and no extension-host stall > 50 ms during the whole open.
//
//   npm run bench:view [-- --opens 3] [--profile] [--no-warm-start]
//
// 1. Fills a private model cache (a temp folder used as XDG_CACHE_HOME) with the demo cluster's global LSTM by running
//    the CLI, `mora demo -m fused`, as a user would; a second, empty cache folder is the uncached arm (a cold cluster: the
//    shipped warm-start model, or per-series training with --no-warm-start).
// 2. Starts code-server + headless Chromium (test/harness, as npm run test:vscode) with test/vscode/bench/view-host.ts as the
//    extension host's test entry: it opens a new view with mora.showForecast, cached then uncached on the same workload,
//    then switches the open view to the next workload (`switch`, model cached), then hides the view behind a text editor in
//    its group and picks a third workload (`reveal`: the view is shown again and switched), and times what the webview reports
//    having painted (protocol message `rendered`), while watching the extension host's event loop.
// 3. Prints per-open rows and a table per arm (median and worst), with the ratios cached/uncached.
// Wall times suffer when other processes compete for the 2 cores: the load average is printed with the results.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync, spawn } from 'node:child_process';
import * as esbuild from 'esbuild';
import { arg } from './args';
import { repoRoot, makeRunDir, privateEnv } from '../../test/harness/paths';
import { startCodeServer } from '../../test/harness/code-server';
import { chromiumPath, launchBrowser } from '../../test/harness/browser';
import type { ViewBenchResults } from '../../test/vscode/bench/view-host';

const opens = arg('opens', 3);
// --profile: a CPU profile of the extension host during each open; prints where the longest stall's time went.
const profile = process.argv.includes('--profile');
// --no-warm-start: the uncached arm as before the shipped warm start (MORA_LSTM_WARM_START=0: per-series LSTMs train
// in the worker pool, with progress); by default a cold cluster's view forecasts with the warm start at once.
const warmStart = !process.argv.includes('--no-warm-start');
// --no-devtools: Chromium started as a user starts it, with no DevTools protocol attached (Playwright attaches to every
// service worker, which keeps an idle one running); the run is followed through the results file alone.
const noDevtools = process.argv.includes('--no-devtools');
// --close-gap S: each new view is opened S seconds after the previous one was closed (a user coming back to the view).
const closeGap = arg('close-gap', 0);
// --location editor|panel: where the forecast view opens (mora.forecast.location; default panel, the setting's default).
const viewLocation = process.argv.includes('--location') ? process.argv[process.argv.indexOf('--location') + 1] : 'panel';
if (viewLocation !== 'panel' && viewLocation !== 'editor') throw new Error(`--location must be panel or editor, not ${viewLocation}`);
const BASELINE_BUDGET_MS = 1000;
const FUSED_BUDGET_MS = 5000;
const STALL_BUDGET_MS = 50;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}
const worst = (xs: number[]): number => (xs.length ? Math.max(...xs) : NaN);
const fmt = (ms: number): string => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)} s` : '—');
const fmtMs = (ms: number): string => (Number.isFinite(ms) ? `${ms.toFixed(0)} ms` : '—');

/** The cluster's global LSTM for the demo, trained by the CLI into `cacheHome` (the user's way to get one). */
function prepareCache(cacheHome: string): void {
  const t0 = Date.now();
  execFileSync(process.execPath, [path.join(repoRoot, 'bin', 'mora.js'), 'demo', '-m', 'fused', '--no-report', '-q'], {
    env: { ...process.env, XDG_CACHE_HOME: cacheHome }, stdio: ['ignore', 'ignore', 'inherit'],
  });
  const { cachedGlobalLstm } = require('../../src/views/forecast-model') as typeof import('../../src/views/forecast-model');
  const model = cachedGlobalLstm('demo', 'demo', 900, (l) => console.warn(l), path.join(cacheHome, 'mora'));
  if (!model) throw new Error(`mora demo -m fused left no global LSTM at a 900 s step under ${cacheHome}`);
  console.log(`[bench:view] global LSTM v${model.version} for the demo cluster cached by \`mora demo -m fused\` in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

/** The extension-host half, bundled next to the extension (so `require('vscode')` resolves to its API). */
async function bundleHost(): Promise<string> {
  const outfile = path.join(repoRoot, 'out', 'bench', 'view-host.js');
  await esbuild.build({
    entryPoints: [path.join(repoRoot, 'test', 'vscode', 'bench', 'view-host.ts')], outfile, bundle: true, platform: 'node', format: 'cjs', target: 'node20',
    external: ['vscode'], logLevel: 'warning',
  });
  return outfile;
}

async function runInVsCode(hostFile: string, env: Record<string, string>): Promise<ViewBenchResults> {
  const runDir = makeRunDir(`bench-view-${process.pid}`);
  const resultsFile = path.join(runDir, 'view-results.json');
  const server = await startCodeServer(runDir, { env: { ...env, MORA_BENCH_VIEW_RESULTS: resultsFile } });
  if (noDevtools) return runWithoutDevtools(server, hostFile, runDir, resultsFile);
  const context = await launchBrowser(runDir);
  let ok = false;
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    let exit: (code: number) => void = () => {};
    const exited = new Promise<number>((r) => (exit = r));
    await page.exposeFunction('codeAutomationLog', (_type: string, args: unknown[]) => {
      const line = (Array.isArray(args) ? args : [args]).map(String).join(' ');
      if (line.startsWith('[bench:view]') || process.env.MORA_DEBUG) console.log(line);
    });
    await page.exposeFunction('codeAutomationExit', (code: number) => exit(code));
    await page.goto(workbenchUrl(server, hostFile, runDir));
    const code = await Promise.race([exited, new Promise<number>((r) => setTimeout(() => r(124), 20 * 60_000).unref())]);
    if (!fs.existsSync(resultsFile)) throw new Error(`the extension host wrote no results (exit code ${code}); kept ${path.relative(repoRoot, runDir)}/`);
    const results = JSON.parse(fs.readFileSync(resultsFile, 'utf8')) as ViewBenchResults;
    if (results.error) throw new Error(`the benchmark failed in the extension host: ${results.error}`);
    ok = code === 0;
    return results;
  } finally {
    await context.close().catch(() => {});
    await server.stop();
    if (ok) fs.rmSync(runDir, { recursive: true, force: true });
  }
}

function workbenchUrl(server: { url: string; host: string }, hostFile: string, runDir: string): string {
  const remote = (p: string): string => `vscode-remote://${server.host}${p}`;
  const payload = [['extensionDevelopmentPath', remote(repoRoot)], ['extensionTestsPath', remote(hostFile)], ['skipWelcome', 'true'], ['skipReleaseNotes', 'true']];
  const workspace = path.join(runDir, 'workspace');
  fs.mkdirSync(workspace, { recursive: true });
  return `${server.url}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

/** Headless Chromium with no DevTools protocol: the extension host's results file is the only channel. */
async function runWithoutDevtools(server: { url: string; host: string; stop(): Promise<void> }, hostFile: string, runDir: string, resultsFile: string): Promise<ViewBenchResults> {
  const profileDir = path.join(runDir, 'browser', 'profile-plain');
  fs.mkdirSync(profileDir, { recursive: true });
  const browser = spawn(chromiumPath(), [
    '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage', '--window-size=1280,800', `--user-data-dir=${profileDir}`,
    workbenchUrl(server, hostFile, runDir),
  ], { env: privateEnv(runDir) as Record<string, string>, stdio: 'ignore' });
  let ok = false;
  try {
    const deadline = Date.now() + 20 * 60_000;
    let seen = 0;
    for (;;) {
      if (browser.exitCode !== null) throw new Error(`Chromium exited (${browser.exitCode}) before the benchmark finished; kept ${path.relative(repoRoot, runDir)}/`);
      if (Date.now() > deadline) throw new Error(`no complete results after 20 minutes; kept ${path.relative(repoRoot, runDir)}/`);
      if (fs.existsSync(resultsFile)) {
        const results = JSON.parse(fs.readFileSync(resultsFile, 'utf8')) as ViewBenchResults;
        if (results.error) throw new Error(`the benchmark failed in the extension host: ${results.error}`);
        for (; seen < results.opens.length; seen++) console.log(`[bench:view] ${JSON.stringify(results.opens[seen])}`);
        if (results.done) {
          ok = true;
          return results;
        }
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    browser.kill();
    await server.stop();
    if (ok) fs.rmSync(runDir, { recursive: true, force: true });
  }
}

function report(results: ViewBenchResults): void {
  console.log('\nPer open (ms after mora.showForecast; painted = the webview\'s `rendered` report):');
  console.log('arm       workload               baseline    fused  webview draw  LSTM panels  progress lines  longest stall (at)  histogram max        longest GC (in stall)');
  for (const o of results.opens) {
    const draw = `${o.baselineDrawMs ?? '—'}/${o.fusedDrawMs ?? '—'} ms`;
    console.log(`${o.arm.padEnd(9)} ${o.workload.padEnd(22)} ${fmtMs(o.baselineMs ?? NaN).padStart(8)} ${fmtMs(o.fusedMs ?? NaN).padStart(8)} ${draw.padStart(13)} ${String(o.lstmPanels).padStart(12)} ${String(o.progressShown).padStart(15)} ${`${o.stallMs} ms (${o.stallAtMs})`.padStart(19)} ${fmtMs(o.histMaxMs).padStart(14)} ${`${o.gcMaxMs} ms ${o.gcMaxKind ?? ''} (${o.stallHadGc ? 'yes' : 'no'})`.padStart(28)}`);
  }
  for (const o of results.opens) {
    if (o.stallRunMs !== undefined) console.log(`  ${o.arm} ${o.workload}: longest stall ${o.stallMs} ms at ${o.stallAtMs} ms — the host thread ran ${o.stallRunMs} ms and waited ${o.stallWaitMs} ms for a core (schedstat); next: ${o.topStalls.slice(1, 3).map(([a, l, r, w]) => `${l} ms at ${a} (ran ${r ?? '?'}, waited ${w ?? '?'})`).join(', ')}`);
    if (o.cpuFirst1500) console.log(`  ${o.arm} ${o.workload}: CPU in the open's first 1.5 s — ${o.cpuFirst1500.map(([k, ms]) => `${k} ${ms} ms`).join('; ')}`);
    if (o.stallProfile) console.log(`  ${o.arm} ${o.workload}: longest stall ${o.stallMs} ms at ${o.stallAtMs} ms — ${o.stallProfile.map(([f, ms]) => `${f} ${ms} ms`).join('; ')}`);
  }
  const arms = ['cached', 'uncached', 'switch', 'reveal'] as const;
  const stats = Object.fromEntries(arms.map((arm) => {
    const os_ = results.opens.filter((o) => o.arm === arm);
    const base = os_.map((o) => o.baselineMs ?? Infinity);
    const fused = os_.map((o) => o.fusedMs ?? Infinity);
    const stall = os_.map((o) => o.stallMs);
    return [arm, { n: os_.length, base, fused, stall, progress: os_.filter((o) => o.progressShown > 0).length, lstm: os_.map((o) => o.lstmPanels) }];
  })) as Record<(typeof arms)[number], { n: number; base: number[]; fused: number[]; stall: number[]; progress: number; lstm: number[] }>;
  console.log('\n| arm | opens | history + baseline painted (median / worst) | fused with LSTM painted (median / worst) | LSTM panels | progress shown while training | longest host stall (median / worst) |');
  console.log('|---|---|---|---|---|---|---|');
  for (const arm of arms) {
    const s = stats[arm];
    console.log(`| ${arm} | ${s.n} | ${fmt(median(s.base))} / ${fmt(worst(s.base))} | ${fmt(median(s.fused))} / ${fmt(worst(s.fused))} | ${[...new Set(s.lstm)].join(', ')} | ${s.progress} of ${s.n} opens | ${fmtMs(median(s.stall))} / ${fmtMs(worst(s.stall))} |`);
  }
  const ratio = (a: number, b: number): string => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}×` : '—');
  const c = stats.cached;
  const u = stats.uncached;
  console.log(`| cached / uncached | | ${ratio(median(c.base), median(u.base))} | ${ratio(median(c.fused), median(u.fused))} | | | ${ratio(median(c.stall), median(u.stall))} |`);
  const sw = stats.switch;
  const verdict = (ok: boolean): string => (ok ? 'met' : 'NOT met');
  // Per-series training (no warm start) draws the LSTM on CPU and memory only; the warm start on all four panels.
  const trained = u.progress > 0 || u.lstm.some((n) => n < 4);
  console.log(`\nBudgets (worst open): baseline ≤ ${BASELINE_BUDGET_MS} ms ${verdict(worst([...c.base, ...u.base]) <= BASELINE_BUDGET_MS)}; `
    + `(switching an open view: ${verdict(worst(sw.base) <= BASELINE_BUDGET_MS)}; a hidden one: ${stats.reveal.n === 0 ? 'not measured (the bottom panel has no hidden-tab case)' : verdict(worst(stats.reveal.base) <= BASELINE_BUDGET_MS)}); `
    + `fused on all four panels with the model cached ≤ ${FUSED_BUDGET_MS} ms ${verdict(worst([...c.fused, ...sw.fused]) <= FUSED_BUDGET_MS && [...c.lstm, ...sw.lstm].every((n) => n === 4))}; `
    + `progress while training ${trained ? verdict(u.progress === u.n) : 'not needed (no open trained: the warm start forecast at once)'}; host stall ≤ ${STALL_BUDGET_MS} ms ${verdict(worst([...c.stall, ...u.stall, ...sw.stall]) <= STALL_BUDGET_MS)}`);
}

async function main(): Promise<void> {
  if (!fs.existsSync(path.join(repoRoot, 'dist', 'extension.js'))) throw new Error('dist/extension.js is missing: run npm run build');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mora-bench-view-'));
  try {
    const cachedHome = path.join(tmp, 'cached');
    const emptyHome = path.join(tmp, 'empty');
    fs.mkdirSync(emptyHome, { recursive: true });
    prepareCache(cachedHome);
    const hostFile = await bundleHost();
    const started = new Date();
    const results = await runInVsCode(hostFile, {
      MORA_BENCH_VIEW_CACHED_HOME: cachedHome, MORA_BENCH_VIEW_EMPTY_HOME: emptyHome, MORA_BENCH_VIEW_OPENS: String(opens),
      ...(profile ? { MORA_BENCH_VIEW_PROFILE: '1' } : {}), ...(closeGap > 0 ? { MORA_BENCH_VIEW_CLOSE_GAP: String(closeGap) } : {}), MORA_BENCH_VIEW_LOCATION: viewLocation, ...(warmStart ? {} : { MORA_LSTM_WARM_START: '0' }),
    });
    report(results);
    console.log(`\n${started.toISOString().slice(0, 16)}Z, ${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}, node ${process.version}, VS Code via code-server 4.100.3, warm start ${warmStart ? 'on' : 'off'}, forecast view in the ${viewLocation === 'panel' ? 'bottom panel' : 'editor area'}, ${noDevtools ? 'Chromium without DevTools' : 'Chromium under Playwright (DevTools attached)'}${closeGap > 0 ? `, new views ${closeGap} s after the close` : ''}`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(`[bench:view] ${(e as Error).stack ?? e}`);
  process.exit(1);
});
