import * as assert from 'node:assert/strict';
import type { Recommendation } from '../../src/core/recommendation';
import { DemoDataSource } from '../../src/data/demo';
import type { DataSource } from '../../src/data/datasource';
import { ClusterTreeModel, usageVerdict, type TreeNode } from '../../src/views/tree-model';

async function expandTo(model: ClusterTreeModel, path: string[]): Promise<TreeNode[]> {
  let nodes = await model.children();
  for (const label of path) {
    const next = nodes.find((n) => n.label === label);
    assert.ok(next, `no node "${label}" among ${nodes.map((n) => n.label).join(', ')}`);
    nodes = await model.children(next);
  }
  return nodes;
}

describe('cluster tree model', () => {
  const source = new DemoDataSource();

  it('walks context → namespace → workload → container on the demo', async () => {
    const model = new ClusterTreeModel(source);
    const [ctx] = await model.children();
    assert.equal(ctx.label, 'demo');
    assert.equal(ctx.kind, 'context');
    const workloads = await expandTo(model, ['demo', 'shop']);
    assert.equal(workloads.length, 11);
    assert.ok(workloads.every((w) => w.kind === 'workload' && w.collapsible));
    const containers = await model.children(workloads.find((w) => w.label === 'cartservice'));
    assert.deepEqual(containers.map((c) => c.label), ['server']);
    assert.match(containers[0].description!, /cpu 200m \(p95 \d+m\)/);
    assert.equal(model.parent(containers[0])?.label, 'cartservice');
    assert.equal(model.parent(model.parent(containers[0])!)?.label, 'shop');
  });

  it('marks the deliberate mis-sizings with their verdicts', async () => {
    const model = new ClusterTreeModel(source);
    const workloads = await expandTo(model, ['demo', 'shop']);
    const verdict = (n: string) => workloads.find((w) => w.label === n)?.verdict;
    assert.equal(verdict('productcatalogservice'), 'over-provisioned');
    assert.equal(verdict('currencyservice'), 'at-risk');
    assert.equal(verdict('recommendationservice'), 'under-provisioned', 'the leak has pushed memory above its request');
    assert.match(workloads.find((w) => w.label === 'currencyservice')!.contextValue, /^mora\.workload\.at-risk$/);
  });

  it('filters by search text and sorts the most wasteful first', async () => {
    const model = new ClusterTreeModel(source);
    model.filter = { sort: 'waste', search: 'SERVICE' };
    const workloads = await expandTo(model, ['demo', 'shop']);
    assert.ok(workloads.every((w) => w.label.includes('service')));
    assert.ok(!workloads.some((w) => w.label === 'frontend' || w.label === 'redis-cart'));
    assert.equal(workloads[0].label, 'productcatalogservice');
    for (let i = 1; i < workloads.length; i++) assert.ok((workloads[i - 1].waste ?? 0) >= (workloads[i].waste ?? 0));
    model.filter = { sort: 'name', search: 'no-such-thing' };
    const none = await expandTo(model, ['demo', 'shop']);
    assert.equal(none.length, 1);
    assert.equal(none[0].kind, 'message');
  });

  it('shows a recommendation and, without a risk statement, `risk —` (never a bare confidence) when the engine gives one', async () => {
    const rec = (name: string): Recommendation => ({
      workload: { context: 'demo', namespace: 'shop', kind: 'Deployment', name }, qos: 'Burstable', confidence: 0.87, generatedAt: 0,
      replicas: { current: 2, recommended: { value: 1, lower: 1, upper: 2 }, reason: 'peak load fits one pod' },
      containers: [{
        container: 'server', current: { requests: {}, limits: {} }, verdict: 'over-provisioned', confidence: 0.87,
        cpu: { request: { value: 0.18, lower: 0.15, upper: 0.2 }, confidence: 0.87, evidence: { observed: { p50: 0, p95: 0, p99: 0, max: 0, samples: 1, days: 1 }, margin: 0.15, method: 'fused', reason: 'forecast peak + 15%', completeness: 1, notes: [] } },
        memory: { request: { value: 420 * 2 ** 20, lower: 400 * 2 ** 20, upper: 440 * 2 ** 20 }, confidence: 0.87, evidence: { observed: { p50: 0, p95: 0, p99: 0, max: 0, samples: 1, days: 1 }, margin: 0.15, method: 'fused', reason: '', completeness: 1, notes: [] } },
      }],
    });
    const model = new ClusterTreeModel(source, { ensure: async () => 11, get: (w) => rec(w.name) });
    const workloads = await expandTo(model, ['demo', 'shop']);
    const cart = workloads.find((w) => w.label === 'cartservice')!;
    assert.match(cart.description!, /replicas 2 → 1 · risk —$/);
    const [c] = await model.children(cart);
    assert.equal(c.description, 'cpu 200m→180m · mem 64Mi→420Mi · risk —');
    assert.match(c.tooltip!, /Risk —: no risk stated for a fused value\./);
  });

  it('loads a namespace once until invalidated, and reloads after a failure', async () => {
    let calls = 0;
    let fail = true;
    const flaky: DataSource = Object.assign(Object.create(source) as DataSource, {
      workloads: async (c: string, n: string) => {
        calls++;
        if (fail) throw new Error('connection refused');
        return source.workloads(c, n);
      },
    });
    const model = new ClusterTreeModel(flaky);
    const [ctx] = await model.children();
    const [ns] = await model.children(ctx);
    // One message node for the namespace that failed, in one line, not a rejected promise (VS Code would show nothing).
    const failed = await model.children(ns);
    assert.equal(failed.length, 1);
    assert.equal(failed[0].kind, 'message');
    assert.equal(failed[0].label, 'connection refused');
    assert.equal(failed[0].icon.id, 'error');
    fail = false;
    assert.equal((await model.children(ns)).length, 11);
    await model.children(ns);
    assert.equal(calls, 2);
    model.invalidate();
    await model.children(ns);
    assert.equal(calls, 3);
  });

  it('judges usage without a recommendation', () => {
    const u = (cpuP95: number, memMax: number, throttled = 0) => ({
      cpu: { p50: cpuP95 / 2, p95: cpuP95, max: cpuP95 * 1.2 }, memory: { p50: memMax / 2, p95: memMax * 0.9, max: memMax },
      throttledShare: throttled, completeness: 1, samples: 100,
    });
    const req = { cpu: 0.5, memory: 512 * 2 ** 20 };
    const lim = { cpu: 1, memory: 1024 * 2 ** 20 };
    assert.equal(usageVerdict(req, lim, undefined), 'no-data');
    assert.equal(usageVerdict(req, lim, u(0.1, 500 * 2 ** 20)), 'over-provisioned');
    assert.equal(usageVerdict(req, lim, u(0.7, 500 * 2 ** 20)), 'under-provisioned');
    assert.equal(usageVerdict(req, lim, u(0.4, 1000 * 2 ** 20)), 'at-risk');
    assert.equal(usageVerdict(req, lim, u(0.4, 500 * 2 ** 20, 0.2)), 'at-risk');
    assert.equal(usageVerdict(req, lim, u(0.4, 560 * 2 ** 20)), 'ok');
  });
});

