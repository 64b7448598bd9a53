/**
 * `mora manifests scan <file|dir>...` lists every container of every workload in Kubernetes YAML files;
 * `mora manifests apply <file> --set … --replicas …` changes exactly those values (GitOps, CI).
 * Same core as the editor's CodeLenses (src/manifests): comments, order, quoting and line endings survive.
 */
import { readFileSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import { EXIT_USAGE, UserError } from '../errors';
import { manifestFileList } from './manifest-files';
import { forTerminal } from '../format/terminal';
import { writeError, writeFileAtomic } from '../format/write';
import { parseWithYaml } from '../../manifests/parse-yaml';
import { templateMarks } from '../../manifests/templates';
import { writeFileAtomic as writeBytesAtomic } from '../../core/atomic-write';
import {
  decodeManifest, editManifest, encodeManifest, ManifestEditError, ManifestEncodingError, parseChangeSpecs, scanManifest,
  type DecodedManifest, type ManifestContainer, type ManifestScan,
} from '../../manifests';

/** One line of `scan --format json`: the shape GitOps scripts rely on. */
export interface ScannedContainer {
  kind: string;
  namespace: string | null;
  name: string;
  container: string;
  line: number;
  replicas: number | null;
  requests: { cpu: string | null; memory: string | null };
  limits: { cpu: string | null; memory: string | null };
  init?: true;
}

export function toScanned(c: ManifestContainer): ScannedContainer {
  const out: ScannedContainer = {
    kind: c.kind,
    namespace: c.namespace,
    name: c.name,
    container: c.container,
    line: c.line,
    replicas: c.replicas !== null && /^\d+$/.test(c.replicas.value) ? Number(c.replicas.value) : null,
    requests: { cpu: c.requests.cpu?.value ?? null, memory: c.requests.memory?.value ?? null },
    limits: { cpu: c.limits.cpu?.value ?? null, memory: c.limits.memory?.value ?? null },
  };
  if (c.init) out.init = true;
  return out;
}

/** Why a file could not be scanned. A template source is a file to render, not to fix: see `scanMany`. */
export type RefusalKind = 'unreadable' | 'encoding' | 'invalid' | 'template';

/** A file refused whole; the message starts with the file's path (one line on stderr for a single file). */
class ManifestRefusal extends UserError {
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
function readManifest(file: string): DecodedManifest {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file === '-' ? 0 : file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ManifestRefusal(file, 'unreadable', code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, give a YAML file' : (e as Error).message);
  }
  try {
    return decodeManifest(bytes);
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
function scanOrExplain(file: string, text: string): ManifestScan {
  const scan = scanManifest(text, { mode: 'thorough' });
  for (const doc of scan.documents) {
    if (doc.status === 'invalid') throw new ManifestRefusal(file, 'invalid', `not valid YAML at ${doc.error}`);
    if (doc.status === 'template') {
      const parsed = parseWithYaml(text, doc.offset, doc.offset + doc.length);
      // Name the first `{{` too: the document's first line is often a `---` or a licence comment, far from the template.
      const first = templateMarks(text, doc.offset, doc.offset + doc.length)[0];
      const at = first === undefined ? '' : ` ({{ }} at line ${lineOf(text, first)})`;
      if (parsed.error !== null) {
        throw new ManifestRefusal(file, 'template', `document at line ${doc.line + 1} is a Helm/Go template source${at}, not YAML; render it first (helm template …)`);
      }
      process.stderr.write(`mora: ${forTerminal(file)}: skipped the document at line ${doc.line + 1}: {{ }} in its names, replicas or resources${at} `
        + '(a template source: render it first)\n');
    }
  }
  return scan;
}

/** 1-based line of an offset. */
function lineOf(text: string, offset: number): number {
  let n = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

function formatTable(rows: Array<ScannedContainer & { file?: string }>, withFile = false): string {
  const header = [...(withFile ? ['FILE'] : []), 'KIND', 'NAMESPACE', 'NAME', 'CONTAINER', 'LINE', 'REPLICAS', 'REQ CPU', 'REQ MEM', 'LIM CPU', 'LIM MEM'];
  const cells = rows.map((r) => [...(withFile ? [r.file ?? ''] : []), r.kind, r.namespace ?? '-', r.name, r.init ? `${r.container} (init)` : r.container, String(r.line),
    r.replicas === null ? '-' : String(r.replicas), r.requests.cpu ?? '-', r.requests.memory ?? '-', r.limits.cpu ?? '-', r.limits.memory ?? '-'])
    .map((row) => row.map(forTerminal)); // names come from the file: never let them drive the terminal
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  return [header, ...cells].map((row) => row.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()).join('\n') + '\n';
}

/** A file of a folder (or of several paths) that was not scanned. */
export interface SkippedFile {
  file: string;
  reason: string;
  /** True when the user must fix it (unreadable, not UTF-8, not YAML): the command then exits 2. */
  error: boolean;
}

/** What `scan <file|dir>...` prints for several files: `file` first in each row, and the files not scanned. */
export interface ScanManyResult {
  containers: Array<{ file: string } & ScannedContainer>;
  skipped: SkippedFile[];
}

/**
 * Scans every file of the paths given (folders walked: manifest-files.ts), as `backtest` replays a folder: a file
 * that cannot be scanned is named and skipped, the others are still read. Unreadable files, bytes that are not UTF-8
 * and invalid YAML are errors to fix (exit 2 once the others are printed). A Helm/Go template source is skipped
 * without failing: a chart's `templates/` beside rendered manifests is normal in a repository, and there is nothing
 * to fix in it (`recommend --apply-to` treats it the same way). A file with no workload is 0 containers, not a skip.
 */
export function scanMany(paths: readonly string[]): ScanManyResult & { files: number } {
  const { files, unlisted } = manifestFileList(paths);
  const out: ScanManyResult = { containers: [], skipped: unlisted.map((u) => ({ ...u, error: true })) };
  for (const file of files) {
    try {
      const scan = scanOrExplain(file, readManifest(file).text);
      out.containers.push(...scan.containers.map((c) => ({ file, ...toScanned(c) })));
    } catch (e) {
      if (!(e instanceof ManifestRefusal)) throw e;
      out.skipped.push({ file, reason: e.reason, error: e.kind !== 'template' });
    }
  }
  return { ...out, files: files.length + unlisted.length };
}

const isDirectory = (path: string): boolean => {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
};

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function register(program: Command): void {
  const manifests = program
    .command('manifests')
    .description('Read and edit Kubernetes YAML manifests (the CodeLens core, for GitOps and CI)');

  manifests
    .command('scan <paths...>')
    .description('List every container of every workload: kind, namespace, name, container, line, replicas, requests, limits '
      + '(a path "-" reads stdin; a folder is searched for *.yaml, *.yml, *.json, and each row names its file)')
    .option('--format <format>', 'table or json', 'table')
    .addHelpText('after', '\nWith a folder or several paths, a file that cannot be scanned is named on stderr and in JSON "skipped"; the others are '
      + 'still scanned. Exit code 2 when one was unreadable, not UTF-8 or not valid YAML; a Helm template source is skipped without failing.\n')
    .action((paths: string[], opts: { format: string }) => {
      if (opts.format !== 'table' && opts.format !== 'json') throw new UserError(`--format must be table or json, got "${opts.format}"`);
      if (paths.length === 1 && (paths[0] === '-' || !isDirectory(paths[0]))) {
        // One file: its rows as they always were, and any refusal is the command's error.
        const file = paths[0];
        const scan = scanOrExplain(file, readManifest(file).text);
        const rows = scan.containers.map(toScanned);
        process.stdout.write(opts.format === 'json' ? JSON.stringify(rows, null, 2) + '\n' : formatTable(rows));
        return;
      }
      const { files, ...result } = scanMany(paths);
      for (const s of result.skipped) process.stderr.write(`mora: skipped file ${forTerminal(s.file)}: ${forTerminal(s.reason)}\n`);
      process.stdout.write(opts.format === 'json' ? JSON.stringify(result, null, 2) + '\n' : formatTable(result.containers, true));
      const errors = result.skipped.filter((s) => s.error).length;
      if (errors) {
        throw new UserError(`${errors} of ${files} files could not be scanned (named above); the others were`, EXIT_USAGE);
      }
    });

  manifests
    .command('apply <file>')
    .description('Set container resources and replicas, changing only those values; prints the result unless --in-place or --out')
    .option('--set <spec>', '[<namespace>/]<Kind>/<name>/<container>=cpu=<q>,memory=<q>,limits.cpu=<q>,limits.memory=<q> (repeatable)', collect, [])
    .option('--replicas <spec>', '[<namespace>/]<Kind>/<name>=<n> (repeatable)', collect, [])
    .option('--in-place', 'rewrite <file> (atomically)')
    .option('--out <file>', 'write the result to this file (atomically)')
    .action((file: string, opts: { set: string[]; replicas: string[]; inPlace?: boolean; out?: string }) => {
      if (opts.inPlace && opts.out) throw new UserError('give either --in-place or --out, not both');
      if (opts.inPlace && file === '-') throw new UserError('--in-place needs a file, not standard input');
      const { text, encoding } = readManifest(file);
      scanOrExplain(file, text);
      let result: string;
      try {
        const changes = parseChangeSpecs({ set: opts.set, replicas: opts.replicas });
        if (changes.length === 0) throw new ManifestEditError('nothing to change: give at least one --set or --replicas');
        result = editManifest(text, changes).text;
      } catch (e) {
        if (e instanceof ManifestEditError) throw new UserError(`${file}: ${e.message}`);
        throw e;
      }
      const target = opts.inPlace ? file : opts.out;
      if (result === text) process.stderr.write(`mora: ${forTerminal(file)} already has these values\n`);
      if (result === text && opts.inPlace) return; // leave the file (and its timestamp) alone
      // The result in the input's encoding: a UTF-16 file (PowerShell's `>`) stays UTF-16, on stdout too.
      const bytes = encoding === 'utf8' ? undefined : encodeManifest(result, encoding);
      if (!target) {
        process.stdout.write(bytes ?? result);
        return;
      }
      // Atomic; an existing file keeps its mode and owner, a symlink stays a link (its target is rewritten).
      if (!bytes) writeFileAtomic(target, result);
      else {
        try {
          writeBytesAtomic(target, bytes);
        } catch (e) {
          throw writeError(target, e);
        }
      }
    });
}
