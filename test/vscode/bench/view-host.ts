// The half of `npm run bench:view` that runs INSIDE VS Code's extension host (scripts/bench/view.ts bundles it and passes
// it to the workbench as extensionTestsPath, the way the VS Code suite runs). It opens MOrA's forecast view the way a
// user does (the MOrA tree expanded, then the mora.showForecast command with a workload node), alternating two arms:
//   cached:   the cluster's global LSTM is in MOrA's model cache (XDG_CACHE_HOME → a folder the driver filled);
//   uncached: an empty cache (a cold cluster): the view forecasts with the shipped warm-start model, or, with
//             MORA_LSTM_WARM_START=0 (bench:view --no-warm-start), trains an LSTM per series in the worker pool;
// and times what the webview itself reports having painted (the protocol's `rendered` message):
//   baseline = the first forecast view painted (history, Prophet, the seasonal baseline's fusion),
//   fused    = the first view painted whose fused forecasts include the LSTM on every panel the host runs it for.
// The extension host's event loop is watched for the whole open by a drift monitor and perf_hooks' histogram, both
// started here (so the extension pays nothing outside this benchmark). Results go to MORA_BENCH_VIEW_RESULTS as JSON.
import * as fs from 'node:fs';
import { Session } from 'node:inspector/promises';
import * as path from 'node:path';
import { constants as perfConstants, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import * as vscode from 'vscode';
import type { RenderedReport } from '../../../src/protocol/forecast';
import { activateMora, collectTree } from '../suite/helpers';

export interface OpenResult {
  /** `switch`: the view is already open (on another workload) and is switched to this one, the model cached.
   *  `reveal`: the same, but the view was first hidden behind a text editor in its own group (the user went to a file). */
  arm: 'cached' | 'uncached' | 'switch' | 'reveal';
  workload: string;
  /** ms from the command to the first forecast view painted (history + baseline). */
  baselineMs: number | null;
  /** ms from the command to the view painted with the LSTM's fused forecast on `lstmPanels` panels. */
  fusedMs: number | null;
  lstmPanels: number;
  /** ms the webview itself spent from the message to the paint, for the baseline view and the fused one. */
  baselineDrawMs: number | null;
  fusedDrawMs: number | null;
  /** Progress lines the webview painted between the baseline and the fused view (training epochs). */
  progressShown: number;
  /** Longest extension-host stall (ms beyond the monitor's 5 ms tick) and when it started, ms after the command. */
  stallMs: number;
  stallAtMs: number;
  /** perf_hooks.monitorEventLoopDelay's max over the open (ms). */
  histMaxMs: number;
  /** The five longest stalls: [start ms after the command, length ms, ms the thread ran, ms it waited for a core (Linux)]. */
  topStalls: Stall[];
  /** Of the longest stall's gap (between two ticks): ms the extension host's thread ran, and ms it was runnable but had no core. */
  stallRunMs?: number;
  stallWaitMs?: number;
  /** The largest CPU users on the machine during the first 1.5 s of the open, or all of it when shorter (ms; Linux /proc, 10 ms ticks). */
  cpuFirst1500?: Array<[string, number]>;
  /** The extension host's longest garbage-collection pause during the open, and whether it fell inside the longest stall. */
  gcMaxMs: number;
  /** Its kind: `major` = mark-compact (the whole heap), `minor` = scavenge (the young generation), or `incremental`/`weak`. */
  gcMaxKind?: string;
  stallHadGc: boolean;
  /** With MORA_BENCH_VIEW_PROFILE=1: where the CPU went during the longest stall (ms by code, most first). */
  stallProfile?: Array<[string, number]>;
}

export interface ViewBenchResults { opens: OpenResult[]; error?: string; /** Set by the last write: every open is in. */ done?: boolean }

interface ForecastApi {
  forecast: { onRendered: vscode.Event<RenderedReport> };
}

const TICK_MS = 5;

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }>;
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Self time by function (file:line) within [from, to] ms after the profile started: what kept the loop busy. */
function profileWindow(p: CpuProfile, from: number, to: number): Array<[string, number]> {
  const byId = new Map(p.nodes.map((n) => [n.id, n.callFrame]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const name = (f: CpuProfile['nodes'][number]['callFrame'] | undefined): string =>
    `${f?.functionName || '(anonymous)'}${f?.url ? ` ${path.basename(f.url)}:${f.lineNumber + 1}` : ''}`;
  const self = new Map<string, number>();
  let t = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const dt = p.timeDeltas[i] / 1000;
    t += dt;
    if (t < from || t > to) continue;
    // Native frames (no file) are named with the JavaScript that called them.
    let id: number | undefined = p.samples[i];
    let key = name(byId.get(id));
    while (id !== undefined && !byId.get(id)?.url && parent.has(id) && !/^\((idle|program|garbage collector)\)$/.test(key)) {
      id = parent.get(id);
      if (byId.get(id!)?.url) key += ` < ${name(byId.get(id!))}`;
    }
    self.set(key, (self.get(key) ?? 0) + dt);
  }
  return [...self].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([k, ms]) => [k, Math.round(ms)]);
}

