import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Temporary folders for tests, removed when the test run ends. Before this helper, suites that called mkdtempSync
// without an rmSync left one folder per run in the system temp folder (hundreds of mora-planrun-*, mora-apply-*, …).

const made = new Set<string>();

/** Removes every folder `tempDir` made so far (also run by the root `after` hook this module registers). */
export function removeTempDirs(): void {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
  made.clear();
}

// Loaded by a mocha test file, the module's top level runs while mocha's root suite is current, so `after` here is a
// root hook: it runs once, when every test of the run has finished (also after failures). Outside mocha (a script),
// the folders go when the process exits.
if (typeof after === 'function') after(removeTempDirs);
else process.once('exit', removeTempDirs);

/** A fresh folder under the system temp folder, named `prefix` + random characters, removed at the end of the run:
 *  safe to make in a test, a hook or a describe body, and to keep across tests of a file. */
export function tempDir(prefix = 'mora-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.add(dir);
  return dir;
}

/** Runs `fn` in a fresh temporary folder, removed as soon as `fn` settles, whatever it did. */
export async function inTempDir<T>(fn: (dir: string) => Promise<T>, prefix = 'mora-test-'): Promise<T> {
  const dir = tempDir(prefix);
  try {
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    made.delete(dir);
  }
}
