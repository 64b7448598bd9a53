// Activation cost of the built extension: require dist/extension.js and call activate() against a stub `vscode`,
// compared in the same process with requiring an empty module (the floor: module loading itself).
// Also checks that activation loads neither TensorFlow.js nor the Kubernetes client.
//
//   npm run build && npm run bench:activation [-- --rounds 30]
//
// Wall time suffers when other processes compete for the cores; CPU time of this process is printed too, being far less
// sensitive to that (see the load average printed with the results).
// Each round clears the require cache, so every sample re-reads and re-compiles the bundle (no warm module cache).
// The stub answers every VS Code API call with an inert object, so what is measured is MOrA's own work.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Module from 'node:module';
import { arg } from './args';

const repoRoot = path.resolve(__dirname, '..', '..');
const bundleArg = process.argv.indexOf("--bundle");
const bundle = bundleArg >= 0 ? path.resolve(process.argv[bundleArg + 1]) : path.join(repoRoot, "dist", "extension.js");
const BUDGET_MS = 50;

/** An object that is every function, class, event and namespace at once; iterates as empty; never a thenable. */
function inert(): unknown {
  const fn = function () { /* inert */ };
  return new Proxy(fn, {
    get(_t, prop) {
      if (prop === 'then') return undefined;
      if (prop === Symbol.iterator) return function* () { /* empty */ };
      if (prop === Symbol.toPrimitive) return () => '';
      if (prop === 'length') return 0;
      return inert();
    },
    set: () => true,
    defineProperty: () => true,
    apply: () => inert(),
    construct: () => inert() as object,
  });
}

// The names MOrA's bundle reads from `vscode`. Bundlers copy a CommonJS module's *own* keys, so they must exist up front.
const API_NAMES = [
  'window', 'commands', 'languages', 'env', 'extensions', 'l10n', 'Uri', 'EventEmitter', 'Disposable', 'TreeItem', 'ThemeIcon',
  'ThemeColor', 'MarkdownString', 'CodeLens', 'Range', 'Position', 'Selection', 'Hover', 'Diagnostic', 'DiagnosticSeverity',
  'TreeItemCollapsibleState', 'StatusBarAlignment', 'ViewColumn', 'ProgressLocation', 'CancellationError', 'CancellationTokenSource',
  'WorkspaceEdit', 'EndOfLine', 'TextEdit', 'RelativePattern', 'FileSystemError', 'LogLevel', 'UIKind', 'ConfigurationTarget',
];

function vscodeStub(): Record<string, unknown> {
  const configuration = { get: (_key: string, fallback?: unknown) => fallback, has: () => false, inspect: () => undefined, update: async () => undefined };
  const base = inert() as Record<string, unknown>;
  const workspace = new Proxy({}, {
    get: (_t, prop) => (prop === 'getConfiguration' ? () => configuration
      : prop === 'textDocuments' || prop === 'workspaceFolders' ? [] : prop === 'isTrusted' ? true : base[prop as string]),
  });
  const api: Record<string, unknown> = { workspace };
  for (const name of API_NAMES) api[name] = inert();
  return api;
}

// Route `require('vscode')` to the stub.
const stub = vscodeStub();
const resolve = (Module as unknown as { _resolveFilename: (r: string, ...rest: unknown[]) => string })._resolveFilename;
(Module as unknown as { _resolveFilename: typeof resolve })._resolveFilename = function (request: string, ...rest: unknown[]) {
  return request === 'vscode' ? 'vscode' : resolve.call(this, request, ...rest);
};
require.cache.vscode = { id: 'vscode', filename: 'vscode', loaded: true, exports: stub } as unknown as NodeJS.Module;

const context = {
  subscriptions: [] as { dispose(): void }[],
  extensionUri: { fsPath: repoRoot, path: repoRoot, scheme: 'file' },
  extensionPath: repoRoot,
  globalState: { get: () => undefined, update: async () => undefined, keys: () => [] },
  workspaceState: { get: () => undefined, update: async () => undefined, keys: () => [] },
  asAbsolutePath: (p: string) => path.join(repoRoot, p),
  storageUri: undefined, globalStorageUri: { fsPath: os.tmpdir() }, logUri: { fsPath: os.tmpdir() },
};

function clearCache(file: string): void {
  delete require.cache[file];
}

/**
 * Node's own CommonJS load (read, wrap, compile, run), bypassing the loader hooks tsx installs for this script,
 * so the numbers are what VS Code's extension host pays.
 */
function load(file: string): unknown {
  const m = new Module(file, module);
  m.filename = file;
  m.paths = (Module as unknown as { _nodeModulePaths(d: string): string[] })._nodeModulePaths(path.dirname(file));
  require.cache[file] = m;
  (m as unknown as { _compile(src: string, f: string): void })._compile(fs.readFileSync(file, 'utf8'), file);
  m.loaded = true;
  return m.exports;
}

