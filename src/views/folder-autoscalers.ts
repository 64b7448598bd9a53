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
 * from a file watcher. Editor-free, so plain Node tests drive it on a temporary folder.
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
  /** Folder (absolute) → its files' autoscalers, `file` set to the file's name in the folder. */
  private readonly folders = new Map<string, ManifestAutoscaler[]>();
  /** How many folders were read (listed and their candidate files parsed): for tests and the output channel. */
  reads = 0;

  /** The autoscalers in the other manifest files of `file`'s folder (the file's own come from its live text). */
  besides(file: string): ManifestAutoscaler[] {
    const path = resolve(file);
    const dir = dirname(path);
    let found = this.folders.get(dir);
    if (!found) {
      found = readFolder(dir);
      this.reads++;
      this.folders.set(dir, found);
    }
    const own = basename(path);
    return found.filter((a) => a.file !== own);
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
