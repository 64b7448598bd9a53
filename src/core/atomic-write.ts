/**
 * Writes a file so that readers see either the old content or the new one, never half of it:
 * write a temporary file in the same folder, flush it, then rename over the target.
 *
 * An existing file keeps its mode (exactly, whatever the umask) and, where the process may set them, its owner and
 * group. A symbolic link stays a link: its target is resolved and written (the temporary file sits beside the target).
 * A new file gets mode 0644 less the umask; missing parent folders are created. Only regular files are replaced:
 * a folder, device or pipe at the path is an error (code EISDIR or ENOTREG).
 */
import {
  closeSync, fchmodSync, fchownSync, fstatSync, fsyncSync, lstatSync, mkdirSync, openSync, readlinkSync, realpathSync, renameSync,
  rmSync, statSync, writeSync, type Stats,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const { target, existing } = resolveTarget(path);
  if (existing && !existing.isFile()) {
    // Never rename over a folder, a device or a pipe (`--out /dev/stdout` would replace the terminal's device node).
    const code = existing.isDirectory() ? 'EISDIR' : 'ENOTREG';
    throw Object.assign(new Error(`${code}: ${existing.isDirectory() ? 'is a directory' : 'not a regular file'}, ${path}`), { code, path });
  }
  const dir = dirname(target);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    // A regular file where a folder of the path should be: say so, as opening a file under it would.
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw Object.assign(new Error(`ENOTDIR: not a directory, ${dir}`), { code: 'ENOTDIR', path: dir });
    throw e;
  }
  const tmp = join(dir, `.${basename(target)}.${process.pid}.${Date.now().toString(36)}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx', 0o644);
    if (existing) keepOwnerAndMode(fd, existing);
    writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, target);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
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
