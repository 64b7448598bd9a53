// Runs the VS Code suite (out/test/vscode) inside a real VS Code extension host and exits non-zero on any failure.
//   default:               code-server 4.100.3 (VS Code 1.100.3) + headless Debian Chromium via playwright-core, offline
//   MORA_VSCODE=electron:  @vscode/test-electron 2.5 (desktop VS Code; needs a download or MORA_VSCODE_EXECUTABLE)
// Prints the extension host's log lines and closes with a plain "N passed, N failed" line.
// Options: MORA_VSCODE_GREP=<pattern> runs a subset; MORA_DEBUG=1 also prints workbench console errors.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { format } from 'node:util';
import { repoRoot, makeRunDir } from './paths';
import { startCodeServer, type CodeServer } from './code-server';
import { launchBrowser } from './browser';

// The extension under test; overridable to try the harness against another build.
const extensionPath = path.resolve(process.env.MORA_EXTENSION_DEV_PATH ?? repoRoot);
const suiteIndex = path.join(repoRoot, 'out', 'test', 'vscode', 'index.js');
const workspaceFixture = path.join(repoRoot, 'test', 'vscode', 'workspace');
const timeoutMs = Number(process.env.MORA_VSCODE_TIMEOUT_MS ?? 10 * 60_000);

interface SuiteResults {
  passed: number;
  failed: number;
  pending: number;
  failures: { title: string; error: string }[];
  durationMs: number;
}

function prepareWorkspace(runDir: string): string {
  const ws = path.join(runDir, 'workspace');
  if (fs.existsSync(workspaceFixture)) fs.cpSync(workspaceFixture, ws, { recursive: true });
  else fs.mkdirSync(ws, { recursive: true });
  return ws;
}

/** The workbench URL that makes VS Code load our extension in development mode and run the suite in its extension host. */
export function workbenchUrl(server: CodeServer, folder: string, extra: [string, string][] = []): string {
  const remote = (p: string): string => `vscode-remote://${server.host}${p}`;
  const payload: [string, string][] = [
    ['extensionDevelopmentPath', remote(extensionPath)],
    ['extensionTestsPath', remote(suiteIndex)],
    ['skipWelcome', 'true'],
    ['skipReleaseNotes', 'true'],
    ...extra,
  ];
  return `${server.url}/?folder=${encodeURIComponent(folder)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

// Workbench chatter that says nothing about the suite; shown only with MORA_DEBUG.
const NOISE = [/additional builtin extensions/, /^\[Service Worker\]/, /ChatSessionStore/, /^Creating a socket/];

function formatLogArgs(args: unknown[]): string {
  // Console calls arrive as printf-style arguments (mocha's spec reporter, %c CSS included): format like Node does.
  return args.length > 0 && typeof args[0] === 'string' ? format(...(args as [string, ...unknown[]])) : args.map((a) => format('%o', a)).join(' ');
}

/**
 * The user's own cache folder (the editor's is private to the run): where scripts/install-control-plane.sh keeps the
 * kube-apiserver build that suite tests start through test/harness/live-cluster.ts.
 */
function testCacheHome(): string {
  return process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
}

async function runInCodeServer(runDir: string, resultsFile: string): Promise<number> {
  const workspace = prepareWorkspace(runDir);
  const t0 = Date.now();
  const server = await startCodeServer(runDir, { env: { MORA_VSCODE_RESULTS: resultsFile, MORA_TEST_CACHE_HOME: testCacheHome() } });
  console.log(`[vscode] code-server ${server.url} (private dirs in ${path.relative(repoRoot, runDir)}/), ready in ${Date.now() - t0} ms`);
  const context = await launchBrowser(runDir);
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    let resolveExit: (code: number) => void = () => {};
    const exited = new Promise<number>((resolve) => (resolveExit = resolve));
    await page.exposeFunction('codeAutomationLog', (type: string, args: unknown[]) => {
      let line = formatLogArgs(Array.isArray(args) ? args : [args]);
      // mocha colours its output when CI is set; keep escape codes out of logs that are not a terminal.
      // eslint-disable-next-line no-control-regex
      if (!process.stdout.isTTY) line = line.replace(/\x1b\[[0-9;]*m/g, '');
      if (!process.env.MORA_DEBUG && NOISE.some((re) => re.test(line))) return;
      for (const l of line.split('\n')) console.log(`[extension host${type === 'error' ? ' error' : ''}] ${l}`);
    });
    await page.exposeFunction('codeAutomationExit', (code: number) => resolveExit(code));
    if (process.env.MORA_DEBUG) {
      page.on('console', (m) => m.type() === 'error' && console.log(`[workbench console] ${m.text()}`));
      page.on('pageerror', (e) => console.log(`[workbench error] ${e.message}`));
    }
    await page.goto(workbenchUrl(server, workspace));
    console.log(`[vscode] workbench loading; running ${path.relative(repoRoot, suiteIndex)} in the extension host`);
    const timeout = new Promise<number>((resolve) =>
      setTimeout(() => {
        console.error(`[vscode] timed out after ${timeoutMs} ms waiting for the suite to finish`);
        resolve(124);
      }, timeoutMs).unref(),
    );
    const code = await Promise.race([exited, timeout]);
    console.log(`[vscode] extension host test run finished with code ${code} after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return code;
  } finally {
    await context.close().catch(() => {});
    await server.stop();
  }
}

