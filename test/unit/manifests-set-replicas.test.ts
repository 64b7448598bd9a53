/**
 * `--set <Kind>/<name>/<container>=cpu=…,memory=…,replicas=<n>`: replicas given with the resources in one --set are
 * the workload's `spec.replicas`, as `--replicas <Kind>/<name>=<n>` sets them. Before, `replicas=3` was refused as
 * "cannot read".
 */
import assert from 'node:assert/strict';
import { editManifest, parseChangeSpecs } from '../../src/manifests';

const TEXT = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2 # peak\n  template:\n    spec:\n'
  + '      containers:\n      - name: app\n        image: a\n        resources:\n          requests:\n            cpu: 100m\n';

describe('manifests: replicas in --set', () => {
  it('sets spec.replicas beside the resources, alone too', () => {
    const both = editManifest(TEXT, parseChangeSpecs({ set: ['deploy/web/app=cpu=200m,replicas=3'] })).text;
    assert.equal(both, TEXT.replace('replicas: 2 #', 'replicas: 3 #').replace('cpu: 100m', 'cpu: 200m'));
    const alone = editManifest(TEXT, parseChangeSpecs({ set: ['Deployment/web/app=replicas=4'] })).text;
    assert.equal(alone, TEXT.replace('replicas: 2 #', 'replicas: 4 #'));
  });

  it('refuses a count that is not a whole number, or two different counts, naming the --set', () => {
    assert.throws(() => parseChangeSpecs({ set: ['deploy/web/app=replicas=x'] }), /^ManifestEditError: --set "deploy\/web\/app=replicas=x": replicas "x" is not a whole number$/);
    assert.throws(() => parseChangeSpecs({ set: ['deploy/web/app=replicas=3'], replicas: ['deploy/web=5'] }), /given twice|different|3.*5/);
  });
});
