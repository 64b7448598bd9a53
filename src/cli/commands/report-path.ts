/**
 * `--report <file.html>` of `mora recommend` and `mora demo`: the path is checked before anything is printed or written,
 * as every other output path a user gives (`--manifests`, `--out`, `--html`): its folder must exist (a typo in it is exit
 * 2 naming the folder, not a folder created), and it must be named .html or .htm. The report replaces the file's content,
 * so a name of another kind (`--report keep.yaml`, a manifest) is refused rather than overwritten with HTML.
 */
import type { ReportRun } from '../format/html';
import { checkUserFile, writeUserFile } from '../format/write';
import { UserError } from '../errors';

/** Exit 2 (UserError) for a report path that is not .html/.htm or cannot be written (missing folder, a directory, read-only). */
export function checkReportPath(path: string, flag = '--report'): void {
  if (!/\.html?$/i.test(path)) {
    throw new UserError(`${flag} ${path}: a report's file name must end in .html or .htm (the HTML report replaces the file's content; e.g. ${flag} mora-report.html)`);
  }
  checkUserFile(path);
}

/** Writes the HTML report at a path checked by checkReportPath: never creates its folder. */
export function writeReport(path: string, runs: readonly ReportRun[], title: string): void {
  const { renderHtmlReport } = require('../format/html') as typeof import('../format/html');
  writeUserFile(path, renderHtmlReport(runs, { title }));
}
