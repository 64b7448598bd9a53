// A real Prometheus, backfilled with a generated request counter, answers rate() range queries with the rates the
// counter was generated from — including across a counter reset (a pod restart), which MOrA's queries rely on.
import * as assert from 'node:assert/strict';
import { Rng } from '../../src/core/random';
import { startPrometheus, toOpenMetrics, type RunningPrometheus } from '../harness/prometheus';

const STEP = 60; // seconds between samples
const BLOCK = 30 * 60; // the true request rate is constant within each 30-minute block
const HOURS = 6;

interface Generated {
  samples: [number, number][];
  /** true requests/second for the block containing (t - BLOCK, t] boundaries */
  rateAt(t: number): number;
  blockStart(t: number): number;
  resetAt: number;
}

function generateCounter(seed: number, end: number): Generated {
  const rng = new Rng(seed);
  const start = end - HOURS * 3600;
  const rates: number[] = [];
  for (let b = 0; b < (HOURS * 3600) / BLOCK; b++) rates.push(1 + 49 * rng.next());
  const blockIndex = (t: number): number => Math.floor((t - start - 1) / BLOCK);
  // The process restarts once, in the middle of a block: the counter starts again from zero.
  const resetAt = start + 3 * BLOCK + 10 * STEP;
  const samples: [number, number][] = [];
  let value = 0;
  samples.push([start, 0]);
  for (let t = start + STEP; t <= end; t += STEP) {
    const inc = rates[blockIndex(t)] * STEP;
    value = t === resetAt ? inc : value + inc;
    samples.push([t, value]);
  }
  return {
    samples,
    rateAt: (t) => rates[blockIndex(t)],
    blockStart: (t) => start + blockIndex(t) * BLOCK,
    resetAt,
  };
}

describe('real Prometheus (test/harness/prometheus.ts)', function () {
  this.timeout(120_000);
  let prom: RunningPrometheus | undefined;
  // Recent timestamps: backfilled blocks older than the retention would be dropped; whole hours keep blocks aligned.
  const end = Math.floor(Date.now() / 1000 / 3600) * 3600 - 3600;
  const gen = generateCounter(42, end);

  before(async () => {
    prom = await startPrometheus({
      openMetrics: toOpenMetrics([{ name: 'mora_test_requests', type: 'counter', labels: { service: 'checkout', namespace: 'shop' }, samples: gen.samples }]),
    });
  });
  after(async () => {
    await prom?.stop();
  });

  it('is ready on a loopback port', async () => {
    assert.ok(prom);
    assert.match(prom.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${prom.url}/-/ready`);
    assert.equal(res.status, 200);
  });

  it('answers rate() over the backfilled counter with the generated rates, across a reset', async () => {
    assert.ok(prom);
    const window = 5 * 60;
    const qStart = end - HOURS * 3600 + window + STEP;
    const params = new URLSearchParams({
      query: 'rate(mora_test_requests_total{service="checkout",namespace="shop"}[5m])',
      start: String(qStart),
      end: String(end),
      step: String(STEP),
    });
    const res = await fetch(`${prom.url}/api/v1/query_range?${params}`);
    assert.equal(res.status, 200, await res.clone().text());
    const body = (await res.json()) as { status: string; data: { resultType: string; result: { metric: Record<string, string>; values: [number, string][] }[] } };
    assert.equal(body.status, 'success');
    assert.equal(body.data.resultType, 'matrix');
    assert.equal(body.data.result.length, 1);
    const { metric, values } = body.data.result[0];
    assert.equal(metric.service, 'checkout');
    assert.equal(values.length, (end - qStart) / STEP + 1);

    let checked = 0;
    let checkedAcrossReset = 0;
    for (const [t, v] of values) {
      // Only windows that lie wholly inside one constant-rate block have a single true rate.
      if (gen.blockStart(t - window + STEP) !== gen.blockStart(t)) continue;
      const expected = gen.rateAt(t);
      assert.ok(Math.abs(Number(v) - expected) <= 1e-9 * expected, `rate at ${t}: got ${v}, generated ${expected}`);
      checked++;
      if (t - window < gen.resetAt && gen.resetAt <= t) checkedAcrossReset++;
    }
    assert.ok(checked > 200, `checked ${checked} points`);
    assert.ok(checkedAcrossReset > 0, 'some windows contain the counter reset');
  });
});
