/**
 * Writing several files as one change (`mora manifests apply` on a folder, `mora recommend --apply-to`): every file
 * (and its folder, where the temporary file is renamed in) is checked before the first is written, so a read-only file
 * or a folder this user may not write leaves all of them untouched; a write the system fails midway (a full disk)
 * restores the files already written (their previous bytes, atomically) and names the file that failed. Only a failed
 * restore, named in the error, leaves a file changed. Each file is written atomically (core/atomic-write.ts: an existing
 * file keeps its mode, a link its target).
 */
import { readFileSync } from 'node:fs';
import { checkWritable, writeFileAtomic } from '../../core/atomic-write';
import { UserError } from '../errors';
import { writeError } from '../format/write';

/** A file to rewrite and the bytes (or UTF-8 text) to write. */
export interface FileWrite {
  file: string;
  data: string | Uint8Array;
}

export type WriteFn = (file: string, data: string | Uint8Array) => void;

/** Some file could not be written: none was (or, after a failed restore, the one named). `failures`: why, per file. */
export class WriteAllFailed extends UserError {
  constructor(message: string, exitCode: number, readonly failures: ReadonlyArray<{ file: string; reason: string }>) {
    super(message, exitCode);
  }
}

/** `<file>: cannot write: …` without the file, for a message that names it elsewhere. */
const reasonOf = (file: string, message: string): string => (message.startsWith(`${file}: `) ? message.slice(file.length + 2) : message);

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
  const written: Array<{ file: string; before: Buffer }> = [];
  for (const { file, data } of toWrite) {
    try {
      const before = readFileSync(file);
      write(file, data);
      written.push({ file, before });
    } catch (e) {
      const failure = writeError(file, e);
      const restored = restore(written, write);
      throw new WriteAllFailed(`${failure.message}; ${restored}`, failure.exitCode, [{ file, reason: `${reasonOf(file, failure.message)}; ${restored}` }]);
    }
  }
  return written.map((w) => w.file);
}

/** Puts back the files written before a failed write; says what happened, for the error message. */
function restore(written: ReadonlyArray<{ file: string; before: Buffer }>, write: WriteFn): string {
  const failed: string[] = [];
  for (const { file, before } of written) {
    try {
      write(file, before);
    } catch (e) {
      failed.push(writeError(file, e).message);
    }
  }
  if (failed.length) {
    return `${written.length - failed.length} of the ${written.length} files written before it were restored; `
      + `could not restore: ${failed.join('; ')} (that file has the new values)`;
  }
  return written.length ? `the ${written.length} file${written.length === 1 ? '' : 's'} written before it (${written.map((w) => w.file).join(', ')}) `
    + 'were restored, so nothing was changed' : 'nothing was written';
}
