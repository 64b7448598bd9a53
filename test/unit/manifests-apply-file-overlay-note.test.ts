/**
 * `mora manifests apply <file>` says what the kustomization of the file's folder renders the edit as when that is
 * another name or namespace (`namePrefix: canary-`), as the folder path and `recommend --apply-to <file>` say it
 * (kustomize-overlays.ts, one note per file, workload and kustomization; the edit is still written, exit 0).
 * Before, the single-file path said nothing.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { WEB_DEPLOYMENT as DEPLOY, readTree, writeTree } from '../harness/manifest-tree';
import { mora } from './helpers/run-cli';

describe('manifests apply <file>: the note of a kustomization rendering it under another name', () => {
  const files = { 'app/deployment.yaml': DEPLOY, 'app/kustomization.yaml': 'namePrefix: canary-\nresources:\n- deployment.yaml\n' };

  it('notes canary-web once, as the folder given does, and still edits (--diff, printing, --in-place)', async () => {
    const root = writeTree('mora-apply-file-note-', files);
    const file = join(root, 'app/deployment.yaml');
    const note = `mora: note: ${file}: also rendered by ${join(root, 'app/kustomization.yaml')} as default/Deployment/canary-web: this edit changes `
      + `its cpu request too (no patch of ${join(root, 'app')} sets it); apply to ${file} only if that is meant, or add that value to a patch in ${join(root, 'app')}\n`;
    const folder = await mora(['manifests', 'apply', join(root, 'app'), '--set', 'Deployment/web/web=cpu=100m', '--diff']);
    assert.equal(folder.code, 0, folder.err);
    assert.ok(folder.err.includes(note), folder.err);
    for (const mode of [['--diff'], [], ['--in-place']]) {
      const r = await mora(['manifests', 'apply', file, '--set', 'Deployment/web/web=cpu=100m', ...mode]);
      assert.equal(r.code, 0, r.err);
      assert.equal(r.err.split(note).length, 2, `${mode.join(' ')}: ${r.err}`);
      if (mode.length === 0) assert.match(r.out, /cpu: 100m/);
    }
    assert.deepEqual(readTree(root, files), { ...files, 'app/deployment.yaml': DEPLOY.replace('cpu: 500m', 'cpu: 100m') });
  });

  it('a file no kustomization renders elsewhere, and a value it already has: no note', async () => {
    const root = writeTree('mora-apply-file-note-', files);
    const file = join(root, 'app/deployment.yaml');
    const same = await mora(['manifests', 'apply', file, '--set', 'Deployment/web/web=cpu=500m', '--diff']);
    assert.equal(same.code, 0, same.err);
    assert.doesNotMatch(same.err, /also rendered/);
    const plain = writeTree('mora-apply-file-note-', { 'app/deployment.yaml': DEPLOY, 'app/kustomization.yaml': 'resources:\n- deployment.yaml\n' });
    const r = await mora(['manifests', 'apply', join(plain, 'app/deployment.yaml'), '--set', 'Deployment/web/web=cpu=100m', '--diff']);
    assert.equal(r.code, 0, r.err);
    assert.doesNotMatch(r.err, /also rendered/);
  });
});
