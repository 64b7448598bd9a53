/**
 * Reading one manifest file for `mora manifests scan|apply`: its text (UTF-8, or UTF-16 with a byte order mark), and a
 * thorough scan that refuses what cannot be read as Kubernetes reads it. A refusal says which kind it is, so a folder's
 * scan can tell a file to fix from a template to render.
 */
import { readFileSync } from 'node:fs';
import { UserError } from '../errors';
import { forTerminal } from '../format/terminal';
import { parseWithYaml } from '../../manifests/parse-yaml';
import { breakingMark, sourceMarks, templateMarks } from '../../manifests/templates';
import { decodeManifest, ManifestEncodingError, scanManifest, type DecodedManifest, type ManifestScan } from '../../manifests';

/** Why a file could not be scanned. A template source is a file to render, not to fix: see `scanMany`. */
export type RefusalKind = 'unreadable' | 'encoding' | 'invalid' | 'template';

/** A file refused whole; the message starts with the file's path (one line on stderr for a single file). */
export class ManifestRefusal extends UserError {
  constructor(readonly file: string, readonly kind: RefusalKind, reason: string) {
    super(`${file}: ${reason}`);
  }

  get reason(): string {
    return this.message.slice(this.file.length + 2);
  }
}

/**
 * Reads the file, or standard input for `-` (for pipes such as `kustomize build | mora manifests scan -`): UTF-8, or
 * UTF-16 with a byte order mark; other bytes are refused with their line (read as U+FFFD they would be written back so).
 */
export function readManifest(file: string): DecodedManifest & { bytes: Buffer } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file === '-' ? 0 : file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ManifestRefusal(file, 'unreadable', code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, give a YAML file' : (e as Error).message);
  }
  try {
    // The bytes too: a write of the edited file checks that the file still holds them (write-all-or-nothing.ts).
    return { ...decodeManifest(bytes), bytes };
  } catch (e) {
    if (e instanceof ManifestEncodingError) throw new ManifestRefusal(file, 'encoding', e.message);
    throw e;
  }
}

/**
 * Scans thoroughly and refuses files that are not YAML. `{{ }}` inside strings MOrA does not read (a rendered alerting
 * template, a Go-template flag) is plain YAML. A document with `{{ }}` where MOrA reads (names, replicas, resources)
 * is skipped with a note when it still parses, and refused when it does not (a Helm template source).
 */
export function scanOrExplain(file: string, text: string): ManifestScan {
  const { scan, notes } = explainScan(file, text);
  for (const n of notes) process.stderr.write(`mora: ${forTerminal(file)}: ${forTerminal(n)}\n`);
  return scan;
}

/**
 * scanOrExplain without writing: the scan and its notes (documents skipped), or a ManifestRefusal — kind 'template'
 * for a template source (`{{ }}` that is not YAML, or a Jinja/Go statement such as `{% if %}` in a document that does not
 * parse: a file to render, not to fix), 'invalid' for plain broken YAML. The first such document decides. Shared by
 * `mora manifests scan|apply` and `mora recommend --apply-to`, so they skip the same files.
 */
export function explainScan(file: string, text: string): { scan: ManifestScan; notes: string[] } {
  const scan = scanManifest(text, { mode: 'thorough' });
  const notes: string[] = [];
  for (const doc of scan.documents) {
    if (doc.status === 'invalid') {
      const statement = statementMark(text, doc.offset, doc.offset + doc.length);
      if (statement !== undefined) {
        throw new ManifestRefusal(file, 'template', `document at line ${doc.line + 1} is a Jinja/Go template source ({% %} at line ${lineOf(text, statement)}), not YAML; render it first`);
      }
      throw new ManifestRefusal(file, 'invalid', `not valid YAML at ${doc.error}`);
    }
    if (doc.status === 'template') {
      const parsed = parseWithYaml(text, doc.offset, doc.offset + doc.length);
      // Name the `{{` too: the document's first line is often a `---` or a licence comment, far from the template.
      const marks = templateMarks(text, doc.offset, doc.offset + doc.length);
      if (parsed.error !== null) {
        // The one the parser stopped at, not the first: that is often a quoted label it read past.
        const broke = breakingMark(text, marks, parsed.errorOffset ?? doc.offset);
        // Broken before any {{ }} by a Jinja statement (`{% if %}` on the first line): a template source all the same.
        const statement = broke === undefined ? statementMark(text, doc.offset, doc.offset + doc.length) : undefined;
        if (statement !== undefined && statement <= lineEndOf(text, parsed.errorOffset ?? doc.offset)) {
          throw new ManifestRefusal(file, 'template', `document at line ${doc.line + 1} is a Jinja/Go template source ({% %} at line ${lineOf(text, statement)}), not YAML; render it first`);
        }
        const why = broke !== undefined ? ` ({{ }} at line ${lineOf(text, broke)}), not YAML; render it first (helm template …)`
          : `, not YAML even before its first {{ }} (${parsed.error}); fix that line, then render it (helm template …)`;
        throw new ManifestRefusal(file, 'template', `document at line ${doc.line + 1} is a Helm/Go template source${why}`);
      }
      // The first one MOrA reads (names, replicas, resources) or that is YAML structure, not a quoted label value before it.
      const first = sourceMarks(marks, parsed.root)[0];
      const at = first === undefined ? '' : ` ({{ }} at line ${lineOf(text, first)})`;
      notes.push(`skipped the document at line ${doc.line + 1}: {{ }} in its names, replicas or resources${at} (a template source: render it first)`);
    }
  }
  return { scan, notes };
}

/**
 * The offset of the first template statement in text[start, end): a line whose first non-blank characters open one
 * (`{%`, `{%-`: Jinja, Ansible, Salt) and that closes it (`%}`) on the same line. Checked only in a document that does
 * not parse: plain YAML cannot start a line with `{%` (a plain scalar cannot begin with `%`).
 */
function statementMark(text: string, start: number, end: number): number | undefined {
  const re = /^[ \t]*(\{%)[^\n]*%\}/gm;
  re.lastIndex = start;
  for (let m = re.exec(text); m !== null && m.index < end; m = re.exec(text)) return m.index + m[0].indexOf('{%');
  return undefined;
}

/** The offset of the end of the line holding `offset`. */
function lineEndOf(text: string, offset: number): number {
  const nl = text.indexOf('\n', offset);
  return nl === -1 ? text.length : nl;
}

/** 1-based line of an offset. */
function lineOf(text: string, offset: number): number {
  let n = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/**
 * The files that read as text (readManifest; one that does not is left out: the apply names it), one step per file
 * read, so a command may let a signal in between two reads (stepWise, interrupt-signals.ts).
 */
export function* readableSteps(files: readonly string[]): Generator<void, Array<{ file: string; text: string }>, void> {
  const read: Array<{ file: string; text: string }> = [];
  for (const file of files) {
    try {
      read.push({ file, text: readManifest(file).text });
    } catch (e) {
      if (!(e instanceof ManifestRefusal)) throw e;
    }
    yield;
  }
  return read;
}
