/**
 * `mora manifests scan <file|dir>...` lists every container of every workload in Kubernetes YAML files;
 * `mora manifests apply <file> --set … --replicas …` changes exactly those values (GitOps, CI).
 * Same core as the editor's CodeLenses (src/manifests): comments, order, quoting and line endings survive.
 */
import { statSync } from 'node:fs';
import type { Command } from 'commander';
import { EXIT_USAGE, UserError } from '../errors';
import { manifestFileList } from './manifest-files';
import { forTerminal } from '../format/terminal';
import { writeError, writeFileAtomic } from '../format/write';
import { ManifestRefusal, readManifest, scanOrExplain } from './manifest-read';
import { applyMany, inlinePatchHolders, planMany, type PatchHolder, type TextAndScan } from './manifests-apply-many';
import { unifiedDiff } from '../format/diff';
import { writeFileAtomic as writeBytesAtomic } from '../../core/atomic-write';
import { editManifest, encodeManifest, ManifestEditError, parseChangeSpecs, scanManifest, type ManifestChange, type ManifestContainer } from '../../manifests';
import { autoscalerLabel, findAutoscalers, type ManifestAutoscaler } from '../../manifests/autoscalers';
import { inTargetNamespace } from '../../manifests/workloads';
import { folderAutoscalers } from './apply-to-manifests';

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
 * `inline`: the kustomizations' inline patches that set a container's resources (for the repeated-target note; not
 * part of the JSON output).
 */
export function scanMany(paths: readonly string[]): ScanManyResult & { files: number; inline: PatchHolder[] } {
  const { files, unlisted } = manifestFileList(paths);
  const out: ScanManyResult = { containers: [], skipped: unlisted.map((u) => ({ ...u, error: true })) };
  const read: TextAndScan[] = [];
  for (const file of files) {
    try {
      const { text } = readManifest(file);
      const scan = scanOrExplain(file, text);
      read.push({ file, text, scanned: scan.containers });
      out.containers.push(...scan.containers.map((c) => ({ file, ...toScanned(c) })));
    } catch (e) {
      if (!(e instanceof ManifestRefusal)) throw e;
      out.skipped.push({ file, reason: e.reason, error: e.kind !== 'template' });
    }
  }
  return { ...out, files: files.length + unlisted.length, inline: inlinePatchHolders(read) };
}

/**
 * Containers named the same (namespace, kind, workload, container) in more than one file — a kustomize base and its
 * overlay's patch, or a copy. `apply` on the folder refuses such a target; saying so at scan time spares a failed apply.
 * A kustomization's inline patch that sets a container's resources (`inline`, from scanMany) counts as a file holding
 * every scanned container it names (one without a namespace names it in any namespace, as apply matches it).
 */
export function repeatedTargets(containers: ScanManyResult['containers'], inline: readonly PatchHolder[] = []): Array<{ target: string; files: string[] }> {
  const byTarget = new Map<string, string[]>();
  const key = (c: { namespace: string | null; kind: string; name: string; container: string }) => `${c.namespace ? `${c.namespace}/` : ''}${c.kind}/${c.name}/${c.container}`;
  for (const c of containers) {
    const target = key(c);
    const files = byTarget.get(target) ?? [];
    if (!files.includes(c.file)) files.push(c.file);
    byTarget.set(target, files);
  }
  for (const h of inline) {
    for (const p of h.containers) {
      for (const c of containers) {
        if (c.kind !== p.kind || c.name !== p.name || c.container !== p.container || (p.namespace !== null && c.namespace !== p.namespace)) continue;
        const files = byTarget.get(key(c))!;
        if (!files.includes(h.file)) files.push(h.file);
      }
    }
  }
  return [...byTarget].filter(([, files]) => files.length > 1).map(([target, files]) => ({ target, files }));
}

/**
 * The last line of a folder scan with files to fix: how many could not be scanned, and what was done with the rest
 * (scanned and printed; Helm template sources skipped without being an error).
 */
export function scanFailureText(errors: number, files: number, templates: number): string {
  const scanned = files - errors - templates;
  const rest = scanned === 0 ? 'no other file was scanned' : `the other ${scanned} ${scanned === 1 ? 'was' : 'were'} scanned and printed`;
  const helm = templates ? ` (${templates} Helm template source${templates === 1 ? '' : 's'} skipped, not an error)` : '';
  return `${errors} of ${files} files could not be scanned (named above); ${rest}${helm}`;
}

const isDirectory = (path: string): boolean => {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
};

