/** From a CodeLens's container to its recommendation, and from the recommendation to the edit of the file. */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyRecommendationsToFile, applyToManifests } from '../../src/cli/commands/apply-to-manifests';
import { parseQuantity } from '../../src/core/quantity';
import { resourceSettings } from '../../src/views/recommendation-text';
import type { Bounded, ContainerRecommendation, Recommendation, ResourceRecommendation } from '../../src/core/recommendation';
import { changesFromRecommendation, editManifest, findRecommendation, scanManifest, settingsFromRecommendation } from '../../src/manifests';

const shop = readFileSync(join(__dirname, '..', 'fixtures', 'manifests', 'shop-namespace.yaml'), 'utf8');
const release = readFileSync(join(__dirname, '..', 'fixtures', 'manifests', 'release-bundle.yaml'), 'utf8');

const b = (value: number): Bounded => ({ value, lower: value, upper: value });
function resource(request: number, limit?: number): ResourceRecommendation {
  return { request: b(request), limit: limit === undefined ? undefined : b(limit), confidence: 0.9,
    evidence: { observed: { p50: 0, p95: 0, p99: 0, max: 0, samples: 1, days: 1 }, margin: 0.1, method: 'test', reason: '', completeness: 1, notes: [] } };
}
function container(name: string, cpu?: [number, number?], memory?: [number, number?]): ContainerRecommendation {
  return { container: name, current: { requests: {}, limits: {} }, verdict: 'ok', confidence: 0.9,
    cpu: cpu && resource(cpu[0], cpu[1]), memory: memory && resource(memory[0], memory[1]) };
}
function workload(namespace: string, name: string, containers: ContainerRecommendation[], replicas?: number, hpa = false): Recommendation {
  return { workload: { context: 'kind-test', namespace, kind: 'Deployment', name }, containers, qos: 'Burstable', confidence: 0.9, generatedAt: 0,
    replicas: replicas === undefined ? undefined : { current: 1, recommended: b(replicas), reason: '',
      hpa: hpa ? { minReplicas: 1, maxReplicas: 3, targetCpuUtilization: 0.7, reason: '' } : undefined } };
}

