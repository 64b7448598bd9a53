// bin/mora.js: when the event loop runs dry while the command's promise is still pending (a request that never settled,
// with nothing left holding the process open but an unref'd timer), Node would exit 0 with nothing printed — a silent
// "success". The entry says so and exits 1 instead. The command is replaced, in the spawned process, by a preloaded
// module standing in for src/cli/main.ts, so each case controls exactly what the command's promise does.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { moraProcess } from './helpers/run-cli';
import { inTempDir } from './helpers/temp-dir';

const ROOT = path.join(__dirname, '..', '..');
const MAIN = path.join(ROOT, 'src', 'cli', 'main.ts');
const MESSAGE = 'mora: internal error: the command stopped with work pending (a request that never settled?)';

interface Run { code: number | null; out: string; err: string }

/** Runs bin/mora.js with src/cli/main.ts's `main` replaced by `mainSource` (a JS function expression). */
function runWithMain(dir: string, mainSource: string): Promise<Run> {
  const preload = path.join(dir, 'fake-main.js');
  fs.writeFileSync(preload, [
    `const file = ${JSON.stringify(MAIN)};`,
    `require.cache[file] = { id: file, filename: file, loaded: true, children: [], paths: [], exports: { main: ${mainSource} } };`,
    '',
  ].join('\n'));
  return moraProcess(['recommend'], { ...process.env, MORA_BUNDLED: '' }, ['--require', preload]);
}

describe('mora exits non-zero when the command never settles', function () {
  this.timeout(60_000);

  it('a command awaiting a promise that never settles (only an unref\'d timer left): exit 1 and the internal-error line', () => inTempDir(async (dir) => {
    const r = await runWithMain(dir, '() => new Promise(() => { setTimeout(() => undefined, 60_000).unref(); })');
    assert.equal(r.code, 1, `stderr:\n${r.err}`);
    assert.equal(r.err.trim(), MESSAGE);
    assert.equal(r.out, '');
  }));

  it('a command that settles after waiting on live work: its own code, no internal error', () => inTempDir(async (dir) => {
    const r = await runWithMain(dir, '() => new Promise((resolve) => setTimeout(() => { process.stdout.write("done\\n"); resolve(3); }, 200))');
    assert.equal(r.code, 3, `stderr:\n${r.err}`);
    assert.equal(r.out, 'done\n');
    assert.doesNotMatch(r.err, /internal error/);
  }));

  it('a command that succeeds at once: exit 0, nothing on stderr', () => inTempDir(async (dir) => {
    const r = await runWithMain(dir, 'async () => 0');
    assert.equal(r.code, 0, `stderr:\n${r.err}`);
    assert.equal(r.err, '');
  }));
});
