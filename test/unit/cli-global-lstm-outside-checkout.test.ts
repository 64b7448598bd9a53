// `mora recommend -m fused` of a checkout's CLI: its global LSTM trains whatever the working directory (the worker's
// tsx hook is resolved from MOrA's own files, not from the cwd: src/ml/worker/tsx-hook.ts), and a model that could not
// be cached is never reported as saved to a file that was not written (src/pipeline/global-lstm.ts).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cleanEnv } from './helpers/run-cli';

const BIN = path.join(__dirname, '..', '..', 'bin', 'mora.js');
const REPO = path.join(__dirname, '..', '..');

/** `node bin/mora.js <args>` in `cwd`; killed (code null) after `killAfterMs` so a hang fails with what it said. */
function run(args: string[], cwd: string, env: NodeJS.ProcessEnv, killAfterMs = 120_000): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    const timer = setTimeout(() => { err += '\n[test: killed]'; child.kill('SIGKILL'); }, killAfterMs);
    child.stdout.setEncoding('utf8').on('data', (s: string) => { out += s; });
    child.stderr.setEncoding('utf8').on('data', (s: string) => { err += s; });
    child.once('error', (e) => { clearTimeout(timer); reject(e); });
    child.once('close', (code) => { clearTimeout(timer); resolve({ code, out, err }); });
  });
}

/** The demo at 5 days and 1800 s (as recommend-set-options-given-global.test.ts): the global LSTM trains in ~4 s. */
const RECOMMEND = ['recommend', '--source', 'demo', '-m', 'fused', '--history-days', '5', '--forecast-step', '1800', '-f', 'json'];

describe('mora recommend -m fused from the sources: the global LSTM wherever it runs from', function () {
  this.timeout(180_000);
  let dir = '';
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mora-outside-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('trains with a working directory outside the checkout (was: "training failed (Cannot find module \'tsx/cjs\')")', async () => {
    const cwd = path.join(dir, 'elsewhere');
    fs.mkdirSync(cwd);
    const r = await run(RECOMMEND, cwd, cleanEnv({ XDG_CACHE_HOME: path.join(dir, 'cache') }));
    assert.equal(r.code, 0, r.err);
    assert.doesNotMatch(r.err, /training failed/, r.err);
    const trained = r.err.split('\n').find((l) => /global LSTM for "demo": trained v1 /.test(l));
    assert.ok(trained, r.err);
    const file = /→ (.*model\.json)$/.exec(trained)?.[1];
    assert.ok(file && fs.existsSync(file), `the cached model ${file} exists`);
    assert.ok(path.resolve(file).startsWith(path.join(dir, 'cache') + path.sep), file);
  });

  it('with XDG_CACHE_HOME a regular file: one warning, and the trained line names no file (none was written)', async () => {
    const notDir = path.join(dir, 'cache-file');
    fs.writeFileSync(notDir, 'not a folder\n');
    const r = await run(RECOMMEND, REPO, cleanEnv({ XDG_CACHE_HOME: notDir }));
    assert.equal(r.code, 0, r.err);
    const lstm = r.err.split('\n').filter((l) => /global LSTM/.test(l));
    assert.equal(lstm.filter((l) => /could not cache the model .*used for this run only/.test(l)).length, 1, r.err);
    const trained = lstm.find((l) => /: trained v1 /.test(l));
    assert.ok(trained, r.err);
    assert.doesNotMatch(trained, /→|model\.json/, trained);
    assert.match(trained, /\(not cached: used for this run only\)$/);
    assert.equal(fs.readFileSync(notDir, 'utf8'), 'not a folder\n', 'the file is left as it was');
  });
});
