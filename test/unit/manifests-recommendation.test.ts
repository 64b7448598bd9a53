/** From a CodeLens's container to its recommendation, and from the recommendation to the edit of the file. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
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
});
