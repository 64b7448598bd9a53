// `manifests apply --out <file>` must name a file in a folder that exists:
// a typo in the folder is exit 2 naming that folder, and nothing is created. MOrA's own files (undo records, state,
// caches, models) still get their missing folders created.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkWritable, writeFileAtomic } from '../../src/core/atomic-write';
import { mora } from './helpers/run-cli';

const manifest = [
  'apiVersion: apps/v1', 'kind: Deployment', 'metadata:', '  name: web', 'spec:', '  template:', '    spec:', '      containers:',
  '      - name: app', '        resources:', '          requests:', '            cpu: 100m', '',
].join('\n');

describe('output paths: missing folders of a user-given path are not created', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'mora-out-parents-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('manifests apply --out into a folder that does not exist: exit 2 naming the missing folder, nothing created', async () => {
    const file = join(dir, 'f.yaml');
    writeFileSync(file, manifest);
    const missing = join(dir, 'nonexistentdir');
    const r = await mora(['manifests', 'apply', file, '--set', 'Deployment/web/app=cpu=150m', '--out', join(missing, 'sub', 'out.yaml')]);
    assert.equal(r.code, 2, r.err);
    assert.equal(r.err.trim().split('\n').length, 1, r.err);
    assert.ok(r.err.includes(`cannot write: the directory ${missing} does not exist`), r.err);
    assert.equal(existsSync(missing), false, 'the folder is not created');
    assert.equal(readFileSync(file, 'utf8'), manifest);
  });

  it('the same for a UTF-16 manifest (written as bytes)', async () => {
    const file = join(dir, 'f16.yaml');
    writeFileSync(file, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(manifest, 'utf16le')]));
    const missing = join(dir, 'nope');
    const r = await mora(['manifests', 'apply', file, '--set', 'Deployment/web/app=cpu=150m', '--out', join(missing, 'out.yaml')]);
    assert.equal(r.code, 2, r.err);
    assert.ok(r.err.includes(`the directory ${missing} does not exist`), r.err);
    assert.equal(existsSync(missing), false);
  });

  it('--out in a folder that exists is still written', async () => {
    const file = join(dir, 'f.yaml');
    writeFileSync(file, manifest);
    const r = await mora(['manifests', 'apply', file, '--set', 'Deployment/web/app=cpu=150m', '--out', join(dir, 'out.yaml')]);
    assert.equal(r.code, 0, r.err);
    assert.match(readFileSync(join(dir, 'out.yaml'), 'utf8'), /cpu: 150m/);
  });

  it('writeFileAtomic/checkWritable: createParents false refuses (ENOENT, the missing folder); the default (MOrA\'s own files) creates them', () => {
    const mine = join(dir, 'state', 'mora', 'undo', 'record.yaml');
    writeFileAtomic(mine, 'a: 1\n');
    assert.equal(readFileSync(mine, 'utf8'), 'a: 1\n');
    checkWritable(join(dir, 'cache', 'x', 'y.json'));
    const theirs = join(dir, 'typo', 'deeper', 'out.yaml');
    for (const attempt of [() => writeFileAtomic(theirs, 'b: 1\n', { createParents: false }), () => checkWritable(theirs, { createParents: false })]) {
      assert.throws(attempt, (e: NodeJS.ErrnoException) => e.code === 'ENOENT' && e.path === join(dir, 'typo'));
    }
    assert.equal(existsSync(join(dir, 'typo')), false);
  });
});
