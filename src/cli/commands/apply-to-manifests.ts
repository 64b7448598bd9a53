/**
 * `mora recommend --apply-to <file or dir>`: writes MOrA's recommendations into manifests under the same rules as the
 * editor's Apply (only the values concerned change; comments, quoting, layout and line endings stay). Each file is
 * written atomically and only when something changes, keeping its mode; a symlink stays a link (its target is written).
 *
 * A file that cannot be read, is not valid YAML, cannot be edited as asked or cannot be written is a failure: named on
 * stderr (even with -q), left untouched, and the command exits non-zero after the other files are done (2 when the
 * input or path is the problem, 1 for anything else). Helm template sources are skipped with a note, not failed.
 */
import { statSync } from 'node:fs';
import type { Recommendation } from '../../core/recommendation';
import {
  changesFromRecommendation, editManifest, encodeManifest, findRecommendation, ManifestEditError, scanManifest, type ManifestChange, type ManifestContainer, type ManifestEncoding,
} from '../../manifests';
import { writeFileAtomic as writeBytesAtomic } from '../../core/atomic-write';
import { parseWithYaml } from '../../manifests/parse-yaml';
import { EXIT_FAILURE, EXIT_USAGE, UserError } from '../errors';
import { forTerminal } from '../format/terminal';
import { manifestFileList } from './manifest-files';
import { ManifestRefusal, readManifest } from './manifest-read';
import { writeError, writeFileAtomic } from '../format/write';

export interface ApplyToResult {
  file: string;
  changed: number;
  /** Why the file was left alone, when it was and that is fine (no containers, no matching recommendation…). */
  skipped?: string;
  /** Why the file could not be updated: a failure. */
  error?: string;
  /** The exit code that failure calls for: 2 (bad input or path) or 1 (unexpected). */
  exitCode?: number;
}

/** Raised after every file was tried, when some failed; carries the command's normal output so it still prints. */
export class ApplyToFailure extends UserError {
  output = '';
}

export function manifestFiles(path: string): string[] {
  try {
    statSync(path);
  } catch {
    throw new UserError(`--apply-to: ${path}: no such file or directory`);
  }
  // The same walk as `mora manifests scan <dir>`: *.yaml, *.yml and *.json, hidden folders and node_modules left out,
  // links followed but never up the tree, a file reached twice edited once.
  let list;
  try {
    list = manifestFileList([path]);
  } catch (e) {
    throw e instanceof UserError ? new UserError(`--apply-to: ${e.message}`) : e;
  }
  const [unlisted] = list.unlisted;
  if (unlisted) throw new UserError(`--apply-to: ${unlisted.file}: ${unlisted.reason}`);
  return list.files;
}

export function applyRecommendationsToFile(file: string, recs: readonly Recommendation[], defaultNamespace: string, replicas: boolean): ApplyToResult {
  let text: string;
  let encoding: ManifestEncoding;
  try {
    ({ text, encoding } = readManifest(file));
  } catch (e) {
    if (e instanceof ManifestRefusal) return { file, changed: 0, error: e.kind === 'unreadable' ? `cannot read (${e.reason})` : e.reason, exitCode: EXIT_USAGE };
    throw e;
  }
  // Thorough: every document read by the yaml library, so a YAML error anywhere is found before anything is written.
  const scan = scanManifest(text, { mode: 'thorough' });
  const invalid = scan.documents.find((d) => d.status === 'invalid');
  if (invalid) return { file, changed: 0, error: `not valid YAML at ${invalid.error}`, exitCode: EXIT_USAGE };
  const template = scan.documents.find((d) => d.status === 'template' && parseWithYaml(text, d.offset, d.offset + d.length).error !== null);
  const changes: ManifestChange[] = [];
  // One group per workload: a document, or an item of a `kind: List` document.
  const byWorkload = new Map<string, ManifestContainer[]>();
  for (const c of scan.containers) {
    const key = `${c.document}/${c.item ?? ''}`;
    byWorkload.set(key, [...(byWorkload.get(key) ?? []), c]);
  }
  for (const inWorkload of byWorkload.values()) {
    const match = findRecommendation(inWorkload[0], recs, defaultNamespace);
    if (match) changes.push(...changesFromRecommendation(inWorkload, match.workload, { replicas }));
  }
  if (changes.length === 0) {
    const why = scan.containers.length ? 'no matching recommendation'
      : template ? `a Helm template source (line ${template.line + 1}): render it first` : 'no containers';
    return { file, changed: 0, skipped: why };
  }
  let edited: { text: string; edits: unknown[] };
  try {
    edited = editManifest(text, changes);
  } catch (e) {
    if (e instanceof ManifestEditError) return { file, changed: 0, error: e.message, exitCode: EXIT_USAGE };
    return { file, changed: 0, error: `unexpected error: ${(e as Error).message}`, exitCode: EXIT_FAILURE };
  }
  if (edited.text === text) return { file, changed: 0, skipped: 'already has these values' };
  try {
    // A UTF-16 file (PowerShell's `>`) is written back as UTF-16.
    if (encoding === 'utf8') writeFileAtomic(file, edited.text);
    else writeBytesAtomic(file, encodeManifest(edited.text, encoding));
  } catch (e) {
    const failure = e instanceof UserError ? e : writeError(file, e);
    return { file, changed: 0, error: failure.message.replace(`${file}: `, ''), exitCode: failure.exitCode };
  }
  return { file, changed: edited.edits.length };
}

export function applyToManifests(path: string, recs: readonly Recommendation[], defaultNamespace = 'default', replicas = false): ApplyToResult[] {
  return manifestFiles(path).map((f) => applyRecommendationsToFile(f, recs, defaultNamespace, replicas));
}

/**
 * Tells what happened to each file on stderr: failures always, the rest unless `quiet`. Returns the failure to raise
 * (exit 1 if any failure was unexpected, else 2) when some file could not be updated, else undefined.
 */
export function reportApplyTo(results: readonly ApplyToResult[], quiet: boolean): ApplyToFailure | undefined {
  const failed = results.filter((r) => r.error !== undefined);
  for (const r of results) {
    const file = forTerminal(r.file);
    if (r.error !== undefined) process.stderr.write(`mora: ${file}: ${forTerminal(r.error)}\n`);
    else if (!quiet) process.stderr.write(`${file}: ${r.changed ? `${r.changed} value(s) changed` : `unchanged (${forTerminal(r.skipped ?? '')})`}\n`);
  }
  if (failed.length === 0) return undefined;
  const code = failed.some((r) => r.exitCode === EXIT_FAILURE) ? EXIT_FAILURE : EXIT_USAGE;
  return new ApplyToFailure(`--apply-to: ${failed.length} of ${results.length} file${results.length > 1 ? 's' : ''} could not be updated (named above)`, code);
}
