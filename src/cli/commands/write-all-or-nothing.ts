/**
 * Writing several files as one change (`mora manifests apply` on a folder, `mora recommend --apply-to`): every file
 * (and its folder, where the temporary file is renamed in) is checked before the first is written, so a read-only file
 * or a folder this user may not write leaves all of them untouched; a write the system fails midway (a full disk)
 * restores the files already written (their previous bytes, atomically) and names the file that failed. Only a failed
 * restore, named in the error, leaves a file changed. Each file is written atomically (core/atomic-write.ts: an existing
 * file keeps its mode, a link its target).
 * A file given with the bytes it was read as (`read`) must still hold them: one edited by someone else after MOrA read
 * it (an editor saving, a `git pull`) is not overwritten with an edit planned from the old text. Every file is compared
 * before the first is written (one changed: nothing is written), then each again just before its rename; one that
 * changes while the others are written restores those, as a failed write does. Exit 2: the input changed under us, which
 * running again fixes (it is not the system failing, exit 1).
 * A restore that fails leaves that file with the new values: its previous bytes are saved in a new folder of the
 * system's temporary folder, and the message names the file and where its original is.
 * Cancelling (writeAllOrNothingInterruptible, what the commands use): Ctrl-C, SIGTERM or SIGHUP while the files are
 * written does not end the process — the loop is synchronous and a signal would otherwise strike between a temporary
 * file and its rename, leaving some files changed and the temporary file behind, with nothing said. The signal is only
 * noted; the loop lets it in between two files and stops there, restores the files written (as a failed write does),
 * and throws WriteCancelled: one line, exit 130 (as every interrupted `mora` run), saying nothing was changed or which
 * file could not be restored and where its original is. Later signals are ignored until the run ends.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { checkWritable, holds, writeFileAtomic, type AtomicWriteOptions } from '../../core/atomic-write';
import { EXIT_INTERRUPTED, EXIT_USAGE, UserError } from '../errors';
import { writeError } from '../format/write';
import { dropOutputErrors, INTERRUPT_SIGNALS } from './interrupt-signals';

/** A file to rewrite and the bytes (or UTF-8 text) to write. */
export interface FileWrite {
  file: string;
  data: string | Uint8Array;
  /** The file's bytes when it was read, to plan `data` from: it is not written (nor any other) if it no longer holds them. */
  read?: Uint8Array;
}

/** `opts.unchangedFrom`: see core/atomic-write.ts (a test's writer may ignore it: the caller compares just before too). */
export type WriteFn = (file: string, data: string | Uint8Array, opts?: AtomicWriteOptions) => void;

/** Some file could not be written: none was (or, after a failed restore, the one named). `failures`: why, per file. */
export class WriteAllFailed extends UserError {
  constructor(message: string, exitCode: number, readonly failures: ReadonlyArray<{ file: string; reason: string }>) {
    super(message, exitCode);
  }
}

/** `<file>: cannot write: …` without the file, for a message that names it elsewhere. */
const reasonOf = (file: string, message: string): string => (message.startsWith(`${file}: `) ? message.slice(file.length + 2) : message);

const CHANGED = 'changed on disk since it was read';
/** Thrown and caught here only: a file no longer holds the bytes expected. */
const changedOnDiskError = new Error(CHANGED);

/** `file` no longer holds the bytes its edit was planned from; `outcome`: what became of the others. */
function changed(file: string, outcome: string): WriteAllFailed {
  return new WriteAllFailed(`${file} ${CHANGED}; ${outcome} — run again`, EXIT_USAGE, [{ file, reason: `${CHANGED}; ${outcome}` }]);
}

/** A signal's name (or, in a test, whatever stands for one) once the writes are to stop; undefined while they go on. */
type Cancelled = () => string | undefined;

/**
 * The writes, one file per step: the generator yields before the first write (after every check) and after each file,
 * and reads `cancelled` after each yield. A cancel restores the files written so far, as a failed write does, and
 * throws WriteCancelled. Returns the files written, in order.
 */
