// A signal that reaches a write command while Node (and, in a checkout, tsx) is still starting, before the command
// listens to it, ends the process by the signal's default action: nothing is said, the shell sees 143 for SIGTERM.
// That is harmless because no command writes anything before it listens (README § Exit codes, 130): these runs are
// signalled as soon as they are spawned, and the files and folders they would write must be as they were.
import * as assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { demoManifests } from '../../src/data/demo';
import { tempDir } from '../harness/temp-dir';
import { cleanEnv, startMora } from './helpers/run-cli';

/** The run ended either silently by the signal, or by MOrA's own line for a signal before any write (exit 130). */
function endedBeforeWriting(r: { code: number | null; signal: NodeJS.Signals | null; err: string }, signal: NodeJS.Signals): void {
  if (r.signal !== null) {
    assert.equal(r.signal, signal, r.err);
    return;
  }
  assert.equal(r.code, 130, r.err);
  assert.match(r.err, new RegExp(`^mora: interrupted \\(${signal}\\) before anything was written; nothing was changed$`, 'm'));
}

describe('a signal while a write command starts, before it listens: nothing was written', function () {
  this.timeout(60_000);

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`mora recommend --apply-to, ${signal} as it is spawned (3 times): the manifests as they were, no temporary file left`, async () => {
      for (let round = 0; round < 3; round++) {
        const dir = tempDir('mora-startup-signal-');
        const file = join(dir, 'shop.yaml');
        writeFileSync(file, demoManifests());
        const { child, result } = startMora(['recommend', '--source', 'demo', '-q', '-f', 'json', '--apply-to', file, '--default-namespace', 'shop'], cleanEnv());
        child.once('spawn', () => child.kill(signal));
        endedBeforeWriting(await result, signal);
        assert.equal(readFileSync(file, 'utf8'), demoManifests());
        assert.deepEqual(readdirSync(dir), ['shop.yaml']);
      }
    });
  }

  it('mora experiment, SIGTERM as it is spawned: --out not created', async () => {
    const dir = tempDir('mora-startup-signal-');
    const out = join(dir, 'out');
    const { child, result } = startMora(['experiment', '--target', 'http://127.0.0.1:9/', '--prometheus', 'http://127.0.0.1:9', '--levels', '10', '--duration', '2s', '--out', out], cleanEnv());
    child.once('spawn', () => child.kill('SIGTERM'));
    endedBeforeWriting(await result, 'SIGTERM');
    assert.equal(existsSync(out), false);
  });
});
