/**
 * The editor's lenses on a manifest file that a kustomization renders, as `recommend --apply-to <file>` reads it
 * (kustomize-placement.ts):
 * - a document without metadata.namespace in a folder whose kustomization (or the nearest one above it) sets
 *   `namespace: prod` is looked up in prod: prod/Deployment/web's recommendation gets its lens there. Before, the lens
 *   looked in the document's namespace or mora.defaultNamespace only, and showed nothing.
 * - a patch of that kustomization (inline, or a patch file) that sets what the lens would write wins over the edit:
 *   the Apply lens says so, its tooltip the CLI's refusal word for word (the same function), and "apply all" leaves it
 *   out. Before, the lens offered an edit that changed nothing Kubernetes gets.
 * - a kustomization that cannot be read leaves the lenses as they were; the placement is read once per version.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyToManifests } from '../../src/cli/commands/apply-to-manifests';
import type { Recommendation } from '../../src/core/recommendation';
import { firstRefusal, kustomizePlacement, KustomizePlacements } from '../../src/views/kustomize-placement';
import { manifestView, type ManifestViewOptions } from '../../src/views/manifest-lens-model';
import { WEB_DEPLOYMENT as DEPLOY, WEB_MEMORY_PATCH as PATCH, recommendationFor, writeTree } from '../harness/manifest-tree';

const tree = (files: Record<string, string>) => writeTree('mora-lens-kust-', files);
const lookupIn = (recs: readonly Recommendation[]) => (namespace: string, kind: string, name: string) =>
  recs.find((r) => r.workload.namespace === namespace && r.workload.kind === kind && r.workload.name === name);
/** The lenses of `file` (text `text`) as the editor builds them for a file on disk, or (`kustomize: false`) as before. */
function lenses(file: string, text: string, recs: readonly Recommendation[], kustomize = true) {
  const options: ManifestViewOptions = {};
  const placement = kustomize ? kustomizePlacement(file, text) : undefined;
  if (placement) options.kustomize = placement;
  return manifestView(text, lookupIn(recs), 'default', options).lenses;
}
const titles = (ls: ReturnType<typeof lenses>) => ls.map((l) => l.title.replace(/^MOrA: cpu .*/, 'MOrA: cpu …'));

const CPU_PATCH = PATCH.replace('memory: 1Gi', 'cpu: "4"');
const INLINE = 'resources:\n- deployment.yaml\npatches:\n- patch: |-\n' + CPU_PATCH.split('\n').map((l) => (l ? `    ${l}` : l)).join('\n');

