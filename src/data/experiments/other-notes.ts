/**
 * Other records' scaling notes on a workload. A plan's own record is not the only one that may owe a workload its
 * count: another plan (another plan file, recording in the same "out" folder or one beside it) or a `mora experiment`
 * run may be scaling it right now, or may have been killed while it had it scaled. Before a plan notes a workload's
 * original count (plan-run.ts):
 * - another plan's record (or a `mora experiment` record, which names the lock its run holds while it scales) with a
 *   pending note on that workload, whose lock is held (that run is going on): refused. Both would scale it; the second
 *   would read the first's count as the original, the first would then skip its restore (the count is no longer the
 *   one it set), and the second would "restore" the first's count;
 * - otherwise another record's pending note (a killed run's) gives the original count — for `mora experiment` (plan.ts)
 *   too — while the workload still has the count that run set (its scaledTo; splitByLiveCount); once this run
 *   has put that count back those notes are settled too. A count changed since (by its owner) is the original, and
 *   those notes are settled as skipped, as their own restore would have left that count.
 * The records looked at: `*.json` in the plan's out folder and in the folders beside it (the default out is
 * experiments/<plan name>, the wizard's .mora/experiments). Plans recording elsewhere are not seen.
 */
import { closeSync, constants, fstatSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { writeFileAtomic } from '../../core/atomic-write';
import { acquirePlanLock, liveLockHolder, PlanLockedError } from './plan-lock';
import type { ScalingNote } from './runner';
import { noteKey, settled } from './scaling-note';

/** At most this many folders beside the out folder are looked in. */
const MAX_SIBLINGS = 200;
/** A larger JSON is not read (no record of a plan or an experiment comes near it). */
const MAX_RECORD_BYTES = 16 * 1024 * 1024;

export interface OtherNote {
  /** The record's JSON. */
  path: string;
  kind: 'plan' | 'experiment';
  /** The plan's name, or the experiment record's file name. */
  name: string;
  /** For a plan: the service whose note it is. */
  service?: string;
  note: ScalingNote;
  started: number;
  /** For a plan, or a `mora experiment` run, whose lock is held (it is running, or may be): who holds it. */
  running?: string;
  /** Its lock file, when it has one (a stale one — a reused pid, a gone host — is deleted by hand). */
  lock?: string;
}

/** Another plan is scaling the workload now: nothing of it is changed by this run. */
export class WorkloadScaledElsewhereError extends PlanLockedError {
  constructor(message: string, readonly other: OtherNote) {
    super(message);
    this.name = 'WorkloadScaledElsewhereError';
  }
}

function folders(outDir: string): string[] {
  const own = resolve(outDir);
  const parent = dirname(own);
  let siblings: string[] = [];
  try {
    siblings = readdirSync(parent, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => join(parent, d.name))
      .filter((d) => d !== own).sort().slice(0, MAX_SIBLINGS);
  } catch {
    // no parent to read: the out folder alone
  }
  return [own, ...siblings];
}

/**
 * A record's text, or undefined for anything that is not a regular file of at most MAX_RECORD_BYTES (a FIFO, socket or
 * device named *.json would block a plain read forever). Opened without blocking where the platform has O_NONBLOCK, then
 * judged on the open file itself (no window between a check and the read).
 */
export function readRecordText(path: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch {
    return undefined;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size > MAX_RECORD_BYTES) return undefined;
    return readFileSync(fd, 'utf8');
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

function owed(n: unknown, key: string): n is ScalingNote {
  const note = n as ScalingNote | undefined;
  return !!note && typeof note === 'object' && typeof note.originalReplicas === 'number' && typeof note.workload === 'string'
    && !settled(note) && noteKey(note) === key;
}

/**
 * The pending notes (restored false, not skipped) on the workload with this key (scaling-note.ts noteKey) in the
 * records beside `ownJson` other than it, oldest first. Files that cannot be read or are no record are left out.
 */
export function otherPendingNotes(outDir: string, key: string, ownJson: string): OtherNote[] {
  const self = resolve(ownJson);
  const found: OtherNote[] = [];
  for (const dir of folders(outDir)) {
    let names: string[];
    try {
      names = readdirSync(dir).filter((f) => f.endsWith('.json'));
    } catch {
      continue;
    }
    for (const f of names) {
      const path = join(dir, f);
      if (path === self) continue;
      let doc: { schema?: unknown; name?: unknown; started?: unknown; scaling?: unknown; timings?: { started?: unknown }; lock?: unknown };
      const text = readRecordText(path);
      if (text === undefined) continue;
      try {
        doc = JSON.parse(text) as typeof doc;
      } catch {
        continue;
      }
      if (doc?.schema === 'mora.experiment-plan/1' && typeof doc.name === 'string' && doc.scaling && typeof doc.scaling === 'object') {
        const notes = Object.entries(doc.scaling as Record<string, unknown>).filter((e): e is [string, ScalingNote] => owed(e[1], key));
        if (!notes.length) continue;
        const lock = join(dir, `${doc.name}.lock`);
        const running = liveLockHolder(lock);
        const started = typeof doc.started === 'number' ? doc.started : 0;
        for (const [service, note] of notes) found.push({ path, kind: 'plan', name: doc.name, service, note, started, lock, ...(running ? { running } : {}) });
      } else if (doc?.schema === 'mora.experiment/1' && owed(doc.scaling, key)) {
        const started = typeof doc.timings?.started === 'number' ? doc.timings.started : 0;
        // The lock a `mora experiment` holds while it scales (plan.ts), named in its record; a record without one is
        // from before runs took it (or from a run that never scaled) and is judged by its note alone.
        const lock = typeof doc.lock === 'string' && /^[\w.-]+\.lock$/.test(doc.lock) ? join(dir, doc.lock) : undefined;
        const running = lock && liveLockHolder(lock);
        found.push({ path, kind: 'experiment', name: basename(path), note: doc.scaling, started, ...(lock ? { lock } : {}), ...(running ? { running } : {}) });
      }
    }
  }
  return found.sort((a, b) => a.started - b.started || a.path.localeCompare(b.path));
}

/** "plan A (its record …/A.json)" or "experiment x.json (…)". */
export function otherLabel(o: OtherNote): string {
  return `${o.kind === 'plan' ? `plan ${o.name}` : `experiment ${o.name}`} (${o.path})`;
}

/**
 * Marks those notes settled as this run's restore of the same workload was (restored, or skipped with the reason).
 * A plan's record is rewritten under that plan's lock; a plan running again meanwhile keeps its record as it is.
 */
export function settleOtherNotes(others: readonly OtherNote[], outcome: { restored: true } | { restoreSkipped: string }): void {
  const byPath = new Map<string, OtherNote[]>();
  for (const o of others) byPath.set(o.path, [...(byPath.get(o.path) ?? []), o]);
  for (const [path, notes] of byPath) {
    const first = notes[0];
    let lock: ReturnType<typeof acquirePlanLock> | undefined;
    try {
      if (first.kind === 'plan') lock = acquirePlanLock(join(dirname(path), `${first.name}.lock`), first.name);
      const text = readRecordText(path);
      if (text === undefined) throw new Error(`${path} is no longer a record`);
      const doc = JSON.parse(text) as { scaling?: Record<string, ScalingNote> | ScalingNote };
      const settle = (n: ScalingNote): ScalingNote => ({ ...n, ...outcome });
      if (first.kind === 'plan') {
        const scaling = doc.scaling as Record<string, ScalingNote>;
        for (const o of notes) {
          const n = scaling[o.service!];
          if (n && owed(n, noteKey(o.note)!) && n.originalReplicas === o.note.originalReplicas) scaling[o.service!] = settle(n);
        }
      } else {
        const n = doc.scaling as ScalingNote;
        if (owed(n, noteKey(first.note)!)) doc.scaling = settle(n);
      }
      writeFileAtomic(path, `${JSON.stringify(doc, null, 2)}\n`);
    } catch {
      // that plan is running again (its lock is held), or the record cannot be read now: its note stays as it is
    } finally {
      lock?.release();
    }
  }
}

/**
 * Killed runs' notes split by whether the workload still has the count each set: `owed` (scaledTo is the live count, or
 * a note from before scaledTo was kept) give the original count; `stale` ones (the count was changed since, by its
 * owner) do not — the live count is the original and they are settled as skipped, as their own restore would have been.
 * One rule for plans (plan-run.ts) and `mora experiment` (plan.ts).
 */
export function splitByLiveCount(found: readonly OtherNote[], live: number | undefined): { owed: OtherNote[]; stale: OtherNote[] } {
  const owed = found.filter((o) => o.note.scaledTo === undefined || o.note.scaledTo === live);
  return { owed, stale: found.filter((o) => !owed.includes(o)) };
}

/**
 * Settles the stale notes as skipped (`by`: the run that noted the workload, e.g. "plan web (out/web.json)") and says so
 * in one line for the caller's progress.
 */
export function settleStaleNotes(stale: readonly OtherNote[], workload: string, namespace: string, live: number | undefined, by: string, original: number): string | undefined {
  if (stale.length === 0) return undefined;
  for (const o of stale) {
    settleOtherNotes([o], { restoreSkipped: `${workload} had ${live} replica(s), not the ${o.note.scaledTo} that run set, when ${by} noted it: the count was changed since, and MOrA left it (${live} is that run's original count)` });
  }
  return `${workload} in namespace ${namespace} has ${live} replica(s), not the count ${stale.map((o) => `${otherLabel(o)} set (${o.note.scaledTo}) when it was killed`).join(', ')}: `
    + `the count was changed since, so MOrA takes ${original} as its original count and leaves ${stale.length === 1 ? 'that note' : 'those notes'} settled as skipped`;
}
