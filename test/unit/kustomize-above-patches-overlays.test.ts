/**
 * A file or folder given below its kustomization (overlays/prod/deploy/web.yaml, the folder overlays/prod/deploy) is
 * checked against the nearest kustomization above it (kustomizationAbove) as when that kustomization's folder is given:
 * an inline patch of it that sets the target wins over the edit (refused, nothing written), and a namePrefix of it
 * renders the edit under another name (noted; refused by recommend when that name's own recommendation differs).
 * Before, that kustomization placed the file in its namespace only: the edit was written while the patch still won,
 * and the other name went unsaid.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { WEB_DEPLOYMENT as DEPLOY, applyToReport as report, readTree, recommendationFor, writeTree, INLINE_CPU_PATCH } from '../harness/manifest-tree';
import { applyToManifests } from '../../src/cli/commands/apply-to-manifests';
import { mora } from './helpers/run-cli';

const tree = (files: Record<string, string>) => writeTree('mora-kust-above-checks-', files);
const INLINE = 'namespace: prod\nresources:\n- deploy/web.yaml\n' + INLINE_CPU_PATCH;

describe('the kustomization above a file or folder given counts for the patch check and the overlay note', () => {
  const patched = { 'overlays/prod/deploy/web.yaml': DEPLOY, 'overlays/prod/kustomization.yaml': INLINE };

  it('manifests apply the file and its folder: the inline patch above wins, refused as for overlays/prod, nothing written', async () => {
    const root = tree(patched);
    const k = join(root, 'overlays/prod/kustomization.yaml');
    const whole = await mora(['manifests', 'apply', join(root, 'overlays/prod'), '--set', 'prod/Deployment/web/web=cpu=100m', '--diff']);
    assert.equal(whole.code, 2, whole.err);
    for (const given of ['overlays/prod/deploy/web.yaml', 'overlays/prod/deploy']) {
      for (const mode of ['--diff', '--in-place']) {
        const r = await mora(['manifests', 'apply', join(root, given), '--set', 'prod/Deployment/web/web=cpu=100m', mode]);
        assert.equal(r.code, 2, `${given} ${mode}: ${r.err}`);
        assert.ok(r.err.includes(`but a patch outside the path given sets it too: ${k} (inline patch patches[0], line 5), reached by the kustomization above it (${k}); `
          + 'that patch wins over an edit here, so nothing was written'), `${given}: ${r.err}`);
        assert.equal(r.out, '');
      }
    }
    assert.deepEqual(readTree(root, patched), patched);
  });

  it('recommend --apply-to the file and its folder: the same refusal, the dry run too', () => {
    for (const given of ['overlays/prod/deploy/web.yaml', 'overlays/prod/deploy']) {
      for (const dryRun of [true, false]) {
        const root = tree(patched);
        const results = applyToManifests(join(root, given), [recommendationFor({ namespace: 'prod' })], 'default', false, { dryRun });
        const { err, failure } = report(results);
        assert.match(failure ?? '', /could not be updated/, `${given}: ${err}`);
        assert.match(err, /a patch outside the path given sets it too: .*overlays\/prod\/kustomization\.yaml \(inline patch patches\[0\], line 5\), reached by the kustomization above it/);
        assert.equal(results[0].diff, undefined);
        assert.deepEqual(readTree(root, patched), patched);
      }
    }
  });

  const canary = { 'overlays/canary/deploy/web.yaml': DEPLOY, 'overlays/canary/kustomization.yaml': 'namePrefix: canary-\nresources:\n- deploy/web.yaml\n' };

  it('manifests apply the file and its folder: noted as rendered under canary-web, as overlays/canary given is; written', async () => {
    const root = tree(canary);
    const k = join(root, 'overlays/canary/kustomization.yaml');
    const file = join(root, 'overlays/canary/deploy/web.yaml');
    const note = `mora: note: ${file}: also rendered by ${k} as default/Deployment/canary-web: this edit changes its cpu request too `
      + `(no patch of ${join(root, 'overlays/canary')} sets it); apply to ${file} only if that is meant, or add that value to a patch in ${join(root, 'overlays/canary')}\n`;
    for (const given of ['overlays/canary', 'overlays/canary/deploy/web.yaml', 'overlays/canary/deploy']) {
      const r = await mora(['manifests', 'apply', join(root, given), '--set', 'Deployment/web/web=cpu=100m', '--diff']);
      assert.equal(r.code, 0, r.err);
      assert.equal(r.err.split(note).length, 2, `${given}: ${r.err}`);
    }
    const w = await mora(['manifests', 'apply', join(root, 'overlays/canary/deploy'), '--set', 'Deployment/web/web=cpu=100m', '--in-place']);
    assert.equal(w.code, 0, w.err);
    assert.deepEqual(readTree(root, canary), { ...canary, 'overlays/canary/deploy/web.yaml': DEPLOY.replace('cpu: 500m', 'cpu: 100m') });
  });

  it('recommend --apply-to the file and its folder: the note, and the refusal when canary-web\'s own recommendation differs', () => {
    for (const given of ['overlays/canary/deploy/web.yaml', 'overlays/canary/deploy']) {
      const root = tree(canary);
      const noted = applyToManifests(join(root, given), [recommendationFor()], 'default', false, { dryRun: true });
      assert.match((noted[0].notes ?? []).join('\n'), /also rendered by .*overlays\/canary\/kustomization\.yaml as default\/Deployment\/canary-web: this edit changes its cpu request/, given);
      const refused = applyToManifests(join(root, given), [recommendationFor(), recommendationFor({ name: 'canary-web', cpu: 0.75 })], 'default');
      const { err, failure } = report(refused);
      assert.match(failure ?? '', /could not be updated/, `${given}: ${err}`);
      assert.match(err, /as default\/Deployment\/canary-web, whose own recommendation sets the cpu request to 750m/);
      assert.deepEqual(readTree(root, canary), canary);
    }
  });
});
