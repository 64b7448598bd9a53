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
 * same instant both find no other run and both scale it. Where the folder holding the out folder cannot be written
 * (`--out /data` on a mount root, `--out .` under a read-only parent) the lock is in the user's state folder instead
 * ($XDG_STATE_HOME/mora/locks, else ~/.local/state/mora/locks): every run of that user with its out folder there meets
 * it. Until 2026-12-01 that case was a crash (EACCES). Only failing to create the folder or the lock file itself goes
 * there: a lock beside the out folder that this user cannot read or remove (another user's) is a refusal naming it —
 * until 2026-12-01 that went to the state folder too, and two runs held a lock each.
 * A stale lock (its holder gone) is taken over under a claim of its own: `<lock>.takeover-<hash of the stale lock's
 * text>`, created exclusively; only the claim's holder checks that the lock is still that stale one and removes it,
 * then removes the claim. Nothing else removes a lock but its live holder, so between that check and the removal the
 * lock cannot change. Until 2026-12-01 any run that judged it stale checked and removed it in two steps: a slower one
 * removed the lock a faster one had just created, and both held it. A claim lives only for the few synchronous steps
 * of a takeover: one whose pid is not running on this host, or older than CLAIM_STALE_MS (its pid reused, or written on
 * another host), was left by a run that died mid-takeover and is set aside (said in the takeover's note). Setting it
 * aside is itself exclusive: the next claim is `<that claim>-<hash of its text>`, created exclusively, so of the runs
 * that judge the same claim stale exactly one goes on (a chain, one link per dead taker); the claims set aside are
 * removed once the stale lock is gone. Until 2026-12-01 a claim whose pid had died was a refusal for ever after
 * (every run: "ended midway … delete it"), and one whose pid was reused too ("has not finished"). A live, fresh claim
 * after the retries is still a refusal naming the claim and the lock.
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, linkSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';

export interface PlanLockHolder {
  pid: number;
  hostname: string;
  started: string;
  /** What holds it, when it says (a workload lock: `mora experiment (out <dir>)`, `plan <name> (<its JSON>)`). */
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

/**
 * Tests only: a pause between the last check of a stale lock and its removal, where runs racing on it met (a race of
 * microseconds, else rarely met by a test). Unset: none.
 */
const TAKEOVER_PAUSE_MS = Number(process.env.MORA_LOCK_TAKEOVER_PAUSE_MS) || 0;

/**
 * A takeover claim older than this was left by a run that died (or hung) mid-takeover, whatever its pid: a takeover
 * holds its claim for a few synchronous steps (microseconds; milliseconds on a loaded machine).
 */
export const CLAIM_STALE_MS = 2 * 60_000;

/** What a refusal on a live claim adds. */
const CLAIM_AGE_WORDS = `a run after the claim is ${CLAIM_STALE_MS / 60_000} minutes old sets it aside by itself`;

/** Links a claim chain may have (each a run that died mid-takeover) before a run gives up and refuses. */
const MAX_CLAIM_LINKS = 8;

/**
 * Why a takeover claim (read as `c`) was left by a run that is gone, or undefined when its run may be taking the lock
 * over now: its pid not running on this host, or the claim older than CLAIM_STALE_MS.
 */
function staleClaim(path: string, c: NonNullable<ReturnType<typeof readHolder>>, now = Date.now()): string | undefined {
  if (c.holder && c.holder.hostname === hostname() && !pidAlive(c.holder.pid)) return `left by pid ${c.holder.pid}, which is not running`;
  let age: number;
  try {
    age = now - statSync(path).mtimeMs;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined; // removed meanwhile: tried again
    throw e;
  }
  if (age > CLAIM_STALE_MS) {
    const by = c.holder ? `by pid ${c.holder.pid} on ${c.holder.hostname}` : 'by a run it does not name';
    return `written ${by} ${Math.round(age / 1000)} s ago (a takeover takes milliseconds; a claim older than ${CLAIM_STALE_MS / 1000} s is stale)`;
  }
  return undefined;
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
  /** The retries ended with `claim` (a takeover of a gone run's lock) still there, when it is. */
  race(claim?: string): string;
  /** A lock (or its takeover claim) that exists but that this user cannot read or remove: `that` says which and why. */
  inaccessible(that: string): string;
}

/**
 * Creating the lock file itself (or the folder for it) failed: the folder may not be writable. Only this error lets a
 * workload lock go to the user's state folder; a lock that exists but cannot be read or removed is a refusal.
 */
class LockCreateError extends Error {
  readonly code: string | undefined;
  readonly errno: NodeJS.ErrnoException;
  constructor(errno: NodeJS.ErrnoException) {
    super(errno.message);
    this.errno = errno;
    this.code = errno.code;
  }
}

function inaccessibleLock(path: string, op: string, e: NodeJS.ErrnoException, h: PlanLockHolder | undefined): string {
  let owner = '';
  try {
    owner = `, owned by uid ${statSync(path).uid}`;
  } catch { /* not even that */ }
  const holder = h ? `, written by ${h.by ? `${h.by}, ` : ''}pid ${h.pid} on ${h.hostname}, started ${h.started}` : '';
  return `this user cannot ${op} ${path} (${e.code}${owner}${holder})`;
}

/** Takes the plan's lock or throws PlanLockedError. `planName` only words the messages. */
export function acquirePlanLock(lockPath: string, planName: string, started: Date = new Date()): PlanLock {
  try {
    return acquirePlanLockOrCreateError(lockPath, planName, started);
  } catch (e) {
    throw e instanceof LockCreateError ? e.errno : e;
  }
}

function acquirePlanLockOrCreateError(lockPath: string, planName: string, started: Date): PlanLock {
  return acquireLock(lockPath, started, undefined, {
    unknown: (clear) => `plan ${planName} is locked by ${lockPath}, which does not say who holds it (a run may be starting); ${clear}`,
    otherHost: (who, clear) => `plan ${planName} is being run on another host (${who}): MOrA cannot check that process from here; ${clear}`,
    running: (who) => `plan ${planName} is already being run (${who}); wait for it or stop it (two runs would double the load and scale the same workloads)`,
    race: (claim) => claim
      ? `plan ${planName}: a run taking over the lock ${lockPath} has not finished (its claim ${claim} is still there); if no mora run is going on, delete ${claim} and ${lockPath} and run again (${CLAIM_AGE_WORDS})`
      : `plan ${planName}: another run took the lock ${lockPath} at the same moment; run again if it is not running`,
    inaccessible: (that) => `plan ${planName}: ${that}; if no run of it is going on, have its owner (or root) delete it and run again`,
  });
}

function lockName(key: string): string {
  return `.mora-workload-${createHash('sha256').update(key).digest('hex').slice(0, 20)}.lock`;
}

/** The lock of one workload (its scaling-note key, scaling-note.ts workloadKey): beside `outDir`, shared by the folders beside it. */
export function workloadLockPath(outDir: string, key: string): string {
  return join(dirname(resolve(outDir)), lockName(key));
}

/** The user's own folder of workload locks, where the folder beside the out folder cannot be written. */
export function workloadStateLockPath(key: string, env: NodeJS.ProcessEnv = process.env): string {
  const state = env.XDG_STATE_HOME && isAbsolute(env.XDG_STATE_HOME) ? env.XDG_STATE_HOME : join(homedir(), '.local', 'state');
  return join(state, 'mora', 'locks', lockName(key));
}

/** Errors that say the lock's folder cannot be written (or is not a folder), not that the lock is held. */
const NOT_WRITABLE = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOTDIR', 'EEXIST']);

/**
 * Takes the lock of the workload `key` for a run that may scale it (`by`: what the holder is, said to the other run;
 * `workload`: the workload as messages name it), or throws PlanLockedError naming the run that holds it. Held until
 * the run has put the count back (release). `then`: what a refusal says was done (default: nothing). The folder
 * beside the out folder is created if missing; where it cannot be written, the lock is in the user's state folder
 * (workloadStateLockPath); where neither can, a one-line refusal.
 */
export function acquireWorkloadLock(outDir: string, key: string, workload: string, by: string, options: { started?: Date; then?: string } = {}): PlanLock {
  const started = options.started ?? new Date();
  const then = options.then ?? 'nothing was scaled or sent';
  const take = (lockPath: string) => {
    try {
      mkdirSync(dirname(lockPath), { recursive: true });
    } catch (e) {
      throw new LockCreateError(e as NodeJS.ErrnoException);
    }
    return acquireLock(lockPath, started, by, {
      unknown: (clear) => `${workload} is locked by ${lockPath}, which does not say who holds it: ${then}; ${clear}`,
      otherHost: (who, clear) => `${workload} is being scaled by a run on another host (${who}; lock ${lockPath}): ${then}; MOrA cannot check that process from here; ${clear}`,
      running: (who, h) => `${workload} is being scaled by ${h.by ?? 'another run'} (${who}; lock ${lockPath}): ${then}; run it again once that run has ended (two runs would each restore over the other's count)`,
      race: (claim) => claim
        ? `${workload}: a run taking over the lock ${lockPath} has not finished (its claim ${claim} is still there): ${then}; if no mora run is going on, delete ${claim} and ${lockPath} and run again (${CLAIM_AGE_WORDS})`
        : `${workload}: another run took the lock ${lockPath} at the same moment: ${then}; run again if it is not running`,
      inaccessible: (that) => `${workload}: ${that}: ${then}; if no run scaling it is going on, have its owner (or root) delete it and run again`,
    });
  };
  const primary = workloadLockPath(outDir, key);
  let why: string;
  // Only creating the folder or the lock file itself sends the lock elsewhere: a lock there that cannot be read or
  // removed (another user's) is a refusal (acquireLock), or two runs would each hold a lock of their own.
  try {
    return take(primary);
  } catch (e) {
    if (!(e instanceof LockCreateError)) throw e;
    if (!e.code || !NOT_WRITABLE.has(e.code)) throw e.errno;
    why = e.code;
  }
  const fallback = workloadStateLockPath(key);
  try {
    return take(fallback);
  } catch (e) {
    if (!(e instanceof LockCreateError)) throw e;
    const code = e.code;
    if (!code || !NOT_WRITABLE.has(code)) throw e.errno;
    throw new PlanLockedError(`${workload}: its lock can be written neither beside the out folder (${dirname(primary)}: ${why}) nor in ${dirname(fallback)} (${code}): ${then}; set XDG_STATE_HOME to a folder you can write, or give --out in a folder you can write`);
  }
}

function acquireLock(lockPath: string, started: Date, by: string | undefined, words: LockWords): PlanLock {
  const mine: PlanLockHolder = { pid: process.pid, hostname: hostname(), started: started.toISOString(), ...(by !== undefined ? { by } : {}) };
  const text = `${JSON.stringify(mine)}\n`;
  let tookOver: string | undefined;
  /** A takeover claim met held by a live run, last time round. */
  let claimMet: string | undefined;
  for (let attempt = 0; attempt < 200; attempt++) {
    let created: boolean;
    try {
      created = tryCreate(lockPath, text);
    } catch (e) {
      throw new LockCreateError(e as NodeJS.ErrnoException);
    }
    if (created) {
      return {
        ...(tookOver ? { tookOver } : {}),
        release: () => {
          // Only our own lock: a lock someone removed by hand and another run took is theirs.
          if (readHolder(lockPath)?.text === text) unlinkSync(lockPath);
        },
      };
    }
    claimMet = undefined;
    // What is being done to which file, for a refusal that says so when it fails (another user's lock: EACCES, EPERM).
    let step = { op: 'read the lock', path: lockPath };
    let found: ReturnType<typeof readHolder> = undefined;
    try {
      found = readHolder(lockPath);
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
      // Stale: its holder is gone. Removed only under this stale lock's claim (see the header), and only if it is still
      // the lock judged stale (another run may have removed it and taken the lock since). A claim left by a run that
      // died mid-takeover is set aside: the claim is then the next link of the chain (see the header).
      let claim = `${lockPath}.takeover-${createHash('sha256').update(found.text).digest('hex').slice(0, 16)}`;
      /** Claims set aside (left by runs that are gone), and why. */
      const setAside: Array<{ path: string; why: string }> = [];
      let claimed = false;
      for (let link = 0; link < MAX_CLAIM_LINKS; link++) {
        step = { op: 'create a takeover claim', path: claim };
        if (tryCreate(claim, text)) {
          claimed = true;
          break;
        }
        step = { op: 'read the takeover claim', path: claim };
        const c = readHolder(claim);
        const why = c && staleClaim(claim, c);
        if (!c || !why) break; // removed meanwhile (try again), or another run is taking it over now
        setAside.push({ path: claim, why });
        claim = `${claim}-${createHash('sha256').update(c.text).digest('hex').slice(0, 16)}`;
      }
      if (!claimed) {
        claimMet = claim;
        pause(5); // another run is taking it over: a moment
        continue;
      }
      let staleGone = false;
      try {
        step = { op: 'read the lock', path: lockPath };
        if (readHolder(lockPath)?.text !== found.text) {
          staleGone = true;
          continue;
        }
        if (TAKEOVER_PAUSE_MS > 0) pause(TAKEOVER_PAUSE_MS); // tests: widens the moment between that check and the removal
        step = { op: 'remove the stale lock', path: lockPath };
        unlinkSync(lockPath);
        staleGone = true;
        const aside = setAside.map((a) => `; set aside the takeover claim ${a.path}, ${a.why}`).join('');
        tookOver = `took over the lock of a run that is gone (${who})${aside}`;
      } finally {
        // The claims set aside only once the stale lock is gone: until then a new claim under their names would be a
        // second taker of the same lock.
        for (const path of [claim, ...(staleGone ? setAside.map((a) => a.path) : [])]) {
          try {
            unlinkSync(path);
          } catch { /* removed by hand (or by another run, once the stale lock was gone) meanwhile */ }
        }
      }
    } catch (e) {
      if (e instanceof PlanLockedError || !(e as NodeJS.ErrnoException).code) throw e;
      throw new PlanLockedError(words.inaccessible(inaccessibleLock(step.path, step.op, e as NodeJS.ErrnoException, step.path === lockPath ? found?.holder : undefined)), found?.holder);
    }
  }
  throw new PlanLockedError(words.race(claimMet && existsSync(claimMet) ? claimMet : undefined));
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
