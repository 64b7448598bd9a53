// The suite's entry point inside the VS Code extension host: the standard `run(): Promise<void>` that both
// code-server (workbench `payload` extensionTestsPath) and @vscode/test-electron call, so one suite serves both.
// It also writes a results file, because the extension host's stdout is not ours to read in code-server.
import * as fs from 'node:fs';
import * as path from 'node:path';

// mocha 12 is an ES module; its CommonJS build is what a CommonJS extension host can load on every Node.
const Mocha: typeof import('mocha') = require('mocha/lib/mocha.cjs');

export interface SuiteResults {
  passed: number;
  failed: number;
  pending: number;
  failures: { title: string; error: string }[];
  durationMs: number;
}

/** Where the harness expects the results; overridable so parallel runs do not collide. */
export function resultsPath(): string {
  return process.env.MORA_VSCODE_RESULTS ?? path.resolve(__dirname, '..', '..', '..', '.mora-test', 'vscode-results.json');
}

function findTests(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...findTests(full));
    else if (entry.name.endsWith('.test.js')) out.push(full);
  }
  return out.sort();
}

export async function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 60_000, reporter: 'spec' });
  const grep = process.env.MORA_VSCODE_GREP;
  if (grep) mocha.grep(grep);
  for (const file of findTests(path.join(__dirname, 'suite'))) mocha.addFile(file);

  const started = Date.now();
  const results: SuiteResults = { passed: 0, failed: 0, pending: 0, failures: [], durationMs: 0 };
  await new Promise<void>((resolve, reject) => {
    try {
      const runner = mocha.run(() => resolve());
      runner.on('pass', () => results.passed++);
      runner.on('pending', () => results.pending++);
      runner.on('fail', (test, err: Error) => {
        results.failed++;
        results.failures.push({ title: test.fullTitle(), error: String(err?.stack ?? err) });
      });
    } catch (err) {
      reject(err);
    }
  });
  results.durationMs = Date.now() - started;

  const out = resultsPath();
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(results, null, 2));
  fs.renameSync(tmp, out);

  // Rejecting is how the test host learns the exit code (1) in both code-server and Electron.
  if (results.failed > 0 || results.passed === 0) {
    throw new Error(`${results.failed} of ${results.passed + results.failed} VS Code test(s) failed`);
  }
}