async function runInElectron(runDir: string, resultsFile: string): Promise<number> {
  const { runTests } = await import('@vscode/test-electron');
  const workspace = prepareWorkspace(runDir);
  try {
    return await runTests({
      version: process.env.MORA_VSCODE_VERSION ?? '1.100.3',
      vscodeExecutablePath: process.env.MORA_VSCODE_EXECUTABLE || undefined,
      extensionDevelopmentPath: extensionPath,
      extensionTestsPath: suiteIndex,
      extensionTestsEnv: { MORA_VSCODE_RESULTS: resultsFile, MORA_TEST_CACHE_HOME: testCacheHome() },
      launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', '--user-data-dir', path.join(runDir, 'user'), '--extensions-dir', path.join(runDir, 'ext')],
    });
  } catch (err) {
    console.error(`[vscode] @vscode/test-electron failed: ${(err as Error).message ?? err}`);
    console.error('[vscode] offline it cannot download VS Code: set MORA_VSCODE_EXECUTABLE to an installed VS Code, or run without MORA_VSCODE=electron (code-server)');
    return 1;
  }
}

async function main(): Promise<void> {
  if (!fs.existsSync(suiteIndex)) throw new Error(`${suiteIndex} is missing: compile with tsc -p test/vscode/tsconfig.json`);
  if (!fs.existsSync(path.join(extensionPath, 'dist', 'extension.js'))) throw new Error('dist/extension.js is missing: run npm run build');
  const mode = process.env.MORA_VSCODE ?? 'code-server';
  // One folder per run: engineers share a work tree, and two runs must not share a profile or a results file.
  const runDir = makeRunDir(`${mode === 'electron' ? 'vscode-electron' : 'vscode'}-${process.pid}`);
  const resultsFile = path.join(runDir, 'results.json');
  process.env.MORA_VSCODE_RESULTS = resultsFile;

  const code = mode === 'electron' ? await runInElectron(runDir, resultsFile) : await runInCodeServer(runDir, resultsFile);

  if (!fs.existsSync(resultsFile)) {
    console.error(`[vscode] the suite wrote no results (${path.relative(repoRoot, resultsFile)}); exit code ${code}`);
    process.exit(1);
  }
  const r = JSON.parse(fs.readFileSync(resultsFile, 'utf8')) as SuiteResults;
  // The latest results stay at a fixed place, whatever happens to the run folder.
  const latest = path.join(repoRoot, '.mora-test', `${mode === 'electron' ? 'vscode-electron' : 'vscode'}-results.json`);
  fs.copyFileSync(resultsFile, `${latest}.${process.pid}.tmp`);
  fs.renameSync(`${latest}.${process.pid}.tmp`, latest);
  for (const f of r.failures) console.error(`\nFAILED: ${f.title}\n${f.error}`);
  console.log(`\nVS Code suite (${mode}, results in ${path.relative(repoRoot, latest)}):`);
  console.log(`${r.passed} passed, ${r.failed} failed${r.pending ? `, ${r.pending} skipped` : ''}`);
  const ok = code === 0 && r.failed === 0 && r.passed > 0;
  // A passing run leaves nothing behind; a failing one keeps its profile and logs for a look.
  if (ok && !process.env.MORA_KEEP_RUN) fs.rmSync(runDir, { recursive: true, force: true });
  process.exit(ok ? 0 : 1);
}

if (require.main === module) {
  main().catch((err) => {
    console.error(`[vscode] ${(err as Error).stack ?? err}`);
    process.exit(1);
  });
}
