/**
 * Waiting for work that cannot be stopped (a health check's requests run to their own timeouts, up to 30 s) with a
 * Cancel button: cancelling stops the wait at once; the work's late result (or error) is dropped.
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
