/**
 * A Knative Service (serving.knative.dev/v1, `kind: Service`) runs its containers from spec.template.spec, with no
 * spec.replicas (Knative scales it). Scan found no container in one and apply said the target did not exist. A core
 * `v1` Service of the same name is no workload and is never counted as one.
 */
import assert from 'node:assert/strict';
import { editManifest, parseChangeSpecs, scanManifest } from '../../src/manifests';

const KSVC = 'apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata:\n  name: hello\n  namespace: apps\nspec:\n  template:\n'
  + '    metadata:\n      annotations:\n        autoscaling.knative.dev/target: "10"\n    spec:\n      containers:\n'
  + '        - image: ghcr.io/knative/helloworld-go\n          name: user # the app\n          resources:\n            requests: {cpu: 100m}\n';
const CORE = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: hello\n  namespace: apps\nspec:\n  ports:\n  - port: 80\n';

describe('manifests: Knative Service', () => {
  it('is a workload without replicas; a core Service beside it is not', () => {
    for (const mode of ['fast', 'thorough'] as const) {
      const scan = scanManifest(`${CORE}---\n${KSVC}`, { mode });
      assert.deepEqual(scan.containers.map((c) => [c.kind, c.namespace, c.name, c.container, c.replicas, c.requests.cpu?.value]),
        [['Service', 'apps', 'hello', 'user', null, '100m']], mode);
    }
  });

  it('is edited in place as Service/<name>/<container> or ksvc/…, the core Service and comments untouched', () => {
    const text = `${CORE}---\n${KSVC}`;
    const out = editManifest(text, parseChangeSpecs({ set: ['ksvc/hello/user=cpu=250m,memory=256Mi'], replicas: [] })).text;
    assert.equal(out, text.replace('{cpu: 100m}', '{cpu: 250m, memory: 256Mi}'));
    assert.throws(() => editManifest(CORE, parseChangeSpecs({ set: ['Service/hello/user=cpu=1'], replicas: [] })), /no Service\/hello/);
  });
});
