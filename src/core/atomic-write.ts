/**
 * Writes a file so that readers see either the old content or the new one, never half of it:
 * write a temporary file in the same folder, flush it, then rename over the target.
 *
 * An existing file keeps its mode (exactly, whatever the umask) and, where the process may set them, its owner and
 * group. A symbolic link stays a link: its target is resolved and written (the temporary file sits beside the target).
 * A new file gets mode 0644 less the umask; missing parent folders are created for MOrA's own files (state, caches,
 * models), but not with `createParents: false` — for paths a user gave (`--out`, `--html`): a missing folder is then an
 * error (code ENOENT, `path` the missing folder), as a typo in the path should be. Only regular files are replaced:
 * a folder, device or pipe at the path is an error (code EISDIR or ENOTREG). A read-only file is refused, not replaced
 * (code EREADONLY when it has no write permission bit at all, as Perforce keeps files until they are checked out, so
 * even root is refused; EACCES when this process may not write it): renaming over it would bypass that protection.
 */
import {
  accessSync, closeSync, constants, fchmodSync, fchownSync, fstatSync, fsyncSync, lstatSync, mkdirSync, openSync, readFileSync, readlinkSync, realpathSync, renameSync,
  rmSync, statSync, writeSync, type Stats,
} from 'node:fs';
import { createHash } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';

export interface AtomicWriteOptions {
  /** Create missing parent folders (default true: MOrA's own files); false for paths a user gave. */
  createParents?: boolean;
  /**
   * The target's bytes when the caller read it (to edit it): re-read just before the rename, and when they differ (or
   * the file is gone) nothing is replaced and the error has code ECHANGED — someone edited the file meanwhile, and
   * renaming over it would silently lose their edit.
   */
  unchangedFrom?: Uint8Array;
}

/** The error for a target that no longer holds the bytes it was read as (`unchangedFrom`). */
export function changedOnDisk(path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`ECHANGED: changed on disk since it was read, ${path}`), { code: 'ECHANGED', path });
}

/** Whether `file` holds exactly `bytes` (a file that is gone does not). */
export function holds(file: string, bytes: Uint8Array): boolean {
  try {
    return readFileSync(file).equals(bytes);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
}

/** The error for a missing parent folder when parents are not created: names the folder. */
function noSuchFolder(dir: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`ENOENT: no such directory, ${dir}`), { code: 'ENOENT', path: dir, missingDirectory: dir });
}

/** The nearest missing folder of `dir`'s path (the one to create first), or undefined when `dir` exists. */
function firstMissingFolder(dir: string): string | undefined {
  let missing: string | undefined;
  for (let d = dir; ; d = dirname(d)) {
    try {
      statSync(d);
      return missing;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return missing;
      missing = d;
      if (dirname(d) === d) return missing;
    }
  }
}

export function writeFileAtomic(path: string, data: string | Uint8Array, opts: AtomicWriteOptions = {}): void {
  const { target, existing } = resolveTarget(path);
  checkReplaceable(path, target, existing);
  const dir = dirname(target);
  if (opts.createParents === false) {
    const missing = firstMissingFolder(dir);
    if (missing) throw noSuchFolder(missing);
  }
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    // A regular file where a folder of the path should be: say so, as opening a file under it would.
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw Object.assign(new Error(`ENOTDIR: not a directory, ${dir}`), { code: 'ENOTDIR', path: dir });
    throw e;
  }
  const tmp = join(dir, tempName(basename(target)));
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx', 0o644);
    if (existing) keepOwnerAndMode(fd, existing);
    writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    // Checked after the slow part (writing and flushing the temporary file), so only a read and a compare separate the
    // check from the rename. An edit landing in that gap is still lost: POSIX has no rename-if-unchanged, and a lock
    // would only hold against writers that take it too (editors and git do not).
    if (opts.unchangedFrom && !holds(target, opts.unchangedFrom)) throw changedOnDisk(path);
    renameSync(tmp, target);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** File systems' limit on one name, in bytes (ext4, XFS, Btrfs, APFS, tmpfs; NTFS counts 255 UTF-16 units). */
const NAME_MAX = 255;

