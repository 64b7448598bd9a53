// `mora health` against a real Prometheus that answers but whose cAdvisor series stopped minutes ago (a scrape target
// down, cAdvisor not scraped any more, a clock skewed): cAdvisor exposes its own timestamps, so no staleness marker
// ends such series and an instant count still sees them for Prometheus' 5-minute lookback. The check must say which
// metric, how old its newest sample is and what to fix — not "ok" — and the JSON must carry the age as a field. It is a
// warning (the history is still there to read: `mora recommend` reads it), not a failure: exit 0 (a FAIL, exit 2, until
// 2026-12-02; test/unit/stale-past-lookback.test.ts has the same against a loopback test double).
import * as assert from 'node:assert/strict';
import { mora } from '../unit/helpers/run-cli';
import { startPrometheus, toOpenMetrics, type OpenMetricsSeries, type RunningPrometheus } from '../harness/prometheus';

interface Check { name: string; ok: boolean; message: string; stale?: boolean; lastSampleAgeSeconds?: number }

function series(end: number): OpenMetricsSeries[] {
  const ts: number[] = [];
  for (let t = end - 1800; t <= end; t += 15) ts.push(t);
  const labels = { namespace: 'shop', pod: 'web-1', container: 'server' };
  return [
    { name: 'container_cpu_usage_seconds', type: 'counter', labels, samples: ts.map((t, i) => [t, i * 3] as [number, number]) },
    { name: 'container_memory_working_set_bytes', type: 'gauge', labels, samples: ts.map((t) => [t, 2e8] as [number, number]) },
  ];
}

describe('mora health: cAdvisor series with no recent samples (real Prometheus)', function () {
  this.timeout(120_000);
  let stale: RunningPrometheus | undefined;
  let fresh: RunningPrometheus | undefined;
  let gone: RunningPrometheus | undefined;
  let staleEnd = 0;
  let goneEnd = 0;

  before(async () => {
    // Taken here, not at load: the newest sample 4 minutes before the suite starts (inside the 5-minute lookback).
    staleEnd = Math.floor(Date.now() / 1000) - 240;
    stale = await startPrometheus({ openMetrics: toOpenMetrics(series(staleEnd)) });
    fresh = await startPrometheus({ openMetrics: toOpenMetrics(series(Math.floor(Date.now() / 1000) - 10)) });
    // Past the lookback: no series count at all, but the last hour had them.
    goneEnd = Math.floor(Date.now() / 1000) - 20 * 60;
    gone = await startPrometheus({ openMetrics: toOpenMetrics(series(goneEnd)) });
  });
  after(async () => {
    await stale?.stop();
    await fresh?.stop();
    await gone?.stop();
  });

  it('stale: warn naming the metric, the newest sample age and the fix, exit 0; JSON carries stale and lastSampleAgeSeconds', async () => {
    const started = Math.floor(Date.now() / 1000);
    const r = await mora(['health', '--prometheus', stale!.url, '--no-kubernetes', '-f', 'json']);
    const body = JSON.parse(r.out) as { ok: boolean; checks: Check[] };
    const c = body.checks.find((x) => x.name === 'cAdvisor')!;
    assert.equal(body.ok, true, r.out);
    assert.equal(c.ok, false, r.out);
    assert.equal(c.stale, true, r.out);
    assert.equal(r.code, 0, r.err);
    assert.match(c.message, /container_cpu_usage_seconds_total/);
    assert.match(c.message, /newest sample is 4m\d+s old/);
    assert.match(c.message, /scrape target/);
    const age = c.lastSampleAgeSeconds!;
    assert.ok(age >= started - staleEnd && age <= Math.floor(Date.now() / 1000) - staleEnd + 1, `age ${age}`);
    const text = await mora(['health', '--prometheus', stale!.url, '--no-kubernetes']);
    assert.match(text.out, /^warn cAdvisor: .*container_cpu_usage_seconds_total.*newest sample is 4m\d+s old/m);
  });

  it('none in the 5-minute lookback but some in the last hour: warn saying how old the newest is, exit 0', async () => {
    const r = await mora(['health', '--prometheus', gone!.url, '--no-kubernetes', '-f', 'json']);
    const c = (JSON.parse(r.out) as { checks: Check[] }).checks.find((x) => x.name === 'cAdvisor')!;
    assert.equal(c.ok, false, r.out);
    assert.equal(c.stale, true, r.out);
    assert.equal(r.code, 0, r.err);
    assert.match(c.message, /no samples for container_cpu_usage_seconds_total in the last 5 minutes: the newest is (19|20|21)m\d+s old — the kubelet\/cAdvisor scrape target is down/);
    // The subquery's 1-minute grid: within a minute of the true age.
    assert.ok(Math.abs(c.lastSampleAgeSeconds! - (Math.floor(Date.now() / 1000) - goneEnd)) <= 70, r.out);
  });

  it('fresh: ok, with the age in the JSON', async () => {
    const r = await mora(['health', '--prometheus', fresh!.url, '--no-kubernetes', '-f', 'json']);
    const body = JSON.parse(r.out) as { ok: boolean; checks: Check[] };
    const c = body.checks.find((x) => x.name === 'cAdvisor')!;
    assert.equal(c.ok, true, r.out);
    assert.ok(typeof c.lastSampleAgeSeconds === 'number' && c.lastSampleAgeSeconds < 120, r.out);
  });
});
