/**
 * `mora manifests scan <file|dir>...` lists every container of every workload in Kubernetes YAML files;
 * `mora manifests apply <file> --set … --replicas …` changes exactly those values (GitOps, CI).
 * Same core as the editor's CodeLenses (src/manifests): comments, order, quoting and line endings survive.
 */
import { statSync } from 'node:fs';
import type { Command } from 'commander';
import { EXIT_USAGE, PartialResult, UserError } from '../errors';
import { manifestFileList } from './manifest-files';
import { forTerminal } from '../format/terminal';
import { renderTable, terminalWidth } from '../format/table';
import { writeError, writeFileAtomic } from '../format/write';
import { ManifestRefusal, readableSteps, readManifest, scanOrExplain } from './manifest-read';
import { oneTurn, stepWise, untilWritesListen, type BeforeWrites } from './interrupt-signals';
import { applyMany, fileOverlayNotes, kustomizeChecked, planMany } from './manifests-apply-many';
import { inlinePatchHolders, replicasOnlyWorkloads, type PatchHolder, type TextAndScan } from './patch-holders';
import { autoscalerPlacement, inKustomizeNamespace, kustomizeNamespaces, placedInKustomizeNamespace } from './kustomize-namespace';
import { writeAllOrNothingInterruptible } from './write-all-or-nothing';
import { unifiedDiff } from '../format/diff';
import { writeFileAtomic as writeBytesAtomic } from '../../core/atomic-write';
import { decodeManifest, editManifest, encodeManifest, ManifestEditError, ManifestEncodingError, parseChangeSpecs, scanManifest, type DecodedManifest, type ManifestChange,
  type ManifestContainer } from '../../manifests';
import { autoscalerFor, autoscalerNote, type ManifestAutoscaler } from '../../manifests/autoscalers';
import { inTargetNamespace, KINDS_WITH_REPLICAS } from '../../manifests/workloads';
import { CliAutoscalers, foundIn } from './manifest-autoscalers';

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
  /**
   * The HorizontalPodAutoscaler or KEDA ScaledObject that owns the workload's replicas (manifest-autoscalers.ts: the
   * editor's rule): `manifests apply` and `recommend --apply-to` never write spec.replicas there. `note` is the
   * editor's note lens (`replicas left to the HPA web (2..8)`); `file` where it is, when not in this file.
   */
  autoscaler?: { kind: ManifestAutoscaler['kind']; name: string; namespace: string | null; minReplicas: number; maxReplicas: number | null; file?: string; note: string };
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

/** kubectl's short names, for a KIND column that must be narrower (manifests apply --set takes them too). */
const SHORT_KIND: Readonly<Record<string, string>> = { Deployment: 'deploy', StatefulSet: 'sts', DaemonSet: 'ds', ReplicaSet: 'rs',
  ReplicationController: 'rc', CronJob: 'cj', Pod: 'po', Rollout: 'ro' };

/**
 * The scan table, fitted to `width` as the other tables (format/table.ts renderTable): in a narrower terminal the names
 * are shortened (`productc…logservice`; a path keeps its end), KIND reads kubectl's short names (deploy, sts), then LINE,
 * LIM CPU, REPLICAS, NAMESPACE, LIM MEM and CONTAINER are left out, in that order; --format json has everything.
 */
function formatTable(rows: Array<ScannedContainer & { file?: string }>, withFile = false, width = Infinity): string {
  const cells = rows.map((r) => [...(withFile ? [r.file ?? ''] : []), r.kind, r.namespace ?? '-', r.name, r.init ? `${r.container} (init)` : r.container, String(r.line),
    replicasCell(r), r.requests.cpu ?? '-', r.requests.memory ?? '-', r.limits.cpu ?? '-', r.limits.memory ?? '-']); // renderTable makes names safe for the terminal
  const drop = (at: number) => [{ at, drop: true }];
  return renderTable([...(withFile ? [{ header: 'FILE', head: 0.3 }] : []), { header: 'KIND', keep: true, fit: [{ at: 1, cell: (k: string) => SHORT_KIND[k] ?? k }] },
    { header: 'NAMESPACE', fit: drop(5) }, { header: 'NAME' }, { header: 'CONTAINER', fit: drop(7) }, { header: 'LINE', keep: true, fit: drop(2) },
    { header: 'REPLICAS', keep: true, fit: drop(4) }, { header: 'REQ CPU', keep: true }, { header: 'REQ MEM', keep: true },
    { header: 'LIM CPU', keep: true, fit: drop(3) }, { header: 'LIM MEM', keep: true, fit: drop(6) }],
  cells, width, { rule: false, whole: '--format json or | less -S' });
}

