/**
 * An anchor whose aliases are all in the targeted container (`requests: &r {…}` and `limits: *r`). Before, the edit was
 * refused with "Apply to the containers that use it first", though no other container uses it: nothing to apply to.
 * Now the container's own aliases become literal copies of what they stood for and the anchor is edited; an anchor also
 * used elsewhere is still refused, naming those containers and the --set that gives each its own copy in the same run.
 */
import assert from 'node:assert/strict';
import { editManifest, ManifestEditError, parseChangeSpecs } from '../../src/manifests';
import { effectiveResources as effective } from './helpers/effective-resources';

const set = (...specs: string[]) => parseChangeSpecs({ set: specs });


const STS = `apiVersion: v1
kind: List
items:
- apiVersion: apps/v1
  kind: StatefulSet
  metadata: {name: db}
  spec:
    replicas: 1
    template:
      spec:
        containers:
        - name: db
          resources:
            requests: &r {cpu: 250m, memory: '1.5Gi'}
            limits: *r
`;

describe('manifests: an anchor used only inside the targeted container', () => {
  it('edits the anchor and writes the container\'s own alias out with the values it had (the reviewer\'s multi.yaml)', () => {
    const out = editManifest(STS, set('StatefulSet/db/db=cpu=200m')).text;
    assert.equal(out, STS.replace("requests: &r {cpu: 250m, memory: '1.5Gi'}", "requests: &r {cpu: 200m, memory: '1.5Gi'}")
      .replace('limits: *r', "limits: {cpu: 250m, memory: '1.5Gi'}"));
    assert.deepEqual(effective(out), { db: { requests: { cpu: '200m', memory: '1.5Gi' }, limits: { cpu: '250m', memory: '1.5Gi' } } });
    // Both at once, and a request above the limit the copy keeps is refused as for any limit (read through the copy).
    assert.deepEqual(effective(editManifest(STS, set('StatefulSet/db/db=memory=2Gi,limits.memory=2Gi')).text).db,
      { requests: { cpu: '250m', memory: '2Gi' }, limits: { cpu: '250m', memory: '2Gi' } });
    assert.throws(() => editManifest(STS, set('StatefulSet/db/db=cpu=300m')), /requests\.cpu 300m would be above limits\.cpu 250m/);
  });

  it('a scalar anchor, a merge key and a block mapping in the same container', () => {
    const head = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: a\n        resources:\n';
    const scalar = `${head}          requests:\n            cpu: &c 250m   # note\n          limits:\n            cpu: *c\n`;
    const out = editManifest(scalar, set('Deployment/web/a=cpu=100m')).text;
    assert.equal(out, `${head}          requests:\n            cpu: &c 100m   # note\n          limits:\n            cpu: 250m\n`);
    const merge = `${head}          requests: &r\n            cpu: 250m\n            memory: 1Gi\n          limits:\n            <<: *r\n            memory: 2Gi\n`;
    const merged = editManifest(merge, set('Deployment/web/a=memory=512Mi')).text;
    assert.deepEqual(effective(merged).a, { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '250m', memory: '2Gi' } });
    // limits sets memory itself, so the merge does not read the edited value and stays; an edit of cpu writes it out.
    assert.match(merged, /<<: \*r\n {12}memory: 2Gi/);
    const cpu = editManifest(merge, set('Deployment/web/a=cpu=100m')).text;
    assert.deepEqual(effective(cpu).a, { requests: { cpu: '100m', memory: '1Gi' }, limits: { cpu: '250m', memory: '2Gi' } });
    assert.doesNotMatch(cpu, /<<|\*r/);
    const block = `${head}          requests: &r\n            cpu: 250m\n          limits: *r\n`;
    assert.equal(editManifest(block, set('Deployment/web/a=cpu=100m')).text,
      `${head}          requests: &r\n            cpu: 100m\n          limits:\n            cpu: 250m\n`);
  });

  it('an anchor other containers use too is refused, naming them and the --set that gives each its own copy; that run then works', () => {
    const text = `${STS}        - name: side
          resources:
            requests: *r
- apiVersion: apps/v1
  kind: Deployment
  metadata: {name: other, namespace: x}
  spec:
    template:
      spec:
        containers:
        - name: o
          resources: {limits: *r}
`;
    assert.throws(() => editManifest(text, set('StatefulSet/db/db=cpu=200m')), (e: unknown) => {
      assert.ok(e instanceof ManifestEditError);
      assert.equal(e.message, 'StatefulSet/db container "db": its resources sit in the YAML anchor &r, which lines 15, 18, 27 also use (*r); editing it would '
        + 'change those too, so nothing was changed: apply to the containers that use it first, StatefulSet/db/side, x/Deployment/other/o (each gets its own '
        + 'copy; with mora manifests apply, in the same run: --set StatefulSet/db/side=cpu=250m --set x/Deployment/other/o=limits.cpu=250m, values they read '
        + "now), or write this container's resources out without the anchor");
      return true;
    });
    const before = effective(text);
    const after = effective(editManifest(text, set('StatefulSet/db/db=cpu=200m', 'StatefulSet/db/side=cpu=250m', 'x/Deployment/other/o=limits.cpu=250m')).text);
    assert.deepEqual(after, { ...before, db: { requests: { cpu: '200m', memory: '1.5Gi' }, limits: { cpu: '250m', memory: '1.5Gi' } } });
  });
});
