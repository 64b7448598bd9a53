// The cluster tree's container row stays short: the values, the memory limit the OOM days are about and a compact risk
// next to its targets in the row (at most ROW_MAX characters of description, whatever the values and risks; VS Code
// elides the rest, the tooltip says it all), the risk in words with its targets in the tooltip.
import * as assert from 'node:assert/strict';
import type { ContainerRecommendation, Recommendation, RiskStatement } from '../../src/core/recommendation';
import type { DataSource } from '../../src/data/datasource';
import { DemoDataSource } from '../../src/data/demo';
import { ClusterTreeModel, compactRisk, type TreeNode } from '../../src/views/tree-model';

/**
 * The description's bound: the values and the risk, MOrA's part of the row (the container's name comes before it). 60
 * before the row named the limit and the targets (the risk alone read as if about the request, its target unsaid).
 */
const ROW_MAX = 85;
const MI = 2 ** 20;

function evidence(risk?: RiskStatement) {
  return { observed: { p50: 0, p95: 0, p99: 0, max: 0, samples: 4032, days: 14 }, margin: 0.15, method: 'fused', reason: 'forecast peak + margin', completeness: 1, notes: [], ...(risk ? { risk } : {}) };
}

function container(cpu: { value: number; risk?: RiskStatement }, memory: { value: number; limit?: number; risk?: RiskStatement }): ContainerRecommendation {
  return {
    container: 'server', current: { requests: {}, limits: {} }, verdict: 'over-provisioned', confidence: 0.87,
    cpu: { request: { value: cpu.value, lower: cpu.value, upper: cpu.value }, confidence: 0.87, evidence: evidence(cpu.risk) },
    memory: {
      request: { value: memory.value, lower: memory.value, upper: memory.value }, confidence: 0.87, evidence: evidence(memory.risk),
      ...(memory.limit ? { limit: { value: memory.limit, lower: memory.limit, upper: memory.limit } } : {}),
    },
  };
}

const cpuRisk = (expected: number, target = 0.05): RiskStatement => ({ measure: 'exceedance', target, expected, calibrationDays: 14 });
const memRisk = (expected: number, target = 0.01): RiskStatement => ({ measure: 'oom-days', target, expected, calibrationDays: 14 });

/** The demo's cartservice, its `server` container running with `requests`, recommended `c`. */
async function row(requests: { cpu: number; memory: number }, c: ContainerRecommendation): Promise<TreeNode> {
  const demo = new DemoDataSource();
  const source: DataSource = Object.assign(Object.create(demo) as DataSource, {
    workloads: async (ctx: string, ns: string) => (await demo.workloads(ctx, ns)).map((w) => (w.name !== 'cartservice' ? w : {
      ...w, containers: w.containers.map((s) => ({ ...s, resources: { requests, limits: { memory: requests.memory } } })),
    })),
  });
  const rec = (name: string): Recommendation => ({
    workload: { context: 'demo', namespace: 'shop', kind: 'Deployment', name }, qos: 'Burstable', confidence: 0.87, generatedAt: 0, containers: [c],
  });
  const model = new ClusterTreeModel(source, { ensure: async () => 11, get: (w) => rec(w.name) });
  let nodes = await model.children();
  for (const label of ['demo', 'shop', 'cartservice']) nodes = await model.children(nodes.find((n) => n.label === label)!);
  return nodes[0];
}

