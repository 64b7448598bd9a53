import assert from 'node:assert/strict';
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
 * `nodeArgs` go to node before the entry (e.g. `--require` of a stand-in module). `killAfterMs`: a run still going then
 * is killed and answers code null with its stderr so far and why, so a hang fails with what the run said instead of
 * at mocha's timeout with nothing.
 */
export function moraProcess(args: string[], env: NodeJS.ProcessEnv, nodeArgs: string[] = [], options: { killAfterMs?: number } = {}): Promise<{ code: number | null; out: string; err: string }> {
  const bin = path.join(__dirname, '..', '..', '..', 'bin', 'mora.js');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, bin, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env });
    let out = '';
    let err = '';
    let killed = '';
    const timer = options.killAfterMs === undefined ? undefined : setTimeout(() => {
      killed = `\n[test: mora was still running after ${Math.round(options.killAfterMs! / 1000)} s and was killed]`;
      child.kill('SIGKILL');
    }, options.killAfterMs);
    child.stdout.setEncoding('utf8').on('data', (s: string) => { out += s; });
    child.stderr.setEncoding('utf8').on('data', (s: string) => { err += s; });
    child.stdin.end();
    child.once('error', (e) => { clearTimeout(timer); reject(e); });
    child.once('close', (code) => { clearTimeout(timer); resolve({ code, out, err: err + killed }); });
  });
}

/** The machine's environment without a kubeconfig or a Prometheus URL of its own, plus `extra`. */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, KUBECONFIG: '', ...extra };
  if (!('MORA_PROMETHEUS_URL' in extra)) delete env.MORA_PROMETHEUS_URL;
  return env;
}

/**
 * Starts `bin/mora.js <args>` as moraProcess does, but hands back the child too, for a test that signals it mid-run
 * (`child.kill('SIGINT')`). `result` settles when it has exited: its code (null when a signal ended it, then named in
 * `signal`), stdout and stderr.
 */
export function startMora(args: string[], env: NodeJS.ProcessEnv, nodeArgs: string[] = []): {
  child: import('node:child_process').ChildProcess;
  result: Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string }>;
} {
  const bin = path.join(__dirname, '..', '..', '..', 'bin', 'mora.js');
  const child = spawn(process.execPath, [...nodeArgs, bin, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => { out += s; });
  child.stderr!.setEncoding('utf8').on('data', (s: string) => { err += s; });
  child.stdin!.end();
  const result = new Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string }>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, out, err }));
  });
  return { child, result };
}

/** Waits until `cond` holds, or fails after `ms` saying `what`; `gone` ends the wait early (the run exited). */
export async function waitFor(cond: () => boolean, ms: number, what: string, gone: () => string | undefined = () => undefined): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    const ended = gone();
    if (ended !== undefined) assert.fail(`the run ended before ${what}: ${ended}`);
    if (Date.now() > deadline) assert.fail(`not ${what} within ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
