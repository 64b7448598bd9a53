/**
 * The files `mora manifests scan <file|dir>...` reads: each path given, folders walked for *.yaml, *.yml and *.json.
 *
 * A GitOps repository's folders hold more than manifests: hidden folders (`.git`, `.github`), `node_modules`, and
 * macOS's `._name.yaml` (AppleDouble, binary) beside each file of an archive it packed — all hidden or skipped.
 * Entries are taken in name order (code-unit order, not the locale's), so two runs and two machines list the same
 * files in the same order. Symbolic links are followed, but never to a folder that holds the link (`up -> ..`: a loop),
 * and each folder is read once; a file reached twice (through a link, or two overlapping paths) is read once, under
 * the first path it was found by. In a folder, only regular files (or links to them) are read: a named pipe, socket or
 * device named *.yaml is listed in `special` and never opened (opening a pipe with no writer waits forever). A path
 * given by itself is read whatever it is (`scan <(kustomize build)` is a pipe the user means).
 */
import { readdirSync, realpathSync, statSync, type Stats } from 'node:fs';
import { join, sep } from 'node:path';
import { UserError } from '../errors';

export const MANIFEST_EXTENSION = /\.(ya?ml|json)$/i;

/** A folder that could not be listed: named, like a file that cannot be read. */
export interface UnlistedFolder {
  file: string;
  reason: string;
}

export interface ManifestFileList {
  /** Paths as given, or joined under the folder given (`k8s/base/deploy.yaml`); `-` is standard input. */
  files: string[];
  unlisted: UnlistedFolder[];
  /** A folder's entries with a manifest's name that are no regular file (a named pipe, socket, device): not read, not an error. */
  special: UnlistedFolder[];
}

/** What a folder entry that is not a regular file is, for the line naming it. */
export function specialFileReason(st: Stats): string {
  const what = st.isFIFO() ? 'a named pipe' : st.isSocket() ? 'a socket' : st.isCharacterDevice() || st.isBlockDevice() ? 'a device' : 'neither file nor folder';
  return `not a regular file (${what}); not read`;
}

const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function manifestFileList(paths: readonly string[]): ManifestFileList {
  const files: string[] = [];
  const unlisted: UnlistedFolder[] = [];
  const special: UnlistedFolder[] = [];
  const seenFiles = new Set<string>();
  const seenFolders = new Set<string>();
  const addFile = (p: string) => {
    let real = p;
    try { real = realpathSync(p); } catch { /* a broken link: kept, reading it names the problem */ }
    if (seenFiles.has(real)) return;
    seenFiles.add(real);
    files.push(p);
  };
  const walk = (dir: string) => {
    let real: string;
    let names: string[];
    try {
      real = realpathSync(dir);
      if (seenFolders.has(real)) return; // a folder given twice, or reached again through a link
      seenFolders.add(real);
      names = readdirSync(dir).sort(byCodeUnit);
    } catch (e) {
      unlisted.push({ file: dir, reason: `cannot list this folder (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` });
      return;
    }
    for (const name of names) {
      if (name.startsWith('.') || name === 'node_modules') continue;
      const p = join(dir, name);
      let st: Stats | undefined;
      try { st = statSync(p); } catch { /* a broken link: a file if its name says so */ }
      if (st?.isDirectory()) {
        let target = p;
        try { target = realpathSync(p); } catch { /* listed by walk, which names the problem */ }
        if (real === target || real.startsWith(target.endsWith(sep) ? target : target + sep)) continue; // a link up the tree
        walk(p);
      }
      else if (!MANIFEST_EXTENSION.test(name)) continue;
      // stat follows links: a link to a regular file is read, a pipe (or a link to one) is named and never opened.
      else if (st && !st.isFile()) special.push({ file: p, reason: specialFileReason(st) });
      else addFile(p);
    }
  };
  let stdin = false;
  for (const p of paths) {
    if (p === '-') {
      if (stdin) throw new UserError('"-" (standard input) can be given only once');
      stdin = true;
      files.push(p);
      continue;
    }
    let isDir: boolean;
    try {
      isDir = statSync(p).isDirectory();
    } catch {
      throw new UserError(`${p}: no such file or directory`);
    }
    // A file named on the command line is read whatever its extension (a `.txt` the user means).
    if (isDir) walk(p);
    else addFile(p);
  }
  if (files.length === 0 && unlisted.length === 0) {
    const others = special.length ? `; ${special.map((s) => `${s.file}: ${s.reason}`).join('; ')}` : '';
    throw new UserError(`${paths.join(', ')}: no .yaml, .yml or .json files (hidden folders and node_modules are not searched)${others}`);
  }
  return { files, unlisted, special };
}