/** This thread's scheduler account (Linux /proc/thread-self/schedstat): ns on a core, ns runnable but waiting for one. */
function schedstat(): [number, number] | undefined {
  try {
    const [run, wait] = fs.readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ').map(Number);
    return [run / 1e6, wait / 1e6];
  } catch {
    return undefined;
  }
}

/**
 * CPU ms (user + system, 10 ms ticks) of every process on the machine (Linux /proc), and this process split into its
 * main thread (the extension host's) and its other threads (MOrA's workers, V8's and libuv's helpers): who had the cores.
 */
function machineCpu(): Map<string, [string, number]> {
  const out = new Map<string, [string, number]>();
  const read = (file: string): [string, number] | undefined => {
    try {
      const stat = fs.readFileSync(file, 'utf8');
      const close = stat.lastIndexOf(')');
      const f = stat.slice(close + 2).split(' ');
      return [stat.slice(stat.indexOf('(') + 1, close), (Number(f[11]) + Number(f[12])) * 10];
    } catch {
      return undefined;
    }
  };
  let procs: string[] = [];
  try {
    procs = fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return out;
  }
  for (const pid of procs) {
    if (Number(pid) === process.pid) continue;
    const r = read(`/proc/${pid}/stat`);
    if (!r) continue;
    let name = r[0];
    if (name === 'node') {
      try {
        const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
        name = `node ${path.basename(argv.find((a, i) => i > 0 && !a.startsWith('-')) ?? '')}`;
      } catch { /* gone */ }
    }
    // By pid: a kernel worker's name changes with the work it does.
    out.set(pid, [`${name} (${pid})`, r[1]]);
  }
  const main = read(`/proc/${process.pid}/task/${process.pid}/stat`)?.[1] ?? 0;
  out.set('main', ['extension host: main thread', main]);
  out.set('other', ['extension host: other threads', (read(`/proc/${process.pid}/stat`)?.[1] ?? 0) - main]);
  return out;
}

/** The five largest CPU users between two machineCpu() readings, [name, ms]. */
function cpuBetween(a: Map<string, [string, number]>, b: Map<string, [string, number]>): Array<[string, number]> {
  return [...b].filter(([k]) => a.has(k)).map(([k, [name, ms]]): [string, number] => [name, ms - a.get(k)![1]])
    .filter(([, ms]) => ms > 0).sort((x, y) => y[1] - x[1]).slice(0, 5);
}

/** A late tick: when (ms after t0), how late (ms), and of the gap, the ms this thread ran and waited for a core (Linux). */
type Stall = [number, number, number?, number?];

/**
 * A drift monitor: a 5 ms interval whose late firings are stalls of the event loop (when, how long). Each tick also
 * reads the thread's scheduler account, so a stall says whether the thread was running (its own work: JavaScript, GC)
 * or runnable and waiting for a core (other threads and processes had the cores).
 */
function stallMonitor(t0: number): { stop(): Stall[] } {
  const stalls: Stall[] = [];
  let last = performance.now();
  let lastSched = schedstat();
  const tick = (): void => {
    const now = performance.now();
    const sched = schedstat();
    const late = now - last - TICK_MS;
    if (late > 5) {
      stalls.push(sched && lastSched
        ? [Math.round(last - t0), Math.round(late), Math.round(sched[0] - lastSched[0]), Math.round(sched[1] - lastSched[1])]
        : [Math.round(last - t0), Math.round(late)]);
    }
    last = now;
    lastSched = sched;
  };
  const timer = setInterval(tick, TICK_MS);
  return {
    stop() {
      clearInterval(timer);
      tick();
      return stalls.sort((a, b) => b[1] - a[1]);
    },
  };
}

/** bench:view --location: where the forecast view opens (the setting mora.forecast.location). */
function location(): 'panel' | 'editor' {
  return process.env.MORA_BENCH_VIEW_LOCATION === 'editor' ? 'editor' : 'panel';
}

/** Opens a text editor in the forecast view's own group, so the view is hidden (a tab behind the active one). */
async function coverForecastView(): Promise<void> {
  const isForecast = (t: vscode.Tab): boolean => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('mora.forecast');
  const group = vscode.window.tabGroups.all.find((g) => g.tabs.some(isForecast));
  if (!group) throw new Error('no forecast view open to hide');
  const doc = await vscode.workspace.openTextDocument({ language: 'plaintext', content: 'the user went to a file' });
  await vscode.window.showTextDocument(doc, { viewColumn: group.viewColumn });
  const hidden = vscode.window.tabGroups.all.some((g) => g.tabs.some((t) => isForecast(t) && !t.isActive));
  if (!hidden) throw new Error('the forecast view is still the active tab of its group');
}