describe('cluster tree model with a slow or failing recommender', () => {
  const source = new DemoDataSource();

  it('shows usage when recommendations are slow, and the recommendation once it exists', async () => {
    const engine: { ready?: Recommendation } = {};
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    const model = new ClusterTreeModel(source, { ensure: () => gate, get: () => engine.ready });
    // The recommender never answers until released: expanding must not wait for it.
    const workloads = await expandTo(model, ['demo', 'shop']);
    assert.match(workloads.find((w) => w.label === 'cartservice')!.description!, /^Deployment · replicas 2$/);
    engine.ready = {
      workload: { context: 'demo', namespace: 'shop', kind: 'Deployment', name: 'cartservice' }, qos: 'Burstable', confidence: 0.5, generatedAt: 0,
      replicas: { current: 2, recommended: { value: 3, lower: 2, upper: 3 }, reason: 'r' }, containers: [],
    };
    release();
    const again = await expandTo(model, ['demo', 'shop']);
    assert.match(again.find((w) => w.label === 'cartservice')!.description!, /replicas 2 → 3$/);
    // VS Code finds tree elements by identity: the element a caller holds (to reveal it) is the one re-rendered.
    assert.equal(again.find((w) => w.label === 'cartservice'), workloads.find((w) => w.label === 'cartservice'));
    assert.match(workloads.find((w) => w.label === 'cartservice')!.description!, /replicas 2 → 3/);
    // The tooltip (written when read) follows the re-render of the held element too.
    assert.match(workloads.find((w) => w.label === 'cartservice')!.tooltip!, /Replica advice: .*\. r/);
  });

  it('still lists workloads when the recommender fails', async () => {
    const model = new ClusterTreeModel(source, { ensure: async () => { throw new Error('engine failed'); }, get: () => undefined });
    assert.equal((await expandTo(model, ['demo', 'shop'])).length, 11);
  });
});