/** The changes asked for, for several files (one file's errors keep their `<file>: ` prefix, as they always had). */
function parseOrExplain(opts: { set: string[]; replicas: string[] }): ManifestChange[] {
  try {
    const changes = parseChangeSpecs({ set: opts.set, replicas: opts.replicas });
    if (changes.length === 0) throw new ManifestEditError('nothing to change: give at least one --set or --replicas');
    return changes;
  } catch (e) {
    if (e instanceof ManifestEditError) throw new UserError(e.message);
    throw e;
  }
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/**
 * `--replicas` for a workload that an HPA (or KEDA ScaledObject) among the manifests scales is done as asked, with a
 * warning: the autoscaler overrides the count, and a GitOps sync writing it back resets the autoscaler's choice.
 */
function warnAutoscaled(changes: readonly ManifestChange[], autoscalers: readonly ManifestAutoscaler[], defaultNamespace: string): void {
  for (const c of changes) {
    if (c.type !== 'replicas') continue;
    const a = autoscalers.find((x) => x.target.kind === c.target.kind && x.target.name === c.target.name
      && inTargetNamespace(x.namespace ?? defaultNamespace, c.target.namespace, defaultNamespace));
    if (!a) continue;
    process.stderr.write(`mora: warning: ${forTerminal(`${c.target.kind}/${c.target.name}`)}'s replicas are scaled by the ${forTerminal(autoscalerLabel(a))}`
      + `${a.file ? ` in ${forTerminal(a.file)}` : ''}: it overrides spec.replicas, and each GitOps sync of ${c.replicas} resets its choice; `
      + 'change its bounds instead, or leave spec.replicas out\n');
  }
}

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
      const { files, inline, ...result } = scanMany(paths);
      for (const s of result.skipped) process.stderr.write(`mora: skipped file ${forTerminal(s.file)}: ${forTerminal(s.reason)}\n`);
      for (const r of repeatedTargets(result.containers, inline)) {
        const patched = r.files.some((f) => inline.some((h) => h.file === f));
        process.stderr.write(`mora: note: ${forTerminal(r.target)} is in ${r.files.length} files: ${r.files.map(forTerminal).join(', ')} `
          + (patched ? '(an overlay\'s inline patch wins over the base); apply on this folder refuses it: edit the patch by hand, or move it to a file of its own\n'
            : '(a kustomize base and its overlay?); apply on this folder refuses it: give the file\n'));
      }
      process.stdout.write(opts.format === 'json' ? JSON.stringify(result, null, 2) + '\n' : formatTable(result.containers, true));
      const errors = result.skipped.filter((s) => s.error).length;
      if (errors) {
        throw new UserError(scanFailureText(errors, files, result.skipped.length - errors), EXIT_USAGE);
      }
    });

  manifests
    .command('apply <paths...>')
    .description('Set container resources and replicas, changing only those values; prints the result unless --in-place, --out or --diff '
      + '(a folder or several files: --in-place or --diff, each target in exactly one file)')
    .option('--set <spec>', '[<namespace>/]<Kind>/<name>/<container>=cpu=<q>,memory=<q>,limits.cpu=<q>,limits.memory=<q> (repeatable)', collect, [])
    .option('--replicas <spec>', '[<namespace>/]<Kind>/<name>=<n> (repeatable)', collect, [])
    .option('--in-place', 'rewrite the file, or each file of a folder that holds a target (atomically)')
    .option('--out <file>', 'write the result to this file (atomically)')
    .option('--diff', 'write nothing: print a unified diff of what would change (git-style a/ b/ names; one per file that would change)')
    .option('--default-namespace <ns>', 'namespace of manifests that set none, for <namespace>/ targets (as recommend --apply-to)', 'default')
    .action((paths: string[], opts: { set: string[]; replicas: string[]; inPlace?: boolean; out?: string; diff?: boolean; defaultNamespace: string }) => {
      if (opts.inPlace && opts.out) throw new UserError('give either --in-place or --out, not both');
      if (opts.diff && (opts.inPlace || opts.out)) throw new UserError(`--diff writes nothing: give it without ${opts.inPlace ? '--in-place' : '--out'}`);
      if (paths.length > 1 || (paths[0] !== '-' && isDirectory(paths[0]))) {
        if (!opts.inPlace && !opts.diff) {
          throw new UserError('a folder or several files are rewritten in place: give --in-place, or --diff to see the changes (--out and printing take one file)');
        }
        if (paths.includes('-')) throw new UserError(`${opts.diff ? '--diff' : '--in-place'} on several paths needs files, not standard input`);
        const changes = parseOrExplain(opts);
        if (changes.some((c) => c.type === 'replicas')) warnAutoscaled(changes, folderAutoscalers(manifestFileList(paths).files), opts.defaultNamespace);
        if (opts.diff) {
          for (const f of planMany(paths, changes, opts.defaultNamespace)) process.stdout.write(unifiedDiff(f.file, f.before, f.after));
          return;
        }
        applyMany(paths, changes, opts.defaultNamespace);
        return;
      }
      const file = paths[0];
      if (opts.inPlace && file === '-') throw new UserError('--in-place needs a file, not standard input');
      const { text, encoding } = readManifest(file);
      scanOrExplain(file, text);
      let result: string;
      try {
        const changes = parseChangeSpecs({ set: opts.set, replicas: opts.replicas });
        if (changes.length === 0) throw new ManifestEditError('nothing to change: give at least one --set or --replicas');
        result = editManifest(text, changes, { defaultNamespace: opts.defaultNamespace }).text;
        if (changes.some((c) => c.type === 'replicas')) warnAutoscaled(changes, findAutoscalers(text, scanManifest(text)), opts.defaultNamespace);
      } catch (e) {
        if (e instanceof ManifestEditError) throw new UserError(`${file}: ${e.message}`);
        throw e;
      }
      const target = opts.inPlace ? file : opts.out;
      if (result === text) process.stderr.write(`mora: ${forTerminal(file)} already has these values\n`);
      if (opts.diff) {
        process.stdout.write(unifiedDiff(file, text, result)); // nothing when there is no change
        return;
      }
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
      // As a folder's --in-place names the files it wrote; --out names its file itself.
      if (opts.inPlace) process.stderr.write(`mora: updated ${forTerminal(file)}\n`);
    });
}
