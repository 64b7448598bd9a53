/**
 * The overlay notes and refusals of a document's lenses are remembered per overlay search (kustomize-placement.ts:
 * verdictsOf), which the document's next versions share: a keystroke does not build them again. What they answer must
 * stay what a placement read afresh answers, whatever changed between two versions: the recommendations (prod/web's own
 * one now sets the cpu request otherwise: refused; gone again: noted), the container's own values, the replicas, or
 * only the lines (a comment above it).
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Recommendation } from '../../src/core/recommendation';
import { kustomizePlacement, KustomizePlacements } from '../../src/views/kustomize-placement';
import { manifestView } from '../../src/views/manifest-lens-model';
import { PROD_OVERLAY_TREE, WEB_DEPLOYMENT as DEPLOY, recommendationFor, writeTree } from '../harness/manifest-tree';

const lookupIn = (recs: readonly Recommendation[]) => (namespace: string, kind: string, name: string) =>
  recs.find((r) => r.workload.namespace === namespace && r.workload.kind === kind && r.workload.name === name);
const withReplicas = (rec: Recommendation, to: number) => ({ ...rec, replicas: { current: 2, recommended: { value: to, lower: to, upper: to }, reason: 'load' } }) as unknown as Recommendation;
/** The Apply and replicas lenses: title, tooltip, refusal. */
const shown = (v: ReturnType<typeof manifestView>) => v.lenses.filter((l) => l.kind === 'apply' || l.kind === 'replicas').map((l) => [l.title, l.tooltip, l.refused]);

describe('manifest lens model: overlay verdicts shared by a document\'s versions', () => {
  it('each version\'s notes and refusals are those of a placement read afresh', () => {
    const root = writeTree('mora-lens-verdicts-', PROD_OVERLAY_TREE);
    mkdirSync(join(root, '.git'));
    const file = join(root, 'base/deployment.yaml');
    const placements = new KustomizePlacements(undefined, () => 0);
    const web = recommendationFor();
    // Each version: its text, the recommendations loaded, whether a lens is refused.
    const versions: Array<[string, Recommendation[], boolean]> = [
      [DEPLOY, [web], false],
      [DEPLOY, [web, recommendationFor({ namespace: 'prod', cpu: 0.75 })], true],
      [DEPLOY, [web], false],
      [DEPLOY.replace('cpu: 500m\n', 'cpu: 500m\n          limits:\n            cpu: 100m\n'), [web], false],
      [`# moved\n\n${DEPLOY}`, [web], false],
      [DEPLOY, [withReplicas(web, 4), withReplicas(recommendationFor({ namespace: 'prod' }), 6)], true],
      [DEPLOY, [withReplicas(web, 4), withReplicas(recommendationFor({ namespace: 'prod' }), 4)], false],
    ];
    const seen: unknown[] = [];
    for (const [i, [text, recs, refused]] of versions.entries()) {
      const shared = shown(manifestView(text, lookupIn(recs), 'default', { kustomize: placements.get(file, i + 1, () => text, root)! }));
      const fresh = shown(manifestView(text, lookupIn(recs), 'default', { kustomize: kustomizePlacement(file, text, root)! }));
      assert.deepEqual(shared, fresh, `version ${i + 1}`);
      assert.equal(shared.some(([title]) => / refused, an overlay recommends it otherwise$/.test(String(title))), refused, `version ${i + 1}`);
      seen.push(shared);
    }
    assert.equal(placements.searched, 1, 'one overlay search for every version');
    // Noted on every version without a refusal; the comment above moved nothing the note says.
    assert.match(String(shown(manifestView(DEPLOY, lookupIn([web]), 'default', { kustomize: placements.get(file, 99, () => DEPLOY, root)! }))[0][1]), /\nnote: also rendered by overlays\/prod/);
    assert.deepEqual(seen[4], seen[0]);
  });
});
