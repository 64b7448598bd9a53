/**
 * `manifests apply <dir>` and `recommend --apply-to <dir>` with a kustomization in <dir> whose `resources`, `bases` or
 * `components` reach a folder outside <dir>. Nothing outside <dir> is ever written; what is there is read as kustomize
 * reads it, and a target it holds is named with the path and the entry that reaches it:
 * - app/ (deployment.yaml + components: [../components/big], whose inline patch sets web's cpu): the component's patch
 *   wins over an edit of app/deployment.yaml — refused naming it. Before, app/deployment.yaml was edited.
 * - overlays/staging/ (resources: [../../base] and no patch of web): web is in base/, outside — refused (manifests
 *   apply) or noted (recommend --apply-to) naming base/deployment.yaml. Before: 'no Deployment/web … no workloads
 *   found', or no word at all.
 * - overlays/prod/ (resources: [../../base] and a patch file of web): the patch here wins, so it is edited as before.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WEB_DEPLOYMENT as DEPLOY, WEB_MEMORY_PATCH as PATCH, applyToReport as report, recommendationFor, INLINE_CPU_PATCH } from '../harness/manifest-tree';
import { tempDir } from '../harness/temp-dir';
import { applyToManifests } from '../../src/cli/commands/apply-to-manifests';
import { planMany } from '../../src/cli/commands/manifests-apply-many';
import { parseChangeSpecs } from '../../src/manifests';

const rec = (name: string) => recommendationFor({ name });

const COMPONENT = 'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n' + INLINE_CPU_PATCH;

/** The tree: base/, overlays/prod (a patch of web), overlays/staging (none), app/ (its own web, a component outside). */
function tree(): string {
  const root = tempDir('mora-kust-outside-');
  const files: Record<string, string> = {
    'base/deployment.yaml': DEPLOY,
    'base/kustomization.yaml': 'resources:\n- deployment.yaml\n',
    'overlays/prod/kustomization.yaml': 'resources:\n- ../../base\npatches:\n- path: resources.yaml\n',
    'overlays/prod/resources.yaml': PATCH,
    'overlays/staging/kustomization.yaml': 'resources:\n- ../../base\n- config.yaml\n',
    'overlays/staging/config.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n',
    'app/deployment.yaml': DEPLOY,
    'app/kustomization.yaml': 'resources:\n- deployment.yaml\ncomponents:\n- ../components/big\n',
    'components/big/kustomization.yaml': COMPONENT,
  };
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(join(root, file, '..'), { recursive: true });
    writeFileSync(join(root, file), text);
  }
  return root;
}

const set = parseChangeSpecs({ set: ['Deployment/web/web=cpu=100m'] });

describe('a kustomization in the folder given that reaches outside it', () => {
  it('manifests apply app/: a component outside whose patch sets web\'s cpu is named, app/deployment.yaml not planned', () => {
    const root = tree();
    assert.throws(() => planMany([join(root, 'app')], set), (e: Error) => {
      assert.equal(e.message, `Deployment/web/web is in ${join(root, 'app/deployment.yaml')}, but a patch outside the path given sets it too: `
        + `${join(root, 'components/big/kustomization.yaml')} (inline patch patches[0], line 4), reached by components: ../components/big `
        + `(${join(root, 'app/kustomization.yaml')}, line 4); that patch wins over an edit here, so nothing was written: change it there by hand `
        + '(MOrA writes no file outside the path given)');
      return true;
    });
  });

  it('manifests apply overlays/staging/: web only in ../../base is named with the kustomization entry, not "no workloads found"', () => {
    const root = tree();
    assert.throws(() => planMany([join(root, 'overlays/staging')], set),
      (e: Error) => new RegExp(`^Deployment/web/web is not in the files under the path given, but in ${join(root, 'base/deployment.yaml')}, outside it, `
        + `reached by resources: \\.\\./\\.\\./base \\(${join(root, 'overlays/staging/kustomization.yaml')}, line 2\\); nothing was written: MOrA writes no file outside the path given`).test(e.message));
  });

  it('manifests apply overlays/prod/: the patch file here wins over the base outside, and is the file planned', () => {
    const root = tree();
    const planned = planMany([join(root, 'overlays/prod')], set);
    assert.deepEqual(planned.map((p) => p.file), [join(root, 'overlays/prod/resources.yaml')]);
    assert.match(planned[0].after, /cpu: 100m/);
  });

  it('manifests apply on a folder holding app/ and its component: the Component\'s inline patch holds web (it counted only in a Kustomization)', () => {
    const root = tree();
    const both = join(root, 'app-and-component');
    mkdirSync(join(both, 'components'), { recursive: true });
    writeFileSync(join(both, 'deployment.yaml'), DEPLOY);
    writeFileSync(join(both, 'kustomization.yaml'), 'resources:\n- deployment.yaml\ncomponents:\n- components\n');
    writeFileSync(join(both, 'components/kustomization.yaml'), COMPONENT);
    assert.throws(() => planMany([both], set), (e: Error) => {
      assert.equal(e.message, `Deployment/web/web is in 2 files: ${join(both, 'deployment.yaml')}, `
        + `${join(both, 'components/kustomization.yaml')} (inline patch patches[0], line 4); nothing was written: apply to one file (or prefix the target with its namespace if they differ)`);
      return true;
    });
  });

  it('recommend --apply-to app/: refused naming the component\'s patch, nothing written', () => {
    const root = tree();
    const results = applyToManifests(join(root, 'app'), [rec('web')], 'default');
    const { err, failure } = report(results);
    assert.match(failure ?? '', /could not be updated/);
    assert.match(err, /app\/deployment\.yaml: default\/Deployment\/web\/web is in .*app\/deployment\.yaml, but a patch outside the path given sets it too: .*components\/big\/kustomization\.yaml \(inline patch patches\[0\], line 4\), reached by components: \.\.\/components\/big/);
    assert.equal(readFileSync(join(root, 'app/deployment.yaml'), 'utf8'), DEPLOY);
  });

  it('recommend --apply-to overlays/staging/: the base outside is named in a note and in the nothing-matched error', () => {
    const root = tree();
    const { err, failure } = report(applyToManifests(join(root, 'overlays/staging'), [rec('web')], 'default'));
    assert.match(err, /kustomization\.yaml: note: Deployment default\/web: recommended, but kustomize renders it from .*base\/deployment\.yaml, outside .*overlays\/staging, reached by resources: \.\.\/\.\.\/base \(.*, line 2\); not written: MOrA writes no file outside the path given/);
    assert.match(failure ?? '', /nothing matched: .* \(1 recommended workload is in files outside the path given that a kustomization here renders: see its notes\); nothing was written$/);
    assert.equal(readFileSync(join(root, 'base/deployment.yaml'), 'utf8'), DEPLOY);
  });

  it('recommend --apply-to overlays/prod/: the patch here is written as before, the base outside untouched', () => {
    const root = tree();
    const { err, failure } = report(applyToManifests(join(root, 'overlays/prod'), [rec('web')], 'default'));
    assert.equal(failure, undefined, err);
    assert.match(readFileSync(join(root, 'overlays/prod/resources.yaml'), 'utf8'), /cpu: 200m/);
    assert.equal(readFileSync(join(root, 'base/deployment.yaml'), 'utf8'), DEPLOY);
  });
});
