/**
 * The "apply all" lens of a kustomize base that an overlay renders under another namespace or name: its tooltip lists
 * the overlay notes of the changes it applies (the per-value lenses' `note: …` lines, in the CLI's words), each note
 * once however many of its changes carry it, and none of a refused change's (left out of "apply all").
 * Before, the per-value tooltips carried the notes but "apply all", which applies them all at once, said nothing of them.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Recommendation } from '../../src/core/recommendation';
import type { KustomizePlacement } from '../../src/views/kustomize-placement';
import { kustomizePlacement } from '../../src/views/kustomize-placement';
import { manifestView } from '../../src/views/manifest-lens-model';
import { PROD_OVERLAY_TREE, WEB_DEPLOYMENT as DEPLOY, recommendationFor, writeTree } from '../harness/manifest-tree';

const lookupIn = (recs: readonly Recommendation[]) => (namespace: string, kind: string, name: string) =>
  recs.find((r) => r.workload.namespace === namespace && r.workload.kind === kind && r.workload.name === name);
const withReplicas = (rec: Recommendation, to: number) => ({ ...rec, replicas: { current: 2, recommended: { value: to, lower: to, upper: to }, reason: 'load' } }) as unknown as Recommendation;
const notesOf = (tooltip: string | undefined) => (tooltip ?? '').split('\n').filter((l) => l.startsWith('note: '));
const APPLY_ALL = 'Apply every MOrA recommendation in this file as one undoable edit';

describe('manifest lens model: "apply all" lists the overlay notes of what it applies', () => {
  it('overlays/prod renders base/deployment.yaml into prod: the apply-all tooltip lists every value lens\'s note', () => {
    const two = [DEPLOY, DEPLOY.replace('name: web\nspec', 'name: api\nspec')].join('---\n');
    const root = writeTree('mora-lens-all-notes-', { ...PROD_OVERLAY_TREE, 'base/deployment.yaml': two });
    mkdirSync(join(root, '.git'));
    const file = join(root, 'base/deployment.yaml');
    const recs = [withReplicas(recommendationFor(), 4), withReplicas(recommendationFor({ namespace: 'prod' }), 4), recommendationFor({ name: 'api' })];
    const { lenses } = manifestView(two, lookupIn(recs), 'default', { kustomize: kustomizePlacement(file, two, root)! });
    const values = lenses.filter((l) => l.kind === 'apply' || l.kind === 'replicas');
    const perValue = values.flatMap((l) => notesOf(l.tooltip));
    assert.equal(perValue.length, 3, 'web\'s resources and replicas, api\'s resources: each noted on its own lens');
    const all = lenses.find((l) => l.kind === 'file');
    assert.equal(all?.title, 'MOrA: apply all (3 changes)');
    assert.equal(all?.tooltip, [APPLY_ALL, ...perValue].join('\n'));
    assert.match(all?.tooltip ?? '', /\nnote: also rendered by overlays\/prod\/kustomization\.yaml as prod\/Deployment\/api: /);
  });

  it('a note several changes carry (the walk\'s cap note) is listed once; a refused change\'s notes are not listed', () => {
    const two = [DEPLOY, DEPLOY.replace('name: web\nspec', 'name: api\nspec'), DEPLOY.replace('name: web\nspec', 'name: db\nspec')].join('---\n');
    const capped = 'the overlay search stopped after 10000 files';
    const placement: KustomizePlacement = {
      namespace: undefined,
      refusal: () => undefined,
      overlays: (changes) => {
        const name = changes[0].target.name;
        if (name === 'db') return { notes: ['db note'], refusal: { brief: 'an overlay recommends it otherwise', reason: 'db refused' } };
        return { notes: [`${name} ${changes[0].type} note`, capped] };
      },
      placeAutoscaler: (a) => a,
    };
    const recs = [withReplicas(recommendationFor(), 4), recommendationFor({ name: 'api' }), recommendationFor({ name: 'db' })];
    const { lenses } = manifestView(two, lookupIn(recs), 'default', { kustomize: placement });
    const all = lenses.find((l) => l.kind === 'file');
    assert.deepEqual(all?.changes.map((c) => `${c.target.name} ${c.type}`), ['web resources', 'web replicas', 'api resources']);
    assert.equal(all?.tooltip, [APPLY_ALL, 'note: web resources note', `note: ${capped}`, 'note: web replicas note', 'note: api resources note'].join('\n'));
  });

  it('without overlay notes the tooltip is as it was', () => {
    const two = [DEPLOY, DEPLOY.replace('name: web\nspec', 'name: api\nspec')].join('---\n');
    const { lenses } = manifestView(two, lookupIn([recommendationFor(), recommendationFor({ name: 'api' })]), 'default');
    assert.equal(lenses.find((l) => l.kind === 'file')?.tooltip, APPLY_ALL);
  });
});
