// What each interrupt signal means once a restore may follow it (src/cli/commands/interrupt-signals.ts RestoreSignals),
// for mora experiment, mora experiment run and mora recommend --apply-cluster. Signals less than COALESCE_MS after the
// first signal of a burst are one press (npx passes Ctrl-C on besides the terminal; `timeout` sends SIGTERM to the child and to its
// group); per press: the first starts the restore, the second is absorbed and said, a third within QUIT_WINDOW_MS of
// the press before quits. A fake clock.
import * as assert from 'node:assert/strict';
import { COALESCE_MS, QUIT_HINT, QUIT_WINDOW_MS, RestoreSignals } from '../../src/cli/commands/interrupt-signals';

/** take() at each time (ms), in order. */
function takes(times: number[], restoring = false): string[] {
  let t = 0;
  const s = new RestoreSignals(() => t);
  return times.map((at) => ((t = at), s.take(restoring)));
}

describe('RestoreSignals: a second signal does not cut a restore short', () => {
  it('under npx every Ctrl-C comes twice, 5 ms apart: two presses 10 s apart are first and wait, never quit', () => {
    // Before: first, wait, absorbed, quit — the second press ended the restore.
    assert.deepEqual(takes([0, 5, 10_000, 10_005]), ['first', 'absorbed', 'wait', 'absorbed']);
  });

  it('under npx, two more presses within 3 s after the first quit (the again line on the second press only)', () => {
    assert.deepEqual(takes([0, 5, 10_000, 10_005, 11_000, 11_005]), ['first', 'absorbed', 'wait', 'absorbed', 'quit', 'absorbed']);
    assert.deepEqual(takes([0, 5, 1_000, 1_005, 1_500, 1_505]), ['first', 'absorbed', 'wait', 'absorbed', 'quit', 'absorbed']);
  });

  it('two distinct presses after the first, the last within QUIT_WINDOW_MS of the one before, quit; one later than that does not', () => {
    assert.deepEqual(takes([0, 500, 500 + QUIT_WINDOW_MS]), ['first', 'wait', 'quit']);
    assert.deepEqual(takes([0, 500, 500 + QUIT_WINDOW_MS + 1]), ['first', 'wait', 'absorbed']);
    assert.deepEqual(takes([0, 500, 500 + QUIT_WINDOW_MS + 1, 501 + 2 * QUIT_WINDOW_MS]), ['first', 'wait', 'absorbed', 'quit']);
  });

  it('a signal pair 5 ms apart never counts twice, whenever it comes; a press is the signals under COALESCE_MS after its first', () => {
    assert.deepEqual(takes([0, 5, 10, 15]), ['first', 'absorbed', 'absorbed', 'absorbed']);
    assert.deepEqual(takes([0, 5, 1_000, 1_005, 5_000, 5_005]), ['first', 'absorbed', 'wait', 'absorbed', 'absorbed', 'absorbed']);
    // Before (measured from the last signal): ['first', 'absorbed', 'absorbed'], the burst chained on.
    assert.deepEqual(takes([0, COALESCE_MS - 1, 2 * COALESCE_MS - 2]), ['first', 'absorbed', 'wait']);
    assert.deepEqual(takes([0, COALESCE_MS, 2 * COALESCE_MS]), ['first', 'wait', 'quit']);
    let t = 0;
    const s = new RestoreSignals(() => t);
    const got: string[] = [];
    for (const at of [0, 5, 1_000, 1_005, 2_000, 2_005]) { t = at; got.push(s.take()); }
    assert.deepEqual(got, ['first', 'absorbed', 'wait', 'absorbed', 'quit', 'absorbed']);
    assert.deepEqual([s.received, s.pressed], [6, 3]);
  });

  // Before: the window ran from the last signal, so signals every 150 ms were one endless press and never quit.
  it('signals that keep coming every 150 ms for 3 s are a press each COALESCE_MS from a press\'s first: they quit at the third press (600 ms)', () => {
    const times = Array.from({ length: 21 }, (_, k) => k * 150);
    const got = takes(times);
    assert.deepEqual(got.slice(0, 5), ['first', 'absorbed', 'wait', 'absorbed', 'quit']);
    // Presses start at 0, 300, 600, 900, … (each the first signal COALESCE_MS or more after the press before's first).
    assert.deepEqual(times.filter((_, k) => got[k] !== 'absorbed'), times.filter((t) => t % 300 === 0));
  });

  // Before: 0, 1000, 1150, 1200 gave first, wait, absorbed, absorbed (1200 chained to 1150's burst) although the wait
  // line promised one more press quits; the lines now say presses must be COALESCE_MS apart, and the count keeps to it.
  it('a quick extra press (0, 1000, 1150 ms) is absorbed as the lines say: one at least 0.2 s and at most 3 s after the second quits', () => {
    assert.equal(QUIT_HINT, 'press Ctrl-C twice more, at least 0.2 s apart and the second within 3 s of the first, to quit at once');
    let t = 0;
    const s = new RestoreSignals(() => t);
    const got: string[] = [];
    for (const at of [0, 1_000]) { t = at; got.push(s.take()); }
    assert.equal(s.waitHint(), 'one more press, at least 0.2 s and at most 3 s after this one, quits at once');
    for (const at of [1_150, 1_000 + COALESCE_MS]) { t = at; got.push(s.take()); }
    assert.deepEqual(got, ['first', 'wait', 'absorbed', 'quit']);
    assert.deepEqual(takes([0, 1_000, 1_150, 1_000 + QUIT_WINDOW_MS]), ['first', 'wait', 'absorbed', 'quit']);
    assert.deepEqual(takes([0, 1_000, 1_150, 1_001 + QUIT_WINDOW_MS]), ['first', 'wait', 'absorbed', 'absorbed']);
  });

  it('a restore already running at the first press: its wait line asks for two more presses, COALESCE_MS apart', () => {
    let t = 0;
    const s = new RestoreSignals(() => t);
    assert.equal(s.take(true), 'wait');
    assert.equal(s.waitHint(), 'two more presses, at least 0.2 s apart and the second within 3 s of the first, quit at once');
    t = 150;
    assert.equal(s.take(true), 'absorbed');
    t = 200;
    assert.equal(s.take(true), 'absorbed');
    t = 3_200;
    assert.equal(s.take(true), 'quit');
  });

  it('timeout\'s SIGTERM pair (20 ms apart) is one press: it starts the restore, its second is silent; later presses as any', () => {
    assert.deepEqual(takes([0, 20, 20 + QUIT_WINDOW_MS + 1, 20 + 2 * QUIT_WINDOW_MS]), ['first', 'absorbed', 'wait', 'quit']);
  });

  it('a restore already running (after a failure): the first press is absorbed and said, the third quick one quits; pairs count once', () => {
    assert.deepEqual(takes([0, 500, 1_000], true), ['wait', 'absorbed', 'quit']);
    assert.deepEqual(takes([0, 5, 500, 505, 1_000, 1_005], true), ['wait', 'absorbed', 'absorbed', 'absorbed', 'quit', 'absorbed']);
  });
});
