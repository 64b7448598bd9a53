/**
 * A file that a kustomization lists from a subfolder of its own — a patch file (`patches: - path: patches/cpu.yaml`,
 * `patchesStrategicMerge: [patches/cpu.yaml]`) or a resource (`resources: [deploy/web.yaml]`) — is placed in the
 * namespace that kustomization renders it in, as one beside it is (kustomize-namespace.ts), by `recommend --apply-to`
 * and `manifests apply`. Before, only the kustomization of the file's own folder was looked at: the subfolder's file
 * counted in --default-namespace (prod/web's recommendation matched nothing, `prod/…` was refused).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WEB_DEPLOYMENT as DEPLOY, WEB_MEMORY_PATCH as PATCH, applyToReport as report, readTree, recommendationFor, stderrOf, writeTree } from '../harness/manifest-tree';
import { applyToManifests } from '../../src/cli/commands/apply-to-manifests';
import { planMany } from '../../src/cli/commands/manifests-apply-many';
import { kustomizeNamespaces } from '../../src/cli/commands/kustomize-namespace';
import { parseChangeSpecs } from '../../src/manifests/targets';

const tree = (files: Record<string, string>) => writeTree('mora-kust-subfolder-', files);
const BASE = { 'base/deployment.yaml': DEPLOY, 'base/kustomization.yaml': 'resources:\n- deployment.yaml\n' };

/** planMany over `given` (relative to `root`) for one --set: the files it would change (relative), or the refusal. */
function plan(root: string, given: string, set: string): { files?: string[]; refusal?: string } {
  try {
    const { value } = stderrOf(() => planMany([join(root, given)], parseChangeSpecs({ set: [set] }), 'default'));
    return { files: value.map((p) => p.file.slice(root.length + 1).split('\\').join('/')) };
  } catch (e) {
    return { refusal: (e as Error).message };
  }
}

describe('a file a kustomization lists from a subfolder is in that kustomization\'s namespace', () => {
  const patches = {
    'patches:\n- path: patches/cpu.yaml\n': 'patches - path:',
    'patchesStrategicMerge:\n- patches/cpu.yaml\n': 'patchesStrategicMerge',
  };
  for (const [field, name] of Object.entries(patches)) {
    const files = { ...BASE, 'overlays/prod/kustomization.yaml': `namespace: prod\nresources:\n- ../../base\n${field}`, 'overlays/prod/patches/cpu.yaml': PATCH };

    it(`a patch file in a subfolder (${name}): recommend --apply-to writes prod/web's values into it`, () => {
      const root = tree(files);
      const { err, failure } = report(applyToManifests(join(root, 'overlays/prod'), [recommendationFor({ namespace: 'prod' })], 'default'));
      assert.equal(failure, undefined, err);
      assert.match(readFileSync(join(root, 'overlays/prod/patches/cpu.yaml'), 'utf8'), /cpu: 200m/);
      assert.equal(readFileSync(join(root, 'base/deployment.yaml'), 'utf8'), DEPLOY);
    });

    it(`a patch file in a subfolder (${name}): manifests apply finds prod/… there, over the overlay and over the whole tree`, () => {
      const root = tree(files);
      assert.deepEqual(plan(root, 'overlays/prod', 'prod/Deployment/web/web=cpu=100m'), { files: ['overlays/prod/patches/cpu.yaml'] });
      assert.deepEqual(plan(root, '.', 'prod/Deployment/web/web=cpu=100m'), { files: ['overlays/prod/patches/cpu.yaml'] });
      assert.deepEqual(plan(root, '.', 'default/Deployment/web/web=cpu=100m'), { files: ['base/deployment.yaml'] });
      assert.deepEqual(readTree(root, files), files);
    });
  }

  it('a resource in a subfolder: matched in the kustomization\'s namespace by both commands', () => {
    const files = { 'app/kustomization.yaml': 'namespace: shop\nresources:\n- deploy/web.yaml\n', 'app/deploy/web.yaml': DEPLOY };
    const root = tree(files);
    assert.deepEqual([...kustomizeNamespaces([join(root, 'app/deploy/web.yaml'), join(root, 'app/kustomization.yaml')])]
      .map(([f, k]) => [f.slice(root.length + 1).split('\\').join('/'), k.namespace, k.kustomization.slice(root.length + 1).split('\\').join('/')]),
    [['app/deploy/web.yaml', 'shop', 'app/kustomization.yaml'], ['app/kustomization.yaml', 'shop', 'app/kustomization.yaml']]);
    assert.deepEqual(plan(root, 'app', 'shop/Deployment/web/web=cpu=100m'), { files: ['app/deploy/web.yaml'] });
    assert.match(plan(root, 'app', 'default/Deployment/web/web=cpu=100m').refusal ?? '', /^no default\/Deployment\/web\/web in 2 files read/);
    const { err, failure } = report(applyToManifests(join(root, 'app'), [recommendationFor({ namespace: 'shop' })], 'default'));
    assert.equal(failure, undefined, err);
    assert.match(readFileSync(join(root, 'app/deploy/web.yaml'), 'utf8'), /cpu: 200m/);
  });

  it('a file listed from outside the kustomization\'s folder (kustomize refuses it) is not placed by it', () => {
    const root = tree({ 'app/kustomization.yaml': 'namespace: shop\nresources:\n- ../other/web.yaml\n', 'other/web.yaml': DEPLOY });
    assert.equal(kustomizeNamespaces([join(root, 'app/kustomization.yaml'), join(root, 'other/web.yaml')]).has(join(root, 'other/web.yaml')), false);
  });
});
