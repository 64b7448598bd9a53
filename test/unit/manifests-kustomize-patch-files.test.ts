/**
 * A kustomize overlay whose JSON 6902 patch is a file of its own (`patches: - path: cpu.yaml` with a `target`, or
 * the legacy `patchesJson6902: - path:`): the file is a list of operations, not a manifest, so its scan finds no
 * workload; yet the overlay's value wins over the base, so `manifests apply <dir>` editing only the base changed
 * nothing kustomize renders. It is refused as an inline patch is, naming the patch file; nothing is written.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mora } from './helpers/run-cli';

const BASE = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n  template:\n    spec:\n'
  + '      containers:\n        - name: web\n          image: nginx\n          resources:\n            requests:\n              cpu: 100m # base\n';

describe('mora manifests apply on a folder: a kustomization\'s JSON 6902 patch files', () => {
  let dir: string;
  const write = (rel: string, body: string) => {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), body);
  };
  const apply = (...args: string[]) => mora(['manifests', 'apply', dir, ...args, '--in-place']);
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mora-kustomize-patch-files-'));
    write('base/deploy.yaml', BASE);
    write('base/kustomization.yaml', 'resources:\n  - deploy.yaml\n');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a container whose resources a patch file sets, naming the file; the base is untouched', async () => {
    write('overlays/prod/kustomization.yaml', 'resources:\n  - ../../base\npatches:\n  - path: patches/cpu.yaml\n    target:\n      kind: Deployment\n      name: web\n');
    write('overlays/prod/patches/cpu.yaml', '- op: replace\n  path: /spec/template/spec/containers/0/resources/requests/cpu\n  value: 500m\n');
    const r = await apply('--set', 'deploy/web/web=cpu=200m');
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /Deployment\/web\/web is in 2 files: .*base[\\/]deploy\.yaml, .*overlays[\\/]prod[\\/]patches[\\/]cpu\.yaml \(JSON 6902 patch, patches\[0\] of .*kustomization\.yaml, line 4\); nothing was written/);
    assert.equal(readFileSync(join(dir, 'base', 'deploy.yaml'), 'utf8'), BASE);
    const scan = await mora(['manifests', 'scan', dir]);
    assert.equal(scan.code, 0, scan.err);
    assert.match(scan.err, /note: Deployment\/web\/web is in 2 files: .*cpu\.yaml \(JSON 6902 patch, .*\(an overlay's patch file wins over the base\)/);
    // The patch does not set replicas: those are the base's to write.
    const n = await apply('--replicas', 'deploy/web=3');
    assert.equal(n.code, 0, n.err);
    assert.equal(readFileSync(join(dir, 'base', 'deploy.yaml'), 'utf8'), BASE.replace('replicas: 1', 'replicas: 3'));
  });

  it('a strategic merge patch file with a placeholder name holds the target its entry selects', async () => {
    write('overlays/prod/kustomization.yaml', 'resources:\n  - ../../base\npatches:\n  - path: cpu.yaml\n    target:\n      kind: Deployment\n      name: web\n');
    write('overlays/prod/cpu.yaml', 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: not-important\nspec:\n  template:\n    spec:\n'
      + '      containers:\n        - name: web\n          resources:\n            requests:\n              cpu: 900m\n');
    const r = await apply('--set', 'deploy/web/web=cpu=200m');
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /Deployment\/web\/web is in 2 files: .*deploy\.yaml, .*cpu\.yaml \(patch of Deployment\/web by patches\[0\] of .*kustomization\.yaml, line 4\); nothing was written/);
    assert.equal(readFileSync(join(dir, 'base', 'deploy.yaml'), 'utf8'), BASE);
    // Named as its target: the file itself holds it, counted once.
    write('overlays/prod/cpu.yaml', readFileSync(join(dir, 'overlays', 'prod', 'cpu.yaml'), 'utf8').replace('not-important', 'web'));
    const same = await apply('--set', 'deploy/web/web=cpu=200m');
    assert.equal(same.code, 2, same.err);
    assert.match(same.err, /is in 2 files: .*deploy\.yaml, .*cpu\.yaml; nothing was written/);
  });

  it('legacy patchesJson6902 with a JSON patch file of /spec/replicas holds the replicas, not the resources', async () => {
    write('overlays/b/kustomization.yaml', 'resources:\n  - ../../base\npatchesJson6902:\n  - target: {group: apps, version: v1, kind: Deployment, name: web}\n    path: replicas.json\n');
    write('overlays/b/replicas.json', '[{"op": "replace", "path": "/spec/replicas", "value": 4}]\n');
    const r = await apply('--replicas', 'deploy/web=3');
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /replicas\.json \(JSON 6902 patch, patchesJson6902\[0\] of .*line 4\)/);
    assert.equal(readFileSync(join(dir, 'base', 'deploy.yaml'), 'utf8'), BASE);
    const c = await apply('--set', 'deploy/web/web=cpu=200m');
    assert.equal(c.code, 0, c.err);
    assert.equal(readFileSync(join(dir, 'base', 'deploy.yaml'), 'utf8'), BASE.replace('cpu: 100m #', 'cpu: 200m #'));
  });
});
