/**
 * `mora manifests apply --replicas` leaves a replica count an HPA owns to the HPA (manifest-autoscalers.ts) also where
 * a kustomization puts the workload and its HPA in a namespace: both sides are placed as kustomize renders them
 * (kustomizeNamespaces / placedInKustomizeNamespace), as the target is. Before, the documents' own namespaces were
 * compared: `prod/Deployment/web` (app/kustomization.yaml namespace: prod) did not match web, which names none, so the
 * HPA beside it was not looked for and spec.replicas was written.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { WEB_DEPLOYMENT as DEPLOY, readTree, writeTree } from '../harness/manifest-tree';
import { mora } from './helpers/run-cli';

const HPA = 'apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: web\nspec:\n  scaleTargetRef:\n    apiVersion: apps/v1\n'
  + '    kind: Deployment\n    name: web\n  minReplicas: 2\n  maxReplicas: 8\n';

describe('manifests apply --replicas: an HPA in a kustomize namespace', () => {
  const files = { 'app/deployment.yaml': DEPLOY, 'app/hpa.yaml': HPA, 'app/kustomization.yaml': 'namespace: prod\nresources:\n- deployment.yaml\n- hpa.yaml\n' };

  it('the file given: prod/Deployment/web=5 is not written, noted as the HPA\'s (--in-place, --diff)', async () => {
    const root = writeTree('mora-replicas-kust-', files);
    const file = join(root, 'app/deployment.yaml');
    for (const mode of ['--diff', '--in-place']) {
      const r = await mora(['manifests', 'apply', file, '--replicas', 'prod/Deployment/web=5', mode]);
      assert.equal(r.code, 0, r.err);
      assert.equal(r.out, '', mode);
      assert.match(r.err, /mora: note: Deployment prod\/web: replicas left to the HPA web \(2\.\.8\) \(in \S*hpa\.yaml\); spec\.replicas not written/);
      assert.deepEqual(readTree(root, files), files);
    }
  });

  it('the folder given, and the HPA in the deployment\'s own file: not written either', async () => {
    const own = { 'app/deployment.yaml': `${DEPLOY}---\n${HPA}`, 'app/kustomization.yaml': 'namespace: prod\nresources:\n- deployment.yaml\n' };
    for (const tree of [files, own]) {
      const root = writeTree('mora-replicas-kust-', tree);
      const r = await mora(['manifests', 'apply', join(root, 'app'), '--replicas', 'prod/Deployment/web=5', '--in-place']);
      assert.equal(r.code, 0, r.err);
      assert.match(r.err, /mora: note: Deployment prod\/web: replicas left to the HPA web \(2\.\.8\).*spec\.replicas not written/);
      assert.deepEqual(readTree(root, tree), tree);
    }
  });
});
