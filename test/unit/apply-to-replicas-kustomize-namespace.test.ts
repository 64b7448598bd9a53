/**
 * `mora recommend --apply-to <file|folder> --replicas` leaves a replica count an HPA or KEDA ScaledObject owns to it also
 * where a kustomization puts the workload and the autoscaler in its `namespace:`: both are placed where kustomize renders
 * them (kustomize-namespace.ts), as `manifests apply --replicas` places them (0fede48) and the editor's replicas lens
 * (bba337b). Before, the documents' own namespaces were compared: a prod/Deployment/web recommendation matched web
 * (app/kustomization.yaml namespace: prod) but web, naming no namespace, counted in the default one against the HPA,
 * so spec.replicas was written and the HPA then fought it.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { applyToManifests, type ApplyToResult } from '../../src/cli/commands/apply-to-manifests';
import type { Recommendation } from '../../src/core/recommendation';
import { WEB_DEPLOYMENT as DEPLOY, readTree, recommendationFor, writeTree } from '../harness/manifest-tree';

const HPA = 'apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: web\nspec:\n  scaleTargetRef:\n    apiVersion: apps/v1\n'
  + '    kind: Deployment\n    name: web\n  minReplicas: 2\n  maxReplicas: 8\n';
const HPA_PROD = HPA.replace('  name: web\n', '  name: web\n  namespace: prod\n');
const SCALED_OBJECT = 'apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata:\n  name: web\nspec:\n  scaleTargetRef:\n    name: web\n'
  + '  minReplicaCount: 2\n  maxReplicaCount: 8\n  triggers: []\n';
const KUSTOMIZATION = 'namespace: prod\nresources:\n- deployment.yaml\n- hpa.yaml\n';

/** prod/Deployment/web: cpu 200m and 4 replicas (within the HPA's 2..8). */
function prodWeb(): Recommendation {
  const rec = recommendationFor({ namespace: 'prod' });
  return { ...rec, replicas: { current: 2, recommended: { value: 4, lower: 4, upper: 4 }, reason: 'the peak needs it' } };
}

const replicasLine = (text: string): string | undefined => text.split('\n').find((l) => /^ {2}replicas:/.test(l));
const notes = (results: readonly ApplyToResult[]): string => results.flatMap((r) => r.notes ?? []).join('\n');

describe('recommend --apply-to --replicas: an autoscaler in a kustomize namespace', () => {
  const trees: Array<[string, Record<string, string>, RegExp]> = [
    ['an HPA naming no namespace', { 'app/deployment.yaml': DEPLOY, 'app/hpa.yaml': HPA, 'app/kustomization.yaml': KUSTOMIZATION }, /the HPA web \(2\.\.8\).* \(in \S*hpa\.yaml\)/],
    ['an HPA naming namespace: prod', { 'app/deployment.yaml': DEPLOY, 'app/hpa.yaml': HPA_PROD, 'app/kustomization.yaml': KUSTOMIZATION }, /the HPA web \(2\.\.8\).* \(in \S*hpa\.yaml\)/],
    ['a Deployment naming namespace: dev, an HPA naming none', { 'app/deployment.yaml': DEPLOY.replace('  name: web\n', '  name: web\n  namespace: dev\n'), 'app/hpa.yaml': HPA,
      'app/kustomization.yaml': KUSTOMIZATION }, /the HPA web \(2\.\.8\).* \(in \S*hpa\.yaml\)/],
    ['a KEDA ScaledObject naming no namespace', { 'app/deployment.yaml': DEPLOY, 'app/hpa.yaml': SCALED_OBJECT, 'app/kustomization.yaml': KUSTOMIZATION },
      /the KEDA ScaledObject web \(2\.\.8\).* \(in \S*hpa\.yaml\)/],
    ['an HPA naming namespace: prod in the deployment\'s own file', { 'app/deployment.yaml': `${DEPLOY}---\n${HPA_PROD}`, 'app/kustomization.yaml': 'namespace: prod\nresources:\n- deployment.yaml\n' },
      /the HPA web \(2\.\.8\)[^\n]*; spec\.replicas not written/],
  ];

  for (const [what, tree, where] of trees) {
    for (const given of ['app', 'app/deployment.yaml']) {
      it(`${what}, ${given === 'app' ? 'the folder' : 'the file'} given: spec.replicas left to it, with the note; the resources written`, () => {
        const root = writeTree('mora-apply-to-replicas-kust-', tree);
        const results = applyToManifests(join(root, given), [prodWeb()], 'default', true);
        const text = readTree(root, tree)['app/deployment.yaml'];
        assert.equal(replicasLine(text), '  replicas: 2', 'the autoscaler\'s count is not overwritten');
        assert.match(text, /cpu: 200m/, 'the resources are still written');
        assert.ok(results.every((r) => r.error === undefined), JSON.stringify(results));
        const said = notes(results);
        assert.match(said, /Deployment prod\/web: replicas left to the /);
        assert.match(said, where);
        assert.match(said, /; spec\.replicas not written/);
        for (const [f, t] of Object.entries(tree)) if (f !== 'app/deployment.yaml') assert.equal(readTree(root, tree)[f], t, `${f} unchanged`);
      });
    }
  }

  it('without the kustomization\'s namespace the count is still written (an HPA in prod does not own default\'s web)', () => {
    const tree = { 'app/deployment.yaml': DEPLOY, 'app/hpa.yaml': HPA_PROD, 'app/kustomization.yaml': 'resources:\n- deployment.yaml\n- hpa.yaml\n' };
    const root = writeTree('mora-apply-to-replicas-kust-', tree);
    const rec = { ...prodWeb(), workload: { ...prodWeb().workload, namespace: 'default' } };
    const results = applyToManifests(join(root, 'app'), [rec], 'default', true);
    assert.equal(replicasLine(readTree(root, tree)['app/deployment.yaml']), '  replicas: 4');
    assert.doesNotMatch(notes(results), /replicas left to/);
  });
});
