/**
 * `mora manifests apply <file>`: the kustomization of the file's folder is read as `recommend --apply-to <file>` reads
 * it (kustomize-outside.ts, kustomize-namespace.ts) — never written, and nothing but the file given is written:
 * - app/kustomization.yaml (namespace: shop) lists app/deployment.yaml: web renders as shop/web, so `shop/…` edits it
 *   and `default/…` is not found there. Before, the file was read alone: `shop/…` was 'no … in this file', `default/…` edited it.
 * - an inline patch of app/kustomization.yaml sets web's cpu: it wins over an edit of app/deployment.yaml, so the run
 *   is refused naming it (--in-place, --diff and printing alike). Before, the file was written and the patch still won.
 * - the file given is overlays/prod's patch file (namespace: prod): `prod/…` is written into it, as a folder given does.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { WEB_DEPLOYMENT as DEPLOY, WEB_MEMORY_PATCH as PATCH, readTree, writeTree, INLINE_CPU_PATCH } from '../harness/manifest-tree';
import { mora } from './helpers/run-cli';

const tree = (files: Record<string, string>) => writeTree('mora-apply-file-kust-', files);
const INLINE = 'resources:\n- deployment.yaml\n' + INLINE_CPU_PATCH;

describe('manifests apply <file> reads the kustomization of its folder', () => {
  const shop = { 'app/deployment.yaml': DEPLOY, 'app/kustomization.yaml': 'namespace: shop\nresources:\n- deployment.yaml\n' };

  it('a namespace: set by the kustomization: shop/… edits the file, default/… is not found in it', async () => {
    const root = tree(shop);
    const file = join(root, 'app/deployment.yaml');
    const diff = await mora(['manifests', 'apply', file, '--set', 'shop/Deployment/web/web=cpu=100m', '--diff']);
    assert.equal(diff.code, 0, diff.err);
    assert.match(diff.out, /^-\s+cpu: 500m$/m);
    assert.match(diff.out, /^\+\s+cpu: 100m$/m);
    const r = await mora(['manifests', 'apply', file, '--set', 'default/Deployment/web/web=cpu=100m', '--in-place']);
    assert.equal(r.code, 2);
    assert.match(r.err, /no default\/Deployment\/web\/web in 1 file read; nothing was written; workloads found: shop\/Deployment\/web/);
    assert.deepEqual(readTree(root, shop), shop);
    const ok = await mora(['manifests', 'apply', file, '--set', 'shop/Deployment/web/web=cpu=100m', '--in-place']);
    assert.equal(ok.code, 0, ok.err);
    assert.deepEqual(readTree(root, shop), { ...shop, 'app/deployment.yaml': DEPLOY.replace('cpu: 500m', 'cpu: 100m') });
  });

  it('an inline patch of the kustomization that sets web\'s cpu: refused naming it, nothing written (--in-place, --diff, printing)', async () => {
    const files = { 'app/deployment.yaml': DEPLOY, 'app/kustomization.yaml': INLINE };
    const root = tree(files);
    const file = join(root, 'app/deployment.yaml');
    for (const mode of [['--in-place'], ['--diff'], []]) {
      const r = await mora(['manifests', 'apply', file, '--set', 'Deployment/web/web=cpu=100m', ...mode]);
      assert.equal(r.code, 2, mode.join(' '));
      assert.equal(r.out, '', mode.join(' '));
      assert.match(r.err, new RegExp(`Deployment/web/web is in ${file.replace(/[\\.]/g, '\\$&')}, but a patch outside the path given sets it too: `
        + `\\S*app/kustomization\\.yaml \\(inline patch patches\\[0\\], line 4\\), reached by the kustomization of its folder .*that patch wins over an edit here, so nothing was written`));
      assert.deepEqual(readTree(root, files), files);
    }
  });

  it('the file given is the overlay\'s patch file: prod/… is written into it, nothing else is', async () => {
    const files = {
      'base/deployment.yaml': DEPLOY, 'base/kustomization.yaml': 'resources:\n- deployment.yaml\n',
      'overlays/prod/kustomization.yaml': 'namespace: prod\nresources:\n- ../../base\npatches:\n- path: resources.yaml\n', 'overlays/prod/resources.yaml': PATCH,
    };
    const root = tree(files);
    const r = await mora(['manifests', 'apply', join(root, 'overlays/prod/resources.yaml'), '--set', 'prod/Deployment/web/web=cpu=100m', '--in-place']);
    assert.equal(r.code, 0, r.err);
    const after = readTree(root, files);
    assert.match(after['overlays/prod/resources.yaml'], /cpu: 100m/);
    assert.match(after['overlays/prod/resources.yaml'], /memory: 1Gi/);
    assert.deepEqual({ ...after, 'overlays/prod/resources.yaml': PATCH }, files);
  });

  it('a file no kustomization lists is edited as before', async () => {
    const files = { 'app/deployment.yaml': DEPLOY, 'app/kustomization.yaml': 'namespace: shop\nresources:\n- other.yaml\n', 'app/other.yaml': 'kind: ConfigMap\n' };
    const root = tree(files);
    const r = await mora(['manifests', 'apply', join(root, 'app/deployment.yaml'), '--set', 'default/Deployment/web/web=cpu=100m', '--in-place']);
    assert.equal(r.code, 0, r.err);
    assert.match(readTree(root, files)['app/deployment.yaml'], /cpu: 100m/);
  });
});
