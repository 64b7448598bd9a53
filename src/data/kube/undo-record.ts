/**
 * The undo record of a live patch: each workload's values as they were, written before the first patch, and the way
 * back — each recorded workload put back to them through the same server-side dry run, only where every field the
 * recorded patch set still shows what it left (else someone changed it since: their value stays, the undo refuses).
 *
 * Editor-free and shared: `mora recommend --apply-cluster` / `--undo` (src/cli/commands/apply-to-cluster.ts) and the
 * extension's Apply to Cluster / Undo Last Apply to Cluster write and read the same records in the same place
 * (undoRecordPath), so either can undo a patch the other made.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse, stringify } from 'yaml';
import { writeFileAtomic } from '../../core/atomic-write';
import { parseQuantity } from '../../core/quantity';
import type { WorkloadRef } from '../../core/workload';
import { xdgBaseDir } from '../../core/xdg';
import { planApply, resourcesView, sameAmount, writtenValuesOf, type ApplyPlan, type ClusterChange, type PlanClient, type WrittenField } from './apply-plan';
import type { ContainerResourceChange } from './patch';
import { podSpecOf } from './workloads';

/** One workload's change, with (for an undo) a check of the plan that may refuse it or find nothing to do. */
export interface ClusterWrite {
  ref: WorkloadRef;
  change: ClusterChange;
  judge?: (plan: ApplyPlan) => { refusal?: string; nothing?: string } | undefined;
  /** Nothing to do, without asking the API server (an undo of a workload the recorded run did not patch): why. */
  skip?: string;
}

/** A record that cannot be read (missing, not YAML, not an undo record, a bad quantity): the message names it. */
export class UndoRecordError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UndoRecordError';
  }
}

/**
 * Where an undo record goes by default: $XDG_STATE_HOME/mora/undo when that is absolute (a relative value is ignored,
 * as the XDG spec says: it would write into the current folder), else ~/.local/state/mora/undo; one file per apply,
 * named `<prefix>-<UTC time to the millisecond>-<pid>-<6 random hex digits>.yaml`: the extension host's pid never
 * changes, so two applies in the same second were one name and the second record replaced the first. The first
 * write of a record (writeUndoRecord with `create`) is exclusive besides, so an existing record is never replaced.
 */
export function undoRecordPath(env: NodeJS.ProcessEnv = process.env, now = new Date(), prefix = 'apply-cluster'): string {
  const base = xdgBaseDir('XDG_STATE_HOME', env, env.HOME || homedir());
  const stamp = now.toISOString().replace(/[-:]/g, '');
  return join(base, 'mora', 'undo', `${prefix}-${stamp}-${process.pid}-${randomBytes(3).toString('hex')}.yaml`);
}

type Amount = string | null;
interface RecordedContainer { container: string; requests?: { cpu?: Amount; memory?: Amount }; limits?: { cpu?: Amount; memory?: Amount } }
/**
 * What became of a workload of the record: 'pending' (written before the first patch; still so if the run ended
 * without saying — its undo judges by the values), 'patched', 'failed' (refused: nothing written), 'not tried' (the
 * run stopped before it), 'rolled back' (patched, then put back by the run's own rollback after a failure or a signal).
 */
export type UndoStatus = 'pending' | 'patched' | 'failed' | 'not tried' | 'rolled back';

/** One workload of an undo record: what MOrA was about to change, as it was (null: not set), and what it set. */
export interface UndoEntry {
  /** Absent in records written before statuses were kept: read as 'pending'. */
  status?: UndoStatus;
  context: string;
  kind: WorkloadRef['kind'];
  namespace: string;
  name: string;
  /** The values the patch changes, as they were before it (a null was not set: the undo removes it again). */
  previous: { containers: RecordedContainer[]; replicas?: number };
  /** The resources as the patch leaves them (the diff's right side): the undo goes ahead only while they are unchanged. */
  patchedTo: string;
  /** The resources before the patch (the diff's left side), for people reading the record. */
  before: string;
}

export const UNDO_KIND = 'MoraUndoRecord';
/** Where undoRecordPath puts records, as said to a user who named a missing one. */
export const UNDO_FOLDER_HINT = '$XDG_STATE_HOME/mora/undo or ~/.local/state/mora/undo';

