// What each interrupt signal means once a restore may follow it (src/cli/commands/interrupt-signals.ts RestoreSignals),
// for mora experiment, mora experiment run and mora recommend --apply-cluster. Signals less than COALESCE_MS after the
// one before are one press (npx passes Ctrl-C on besides the terminal; `timeout` sends SIGTERM to the child and to its
// group); per press: the first starts the restore, the second is absorbed and said, a third within QUIT_WINDOW_MS of
// the press before quits. A fake clock.
import * as assert from 'node:assert/strict';
import { COALESCE_MS, QUIT_WINDOW_MS, RestoreSignals } from '../../src/cli/commands/interrupt-signals';

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

  it('a signal pair 5 ms apart never counts twice, whenever it comes; a burst chains while each is under COALESCE_MS after the one before', () => {
    assert.deepEqual(takes([0, 5, 10, 15]), ['first', 'absorbed', 'absorbed', 'absorbed']);
    assert.deepEqual(takes([0, COALESCE_MS - 1, 2 * COALESCE_MS - 2]), ['first', 'absorbed', 'absorbed']);
    assert.deepEqual(takes([0, COALESCE_MS, 2 * COALESCE_MS]), ['first', 'wait', 'quit']);
    let t = 0;
    const s = new RestoreSignals(() => t);
    const got: string[] = [];
    for (const at of [0, 5, 1_000, 1_005, 2_000, 2_005]) { t = at; got.push(s.take()); }
    assert.deepEqual(got, ['first', 'absorbed', 'wait', 'absorbed', 'quit', 'absorbed']);
    assert.deepEqual([s.received, s.pressed], [6, 3]);
  });

  it('timeout\'s SIGTERM pair (20 ms apart) is one press: it starts the restore, its second is silent; later presses as any', () => {
    assert.deepEqual(takes([0, 20, 20 + QUIT_WINDOW_MS + 1, 20 + 2 * QUIT_WINDOW_MS]), ['first', 'absorbed', 'wait', 'quit']);
  });

  it('a restore already running (after a failure): the first press is absorbed and said, the third quick one quits; pairs count once', () => {
    assert.deepEqual(takes([0, 500, 1_000], true), ['wait', 'absorbed', 'quit']);
    assert.deepEqual(takes([0, 5, 500, 505, 1_000, 1_005], true), ['wait', 'absorbed', 'absorbed', 'absorbed', 'quit', 'absorbed']);
  });
});
