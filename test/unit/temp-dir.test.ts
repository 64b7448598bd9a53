// test/harness/temp-dir.ts: folders made by tempDir stay for the whole run (a before hook's folder is still there in a
// later test) and are gone once the run ends, also when a test failed. Checked on a mocha run of its own, since this
// run's own cleanup happens after this file's tests.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';

const repo = path.join(__dirname, '..', '..');

function mochaRun(file: string): Promise<{ code: number | null; out: string; err: string }> {
  const bin = path.join(repo, 'node_modules', 'mocha', 'bin', 'mocha.js');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, '--reporter', 'dot', file], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => { out += s; });
    child.stderr.setEncoding('utf8').on('data', (s: string) => { err += s; });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, out, err }));
  });
}

describe('tempDir (test/harness/temp-dir.ts)', () => {
  it('removes the folders it made, in hooks and tests, when the mocha run ends, even after a failed test', async function () {
    this.timeout(60_000);
    const run = await mochaRun(path.join('test', 'unit', 'helpers', 'temp-dir-run.fixture.ts'));
    const dirs = [...run.out.matchAll(/^TEMPDIR (.+)$/gm)].map((m) => m[1]);
    assert.equal(dirs.length, 2, `the fixture printed its two folders\n${run.out}\n${run.err}`);
    assert.match(run.out, /1 passing/);
    assert.match(run.out, /1 failing[\s\S]*fails on purpose/, 'only the deliberate failure (the hook\'s folder lasted the run)');
    assert.equal(run.code, 1);
    for (const d of dirs) assert.equal(existsSync(d), false, `${d} is removed after the run`);
  });
});
