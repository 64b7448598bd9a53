/**
 * `mora recommend --apply-to <dir>` and `mora manifests scan <dir>` with a kustomize overlay whose kustomization.yaml
 * patches inline (`patches: - patch: |-`, strategic merge or a JSON 6902 list with a target): the overlay's value wins
 * over the base's, so writing the base would change nothing kustomize renders. apply-to refuses it as a container in
 * two files (exit 2, nothing written, the patch named with its line); scan's two-files note names the patch.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoManifests } from '../../src/data/demo';
import { mora } from './helpers/run-cli';
import { renderKustomize } from './helpers/kustomize-render';

/** The demo's Deployment of one workload (namespace shop), alone. */
const deployment = (name: string) => demoManifests().split(/^---\n/m).find((d) => /^kind: Deployment$/m.test(d) && d.includes(`  name: ${name}\n`))!;

const STRATEGIC = `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../../base
patches:
  - patch: |-
      apiVersion: apps/v1
      kind: Deployment
      metadata:
        name: cartservice
        namespace: shop
      spec:
        template:
          spec:
            containers:
              - name: server
                resources:
                  requests:
                    cpu: "2"
`;

const JSON6902 = `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../../base
patches:
  - target:
      kind: Deployment
      name: cartservice
    patch: |-
      [ {"op": "replace", "path": "/spec/template/spec/containers/0/resources/requests/memory", "value": "512Mi"} ]
`;

describe('kustomize inline patches: recommend --apply-to and manifests scan on a folder', function () {
  this.timeout(60000);
  let dir: string;
  const at = (...p: string[]) => join(dir, ...p);
  const write = (rel: string, body: string) => {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), body);
  };
  const applyTo = (...extra: string[]) => mora(['recommend', '--source', 'demo', '-f', 'json', '-q', '--apply-to', dir, '--default-namespace', 'shop', ...extra]);
  const base = deployment('cartservice');
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mora-kustomize-inline-apply-to-'));
    write('base/deployment.yaml', base);
    write('base/kustomization.yaml', 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - deployment.yaml\n');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('apply-to refuses a container whose resources an inline strategic merge patch sets: exit 2, nothing written, the patch and its line named', async () => {
    write('overlays/prod/kustomization.yaml', STRATEGIC);
    const rendered = renderKustomize(at('overlays', 'prod'));
    if (rendered !== undefined) assert.match(rendered, /cpu: "2"/, 'the overlay\'s value is what kustomize renders');
    const r = await applyTo();
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /shop\/Deployment\/cartservice\/server is in 2 files: \S*base\/deployment\.yaml, \S*overlays\/prod\/kustomization\.yaml \(inline patch patches\[0\], line 6\); nothing was written: .*MOrA does not edit inline patches/);
    assert.ok(JSON.parse(r.out).length > 1, 'the recommendations are still printed');
    assert.equal(readFileSync(at('base', 'deployment.yaml'), 'utf8'), base);
    assert.equal(readFileSync(at('overlays', 'prod', 'kustomization.yaml'), 'utf8'), STRATEGIC);
  });

  it('apply-to refuses a container whose resources an inline JSON 6902 patch sets (container index read from the base)', async () => {
    write('overlays/prod/kustomization.yaml', JSON6902);
    const rendered = renderKustomize(at('overlays', 'prod'));
    if (rendered !== undefined) assert.match(rendered, /memory: 512Mi/);
    const r = await applyTo();
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /shop\/Deployment\/cartservice\/server is in 2 files: \S*base\/deployment\.yaml, \S*overlays\/prod\/kustomization\.yaml \(inline patch patches\[0\], line 6\); nothing was written/);
    assert.equal(readFileSync(at('base', 'deployment.yaml'), 'utf8'), base);
  });

  it('apply-to with --replicas refuses a workload whose replicas an inline patch sets; a patch of the image only does not hold it', async () => {
    const currency = deployment('currencyservice');
    write('base/currency.yaml', currency);
    // The demo recommends 3 replicas for currencyservice; the overlay sets 4 inline.
    write('overlays/prod/kustomization.yaml', 'kind: Kustomization\nresources:\n  - ../../base\npatches:\n  - target: {kind: Deployment, name: currencyservice}\n'
      + '    patch: |-\n      - op: replace\n        path: /spec/replicas\n        value: 4\n');
    const r = await applyTo('--replicas');
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /the replicas of shop\/Deployment\/currencyservice are in 2 files: \S*base\/currency\.yaml, \S*kustomization\.yaml \(inline patch patches\[0\], line 5\)/);
    assert.equal(readFileSync(at('base', 'currency.yaml'), 'utf8'), currency);
    assert.equal(readFileSync(at('base', 'deployment.yaml'), 'utf8'), base);
    // An image patch sets no resources: the base is written.
    write('overlays/prod/kustomization.yaml', 'kind: Kustomization\nresources:\n  - ../../base\npatches:\n  - target: {kind: Deployment, name: cartservice}\n'
      + '    patch: |-\n      [{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "cart:2"}]\n');
    const ok = await applyTo();
    assert.equal(ok.code, 0, ok.err);
    assert.notEqual(readFileSync(at('base', 'deployment.yaml'), 'utf8'), base);
  });

  it('scan notes a container that an inline strategic or JSON 6902 patch sets as in 2 files, naming the patch', async () => {
    write('overlays/prod/kustomization.yaml', STRATEGIC);
    write('overlays/staging/kustomization.yaml', JSON6902);
    const r = await mora(['manifests', 'scan', dir]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /note: shop\/Deployment\/cartservice\/server is in 3 files: \S*base\/deployment\.yaml, \S*overlays\/prod\/kustomization\.yaml \(inline patch patches\[0\], line 6\), \S*overlays\/staging\/kustomization\.yaml \(inline patch patches\[0\], line 6\) \(an overlay's inline patch wins/);
    const json = await mora(['manifests', 'scan', dir, '--format', 'json']);
    assert.deepEqual(Object.keys(JSON.parse(json.out)), ['containers', 'skipped'], 'the JSON output keeps its shape');
    // An image patch sets nothing scan warns about.
    write('overlays/prod/kustomization.yaml', 'kind: Kustomization\nresources:\n  - ../../base\npatches:\n  - target: {kind: Deployment, name: cartservice}\n'
      + '    patch: |-\n      [{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "cart:2"}]\n');
    rmSync(at('overlays', 'staging'), { recursive: true });
    const quiet = await mora(['manifests', 'scan', dir]);
    assert.doesNotMatch(quiet.err, /note:/);
  });
});
