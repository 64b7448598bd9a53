// Run only by test/unit/temp-dir.test.ts, as a mocha run of its own: folders made by tempDir in a hook and in a test,
// printed so the parent can check they are gone once this run has ended (one test fails on purpose: the cleanup must
// not depend on every test passing).
import { existsSync } from 'node:fs';
import { tempDir } from '../../harness/temp-dir';

describe('tempDir fixture run', () => {
  let kept = '';
  before(() => {
    kept = tempDir('mora-tempdir-fixture-');
    process.stdout.write(`TEMPDIR ${kept}\n`);
  });

  it('makes a folder in a test', () => {
    process.stdout.write(`TEMPDIR ${tempDir('mora-tempdir-fixture-')}\n`);
  });

  it('still has the before hook\'s folder in a later test, then fails', () => {
    if (!existsSync(kept)) throw new Error('the before hook\'s folder is gone before the run ended');
    throw new Error('fails on purpose');
  });
});
