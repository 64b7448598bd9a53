/**
 * Waiting for work with a Cancel button: cancelling stops the wait at once; the work's late result (or error) is
 * dropped. untilCancelled only stops the wait; withAbortOnCancel also hands the work an AbortSignal that Cancel aborts,
 * so its requests stop too (a health check's would otherwise run to their own timeouts, up to 30 s).
 */
export type Cancellable<T> = { cancelled: false; value: T } | { cancelled: true };

export interface CancelSignal {
  isCancellationRequested: boolean;
  onCancellationRequested(listener: () => void): { dispose(): void };
}

export function untilCancelled<T>(work: Promise<T>, token: CancelSignal): Promise<Cancellable<T>> {
  if (token.isCancellationRequested) {
    work.catch(() => undefined);
    return Promise.resolve({ cancelled: true });
  }
  return new Promise((resolve, reject) => {
    const sub = token.onCancellationRequested(() => {
      sub.dispose();
      resolve({ cancelled: true });
    });
    work.then((value) => {
      sub.dispose();
      resolve({ cancelled: false, value });
    }, (e: unknown) => {
      sub.dispose();
      reject(e);
    });
  });
}

/**
 * `start(signal)` with a Cancel button: Cancel aborts `signal` (the work's requests stop) and ends the wait at once,
 * as untilCancelled does — even for work that is slow to notice the signal.
 */
export function withAbortOnCancel<T>(start: (signal: AbortSignal) => Promise<T>, token: CancelSignal): Promise<Cancellable<T>> {
  const abort = new AbortController();
  if (token.isCancellationRequested) abort.abort();
  const sub = token.onCancellationRequested(() => abort.abort());
  let work: Promise<T>;
  try {
    work = start(abort.signal);
  } catch (e) {
    sub.dispose();
    return Promise.reject(e);
  }
  const waiting = untilCancelled(work, token);
  // The subscription stays until the work settles (a Cancel after the wait ended has nothing left to stop).
  work.then(() => sub.dispose(), () => sub.dispose());
  return waiting;
}