function timeEmpty(file: string): number {
  clearCache(file);
  const t0 = process.hrtime.bigint();
  load(file);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;

function timeEmptyCpu(file: string): number {
  clearCache(file);
  const c0 = process.cpuUsage();
  load(file);
  return cpuMs(process.cpuUsage(c0));
}

function timeActivation(): { requireMs: number; activateMs: number; cpuMs: number; heavy: string[] } {
  clearCache(bundle);
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const ext = load(bundle) as { activate(c: unknown): { loadedHeavyModules(): string[] }; deactivate?(): void };
  const t1 = process.hrtime.bigint();
  const api = ext.activate(context);
  const t2 = process.hrtime.bigint();
  const cpu = cpuMs(process.cpuUsage(c0));
  for (const s of context.subscriptions.splice(0)) {
    try { s.dispose(); } catch { /* the stub's disposables are inert */ }
  }
  const fromCache = Object.keys(require.cache).filter((k) => /[\\/]@tensorflow[\\/]|[\\/]@kubernetes[\\/]client-node/.test(k));
  return { requireMs: Number(t1 - t0) / 1e6, activateMs: Number(t2 - t1) / 1e6, cpuMs: cpu, heavy: [...api.loadedHeavyModules(), ...fromCache] };
}

const q = (a: number[], p: number) => {
  const s = [...a].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.floor(p * (s.length - 1) + 0.5))];
};
const f = (x: number) => x.toFixed(2).padStart(8);

function main(): void {
  // tsx turns on Node's source-map support, which would parse dist/extension.js.map on every load; the extension host does not.
  process.setSourceMapsEnabled(false);
  if (!fs.existsSync(bundle)) {
    console.error(`${path.relative(repoRoot, bundle)} is missing: run npm run build first`);
    process.exit(2);
  }
  const rounds = arg('rounds', 30);
  const empty = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mora-bench-')), 'empty.js');
  fs.writeFileSync(empty, 'module.exports = {};\n');

  const baseline: number[] = [];
  const req: number[] = [];
  const act: number[] = [];
  const total: number[] = [];
  const baselineCpu: number[] = [];
  const cpu: number[] = [];
  let heavy: string[] = [];
  let first: { requireMs: number; activateMs: number } | undefined;
  for (let i = 0; i < rounds; i++) {
    baseline.push(timeEmpty(empty));
    baselineCpu.push(timeEmptyCpu(empty));
    const r = timeActivation();
    cpu.push(r.cpuMs);
    first ??= r;
    req.push(r.requireMs);
    act.push(r.activateMs);
    total.push(r.requireMs + r.activateMs);
    heavy = [...new Set([...heavy, ...r.heavy])];
  }
  fs.rmSync(path.dirname(empty), { recursive: true, force: true });

  const size = fs.statSync(bundle).size;
  console.log(`Activation of ${path.relative(repoRoot, bundle)} (${(size / 1024).toFixed(0)} KiB) against a stub vscode, ${rounds} rounds, Node ${process.version}, load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores`);
  console.log(`${'what'.padEnd(40)}  median ms      p90 ms`);
  console.log(`${'baseline: require an empty module'.padEnd(40)}${f(q(baseline, 0.5))}    ${f(q(baseline, 0.9))}`);
  console.log(`${'MOrA: require dist/extension.js'.padEnd(40)}${f(q(req, 0.5))}    ${f(q(req, 0.9))}`);
  console.log(`${'MOrA: activate()'.padEnd(40)}${f(q(act, 0.5))}    ${f(q(act, 0.9))}`);
  console.log(`${'MOrA: require + activate'.padEnd(40)}${f(q(total, 0.5))}    ${f(q(total, 0.9))}`);
  console.log(`${'CPU time (this process), baseline'.padEnd(40)}${f(q(baselineCpu, 0.5))}    ${f(q(baselineCpu, 0.9))}`);
  console.log(`${'CPU time (this process), MOrA'.padEnd(40)}${f(q(cpu, 0.5))}    ${f(q(cpu, 0.9))}`);
  console.log(`first (cold) round: require ${first!.requireMs.toFixed(2)} ms + activate ${first!.activateMs.toFixed(2)} ms`);
  const ratio = q(total, 0.5) / Math.max(q(baseline, 0.5), 1e-6);
  console.log(`ratio MOrA/baseline (median): ${ratio.toFixed(0)}×; budget ${BUDGET_MS} ms: median ${q(total, 0.5) <= BUDGET_MS ? 'within' : 'OVER'}, p90 ${q(total, 0.9) <= BUDGET_MS ? 'within' : 'OVER'}, cold ${first!.requireMs + first!.activateMs <= BUDGET_MS ? 'within' : 'OVER'}`);
  console.log(`heavy modules loaded by activation: ${heavy.length ? heavy.join(', ') : 'none'}`);
  if (heavy.length > 0 || q(total, 0.5) > BUDGET_MS) process.exitCode = 1;
}

main();
