/**
 * `recommend --apply-to` with a kustomize patch that names no namespace of its own: kustomize applies it to what the
 * overlay's resources render, then puts the result in the overlay's `namespace:` — or, when the overlay sets none, it
 * stays where its bases put it (the patch matches the base's object by the id it had before the base's namespace).
 * So the patch is matched in that namespace, not in --default-namespace:
 * - overlays/prod (namespace: prod) patches web in a file of its own: prod/web's recommendation is written there (the
 *   folder given or the patch file). Before, the patch matched default/web only: nothing matched.
 * - overlays/dev (no namespace) over base (namespace: shop): shop/web's recommendation is written into dev's patch.
 * - overlays/prod lists web's manifest and patches its cpu inline: the inline patch holds prod/web, so the manifest is
 *   not edited under it. Before, the inline patch counted in default/web and the manifest was written while it won.
 * - a kustomization reached outside the path given that sets no namespace: its patches are in its bases' namespace.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WEB_DEPLOYMENT as DEPLOY, WEB_MEMORY_PATCH as PATCH, applyToReport as report, readTree as contents, recommendationFor, writeTree, INLINE_CPU_PATCH as INLINE, PROD_OVERLAY_TREE } from '../harness/manifest-tree';
import { applyToManifests } from '../../src/cli/commands/apply-to-manifests';
import { outsideReferences } from '../../src/cli/commands/kustomize-outside';

const tree = (files: Record<string, string>) => writeTree('mora-apply-patch-ns-', files);
const rec = (namespace: string) => recommendationFor({ namespace });


describe('recommend --apply-to: a patch without a namespace is matched where kustomize puts what it patches', () => {
  const prod = PROD_OVERLAY_TREE;

  it('the overlay\'s namespace: prod/web is written into its patch file (the folder given, or the patch file)', () => {
    for (const given of ['overlays/prod', 'overlays/prod/resources.yaml']) {
      const root = tree(prod);
      for (const dryRun of [true, false]) {
        const results = applyToManifests(join(root, given), [rec('prod')], 'default', false, { dryRun });
        const { err, failure } = report(results);
        assert.equal(failure, undefined, `${given}: ${err}`);
        if (dryRun) assert.match(results.find((r) => r.file.endsWith('resources.yaml'))?.diff ?? '', /\+ +cpu: 200m/);
      }
      const after = contents(root, prod);
      assert.match(after['overlays/prod/resources.yaml'], /cpu: 200m/);
      assert.deepEqual({ ...after, 'overlays/prod/resources.yaml': '' }, { ...prod, 'overlays/prod/resources.yaml': '' }, given);
    }
  });

  it('the base\'s namespace, when the overlay sets none: shop/web is written into the overlay\'s patch', () => {
    const files = {
      'base/deployment.yaml': DEPLOY, 'base/kustomization.yaml': 'namespace: shop\nresources:\n- deployment.yaml\n',
      'overlays/dev/kustomization.yaml': 'resources:\n- ../../base\npatchesStrategicMerge:\n- resources.yaml\n', 'overlays/dev/resources.yaml': PATCH,
    };
    const root = tree(files);
    const { err, failure } = report(applyToManifests(join(root, 'overlays/dev'), [rec('shop')], 'default'));
    assert.equal(failure, undefined, err);
    assert.match(readFileSync(join(root, 'overlays/dev/resources.yaml'), 'utf8'), /cpu: 200m/);
    assert.equal(readFileSync(join(root, 'base/deployment.yaml'), 'utf8'), DEPLOY);
    // Not in the default namespace any more: default/web matches nothing there.
    const root2 = tree(files);
    assert.match(report(applyToManifests(join(root2, 'overlays/dev'), [rec('default')], 'default')).failure ?? '', /nothing matched/);
    assert.deepEqual(contents(root2, files), files);
  });

  it('an inline patch of an overlay with namespace: prod holds prod/web: the manifest it patches is not written', () => {
    const files = { 'overlays/prod/deployment.yaml': DEPLOY, 'overlays/prod/kustomization.yaml': `namespace: prod\nresources:\n- deployment.yaml\n${INLINE}` };
    const root = tree(files);
    for (const dryRun of [true, false]) {
      const results = applyToManifests(join(root, 'overlays/prod'), [rec('prod')], 'default', false, { dryRun });
      const { err, failure } = report(results);
      assert.match(failure ?? '', /could not be updated/);
      assert.match(err, new RegExp(`deployment\\.yaml: prod/Deployment/web/web is in 2 files: .*deployment\\.yaml, .*kustomization\\.yaml \\(inline patch patches\\[0\\], line 5\\); `
        + 'nothing was written: the overlay\'s inline patch wins over the base'));
      assert.equal(results.some((r) => r.diff !== undefined), false);
    }
    assert.deepEqual(contents(root, files), files);
  });

  it('outside the path given: a kustomization without a namespace gives its patches its bases\' namespace', () => {
    const files = {
      'base/deployment.yaml': DEPLOY, 'base/kustomization.yaml': 'namespace: shop\nresources:\n- deployment.yaml\n',
      'overlays/dev/kustomization.yaml': `resources:\n- ../../base\n${INLINE}`,
      'overlays/dev/extra.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n',
    };
    const root = tree(files);
    const refs = outsideReferences([], [join(root, 'overlays/dev/extra.yaml')], join(root, 'overlays/dev/extra.yaml'));
    const patch = refs.holders.find((h) => h.patch);
    assert.deepEqual(patch?.containers.map((c) => `${c.namespace}/${c.kind}/${c.name}/${c.container}`), ['shop/Deployment/web/web']);
  });
});