describe('manifest lens model: the kustomization around a file on disk', () => {
  it('a document without a namespace, listed by a kustomization with namespace: prod, gets prod\'s recommendation', () => {
    const root = tree({ 'overlays/prod/deployment.yaml': DEPLOY, 'overlays/prod/kustomization.yaml': 'namespace: prod\nresources:\n- deployment.yaml\n' });
    const file = join(root, 'overlays/prod/deployment.yaml');
    const prod = [recommendationFor({ namespace: 'prod' })];
    assert.deepEqual(titles(lenses(file, DEPLOY, prod)), ['MOrA: cpu …', 'Apply']);
    const container = lenses(file, DEPLOY, prod)[0];
    assert.equal(container.target?.namespace, 'prod');
    // Before (no placement): looked up in default, no lens.
    assert.deepEqual(lenses(file, DEPLOY, prod, false), []);
    // default's recommendation is not the one kustomize renders it as.
    assert.deepEqual(lenses(file, DEPLOY, [recommendationFor({ namespace: 'default' })]), []);
    // The kustomization's namespace overrides the document's own, as kustomize's namespace transformer does.
    const own = DEPLOY.replace('  name: web\n', '  name: web\n  namespace: staging\n');
    assert.deepEqual(titles(lenses(file, own, prod)), ['MOrA: cpu …', 'Apply']);
  });

  it('a patch file below its kustomization is placed by the nearest one above (kustomizationAbove), and its Apply is offered', () => {
    const root = tree({
      'base/deployment.yaml': DEPLOY, 'base/kustomization.yaml': 'resources:\n- deployment.yaml\n',
      'overlays/prod/kustomization.yaml': 'namespace: prod\nresources:\n- ../../base\npatches:\n- path: patches/cpu.yaml\n',
      'overlays/prod/patches/cpu.yaml': CPU_PATCH,
    });
    const file = join(root, 'overlays/prod/patches/cpu.yaml');
    assert.deepEqual(titles(lenses(file, CPU_PATCH, [recommendationFor({ namespace: 'prod' })])), ['MOrA: cpu …', 'Apply']);
  });

  it('an inline patch that sets web\'s cpu: the Apply lens says it is refused, in the CLI\'s words; apply all leaves it out', () => {
    const root = tree({ 'app/deployment.yaml': DEPLOY, 'app/kustomization.yaml': INLINE });
    const file = join(root, 'app/deployment.yaml');
    const recs = [recommendationFor()];
    const got = lenses(file, DEPLOY, recs);
    assert.deepEqual(titles(got), ['MOrA: cpu …', 'Apply: refused, a kustomize patch sets it']);
    const cli = applyToManifests(file, recs, 'default', false, { dryRun: true })[0].error;
    assert.ok(cli);
    assert.equal(got[1].tooltip, cli);
    assert.equal(got[1].refused, cli);
    assert.equal(got[1].changes.length, 1, 'the lens keeps its change: the Apply it runs refuses it');
    assert.equal(firstRefusal(kustomizePlacement(file, DEPLOY), got[1].changes, 'default')?.reason, cli);
    // Shown in the editor relative to the workspace folder.
    assert.equal(firstRefusal(kustomizePlacement(file, DEPLOY, root), got[1].changes, 'default')?.reason, cli.split(`${root}/`).join(''));
    assert.match(cli, /^default\/Deployment\/web\/web is in .*app\/deployment\.yaml, but a patch outside the path given sets it too/);
    // Before: an Apply that changed nothing Kubernetes gets.
    assert.deepEqual(titles(lenses(file, DEPLOY, recs, false)), ['MOrA: cpu …', 'Apply']);
  });

  it('a patch file of the kustomization that sets web\'s cpu: refused too; one that sets nothing the lens writes is not in the way', () => {
    const files = { 'app/deployment.yaml': DEPLOY, 'app/kustomization.yaml': 'resources:\n- deployment.yaml\npatches:\n- path: cpu.yaml\n', 'app/cpu.yaml': CPU_PATCH };
    let root = tree(files);
    const recs = [recommendationFor()];
    let got = lenses(join(root, 'app/deployment.yaml'), DEPLOY, recs);
    assert.equal(got[1].title, 'Apply: refused, a kustomize patch sets it');
    assert.equal(got[1].tooltip, applyToManifests(join(root, 'app/deployment.yaml'), recs, 'default', false, { dryRun: true })[0].error);
    // The patch sets another workload's resources: web's Apply stays.
    root = tree({ ...files, 'app/cpu.yaml': CPU_PATCH.replace(/name: web\n {2}/, 'name: api\n  ') });
    got = lenses(join(root, 'app/deployment.yaml'), DEPLOY, recs);
    assert.deepEqual(titles(got), ['MOrA: cpu …', 'Apply']);
  });

  it('an inline patch of the kustomization above the file\'s folder (none in its own) that sets web\'s cpu: refused as the CLI refuses it', () => {
    const above = 'namespace: prod\nresources:\n- deploy/web.yaml\npatches:\n- patch: |-\n' + CPU_PATCH.split('\n').map((l) => (l ? `    ${l}` : l)).join('\n');
    const root = tree({ 'overlays/prod/deploy/web.yaml': DEPLOY, 'overlays/prod/kustomization.yaml': above });
    const file = join(root, 'overlays/prod/deploy/web.yaml');
    const recs = [recommendationFor({ namespace: 'prod' })];
    const got = lenses(file, DEPLOY, recs);
    assert.deepEqual(titles(got), ['MOrA: cpu …', 'Apply: refused, a kustomize patch sets it']);
    const cli = applyToManifests(file, recs, 'default', false, { dryRun: true })[0].error;
    assert.equal(got[1].tooltip, cli);
    assert.match(cli ?? '', /^prod\/Deployment\/web\/web is in .*, reached by the kustomization above it/);
  });

  it('two workloads, one patched: "apply all" holds only the other one\'s change', () => {
    const two = DEPLOY + '---\n' + DEPLOY.replace('name: web\nspec', 'name: api\nspec');
    const root = tree({ 'app/deployment.yaml': two, 'app/kustomization.yaml': INLINE });
    const recs = [recommendationFor(), recommendationFor({ name: 'api' })];
    const got = lenses(join(root, 'app/deployment.yaml'), two, recs);
    // No "apply all" for one change: the api lens's Apply is the file's only offer.
    assert.deepEqual(titles(got), ['MOrA: cpu …', 'Apply: refused, a kustomize patch sets it', 'MOrA: cpu …', 'Apply']);
    const three = two + '---\n' + DEPLOY.replace('name: web\nspec', 'name: db\nspec');
    const root3 = tree({ 'app/deployment.yaml': three, 'app/kustomization.yaml': INLINE });
    const all = lenses(join(root3, 'app/deployment.yaml'), three, [...recs, recommendationFor({ name: 'db' })]).find((l) => l.kind === 'file');
    assert.equal(all?.title, 'MOrA: apply all (2 changes)');
    assert.deepEqual(all?.changes.map((c) => c.target.name), ['api', 'db']);
  });

  it('an inline patch that sets the replicas: the replicas lens says it is refused', () => {
    const replicas = 'resources:\n- deployment.yaml\npatches:\n- patch: |-\n    apiVersion: apps/v1\n    kind: Deployment\n    metadata:\n      name: web\n    spec:\n      replicas: 9\n';
    const root = tree({ 'app/deployment.yaml': DEPLOY, 'app/kustomization.yaml': replicas });
    const rec = { ...recommendationFor(), replicas: { current: 2, recommended: { value: 4, lower: 4, upper: 4 }, reason: 'load' } } as unknown as Recommendation;
    const got = lenses(join(root, 'app/deployment.yaml'), DEPLOY, [rec]);
    const lens = got.find((l) => l.kind === 'replicas');
    assert.match(lens?.title ?? '', /^MOrA: replicas 2 → 4 .*· refused, a kustomize patch sets it$|^MOrA: replicas 2 → 4 · refused, a kustomize patch sets it$/);
    assert.match(lens?.refused ?? '', /^default\/Deployment\/web \(replicas\) is in .*, but a patch outside the path given sets it too/);
    // Its resources are not patched: their Apply stays.
    assert.ok(got.some((l) => l.title === 'Apply'));
  });

  it('a DeploymentConfig without a namespace in a namespace: prod folder: the "not matched" lens names prod, as recommend --apply-to does', () => {
    const dc = DEPLOY.replace('apiVersion: apps/v1\nkind: Deployment', 'apiVersion: apps.openshift.io/v1\nkind: DeploymentConfig');
    const root = tree({ 'app/dc.yaml': dc, 'app/kustomization.yaml': 'namespace: prod\nresources:\n- dc.yaml\n' });
    const file = join(root, 'app/dc.yaml');
    // Its pods moved to a Deployment of the same name in prod.
    const recs = [recommendationFor({ namespace: 'prod' })];
    const view = (kustomize: boolean) => manifestView(dc, lookupIn(recs), 'default',
      { recommendations: () => recs, ...(kustomize ? { kustomize: kustomizePlacement(file, dc)! } : {}) }).lenses;
    const got = view(true);
    assert.deepEqual(got.map((l) => l.title), ['MOrA: not matched: no recommendation names a DeploymentConfig']);
    assert.match(got[0].tooltip ?? '', /^DeploymentConfig prod\/web: /);
    const cli = applyToManifests(file, recs, 'default', false, { dryRun: true })[0].notes?.find((n) => n.startsWith('DeploymentConfig'));
    assert.equal(got[0].tooltip, cli);
    // Before: placed in default, where no recommendation plausibly belongs to it: no lens.
    assert.deepEqual(view(false), []);
  });

  it('a kustomization that cannot be read (broken YAML, not a kustomization) leaves the lenses as they were', () => {
    for (const broken of ['namespace: prod\nresources: [deployment.yaml\n', ': : :\n\t- ]', 'kind: ConfigMap\nnamespace: [a, b]\n']) {
      const root = tree({ 'app/deployment.yaml': DEPLOY, 'app/kustomization.yaml': broken });
      const file = join(root, 'app/deployment.yaml');
      assert.deepEqual(titles(lenses(file, DEPLOY, [recommendationFor()])), ['MOrA: cpu …', 'Apply'], JSON.stringify(broken));
      assert.deepEqual(lenses(file, DEPLOY, [recommendationFor({ namespace: 'prod' })]), [], JSON.stringify(broken));
    }
    // No kustomization at all: no placement, as before.
    const root = tree({ 'app/deployment.yaml': DEPLOY });
    assert.equal(kustomizePlacement(join(root, 'app/deployment.yaml'), DEPLOY)?.namespace, undefined);
  });

  it('is read once per document version (a new version, or a kustomization changed, on disk too, reads it again)', () => {
    const root = tree({ 'app/deployment.yaml': DEPLOY, 'app/kustomization.yaml': 'namespace: prod\nresources:\n- deployment.yaml\n' });
    const file = join(root, 'app/deployment.yaml');
    let reads = 0;
    const placements = new KustomizePlacements((...a) => { reads++; return kustomizePlacement(...a); });
    const text = () => DEPLOY;
    const first = placements.get(file, 1, text);
    assert.equal(first?.namespace?.namespace, 'prod');
    for (let i = 0; i < 5; i++) assert.equal(placements.get(file, 1, text), first);
    assert.equal(reads, 1);
    placements.get(file, 2, text);
    assert.equal(reads, 2);
    placements.clear();
    placements.get(file, 2, text);
    assert.equal(reads, 3);
    // The kustomization rewritten with no word from a watcher: seen at the next check, read again.
    assert.equal(placements.changedOnDisk(file), false);
    writeFileSync(join(root, 'app/kustomization.yaml'), 'namespace: staging\nresources:\n- deployment.yaml\n');
    assert.equal(placements.changedOnDisk(file), true);
    assert.equal(placements.changedOnDisk(file), false, 'forgotten: nothing kept to compare');
    assert.equal(placements.get(file, 2, text)?.namespace?.namespace, 'staging');
    assert.equal(reads, 4);
    // One that throws is none (today's lenses), not an error.
    assert.equal(new KustomizePlacements(() => { throw new Error('boom'); }).get(file, 1, text), undefined);
  });
});
