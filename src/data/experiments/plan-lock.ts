/**
 * One run of a plan at a time: `<plan>.lock` next to `<plan>.json`, created exclusively with the holder's pid, host
 * and start time, removed when the run ends. A second run (another terminal, the CLI next to VS Code) refuses
 * and names the holder. A lock whose holder is gone (same host, pid not alive: a SIGKILLed run) is taken over with a
 * note; a lock from another host cannot be checked and is refused with how to clear it.
 * The lock appears with its holder already in it: written to a file of its own first, then linked to the lock's
 * name (link fails if the name exists: the same exclusive create as 'wx'). Until 2026-12-01 it was created empty
 * ('wx') and then written, so a run started at the same instant could read it empty and refuse without naming
 * the holder ("does not say who holds it").
 * One run scaling a workload at a time (acquireWorkloadLock): a lock per workload, beside the out folders, taken
 * before the records are looked at — checking the records first and then writing one let two runs started at the
 * same instant both find no other run and both scale it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, linkSync, mkdirSync, openSync, readFileSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';

export interface PlanLockHolder {
  pid: number;
  hostname: string;
  started: string;
  /** What holds it, when it says (a workload lock: `mora experiment --out <dir>`, `plan <name>`). */
  by?: string;
}

/** The plan is being run by another process (or could be): nothing was changed. */
export class PlanLockedError extends Error {
  constructor(message: string, readonly holder?: PlanLockHolder) {
    super(message);
    this.name = 'PlanLockedError';
  }
}

export interface PlanLock {
  /** Set when a stale lock was taken over: says whose. */
  tookOver?: string;
  release(): void;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(path: string): { text: string; holder?: PlanLockHolder } | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    const h = JSON.parse(text) as PlanLockHolder;
    if (Number.isInteger(h.pid) && h.pid > 0 && typeof h.hostname === 'string') return { text, holder: h };
  } catch { /* an unreadable lock: refused below */ }
  return { text };
}

/** A synchronous pause (the lock is taken synchronously). */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Creates `path` holding `text`, or false when it exists; it never exists empty (see the header). */
function tryCreate(path: string, text: string): boolean {
  const own = `${path}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  try {
    writeFileSync(own, text, { flag: 'wx', mode: 0o644 });
  } catch {
    return tryCreateInPlace(path, text); // a folder where only the lock's own name may be created: as before
  }
  try {
    linkSync(own, path);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    // A file system without hard links (some network and FUSE mounts): the exclusive create, then the write.
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'ENOSYS' || code === 'EMLINK') return tryCreateInPlace(path, text);
    throw e;
  } finally {
    try {
      unlinkSync(own);
    } catch { /* gone already */ }
  }
}

function tryCreateInPlace(path: string, text: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o644);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  return true;
}

/** How a refusal is worded: the plan's (acquirePlanLock) or a workload's (acquireWorkloadLock). */
interface LockWords {
  /** No holder in the lock. */
  unknown(clear: string): string;
  otherHost(who: string, clear: string): string;
  running(who: string, h: PlanLockHolder): string;
  race(): string;
}

/** Takes the plan's lock or throws PlanLockedError. `planName` only words the messages. */
export function acquirePlanLock(lockPath: string, planName: string, started: Date = new Date()): PlanLock {
  return acquireLock(lockPath, started, undefined, {
    unknown: (clear) => `plan ${planName} is locked by ${lockPath}, which does not say who holds it (a run may be starting); ${clear}`,
    otherHost: (who, clear) => `plan ${planName} is being run on another host (${who}): MOrA cannot check that process from here; ${clear}`,
    running: (who) => `plan ${planName} is already being run (${who}); wait for it or stop it (two runs would double the load and scale the same workloads)`,
    race: () => `plan ${planName}: another run took the lock ${lockPath} at the same moment; run again if it is not running`,
  });
}

/** The lock of one workload (its scaling-note key, scaling-note.ts workloadKey): beside `outDir`, shared by the folders beside it. */
export function workloadLockPath(outDir: string, key: string): string {
  return join(dirname(resolve(outDir)), `.mora-workload-${createHash('sha256').update(key).digest('hex').slice(0, 20)}.lock`);
}

/**
 * Takes the lock of the workload `key` for a run that may scale it (`by`: what the holder is, said to the other run;
 * `workload`: the workload as messages name it), or throws PlanLockedError naming the run that holds it. Held until
 * the run has put the count back (release). The folder beside the out folder is created if missing.
 */
export function acquireWorkloadLock(outDir: string, key: string, workload: string, by: string, started: Date = new Date()): PlanLock {
  const lockPath = workloadLockPath(outDir, key);
  mkdirSync(dirname(lockPath), { recursive: true });
  const then = 'nothing was scaled or sent';
  return acquireLock(lockPath, started, by, {
    unknown: (clear) => `${workload} is locked by ${lockPath}, which does not say who holds it: ${then}; ${clear}`,
    otherHost: (who, clear) => `${workload} is being scaled by a run on another host (${who}; lock ${lockPath}): ${then}; MOrA cannot check that process from here; ${clear}`,
    running: (who, h) => `${workload} is being scaled by ${h.by ?? 'another run'} (${who}; lock ${lockPath}): ${then}; run it again once that run has ended (two runs would each restore over the other's count)`,
    race: () => `${workload}: another run took the lock ${lockPath} at the same moment: ${then}; run again if it is not running`,
  });
}

