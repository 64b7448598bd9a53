// What `npm pack` ships must be enough for the CLI to run: every bundle of scripts/build.mjs that the CLI's bundle loads
// beside itself at run time (a worker thread's entry, found by its file name next to dist/cli.js) is built by `prepack`
// and let through by .npmignore. Cheap: the CLI is bundled in memory (no dist/ written) and `npm pack --dry-run` runs
// on a scratch copy of package.json and .npmignore with a stub file per bundle (no build, no install).
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as esbuild from 'esbuild';
import { defaultWorkerFile, LstmWorkerPool } from '../../src/ml/worker/pool';

const ROOT = path.join(__dirname, '..', '..');
const run = promisify(execFile);

/** The node bundles scripts/build.mjs makes into dist/: their names (entryPoints keys). */
function buildEntries(): string[] {
  const script = fs.readFileSync(path.join(ROOT, 'scripts', 'build.mjs'), 'utf8');
  const names = [...script.matchAll(/entryPoints:\s*\{\s*'?([\w-]+)'?\s*:/g)].map((m) => m[1]);
  assert.ok(names.includes('cli') && names.includes('worker'), `build.mjs entries not found (got ${names.join(', ')})`);
  return names;
}

describe('the npm package ships every bundle the CLI loads at run time', function () {
  this.timeout(60_000);
  let tmp: string;
  before(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mora-npm-package-')); });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('the bundles named in dist/cli.js are built by prepack and listed by npm pack', async () => {
    const entries = buildEntries();
    const built = await esbuild.build({
      entryPoints: [path.join(ROOT, 'src', 'cli', 'main.ts')], bundle: true, write: false, platform: 'node', format: 'cjs', target: 'node20',
      external: ['vscode', '@tensorflow/tfjs-node'], logLevel: 'silent',
    });
    const text = built.outputFiles[0].text;
    const referenced = entries.filter((name) => text.includes(`"${name}.js"`) || text.includes(`'${name}.js'`));
    // Today the LSTM worker pool's dist/worker.js and the training threads' dist/lstm-shard.js.
    assert.ok(referenced.includes('worker') && referenced.includes('lstm-shard'), `the CLI bundle names ${referenced.join(', ') || 'no bundle'}`);
    const needed = ['cli', ...referenced];

    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    const only = /--only=(\S+)/.exec(pkg.scripts.prepack)?.[1].split(',');
    const prepacked = only ?? entries; // no --only: every bundle is built
    assert.deepEqual(needed.filter((n) => !prepacked.includes(n)), [], `prepack (${pkg.scripts.prepack}) does not build them`);

    const scratch = path.join(tmp, 'pkg');
    fs.mkdirSync(path.join(scratch, 'dist'), { recursive: true });
    fs.mkdirSync(path.join(scratch, 'bin'));
    fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(scratch, 'package.json'));
    fs.copyFileSync(path.join(ROOT, '.npmignore'), path.join(scratch, '.npmignore'));
    fs.writeFileSync(path.join(scratch, 'bin', 'mora.js'), '');
    for (const name of entries) fs.writeFileSync(path.join(scratch, 'dist', `${name}.js`), '');
    const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: scratch, timeout: 60_000, maxBuffer: 16 << 20 });
    const files = new Set((JSON.parse(stdout) as Array<{ files: Array<{ path: string }> }>)[0].files.map((f) => f.path));
    assert.deepEqual(needed.map((n) => `dist/${n}.js`).filter((f) => !files.has(f)), [], `.npmignore leaves them out (packed: ${[...files].join(', ')})`);
  });
});

describe('the LSTM worker pool\'s entry', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mora-worker-entry-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('is worker.js beside the bundle, else main.ts through tsx, else an error naming the missing worker.js', () => {
    const missing = defaultWorkerFile(dir);
    assert.match(missing.missing ?? '', new RegExp(`${path.join(dir, 'worker.js').replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')} is missing`));
    assert.doesNotMatch(missing.missing ?? '', /main\.ts/);
    fs.writeFileSync(path.join(dir, 'main.ts'), '');
    // tsx's hook as an absolute path from MOrA's own node_modules: a bare 'tsx/cjs' is resolved from the working directory.
    const source = defaultWorkerFile(dir);
    assert.equal(source.file, path.join(dir, 'main.ts'));
    assert.equal(source.execArgv.length, 2);
    assert.equal(source.execArgv[0], '--require');
    assert.ok(path.isAbsolute(source.execArgv[1]) && fs.existsSync(source.execArgv[1]), source.execArgv[1]);
    assert.ok(source.execArgv[1].startsWith(path.join(__dirname, '..', '..', 'node_modules', 'tsx') + path.sep), source.execArgv[1]);
    fs.writeFileSync(path.join(dir, 'worker.js'), '');
    assert.deepEqual(defaultWorkerFile(dir), { file: path.join(dir, 'worker.js'), execArgv: [] });
  });
});

describe('an LSTM worker pool whose entry file is missing', () => {
  it('rejects its jobs with an error naming that file, and closes', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mora-worker-entry-'));
    const file = path.join(dir, 'worker.js');
    const pool = new LstmWorkerPool({ size: 1, workerFile: file });
    try {
      const job = pool.trainGlobal([{ id: 'a', t: new Float64Array(4), v: new Float64Array(4) }]);
      await assert.rejects(job.result, (e: Error) => e.message.includes(`${file} is missing`));
    } finally {
      await pool.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
