/**
 * An ephemeral container (`ephemeralContainers`, what `kubectl debug` adds; seen in `kubectl get pod -o yaml`) takes no
 * resources: Kubernetes refuses them there. A --set naming one says so, instead of only that no such container exists.
 */
import assert from 'node:assert/strict';
import { editManifest, parseChangeSpecs } from '../../src/manifests';

const POD = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: web-0\nspec:\n  containers:\n  - name: app\n    image: a\n'
  + '  ephemeralContainers:\n  - name: debugger-x1\n    image: busybox\n';

describe('manifests: ephemeral containers', () => {
  it('a --set naming one is refused, saying it is ephemeral and takes no resources', () => {
    assert.throws(() => editManifest(POD, parseChangeSpecs({ set: ['pod/web-0/debugger-x1=cpu=100m'] })),
      /^ManifestEditError: Pod\/web-0 has no container named "debugger-x1" \(containers: app\); "debugger-x1" is an ephemeral container, which Kubernetes gives no resources: leave it out$/);
    assert.throws(() => editManifest(POD, parseChangeSpecs({ set: ['pod/web-0/nope=cpu=100m'] })),
      /^ManifestEditError: Pod\/web-0 has no container named "nope" \(containers: app\)$/);
  });
});
