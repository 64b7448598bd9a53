/**
 * OpenShift's DeploymentConfig (apps.openshift.io/v1) holds its pod template at spec.template and its count at
 * spec.replicas, as a ReplicationController does. OpenShift repositories are full of them; scan found no container in
 * one and apply said the target did not exist.
 */
import assert from 'node:assert/strict';
import { editManifest, parseChangeSpecs, scanManifest } from '../../src/manifests';

const TEXT = 'apiVersion: apps.openshift.io/v1\nkind: DeploymentConfig\nmetadata:\n  name: frontend # the web tier\n'
  + 'spec:\n  replicas: 2\n  selector:\n    name: frontend\n  template:\n    metadata:\n      labels:\n        name: frontend\n'
  + '    spec:\n      containers:\n      - name: web\n        image: web:1\n        resources:\n          limits:\n'
  + '            cpu: 0.5   # half a core\n            memory: 1e9\n  triggers:\n  - type: ConfigChange\n';

describe('manifests: OpenShift DeploymentConfig', () => {
  it('is a workload: its containers and replicas are found by both parsers', () => {
    for (const mode of ['fast', 'thorough'] as const) {
      const scan = scanManifest(TEXT, { mode });
      assert.deepEqual(scan.containers.map((c) => [c.kind, c.name, c.container, c.replicas?.value, c.limits.cpu?.value, c.limits.memory?.value]),
        [['DeploymentConfig', 'frontend', 'web', '2', '0.5', '1e9']], mode);
    }
  });

  it('is edited in place by kind or by its short name dc, comments kept', () => {
    const out = editManifest(TEXT, parseChangeSpecs({ set: ['dc/frontend/web=cpu=250m,limits.cpu=1'], replicas: ['DeploymentConfig/frontend=3'] })).text;
    assert.equal(out, TEXT.replace('replicas: 2', 'replicas: 3').replace('cpu: 0.5   #', 'cpu: 1   #')
      .replace('          limits:\n', '          requests:\n            cpu: 250m\n          limits:\n'));
  });
});
