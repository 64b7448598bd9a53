// Manifests Kubernetes itself would refuse are refused by `mora manifests` with a line that says what is wrong, instead
// of being read as something else: an alias without its anchor read as "no resources set", and of two containers with
// one name the first was edited. And a workload without containers (a kustomize replicas patch) takes a replicas edit.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mora } from './helpers/run-cli';
import { editManifest, ManifestEditError, scanManifest } from '../../src/manifests';

function deployment(containers: string, head = ''): string {
  return `${head}apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n${containers}`;
}

describe('manifests: input Kubernetes would refuse', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'mora-manifests-ambiguous-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('an alias without its anchor in the same document is invalid YAML, not a container without resources', async () => {
    const inOtherDocument = 'x-res: &res\n  requests:\n    cpu: 100m\n---\n'
      + deployment('      containers:\n        - name: app\n          resources: *res\n');
    const misspelt = deployment('      x: &res {requests: {cpu: 1}}\n      containers:\n        - name: app\n          resources: *rse\n');
    for (const [name, text, line] of [['other-doc.yaml', inOtherDocument, 14], ['misspelt.yaml', misspelt, 11]] as const) {
      const scan = scanManifest(text, { mode: 'thorough' });
      assert.equal(scan.containers.length, 0, name);
      assert.ok(scan.documents.some((d) => d.status === 'invalid'), name);
      const file = join(dir, name);
      writeFileSync(file, text);
      const r = await mora(['manifests', 'scan', file]);
      // Before: exit 0 and a row with "-" for every request, as if the container set none.
      assert.equal(r.code, 2, r.out);
      assert.match(r.err, new RegExp(`not valid YAML at line ${line}: alias \\*(res|rse) has no anchor &(res|rse) before it in this document`));
      const a = await mora(['manifests', 'apply', file, '--set', 'Deployment/web/app=cpu=200m', '--in-place']);
      assert.equal(a.code, 2);
      assert.equal(readFileSync(file, 'utf8'), text);
    }
    // An anchor set before its alias in the same document still reads through.
    const fine = deployment('      x: &res {requests: {cpu: 250m}}\n      containers:\n        - name: app\n          resources: *res\n');
    assert.equal(scanManifest(fine, { mode: 'thorough' }).containers[0].requests.cpu?.value, '250m');
  });

  it('two containers with one name: apply names the clash instead of editing the first', async () => {
    const text = deployment('      initContainers:\n        - name: app\n      containers:\n        - name: app\n        - name: side\n');
    assert.throws(() => editManifest(text, [{ type: 'resources', target: { kind: 'Deployment', name: 'web', container: 'app' }, set: { requests: { cpu: '1' } } }]),
      (e: unknown) => e instanceof ManifestEditError && e.message === 'Deployment/web has 2 containers named "app" (in containers and initContainers); Kubernetes requires unique container names: rename one first');
    const file = join(dir, 'dup.yaml');
    writeFileSync(file, text);
    const r = await mora(['manifests', 'apply', file, '--set', 'Deployment/web/app=cpu=1', '--in-place']);
    assert.equal(r.code, 2);
    assert.match(r.err, /has 2 containers named "app"/);
    assert.equal(readFileSync(file, 'utf8'), text);
    // The other container is still edited.
    const side = editManifest(text, [{ type: 'resources', target: { kind: 'Deployment', name: 'web', container: 'side' }, set: { requests: { cpu: '1' } } }]).text;
    assert.match(side, /- name: side\n {10}resources:\n {12}requests:\n {14}cpu: 1\n/);
  });
});

describe('manifests: a kustomize replicas patch (a workload without containers)', () => {
  it('apply --replicas edits it (it failed with "internal error: the edited text did not read back")', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mora-manifests-patch-'));
    try {
      const patch = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  replicas: 3 # prod\n';
      const file = join(dir, 'replicas-patch.yaml');
      writeFileSync(file, patch);
      const r = await mora(['manifests', 'apply', file, '--replicas', 'shop/Deployment/web=5', '--in-place']);
      assert.equal(r.code, 0, r.err);
      assert.equal(readFileSync(file, 'utf8'), patch.replace('replicas: 3', 'replicas: 5'));
      // Without a replicas key it is added as the first key of spec; in CRLF it stays CRLF.
      const crlf = 'apiVersion: apps/v1\r\nkind: Deployment\r\nmetadata:\r\n  name: web\r\nspec:\r\n  template:\r\n    spec:\r\n      containers: []\r\n';
      assert.equal(editManifest(crlf, [{ type: 'replicas', target: { kind: 'Deployment', name: 'web' }, replicas: 2 }]).text,
        crlf.replace('spec:\r\n  template', 'spec:\r\n  replicas: 2\r\n  template'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('on a folder, the patch holds the workload\'s replicas: with its base too the target is refused; alone it is written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mora-manifests-patch-'));
    try {
      mkdirSync(join(dir, 'base'));
      mkdirSync(join(dir, 'overlay'));
      const base = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  replicas: 1\n  template:\n    spec:\n      containers:\n      - name: app\n        image: x\n';
      const patch = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  replicas: 3\n';
      writeFileSync(join(dir, 'base', 'web.yaml'), base);
      writeFileSync(join(dir, 'overlay', 'replicas.yaml'), patch);
      // Before, the base alone counted: it got 5 while the overlay's 3 wins in the cluster.
      const both = await mora(['manifests', 'apply', dir, '--replicas', 'shop/Deployment/web=5', '--in-place']);
      assert.equal(both.code, 2, both.err);
      assert.match(both.err, /shop\/Deployment\/web is in 2 files: \S*base\/web\.yaml, \S*overlay\/replicas\.yaml; nothing was written/);
      assert.equal(readFileSync(join(dir, 'base', 'web.yaml'), 'utf8'), base);
      // Before, the overlay's folder alone had "no shop/Deployment/web".
      const overlay = await mora(['manifests', 'apply', join(dir, 'overlay'), '--replicas', 'shop/Deployment/web=5', '--in-place']);
      assert.equal(overlay.code, 0, overlay.err);
      assert.equal(readFileSync(join(dir, 'overlay', 'replicas.yaml'), 'utf8'), patch.replace('replicas: 3', 'replicas: 5'));
      // Resources still go to the one file with the container.
      const resources = await mora(['manifests', 'apply', dir, '--set', 'shop/Deployment/web/app=cpu=200m', '--in-place']);
      assert.equal(resources.code, 0, resources.err);
      assert.match(readFileSync(join(dir, 'base', 'web.yaml'), 'utf8'), /cpu: 200m/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
