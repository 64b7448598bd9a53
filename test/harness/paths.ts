// Where the test harness keeps things: the repo, the per-run folder (.mora-test/, gitignored) and the
// code-server cache that scripts/install-test-deps.sh fills.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';

export const repoRoot = path.resolve(__dirname, '..', '..');
export const CODE_SERVER_VERSION = process.env.MORA_CODE_SERVER_VERSION ?? '4.100.3';

/** Same rule as the installer: ${XDG_CACHE_HOME:-~/.cache}/mora/code-server-<version>. */
export function codeServerDir(): string {
  const cache = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(cache, 'mora', `code-server-${CODE_SERVER_VERSION}`);
}

/** The code-server entry point, running the installer first when the cache is missing. */
export function ensureCodeServer(): string {
  const dir = codeServerDir();
  const entry = path.join(dir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
  if (!fs.existsSync(path.join(dir, '.mora-complete'))) {
    execFileSync('bash', [path.join(repoRoot, 'scripts', 'install-test-deps.sh')], { stdio: 'inherit' });
  }
  if (!fs.existsSync(entry)) throw new Error(`code-server is not installed at ${dir}: run npm run setup:test`);
  return entry;
}

/**
 * A fresh, private folder for one run: HOME, XDG dirs, user data, extensions and browser profile all live
 * here so that nothing a test does touches the user's own VS Code or browser.
 */
export function makeRunDir(name: string): string {
  const dir = path.join(repoRoot, '.mora-test', name);
  fs.rmSync(dir, { recursive: true, force: true });
  for (const sub of ['home', 'config', 'data', 'cache', 'user', 'ext', 'browser']) {
    fs.mkdirSync(path.join(dir, sub), { recursive: true });
  }
  return dir;
}

/** Environment that keeps a child process's home-folder writes inside the run folder. */
export function privateEnv(runDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    HOME: path.join(runDir, 'home'),
    XDG_CONFIG_HOME: path.join(runDir, 'config'),
    XDG_DATA_HOME: path.join(runDir, 'data'),
    XDG_CACHE_HOME: path.join(runDir, 'cache'),
    ...extra,
  };
}