/** The previous values of a plan's change, read from the object its diff was computed from. */
export function undoEntry(plan: ApplyPlan): UndoEntry {
  const spec = podSpecOf(plan.ref.kind, plan.before ?? {});
  const all = [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])];
  const containers = plan.change.containers.map((c) => {
    const live = all.find((x) => x.name === c.container)?.resources;
    const out: RecordedContainer = { container: c.container };
    for (const group of ['requests', 'limits'] as const) {
      const changed = c[group];
      if (!changed) continue;
      const was: { cpu?: Amount; memory?: Amount } = {};
      for (const r of ['cpu', 'memory'] as const) if (changed[r] !== undefined) was[r] = live?.[group]?.[r] === undefined ? null : String(live[group]![r]);
      out[group] = was;
    }
    return out;
  });
  const replicas = plan.change.replicas === undefined ? {} : { replicas: plan.before?.spec?.replicas ?? 1 };
  return { status: 'pending', context: plan.ref.context, kind: plan.ref.kind, namespace: plan.ref.namespace, name: plan.ref.name, previous: { containers, ...replicas }, patchedTo: plan.dryRunYaml, before: plan.liveYaml };
}

/**
 * Writes (or rewrites, as statuses change) a record atomically: a reader never sees half of one. With `create` (the
 * record's first write) the file is created exclusively: an existing file is an error (code EEXIST), never replaced.
 */
export function writeUndoRecord(file: string, entries: readonly UndoEntry[], options: { create?: boolean } = {}): void {
  const record = { kind: UNDO_KIND, version: 1, created: new Date().toISOString(), howToUndo: 'mora recommend --undo <this file> [--kubeconfig <file>] [--dry-run] [--yes]', workloads: entries };
  const text = stringify(record, { lineWidth: 0 });
  if (options.create) {
    mkdirSync(dirname(file), { recursive: true });
    closeSync(openSync(file, 'wx', 0o644)); // claims the name; the atomic write then fills it
    try {
      writeFileAtomic(file, text);
    } catch (e) {
      unlinkSync(file); // the empty file this call created: no record
      throw e;
    }
    return;
  }
  writeFileAtomic(file, text);
}

/**
 * An undo record read back: each workload's previous values as a change, with the check that it still shows MOrA's.
 * `label` starts every error message (default `--undo <file>`, the CLI's flag); `tail` ends a refusal (undoWriteOf).
 */
export function readUndoRecord(file: string, label = `--undo ${file}`, tail?: string): ClusterWrite[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? `no such file (the record is the file an --apply-cluster named: "previous values recorded in <file>"; by default under ${UNDO_FOLDER_HINT})`
      : code === 'EISDIR' ? 'is a directory; give the record file an --apply-cluster named'
        : code === 'EACCES' || code === 'EPERM' ? 'cannot be read: permission denied'
          : `cannot be read: ${(e as Error).message.split('\n')[0]}`;
    throw new UndoRecordError(`${label}: ${why}`);
  }
  let record: { kind?: unknown; version?: unknown; workloads?: unknown };
  try {
    record = parse(text) as typeof record;
  } catch (e) {
    throw new UndoRecordError(`${label}: not an undo record of mora recommend --apply-cluster (not YAML: ${(e as Error).message.split('\n')[0]})`);
  }
  if (record?.kind !== UNDO_KIND || record.version !== 1 || !Array.isArray(record.workloads)) {
    throw new UndoRecordError(`${label}: not an undo record of mora recommend --apply-cluster (kind ${UNDO_KIND}, version 1)`);
  }
  return (record.workloads as UndoEntry[]).map((e) => undoWriteOf(e, tail, (m) => new UndoRecordError(`${label}: ${m}`)));
}

/**
 * One entry of an undo record as the write that puts it back, with the check (judge) that every field the recorded
 * patch set still shows what it left; `tail` ends a refusal (default: the --undo wording).
 */
