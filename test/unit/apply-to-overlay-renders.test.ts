/**
 * `recommend --apply-to` (and `mora manifests apply`) editing a file that a kustomize overlay also renders into another
 * namespace or under another name: base/ (no namespace) beside overlays/prod (namespace: prod, resources: ../../base).
 * default/web's recommendation edits base/deployment.yaml, which kustomize renders as default/web — and, through the
 * overlay, as prod/web for every value prod's patches do not set. So:
 * - a note names the file, the overlay's kustomization, the id it renders there and the values the edit changes there
 *   too (and which its patches set instead); an overlay that changes neither namespace nor name gets none; exit 0.
 * - when the recommendations also hold prod/web with another value for such a field, the edit would hand prod the
 *   base's value: refused (exit 2, nothing written, --dry-run too), asking for a patch in overlays/prod.
 * - a patch file of prod taking prod/web's values in the same run covers them (read as it will be written): no word;
 *   a JSON 6902 patch covers the fields its paths write.
 * - `mora manifests apply` on the folder notes it the same way.
 * Before, no word: the base was written and prod/web silently changed.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WEB_MEMORY_PATCH as PATCH, readTree as contents, recommendationFor, stderrOf, writeTree } from '../harness/manifest-tree';
import { applyToManifests, reportApplyTo } from '../../src/cli/commands/apply-to-manifests';
import { applyMany } from '../../src/cli/commands/manifests-apply-many';

const DEPLOY = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n  template:\n    spec:\n'
  + '      containers:\n      - name: web\n        image: web:1\n        resources:\n          requests:\n            cpu: 500m\n            memory: 128Mi\n';

const tree = (files: Record<string, string>) => writeTree('mora-apply-overlay-', files);
const rec = (namespace: string, cpu: number, name = 'web') => recommendationFor({ namespace, cpu, name });

const BASE = { 'base/deployment.yaml': DEPLOY, 'base/kustomization.yaml': 'resources:\n- deployment.yaml\n' };

describe('recommend --apply-to: an edit that an overlay renders into another namespace or name too', () => {
  const files = {
    ...BASE,
    'overlays/prod/kustomization.yaml': 'namespace: prod\nresources:\n- ../../base\npatches:\n- path: memory.yaml\n',
    'overlays/prod/memory.yaml': PATCH,
    'overlays/canary/kustomization.yaml': 'namePrefix: canary-\nresources:\n- ../../base\n',
    // Same namespace, same name: it renders default/web itself, nothing else.
    'overlays/same/kustomization.yaml': 'resources:\n- ../../base\n',
  };

  it('notes each overlay rendering the base elsewhere, with the values its patches do not set; writes the base (exit 0)', () => {
    for (const dryRun of [true, false]) {
      const root = tree(files);
      const { err, value: failure } = stderrOf(() => reportApplyTo(applyToManifests(root, [rec('default', 0.2)], 'default', false, { dryRun }), false));
      assert.equal(failure, undefined, err);
      const base = join(root, 'base/deployment.yaml');
      const prod = `${base}: note: also rendered by ${join(root, 'overlays/prod/kustomization.yaml')} as prod/Deployment/web: this edit changes its cpu request too `
        + `(its patches set only the memory request); give --apply-to ${base} only if that is meant, or add that value to a patch in ${join(root, 'overlays/prod')}\n`;
      assert.ok(err.includes(prod), err);
      assert.ok(err.includes(`${base}: note: also rendered by ${join(root, 'overlays/canary/kustomization.yaml')} as default/Deployment/canary-web: `
        + `this edit changes its cpu request and memory request too (no patch of ${join(root, 'overlays/canary')} sets either)`), err);
      assert.equal(err.split(prod).length, 2, 'once');
      assert.doesNotMatch(err, /also rendered by \S*overlays\/same/);
      assert.equal(readFileSync(base, 'utf8').includes('cpu: 200m'), !dryRun);
    }
  });

  it('refuses the edit when prod/web\'s own recommendation sets a value prod\'s patches leave to the base (nothing written, exit 2)', () => {
    const prodOnly = { ...BASE, 'overlays/prod/kustomization.yaml': 'namespace: prod\nresources:\n- ../../base\n' };
    for (const dryRun of [true, false]) {
      const root = tree(prodOnly);
      const results = applyToManifests(root, [rec('default', 0.2), rec('prod', 0.75)], 'default', false, { dryRun });
      const { err, value: failure } = stderrOf(() => reportApplyTo(results, false));
      assert.match(failure?.message ?? '', /could not be updated/);
      assert.ok(err.includes(`mora: ${join(root, 'base/deployment.yaml')}: also rendered by ${join(root, 'overlays/prod/kustomization.yaml')} as prod/Deployment/web, `
        + 'whose own recommendation sets the cpu request to 750m, but this edit, for default/Deployment/web, writes 200m and no patch of '
        + `${join(root, 'overlays/prod')} sets it: kustomize would render prod/Deployment/web with those values; nothing was written: `
        + `add prod/Deployment/web's values to a patch in ${join(root, 'overlays/prod')} (patches: - path: …), then run again`), err);
      assert.equal(results.some((r) => r.diff !== undefined), false);
      assert.deepEqual(contents(root, prodOnly), prodOnly);
    }
  });

  it('with a patch in prod that takes prod/web\'s values in the same run, both are written and nothing is refused', () => {
    const withPatch = { ...BASE, 'overlays/prod/kustomization.yaml': 'namespace: prod\nresources:\n- ../../base\npatches:\n- path: resources.yaml\n',
      'overlays/prod/resources.yaml': PATCH.replace('memory: 1Gi', 'cpu: "1"\n            memory: 1Gi') };
    const root = tree(withPatch);
    const { err, value: failure } = stderrOf(() => reportApplyTo(applyToManifests(root, [rec('default', 0.2), rec('prod', 0.75)], 'default'), false));
    assert.equal(failure, undefined, err);
    assert.doesNotMatch(err, /also rendered by/);
    assert.match(readFileSync(join(root, 'overlays/prod/resources.yaml'), 'utf8'), /cpu: "?750m/);
    assert.match(readFileSync(join(root, 'base/deployment.yaml'), 'utf8'), /cpu: 200m/);
  });

  it('a JSON 6902 patch of prod counts by the paths it writes: its cpu request is prod\'s own, its memory request the base\'s', () => {
    const root = tree({ ...BASE, 'overlays/prod/kustomization.yaml': 'namespace: prod\nresources:\n- ../../base\npatches:\n- target:\n    kind: Deployment\n    name: web\n'
      + '  patch: |-\n    - op: replace\n      path: /spec/template/spec/containers/0/resources/requests/cpu\n      value: "2"\n' });
    const { err } = stderrOf(() => reportApplyTo(applyToManifests(root, [rec('default', 0.2)], 'default', false, { dryRun: true }), false));
    assert.ok(err.includes('as prod/Deployment/web: this edit changes its memory request too (its patches set only the cpu request)'), err);
  });

  it('mora manifests apply on the folder notes it too', async () => {
    const root = tree({ ...BASE, 'overlays/prod/kustomization.yaml': 'namespace: prod\nresources:\n- ../../base\n' });
    const write = process.stderr.write;
    let err = '';
    process.stderr.write = ((s: string) => { err += s; return true; }) as typeof process.stderr.write;
    try {
      await applyMany([root], [{ type: 'resources', target: { kind: 'Deployment', name: 'web', namespace: 'default', container: 'web' }, set: { requests: { cpu: '300m' } } }]);
    } finally {
      process.stderr.write = write;
    }
    const base = join(root, 'base/deployment.yaml');
    assert.ok(err.includes(`mora: note: ${base}: also rendered by ${join(root, 'overlays/prod/kustomization.yaml')} as prod/Deployment/web: `
      + `this edit changes its cpu request too (no patch of ${join(root, 'overlays/prod')} sets it); apply to ${base} only if that is meant`), err);
    assert.match(readFileSync(base, 'utf8'), /cpu: 300m/);
  });
});
