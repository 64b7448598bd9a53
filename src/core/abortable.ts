/**
 * Waiting for a promise no longer than a caller wants: `p`, or — as soon as `signal` aborts — a rejection with the
 * signal's reason. The work behind `p` is not stopped by this (pass the signal to the request as well); the wait is.
 * The abort listener goes when `p` settles, so a long-lived signal does not collect one listener per call.
 */
export function untilAborted<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) {
    p.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      p.catch(() => undefined);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    p.then((v) => {
      signal.removeEventListener('abort', onAbort);
      resolve(v);
    }, (e: unknown) => {
      signal.removeEventListener('abort', onAbort);
      reject(e);
    });
  });
}