/**
 * Waits until this process (host thread, MOrA's workers, V8's helpers: process.cpuUsage counts every thread) used under
 * 10% of a core over 200 ms — the previous open's work has wound down — or 10 s have passed (then it times anyway).
 */
async function untilQuiet(deadlineMs = 10_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (Date.now() < end) {
    const before = process.cpuUsage();
    await new Promise((r) => setTimeout(r, 200));
    const used = process.cpuUsage(before);
    if ((used.user + used.system) / 1000 < 20) return;
  }
}

async function openOnce(api: ForecastApi, arm: OpenResult['arm'], cacheHome: string, workload: string, expectLstm: number, timeoutMs: number): Promise<OpenResult> {
  // A new view each time, except when switching an open one to another workload. In the bottom panel
  // (mora.forecast.location panel) the user closes the panel instead: the view is hidden, not destroyed.
  if (arm === 'cached' || arm === 'uncached') {
    await vscode.commands.executeCommand(location() === 'panel' ? 'workbench.action.closePanel' : 'workbench.action.closeAllEditors');
  }
  if (arm === 'reveal') await coverForecastView();
  // Let the closed panel's work wind down before this open is timed.
  await untilQuiet();
  // bench:view --close-gap S: a user who comes back to the view a while after closing it (S seconds after the close).
  const gap = Number(process.env.MORA_BENCH_VIEW_CLOSE_GAP ?? 0) * 1000;
  if (gap > 0 && (arm === 'cached' || arm === 'uncached')) await new Promise((r) => setTimeout(r, gap));
  // MOrA reads its cache root from the environment at each use (src/ml/lstm/global-cache.ts moraCacheRoot).
  process.env.XDG_CACHE_HOME = cacheHome;
  const hist = monitorEventLoopDelay({ resolution: 5 });
  const profiler = process.env.MORA_BENCH_VIEW_PROFILE ? new Session() : undefined;
  let profileStarted = 0;
  if (profiler) {
    profiler.connect();
    await profiler.post('Profiler.enable');
    await profiler.post('Profiler.setSamplingInterval', { interval: 500 });
    await profiler.post('Profiler.start');
    profileStarted = performance.now();
    await new Promise((r) => setTimeout(r, 100));
  }
  const gcs: [number, number, number][] = [];
  const gcObserver = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcs.push([e.startTime, e.duration, (e as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0]);
  });
  gcObserver.observe({ entryTypes: ['gc'] });
  const cpu0 = machineCpu();
  let cpuFirst1500: Array<[string, number]> | undefined;
  const cpuTimer = setTimeout(() => (cpuFirst1500 = cpuBetween(cpu0, machineCpu())), 1500);
  const t0 = performance.now();
  const monitor = stallMonitor(t0);
  hist.enable();
  let baselineMs: number | null = null;
  let fusedMs: number | null = null;
  let lstmPanels = 0;
  let progressShown = 0;
  let baselineDrawMs: number | null = null;
  let fusedDrawMs: number | null = null;
  let done: () => void = () => {};
  const finished = new Promise<void>((r) => (done = r));
  const sub = api.forecast.onRendered((r) => {
    const at = performance.now() - t0;
    if (r.phase === 'status') {
      if (baselineMs !== null && fusedMs === null && /epoch/i.test(r.status ?? '')) progressShown++;
      return;
    }
    if (baselineMs === null) {
      baselineMs = at;
      baselineDrawMs = r.drawMs ?? null;
    }
    if (fusedMs === null && r.lstmPanels.length >= expectLstm) {
      fusedMs = at;
      fusedDrawMs = r.drawMs ?? null;
      lstmPanels = r.lstmPanels.length;
      done();
    }
  });
  const node = { workload: { context: 'demo', namespace: 'shop', kind: 'Deployment', name: workload }, container: 'server' };
  await vscode.commands.executeCommand('mora.showForecast', node);
  await Promise.race([finished, new Promise((r) => setTimeout(r, timeoutMs))]);
  sub.dispose();
  clearTimeout(cpuTimer);
  cpuFirst1500 ??= cpuBetween(cpu0, machineCpu());
  hist.disable();
  const stalls = monitor.stop();
  gcObserver.disconnect();
  const [at, len] = stalls[0] ?? [0, 0];
  let stallProfile: Array<[string, number]> | undefined;
  if (profiler) {
    const { profile } = (await profiler.post('Profiler.stop')) as unknown as { profile: CpuProfile };
    profiler.disconnect();
    // The profile started ~100 ms before the open (its own start-up is not the open's stall).
    const lead = t0 - profileStarted;
    stallProfile = profileWindow(profile, lead + at - 2, lead + at + len + TICK_MS + 2);
  }
  const inOpen = gcs.filter(([start]) => start >= t0);
  const longestGc = inOpen.reduce<[number, number, number] | undefined>((m, g) => (!m || g[1] > m[1] ? g : m), undefined);
  const gcKind = (k: number): string => (k === perfConstants.NODE_PERFORMANCE_GC_MAJOR ? 'major' : k === perfConstants.NODE_PERFORMANCE_GC_MINOR ? 'minor'
    : k === perfConstants.NODE_PERFORMANCE_GC_INCREMENTAL ? 'incremental' : k === perfConstants.NODE_PERFORMANCE_GC_WEAKCB ? 'weak' : String(k));
  return {
    arm, workload, baselineMs, fusedMs, lstmPanels, progressShown, baselineDrawMs, fusedDrawMs,
    stallMs: len, stallAtMs: at, ...(stalls[0]?.[2] !== undefined ? { stallRunMs: stalls[0][2], stallWaitMs: stalls[0][3] } : {}), histMaxMs: hist.max / 1e6, topStalls: stalls.slice(0, 5),
    gcMaxMs: Math.round(Math.max(0, ...inOpen.map(([, d]) => d))),
    ...(longestGc ? { gcMaxKind: gcKind(longestGc[2]) } : {}),
    ...(cpuFirst1500 ? { cpuFirst1500 } : {}),
    stallHadGc: inOpen.some(([start, d]) => start - t0 < at + len + TICK_MS && start - t0 + d > at),
    ...(stallProfile ? { stallProfile } : {}),
  };
}

