import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { main } from '../../../src/cli/main';

/** Runs `mora <args>` in-process, capturing stdout, stderr and the exit code. */
export async function mora(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '', err = '';
  const so = process.stdout.write.bind(process.stdout), se = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((s: string) => { out += s; return true; }) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => { err += s; return true; }) as typeof process.stderr.write;
  const prevExit = process.exitCode;
  try {
    const code = await main(args);
    return { code, out, err };
  } finally {
    process.stdout.write = so; process.stderr.write = se; process.exitCode = prevExit;
  }
}

/**
 * Runs `bin/mora.js <args>` as its own process, as a user's shell does (stdin closed), with exactly `env`: callers
 * build it from what the case needs, so the machine's own KUBECONFIG or Prometheus URL never leaks into a test.
 * `nodeArgs` go to node before the entry (e.g. `--require` of a stand-in module).
 */
export function moraProcess(args: string[], env: NodeJS.ProcessEnv, nodeArgs: string[] = []): Promise<{ code: number | null; out: string; err: string }> {
  const bin = path.join(__dirname, '..', '..', '..', 'bin', 'mora.js');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, bin, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => { out += s; });
    child.stderr.setEncoding('utf8').on('data', (s: string) => { err += s; });
    child.stdin.end();
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, out, err }));
  });
}

/** The machine's environment without a kubeconfig or a Prometheus URL of its own, plus `extra`. */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, KUBECONFIG: '', ...extra };
  if (!('MORA_PROMETHEUS_URL' in extra)) delete env.MORA_PROMETHEUS_URL;
  return env;
}
