/**
 * The overlay verdict of a document's lenses is about its text as the editor holds it, unsaved edits included: the
 * overlay search (shared by the document's versions for OVERLAY_REUSE_MS) reads only the kustomizations and their patch
 * files, never the edited file itself; the workload it renders is the one the lenses read in the document's text. So
 * renaming base/deployment.yaml's Deployment web to api without saving gets api's verdict (overlays/prod renders it
 * as prod/Deployment/api, whose own recommendation sets the cpu request otherwise: refused), and giving it
 * `namespace: prod` gets none (overlays/prod renders it under the same id) — as a placement read afresh from that text
 * says, with one search for every version and the per-version verdicts never reused across texts.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Recommendation } from '../../src/core/recommendation';
import { kustomizePlacement, KustomizePlacements } from '../../src/views/kustomize-placement';
import { manifestView } from '../../src/views/manifest-lens-model';
import { PROD_OVERLAY_TREE, WEB_DEPLOYMENT as DEPLOY, recommendationFor, writeTree } from '../harness/manifest-tree';

const lookupIn = (recs: readonly Recommendation[]) => (namespace: string, kind: string, name: string) =>
  recs.find((r) => r.workload.namespace === namespace && r.workload.kind === kind && r.workload.name === name);
/** The Apply lenses: title, tooltip. */
const shown = (v: ReturnType<typeof manifestView>) => v.lenses.filter((l) => l.kind === 'apply').map((l) => [l.title, l.tooltip]);

describe('manifest lens model: an unsaved rename gets its own overlay verdict', () => {
  it('renaming web to api, or giving it namespace prod, without saving changes the verdict; the search is shared', () => {
    const root = writeTree('mora-lens-unsaved-rename-', PROD_OVERLAY_TREE);
    mkdirSync(join(root, '.git'));
    const file = join(root, 'base/deployment.yaml');
    const placements = new KustomizePlacements(undefined, () => 0);
    // web's overlay rendering (prod/web) is recommended the same cpu request; api's (prod/api) another one.
    const recs = [recommendationFor(), recommendationFor({ namespace: 'prod' }), recommendationFor({ name: 'api' }),
      recommendationFor({ name: 'api', namespace: 'prod', cpu: 0.75 })];
    const api = DEPLOY.replace('  name: web\nspec', '  name: api\nspec');
    const inProd = DEPLOY.replace('  name: web\nspec', '  name: web\n  namespace: prod\nspec');
    const versions: Array<[string, RegExp]> = [
      [DEPLOY, /\nnote: also rendered by overlays\/prod\/kustomization\.yaml as prod\/Deployment\/web: /],
      [api, /^also rendered by overlays\/prod\/kustomization\.yaml as prod\/Deployment\/api, whose own recommendation sets the cpu request to 750m/],
      [inProd, /^Set web's resources in this file \(undoable\)$/],
      [DEPLOY, /\nnote: also rendered by overlays\/prod\/kustomization\.yaml as prod\/Deployment\/web: /],
      [api, /^also rendered by overlays\/prod\/kustomization\.yaml as prod\/Deployment\/api, /],
    ];
    for (const [i, [text, tooltip]] of versions.entries()) {
      const shared = shown(manifestView(text, lookupIn(recs), 'default', { kustomize: placements.get(file, i + 1, () => text, root)! }));
      const fresh = shown(manifestView(text, lookupIn(recs), 'default', { kustomize: kustomizePlacement(file, text, root)! }));
      assert.deepEqual(shared, fresh, `version ${i + 1}`);
      assert.equal(shared.length, 1, `version ${i + 1}`);
      assert.match(String(shared[0][1]), tooltip, `version ${i + 1}`);
      assert.equal(shared[0][0] === 'Apply: refused, an overlay recommends it otherwise', text === api, `version ${i + 1}`);
    }
    assert.equal(placements.searched, 1, 'one overlay search for every version');
    assert.equal(readFileSync(file, 'utf8'), DEPLOY, 'nothing saved');
  });
});
