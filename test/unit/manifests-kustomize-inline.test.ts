/**
 * `mora manifests apply <dir> --in-place` and a kustomize overlay whose patches are written inline in its
 * kustomization.yaml (`patches: - patch: |-`, strategic merge or JSON 6902, and the legacy patchesStrategicMerge /
 * patchesJson6902): the overlay's value wins, so editing only the base changes nothing kustomize renders. Such a
 * target is refused as a target in two files is, naming the patch; nothing is written.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mora } from './helpers/run-cli';
import { renderKustomize } from './helpers/kustomize-render';

const BASE = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx
          resources:
            requests:
              cpu: 100m
              memory: 128Mi
`;

const SMP = `      apiVersion: apps/v1
      kind: Deployment
      metadata:
        name: web
      spec:
        template:
          spec:
            containers:
              - name: web
                resources:
                  requests:
                    memory: 512Mi
`;

const OVERLAY = `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../../base
patches:
  - patch: |-
${SMP}  - target:
      kind: Deployment
      name: web
    patch: |-
      [ {"op": "replace", "path": "/spec/template/spec/containers/0/resources/requests/cpu", "value": "2"} ]
`;

describe('mora manifests apply on a folder: a kustomization\'s inline patches', () => {
  let dir: string;
  const at = (...p: string[]) => join(dir, ...p);
  const write = (rel: string, body: string) => {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), body);
  };
  const apply = (...args: string[]) => mora(['manifests', 'apply', dir, ...args, '--in-place']);
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mora-kustomize-inline-'));
    write('base/deploy.yaml', BASE);
    write('base/kustomization.yaml', 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - deploy.yaml\n');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a container whose resources an inline strategic merge or JSON 6902 patch sets, naming both patches', async () => {
    write('overlays/prod/kustomization.yaml', OVERLAY);
    // The fixture is what kustomize renders: the overlay's values win over the base's.
    const rendered = renderKustomize(at('overlays', 'prod'));
    if (rendered !== undefined) assert.match(rendered, /cpu: "2"\n\s+memory: 512Mi/);
    const r = await apply('--set', 'deploy/web/web=cpu=1,memory=256Mi');
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /Deployment\/web\/web is in 3 files: .*base\/deploy\.yaml, .*kustomization\.yaml \(inline patch patches\[0\], line 6\), .*\(inline patch patches\[1\], line 19\); nothing was written/);
    assert.equal(readFileSync(at('base', 'deploy.yaml'), 'utf8'), BASE);
    // Replicas: neither patch sets them, so the base is edited.
    const n = await apply('--replicas', 'deploy/web=3');
    assert.equal(n.code, 0, n.err);
    assert.match(readFileSync(at('base', 'deploy.yaml'), 'utf8'), /replicas: 3/);
  });

  it('legacy patchesStrategicMerge and patchesJson6902 with inline content; a JSON 6902 patch of /spec/replicas', async () => {
    write('overlays/a/kustomization.yaml', `resources:\n  - ../../base\npatchesStrategicMerge:\n  - |-\n${SMP}`);
    let r = await apply('--set', 'deploy/web/web=memory=256Mi');
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /overlays\/a\/kustomization\.yaml \(inline patch patchesStrategicMerge\[0\], line 4\)/);
    rmSync(at('overlays'), { recursive: true });
    write('overlays/b/kustomization.yaml', 'kind: Kustomization\nresources:\n  - ../../base\npatchesJson6902:\n  - target: {group: apps, version: v1, kind: Deployment, name: web}\n'
      + '    patch: |-\n      - op: replace\n        path: /spec/replicas\n        value: 4\n'
      + '      - op: add\n        path: /spec/template/spec/containers/0/resources/limits\n        value: {cpu: "1"}\n');
    r = await apply('--replicas', 'deploy/web=3');
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /inline patch patchesJson6902\[0\], line 5/);
    r = await apply('--set', 'deploy/web/web=cpu=200m');
    assert.equal(r.code, 2, r.err);
    assert.equal(readFileSync(at('base', 'deploy.yaml'), 'utf8'), BASE);
  });

  it('a patch of other fields (the image) does not hold the target; a target only in an inline patch is refused', async () => {
    write('overlays/c/kustomization.yaml', 'kind: Kustomization\nresources:\n  - ../../base\npatches:\n  - target: {kind: Deployment, name: web}\n'
      + '    patch: |-\n      [{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "nginx:2"}]\n');
    const r = await apply('--set', 'deploy/web/web=cpu=200m');
    assert.equal(r.code, 0, r.err);
    assert.match(readFileSync(at('base', 'deploy.yaml'), 'utf8'), /cpu: 200m/);
    rmSync(at('base'), { recursive: true });
    write('overlays/c/kustomization.yaml', `kind: Kustomization\nresources:\n  - ../../base\npatches:\n  - patch: |-\n${SMP}`);
    const only = await apply('--set', 'deploy/web/web=memory=1Gi');
    assert.equal(only.code, 2, only.err);
    assert.match(only.err, /Deployment\/web\/web is set only in .*inline patch patches\[0\].*nothing was written/);
  });
});
