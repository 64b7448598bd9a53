/**
 * `mora manifests scan <dir>`'s "is in 2 files" note places what it compares where kustomize renders it, as
 * `manifests apply` and `recommend --apply-to` do (placedInKustomizeNamespace, kustomize-namespace.ts): an inline patch
 * or a patch file of overlays/prod (namespace: prod) patches prod/web, not the base's default/web, so base and overlay
 * are not said to be the same workload; a file of the overlay beside its inline patch is, under the prefix that
 * `apply` takes. Before, the patches counted without a namespace and matched the base's web in any namespace.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { WEB_DEPLOYMENT as DEPLOY, WEB_MEMORY_PATCH as PATCH, writeTree, INLINE_CPU_PATCH as INLINE } from '../harness/manifest-tree';
import { mora } from './helpers/run-cli';

const tree = (files: Record<string, string>) => writeTree('mora-scan-kust-ns-', files);
const BASE = { 'base/deployment.yaml': DEPLOY, 'base/kustomization.yaml': 'resources:\n- deployment.yaml\n' };
const notes = (err: string) => err.split('\n').filter((l) => l.startsWith('mora: note:'));

describe('manifests scan: the two-files note compares workloads where kustomize renders them', () => {
  it('an overlay\'s inline patch in prod and the base in default: no note', async () => {
    const root = tree({ ...BASE, 'overlays/prod/kustomization.yaml': `namespace: prod\nresources:\n- ../../base\n${INLINE}` });
    const r = await mora(['manifests', 'scan', root]);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(notes(r.err), []);
  });

  it('an overlay\'s patch file in prod and the base in default: no note', async () => {
    const root = tree({ ...BASE, 'overlays/prod/kustomization.yaml': 'namespace: prod\nresources:\n- ../../base\npatches:\n- path: cpu.yaml\n', 'overlays/prod/cpu.yaml': PATCH });
    const r = await mora(['manifests', 'scan', root]);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(notes(r.err), []);
  });

  it('a prod manifest of the overlay and its inline patch: noted as prod/…, naming both', async () => {
    const root = tree({ 'app/kustomization.yaml': `namespace: prod\nresources:\n- web.yaml\n${INLINE}`, 'app/web.yaml': DEPLOY });
    const r = await mora(['manifests', 'scan', root]);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(notes(r.err), [`mora: note: prod/Deployment/web/web is in 2 files: ${join(root, 'app/web.yaml')}, `
      + `${join(root, 'app/kustomization.yaml')} (inline patch patches[0], line 5) (an overlay's inline patch wins over the base); `
      + 'apply on this folder refuses it: edit the patch by hand, or move it to a file of its own']);
  });
});
