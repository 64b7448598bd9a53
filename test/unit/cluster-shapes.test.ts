// Shapes of real clusters, without a cluster: native sidecars (init containers with restartPolicy Always) are sized
// and patched where they live, and a container with too little usage says why it got no value.
// The end-to-end cases (real kube-apiserver + Prometheus) are in test/integration/cluster-shapes.test.ts.
import * as assert from 'node:assert/strict';
import { verdictLabel } from '../../src/core/advice-text';
import { formatCpu } from '../../src/core/quantity';
import { series } from '../../src/core/series';
import { resourcesView } from '../../src/data/kube/apply-plan';
import { resourcesPatch } from '../../src/data/kube/patch';
import { containersOf, type K8sWorkloadObject } from '../../src/data/kube/workloads';
import { recommendWorkload } from '../../src/rightsizing/engine';
import type { DataSource } from '../../src/data/datasource';
import { DEMO_CONTEXT, DemoDataSource } from '../../src/data/demo';
import { recommendFromSource } from '../../src/pipeline/recommend';
import { renderHtmlReport } from '../../src/cli/format/html';
import { comparisonTable, recommendationsCsv } from '../../src/cli/format/recommendations';

const web: K8sWorkloadObject = {
  metadata: { name: 'web', namespace: 'shop' },
  spec: { replicas: 2, template: { spec: {
    initContainers: [
      { name: 'migrate', image: 'migrate:1', resources: { requests: { cpu: '100m' } } },
      { name: 'proxy', image: 'envoy:1', restartPolicy: 'Always', resources: { requests: { cpu: '50m', memory: '64Mi' } } },
    ],
    containers: [{ name: 'server', image: 'web:1', resources: { requests: { cpu: '500m' } } }],
  } } },
};

