/**
 * `mora manifests apply … --in-place` and the files it may not write: a read-only file is refused, not renamed over,
 * and a folder apply is all-or-nothing: every target file is checked before the first is written, and a write that
 * fails midway restores the files already written. A file edited by someone else since it was read is not overwritten.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyMany } from '../../src/cli/commands/manifests-apply-many';
import { writeAllOrNothing } from '../../src/cli/commands/write-all-or-nothing';
import { parseChangeSpecs } from '../../src/manifests';
import { mora } from './helpers/run-cli';
import { deploymentWithCpu } from './helpers/manifest-fixtures';

const DEPLOYMENT = deploymentWithCpu;

const ROOT = process.getuid?.() === 0;

describe('mora manifests apply --in-place: files it may not write', () => {
  let dir: string;
  const at = (...p: string[]) => join(dir, ...p);
  const write = (rel: string, body: string) => {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), body);
  };
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'mora-apply-writes-')); });
  afterEach(() => {
    for (const d of ['', 'a', 'b']) try { chmodSync(at(d), 0o755); } catch { /* gone */ }
    rmSync(dir, { recursive: true, force: true });
  });

  it('a read-only (0444) file is refused with its name, exit 2, and left as it was (root too)', async () => {
    write('ro.yaml', DEPLOYMENT('web', '100m'));
    chmodSync(at('ro.yaml'), 0o444);
    const r = await mora(['manifests', 'apply', at('ro.yaml'), '--set', 'deploy/web/web=cpu=300m', '--in-place']);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /ro\.yaml: cannot write: the file is read-only/);
    assert.equal(readFileSync(at('ro.yaml'), 'utf8'), DEPLOYMENT('web', '100m'));
    // --out to a read-only file is refused the same way
    write('out.yaml', 'old\n');
    chmodSync(at('out.yaml'), 0o444);
    write('src.yaml', DEPLOYMENT('web', '100m'));
    const o = await mora(['manifests', 'apply', at('src.yaml'), '--set', 'deploy/web/web=cpu=300m', '--out', at('out.yaml')]);
    assert.equal(o.code, 2, o.err);
    assert.equal(readFileSync(at('out.yaml'), 'utf8'), 'old\n');
  });

  it('a folder with one read-only target file: nothing is written, the file is named (root too)', async () => {
    write('a/web.yaml', DEPLOYMENT('web', '100m'));
    write('b/api.yaml', DEPLOYMENT('api', '100m'));
    chmodSync(at('b', 'api.yaml'), 0o444);
    const r = await mora(['manifests', 'apply', dir, '--set', 'deploy/web/web=cpu=300m', '--set', 'deploy/api/api=cpu=300m', '--in-place']);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /b\/api\.yaml: cannot write: the file is read-only/);
    assert.match(r.err, /nothing was written/);
    assert.doesNotMatch(r.err, /updated/);
    assert.equal(readFileSync(at('a', 'web.yaml'), 'utf8'), DEPLOYMENT('web', '100m'));
    assert.equal(readFileSync(at('b', 'api.yaml'), 'utf8'), DEPLOYMENT('api', '100m'));
  });

  it('a folder with one target in a folder it may not write (0555): nothing is written, the file is named', async function () {
    if (ROOT) {
      // Permission bits do not stop root: the read-only file case above is the one that holds for root.
      console.log('      (skipped for root: a 0555 folder does not stop root from writing)');
      this.skip();
    }
    write('a/web.yaml', DEPLOYMENT('web', '100m'));
    write('b/api.yaml', DEPLOYMENT('api', '100m'));
    chmodSync(at('b'), 0o555);
    const r = await mora(['manifests', 'apply', dir, '--set', 'deploy/web/web=cpu=300m', '--set', 'deploy/api/api=cpu=300m', '--in-place']);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /b\/api\.yaml: cannot write: permission denied/);
    assert.doesNotMatch(r.err, /updated/);
    assert.equal(readFileSync(at('a', 'web.yaml'), 'utf8'), DEPLOYMENT('web', '100m'));
  });

  it('a write that fails midway (a full disk) restores the files already written and names the one that failed', async () => {
    write('a/web.yaml', DEPLOYMENT('web', '100m'));
    write('b/api.yaml', DEPLOYMENT('api', '100m'));
    const changes = parseChangeSpecs({ set: ['deploy/web/web=cpu=300m', 'deploy/api/api=cpu=300m'], replicas: [] });
    const written: string[] = [];
    let calls = 0;
    const writer = (file: string, data: Uint8Array | string) => {
      // The second file's write fails as a full disk does; restoring the first goes through the same writer.
      if (++calls === 2) throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
      writeFileSync(file, data);
      written.push(file);
    };
    const err = await captureStderr(() => assert.rejects(() => applyMany([dir], changes, 'default', { write: writer }),
      (e: Error & { exitCode?: number }) => {
        assert.match(e.message, /b\/api\.yaml: cannot write: no space left on device/);
        assert.match(e.message, /restored|nothing was changed/);
        assert.equal(e.exitCode, 1);
        return true;
      }));
    assert.equal(readFileSync(at('a', 'web.yaml'), 'utf8'), DEPLOYMENT('web', '100m'));
    assert.equal(readFileSync(at('b', 'api.yaml'), 'utf8'), DEPLOYMENT('api', '100m'));
    assert.ok(written.length >= 2, `the first file was written, then restored: ${written.join(', ')}`);
    assert.doesNotMatch(err, /updated/); // no file is reported written: none is
  });
});

