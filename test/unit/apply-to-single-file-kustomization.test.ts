/**
 * `recommend --apply-to <file>`: the kustomization of the file's folder is read as a folder target reads it — never
 * written, and nothing but the file given is written:
 * - app/kustomization.yaml sets `namespace: shop` and lists app/deployment.yaml: web renders in shop, so it is matched
 *   against shop's recommendations. Before, the file (and the folder app/ alike) matched in --default-namespace only.
 * - app/kustomization.yaml's inline patch sets web's cpu: it wins over an edit of app/deployment.yaml, so the run is
 *   refused naming the patch (a dry run too). Before, app/deployment.yaml was written and the patch still won.
 * - the file given is the overlay's patch file: it wins over the base, so it is written as before.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WEB_DEPLOYMENT as DEPLOY, WEB_MEMORY_PATCH as PATCH, applyToReport as report, readTree as contents, recommendationFor, writeTree, INLINE_CPU_PATCH } from '../harness/manifest-tree';
import { applyToManifests } from '../../src/cli/commands/apply-to-manifests';

const tree = (files: Record<string, string>) => writeTree('mora-apply-file-kust-', files);
const rec = (namespace: string, name = 'web') => recommendationFor({ namespace, name });

const INLINE = 'resources:\n- deployment.yaml\n' + INLINE_CPU_PATCH;

describe('recommend --apply-to <file> reads the kustomization of its folder', () => {
  const shop = { 'app/deployment.yaml': DEPLOY, 'app/kustomization.yaml': 'namespace: shop\nresources:\n- deployment.yaml\n' };

  it('a namespace: set by the kustomization: the file is matched in it (the file given, and the folder)', () => {
    for (const given of ['app/deployment.yaml', 'app']) {
      const root = tree(shop);
      const { err, failure } = report(applyToManifests(join(root, given), [rec('shop')], 'default'));
      assert.equal(failure, undefined, err);
      assert.match(readFileSync(join(root, 'app/deployment.yaml'), 'utf8'), /cpu: 200m/, given);
      assert.equal(readFileSync(join(root, 'app/kustomization.yaml'), 'utf8'), shop['app/kustomization.yaml']);
    }
  });

  it('a recommendation in --default-namespace does not match a file the kustomization puts in shop, and says why', () => {
    const root = tree(shop);
    const results = applyToManifests(join(root, 'app/deployment.yaml'), [rec('default')], 'default');
    assert.deepEqual(results.map((r) => r.skipped),
      [`no matching recommendation in namespace shop, which ${join(root, 'app/kustomization.yaml')} puts it in`]);
    assert.deepEqual(contents(root, shop), shop);
  });

  it('an inline patch of the kustomization that sets web\'s cpu: refused naming it, nothing written, the dry run the same', () => {
    const files = { 'app/deployment.yaml': DEPLOY, 'app/kustomization.yaml': INLINE };
    const root = tree(files);
    for (const dryRun of [true, false]) {
      const results = applyToManifests(join(root, 'app/deployment.yaml'), [rec('default')], 'default', false, { dryRun });
      const { err, failure } = report(results);
      assert.match(failure ?? '', /1 of 1 file could not be updated/);
      assert.equal(results[0].diff, undefined);
      assert.equal(err, `mora: ${join(root, 'app/deployment.yaml')}: default/Deployment/web/web is in ${join(root, 'app/deployment.yaml')}, but a patch outside `
        + `the path given sets it too: ${join(root, 'app/kustomization.yaml')} (inline patch patches[0], line 4), reached by the kustomization of its folder `
        + `(${join(root, 'app/kustomization.yaml')}); that patch wins over an edit here, so nothing was written: change it there by hand (MOrA writes no file outside the path given)\n`);
      assert.deepEqual(contents(root, files), files);
    }
  });

  it('the file given is the overlay\'s patch file: it wins over the base, so it is written; nothing else is', () => {
    const files = {
      'base/deployment.yaml': DEPLOY, 'base/kustomization.yaml': 'resources:\n- deployment.yaml\n',
      'overlays/prod/kustomization.yaml': 'resources:\n- ../../base\npatches:\n- path: resources.yaml\n', 'overlays/prod/resources.yaml': PATCH,
    };
    const root = tree(files);
    const { err, failure } = report(applyToManifests(join(root, 'overlays/prod/resources.yaml'), [rec('default')], 'default'));
    assert.equal(failure, undefined, err);
    const after = contents(root, files);
    assert.match(after['overlays/prod/resources.yaml'], /cpu: 200m/);
    assert.deepEqual({ ...after, 'overlays/prod/resources.yaml': '' }, { ...files, 'overlays/prod/resources.yaml': '' });
  });

  it('a kustomization with no namespace and no patch of it: the file is written as before, the kustomization untouched', () => {
    const files = { 'base/deployment.yaml': DEPLOY, 'base/kustomization.yaml': 'resources:\n- deployment.yaml\n' };
    const root = tree(files);
    const { err, failure } = report(applyToManifests(join(root, 'base/deployment.yaml'), [rec('default')], 'default'));
    assert.equal(failure, undefined, err);
    assert.match(readFileSync(join(root, 'base/deployment.yaml'), 'utf8'), /cpu: 200m/);
    assert.equal(readFileSync(join(root, 'base/kustomization.yaml'), 'utf8'), files['base/kustomization.yaml']);
  });
});
