/**
 * `mora manifests apply <dir>` with a kustomize patch that names no namespace of its own: kustomize applies it to what
 * the overlay's resources render, then puts the result in the overlay's `namespace:` (or, when the overlay sets none,
 * it stays where its bases put it). So the patch holds the target in that namespace, as `recommend --apply-to` matches
 * it (kustomize-namespace.ts), not in --default-namespace:
 * - overlays/prod (namespace: prod) patches web in a file of its own: `prod/Deployment/web/web` is written there, and
 *   `Deployment/web/web` over the whole tree names the prefixes that tell base and overlay apart. Before, the patch
 *   counted as default/web: `prod/…` was refused (only outside the path given, or in no file) and `default/…` found two files.
 * - overlays/dev (no namespace) over base (namespace: shop): `shop/…` is written into dev's patch.
 * - overlays/prod patches web's cpu inline: `prod/…` is refused naming the inline patch, `default/…` edits the base.
 * - a file the kustomization of its folder lists under `resources` with `namespace: prod` is prod/web, as kustomize renders it.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { WEB_DEPLOYMENT as DEPLOY, WEB_MEMORY_PATCH as PATCH, readTree, stderrOf, writeTree, INLINE_CPU_PATCH as INLINE, PROD_OVERLAY_TREE } from '../harness/manifest-tree';
import { planMany } from '../../src/cli/commands/manifests-apply-many';
import { parseChangeSpecs } from '../../src/manifests/targets';

const tree = (files: Record<string, string>) => writeTree('mora-manifests-patch-ns-', files);
/** planMany over `given` (relative to `root`) for one --set; the files it would change (relative) and stderr, or the refusal. */
function plan(root: string, given: string, set: string): { files?: Record<string, string>; err: string; refusal?: string } {
  try {
    const { value, err } = stderrOf(() => planMany([join(root, given)], parseChangeSpecs({ set: [set] }), 'default'));
    return { files: Object.fromEntries(value.map((p) => [p.file.slice(root.length + 1).split('\\').join('/'), p.after])), err };
  } catch (e) {
    return { err: '', refusal: (e as Error).message };
  }
}


describe('manifests apply: a patch without a namespace holds the target where kustomize puts what it patches', () => {
  const prod = PROD_OVERLAY_TREE;

  it('the overlay\'s namespace: prod/… is written into its patch file; default/… is not', () => {
    const root = tree(prod);
    const r = plan(root, 'overlays/prod', 'prod/Deployment/web/web=cpu=100m');
    assert.equal(r.refusal, undefined);
    assert.deepEqual(Object.keys(r.files ?? {}), ['overlays/prod/resources.yaml']);
    assert.match(r.files?.['overlays/prod/resources.yaml'] ?? '', /cpu: 100m/);
    assert.match(r.files?.['overlays/prod/resources.yaml'] ?? '', /memory: 1Gi/);
    // The patch renders prod/web, not default/web: default/… is found only in the base outside, never written there.
    assert.match(plan(root, 'overlays/prod', 'default/Deployment/web/web=cpu=100m').refusal ?? '', /nothing was written/);
    assert.deepEqual(readTree(root, prod), prod);
  });

  it('the whole tree: a target without a namespace names default/ and prod/; each prefix reaches its own file', () => {
    const root = tree(prod);
    assert.match(plan(root, '.', 'Deployment/web/web=cpu=100m').refusal ?? '',
      /Deployment\/web\/web is in 2 files: .*; nothing was written: apply to one file, or prefix the target with default\/ or prod\/ \(no namespace counts as default\)/);
    assert.deepEqual(Object.keys(plan(root, '.', 'prod/Deployment/web/web=cpu=100m').files ?? {}), ['overlays/prod/resources.yaml']);
    const base = plan(root, '.', 'default/Deployment/web/web=cpu=100m');
    assert.equal(base.refusal, undefined);
    assert.deepEqual(Object.keys(base.files ?? {}), ['base/deployment.yaml']);
    assert.deepEqual(readTree(root, prod), prod);
  });

  it('the bases\' namespace, when the overlay sets none: shop/… is written into the overlay\'s patch', () => {
    const files = {
      'base/deployment.yaml': DEPLOY, 'base/kustomization.yaml': 'namespace: shop\nresources:\n- deployment.yaml\n',
      'overlays/dev/kustomization.yaml': 'resources:\n- ../../base\npatchesStrategicMerge:\n- resources.yaml\n', 'overlays/dev/resources.yaml': PATCH,
    };
    const root = tree(files);
    const r = plan(root, 'overlays/dev', 'shop/Deployment/web/web=cpu=100m');
    assert.equal(r.refusal, undefined);
    assert.deepEqual(Object.keys(r.files ?? {}), ['overlays/dev/resources.yaml']);
    assert.match(r.files?.['overlays/dev/resources.yaml'] ?? '', /cpu: 100m/);
  });

  it('a resource of a kustomization with namespace: prod is prod/…, whatever its own (none) says', () => {
    const files = { 'app/kustomization.yaml': 'namespace: prod\nresources:\n- deployment.yaml\n', 'app/deployment.yaml': DEPLOY };
    const root = tree(files);
    const r = plan(root, 'app', 'prod/Deployment/web/web=cpu=100m');
    assert.equal(r.refusal, undefined);
    assert.match(r.files?.['app/deployment.yaml'] ?? '', /cpu: 100m/);
    assert.match(plan(root, 'app', 'default/Deployment/web/web=cpu=100m').refusal ?? '', /^no default\/Deployment\/web\/web in 2 files read; nothing was written; workloads found: prod\/Deployment\/web$/);
    assert.deepEqual(readTree(root, files), files);
  });

  it('an inline patch of overlays/prod holds prod/web: prod/… is refused naming it, default/… edits the base', () => {
    const files = {
      'base/deployment.yaml': DEPLOY, 'base/kustomization.yaml': 'resources:\n- deployment.yaml\n',
      'overlays/prod/kustomization.yaml': `namespace: prod\nresources:\n- ../../base\n${INLINE}`,
    };
    const root = tree(files);
    assert.match(plan(root, '.', 'prod/Deployment/web/web=cpu=100m').refusal ?? '',
      /prod\/Deployment\/web\/web is set only in .*kustomization\.yaml \(inline patch patches\[0\], line \d+\); MOrA does not edit/);
    const base = plan(root, '.', 'default/Deployment/web/web=cpu=100m');
    assert.equal(base.refusal, undefined);
    assert.deepEqual(Object.keys(base.files ?? {}), ['base/deployment.yaml']);
    assert.deepEqual(readTree(root, files), files);
  });
});
