// A recommendation made from a metrics.k8s.io snapshot (no Prometheus in the cluster) says so in the sidebar tree:
// "snapshot" next to the numbers and the evidence's snapshot note in the tooltip. A normal one does not.
import * as assert from 'node:assert/strict';
import type { Recommendation } from '../../src/core/recommendation';
import { DemoDataSource } from '../../src/data/demo';
import { ClusterTreeModel, type TreeNode } from '../../src/views/tree-model';

const NOTE = 'snapshot: current usage from metrics.k8s.io (metrics-server) at 2026-11-28T23:00:00Z, 2 pod(s) — no Prometheus found, so no history and no forecast; low confidence';

function rec(name: string, method: string): Recommendation {
  const evidence = (notes: string[]) => ({ observed: { p50: 0.12, p95: 0.12, p99: 0.12, max: 0.12, samples: 1, days: 0 }, margin: 0.5, method, reason: 'current usage', completeness: 1, notes });
  return {
    workload: { context: 'demo', namespace: 'shop', kind: 'Deployment', name }, qos: 'Burstable', confidence: 0.1, generatedAt: 0,
    containers: [{
      container: 'server', current: { requests: {}, limits: {} }, verdict: 'over-provisioned', confidence: 0.1,
      cpu: { request: { value: 0.18, lower: 0.12, upper: 0.27 }, confidence: 0.1, evidence: evidence(method === 'snapshot' ? [NOTE] : []) },
      memory: { request: { value: 420 * 2 ** 20, lower: 400 * 2 ** 20, upper: 440 * 2 ** 20 }, confidence: 0.1, evidence: evidence(method === 'snapshot' ? [NOTE] : []) },
    }],
  };
}

async function container(method: string): Promise<TreeNode> {
  const model = new ClusterTreeModel(new DemoDataSource(), { ensure: async () => 11, get: (w) => rec(w.name, method) });
  let nodes = await model.children();
  for (const label of ['demo', 'shop', 'cartservice']) nodes = await model.children(nodes.find((n) => n.label === label)!);
  return nodes[0];
}

describe('tree: a metrics.k8s.io snapshot recommendation', () => {
  it('is marked "snapshot" with its note in the tooltip', async () => {
    const c = await container('snapshot');
    // No risk stated for a snapshot: `risk —` (the tooltip says why), never the bare capped confidence.
    assert.equal(c.description, 'cpu 200m→180m · mem 64Mi→420Mi · risk — · snapshot');
    assert.match(c.tooltip!, /Risk —: no risk stated for a snapshot value\./);
    assert.doesNotMatch(c.tooltip!, /Confidence/);
    assert.ok(c.tooltip?.endsWith(`\n\n⚠ ${NOTE}`), c.tooltip);
  });

  it('a recommendation from Prometheus history is not', async () => {
    const c = await container('moving-window');
    assert.equal(c.description, 'cpu 200m→180m · mem 64Mi→420Mi · risk —');
    assert.ok(!c.tooltip?.includes('snapshot'), c.tooltip);
  });
});
