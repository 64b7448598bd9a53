/**
 * The editor's lenses on a kustomize base that an overlay elsewhere renders under another namespace or name, as
 * `recommend --apply-to <file>` says it (kustomize-overlays.ts: overlayVerdict, reached through kustomize-placement.ts):
 * - overlays/prod (namespace: prod, over ../../base, in the repository around the file) renders base/deployment.yaml's
 *   web as prod/Deployment/web: the Apply lens's tooltip notes that the edit changes prod/web's values its patches do
 *   not set, in the CLI's words. Before, the tooltip said nothing of it.
 * - when prod/web has a recommendation of its own setting such a value otherwise, the Apply (or replicas) lens is
 *   refused as the kustomize-patch refusal is: titled so, the tooltip the CLI's reason, its change left out of "apply
 *   all". Before, it offered an edit that would hand prod/web the base's value.
 * And the replicas lens's autoscaler check places the workload and its HPA where kustomize renders them, as
 * `mora manifests apply --replicas` does (withoutAutoscaled): an HPA naming namespace prod owns a workload without one
 * that a kustomization with namespace: prod lists. Before, the lens compared default with prod and offered the count.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyToManifests } from '../../src/cli/commands/apply-to-manifests';
import type { Recommendation } from '../../src/core/recommendation';
import { FolderAutoscalers } from '../../src/views/folder-autoscalers';
import { firstRefusal, kustomizePlacement, KustomizePlacements, OVERLAY_REUSE_MS } from '../../src/views/kustomize-placement';
import { manifestView, type ManifestViewOptions } from '../../src/views/manifest-lens-model';
import { PROD_OVERLAY_TREE, WEB_DEPLOYMENT as DEPLOY, recommendationFor, writeTree } from '../harness/manifest-tree';

/** `files` under a new folder holding `.git` (the repository the overlays are looked for in). */
const repo = (files: Record<string, string>) => {
  const root = writeTree('mora-lens-overlay-', files);
  mkdirSync(join(root, '.git'));
  return root;
};
const lookupIn = (recs: readonly Recommendation[]) => (namespace: string, kind: string, name: string) =>
  recs.find((r) => r.workload.namespace === namespace && r.workload.kind === kind && r.workload.name === name);
/** The view of `file` as the editor builds it for a file on disk (`root` its workspace folder), or (`kustomize: false`) as before. */
function view(file: string, text: string, recs: readonly Recommendation[], root: string, kustomize = true, extra: ManifestViewOptions = {}) {
  const placement = kustomize ? kustomizePlacement(file, text, root) : undefined;
  return manifestView(text, lookupIn(recs), 'default', { ...extra, ...(placement ? { kustomize: placement } : {}) });
}
const withReplicas = (rec: Recommendation, to: number) => ({ ...rec, replicas: { current: 2, recommended: { value: to, lower: to, upper: to }, reason: 'load' } }) as unknown as Recommendation;
/** The CLI's text as the editor shows it: paths relative to the workspace folder. */
const shown = (s: string, root: string) => s.split(`${root}/`).join('');