/**
 * A lost update: a file edited by someone else (an editor saving, `git pull`) after apply read it and before it writes
 * is not overwritten with an edit planned from the old text; nothing is written, exit 2, the file is named.
 */
describe('mora manifests apply --in-place: a file that changed on disk since it was read', () => {
  let dir: string;
  const at = (...p: string[]) => join(dir, ...p);
  const write = (rel: string, body: string) => {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), body);
  };
  /** The file as someone else saved it meanwhile: a comment added. */
  const THEIRS = (name: string) => `# their edit\n${DEPLOYMENT(name, '100m')}`;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'mora-apply-changed-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const changes = () => parseChangeSpecs({ set: ['deploy/web/web=cpu=300m', 'deploy/api/api=cpu=300m'], replicas: [] });

  /** Runs `f` with fs.fsyncSync (called while MOrA flushes a temporary file, before its rename) doing `edit` once first. */
  async function duringFlush<T>(edit: () => void, f: () => Promise<T>): Promise<T> {
    const fs = createRequire(__filename)('node:fs') as typeof import('node:fs');
    const real = fs.fsyncSync;
    let done = false;
    fs.fsyncSync = (fd: number) => {
      if (!done) { done = true; edit(); }
      real(fd);
    };
    try {
      return await f();
    } finally {
      fs.fsyncSync = real;
    }
  }

  it('folder: b.yaml edited after planning, while a.yaml is written: a.yaml is restored, b.yaml keeps the edit, exit 2', async () => {
    write('a.yaml', DEPLOYMENT('web', '100m'));
    write('b.yaml', DEPLOYMENT('api', '100m'));
    let calls = 0;
    const writer = (file: string, data: Uint8Array | string) => {
      if (++calls === 1) writeFileSync(at('b.yaml'), THEIRS('api')); // someone saves b.yaml meanwhile
      writeFileSync(file, data);
    };
    const err = await captureStderr(() => assert.rejects(() => applyMany([dir], changes(), 'default', { write: writer }),
      (e: Error & { exitCode?: number }) => {
        assert.equal(e.message, `${at('b.yaml')} changed on disk since it was read; the 1 file written before it (${at('a.yaml')}) were restored, `
          + 'so nothing was changed — run again');
        assert.equal(e.exitCode, 2);
        return true;
      }));
    assert.equal(readFileSync(at('a.yaml'), 'utf8'), DEPLOYMENT('web', '100m'));
    assert.equal(readFileSync(at('b.yaml'), 'utf8'), THEIRS('api'));
    assert.doesNotMatch(err, /updated/);
  });

  it('writeAllOrNothing: a file that no longer holds the bytes it was read as stops the batch before the first write', () => {
    write('a.yaml', 'a: 1\n');
    write('b.yaml', 'b: 2 # edited since\n');
    assert.throws(() => writeAllOrNothing([
      { file: at('a.yaml'), data: 'a: 10\n', read: Buffer.from('a: 1\n') },
      { file: at('b.yaml'), data: 'b: 20\n', read: Buffer.from('b: 2\n') },
    ]), (e: Error & { exitCode?: number }) => {
      assert.equal(e.message, `${at('b.yaml')} changed on disk since it was read; nothing was written — run again`);
      assert.equal(e.exitCode, 2);
      return true;
    });
    assert.equal(readFileSync(at('a.yaml'), 'utf8'), 'a: 1\n');
    assert.equal(readFileSync(at('b.yaml'), 'utf8'), 'b: 2 # edited since\n');
  });

  it('a restore never overwrites a file edited again after MOrA wrote it: it is named, left as it is', async () => {
    write('a.yaml', DEPLOYMENT('web', '100m'));
    write('b.yaml', DEPLOYMENT('api', '100m'));
    let calls = 0;
    const writer = (file: string, data: Uint8Array | string) => {
      if (++calls === 2) {
        writeFileSync(at('a.yaml'), THEIRS('web')); // a.yaml saved by someone after MOrA wrote it
        throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
      }
      writeFileSync(file, data);
    };
    await captureStderr(() => assert.rejects(() => applyMany([dir], changes(), 'default', { write: writer }), (e: Error) => {
      assert.equal(e.message, `${at('b.yaml')}: cannot write: no space left on device (ENOSPC); 0 of the 1 files written before it were restored; `
        + `not restored, as it was edited again after MOrA wrote it: ${at('a.yaml')}`);
      return true;
    }));
    assert.equal(readFileSync(at('a.yaml'), 'utf8'), THEIRS('web'));
    assert.equal(calls, 2, 'no restore was attempted over the new edit');
  });

  it('one file: edited while MOrA flushes its new text, it keeps the edit; exit 2, one line, no temporary file left', async () => {
    write('web.yaml', DEPLOYMENT('web', '100m'));
    const r = await duringFlush(() => writeFileSync(at('web.yaml'), THEIRS('web')),
      () => mora(['manifests', 'apply', at('web.yaml'), '--set', 'deploy/web/web=cpu=300m', '--in-place']));
    assert.equal(r.code, 2, r.err);
    assert.equal(r.err, `mora: ${at('web.yaml')} changed on disk since it was read; nothing was written — run again\n`);
    assert.equal(r.out, '');
    assert.equal(readFileSync(at('web.yaml'), 'utf8'), THEIRS('web'));
    assert.deepEqual(readdirSync(dir), ['web.yaml']);
  });

  it('folder: the first file edited while its new text is flushed: nothing is written, that file named', async () => {
    write('a.yaml', DEPLOYMENT('web', '100m'));
    write('b.yaml', DEPLOYMENT('api', '100m'));
    const r = await duringFlush(() => writeFileSync(at('a.yaml'), THEIRS('web')),
      () => mora(['manifests', 'apply', dir, '--set', 'deploy/web/web=cpu=300m', '--set', 'deploy/api/api=cpu=300m', '--in-place']));
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, new RegExp(`${at('a.yaml').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} changed on disk since it was read; nothing was written — run again\n$`));
    assert.equal(readFileSync(at('a.yaml'), 'utf8'), THEIRS('web'));
    assert.equal(readFileSync(at('b.yaml'), 'utf8'), DEPLOYMENT('api', '100m'));
    assert.deepEqual(readdirSync(dir).sort(), ['a.yaml', 'b.yaml']);
  });
});

async function captureStderr(f: () => Promise<void>): Promise<string> {
  let err = '';
  const se = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((s: string) => { err += s; return true; }) as typeof process.stderr.write;
  try {
    await f();
  } finally {
    process.stderr.write = se;
  }
  return err;
}