function* writeSteps(toWrite: readonly FileWrite[], write: WriteFn, cancelled: Cancelled): Generator<void, string[], void> {
  const blocked = toWrite.flatMap(({ file }) => {
    try {
      checkWritable(file);
      return [];
    } catch (e) {
      return [{ file, error: writeError(file, e) }];
    }
  });
  if (blocked.length) {
    throw new WriteAllFailed(`${blocked.map((b) => b.error.message).join('; ')}; nothing was written`, Math.max(...blocked.map((b) => b.error.exitCode)),
      blocked.map((b) => ({ file: b.file, reason: reasonOf(b.file, b.error.message) })));
  }
  for (const { file, read } of toWrite) {
    let same = true;
    try {
      same = !read || holds(file, read);
    } catch (e) {
      const error = writeError(file, e);
      throw new WriteAllFailed(`${error.message}; nothing was written`, error.exitCode, [{ file, reason: reasonOf(file, error.message) }]);
    }
    if (!same) throw changed(file, 'nothing was written');
  }
  const written: Written[] = [];
  const stopIfCancelled = (): void => {
    const signal = cancelled();
    if (signal !== undefined) throw cancelledError(signal, written, write);
  };
  yield;
  stopIfCancelled();
  for (const { file, data, read } of toWrite) {
    try {
      const before = readFileSync(file);
      // Again, for the time the files before it took; the writer checks once more just before its rename.
      if (read && !before.equals(read)) throw changedOnDiskError;
      write(file, data, read ? { unchangedFrom: read } : undefined);
      written.push({ file, before, data });
    } catch (e) {
      if (e === changedOnDiskError || (e as NodeJS.ErrnoException)?.code === 'ECHANGED') throw changed(file, restore(written, write).text);
      const failure = writeError(file, e);
      const restored = restore(written, write).text;
      throw new WriteAllFailed(`${failure.message}; ${restored}`, failure.exitCode, [{ file, reason: `${reasonOf(file, failure.message)}; ${restored}` }]);
    }
    // Also after the last file: a signal that came while it was written still cancels, before anything says "updated".
    yield;
    stopIfCancelled();
  }
  return written.map((w) => w.file);
}