describe('manifests: recommendations', () => {
  it('matches by the document namespace, else the default namespace, then kind, name and container', () => {
    const recs = [workload('default', 'storefront', [container('web', [0.25])]), workload('shop', 'broker', [container('broker-exporter', [0.02])]),
      workload('other', 'broker', [container('broker', [1])])];
    const inShop = scanManifest(shop).containers;
    assert.equal(findRecommendation(inShop[2], recs, 'default')?.container.container, 'broker-exporter');
    assert.equal(findRecommendation(inShop[1], recs, 'other'), undefined, 'the document namespace wins over the default');
    const inRelease = scanManifest(release).containers;
    assert.equal(findRecommendation(inRelease[0], recs, 'default')?.workload.workload.name, 'storefront');
    assert.equal(findRecommendation(inRelease[0], recs, 'prod'), undefined);
  });

  it('writes recommended amounts in manifest form, limits only where the policy sets them', () => {
    assert.deepEqual(settingsFromRecommendation(container('a', [0.25, 0.5], [256 * 2 ** 20])),
      { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '500m' } });
    assert.deepEqual(settingsFromRecommendation(container('a', undefined, [2 ** 30, 1.5 * 2 ** 30])),
      { requests: { memory: '1Gi' }, limits: { memory: '1536Mi' } });
  });

  it('applies a workload recommendation to its document: containers it has, replicas unless an HPA scales it', () => {
    const scan = scanManifest(shop);
    const broker = scan.containers.filter((c) => c.name === 'broker');
    const rec = workload('shop', 'broker', [container('broker', [0.1], [128 * 2 ** 20]), container('gone', [1])], 2);
    const changes = changesFromRecommendation(broker, rec, { replicas: true });
    assert.deepEqual(changes.map((c) => c.type === 'resources' ? c.target.container : `replicas=${c.replicas}`), ['broker', 'replicas=2']);
    const out = editManifest(shop, changes).text;
    const after = scanManifest(out).containers.find((c) => c.container === 'broker');
    assert.deepEqual([after?.requests.cpu?.value, after?.requests.memory?.value, after?.replicas?.value], ['100m', '128Mi', '2']);
    assert.equal(changesFromRecommendation(broker, workload('shop', 'broker', [], 3, true), { replicas: true }).length, 0);
  });

  describe('a manifest limit below the new request', () => {
    const manifest = (resources: string) => ['apiVersion: apps/v1', 'kind: Deployment', 'metadata: {name: web, namespace: shop}', 'spec:',
      '  template:', '    spec:', '      containers:', '      - name: app', '        resources:', ...resources.split('\n').map((l) => `          ${l}`), ''].join('\n');
    const shapes: Record<string, string> = {
      'plain blocks': 'requests:\n  cpu: 50m\nlimits:\n  cpu: 100m',
      'requests: &r, limits: *r': 'requests: &r {cpu: 50m}\nlimits: *r',
      'requests: &r, limits: *r, block style': 'requests: &r\n  cpu: 50m\nlimits: *r',
    };
    // The engine holds a CPU request at the cluster's limit, but this manifest's own limit is lower: 195m would be refused.
    const rec = workload('shop', 'web', [container('app', [0.195])]);
    const requestAndLimit = (text: string) => {
      const c = scanManifest(text).containers[0];
      return [parseQuantity(c.requests.cpu!.value), parseQuantity(c.limits.cpu!.value)];
    };
    for (const [shape, resources] of Object.entries(shapes)) {
      it(`raises it to the request, never leaving request > limit (${shape}): editor and --apply-to alike`, () => {
        const text = manifest(resources);
        const found = scanManifest(text).containers;
        const changes = changesFromRecommendation(found, rec);
        assert.deepEqual(changes.map((c) => c.type === 'resources' && c.set), [{ requests: { cpu: '195m' }, limits: { cpu: '195m' } }]);
        assert.deepEqual(resourceSettings(rec.containers[0], { cpu: parseQuantity(found[0].limits.cpu!.value) }), { requests: { cpu: '195m' }, limits: { cpu: '195m' } },
          'the editor computes the same values');
        assert.deepEqual(requestAndLimit(editManifest(text, changes).text), [0.195, 0.195]);

        const dir = mkdtempSync(join(tmpdir(), 'mora-limit-'));
        try {
          const file = join(dir, 'web.yaml');
          writeFileSync(file, text);
          const result = applyRecommendationsToFile(file, [rec], 'default', false);
          assert.equal(result.error, undefined, result.error);
          const [request, limit] = requestAndLimit(readFileSync(file, 'utf8'));
          assert.ok(request <= limit, `request ${request} ≤ limit ${limit}`);
          assert.deepEqual([request, limit], [0.195, 0.195]);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      });
    }

    it('leaves a limit at or above the request alone, and a recommended limit wins', () => {
      const text = manifest('requests:\n  cpu: 50m\nlimits:\n  cpu: 300m');
      assert.deepEqual(changesFromRecommendation(scanManifest(text).containers, rec).map((c) => c.type === 'resources' && c.set), [{ requests: { cpu: '195m' } }]);
      const withLimit = workload('shop', 'web', [container('app', [0.195, 0.25])]);
      assert.deepEqual(changesFromRecommendation(scanManifest(manifest('limits: {cpu: 100m}')).containers, withLimit).map((c) => c.type === 'resources' && c.set),
        [{ requests: { cpu: '195m' }, limits: { cpu: '250m' } }]);
    });
  });

  it('--apply-to on a folder: a container in two files is refused (nothing written) in the namespace the recommendation matched in', () => {
    const deployment = (namespace?: string) => ['apiVersion: apps/v1', 'kind: Deployment', 'metadata:', '  name: web',
      ...(namespace ? [`  namespace: ${namespace}`] : []), 'spec:', '  template:', '    spec:', '      containers:', '      - name: app',
      '        resources:', '          requests: {cpu: 50m}', ''].join('\n');
    const rec = workload('shop', 'web', [container('app', [0.2])]);
    const dir = mkdtempSync(join(tmpdir(), 'mora-repeat-'));
    try {
      mkdirSync(join(dir, 'base'));
      mkdirSync(join(dir, 'overlay'));
      // The base has no namespace (kustomize sets it), so the default namespace places it in shop, beside the overlay.
      const files = { [join(dir, 'base', 'web.yaml')]: deployment(), [join(dir, 'overlay', 'web.yaml')]: deployment('shop') };
      for (const [file, text] of Object.entries(files)) writeFileSync(file, text);
      const results = applyToManifests(dir, [rec], 'shop');
      assert.deepEqual(results.map((r) => [r.changed, r.exitCode]), [[0, 2], [0, 2]]);
      assert.match(results[0].error ?? '', /^shop\/Deployment\/web\/app is in 2 files: .*base.web\.yaml, .*overlay.web\.yaml; nothing was written/);
      for (const [file, text] of Object.entries(files)) assert.equal(readFileSync(file, 'utf8'), text);
      // In another namespace the overlay is another workload: the base is written, the overlay has no recommendation.
      writeFileSync(join(dir, 'overlay', 'web.yaml'), deployment('other'));
      assert.deepEqual(applyToManifests(dir, [rec], 'shop').map((r) => r.skipped ?? `${r.changed} changed`), ['1 changed', 'no matching recommendation']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
