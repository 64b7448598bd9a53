import assert from 'node:assert/strict';
import type { Recommendation } from '../../src/core/recommendation';
import type { WorkloadRef } from '../../src/core/workload';
import { RecommendationIndex } from '../../src/views/recommendation-index';

/** A recommendation whose only container carries `tag` as its name, so tests can tell entries apart. */
function rec(context: string, namespace: string, name: string, tag: string, kind: WorkloadRef['kind'] = 'Deployment'): Recommendation {
  return {
    workload: { context, namespace, kind, name },
    containers: [{ container: tag } as Recommendation['containers'][number]],
    qos: 'Burstable', confidence: 0.8, generatedAt: 0,
  };
}
const tag = (r: Recommendation | undefined): string | undefined => r?.containers.map((c) => c.container).join('+');

describe('recommendation index across kubeconfig contexts', () => {
  it('keeps the same namespace/workload of two contexts apart', () => {
    const ix = new RecommendationIndex();
    ix.put(rec('staging', 'shop', 'cart', 'staging-advice'));
    ix.put(rec('prod', 'shop', 'cart', 'prod-advice'));
    assert.equal(ix.size, 2);
    assert.equal(tag(ix.get({ context: 'staging', namespace: 'shop', kind: 'Deployment', name: 'cart' })), 'staging-advice');
    assert.equal(tag(ix.get({ context: 'prod', namespace: 'shop', kind: 'Deployment', name: 'cart' })), 'prod-advice');
  });

  it('gives a manifest the current context\'s advice, else the first context\'s, whatever the kind\'s case', () => {
    const ix = new RecommendationIndex();
    ix.put(rec('staging', 'shop', 'cart', 'staging-advice'));
    ix.put(rec('prod', 'shop', 'cart', 'prod-advice'));
    assert.equal(tag(ix.forManifest('shop', 'Deployment', 'cart', 'prod')), 'prod-advice');
    assert.equal(tag(ix.forManifest('shop', 'deployment', 'cart', 'staging')), 'staging-advice');
    assert.equal(tag(ix.forManifest('shop', 'Deployment', 'cart', 'dev')), 'staging-advice', 'current context without it: the first');
    assert.equal(tag(ix.forManifest('shop', 'Deployment', 'cart')), 'staging-advice');
    assert.equal(ix.forManifest('shop', 'StatefulSet', 'cart', 'prod'), undefined, 'another kind is another workload');
    assert.deepEqual(ix.contextsFor('shop', 'Deployment', 'cart'), ['staging', 'prod']);
  });

  it('replaces one context\'s namespace without touching the other context', () => {
    const ix = new RecommendationIndex();
    ix.put(rec('staging', 'shop', 'cart', 'staging-advice'));
    ix.put(rec('staging', 'shop', 'gone', 'old'));
    ix.put(rec('prod', 'shop', 'cart', 'prod-advice'));
    ix.dropNamespace('staging', 'shop');
    assert.equal(ix.size, 1);
    assert.equal(tag(ix.forManifest('shop', 'Deployment', 'cart', 'staging')), 'prod-advice');
    assert.equal(ix.forManifest('shop', 'Deployment', 'gone'), undefined);
    assert.deepEqual(ix.contextsFor('shop', 'Deployment', 'cart'), ['prod']);
  });

  it('merges refined containers into the right context\'s entry, keeping the others and the replica advice', () => {
    const ix = new RecommendationIndex();
    const base = rec('prod', 'shop', 'cart', 'server');
    base.containers.push({ container: 'sidecar' } as Recommendation['containers'][number]);
    base.replicas = { current: 2, recommended: 3, reason: 'measured capacity' } as unknown as Recommendation['replicas'];
    ix.put(base);
    ix.put(rec('staging', 'shop', 'cart', 'server'));
    ix.merge({ ...rec('prod', 'shop', 'cart', 'server'), confidence: 0.95 });
    const merged = ix.get(base.workload)!;
    assert.deepEqual(merged.containers.map((c) => c.container).sort(), ['server', 'sidecar']);
    assert.equal(merged.confidence, 0.95);
    assert.deepEqual(merged.replicas, base.replicas);
    assert.equal(ix.get({ ...base.workload, context: 'staging' })!.containers.length, 1, 'the other context is untouched');
  });
});
