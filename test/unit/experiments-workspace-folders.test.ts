// The extension reads load experiments from every workspace folder's .mora/experiments (recommendation-store.ts's
// storedExperiments): a multi-root workspace's second folder's results were ignored (only the first folder was read).
import { strict as assert } from 'node:assert';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../harness/temp-dir';
import { fixturePlanDocument } from '../harness/experiment-fixture';
import { PLAN_CSV_COLUMNS } from '../../src/data/experiments/csv';
import { loadFolderExperiments } from '../../src/data/experiments/store';

function writePlan(root: string): void {
  const dir = join(root, '.mora', 'experiments');
  mkdirSync(dir, { recursive: true });
  const { doc } = fixturePlanDocument();
  writeFileSync(join(dir, 'shop.json'), JSON.stringify(doc));
  writeFileSync(join(dir, doc.files.csv), `${PLAN_CSV_COLUMNS.join(',')}\n`);
}

describe('load experiments of every workspace folder', () => {
  it('reads the .mora/experiments of a folder after the first, and skips folders without one', () => {
    const first = tempDir('mora-ws-a-');
    const second = tempDir('mora-ws-b-');
    writePlan(second);
    const warnings: string[] = [];
    const stored = loadFolderExperiments([first, second], (dir, e) => warnings.push(`${dir}: ${e.message}`));
    assert.ok(stored && stored.length > 0, 'the second folder\'s experiments are read');
    assert.ok(stored.every((e) => e.document.id.startsWith('shop/')), JSON.stringify(stored.map((e) => e.document.id)));
    assert.deepEqual(warnings, []);
  });

  it('one unreadable folder is reported and the others still read; none at all is undefined', () => {
    const bad = tempDir('mora-ws-bad-');
    mkdirSync(join(bad, '.mora', 'experiments'), { recursive: true });
    writeFileSync(join(bad, '.mora', 'experiments', 'x.json'), '{ not json');
    const good = tempDir('mora-ws-good-');
    writePlan(good);
    const warnings: string[] = [];
    const stored = loadFolderExperiments([bad, good], (dir) => warnings.push(dir));
    assert.ok(stored && stored.length > 0);
    assert.deepEqual(warnings, [join(bad, '.mora', 'experiments')]);
    assert.equal(loadFolderExperiments([tempDir('mora-ws-none-')], () => undefined), undefined);
  });
});