export function undoWriteOf(e: UndoEntry, tail = '(changed since, or never patched): not undone — the diff above shows what the undo would change',
  badQuantity: (message: string) => Error = (m) => new Error(m)): ClusterWrite {
  const amount = (v: Amount | undefined, where: string): number | null | undefined => {
    if (v === undefined || v === null) return v;
    try {
      return parseQuantity(v, where);
    } catch (err) {
      throw badQuantity((err as Error).message);
    }
  };
  const where = `${e.kind} ${e.namespace}/${e.name}`;
  const ref = { context: e.context, kind: e.kind, namespace: e.namespace, name: e.name };
  if (e.status === 'failed' || e.status === 'not tried') {
    return { ref, change: { containers: [] }, skip: `not patched by the recorded run (${e.status}), nothing to undo` };
  }
  if (e.status === 'rolled back') {
    return { ref, change: { containers: [] }, skip: 'put back by the recorded run itself (rolled back after a failure or a signal), nothing to undo' };
  }
  const containers: ContainerResourceChange[] = (e.previous?.containers ?? []).map((c) => {
    const change: ContainerResourceChange = { container: c.container };
    for (const group of ['requests', 'limits'] as const) {
      const g = c[group];
      if (!g) continue;
      change[group] = {};
      for (const r of ['cpu', 'memory'] as const) if (r in g) change[group]![r] = amount(g[r], `${where} ${c.container} ${group}.${r}`);
    }
    return change;
  });
  // Judged on what MOrA wrote, field by field: the requests and limits the patch set (the record's previous values name
  // them: per container, per resource), replicas only when it set them (an HPA's count is not). Anything else — a
  // memory limit another writer changed while MOrA set CPU — is not MOrA's: the undo neither checks nor touches it.
  const replicas = e.previous?.replicas !== undefined;
  const fields: WrittenField[] = (e.previous?.containers ?? []).flatMap((c) => (['requests', 'limits'] as const)
    .flatMap((group) => Object.keys(c[group] ?? {}).map((resource) => ({ container: c.container, group, resource }))));
  let left: Map<string, string | null> | undefined;
  try {
    left = writtenValuesOf(parse(e.patchedTo) as Record<string, unknown>, fields, replicas);
  } catch {
    left = undefined; // unreadable: what the patch left is unknown, so the workload is refused below
  }
  const judge = (plan: ApplyPlan): { refusal?: string; nothing?: string } | undefined => {
    if (!plan.changed) return { nothing: 'already at its previous values, nothing to undo' };
    if (!plan.before || !left) return { refusal: `its resources are not the ones the recorded patch left ${tail}` };
    // A field MOrA set that shows another value now was changed again by someone else (or never patched): their value
    // stays, and so does the rest of the workload.
    const now = writtenValuesOf(resourcesView(e.kind, plan.before), fields, replicas);
    const moved = [...left].filter(([k, v]) => !sameAmount(v, now.get(k)));
    if (!moved.length) return undefined;
    const shown = (v: string | null | undefined) => v ?? 'not set';
    return { refusal: `${moved.map(([k, v]) => `${k} is ${shown(now.get(k))}, the recorded patch left ${shown(v)}`).join('; ')} ${tail}` };
  };
  return { ref, change: { containers, ...(replicas ? { replicas: e.previous.replicas } : {}) }, judge };
}

/** A write previewed and judged: the plan (absent for a skipped write), why it must not go ahead, or why it need not. */
export interface JudgedWrite {
  write: ClusterWrite;
  plan?: ApplyPlan;
  /** Refused (by the dry run, pod admission, or the undo's check that the object still shows what the patch left). */
  refusals: string[];
  /** Nothing to do (skipped, or the undo finds its previous values already there). */
  nothing?: string;
}

/**
 * A write's server-side dry run (planApply) and its judge: the step the CLI's loop, its rollback and the editor's
 * Undo share. A write the plan shows no change for (and no judge says so) comes back with `plan.changed` false.
 */
export async function judgeWrite(kube: PlanClient, write: ClusterWrite): Promise<JudgedWrite> {
  if (write.skip !== undefined) return { write, refusals: [], nothing: write.skip };
  const plan = await planApply(kube, write.ref, write.change);
  const judged = plan.refusals.length ? undefined : write.judge?.(plan);
  const refusals = judged?.refusal ? [judged.refusal] : plan.refusals;
  return { write, plan, refusals, nothing: refusals.length ? undefined : judged?.nothing };
}

/**
 * Records what an approved plan is about to change, before it is sent (one workload: the editor's Apply to Cluster);
 * returns the function that marks the outcome in the record as it happens.
 */
export function recordBeforePatch(file: string, plan: ApplyPlan): (status: UndoStatus) => void {
  const entries = [undoEntry(plan)];
  writeUndoRecord(file, entries, { create: true });
  return (status) => {
    entries[0].status = status;
    writeUndoRecord(file, entries);
  };
}