/** Writes every file or none (see the header); returns the files written, in order. `write`: tests fail on purpose. */
export function writeAllOrNothing(toWrite: readonly FileWrite[], write: WriteFn = writeFileAtomic): string[] {
  const steps = writeSteps(toWrite, write, () => undefined);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * Calls `handler` with the signal's name on each Ctrl-C, SIGTERM or SIGHUP until the returned function is called. The
 * default (interruptsOfProcess) listens to this process; tests pass their own.
 */
export type Interrupts = (handler: (signal: string) => void) => () => void;

/** The writes were cancelled (Ctrl-C, SIGTERM, SIGHUP): exit 130, as every interrupted `mora` run. */
export class WriteCancelled extends UserError {
  constructor(message: string, readonly signal: string, readonly notRestored: readonly NotRestored[]) {
    super(message, EXIT_INTERRUPTED);
    this.name = 'WriteCancelled';
  }
}

/**
 * This process's Ctrl-C, SIGTERM and SIGHUP. While they are listened to, none ends the process: each is only noted,
 * and the writes stop between two files. Once one came, the listeners stay until the process exits, so a second
 * signal (while the files are restored, or before the message is printed) cannot end it halfway either; the run then
 * ends with 130. After SIGHUP the terminal is gone: writing to it must not end the restore (dropOutputErrors).
 */
export function interruptsOfProcess(handler: (signal: string) => void): () => void {
  let came = false;
  const on = (signal: NodeJS.Signals) => {
    if (signal === 'SIGHUP') dropOutputErrors();
    if (!came) handler(signal);
    came = true;
  };
  for (const s of INTERRUPT_SIGNALS) process.on(s, on);
  return () => {
    if (came) return;
    for (const s of INTERRUPT_SIGNALS) process.removeListener(s, on);
  };
}

/** Options of writeAllOrNothingInterruptible. */
export interface InterruptibleWriteOptions {
  /** How a file is written (tests fail on purpose). */
  write?: WriteFn;
  /** Where cancels come from (default: this process's signals, interruptsOfProcess). */
  interrupts?: Interrupts;
  /**
   * Called once the writes listen to the signals, in the same turn: the planning phase's own listener (a command's
   * untilWritesListen, interrupt-signals.ts) stops there, so no signal in between takes its default action.
   */
  onListening?: () => void;
}

/**
 * writeAllOrNothing for a command a user may cancel (`mora manifests apply --in-place`, `mora recommend --apply-to`):
 * Ctrl-C, SIGTERM or SIGHUP while the files are written no longer ends the process between a temporary file and its
 * rename. The signal is noted; the loop lets it in between two files (one turn of the event loop per file) and stops
 * there: the files already written are put back from their previous bytes (modes kept, as every write keeps them),
 * and WriteCancelled (exit 130) says that nothing was changed, or names each file that could not be restored and where
 * its original was saved. Further signals are ignored until the run ends.
 */
export async function writeAllOrNothingInterruptible(toWrite: readonly FileWrite[], options: InterruptibleWriteOptions = {}): Promise<string[]> {
  let signal: string | undefined;
  const stopListening = (options.interrupts ?? interruptsOfProcess)((s) => { signal ??= s; });
  options.onListening?.();
  try {
    const steps = writeSteps(toWrite, options.write ?? writeFileAtomic, () => signal);
    for (;;) {
      const step = steps.next();
      if (step.done) return step.value;
      await new Promise<void>((resolve) => setImmediate(resolve)); // a signal's listener runs here
    }
  } finally {
    stopListening();
  }
}

interface Written {
  file: string;
  before: Uint8Array;
  data: string | Uint8Array;
}

/** A file a cancel or failure could not put back: why, and where its previous bytes were saved (undefined: they could not be). */
export interface NotRestored {
  file: string;
  reason: string;
  original?: string;
}

/** The WriteCancelled for a cancel by `signal` after the files `written`: restores them first. */
function cancelledError(signal: string, written: readonly Written[], write: WriteFn): WriteCancelled {
  const head = `interrupted (${signal}): the write was cancelled`;
  if (written.length === 0) return new WriteCancelled(`${head} before the first file was written; nothing was changed`, signal, []);
  const r = restore(written, write);
  const n = written.length;
  if (r.notRestored.length === 0 && r.edited.length === 0) {
    return new WriteCancelled(`${head} and nothing was changed (the ${n === 1 ? 'file' : `${n} files`} written before it ${n === 1 ? 'was' : 'were'} restored)`, signal, []);
  }
  return new WriteCancelled(`${head}; ${r.text}`, signal, r.notRestored);
}

/**
 * Puts back the files written before a failed or cancelled write; says what happened, for the error message. A file
 * edited again since MOrA wrote it is left as it is: restoring it would lose that edit. A file whose restore fails
 * keeps the new values: its previous bytes are saved in a new folder of the system's temporary folder (savedOriginals),
 * named in the message, so nothing is lost.
 */
function restore(written: readonly Written[], write: WriteFn): { text: string; notRestored: NotRestored[]; edited: string[] } {
  const failed: Array<{ file: string; error: string; before: Uint8Array }> = [];
  const edited: string[] = [];
  for (const { file, before, data } of written) {
    const wrote = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    try {
      if (!holds(file, wrote)) throw changedOnDiskError;
      write(file, before, { unchangedFrom: wrote });
    } catch (e) {
      if (e === changedOnDiskError || (e as NodeJS.ErrnoException)?.code === 'ECHANGED') edited.push(file);
      else failed.push({ file, error: writeError(file, e).message, before });
    }
  }
  const notRestored = savedOriginals(failed);
  if (failed.length || edited.length) {
    const text = `${written.length - failed.length - edited.length} of the ${written.length} files written before it were restored; `
      + [notRestored.length ? `could not restore: ${notRestored.map((f, i) => `${failed[i].error} (that file has the new values; ${f.original
        ? `its original is saved as ${f.original}` : `its original could not be saved either: ${f.reason}`})`).join('; ')}` : '',
      edited.length ? `not restored, as ${edited.length === 1 ? 'it was' : 'they were'} edited again after MOrA wrote ${edited.length === 1 ? 'it' : 'them'}: ${edited.join(', ')}` : '']
        .filter(Boolean).join('; ');
    return { text, notRestored, edited };
  }
  const text = written.length ? `the ${written.length} file${written.length === 1 ? '' : 's'} written before it (${written.map((w) => w.file).join(', ')}) `
    + 'were restored, so nothing was changed' : 'nothing was written';
  return { text, notRestored, edited };
}

/**
 * Saves the previous bytes of files that could not be restored, each as its own name in one new folder
 * (<tmp>/mora-originals-XXXXXX, mode 0700; a name met twice gets its position in front). Returns each file with
 * where its original is, or why it could not be saved.
 */
function savedOriginals(failed: ReadonlyArray<{ file: string; error: string; before: Uint8Array }>): NotRestored[] {
  if (failed.length === 0) return [];
  let dir: string;
  try {
    dir = mkdtempSync(join(tmpdir(), 'mora-originals-'));
  } catch (e) {
    return failed.map((f) => ({ file: f.file, reason: (e as Error).message }));
  }
  const used = new Set<string>();
  return failed.map((f, i) => {
    let name = basename(f.file);
    if (used.has(name)) name = `${i + 1}-${name}`;
    used.add(name);
    const saved = join(dir, name);
    try {
      writeFileSync(saved, f.before, { mode: 0o600, flag: 'wx' });
      return { file: f.file, reason: f.error, original: saved };
    } catch (e) {
      return { file: f.file, reason: (e as Error).message };
    }
  });
}
