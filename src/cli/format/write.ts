/** Atomic writes for CLI outputs, with a one-line error the user can act on instead of a stack trace. */
import { checkWritable, writeFileAtomic as atomic, type AtomicWriteOptions } from '../../core/atomic-write';
import { EXIT_FAILURE, EXIT_USAGE, UserError } from '../errors';

/** Why a write failed, in words; `fixable` when the path is the problem (exit 2), not the system (full disk, I/O: exit 1). */
const REASONS: Readonly<Record<string, { words: string; fixable: boolean }>> = {
  EACCES: { words: 'permission denied', fixable: true },
  EREADONLY: { words: 'the file is read-only (no write permission); make it writable first (chmod u+w, or check it out: p4 edit)', fixable: true },
  EPERM: { words: 'operation not permitted (an immutable or protected file?)', fixable: true },
  EROFS: { words: 'read-only file system', fixable: true },
  ENOENT: { words: 'no such file or directory', fixable: true },
  ENOTDIR: { words: 'a parent in the path is not a directory', fixable: true },
  EISDIR: { words: 'is a directory', fixable: true },
  ENOTREG: { words: 'not a regular file', fixable: true },
  ELOOP: { words: 'too many symbolic links', fixable: true },
  ENAMETOOLONG: { words: 'file name too long', fixable: true },
  EEXIST: { words: 'a file is in the way of a directory', fixable: true },
  ENOSPC: { words: 'no space left on device', fixable: false },
  EDQUOT: { words: 'disk quota exceeded', fixable: false },
  EIO: { words: 'input/output error', fixable: false },
};

/** The one-line error for a failed write of `path`: exit 2 when the user can fix the path, 1 otherwise. */
export function writeError(path: string, e: unknown): UserError {
  const code = (e as NodeJS.ErrnoException)?.code;
  const reason = code ? REASONS[code] : undefined;
  const missing = (e as { missingDirectory?: string })?.missingDirectory;
  const words = missing ? `the directory ${missing} does not exist (MOrA does not create it: create it first)`
    : reason ? reason.words : `${(e as Error)?.message ?? String(e)}`.split('\n')[0];
  return new UserError(`${path}: cannot write: ${words}${code ? ` (${code})` : ''}`, reason && !reason.fixable ? EXIT_FAILURE : reason ? EXIT_USAGE : EXIT_FAILURE);
}

/**
 * `opts.createParents: false` for a path whose folder must exist (`manifests apply --out`: a typo in the folder is
 * exit 2 naming it, not a folder silently created).
 */
export function writeFileAtomic(path: string, data: string, opts: AtomicWriteOptions = {}): void {
  try {
    atomic(path, data, opts);
  } catch (e) {
    throw writeError(path, e);
  }
}

/**
 * Writes a file at a path the user gave (`--out`, `--html`, `--manifests`): its folder must exist, as for
 * `manifests apply --out` — a missing one is exit 2 naming it, and nothing is created.
 */
export function writeUserFile(path: string, data: string): void {
  writeFileAtomic(path, data, { createParents: false });
}

/** Throws `writeUserFile(path, …)`'s error without writing: to check every output path before writing the first. */
export function checkUserFile(path: string): void {
  try {
    checkWritable(path, { createParents: false });
  } catch (e) {
    throw writeError(path, e);
  }
}
