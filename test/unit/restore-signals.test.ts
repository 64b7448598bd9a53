// What each interrupt signal means once a restore may follow it (src/cli/commands/interrupt-signals.ts RestoreSignals),
// for mora experiment, mora experiment run and mora recommend --apply-cluster: the first starts the restore, later
// ones are absorbed (the first of them said), and a third within QUIT_WINDOW_MS of the one before quits. A fake clock.
import * as assert from 'node:assert/strict';
import { QUIT_WINDOW_MS, RestoreSignals } from '../../src/cli/commands/interrupt-signals';

describe('RestoreSignals: a second signal does not cut a restore short', () => {
  it('timeout\'s SIGTERM pair (20 ms apart) starts the restore and is absorbed; a third long after is absorbed, a fourth right after it quits', () => {
    let t = 1_000_000;
    const s = new RestoreSignals(() => t);
    assert.equal(s.take(), 'first');
    t += 20;
    assert.equal(s.take(), 'wait');
    t += QUIT_WINDOW_MS + 1;
    assert.equal(s.take(), 'absorbed');
    t += QUIT_WINDOW_MS;
    assert.equal(s.take(), 'quit');
    assert.equal(s.received, 4);
  });

  it('three in quick succession: first, wait, quit', () => {
    let t = 0;
    const s = new RestoreSignals(() => t);
    assert.deepEqual([s.take(), (t += 5, s.take()), (t += 5, s.take())], ['first', 'wait', 'quit']);
  });

  it('a restore already running (after a failure): the first signal is absorbed and said, the third quick one quits', () => {
    let t = 0;
    const s = new RestoreSignals(() => t);
    assert.deepEqual([s.take(true), (t += 5, s.take(true)), (t += 5, s.take(true))], ['wait', 'absorbed', 'quit']);
  });
});
