// The wait for a target's first scrapes (src/data/experiments/runner.ts waitForScrapes) says it is still waiting once
// every SCRAPE_WAIT_REPORT_MS (30 s) — the 'still' event `mora experiment` and `mora experiment run` print as
// "  still waiting: N s so far, at most M s more; …". Its clock and interval are injectable (ScrapeWaitTiming), the
// defaults unchanged. A virtual clock moved only by the wait's own sleeps: no real waiting, so no timing is measured.
import * as assert from 'node:assert/strict';
import type { PrometheusClient } from '../../src/data/prometheus/client';
import { SCRAPE_WAIT_REPORT_MS, waitForScrapes, type ScrapeWait } from '../../src/data/experiments/runner';

/** A Prometheus whose target has two scrapes from `readyAtMs` on (virtual time), and the clock its sleeps move. */
function world(readyAtMs: number) {
  const start = 1_800_000_000_000;
  let clock = start;
  let looks = 0;
  const prometheus = {
    displayUrl: 'http://prometheus.test',
    async query(q: string) {
      assert.equal(q, 'count_over_time(up{instance="127.0.0.1:8080"}[5m])');
      looks++;
      return [{ labels: {}, t: clock / 1000, v: clock - start >= readyAtMs ? 2 : clock - start >= 20_000 ? 1 : 0 }];
    },
  } as unknown as PrometheusClient;
  const events: Array<ScrapeWait & { at: number }> = [];
  return {
    prometheus,
    events,
    looks: () => looks,
    clock: () => clock,
    sleep: async (ms: number) => { clock += ms; },
    onWait: (w: ScrapeWait) => { events.push({ ...w, at: clock - start }); },
  };
}

describe('experiment: the wait for the first scrapes says it is still waiting', () => {
  it('by default every 30 s: a "still" report once 30 s have passed, none before; the line\'s numbers from the same clock', async () => {
    assert.equal(SCRAPE_WAIT_REPORT_MS, 30_000);
    const w = world(65_000);
    // 15 s scrape: looks every second, at most 155 s.
    await waitForScrapes(w.prometheus, 'instance="127.0.0.1:8080"', 15, w.sleep, undefined, w.onWait, { clock: w.clock });
    const still = w.events.filter((e) => e.state === 'still');
    assert.deepEqual(w.events.map((e) => e.state), ['start', 'still', 'still', 'ready']);
    assert.equal(w.events[0].at, 0, 'the start at the first look');
    assert.ok(still.every((e) => e.at >= 30_000), `no report before 30 s: ${JSON.stringify(still)}`);
    assert.ok(still[1].at - still[0].at >= 30_000, 'the next one 30 s later at the earliest');
    for (const e of still) {
      if (e.state !== 'still') continue;
      assert.equal(e.waited, Math.round(e.at / 1000));
      assert.equal(e.left, 155 - e.waited);
      assert.equal(e.scrapes, 1, 'the scrapes seen so far (one since 20 s)');
      assert.equal(e.query, 'count_over_time(up{instance="127.0.0.1:8080"}[5m])');
    }
    const ready = w.events[3];
    assert.ok(ready.state === 'ready' && ready.waited >= 65, JSON.stringify(ready));
  });

  it('scrapes there before 30 s: start and ready, no "still" report', async () => {
    const w = world(29_000);
    await waitForScrapes(w.prometheus, 'instance="127.0.0.1:8080"', 15, w.sleep, undefined, w.onWait, { clock: w.clock });
    assert.deepEqual(w.events.map((e) => e.state), ['start', 'ready']);
    assert.ok(w.looks() >= 29, `looked every second: ${w.looks()}`);
  });

  it('an injected interval: a report every 5 s of the clock, none before the first 5 s; the deadline on the same clock', async () => {
    const w = world(Infinity);
    // 1 s scrape: looks every 500 ms, at most 15 s, then the error; a report at 5 s and 10 s (and 15 s, the deadline's look).
    const e = await waitForScrapes(w.prometheus, 'instance="127.0.0.1:8080"', 1, w.sleep, undefined, w.onWait, { clock: w.clock, reportEveryMs: 5_000 })
      .then(() => assert.fail('the wait ends with an error'), (err: Error) => err);
    assert.match(e.message, /does not scrape the target: no samples for up\{instance="127\.0\.0\.1:8080"\}/);
    const still = w.events.filter((x) => x.state === 'still');
    assert.equal(w.events[0].state, 'start');
    assert.ok(still.length >= 2, JSON.stringify(w.events));
    assert.ok(still.every((x) => x.at >= 5_000), `none before 5 s: ${JSON.stringify(still)}`);
    assert.ok(w.clock() - 1_800_000_000_000 <= 16_000, 'ended at the deadline of the injected clock (15 s), not 15 s of real time later');
  });
});
