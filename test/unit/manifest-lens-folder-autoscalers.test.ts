/**
 * The editor's replica lens and an HPA in another file of the same folder (web/deployment.yaml beside web/hpa.yaml):
 * the HPA owns spec.replicas, so the lens is a note naming the HPA and its file, with nothing to apply. Only the
 * file's own folder counts (not a sibling or child folder), read once and again only after a file of it changed.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FolderAutoscalers, MAX_FOLDER_FILES } from '../../src/views/folder-autoscalers';
import { manifestView } from '../../src/views/manifest-lens-model';
import { deployment, hpa, lookup } from './helpers/replica-lens-fixtures';

const replicaLenses = (text: string, folder?: FolderAutoscalers, file?: string) => {
  const view = manifestView(text, lookup, 'default', { elsewhere: folder && file ? folder.besides(file) : [] });
  return {
    replicas: view.lenses.filter((l) => l.kind === 'replicas').map((l) => [l.title, l.changes.length] as const),
    applyAll: view.lenses.find((l) => l.kind === 'file')?.changes.filter((c) => c.type === 'replicas').map((c) => c.target.name),
  };
};

describe('manifest lens model: an HPA in another file of the folder', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mora-lens-hpa-'));
    mkdirSync(join(dir, 'web'));
    mkdirSync(join(dir, 'web', 'staging'));
    mkdirSync(join(dir, 'other'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('the replica lens is a note naming the HPA and its file, with nothing to apply; another workload still gets its lens', () => {
    const text = deployment('web', 2) + '---\n' + deployment('api', 2);
    const file = join(dir, 'web', 'deployment.yaml');
    writeFileSync(file, text);
    // Before: without the folder the lens offers to write the count the HPA owns, and "apply all" includes it.
    assert.deepEqual(replicaLenses(text).replicas, [['MOrA: replicas 2 → 3', 1], ['MOrA: replicas 2 → 4', 1]]);
    writeFileSync(join(dir, 'web', 'hpa.yaml'), hpa('web-hpa', 'web', 2, 8));
    const folder = new FolderAutoscalers();
    const got = replicaLenses(text, folder, file);
    assert.deepEqual(got.replicas, [
      ['MOrA: replicas left to the HPA web-hpa (2..8): keep its bounds (the 3 replicas the load needs are within them) (in hpa.yaml)', 0],
      ['MOrA: replicas 2 → 4', 1],
    ]);
    assert.deepEqual(got.applyAll, ['api']);
  });

  it('an HPA in a child folder, a sibling folder, a hidden file or a non-YAML file does not count', () => {
    const text = deployment('web', 2);
    const file = join(dir, 'web', 'deployment.yaml');
    writeFileSync(file, text);
    writeFileSync(join(dir, 'web', 'staging', 'hpa.yaml'), hpa('web', 'web', 2, 8));
    writeFileSync(join(dir, 'other', 'hpa.yaml'), hpa('web', 'web', 2, 8));
    writeFileSync(join(dir, 'web', '.hpa.yaml'), hpa('web', 'web', 2, 8));
    writeFileSync(join(dir, 'web', 'hpa.txt'), hpa('web', 'web', 2, 8));
    writeFileSync(join(dir, 'web', 'api-hpa.yaml'), hpa('api', 'api', 2, 8)); // another workload's
    assert.deepEqual(replicaLenses(text, new FolderAutoscalers(), file).replicas, [['MOrA: replicas 2 → 3', 1]]);
  });

  it('the file\'s own HPA is read from its live text, not again from disk', () => {
    const text = deployment('web', 2) + '---\n' + hpa('web', 'web', 2, 8);
    const file = join(dir, 'web', 'all.yaml');
    writeFileSync(file, deployment('web', 2)); // on disk without the HPA: the editor's unsaved text has it
    const folder = new FolderAutoscalers();
    assert.deepEqual(folder.besides(file), []);
    assert.deepEqual(replicaLenses(text, folder, file).replicas,
      [['MOrA: replicas left to the HPA web (2..8): keep its bounds (the 3 replicas the load needs are within them)', 0]]);
    writeFileSync(file, text);
    folder.invalidate(file);
    assert.deepEqual(folder.besides(file), [], 'its own file is left out of "besides"');
  });

  it('reads a folder once, and again only after a file of it changed (created, edited, deleted)', () => {
    const text = deployment('web', 2);
    const file = join(dir, 'web', 'deployment.yaml');
    writeFileSync(file, text);
    const folder = new FolderAutoscalers();
    for (let i = 0; i < 50; i++) replicaLenses(text, folder, file); // 50 keystrokes
    assert.equal(folder.reads, 1);
    assert.equal(folder.invalidate(join(dir, 'other', 'x.yaml')), false, 'a folder never read: nothing depends on it');
    const hpaFile = join(dir, 'web', 'hpa.yaml');
    writeFileSync(hpaFile, hpa('web', 'web', 2, 8));
    folder.invalidate(hpaFile);
    assert.match(replicaLenses(text, folder, file).replicas[0][0], /HPA web \(2\.\.8\).*\(in hpa\.yaml\)$/);
    writeFileSync(hpaFile, hpa('web', 'web', 1, 2));
    folder.invalidate(hpaFile);
    assert.deepEqual(replicaLenses(text, folder, file).replicas,
      [['MOrA: replicas left to the HPA web (1..2): raise maxReplicas to 3 (the load needs 3 replicas) (in hpa.yaml)', 0]]);
    unlinkSync(hpaFile);
    folder.invalidate(hpaFile);
    assert.deepEqual(replicaLenses(text, folder, file).replicas, [['MOrA: replicas 2 → 3', 1]]);
    assert.equal(folder.reads, 4);
  });

  it('a change whose watcher event was lost is seen at the next ask: a file created, an HPA edited, a file deleted', () => {
    const text = deployment('web', 2);
    const file = join(dir, 'web', 'deployment.yaml');
    writeFileSync(file, text);
    const folder = new FolderAutoscalers();
    assert.deepEqual(replicaLenses(text, folder, file).replicas, [['MOrA: replicas 2 → 3', 1]]);
    for (let i = 0; i < 20; i++) assert.equal(folder.changedOnDisk(file), false, 'nothing changed: no read');
    const hpaFile = join(dir, 'web', 'hpa.yaml');
    writeFileSync(hpaFile, hpa('web', 'web', 2, 8)); // no invalidate: the watcher's event never came
    assert.equal(folder.changedOnDisk(file), true);
    assert.match(replicaLenses(text, folder, file).replicas[0][0], /HPA web \(2\.\.8\).*\(in hpa\.yaml\)$/);
    writeFileSync(hpaFile, hpa('web', 'web', 1, 2), { flag: 'w' });
    utimesSync(hpaFile, new Date(), new Date(Date.now() + 5000)); // an edit within the same mtime tick still moves it
    assert.match(replicaLenses(text, folder, file).replicas[0][0], /HPA web \(1\.\.2\)/);
    unlinkSync(hpaFile);
    assert.deepEqual(replicaLenses(text, folder, file).replicas, [['MOrA: replicas 2 → 3', 1]]);
    assert.equal(folder.reads, 4);
  });

  it(`a folder of more than ${MAX_FOLDER_FILES} manifest files (a generated dump) is not read: the lens offers the count`, () => {
    const text = deployment('web', 2);
    const file = join(dir, 'web', 'deployment.yaml');
    writeFileSync(file, text);
    writeFileSync(join(dir, 'web', 'hpa.yaml'), hpa('web', 'web', 2, 8));
    const folder = new FolderAutoscalers();
    assert.equal(folder.besides(file).length, 1);
    for (let i = 0; i < MAX_FOLDER_FILES - 1; i++) writeFileSync(join(dir, 'web', `cm-${i}.yaml`), 'apiVersion: v1\nkind: ConfigMap\n');
    folder.invalidate(join(dir, 'web', 'cm-0.yaml'));
    assert.equal(folder.besides(file).length, 0, `${MAX_FOLDER_FILES + 1} files`);
    assert.deepEqual(replicaLenses(text, folder, file).replicas, [['MOrA: replicas 2 → 3', 1]]);
  });
});
