import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../harness/temp-dir';
import { writeFileAtomic } from '../../src/core/atomic-write';
import { mora } from './helpers/run-cli';

// Names the file system takes (at most 255 bytes), to which `.<name>.<pid>.<time>.tmp` adds more than 255 would allow.
const names = {
  'ASCII, 245 bytes': `${'a'.repeat(240)}.yaml`,
  'two-byte characters, 245 bytes': `${'é'.repeat(120)}.yaml`,
  'three-byte characters, 254 bytes': `${'日'.repeat(83)}.yaml`,
};

describe('writeFileAtomic: a file whose own name is long but legal can be written (the temporary name stays under 255 bytes)', () => {
  for (const [what, name] of Object.entries(names)) {
    it(`${what}: written, and no temporary file left`, () => {
      assert.ok(Buffer.byteLength(name) <= 255);
      const dir = tempDir('mora-long-name-');
      const file = join(dir, name);
      writeFileSync(file, 'old\n');
      writeFileAtomic(file, 'new\n', { createParents: false, unchangedFrom: Buffer.from('old\n') });
      assert.equal(readFileSync(file, 'utf8'), 'new\n');
      assert.deepEqual(readdirSync(dir), [name]);
    });
  }

  it('two long names sharing their first 240 bytes are written one after the other in the same folder', () => {
    const dir = tempDir('mora-long-name-');
    const a = `${'b'.repeat(240)}-a.yaml`, b = `${'b'.repeat(240)}-b.yaml`;
    writeFileAtomic(join(dir, a), 'A');
    writeFileAtomic(join(dir, b), 'B');
    assert.equal(readFileSync(join(dir, a), 'utf8'), 'A');
    assert.equal(readFileSync(join(dir, b), 'utf8'), 'B');
    assert.deepEqual(readdirSync(dir).sort(), [a, b].sort());
  });

  it('mora manifests apply --in-place on a manifest with a 245-byte name writes it', async () => {
    const dir = tempDir('mora-long-name-');
    const file = join(dir, names['ASCII, 245 bytes']);
    writeFileSync(file, 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        image: web:1\n        resources:\n          requests:\n            cpu: 100m\n');
    const r = await mora(['manifests', 'apply', file, '--set', 'Deployment/web/web=cpu=150m', '--in-place']);
    assert.equal(r.code, 0, r.err);
    assert.match(readFileSync(file, 'utf8'), /cpu: 150m/);
  });
});
