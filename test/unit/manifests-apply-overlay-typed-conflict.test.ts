/**
 * `mora manifests apply` refuses an edit that an overlay renders into another namespace when the same run also types
 * a value for that namespace's workload that differs and no patch of that overlay sets: the user's explicit value
 * would be silently replaced there. Two clusters rendering the base into prod: clusters/eu has a patch of web (which
 * takes `prod/…=cpu=750m`), clusters/us has none, so editing the base for `default/…=cpu=200m` hands us's prod/web
 * 200m, not the 750m typed for prod. `recommend --apply-to` refuses the same tree when prod/web's own recommendation
 * differs (16e8b11); before, manifests apply wrote both files with a note (exit 0).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { WEB_DEPLOYMENT as DEPLOY, WEB_MEMORY_PATCH as PATCH, applyToReport as report, readTree, recommendationFor, writeTree } from '../harness/manifest-tree';
import { applyToManifests } from '../../src/cli/commands/apply-to-manifests';
import { mora } from './helpers/run-cli';

const files = {
  'base/deployment.yaml': DEPLOY, 'base/kustomization.yaml': 'resources:\n- deployment.yaml\n',
  'clusters/eu/kustomization.yaml': 'namespace: prod\nresources:\n- ../../base\npatches:\n- path: web.yaml\n', 'clusters/eu/web.yaml': PATCH,
  'clusters/us/kustomization.yaml': 'namespace: prod\nresources:\n- ../../base\n',
};
const tree = () => writeTree('mora-apply-typed-overlay-', files);

describe('manifests apply: an overlay rendering the edit over a value typed for it', () => {
  it('refused naming the overlay and both values, --diff and --in-place, nothing written', async () => {
    const root = tree();
    const us = join(root, 'clusters/us');
    for (const mode of ['--diff', '--in-place']) {
      const r = await mora(['manifests', 'apply', root, '--set', 'default/Deployment/web/web=cpu=200m', '--set', 'prod/Deployment/web/web=cpu=750m', mode]);
      assert.equal(r.code, 2, `${mode}: ${r.err}`);
      assert.equal(r.out, '');
      assert.equal(r.err, `mora: ${join(root, 'base/deployment.yaml')}: also rendered by ${join(us, 'kustomization.yaml')} as prod/Deployment/web, which this run `
        + 'targets too, setting the cpu request to 750m, but this edit, for default/Deployment/web, writes 200m and no patch of '
        + `${us} sets it: kustomize would render prod/Deployment/web with those values; nothing was written: add prod/Deployment/web's values `
        + `to a patch in ${us} (patches: - path: …), then run again\n`);
    }
    assert.deepEqual(readTree(root, files), files);
  });

  it('recommend --apply-to refuses the same tree for the same values', () => {
    const root = tree();
    const { err, failure } = report(applyToManifests(root, [recommendationFor(), recommendationFor({ namespace: 'prod', cpu: 0.75 })], 'default'));
    assert.match(failure ?? '', /could not be updated/);
    assert.match(err, /also rendered by .*clusters\/us\/kustomization\.yaml as prod\/Deployment\/web, whose own recommendation sets the cpu request to 750m/);
    assert.deepEqual(readTree(root, files), files);
  });

  it('the same value typed for prod, or none typed: written with the note for clusters/us (exit 0)', async () => {
    for (const typed of [['--set', 'prod/Deployment/web/web=cpu=200m'], []]) {
      const root = tree();
      const r = await mora(['manifests', 'apply', root, '--set', 'default/Deployment/web/web=cpu=200m', ...typed, '--in-place']);
      assert.equal(r.code, 0, r.err);
      assert.match(r.err, /note: .*base\/deployment\.yaml: also rendered by .*clusters\/us\/kustomization\.yaml as prod\/Deployment\/web: this edit changes its cpu request too/);
      // With prod's value typed, eu's patch takes it in the same run: eu renders its own, no note for eu.
      if (typed.length) assert.doesNotMatch(r.err, /clusters\/eu\/kustomization\.yaml as/, r.err);
      assert.match(readTree(root, files)['base/deployment.yaml'], /cpu: 200m/);
    }
  });

  it('mora manifests apply --help states the rule', async () => {
    const r = await mora(['manifests', 'apply', '--help']);
    assert.equal(r.code, 0, r.err);
    const help = r.out.replace(/\s+/g, ' ');
    assert.match(help, /it is refused \(exit 2, nothing written\) when this run also types a target for that namespace's workload/);
    assert.match(help, /the nearest one above it that sets the target wins over the edit/);
  });
});