describe('tree: a container row stays short, its tooltip says the rest', () => {
  it('the demo-like row: values and a compact risk; the tooltip the risk statement with its targets and the limit', async () => {
    const c = await row({ cpu: 0.5, memory: 512 * MI }, container({ value: 0.12, risk: cpuRisk(0.009) }, { value: 200 * MI, limit: 512 * MI, risk: memRisk(0.0075) }));
    // The OOM days are at the limit 512Mi, not the 200Mi request: the row names it, and each risk's target.
    assert.equal(c.description, 'cpu 500m→120m · mem 512Mi→200Mi lim 512Mi · risk 0.9%·1/133 (≤5%·≤1/100)');
    assert.ok(c.tooltip?.includes('risk 0.9%·1/133 (≤5%·≤1/100): cpu request exceeded ≈0.9% of the time (target ≤5%) · ≈1 OOM day in 133 at limit 512Mi (target ≤1 in 100).'), c.tooltip);
    assert.match(c.tooltip!, /Memory: ≈1 OOM day in 133 at this limit; risk target ≤1 OOM day in 100 \(setting mora\.risk\.memory\)/);
  });

  it(`worst cases stay within ${ROW_MAX} characters: six-character quantities, the longest risk cell, a risk above its target`, async () => {
    const worst = [
      // 12345m → 23456m, 1023Mi → 99.5Mi (shown 100Mi: a request reads rounded up to whole Mi, as written), both risks below what the cell can show.
      await row({ cpu: 12.345, memory: 1023 * MI }, container({ value: 23.456, risk: cpuRisk(0.0004) }, { value: 99.5 * MI, limit: 1023 * MI, risk: memRisk(0.0004) })),
      // A leak: the limit kept, OOM days far above the target, and CPU above its target too.
      await row({ cpu: 12.345, memory: 1023 * MI }, container({ value: 23.456, risk: cpuRisk(0.55) }, { value: 99.5 * MI, limit: 1023 * MI, risk: memRisk(0.2) })),
      // Targets as strict as the CLI takes (1e-3), missed by a little.
      await row({ cpu: 12.345, memory: 1023 * MI }, container({ value: 23.456, risk: cpuRisk(0.0016, 0.001) }, { value: 99.5 * MI, limit: 1023 * MI, risk: memRisk(0.0012, 0.001) })),
    ];
    assert.deepEqual(worst.map((c) => c.description), [
      'cpu 12345m→23456m · mem 1023Mi→100Mi lim 1023Mi · risk <0.1%·<1/1000 (≤5%·≤1/100)',
      'cpu 12345m→23456m · mem 1023Mi→100Mi lim 1023Mi · ⚠ risk 55%·1/5 (≤5%·≤1/100)',
      'cpu 12345m→23456m · mem 1023Mi→100Mi lim 1023Mi · ⚠ risk 0.16%·1/833 (≤0.1%·≤1/1000)',
    ]);
    for (const c of worst) assert.ok(c.description!.length <= ROW_MAX, `${c.description!.length} characters: ${c.description}`);
    // Nothing lost: the tooltip states each risk next to its target, and the limit the OOM days are about.
    assert.ok(worst[1].tooltip?.includes('⚠ risk 55%·1/5 (≤5%·≤1/100): cpu request exceeded ≈55% of the time (target ≤5%) · ≈1 OOM day in 5 at limit 1023Mi (target ≤1 in 100).'), worst[1].tooltip);
    assert.match(worst[1].tooltip!, /CPU: request exceeded ≈55% of the time .*risk target ≤5% of the time/);
  });

  it('flags a risk above its target only where the row shows it above', () => {
    // 5.02% reads 5% and 1 in 99.6 reads 1/100, as the targets do: no flag for a rounding the reader cannot see.
    assert.equal(compactRisk(container({ value: 0.1, risk: cpuRisk(0.0502) }, { value: MI, risk: memRisk(0.01004) })), 'risk 5%·1/100 (≤5%·≤1/100)');
    assert.equal(compactRisk(container({ value: 0.1, risk: cpuRisk(0.0502) }, { value: MI, risk: memRisk(0.0101) })), '⚠ risk 5%·1/99 (≤5%·≤1/100)');
    assert.equal(compactRisk(container({ value: 0.1, risk: cpuRisk(0.06) }, { value: MI, risk: memRisk(0.0100) })), '⚠ risk 6%·1/100 (≤5%·≤1/100)');
    assert.equal(compactRisk(container({ value: 0.1 }, { value: MI })), undefined);
  });
});
