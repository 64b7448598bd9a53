// Starts a private code-server (VS Code 1.100 served to a browser) on loopback and stops it again.
// Used by the VS Code suite runner and by the screenshot script.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { ensureCodeServer, privateEnv } from './paths';

export interface CodeServer {
  /** e.g. http://127.0.0.1:41234 (no trailing slash) */
  url: string;
  host: string;
  /** Everything code-server printed, for diagnostics when something goes wrong. */
  output(): string;
  stop(): Promise<void>;
}

function baseArgs(runDir: string): string[] {
  const config = path.join(runDir, 'config.yaml');
  if (!fs.existsSync(config)) fs.writeFileSync(config, 'auth: none\ncert: false\n');
  return [
    '--auth', 'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--user-data-dir', path.join(runDir, 'user'),
    '--extensions-dir', path.join(runDir, 'ext'),
    '--config', config,
  ];
}

function childEnv(runDir: string): NodeJS.ProcessEnv {
  // No gallery: code-server must not try to reach the internet.
  return privateEnv(runDir, { EXTENSIONS_GALLERY: '{}' });
}

/** `code-server --install-extension <vsix>` into the run's private extensions folder. */
export async function installExtension(runDir: string, vsix: string): Promise<string> {
  const entry = ensureCodeServer();
  const { stdout, stderr } = await promisify(execFile)(process.execPath, [entry, ...baseArgs(runDir), '--install-extension', vsix], {
    env: childEnv(runDir),
    timeout: 120_000,
  });
  return `${stdout}${stderr}`;
}

export async function startCodeServer(runDir: string, opts: { timeoutMs?: number; env?: Record<string, string> } = {}): Promise<CodeServer> {
  const entry = ensureCodeServer();
  // Port 0: the kernel picks a free loopback port and code-server prints it; no race with other runs.
  const args = [entry, ...baseArgs(runDir), '--bind-addr', '127.0.0.1:0'];
  const child: ChildProcess = spawn(process.execPath, args, {
    env: { ...childEnv(runDir), ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`code-server did not start within ${opts.timeoutMs ?? 60_000} ms:\n${out}`)), opts.timeoutMs ?? 60_000);
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      const m = /HTTP server listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`code-server exited with code ${code} before listening:\n${out}`));
    });
  });

  return {
    url,
    host: new URL(url).host,
    output: () => out,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
