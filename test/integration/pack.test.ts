// Installing the CLI as a user would: `npm pack` (its prepack builds the production bundle), `npm install -g` of the
// tarball into a private prefix, then `mora` from that prefix's bin/. The pack runs on a copy of the checkout (the
// repository's own dist/ is neither used nor rewritten); the install is --offline: the CLI must need nothing from a registry.
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { DEMO_SERVICES } from '../../src/data/demo';

const ROOT = path.join(__dirname, '..', '..');
const run = promisify(execFile);
/** Generated or machine-local folders of the checkout, never part of what npm packs. */
const SKIP = new Set(['node_modules', '.git', '.mora-test', '.vscode-test', 'dist', 'out', 'coverage']);

/** The environment of a user's shell: none of the npm_* variables of an enclosing `npm test`, no loader hooks. */
function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k) && k !== 'NODE_OPTIONS') env[k] = v;
  return env;
}

describe('the CLI packed with npm pack and installed from the tarball', function () {
  this.timeout(240_000);
  let tmp: string;
  let packed: { filename: string; files: { path: string }[] };
  let prefix: string;
  let bin: string;

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mora-pack-'));
    const checkout = path.join(tmp, 'checkout');
    fs.cpSync(ROOT, checkout, {
      recursive: true,
      filter: (src) => {
        const rel = path.relative(ROOT, src);
        const top = rel.split(path.sep)[0];
        return !SKIP.has(top) && !top.startsWith('.scratch') && !top.endsWith('.vsix');
      },
    });
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(checkout, 'node_modules'), 'dir');
    const pack = await run('npm', ['pack', '--json', '--pack-destination', tmp], { cwd: checkout, env: userEnv(), timeout: 180_000, maxBuffer: 16 << 20 });
    packed = (JSON.parse(pack.stdout) as (typeof packed)[])[0];
    prefix = path.join(tmp, 'prefix');
    await run('npm', ['install', '-g', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', path.join(tmp, packed.filename)], {
      cwd: tmp, env: userEnv(), timeout: 120_000,
    });
    bin = path.join(prefix, 'bin', 'mora');
  });
  after(() => { if (tmp) fs.rmSync(tmp, { recursive: true, force: true }); });

  it('the tarball holds bin/mora.js and the bundle it runs, not the TypeScript sources', () => {
    const files = packed.files.map((f) => f.path).sort();
    for (const f of ['bin/mora.js', 'dist/cli.js', 'dist/worker.js', 'dist/lstm-shard.js', 'package.json', 'README.md', 'LICENSE']) assert.ok(files.includes(f), `${f} missing from ${files.join(', ')}`);
    assert.deepEqual(files.filter((f) => f.endsWith('.ts') || f.startsWith('src/') || f.startsWith('test/')), []);
    const installed = path.join(prefix, 'lib', 'node_modules', 'mora');
    assert.ok(fs.existsSync(path.join(installed, 'dist', 'cli.js')));
    // No sources and no node_modules: bin/mora.js can only run the bundle, with no TypeScript compiler.
    assert.equal(fs.existsSync(path.join(installed, 'src')), false);
    assert.equal(fs.existsSync(path.join(installed, 'node_modules')), false);
  });

  it('mora demo -m fused from the install prefix fine-tunes the shipped warm-start LSTM (models/ beside dist/)', async () => {
    const cache = fs.mkdtempSync(path.join(tmp, 'cache-'));
    const r = await run(bin, ['demo', '-m', 'fused'], { cwd: tmp, env: { ...userEnv(), XDG_CACHE_HOME: cache }, timeout: 120_000, maxBuffer: 16 << 20 });
    assert.match(r.stderr, /fine-tuning MOrA's warm-start weights/);
    // The training runs in the LSTM worker (dist/worker.js): without it the run still exits 0, saying this.
    assert.doesNotMatch(r.stderr, /training failed|refresh failed|run without the LSTM/);
    assert.ok(fs.existsSync(path.join(prefix, 'lib', 'node_modules', 'mora', 'models', 'lstm-warm-start', 'NOTICE.md')));
  });

  it('mora --help runs from the install prefix', async () => {
    const r = await run(bin, ['--help'], { cwd: tmp, env: userEnv(), timeout: 60_000 });
    assert.match(r.stdout, /^Usage: mora \[options\] \[command\]/);
    assert.match(r.stdout, /recommend/);
    assert.equal(r.stderr, '');
  });

  it('mora recommend --source demo -f json prints a recommendation for every demo workload', async () => {
    const r = await run(bin, ['recommend', '--source', 'demo', '-f', 'json'], { cwd: tmp, env: userEnv(), timeout: 120_000, maxBuffer: 16 << 20 });
    const recs = JSON.parse(r.stdout) as { workload: { namespace: string; name: string }; containers: unknown[] }[];
    assert.deepEqual(recs.map((x) => x.workload.name).sort(), DEMO_SERVICES.map((s) => s.name).sort());
    for (const x of recs) {
      assert.equal(x.workload.namespace, 'shop');
      assert.ok(x.containers.length > 0, `${x.workload.name} has no container recommendation`);
    }
  });
});