/**
 * The temporary file's name beside `name`: `.<name>.<pid>.<time>.tmp`, and, when that would pass NAME_MAX (a legal
 * name of about 235 bytes or more), `name` cut to fit by bytes (never inside a character) plus a hash of the whole of it,
 * so two long names that share their start still get different temporary names. It must stay in the target's folder:
 * the rename is only atomic within one file system.
 */
export function tempName(name: string): string {
  const suffix = `.${process.pid}.${Date.now().toString(36)}.tmp`;
  const whole = `.${name}${suffix}`;
  if (Buffer.byteLength(whole) <= NAME_MAX) return whole;
  const hash = `~${createHash('sha256').update(name).digest('hex').slice(0, 12)}`;
  let room = NAME_MAX - Buffer.byteLength(`.${hash}${suffix}`);
  let cut = '';
  for (const ch of name) {
    room -= Buffer.byteLength(ch);
    if (room < 0) break;
    cut += ch;
  }
  return `.${cut}${hash}${suffix}`;
}

/**
 * Throws (with an errno-style `code`) what would stop `writeFileAtomic(path, …)`, without writing anything: a folder,
 * device or pipe at the path, a read-only file, a file or folder this process may not write (the temporary file is
 * created in the target's folder and renamed into it), a parent that is not a folder, with `createParents: false` a
 * missing parent folder. For checking several files
 * before writing the first. A full disk, which only a write finds, is not checked.
 */
export function checkWritable(path: string, opts: AtomicWriteOptions = {}): void {
  const { target, existing } = resolveTarget(path);
  checkReplaceable(path, target, existing);
  if (opts.createParents === false) {
    const missing = firstMissingFolder(dirname(target));
    if (missing) throw noSuchFolder(missing);
  }
  // The nearest folder that exists (missing ones would be created in it).
  let dir = dirname(target);
  for (;;) {
    let st: Stats | undefined;
    try {
      st = statSync(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || dirname(dir) === dir) throw e;
    }
    if (st) {
      if (!st.isDirectory()) throw Object.assign(new Error(`ENOTDIR: not a directory, ${dir}`), { code: 'ENOTDIR', path: dir });
      accessSync(dir, constants.W_OK | constants.X_OK);
      return;
    }
    dir = dirname(dir);
  }
}

/** Refuses replacing what is not a regular file, or a read-only one (see the header). */
function checkReplaceable(path: string, target: string, existing: Stats | undefined): void {
  if (!existing) return;
  if (!existing.isFile()) {
    // Never rename over a folder, a device or a pipe (`--out /dev/stdout` would replace the terminal's device node).
    const code = existing.isDirectory() ? 'EISDIR' : 'ENOTREG';
    throw Object.assign(new Error(`${code}: ${existing.isDirectory() ? 'is a directory' : 'not a regular file'}, ${path}`), { code, path });
  }
  if ((existing.mode & 0o222) === 0) {
    const mode = (existing.mode & 0o7777).toString(8).padStart(4, '0');
    throw Object.assign(new Error(`EREADONLY: read-only file (mode ${mode}), ${path}`), { code: 'EREADONLY', path, mode });
  }
  accessSync(target, constants.W_OK);
}

/** The file to replace: the path itself, or where its symbolic links lead (also a link to a file not there yet). */
function resolveTarget(path: string): { target: string; existing?: Stats } {
  try {
    const target = realpathSync(path);
    return { target, existing: statSync(target) };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  // A dangling link: write the file it names.
  let target = path;
  for (let hops = 0; hops < 40; hops++) {
    let st: Stats;
    try {
      st = lstatSync(target);
    } catch {
      return { target };
    }
    if (!st.isSymbolicLink()) return { target };
    target = resolve(dirname(target), readlinkSync(target));
  }
  return { target: path }; // a loop of links: the write fails with the system's own error
}

function keepOwnerAndMode(fd: number, existing: Stats): void {
  const now = fstatSync(fd);
  if (now.uid !== existing.uid || now.gid !== existing.gid) {
    try {
      fchownSync(fd, existing.uid, existing.gid); // only root (or a member of the group) may; otherwise the writer owns it
    } catch { /* keep the writer as owner */ }
  }
  fchmodSync(fd, existing.mode & 0o7777); // after chown, which clears set-id bits
}
