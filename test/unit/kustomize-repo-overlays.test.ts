/**
 * `recommend --apply-to base/` and `mora manifests apply base/` (or base/deployment.yaml) look for the overlays that
 * render the base from outside the path given: the repository root (the nearest folder with .git at or above the path,
 * 5 folders up at most) is walked for kustomization files (hidden folders, node_modules and the path given left out;
 * 200 kustomization files at most, said when capped), and each is a root of the overlay note / refusal as one under
 * the path given is. Before, only the kustomizations under the path were looked at: editing base/ for default/web
 * changed prod/web without a word.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { WEB_DEPLOYMENT as DEPLOY, WEB_MEMORY_PATCH as PATCH, applyToReport as report, readTree, recommendationFor, writeTree } from '../harness/manifest-tree';
import { applyToManifests } from '../../src/cli/commands/apply-to-manifests';
import { repoKustomizations, repositoryRoot } from '../../src/cli/commands/kustomize-repo';
import { mora } from './helpers/run-cli';

const files = {
  'base/deployment.yaml': DEPLOY, 'base/kustomization.yaml': 'resources:\n- deployment.yaml\n',
  'overlays/prod/kustomization.yaml': 'namespace: prod\nresources:\n- ../../base\npatches:\n- path: web.yaml\n', 'overlays/prod/web.yaml': PATCH,
};
/** The tree in a git work tree (a `.git` folder at its root), or not. */
const tree = (extra: Record<string, string> = {}, git = true) => {
  const root = writeTree('mora-kust-repo-', { ...files, ...extra });
  if (git) mkdirSync(join(root, '.git'));
  return root;
};
/** `patches`: what the note says of the overlay's patches (recommend also writes the memory request, which prod's patch sets). */
const noteFor = (root: string, given: string, patches = 'its patches set only the memory request') => `also rendered by ${join(root, 'overlays/prod/kustomization.yaml')} `
  + `as prod/Deployment/web: this edit changes its cpu request too (${patches}); ${given} only if that is meant, or add that value to a patch in ${join(root, 'overlays/prod')}`;

describe('the overlays of the repository around the path given', () => {
  it('recommend --apply-to base/ and base/deployment.yaml: the note for overlays/prod, and the refusal when prod/web\'s recommendation differs', () => {
    for (const given of ['base', 'base/deployment.yaml']) {
      const root = tree();
      const noted = applyToManifests(join(root, given), [recommendationFor()], 'default', false, { dryRun: true });
      assert.ok((noted[0].notes ?? []).includes(noteFor(root, `give --apply-to ${join(root, 'base/deployment.yaml')}`)), `${given}: ${JSON.stringify(noted)}`);
      const { err, failure } = report(applyToManifests(join(root, given), [recommendationFor(), recommendationFor({ namespace: 'prod', cpu: 0.75 })], 'default'));
      assert.match(failure ?? '', /could not be updated/, `${given}: ${err}`);
      assert.match(err, /also rendered by .*overlays\/prod\/kustomization\.yaml as prod\/Deployment\/web, whose own recommendation sets the cpu request to 750m/);
      assert.deepEqual(readTree(root, files), files);
    }
  });

  it('manifests apply base/ and base/deployment.yaml: the note, once, and the edit written', async () => {
    for (const given of ['base', 'base/deployment.yaml']) {
      const root = tree();
      const r = await mora(['manifests', 'apply', join(root, given), '--set', 'default/Deployment/web/web=cpu=100m', '--in-place']);
      assert.equal(r.code, 0, r.err);
      const note = `mora: note: ${join(root, 'base/deployment.yaml')}: ${noteFor(root, `apply to ${join(root, 'base/deployment.yaml')}`, `no patch of ${join(root, 'overlays/prod')} sets it`)}\n`;
      assert.equal(r.err.split(note).length, 2, `${given}: ${r.err}`);
      assert.match(readTree(root, files)['base/deployment.yaml'], /cpu: 100m/);
    }
  });

  it('no .git within 5 folders up, or the overlay hidden or in node_modules: not looked for (no note)', async () => {
    const outside = tree({}, false);
    const hidden = writeTree('mora-kust-repo-', Object.fromEntries(Object.entries(files).map(([f, t]) => [f.replace('overlays/', '.overlays/').replace(/^base\//, 'base/'), t])));
    mkdirSync(join(hidden, '.git'));
    const vendored = writeTree('mora-kust-repo-', Object.fromEntries(Object.entries(files).map(([f, t]) => [f.replace('overlays/', 'node_modules/'), t])));
    mkdirSync(join(vendored, '.git'));
    for (const root of [outside, hidden, vendored]) {
      const r = await mora(['manifests', 'apply', join(root, 'base'), '--set', 'default/Deployment/web/web=cpu=100m', '--diff']);
      assert.equal(r.code, 0, r.err);
      assert.doesNotMatch(r.err, /also rendered/, root);
    }
    const deep = tree({ 'a/b/c/d/e/base/deployment.yaml': DEPLOY });
    assert.equal(repositoryRoot(join(deep, 'a/b/c/d/base')), undefined, 'no such path');
    assert.equal(repositoryRoot(join(deep, 'a/b/c/d/e/base/deployment.yaml')), undefined, '6 folders up: not looked at');
    assert.equal(repositoryRoot(join(deep, 'a/b/c/d/e/base')), undefined);
    assert.equal(repositoryRoot(join(deep, 'a/b/c/d/e')), deep, '5 folders up: found');
    // The repository root given (or a folder holding it): everything is under the path already, nothing more is walked.
    assert.deepEqual(repoKustomizations([deep]).files, []);
  });

  it('more than 200 kustomization files: the first 200 read, and a note says the others were not', async () => {
    const many = Object.fromEntries(Array.from({ length: 201 }, (_, i) => [`apps/a${String(i).padStart(3, '0')}/kustomization.yaml`, 'resources: []\n']));
    const root = tree(many);
    assert.equal(repoKustomizations([join(root, 'base')]).files.length, 200);
    const r = await mora(['manifests', 'apply', join(root, 'base'), '--set', 'default/Deployment/web/web=cpu=100m', '--diff']);
    assert.equal(r.code, 0, r.err);
    assert.ok(r.err.includes(`mora: note: looked for overlays rendering the files edited in the first 200 kustomization files of ${root}; the others were not read: `
      + 'an overlay among them gets no note (give its folder too)\n'), r.err);
    const results = applyToManifests(join(root, 'base'), [recommendationFor()], 'default', false, { dryRun: true });
    assert.ok((results[0].notes ?? []).some((n) => n.startsWith('looked for overlays rendering the files edited in the first 200 kustomization files')), JSON.stringify(results));
  });
});
