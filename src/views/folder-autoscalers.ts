/**
 * Autoscalers beside an open manifest, for the editor's replica lens: a HorizontalPodAutoscaler or KEDA ScaledObject
 * in another YAML file of the same folder (`web/deployment.yaml` beside `web/hpa.yaml`) owns the workload's
 * spec.replicas as much as one in the same file. The CLI's `--apply-to <dir>` reads a whole folder the user names;
 * the editor reads the file's own folder (not its subfolders, not the workspace): the folder is the unit an app's
 * manifests are kept in, while a wider search would pick up another environment's HPA of the same name (staging/ and
 * prod/ both holding `web`) and silence advice that applies here.
 *
 * Cheap per keystroke: a folder is read once (only files that mention an autoscaler kind are parsed; none in a
 * folder of more than MAX_FOLDER_FILES) and kept until `invalidate` reports a file of it changed; the editor calls that
 * from a file watcher. A watcher's event can be lost (a busy machine, network and remote file systems, inotify's
 * limits), so each ask also compares a stamp of the folder — its own mtime, which moves when a file is created, deleted
 * or renamed in it, and the mtimes of the files that held autoscalers — with the one taken when it was read: a few
 * stat calls, no read. Editor-free, so plain Node tests drive it on a temporary folder.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { findAutoscalers, type ManifestAutoscaler } from '../manifests/autoscalers';
import { decodeManifest } from '../manifests/encoding';
import { scanManifest } from '../manifests/scan';

/** The files read: what `mora manifests scan <dir>` reads (hidden files left out). */
export const FOLDER_MANIFEST = /^[^.].*\.(ya?ml|json)$/i;

/** A file larger than this is not read for autoscalers (a generated bundle; its own lenses still read it when open). */
const MAX_BYTES = 2 ** 20;

/**
 * A folder with more manifest files than this is not read at all: a generated dump, not an app's folder, and reading it
 * would hold up the first lens (500 files of 6 KB: 90-150 ms measured at load 8; 2,200: 460 ms).
 */
export const MAX_FOLDER_FILES = 500;

/** Kinds whose name must appear in a file's text for it to be parsed at all. */
const MENTIONS = /HorizontalPodAutoscaler|ScaledObject/;

export class FolderAutoscalers {
  /** Folder (absolute) → its files' autoscalers (`file` set to the file's name in the folder) and its stamp when read. */
  private readonly folders = new Map<string, { found: ManifestAutoscaler[]; stamp: string }>();
  /** How many folders were read (listed and their candidate files parsed): for tests and the output channel. */
  reads = 0;

  /** The autoscalers in the other manifest files of `file`'s folder (the file's own come from its live text). */
  besides(file: string): ManifestAutoscaler[] {
    const path = resolve(file);
    const dir = dirname(path);
    this.changedOnDisk(path);
    let entry = this.folders.get(dir);
    if (!entry) {
      const found = readFolder(dir);
      entry = { found, stamp: stampOf(dir, found) };
      this.reads++;
      this.folders.set(dir, entry);
    }
    const own = basename(path);
    return entry.found.filter((a) => a.file !== own);
  }

  /**
   * Drops `file`'s folder when it changed on disk since it was read although no watcher said so (see the module
   * comment): true when it did (lenses of files in it may change), false when it is as read or was never read.
   */
  changedOnDisk(file: string): boolean {
    const dir = dirname(resolve(file));
    const entry = this.folders.get(dir);
    if (!entry || entry.stamp === stampOf(dir, entry.found)) return false;
    this.folders.delete(dir);
    return true;
  }

  /**
   * A file was created, changed or deleted: its folder is read again when next asked. True when that folder was read
   * before (lenses of files in it may change), false when nothing here depended on it.
   */
  invalidate(file: string): boolean {
    const path = resolve(file);
    if (!FOLDER_MANIFEST.test(basename(path))) return this.folders.delete(path); // a folder itself (deleted, renamed)
    return this.folders.delete(dirname(path));
  }

  /** Drops a folder's autoscalers (no longer watched): it is read again when next asked. */
  forget(dir: string): void {
    this.folders.delete(resolve(dir));
  }

  clear(): void {
    this.folders.clear();
  }
}

/** The folder's mtime and those of the files `found` came from ('-' for one that cannot be read: gone). */
function stampOf(dir: string, found: readonly ManifestAutoscaler[]): string {
  const mtime = (path: string): string => {
    try { return String(statSync(path).mtimeMs); } catch { return '-'; }
  };
  return [mtime(dir), ...[...new Set(found.flatMap((a) => (a.file ? [a.file] : [])))].map((f) => mtime(join(dir, f)))].join(',');
}

function readFolder(dir: string): ManifestAutoscaler[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => FOLDER_MANIFEST.test(n)).sort();
  } catch {
    return [];
  }
  if (names.length > MAX_FOLDER_FILES) return [];
  const out: ManifestAutoscaler[] = [];
  for (const name of names) {
    const path = join(dir, name);
    try {
      const st = statSync(path);
      if (!st.isFile() || st.size > MAX_BYTES) continue;
      const { text } = decodeManifest(readFileSync(path));
      if (!MENTIONS.test(text)) continue;
      out.push(...findAutoscalers(text, scanManifest(text), name));
    } catch {
      // Unreadable, not UTF-8/UTF-16, gone since the listing: it holds no autoscaler we can read.
    }
  }
  return out;
}
