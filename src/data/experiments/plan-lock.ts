/**
 * One run of a plan at a time: `<plan>.lock` next to `<plan>.json`, created exclusively ('wx') with the holder's pid,
 * host and start time, removed when the run ends. A second run (another terminal, the CLI next to VS Code) refuses
 * and names the holder. A lock whose holder is gone (same host, pid not alive: a SIGKILLed run) is taken over with a
 * note; a lock from another host cannot be checked and is refused with how to clear it.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';

export interface PlanLockHolder {
  pid: number;
  hostname: string;
  started: string;
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

function tryCreate(path: string, text: string): boolean {
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

/** Takes the plan's lock or throws PlanLockedError. `planName` only words the messages. */
export function acquirePlanLock(lockPath: string, planName: string, started: Date = new Date()): PlanLock {
  const mine: PlanLockHolder = { pid: process.pid, hostname: hostname(), started: started.toISOString() };
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
    const found = readHolder(lockPath);
    if (!found) continue; // removed meanwhile: try again
    const h = found.holder;
    const clear = `if no run of it is going on, delete ${lockPath} and run again`;
    if (!h) throw new PlanLockedError(`plan ${planName} is locked by ${lockPath}, which does not say who holds it (a run may be starting); ${clear}`);
    const who = `pid ${h.pid} on ${h.hostname}, started ${h.started}`;
    if (h.hostname !== mine.hostname) throw new PlanLockedError(`plan ${planName} is being run on another host (${who}): MOrA cannot check that process from here; ${clear}`, h);
    if (pidAlive(h.pid)) throw new PlanLockedError(`plan ${planName} is already being run (${who}); wait for it or stop it (two runs would double the load and scale the same workloads)`, h);
    // Stale: its holder is gone. Removed only if it is still the lock judged stale (another run may have just taken it).
    if (readHolder(lockPath)?.text !== found.text) continue;
    unlinkSync(lockPath);
    tookOver = `took over the lock of a run that is gone (${who})`;
  }
  throw new PlanLockedError(`plan ${planName}: another run took the lock ${lockPath} at the same moment; run again if it is not running`);
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
