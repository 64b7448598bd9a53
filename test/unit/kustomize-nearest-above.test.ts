/**
 * A file or folder given below its kustomization (overlays/prod/patches/cpu.yaml, or the folder overlays/prod/patches)
 * is placed by the nearest kustomization in the folders above it (kustomize-namespace.ts): read only, the search stops
 * at the first folder holding one, at a git work-tree root (a folder with .git) or after 5 levels. Before, only the
 * kustomizations of the folders read were looked at: the patch file counted in --default-namespace, so prod/web's
 * recommendation matched nothing in it and `manifests apply overlays/prod/patches --set prod/…` was refused.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WEB_DEPLOYMENT as DEPLOY, WEB_MEMORY_PATCH as PATCH, applyToReport as report, readTree, recommendationFor, stderrOf, writeTree } from '../harness/manifest-tree';
import { applyToManifests } from '../../src/cli/commands/apply-to-manifests';
import { planMany } from '../../src/cli/commands/manifests-apply-many';
import { kustomizeNamespaces } from '../../src/cli/commands/kustomize-namespace';
import { parseChangeSpecs } from '../../src/manifests/targets';
import { mora } from './helpers/run-cli';

const tree = (files: Record<string, string>) => writeTree('mora-kust-above-', files);
const files = {
  'base/deployment.yaml': DEPLOY, 'base/kustomization.yaml': 'resources:\n- deployment.yaml\n',
  'overlays/prod/kustomization.yaml': 'namespace: prod\nresources:\n- ../../base\npatches:\n- path: patches/cpu.yaml\n', 'overlays/prod/patches/cpu.yaml': PATCH,
};

describe('a file given below its kustomization is placed by the nearest one above it', () => {
  it('recommend --apply-to the patch file and its folder: prod/web\'s values are written into it, nothing else', () => {
    for (const given of ['overlays/prod/patches/cpu.yaml', 'overlays/prod/patches']) {
      const root = tree(files);
      const { err, failure } = report(applyToManifests(join(root, given), [recommendationFor({ namespace: 'prod' })], 'default'));
      assert.equal(failure, undefined, `${given}: ${err}`);
      assert.deepEqual(readTree(root, files), { ...files, 'overlays/prod/patches/cpu.yaml': readFileSync(join(root, 'overlays/prod/patches/cpu.yaml'), 'utf8') });
      assert.match(readFileSync(join(root, 'overlays/prod/patches/cpu.yaml'), 'utf8'), /cpu: 200m/, given);
    }
  });

  it('manifests apply the folder and the file: prod/… edits the patch, default/… is not found there', async () => {
    const root = tree(files);
    const { value } = stderrOf(() => planMany([join(root, 'overlays/prod/patches')], parseChangeSpecs({ set: ['prod/Deployment/web/web=cpu=100m'] }), 'default'));
    assert.deepEqual(value.map((p) => p.file), [join(root, 'overlays/prod/patches/cpu.yaml')]);
    const file = join(root, 'overlays/prod/patches/cpu.yaml');
    const r = await mora(['manifests', 'apply', file, '--set', 'prod/Deployment/web/web=cpu=100m', '--diff']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^\+\s+cpu: 100m$/m);
    const d = await mora(['manifests', 'apply', file, '--set', 'default/Deployment/web/web=cpu=100m', '--diff']);
    assert.equal(d.code, 2);
    assert.match(d.err, /no default\/Deployment\/web\/web in 1 file read/);
    assert.deepEqual(readTree(root, files), files);
  });

  it('stops at the first kustomization, at a folder with .git, and after 5 levels', () => {
    const at = (root: string, f: string) => kustomizeNamespaces([join(root, f)]).get(join(root, f))?.namespace;
    // The nearest one does not list it: the one above that would is not looked at.
    const nearest = tree({ ...files, 'overlays/prod/patches/kustomization.yaml': 'resources: []\n' });
    assert.equal(at(nearest, 'overlays/prod/patches/cpu.yaml'), undefined);
    // A git work tree at overlays/prod/patches: nothing above it is read.
    const git = tree(files);
    mkdirSync(join(git, 'overlays/prod/patches/.git'));
    assert.equal(at(git, 'overlays/prod/patches/cpu.yaml'), undefined);
    // 5 levels up is looked at, 6 is not.
    const five = tree({ 'kustomization.yaml': 'namespace: prod\npatches:\n- path: a/b/c/d/e/cpu.yaml\n- path: a/b/c/d/e/f/cpu.yaml\n',
      'a/b/c/d/e/cpu.yaml': PATCH, 'a/b/c/d/e/f/cpu.yaml': PATCH });
    assert.equal(at(five, 'a/b/c/d/e/cpu.yaml'), 'prod');
    assert.equal(at(five, 'a/b/c/d/e/f/cpu.yaml'), undefined);
  });
});