describe('cluster shapes: native sidecars and unexplained gaps', () => {
  it('a native sidecar is one of the containers (marked), a run-once init container is not', () => {
    const cs = containersOf('Deployment', web);
    assert.deepEqual(cs.map((c) => [c.name, c.sidecar ?? false]), [['server', false], ['proxy', true]]);
    assert.deepEqual(cs[1].resources, { requests: { cpu: 0.05, memory: 64 * 2 ** 20 }, limits: {} });
  });

  it('the patch puts a sidecar under initContainers (merged by name there), the others under containers', () => {
    const p = resourcesPatch('Deployment', [{ container: 'server', requests: { cpu: 0.25 } }, { container: 'proxy', requests: { cpu: 0.04 } }], '7', undefined, new Set(['proxy']));
    assert.deepEqual(p, { metadata: { resourceVersion: '7' }, spec: { template: { spec: {
      containers: [{ name: 'server', resources: { requests: { cpu: '250m' } } }],
      initContainers: [{ name: 'proxy', resources: { requests: { cpu: '40m' } } }],
    } } } });
    // Only the sidecar changes: no empty containers list in the patch.
    assert.deepEqual(resourcesPatch('Deployment', [{ container: 'proxy', limits: { memory: 2 ** 26 } }], undefined, undefined, new Set(['proxy'])),
      { spec: { template: { spec: { initContainers: [{ name: 'proxy', resources: { limits: { memory: '64Mi' } } }] } } } });
  });

  it('the apply diff shows the sidecar\'s resources', () => {
    const v = resourcesView('Deployment', web) as { spec: { template: { spec: { initContainers?: Array<{ name: string }> } } } };
    assert.deepEqual(v.spec.template.spec.initContainers?.map((c) => c.name), ['proxy']);
  });

  it('too few usage samples: no value, and the container says why (JSON: containers[].unsized)', async () => {
    const now = 100 * 86400;
    const t = Array.from({ length: 5 }, (_, i) => now - 300 + 60 * i);
    const cpu = series(t, t.map(() => 0.2));
    const workload = { context: 'c', namespace: 'shop', kind: 'Deployment' as const, name: 'brief', replicas: 1, containers: [{ name: 'app', resources: { requests: { cpu: 0.1 }, limits: {} } }] };
    const r = await recommendWorkload({ workload, containers: [{ name: 'app', cpu, memory: undefined }], now });
    const c = r.recommendation.containers[0];
    assert.equal(c.cpu, undefined);
    assert.equal(c.verdict, 'no-data');
    assert.deepEqual(c.unsized, [
      { resource: 'cpu', reason: '5 usage samples in the last 14 days, at least 12 needed' },
      { resource: 'memory', reason: 'no usage samples' },
    ]);
  });

  // A day of minutes: enough for a value (the engine needs 12 samples).
  const day = (now: number, v: number) => {
    const t = Array.from({ length: 1440 }, (_, i) => now - 86400 + 60 * i);
    return series(t, t.map(() => v));
  };

  it('CPU without a value, memory sized: the verdict is partial, not ok; CSV keeps the CPU row, its value cells empty and the reason in method', async () => {
    const now = 100 * 86400;
    const t = Array.from({ length: 5 }, (_, i) => now - 300 + 60 * i);
    const workload = { context: 'c', namespace: 'shop', kind: 'Deployment' as const, name: 'cpuless', replicas: 1, containers: [{ name: 'app', resources: { requests: {}, limits: {} } }] };
    const r = await recommendWorkload({ workload, containers: [{ name: 'app', cpu: series(t, t.map(() => 0.2)), memory: day(now, 100e6) }], now });
    const c = r.recommendation.containers[0];
    assert.equal(c.cpu, undefined);
    assert.ok(c.memory);
    assert.equal(c.verdict, 'partial');
    // Where there is room (hover, tree tooltip, report section), the label says which value is missing and why.
    assert.equal(verdictLabel(c, true), 'partial (no CPU value: 5 usage samples in the last 14 days, at least 12 needed)');
    assert.equal(verdictLabel(c), 'partial');
    // RFC 4180 cells (the reason holds a comma, so it is quoted).
    const cells = (line: string) => `${line},`.match(/("(?:[^"]|"")*"|[^,]*),/g)!.map((m) => m.slice(0, -1).replace(/^"|"$/g, '').replace(/""/g, '"'));
    const [header, ...rows] = recommendationsCsv([r]).trim().split('\n').map(cells);
    const cell = (row: string[], name: string) => row[header.indexOf(name)];
    const cpuRow = rows.find((x) => x[4] === 'app' && x[5] === 'cpu');
    assert.ok(cpuRow, rows.join('\n'));
    assert.equal(cpuRow.length, header.length);
    assert.equal(cell(cpuRow, 'request'), '');
    assert.equal(cell(cpuRow, 'method'), 'no value: 5 usage samples in the last 14 days, at least 12 needed');
    assert.equal(cell(cpuRow, 'verdict'), 'partial');
    assert.notEqual(cell(rows.find((x) => x[5] === 'memory')!, 'request'), '');
  });

  it('--compare and the HTML report have a row (and a section with charts) for every container, the sidecar too', async () => {
    const now = 100 * 86400;
    const containers = [{ name: 'server', resources: { requests: { cpu: 0.5 }, limits: {} } }, { name: 'proxy', resources: { requests: { cpu: 0.05 }, limits: {} } }];
    const workload = { context: 'c', namespace: 'shop', kind: 'Deployment' as const, name: 'web', replicas: 2, containers };
    const usage = { server: { cpu: day(now, 0.2), memory: day(now, 300e6) }, proxy: { cpu: day(now, 0.03), memory: day(now, 40e6) } };
    const r = await recommendWorkload({ workload, containers: [{ name: 'server', ...usage.server }, { name: 'proxy', ...usage.proxy }], now });
    const table = comparisonTable([r]);
    assert.match(table, /^web\/server /m);
    const proxy = /^web\/proxy +(\S+)/m.exec(table);
    assert.ok(proxy, table);
    assert.equal(proxy[1], formatCpu(r.recommendation.containers[1].cpu!.request.value));
    const html = renderHtmlReport([{ ...r, history: { ...usage.server, containers: usage } }], { title: 't', generatedAt: new Date(0) });
    assert.match(html, /<tr><td>web\/proxy<\/td>/);
    assert.equal((/<section><h2>web\/proxy [^]*?<\/section>/.exec(html)?.[0].match(/<svg /g) ?? []).length, 2, 'the sidecar has its CPU and memory charts');
  });

  it('a context whose cluster cannot be read is skipped and named; with none readable, its error is thrown', async () => {
    const demo = new DemoDataSource();
    const gone = new Error('the Kubernetes API at https://10.0.0.9 (context "gone") refused the connection');
    const source = (contexts: string[]): DataSource => Object.assign(Object.create(demo) as DataSource, {
      contexts: async () => contexts,
      namespaces: async (ctx: string) => { if (ctx === 'gone') throw gone; return demo.namespaces(DEMO_CONTEXT); },
    });
    const skipped: string[] = [];
    const runs = await recommendFromSource(source(['gone', DEMO_CONTEXT]), { workload: 'frontend', onSkipContext: (ctx, why) => skipped.push(`${ctx}: ${why}`) });
    assert.deepEqual(runs.map((r) => r.recommendation.workload.name), ['frontend']);
    assert.deepEqual(skipped, [`gone: ${gone.message}`]);
    // None readable: the error alone, not also a "skipped" line for it.
    const none: string[] = [];
    await assert.rejects(recommendFromSource(source(['gone']), { onSkipContext: (ctx) => none.push(ctx) }), gone);
    assert.deepEqual(none, []);
    await assert.rejects(recommendFromSource(source(['gone', DEMO_CONTEXT])), gone);
  });
});