export async function run(): Promise<void> {
  const out = process.env.MORA_BENCH_VIEW_RESULTS;
  if (!out) throw new Error('MORA_BENCH_VIEW_RESULTS is not set: run this through npm run bench:view');
  const cached = process.env.MORA_BENCH_VIEW_CACHED_HOME ?? '';
  const empty = process.env.MORA_BENCH_VIEW_EMPTY_HOME ?? '';
  const opens = Number(process.env.MORA_BENCH_VIEW_OPENS ?? 3);
  const workloads = (process.env.MORA_BENCH_VIEW_WORKLOADS ?? 'cartservice,productcatalogservice,currencyservice').split(',');
  const results: ViewBenchResults = { opens: [] };
  const write = (): void => {
    fs.writeFileSync(`${out}.tmp`, JSON.stringify(results, null, 2));
    fs.renameSync(`${out}.tmp`, out);
  };
  try {
    const mora = await activateMora();
    const api = mora as unknown as ForecastApi;
    await vscode.workspace.getConfiguration('mora').update('forecast.location', location(), vscode.ConfigurationTarget.Global);
    // As a user gets there: the MOrA tree shows the shop's workloads (the store computes their recommendations), then a
    // workload's forecast is opened from it.
    const nodes = await collectTree(mora, 3);
    console.log(`[bench:view] MOrA tree expanded: ${nodes.length} nodes`);
    // Alternating arms, the same workload for both, so machine load drifts hit both alike.
    for (let i = 0; i < opens; i++) {
      const w = workloads[i % workloads.length];
      results.opens.push(await openOnce(api, 'cached', cached, w, 4, 60_000));
      write();
      console.log(`[bench:view] ${JSON.stringify(results.opens[results.opens.length - 1])}`);
      // A view in the bottom panel keeps its page and its forecast when the panel is closed: re-showing the workload it
      // shows draws nothing new. So there each open of a closed panel is for another workload than the one it showed.
      const wu = location() === 'panel' ? workloads[(i + 1) % workloads.length] : w;
      results.opens.push(await openOnce(api, 'uncached', empty, wu, 2, 180_000));
      write();
      console.log(`[bench:view] ${JSON.stringify(results.opens[results.opens.length - 1])}`);
      // The view stays open: the user picks the next workload in the tree.
      results.opens.push(await openOnce(api, 'switch', cached, workloads[(i + (location() === 'panel' ? 2 : 1)) % workloads.length], 4, 60_000));
      write();
      console.log(`[bench:view] ${JSON.stringify(results.opens[results.opens.length - 1])}`);
      // The user went to a file in the view's group (the view is a hidden tab), then picks another workload in the tree.
      // (A view in the bottom panel is not covered by files; closing the panel is the cached arm.)
      if (location() === 'panel') continue;
      results.opens.push(await openOnce(api, 'reveal', cached, workloads[(i + 2) % workloads.length], 4, 60_000));
      write();
      console.log(`[bench:view] ${JSON.stringify(results.opens[results.opens.length - 1])}`);
    }
  } catch (e) {
    results.error = String((e as Error).stack ?? e);
    write();
    throw e;
  }
  results.done = true;
  write();
}
