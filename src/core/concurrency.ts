/**
 * Bounded concurrency without a dependency: `fn` runs over `items` with at most `limit` calls in flight, started in
 * item order. A failure the caller wants to record and go on from is `fn`'s to catch; an exception that escapes `fn`
 * starts no further item and is rethrown once the calls in flight have settled, so none is left running behind the
 * caller's back.
 */
export async function forEachLimit<T>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`concurrency must be a positive integer, got ${limit}`);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (next < items.length && !failure) {
      const i = next++;
      try {
        await fn(items[i], i);
      } catch (e) {
        failure ??= { error: e };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.error;
}