describe('manifest lens model: an overlay renders the file under another namespace or name', () => {
  it('overlays/prod renders base/deployment.yaml into prod: the Apply tooltip notes it, in the CLI\'s words', () => {
    const root = repo(PROD_OVERLAY_TREE);
    const file = join(root, 'base/deployment.yaml');
    const recs = [recommendationFor()];
    const apply = view(file, DEPLOY, recs, root).lenses.find((l) => l.kind === 'apply');
    assert.equal(apply?.title, 'Apply');
    const cli = applyToManifests(file, recs, 'default', false, { dryRun: true })[0].notes?.find((n) => n.startsWith('also rendered by'));
    assert.ok(cli);
    // The same words; what to do names the editor's Apply (as `manifests apply <file>` says it), the paths relative.
    const note = shown(cli.replace(`give --apply-to ${file}`, `apply to ${file}`), root);
    assert.equal(note, 'also rendered by overlays/prod/kustomization.yaml as prod/Deployment/web: this edit changes its cpu request too '
      + '(its patches set only the memory request); apply to base/deployment.yaml only if that is meant, or add that value to a patch in overlays/prod');
    assert.equal(apply?.tooltip, `Set web's resources in this file (undoable)\nnote: ${note}`);
    assert.equal(apply?.refused, undefined);
    // Before: no word of prod.
    assert.equal(view(file, DEPLOY, recs, root, false).lenses.find((l) => l.kind === 'apply')?.tooltip, 'Set web\'s resources in this file (undoable)');
    // Outside a repository (no .git), as the CLI: overlays/prod is not looked for.
    const bare = writeTree('mora-lens-overlay-', PROD_OVERLAY_TREE);
    assert.equal(view(join(bare, 'base/deployment.yaml'), DEPLOY, recs, bare).lenses.find((l) => l.kind === 'apply')?.tooltip, 'Set web\'s resources in this file (undoable)');
  });

  it('a namePrefix overlay renders web as canary-web: noted too', () => {
    const root = repo({ ...PROD_OVERLAY_TREE, 'overlays/canary/kustomization.yaml': 'namePrefix: canary-\nresources:\n- ../../base\n' });
    const file = join(root, 'base/deployment.yaml');
    const tooltip = view(file, DEPLOY, [recommendationFor()], root).lenses.find((l) => l.kind === 'apply')?.tooltip ?? '';
    assert.match(tooltip, /\nnote: also rendered by overlays\/canary\/kustomization\.yaml as default\/Deployment\/canary-web: this edit changes its cpu request and memory request too/);
    assert.match(tooltip, /\nnote: also rendered by overlays\/prod\/kustomization\.yaml as prod\/Deployment\/web:/);
  });

  it('prod/web recommended otherwise: the Apply lens is refused in the CLI\'s words, and "apply all" leaves it out', () => {
    const three = [DEPLOY, DEPLOY.replace('name: web\nspec', 'name: api\nspec'), DEPLOY.replace('name: web\nspec', 'name: db\nspec')].join('---\n');
    const root = repo({ ...PROD_OVERLAY_TREE, 'base/deployment.yaml': three });
    const file = join(root, 'base/deployment.yaml');
    const recs = [recommendationFor(), recommendationFor({ name: 'api' }), recommendationFor({ name: 'db' }), recommendationFor({ namespace: 'prod', cpu: 0.75 })];
    const got = view(file, three, recs, root);
    const applies = got.lenses.filter((l) => l.kind === 'apply');
    assert.deepEqual(applies.map((l) => l.title), ['Apply: refused, an overlay recommends it otherwise', 'Apply', 'Apply']);
    const cli = applyToManifests(file, [recommendationFor(), recommendationFor({ namespace: 'prod', cpu: 0.75 })], 'default', false, { dryRun: true })[0].error;
    assert.match(cli ?? '', /^also rendered by .*overlays\/prod\/kustomization\.yaml as prod\/Deployment\/web, whose own recommendation sets the cpu request to 750m/);
    assert.equal(applies[0].tooltip, shown(cli!, root));
    assert.equal(applies[0].refused, shown(cli!, root));
    assert.equal(applies[0].changes.length, 1, 'the lens keeps its change: the Apply it runs refuses it');
    assert.deepEqual(got.lenses.find((l) => l.kind === 'file')?.changes.map((c) => c.target.name), ['api', 'db']);
    // The Apply's own check (ManifestViews.refusal): the same reason, for the lens's change or with the others.
    const find = (c: { namespace: string | null; kind: string; name: string; container: string }) =>
      recs.find((r) => r.workload.namespace === (c.namespace ?? 'default') && r.workload.kind === c.kind && r.workload.name === c.name);
    const placement = kustomizePlacement(file, three, root);
    assert.equal(firstRefusal(placement, applies[0].changes, 'default', { containers: got.scan.containers, find })?.reason, shown(cli!, root));
    assert.equal(firstRefusal(placement, applies[1].changes, 'default', { containers: got.scan.containers, find }), undefined);
    // Before: an Apply that would hand prod/web the base's 200m.
    assert.deepEqual(view(file, three, recs, root, false).lenses.filter((l) => l.kind === 'apply').map((l) => l.title), ['Apply', 'Apply', 'Apply']);
  });

  it('prod/web\'s own replicas differ: the replicas lens is refused; the same replicas: noted', () => {
    const root = repo(PROD_OVERLAY_TREE);
    const file = join(root, 'base/deployment.yaml');
    const replicas = (prodTo: number) => view(file, DEPLOY, [withReplicas(recommendationFor(), 4), withReplicas(recommendationFor({ namespace: 'prod' }), prodTo)], root)
      .lenses.find((l) => l.kind === 'replicas');
    const refused = replicas(6);
    assert.match(refused?.title ?? '', /^MOrA: replicas 2 → 4.* · refused, an overlay recommends it otherwise$/);
    assert.match(refused?.refused ?? '', /^also rendered by overlays\/prod\/kustomization\.yaml as prod\/Deployment\/web, whose own recommendation sets the replicas to 6, but this edit, for default\/Deployment\/web, writes 4/);
    const same = replicas(4);
    assert.equal(same?.refused, undefined);
    assert.match(same?.tooltip ?? '', /^load\nnote: also rendered by overlays\/prod\/kustomization\.yaml as prod\/Deployment\/web: this edit changes its replicas too .*\(the values its own recommendation gives too\)$/);
  });

  it('an HPA naming namespace prod owns web\'s replicas where a kustomization with namespace: prod lists both (in the file, and beside it)', () => {
    const hpa = 'apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: web\n  namespace: prod\nspec:\n'
      + '  scaleTargetRef:\n    apiVersion: apps/v1\n    kind: Deployment\n    name: web\n  minReplicas: 2\n  maxReplicas: 8\n';
    const rec = withReplicas(recommendationFor({ namespace: 'prod' }), 4);
    // In the deployment's own file.
    const inFile = `${DEPLOY}---\n${hpa}`;
    let root = writeTree('mora-lens-hpa-', { 'app/deployment.yaml': inFile, 'app/kustomization.yaml': 'namespace: prod\nresources:\n- deployment.yaml\n' });
    let file = join(root, 'app/deployment.yaml');
    const replicasLens = (v: ReturnType<typeof view>) => v.lenses.find((l) => l.kind === 'replicas');
    assert.match(replicasLens(view(file, inFile, [rec], root))?.title ?? '', /^MOrA: replicas left to the HPA web \(2\.\.8\)/);
    assert.deepEqual(replicasLens(view(file, inFile, [rec], root))?.changes, []);
    // In hpa.yaml beside it (the folder's autoscalers, as the editor reads them).
    root = writeTree('mora-lens-hpa-', { 'app/deployment.yaml': DEPLOY, 'app/hpa.yaml': hpa, 'app/kustomization.yaml': 'namespace: prod\nresources:\n- deployment.yaml\n- hpa.yaml\n' });
    file = join(root, 'app/deployment.yaml');
    const elsewhere = new FolderAutoscalers().besides(file);
    const besides = replicasLens(view(file, DEPLOY, [rec], root, true, { elsewhere }));
    assert.match(besides?.title ?? '', /^MOrA: replicas left to the HPA web \(2\.\.8\): .* \(in hpa\.yaml\)$/);
    assert.deepEqual(besides?.changes, []);
    // Before: web compared in default, the HPA in prod: the count was offered over the HPA's.
    const before = manifestView(DEPLOY, (_n, k, n) => (k === 'Deployment' && n === 'web' ? rec : undefined), 'default', { elsewhere });
    assert.match(replicasLens(before)?.title ?? '', /^MOrA: replicas 2 → 4/);
  });
  it('the overlay search is shared by a document\'s next versions for a few seconds, and made again once a kustomization changed', () => {
    const root = repo(PROD_OVERLAY_TREE);
    const file = join(root, 'base/deployment.yaml');
    let clock = 0;
    const placements = new KustomizePlacements(undefined, () => clock);
    const recs = [recommendationFor()];
    const notes = (version: number) => {
      const v = manifestView(DEPLOY, lookupIn(recs), 'default', { kustomize: placements.get(file, version, () => DEPLOY, root)! });
      return (v.lenses.find((l) => l.kind === 'apply')?.tooltip ?? '').split('\nnote: ').slice(1).map((n) => n.replace(/ as .*/, ''));
    };
    assert.deepEqual(notes(1), ['also rendered by overlays/prod/kustomization.yaml']);
    assert.deepEqual(notes(2), ['also rendered by overlays/prod/kustomization.yaml']);
    assert.equal(placements.searched, 1, 'one walk for two versions');
    // A new overlay, written where no watcher looks: seen once the search is older than OVERLAY_REUSE_MS.
    mkdirSync(join(root, 'overlays/canary'));
    writeFileSync(join(root, 'overlays/canary/kustomization.yaml'), 'namePrefix: canary-\nresources:\n- ../../base\n');
    assert.deepEqual(notes(3), ['also rendered by overlays/prod/kustomization.yaml']);
    clock += OVERLAY_REUSE_MS;
    assert.deepEqual(notes(4), ['also rendered by overlays/canary/kustomization.yaml', 'also rendered by overlays/prod/kustomization.yaml']);
    assert.equal(placements.searched, 2);
    // A kustomization saved in the editor, or seen by a watcher (clear): at once.
    placements.clear();
    notes(4);
    assert.equal(placements.searched, 3);
  });
});