function acquireLock(lockPath: string, started: Date, by: string | undefined, words: LockWords): PlanLock {
  const mine: PlanLockHolder = { pid: process.pid, hostname: hostname(), started: started.toISOString(), ...(by !== undefined ? { by } : {}) };
  const text = `${JSON.stringify(mine)}\n`;
  let tookOver: string | undefined;
  for (let attempt = 0; attempt < 2; attempt++) {
    if (tryCreate(lockPath, text)) {
      return {
        ...(tookOver ? { tookOver } : {}),
        release: () => {
          // Only our own lock: a lock someone removed by hand and another run took is theirs.
          if (readHolder(lockPath)?.text === text) unlinkSync(lockPath);
        },
      };
    }
    let found = readHolder(lockPath);
    // A lock written in place (a file system without links) may be read between its create and its write: a moment.
    for (let wait = 0; found && !found.holder && wait < 10; wait++) {
      pause(10);
      found = readHolder(lockPath);
    }
    if (!found) continue; // removed meanwhile: try again
    const h = found.holder;
    const clear = `if no run of it is going on, delete ${lockPath} and run again`;
    if (!h) throw new PlanLockedError(words.unknown(clear));
    const who = `pid ${h.pid} on ${h.hostname}, started ${h.started}`;
    if (h.hostname !== mine.hostname) throw new PlanLockedError(words.otherHost(who, clear), h);
    if (pidAlive(h.pid)) throw new PlanLockedError(words.running(who, h), h);
    // Stale: its holder is gone. Removed only if it is still the lock judged stale (another run may have just taken it).
    if (readHolder(lockPath)?.text !== found.text) continue;
    unlinkSync(lockPath);
    tookOver = `took over the lock of a run that is gone (${who})`;
  }
  throw new PlanLockedError(words.race());
}

/**
 * Who holds a plan's lock, when that run may be going on: a live pid on this host, a holder on another host (which
 * cannot be checked from here) or a lock that does not say. Undefined when there is no lock or its holder is gone.
 */
export function liveLockHolder(lockPath: string): string | undefined {
  let found: ReturnType<typeof readHolder>;
  try {
    found = readHolder(lockPath);
  } catch {
    return `a lock ${lockPath} that cannot be read`;
  }
  if (!found) return undefined;
  const h = found.holder;
  if (!h) return `a lock ${lockPath} that does not say who holds it`;
  if (h.hostname === hostname() && !pidAlive(h.pid)) return undefined;
  return `pid ${h.pid} on ${h.hostname}, started ${h.started}`;
}
