import { strict as assert } from 'node:assert';
import { untilCancelled, withAbortOnCancel, type CancelSignal } from '../../src/views/cancellable';

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

describe('Health Check: Cancel aborts the work\'s requests (withAbortOnCancel)', () => {
  it('Cancel aborts the signal the work was given and ends the wait at once', async () => {
    const token = cancelSource();
    let given: AbortSignal | undefined;
    const waiting = withAbortOnCancel((signal) => {
      given = signal;
      return new Promise<string>(() => undefined);
    }, token);
    assert.equal(given?.aborted, false);
    token.cancel();
    assert.deepEqual(await waiting, { cancelled: true });
    assert.equal(given?.aborted, true, 'the work was told to stop');
  });

  it('not cancelled: the value, the signal never aborted; already cancelled: the work starts with an aborted signal', async () => {
    let given: AbortSignal | undefined;
    assert.deepEqual(await withAbortOnCancel(async (signal) => { given = signal; return 3; }, cancelSource()), { cancelled: false, value: 3 });
    assert.equal(given?.aborted, false);
    await assert.rejects(withAbortOnCancel(() => { throw new Error('sync boom'); }, cancelSource()), /sync boom/);
    const done = cancelSource();
    done.cancel();
    let late: AbortSignal | undefined;
    assert.deepEqual(await withAbortOnCancel((signal) => { late = signal; return new Promise(() => undefined); }, done), { cancelled: true });
    assert.equal(late?.aborted, true);
  });
});