describe('cluster tree model when parts of the source fail', () => {
  const demo = new DemoDataSource();
  const derive = (over: Partial<DataSource>): DataSource => Object.assign(Object.create(demo) as DataSource, over);

  it('a namespace that cannot be read shows its one-line error; other namespaces keep working', async () => {
    const source = derive({
      namespaces: async () => ['payments', 'shop'],
      workloads: async (c: string, n: string) => {
        if (n === 'payments') throw new Error('RBAC denied: cannot list deployments.apps in namespace "payments" (context "demo")\n(detail)');
        return demo.workloads(c, 'shop');
      },
    });
    const model = new ClusterTreeModel(source);
    const [ctx] = await model.children();
    const [payments, shop] = await model.children(ctx);
    const denied = await model.children(payments);
    assert.deepEqual(denied.map((n) => [n.kind, n.label]), [['message', 'RBAC denied: cannot list deployments.apps in namespace "payments" (context "demo")']]);
    assert.equal((await model.children(shop)).filter((n) => n.kind === 'workload').length, 11);
  });

  it('namespaces that cannot be listed give a message under the context, not a rejection', async () => {
    const model = new ClusterTreeModel(derive({ namespaces: async () => { throw new Error('the Kubernetes API refused the connection'); } }));
    const [ctx] = await model.children();
    const nodes = await model.children(ctx);
    assert.deepEqual(nodes.map((n) => [n.kind, n.label]), [['message', 'the Kubernetes API refused the connection']]);
  });

  it('Prometheus failing: the workloads still show, after one line saying why usage is missing', async () => {
    const err = Object.assign(new Error('Prometheus at http://127.0.0.1:9 refused the connection — is it running?'), { kind: 'unreachable' });
    const model = new ClusterTreeModel(derive({ metrics: async () => { throw err; } }));
    const nodes = await expandTo(model, ['demo', 'shop']);
    assert.equal(nodes[0].kind, 'message');
    assert.equal(nodes[0].label, `Usage unavailable: ${err.message}`);
    const workloads = nodes.filter((n) => n.kind === 'workload');
    assert.equal(workloads.length, 11);
    assert.ok(workloads.every((w) => w.verdict === 'no-data'));
    assert.match(workloads[0].tooltip!, /Usage: Prometheus at .* refused the connection/);
  });

  it('a workload without samples is that workload\'s matter: no namespace message, the others keep their usage', async () => {
    const model = new ClusterTreeModel(derive({
      metrics: async (t, r) => {
        if (t.workload.name === 'cartservice') throw Object.assign(new Error('no samples for container_cpu_usage_seconds_total{…} — check cAdvisor'), { kind: 'empty' });
        return demo.metrics(t, r);
      },
    }));
    const nodes = await expandTo(model, ['demo', 'shop']);
    assert.ok(nodes.every((n) => n.kind === 'workload'));
    assert.equal(nodes.find((n) => n.label === 'cartservice')!.verdict, 'no-data');
    assert.equal(nodes.find((n) => n.label === 'productcatalogservice')!.verdict, 'over-provisioned');
  });
});

describe('cluster tree model following a watched source', () => {
  const demo = new DemoDataSource();

  it('an expanded namespace is watched; a change reloads it and tells the view, collapse and invalidate stop the watch', async () => {
    let names = ['cartservice', 'frontend'];
    const watches: Array<{ ns: string; fire: () => void; disposed: boolean }> = [];
    const source: DataSource = Object.assign(Object.create(demo) as DataSource, {
      workloads: async (c: string, n: string) => (await demo.workloads(c, n)).filter((w) => names.includes(w.name)),
      watchWorkloads: (_c: string, ns: string, onChange: () => void) => {
        const w = { ns, fire: onChange, disposed: false };
        watches.push(w);
        return { dispose: () => { w.disposed = true; } };
      },
    });
    const model = new ClusterTreeModel(source);
    const changed: TreeNode[] = [];
    model.onDidChange = (n) => changed.push(n);
    const [ctx] = await model.children();
    const [ns] = await model.children(ctx);
    assert.deepEqual((await model.children(ns)).map((n) => n.label), ['cartservice', 'frontend']);
    await model.children(ns);
    assert.equal(watches.length, 1, 'one watch per expanded namespace');
    names = ['cartservice', 'checkoutservice', 'frontend'];
    watches[0].fire();
    assert.equal(changed[0], ns, 'the namespace node the view holds');
    assert.deepEqual((await model.children(ns)).map((n) => n.label), ['cartservice', 'checkoutservice', 'frontend']);
    model.collapsed(ns);
    assert.ok(watches[0].disposed);
    await model.children(ns);
    assert.equal(watches.length, 2);
    model.invalidate();
    assert.ok(watches[1].disposed);
    model.dispose();
  });
});
