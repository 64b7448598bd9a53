import * as assert from 'node:assert/strict';
import { Rng } from '../../src/core/random';
import { quantile } from '../../src/core/stats';
import type { Workload } from '../../src/core/workload';
import type { MetricFrame } from '../../src/data/datasource';
import { DEFAULT_ADAPTER_OPTIONS, recommendFromMetrics } from '../../src/views/recommendation-adapter';
import { containerHeadline, resourcesYaml } from '../../src/views/recommendation-text';

const Mi = 2 ** 20;
const DAY = 86400;

function frame(seed: number, days = 14, step = 300): MetricFrame {
  const rng = new Rng(seed);
  const n = (days * DAY) / step;
  const t = new Float64Array(n), cpu = new Float64Array(n), mem = new Float64Array(n), ready = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    t[i] = 1_790_000_000 - (1_790_000_000 % DAY) + i * step;
    const d = Math.sin((2 * Math.PI * (t[i] % DAY)) / DAY);
    cpu[i] = Math.max(0, 0.2 + 0.1 * d + 0.02 * rng.normal());
    mem[i] = 200 * Mi + 30 * Mi * d + 3 * Mi * rng.normal();
    ready[i] = 2;
  }
  return { t, step, values: { cpu_usage: cpu, memory_working_set: mem, ready_replicas: ready } };
}

const w = (requests: { cpu?: number; memory?: number }, extra: Partial<Workload> = {}): Workload => ({
  context: 'c', namespace: 'ns', kind: 'Deployment', name: 'api', replicas: 2,
  containers: [{ name: 'app', resources: { requests, limits: {} } }], ...extra,
});

describe('recommendation adapter', () => {
  it('covers recent usage: CPU above the recent p95, memory above the recent peak, memory limit = request', () => {
    const f = frame(1);
    const rec = recommendFromMetrics(w({ cpu: 2, memory: 4096 * Mi }), 'app', f);
    const c = rec.containers[0];
    const last3 = (v: Float64Array) => v.subarray(v.length - (3 * DAY) / f.step);
    assert.ok(c.cpu!.request.value >= quantile(last3(f.values.cpu_usage!), 0.95), 'cpu ≥ p95 of the last 3 days');
    assert.ok(c.cpu!.request.value < 0.6, `cpu not wildly above usage: ${c.cpu!.request.value}`);
    const memPeak = Math.max(...last3(f.values.memory_working_set!));
    assert.ok(c.memory!.request.value >= memPeak, 'memory ≥ the recent peak');
    assert.equal(c.memory!.limit!.value, c.memory!.request.value);
    assert.equal(c.cpu!.limit, undefined, 'no CPU limit unless asked');
    assert.equal(c.verdict, 'over-provisioned');
    assert.equal(c.cpu!.evidence.observed.samples, f.t.length);
    assert.ok(Math.abs(c.cpu!.evidence.observed.days - 14) < 0.01);
    assert.match(containerHeadline(c), /^cpu 2 → \d+m · mem 4Gi → \d+(\.\d+)?Mi · \d+% confident$/);
    assert.match(resourcesYaml(c), /^resources:\n {2}requests:\n {4}cpu: \d+m\n {4}memory: \d+Mi\n {2}limits:\n {4}memory: \d+Mi\n$/);
  });

  it('calls a container whose usage exceeds its request at risk, and sets CPU limits for Guaranteed QoS', () => {
    const rec = recommendFromMetrics(w({ cpu: 0.1, memory: 100 * Mi }), 'app', frame(2), {}, { ...DEFAULT_ADAPTER_OPTIONS, qos: 'Guaranteed' });
    const c = rec.containers[0];
    assert.equal(c.verdict, 'at-risk');
    assert.deepEqual(c.cpu!.limit, c.cpu!.request);
    assert.equal(rec.qos, 'Guaranteed');
  });

  it('raises the value to a higher forecast peak and says so', () => {
    const f = frame(3);
    const plain = recommendFromMetrics(w({}), 'app', f).containers[0];
    const raised = recommendFromMetrics(w({}), 'app', f, { cpu: { peak: 0.9, confidence: 0.7, models: ['prophet'] } }).containers[0];
    assert.ok(raised.cpu!.request.value >= 0.9 && plain.cpu!.request.value < 0.9);
    assert.equal(raised.cpu!.confidence, 0.7);
    assert.ok(raised.cpu!.evidence.notes.some((n) => /forecast peak/.test(n)));
    assert.equal(plain.verdict, 'under-provisioned', 'no requests at all');
  });

  it('leaves replicas to an HPA, and keeps at least two pods for a workload that runs two', () => {
    assert.equal(recommendFromMetrics(w({}, { hpa: { minReplicas: 2, maxReplicas: 5 } }), 'app', frame(4)).replicas, undefined);
    const r = recommendFromMetrics(w({}), 'app', frame(4)).replicas!;
    assert.equal(r.current, 2);
    assert.ok(r.recommended.value >= 2);
  });
});
