/**
 * A worker thread of the extension's pool at background priority (Linux: the thread's own nice value), so the
 * extension host's thread — which shares the process and, on a small machine, the cores with these workers, VS Code's
 * renderer and its server — is scheduled first when it has work: a Prophet fit or an LSTM epoch waits a few
 * milliseconds, the editor does not. Imported first by the worker's entry, so it applies before the bundle loads.
 *
 * The CLI's pools keep normal priority (they are the work); only the extension asks for it (PoolOptions.niceness).
 */
import { readFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import { isMainThread, workerData } from 'node:worker_threads';

/** Sets the calling thread's nice value (Linux: setpriority on its thread id); false where that is not possible. */
export function niceThisThread(niceness: number): boolean {
  if (process.platform !== 'linux') return false;
  try {
    // /proc/thread-self is this thread's task; the first field of its stat is the thread id.
    const tid = Number(readFileSync('/proc/thread-self/stat', 'utf8').split(' ', 1)[0]);
    if (!Number.isInteger(tid) || tid <= 0) return false;
    setPriority(tid, niceness);
    return true;
  } catch {
    return false;
  }
}

const asked = (workerData as { niceness?: unknown } | null | undefined)?.niceness;
if (!isMainThread && typeof asked === 'number' && asked > 0) niceThisThread(asked);
