// `mora … | head`: when the reader of mora's output goes away, mora ends quietly (no EPIPE stack trace), with the
// command's own exit code — as `mora` is run from a terminal, through bin/mora.js, in its own process.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = join(__dirname, '..', '..', 'bin', 'mora.js');

interface Run { code: number | null; signal: NodeJS.Signals | null; stderr: string; received: number }

/** Runs `mora <args>`; `closeAfter` bytes of stdout are read, then the read side of the pipe is closed (0: closed before any). */
function runWithClosedStdout(args: string[], closeAfter: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let received = 0;
    child.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
    if (closeAfter === 0) child.stdout.destroy();
    else {
      child.stdout.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received >= closeAfter) child.stdout.destroy();
      });
    }
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stderr, received }));
  });
}

function assertQuiet(r: Run): void {
  assert.equal(r.signal, null);
  assert.doesNotMatch(r.stderr, /EPIPE|Unhandled 'error' event|\n\s+at /, `stderr:\n${r.stderr}`);
  assert.equal(r.stderr, '', `stderr:\n${r.stderr}`);
  assert.equal(r.code, 0, `stderr:\n${r.stderr}`);
}

/** Manifests for `count` Deployments: their scan prints far more than a pipe holds (64 KiB), so mora is still writing when the reader goes. */
function manyDeployments(count: number): string {
  let out = '';
  for (let i = 0; i < count; i++) {
    out += `---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: svc${i}\nspec:\n  template:\n    spec:\n      containers:\n`
      + '      - name: app\n        image: example.invalid/app\n        resources:\n          requests:\n            cpu: 100m\n            memory: 128Mi\n';
  }
  return out;
}

describe('mora writing into a closed pipe', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => { dir = mkdtempSync(join(tmpdir(), 'mora-pipe-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('manifests scan --format json | head -c 1: ends quietly once the reader has gone', async () => {
    const file = join(dir, 'many.yaml');
    writeFileSync(file, manyDeployments(1500));
    const r = await runWithClosedStdout(['manifests', 'scan', file, '--format', 'json'], 1);
    assert.ok(r.received > 0, 'some output arrived before the pipe was closed');
    assertQuiet(r);
  });

  it('<cmd> --help into a pipe already closed: no stack trace, exit 0', async () => {
    assertQuiet(await runWithClosedStdout(['recommend', '--help'], 0));
  });
});
