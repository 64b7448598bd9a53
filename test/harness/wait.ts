/**
 * Waiting on a real component (an API server, a process, Prometheus) with a deadline, never a fixed sleep: poll `get`
 * until `ok` holds or `ms` has passed, and return the last value either way — the assertion after it says what was wrong.
 */
export async function until<T>(get: () => Promise<T>, ok: (x: T) => boolean, ms: number, everyMs = 100): Promise<T> {
  const end = Date.now() + ms;
  let x = await get();
  while (!ok(x) && Date.now() < end) {
    await new Promise((r) => setTimeout(r, everyMs));
    x = await get();
  }
  return x;
}
