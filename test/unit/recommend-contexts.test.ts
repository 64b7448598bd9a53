import assert from 'node:assert/strict';
import type { DataSource } from '../../src/data/datasource';
import { DEMO_CONTEXT, DemoDataSource } from '../../src/data/demo';
import { recommendFromSource } from '../../src/pipeline/recommend';

/** The demo cluster twice, as kubeconfig contexts "staging" and "prod" (prod runs at twice the demo's CPU). */
function twoContexts(): DataSource {
  const demo = new DemoDataSource();
  const asDemo = <T extends { workload: { context: string } }>(t: T): T => ({ ...t, workload: { ...t.workload, context: DEMO_CONTEXT } });
  return {
    kind: 'cluster',
    contexts: async () => ['staging', 'prod'],
    currentContext: async () => 'prod',
    namespaces: () => demo.namespaces(DEMO_CONTEXT),
    workloads: async (context, ns) => (await demo.workloads(DEMO_CONTEXT, ns)).map((w) => ({ ...w, context })),
    historyRange: (target) => demo.historyRange(asDemo(target)),
    metrics: async (target, range) => {
      const frame = await demo.metrics(asDemo(target), range);
      const cpu = frame.values.cpu_usage;
      if (target.workload.context !== 'prod' || !cpu) return frame;
      return { ...frame, values: { ...frame.values, cpu_usage: cpu.map((x) => 2 * x) } };
    },
    health: () => demo.health(),
  };
}

describe('recommendations across kubeconfig contexts', () => {
  it('recommends the same workload once per context, from that context\'s usage', async () => {
    const runs = await recommendFromSource(twoContexts(), { workload: 'frontend' });
    assert.deepEqual(runs.map((r) => r.recommendation.workload.context).sort(), ['prod', 'staging']);
    const cpu = (ctx: string) => runs.find((r) => r.recommendation.workload.context === ctx)!.recommendation.containers[0].cpu!.request.value;
    assert.ok(cpu('prod') > 1.5 * cpu('staging'), `prod ${cpu('prod')} vs staging ${cpu('staging')}`);
  });

  it('reads only the context asked for', async () => {
    const runs = await recommendFromSource(twoContexts(), { context: 'staging', workload: 'frontend' });
    assert.deepEqual(runs.map((r) => r.recommendation.workload.context), ['staging']);
  });

  it('skips and names a namespace it may not list, recommends the others, and fails only when none can be listed', async () => {
    const demo = new DemoDataSource();
    const denied = (ns: string) => new Error(`RBAC denied: cannot list deployments in namespace "${ns}"`);
    const partly: DataSource = {
      kind: 'cluster',
      contexts: () => demo.contexts(),
      historyRange: (t) => demo.historyRange(t),
      metrics: (t, r) => demo.metrics(t, r),
      health: () => demo.health(),
      namespaces: async () => ['payments', 'shop'],
      workloads: async (context, ns) => { if (ns === 'payments') throw denied(ns); return demo.workloads(context, ns); },
    };
    const skipped: string[] = [];
    const runs = await recommendFromSource(partly, { onSkipNamespace: (_c, ns, reason) => skipped.push(`${ns}: ${reason}`) });
    assert.equal(runs.length, (await demo.workloads(DEMO_CONTEXT, 'shop')).length);
    assert.deepEqual(skipped, ['payments: RBAC denied: cannot list deployments in namespace "payments"']);
    // Without a handler, or when no namespace can be listed, the caller gets the error.
    await assert.rejects(recommendFromSource(partly), /namespace "payments"/);
    const none: DataSource = { ...partly, workloads: async (_c, ns) => { throw denied(ns); } };
    await assert.rejects(recommendFromSource(none, { onSkipNamespace: () => undefined }), /namespace "payments"/);
  });
});
