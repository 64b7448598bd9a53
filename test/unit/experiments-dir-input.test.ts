// `--experiments <dir>` reads every *.json of a folder: JSON that is not an object is foreign, skipped like other
// foreign JSON — it was a TypeError and a stack trace (exit 1).
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadExperiments } from '../../src/data/experiments/store';

describe('experiments folder with foreign JSON', () => {
  it('skips JSON null, numbers and arrays instead of failing on them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mora-exp-foreign-'));
    try {
      writeFileSync(join(dir, 'a.json'), 'null');
      writeFileSync(join(dir, 'b.json'), '42');
      writeFileSync(join(dir, 'c.json'), '[1, 2]');
      assert.deepEqual(loadExperiments(dir), []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
