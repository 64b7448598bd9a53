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
 */
import { readFileSync } from 'node:fs';
import { checkWritable, holds, writeFileAtomic, type AtomicWriteOptions } from '../../core/atomic-write';
import { EXIT_USAGE, UserError } from '../errors';
import { writeError } from '../format/write';

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

/** Writes every file or none (see the header); returns the files written, in order. `write`: tests fail on purpose. */
export function writeAllOrNothing(toWrite: readonly FileWrite[], write: WriteFn = writeFileAtomic): string[] {
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
  const written: Array<{ file: string; before: Uint8Array; data: string | Uint8Array }> = [];
  for (const { file, data, read } of toWrite) {
    try {
      const before = readFileSync(file);
      // Again, for the time the files before it took; the writer checks once more just before its rename.
      if (read && !before.equals(read)) throw changedOnDiskError;
      write(file, data, read ? { unchangedFrom: read } : undefined);
      written.push({ file, before, data });
    } catch (e) {
      if (e === changedOnDiskError || (e as NodeJS.ErrnoException)?.code === 'ECHANGED') throw changed(file, restore(written, write));
      const failure = writeError(file, e);
      const restored = restore(written, write);
      throw new WriteAllFailed(`${failure.message}; ${restored}`, failure.exitCode, [{ file, reason: `${reasonOf(file, failure.message)}; ${restored}` }]);
    }
  }
  return written.map((w) => w.file);
}

/**
 * Puts back the files written before a failed write; says what happened, for the error message. A file edited again
 * since MOrA wrote it is left as it is: restoring it would lose that edit.
 */
function restore(written: ReadonlyArray<{ file: string; before: Uint8Array; data: string | Uint8Array }>, write: WriteFn): string {
  const failed: string[] = [];
  const edited: string[] = [];
  for (const { file, before, data } of written) {
    const wrote = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    try {
      if (!holds(file, wrote)) throw changedOnDiskError;
      write(file, before, { unchangedFrom: wrote });
    } catch (e) {
      if (e === changedOnDiskError || (e as NodeJS.ErrnoException)?.code === 'ECHANGED') edited.push(file);
      else failed.push(writeError(file, e).message);
    }
  }
  if (failed.length || edited.length) {
    return `${written.length - failed.length - edited.length} of the ${written.length} files written before it were restored; `
      + [failed.length ? `could not restore: ${failed.join('; ')} (that file has the new values)` : '',
        edited.length ? `not restored, as ${edited.length === 1 ? 'it was' : 'they were'} edited again after MOrA wrote ${edited.length === 1 ? 'it' : 'them'}: ${edited.join(', ')}` : '']
        .filter(Boolean).join('; ');
  }
  return written.length ? `the ${written.length} file${written.length === 1 ? '' : 's'} written before it (${written.map((w) => w.file).join(', ')}) `
    + 'were restored, so nothing was changed' : 'nothing was written';
}
