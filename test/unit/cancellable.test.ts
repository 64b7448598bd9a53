import { strict as assert } from 'node:assert';
import { untilCancelled, type CancelSignal } from '../../src/views/cancellable';

function cancelSource(): CancelSignal & { cancel(): void } {
  const listeners = new Set<() => void>();
  const t = {
    isCancellationRequested: false,
    onCancellationRequested: (l: () => void) => {
      listeners.add(l);
      return { dispose: () => listeners.delete(l) };
    },
    cancel: () => {
      t.isCancellationRequested = true;
      for (const l of [...listeners]) l();
    },
  };
  return t;
}

describe('Health Check: Cancel stops the wait', () => {
  it('cancelling ends the wait at once although the checks still run', async () => {
    const token = cancelSource();
    const never = new Promise<string>(() => undefined);
    const waiting = untilCancelled(never, token);
    token.cancel();
    assert.deepEqual(await waiting, { cancelled: true });
  });

  it('the result when not cancelled; an error passes through; a late failure after Cancel is dropped', async () => {
    assert.deepEqual(await untilCancelled(Promise.resolve(3), cancelSource()), { cancelled: false, value: 3 });
    await assert.rejects(untilCancelled(Promise.reject(new Error('boom')), cancelSource()), /boom/);
    const token = cancelSource();
    let fail!: (e: Error) => void;
    const waiting = untilCancelled(new Promise<number>((_r, j) => { fail = j; }), token);
    token.cancel();
    assert.deepEqual(await waiting, { cancelled: true });
    fail(new Error('late'));
    // Already cancelled before it starts: no wait at all.
    const done = cancelSource();
    done.cancel();
    assert.deepEqual(await untilCancelled(new Promise(() => undefined), done), { cancelled: true });
  });
});
