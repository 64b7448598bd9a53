/**
 * `mora manifests apply - --out <file>` (or --replicas) while standard input is still open — a slow producer upstream
 * of the pipe, or a terminal until Ctrl-D — stopped by Ctrl-C or SIGTERM: one line, 'mora: interrupted (SIGINT) before
 * anything was written; nothing was changed', exit 130, at once. Before, the signal listener of the phase before the
 * write was installed ahead of a synchronous readFileSync(0), so the signal was held until stdin closed (27eef2c).
 *
 * The child's stdin stays open; a preload marks in a file when the run starts to read it (process.stdin taken, or a
 * readFileSync of fd 0), and the test signals then and waits for the exit with a deadline (no fixed sleep).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { readStdinManifest } from '../../src/cli/commands/manifests';
import { ManifestRefusal, readManifest } from '../../src/cli/commands/manifest-read';
import { cpuDeployment } from './helpers/manifest-fixtures';
import { cleanEnv, waitFor } from './helpers/run-cli';

const BIN = join(__dirname, '..', '..', 'bin', 'mora.js');

/** A preload that appends to `marker` when the run starts reading standard input (either way it may read it). */
function stdinMarker(dir: string, marker: string): string[] {
  const preload = join(dir, 'stdin-marker.js');
  writeFileSync(preload, [
    "const fs = require('node:fs');",
    `const mark = (how) => fs.appendFileSync(${JSON.stringify(marker)}, how + '\\n');`,
    'const real = fs.readFileSync;',
    "fs.readFileSync = (f, ...rest) => { if (f === 0 || f === '/dev/stdin') mark('readFileSync'); return real(f, ...rest); };",
    "const d = Object.getOwnPropertyDescriptor(process, 'stdin');",
    "Object.defineProperty(process, 'stdin', { configurable: true, enumerable: d.enumerable, get() { mark('process.stdin'); return d.get.call(process); } });",
    '',
  ].join('\n'));
  return ['--require', preload];
}

describe('manifests apply - (standard input still open): a signal ends it at once, one line, exit 130', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'mora-apply-stdin-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  for (const [signal, change] of [['SIGINT', ['--replicas', 'Deployment/web=3']], ['SIGTERM', ['--set', 'Deployment/web/app=cpu=50m']]] as const) {
    it(`${change[0]} … --out, ${signal} while stdin waits for more: exit 130 within 10 s, the line, --out not written`, async () => {
      const marker = join(dir, 'reading');
      const out = join(dir, 'x.yaml');
      const child = spawn(process.execPath, [...stdinMarker(dir, marker), BIN, 'manifests', 'apply', '-', ...change, '--out', out],
        { stdio: ['pipe', 'pipe', 'pipe'], env: cleanEnv() });
      let stdout = '', stderr = '';
      child.stdout.setEncoding('utf8').on('data', (s: string) => { stdout += s; });
      child.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
      const result = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
        child.once('error', reject);
        child.once('close', (code, sig) => resolve({ code, signal: sig }));
      });
      let ended: string | undefined;
      void result.then((r) => { ended = `code ${r.code}, signal ${r.signal}, stderr: ${stderr}`; });
      try {
        // Half a manifest, then nothing more: the producer is slow, stdin stays open.
        child.stdin.write(cpuDeployment({ name: 'web', container: 'app', cpu: '100m' }).slice(0, 40));
        await waitFor(() => existsSync(marker), 30_000, 'reading stdin', () => ended);
        child.kill(signal);
        await waitFor(() => ended !== undefined, 10_000, `ended after ${signal} (stdin still open)`);
        const r = await result;
        assert.equal(r.signal, null, `ended by ${r.signal}, not by itself: ${stderr}`);
        assert.equal(r.code, 130, stderr);
        assert.equal(stdout, '');
        assert.equal(stderr, `mora: interrupted (${signal}) before anything was written; nothing was changed\n`);
        assert.equal(existsSync(out), false, '--out not written');
      } finally {
        child.stdin.destroy();
        if (ended === undefined) child.kill('SIGKILL');
        await result;
      }
    });
  }

  it('stdin read to its end: the text and bytes as readManifest has them (UTF-16, bytes that are not UTF-8 refused); --out gets the edit', async () => {
    const text = cpuDeployment({ name: 'web', container: 'app', cpu: '100m' });
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const read = await readStdinManifest(Readable.from([utf16.subarray(0, 7), utf16.subarray(7)]));
    writeFileSync(join(dir, 'utf16.yaml'), utf16);
    assert.deepEqual(read, readManifest(join(dir, 'utf16.yaml')));
    assert.equal(read.encoding, 'utf16le');
    await assert.rejects(readStdinManifest(Readable.from([Buffer.from([0x61, 0xff, 0x0a])])), (e: unknown) => e instanceof ManifestRefusal && e.kind === 'encoding' && e.file === '-');
    const out = join(dir, 'x.yaml');
    const r = await new Promise<{ code: number | null; err: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, 'manifests', 'apply', '-', '--set', 'Deployment/web/app=cpu=50m', '--out', out], { stdio: ['pipe', 'pipe', 'pipe'], env: cleanEnv() });
      let err = '';
      child.stderr.setEncoding('utf8').on('data', (s: string) => { err += s; });
      child.once('error', reject);
      child.once('close', (code) => resolve({ code, err }));
      child.stdin.end(text);
    });
    assert.equal(r.code, 0, r.err);
    assert.equal(readFileSync(out, 'utf8'), text.replace('cpu: 100m', 'cpu: 50m'));
  });
});