/** `2`, `-`; `2 (HPA)` / `- (KEDA)` when an autoscaler owns them (its note on stderr names it). */
function replicasCell(r: ScannedContainer): string {
  const n = r.replicas === null ? '-' : String(r.replicas);
  return r.autoscaler ? `${n} (${r.autoscaler.kind === 'ScaledObject' ? 'KEDA' : 'HPA'})` : n;
}

/**
 * Marks the rows of `file` whose workload's replicas an autoscaler owns (`autoscaler`), and returns one note per such
 * workload for stderr: `Deployment shop/web: replicas left to the HPA web (2..8) (in hpa.yaml); manifests apply does not
 * write spec.replicas here`. A document without a namespace is in `defaultNamespace`, as apply matches it.
 */
export function markAutoscaled(file: string, rows: ScannedContainer[], autoscalers: CliAutoscalers, defaultNamespace = 'default'): string[] {
  const notes: string[] = [];
  const seen = new Set<string>();
  const around = autoscalers.around(file, rows, defaultNamespace);
  for (const r of rows) {
    if (!KINDS_WITH_REPLICAS.has(r.kind)) continue;
    const a = autoscalerFor(r, around, defaultNamespace);
    if (!a) continue;
    const where = foundIn(a, file);
    const note = autoscalerNote(a);
    r.autoscaler = { kind: a.kind, name: a.name, namespace: a.namespace, minReplicas: a.minReplicas, maxReplicas: a.maxReplicas,
      ...(where ? { file: a.file } : {}), note };
    const key = `${r.kind}/${r.namespace ?? ''}/${r.name}`;
    if (seen.has(key)) continue;
    seen.add(key);
    notes.push(`${r.kind} ${r.namespace ?? defaultNamespace}/${r.name}: ${note}${where}; manifests apply does not write spec.replicas here`);
  }
  return notes;
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
 * `inline`: the kustomizations' inline patches that set a container's resources, and `rendered`: the containers, each
 * in the namespace kustomize renders it in (a resource of a kustomization with `namespace:`, a patch naming none in
 * the kustomization's or its bases': placedInKustomizeNamespace, as `manifests apply` and `recommend --apply-to` place
 * them) — for the repeated-target note; not part of the JSON output, whose rows say what each document names.
 */
export function scanMany(paths: readonly string[]): ScanManyResult & {
  files: number; inline: PatchHolder[]; rendered: ScanManyResult['containers']; notes: string[]; special: number;
} {
  const { files, unlisted, special } = manifestFileList(paths);
  // A named pipe or socket with a manifest's name: named, never opened (it would wait for a writer), nothing to fix.
  const out: ScanManyResult = { containers: [], skipped: [...unlisted.map((u) => ({ ...u, error: true })), ...special.map((u) => ({ ...u, error: false }))] };
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
  // Replicas an autoscaler owns: marked on their rows, with a note each (the editor's rule, manifest-autoscalers.ts).
  const autoscalers = new CliAutoscalers(files, new Map(read.map((r) => [r.file, r.text])));
  const notes = read.flatMap((r) => markAutoscaled(r.file, out.containers.filter((c) => c.file === r.file), autoscalers));
  // Where kustomize renders each file's containers and each inline patch's target, so the note tells an overlay's
  // prod/web from the base's default/web.
  const namespaces = kustomizeNamespaces(read.map((r) => r.file));
  const inline = inlinePatchHolders(read).map((h) => placedInKustomizeNamespace(h, namespaces));
  const byFile = new Map<string, ScanManyResult['containers']>();
  for (const c of out.containers) byFile.set(c.file, [...(byFile.get(c.file) ?? []), c]);
  const rendered = [...byFile].flatMap(([file, containers]) => placedInKustomizeNamespace({ file, containers }, namespaces).containers);
  return { ...out, files: files.length + unlisted.length + special.length, inline, rendered, notes, special: special.length };
}

/**
 * Containers named the same (namespace, kind, workload, container) in more than one file — a kustomize base and its
 * overlay's patch, or a copy. `apply` on the folder refuses such a target; saying so at scan time spares a failed apply.
 * A kustomization's inline patch that sets a container's resources (`inline`, from scanMany) counts as a file holding
 * every scanned container it names (one without a namespace names it in any namespace, as apply matches it). Both as
 * kustomize renders them (scanMany's `rendered` and `inline`), so the note names the targets `apply` takes.
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
export function scanFailureText(errors: number, files: number, templates: number, special = 0): string {
  const scanned = files - errors - templates - special;
  const rest = scanned === 0 ? 'no other file was scanned' : `the other ${scanned} ${scanned === 1 ? 'was' : 'were'} scanned and printed`;
  const skips = [templates ? `${templates} Helm template source${templates === 1 ? '' : 's'}` : '', special ? `${special} named pipe${special === 1 ? '' : 's'} or other non-file${special === 1 ? '' : 's'}` : ''].filter(Boolean);
  const helm = skips.length ? ` (${skips.join(' and ')} skipped, not an error)` : '';
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
 * `--replicas` for a workload whose replicas a HorizontalPodAutoscaler (or KEDA ScaledObject) owns — in the same file,
 * its folder, a kustomize overlay rendering it, or another file given (manifest-autoscalers.ts, the editor's rule) — is
 * not written: the autoscaler overrides spec.replicas, and each GitOps sync of a written count would reset its choice.
 * Such changes are left out with a note on stderr naming the autoscaler; the other changes (resources) still apply.
 */
function withoutAutoscaled(changes: readonly ManifestChange[], files: readonly { file: string; text: string }[], defaultNamespace: string): ManifestChange[] {
  if (!changes.some((c) => c.type === 'replicas')) return [...changes];
  const autoscalers = new CliAutoscalers(files.map((f) => f.file), new Map(files.map((f) => [f.file, f.text])));
  // Both sides where kustomize renders them (kustomize-namespace.ts), as the targets are matched: a workload and its HPA
  // that name no namespace, listed by a kustomization with `namespace: prod`, are both prod's.
  const namespaces = kustomizeNamespaces(files.map((f) => f.file));
  const place = autoscalerPlacement(namespaces, files.map((f) => f.file));
  const workloads = files.map(({ file, text }) => {
    const scan = scanManifest(text);
    return { file, workloads: [...scan.containers, ...replicasOnlyWorkloads(text, scan)].map((w) => inKustomizeNamespace(w, namespaces.get(file))) };
  });
  return changes.filter((c) => {
    if (c.type !== 'replicas') return true;
    for (const { file, workloads: found } of workloads) {
      for (const w of found) {
        if (w.kind !== c.target.kind || w.name !== c.target.name || !inTargetNamespace(w.namespace, c.target.namespace, defaultNamespace)) continue;
        const around = autoscalers.around(file, [w], defaultNamespace).map((a) => place(a, file));
        const a = autoscalerFor(w, around, defaultNamespace);
        if (!a) continue;
        process.stderr.write(`mora: note: ${forTerminal(`${w.kind} ${w.namespace ?? defaultNamespace}/${w.name}: ${autoscalerNote(a)}${foundIn(a, file)}`)}; `
          + `spec.replicas not written (--replicas asked for ${c.replicas}): the autoscaler sets the count, change its bounds instead\n`);
        return false;
      }
    }
    return true;
  });
}

export function register(program: Command): void {
  const manifests = program
    .command('manifests')
    .description('Read and edit Kubernetes YAML manifests (the CodeLens core, for GitOps and CI)');

  manifests
    .command('scan <paths...>')
    .description('List every container of every workload: kind, namespace, name, container, line, replicas, requests, limits '
      + '(a path "-" reads stdin; a folder is searched for *.yaml, *.yml, *.json, and each row names its file)')
    .option('-f, --format <format>', 'table or json', 'table')
    .addHelpText('after', '\nJSON is always one object, {"containers": [{"file", "kind", …}], "skipped": [{"file", "reason", "error"}]}, '
      + 'for one path or many, a file or a folder. With a folder or several paths, a file that cannot be scanned is named on stderr and in '
      + '"skipped"; the others are still scanned and printed, then the exit code is 4 (partial) when one was unreadable, not UTF-8 or not '
      + 'valid YAML (2, with nothing printed, when no file could be scanned); a Helm template source is skipped without failing. One file '
      + 'given that cannot be scanned is exit 2. A folder with no .yaml/.yml/.json file is nothing to scan: exit 2 with a message; files '
      + 'that hold no workload are scanned: {"containers": [], …}, exit 0.')
    .action((paths: string[], opts: { format: string }) => {
      if (opts.format !== 'table' && opts.format !== 'json') throw new UserError(`--format must be table or json, got "${opts.format}"`);
      if (paths.length === 1 && (paths[0] === '-' || !isDirectory(paths[0]))) {
        // One file: its rows as they always were, and any refusal is the command's error. JSON has the shape of several
        // paths' (an object with the file on each row), so `scan $(git diff --name-only)` parses the same for one file.
        const file = paths[0];
        const { text } = readManifest(file);
        const scan = scanOrExplain(file, text);
        const rows = scan.containers.map(toScanned);
        for (const n of markAutoscaled(file, rows, new CliAutoscalers([file], new Map([[file, text]])))) process.stderr.write(`mora: note: ${forTerminal(n)}\n`);
        const result: ScanManyResult = { containers: rows.map((r) => ({ file, ...r })), skipped: [] };
        process.stdout.write(opts.format === 'json' ? JSON.stringify(result, null, 2) + '\n' : formatTable(rows, false, terminalWidth()));
        return;
      }
      const { files, inline, rendered, notes, special, ...result } = scanMany(paths);
      for (const n of notes) process.stderr.write(`mora: note: ${forTerminal(n)}\n`);
      for (const s of result.skipped) process.stderr.write(`mora: skipped file ${forTerminal(s.file)}: ${forTerminal(s.reason)}\n`);
      for (const r of repeatedTargets(rendered, inline)) {
        const patched = r.files.filter((f) => inline.some((h) => h.file === f));
        process.stderr.write(`mora: note: ${forTerminal(r.target)} is in ${r.files.length} files: ${r.files.map(forTerminal).join(', ')} `
          + (patched.some((f) => f.includes('(inline patch ')) ? '(an overlay\'s inline patch wins over the base); apply on this folder refuses it: edit the patch by hand, or move it to a file of its own\n'
            : patched.length ? '(an overlay\'s patch file wins over the base); apply on this folder refuses it: edit the patch file by hand\n'
              : '(a kustomize base and its overlay?); apply on this folder refuses it: give the file\n'));
      }
      const errors = result.skipped.filter((s) => s.error).length;
      const templates = result.skipped.length - errors - special;
      // No file scanned at all: nothing to print, a plain input error (exit 2, stdout empty).
      if (errors && files - errors - templates - special === 0) throw new UserError(scanFailureText(errors, files, templates, special), EXIT_USAGE);
      process.stdout.write(opts.format === 'json' ? JSON.stringify(result, null, 2) + '\n' : formatTable(result.containers, true, terminalWidth()));
      // Some files scanned and printed, some not: partial (exit 4), so a script can tell it from a usage error.
      if (errors) throw new PartialResult(scanFailureText(errors, files, templates, special));
    });

  manifests
    .command('apply <paths...>')
    .description('Set container resources and replicas, changing only those values; prints the result unless --in-place, --out or --diff '
      + '(a folder or several files: --in-place or --diff, each target in exactly one file)')
    .option('--set <spec>', '[<namespace>/]<Kind>/<name>/<container>=cpu=<q>,memory=<q>,limits.cpu=<q>,limits.memory=<q>,replicas=<n> (repeatable; replicas as --replicas)', collect, [])
    .option('--replicas <spec>', '[<namespace>/]<Kind>/<name>=<n> (repeatable; not written, with a note, where an HPA or KEDA ScaledObject owns the replicas)', collect, [])
    .option('--in-place', 'rewrite the file, or each file of a folder that holds a target (atomically)')
    .option('--out <file>', 'write the result to this file (atomically)')
    .option('--diff', 'write nothing: print a unified diff of what would change (git-style a/ b/ names; one per file that would change)')
    .option('--exit-code', 'with --diff: exit 1 when something would change, 0 when nothing would (as git diff --exit-code)')
    .option('--default-namespace <ns>', 'namespace of manifests that set none, for <namespace>/ targets (as recommend --apply-to)', 'default')
    .addHelpText('after', `
Kustomize (read, never written): a target is matched where kustomize renders it (a kustomization's namespace:); a
patch of the kustomization of the path, of its folder or of the nearest one above it that sets the target wins over
the edit, so the run is refused naming it. An edit that an overlay also renders into another namespace or under a
namePrefix/nameSuffix is noted; it is refused (exit 2, nothing written) when this run also types a target for that
namespace's workload (--set prod/Deployment/web/web=…) with another value that no patch of that overlay sets: kustomize
would render it with the edit's value, not the one typed (recommend --apply-to refuses the same for an overlay's own
recommendation). See docs/MANIFESTS.md.`)
    .action(async (paths: string[], opts: ApplyCliOptions) => {
      // A run that writes listens to Ctrl-C, SIGTERM and SIGHUP from its start until its write does: a signal while the
      // files are read and planned ends it with one line, 'mora: interrupted (SIGINT) before anything was written;
      // nothing was changed', exit 130 (untilWritesListen, interrupt-signals.ts), not killed with nothing said.
      const beforeWrites = (opts.inPlace || opts.out !== undefined) && !opts.diff ? untilWritesListen() : undefined;
      try {
        await applyCommand(paths, opts, beforeWrites);
      } finally {
        beforeWrites?.stop();
      }
    });
}

interface ApplyCliOptions { set: string[]; replicas: string[]; inPlace?: boolean; out?: string; diff?: boolean; exitCode?: boolean; defaultNamespace: string }

/** `mora manifests apply`; `beforeWrites`: the listener of the phase before the write, stopped once the write listens. */
async function applyCommand(paths: string[], opts: ApplyCliOptions, beforeWrites: BeforeWrites | undefined): Promise<void> {
  if (opts.inPlace && opts.out) throw new UserError('give either --in-place or --out, not both');
  if (opts.exitCode && !opts.diff) throw new UserError('--exit-code goes with --diff (exit 1 when something would change)');
  // --diff --exit-code: 1 when a diff was printed (something would change), 0 when none, as `git diff --exit-code`.
  const changedExit = (diff: string) => {
    if (opts.exitCode && diff) process.exitCode = 1;
  };
  if (opts.diff && (opts.inPlace || opts.out)) throw new UserError(`--diff writes nothing: give it without ${opts.inPlace ? '--in-place' : '--out'}`);
  if (paths.length > 1 || (paths[0] !== '-' && isDirectory(paths[0]))) {
    if (!opts.inPlace && !opts.diff) {
      throw new UserError('a folder or several files are rewritten in place: give --in-place, or --diff to see the changes (--out and printing take one file)');
    }
    if (paths.includes('-')) throw new UserError(`${opts.diff ? '--diff' : '--in-place'} on several paths needs files, not standard input`);
    const asked = parseOrExplain(opts);
    // The files read one turn of the event loop each: a signal meanwhile reaches beforeWrites between two reads.
    const changes = asked.some((c) => c.type === 'replicas') ? withoutAutoscaled(asked, await stepWise(readableSteps(manifestFileList(paths).files)), opts.defaultNamespace) : asked;
    if (changes.length === 0) return; // only replicas an autoscaler owns: each named above, nothing to write
    if (opts.diff) {
      for (const f of planMany(paths, changes, opts.defaultNamespace)) {
        const diff = unifiedDiff(f.file, f.before, f.after);
        process.stdout.write(diff);
        changedExit(diff);
      }
      return;
    }
    // Ctrl-C, SIGTERM or SIGHUP while the files are written puts back those written (exit 130, nothing changed).
    await applyMany(paths, changes, opts.defaultNamespace, { onListening: beforeWrites?.stop });
    return;
  }
  const file = paths[0];
  if (opts.inPlace && file === '-') throw new UserError('--in-place needs a file, not standard input');
  const { text, encoding, bytes: read } = file === '-' ? await readStdinManifest() : readManifest(file);
  scanOrExplain(file, text);
  let result: string;
  /** Whether a replica change was left to an autoscaler (named on stderr). */
  let left = false;
  try {
    const asked = parseChangeSpecs({ set: opts.set, replicas: opts.replicas });
    if (asked.length === 0) throw new ManifestEditError('nothing to change: give at least one --set or --replicas');
    // The kustomization of the file's folder, read (never written) as for a folder given: where kustomize renders the
    // file's workloads, and a patch there that would win over the edit (refused naming it).
    const changes = kustomizeChecked({ file, text }, withoutAutoscaled(asked, [{ file, text }], opts.defaultNamespace), opts.defaultNamespace);
    left = changes.length < asked.length;
    result = changes.length === 0 ? text : editManifest(text, changes, { defaultNamespace: opts.defaultNamespace }).text;
    // What the kustomization of its folder renders the edit as too (another name or namespace), as a folder given says.
    fileOverlayNotes({ file, text }, result, changes, opts.defaultNamespace, asked);
  } catch (e) {
    if (e instanceof ManifestEditError) throw new UserError(`${file}: ${e.message}`);
    throw e;
  }
  const target = opts.inPlace ? file : opts.out;
  if (result === text && !left) process.stderr.write(`mora: ${forTerminal(file)} already has these values\n`);
  if (opts.diff) {
    const diff = unifiedDiff(file, text, result);
    process.stdout.write(diff); // nothing when there is no change
    changedExit(diff);
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
  // --in-place: as a folder's files are written (write-all-or-nothing.ts), so a file someone else edited since it was
  // read is not overwritten with an edit planned from the old text (exit 2, nothing written: run again).
  if (opts.inPlace) {
    await writeAllOrNothingInterruptible([{ file, data: bytes ?? result, read }], { onListening: beforeWrites?.stop });
    process.stderr.write(`mora: updated ${forTerminal(file)}\n`);
    return;
  }
  // --out: one synchronous atomic write, which no signal can split: a signal that came before it is let in first.
  await oneTurn();
  beforeWrites?.stop();
  // --out: its folder must exist (a typo in it is exit 2 naming it).
  if (!bytes) writeFileAtomic(target, result, { createParents: false });
  else {
    try {
      writeBytesAtomic(target, bytes, { createParents: false });
    } catch (e) {
      throw writeError(target, e);
    }
  }
}

/**
 * readManifest('-') without blocking the event loop: a pipe that stays open (`… | mora manifests apply - --out x.yaml`
 * waiting on a slow producer, or a terminal until Ctrl-D) is waited on while the signal listener of the phase before
 * the write (untilWritesListen) can still run, so Ctrl-C or SIGTERM ends the run at once with its line and exit 130.
 * (readFileSync(0) held every signal until standard input closed.) The same text, encoding and refusals as readManifest.
 */
export async function readStdinManifest(input: NodeJS.ReadableStream = process.stdin): Promise<DecodedManifest & { bytes: Buffer }> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of input) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  } catch (e) {
    throw new ManifestRefusal('-', 'unreadable', (e as Error).message);
  }
  const bytes = Buffer.concat(chunks);
  try {
    return { ...decodeManifest(bytes), bytes };
  } catch (e) {
    if (e instanceof ManifestEncodingError) throw new ManifestRefusal('-', 'encoding', e.message);
    throw e;
  }
}
