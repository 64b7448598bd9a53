/**
 * The experiment plan runs an editor host has going, so that closing or reloading the window stops them and waits —
 * bounded — for the runner to put the replica counts back (it restores on abort, docs/EXPERIMENTS.md). A host killed
 * before that leaves the plan's scaling note pending (`restored: false`); pendingRestores finds such notes so the next
 * activation or run can say so.
 */
import type { PlanDocument } from './plan-run';
import type { ScalingNote } from './runner';

interface Entry {
  label: string;
  abort: AbortController;
  finished: Promise<void>;
}

export class ActiveRuns {
  private readonly runs = new Set<Entry>();

  /** Registers a run until `run` settles; `abort` is what stopAll aborts. Returns `run`. */
  track<T>(label: string, abort: AbortController, run: Promise<T>): Promise<T> {
    const entry: Entry = { label, abort, finished: run.then(() => undefined, () => undefined) };
    this.runs.add(entry);
    void entry.finished.then(() => this.runs.delete(entry));
    return run;
  }

  /** The labels of the runs going now. */
  get running(): string[] {
    return [...this.runs].map((e) => e.label);
  }

  /**
   * Aborts every run and resolves once all have finished (their counts restored or the restore failed and noted) or
   * after `timeoutMs`, with the labels of the runs still going then.
   */
  async stopAll(timeoutMs: number): Promise<string[]> {
    const entries = [...this.runs];
    if (!entries.length) return [];
    const left = new Set(entries);
    for (const e of entries) e.abort.abort();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(entries.map((e) => e.finished.then(() => left.delete(e)))),
      new Promise<void>((resolve) => { timer = setTimeout(resolve, timeoutMs); }),
    ]);
    clearTimeout(timer);
    return [...left].map((e) => e.label);
  }
}

/** A plan record's scaling notes still owed to their workloads (restored false, not skipped). */
export function pendingRestores(doc: Pick<PlanDocument, 'scaling'> | undefined): ScalingNote[] {
  // scaling-note's settled(): not imported, it would pull the plan parser into the extension's activation.
  return Object.values(doc?.scaling ?? {}).filter((n) => !(n.restored || n.restoreSkipped !== undefined));
}

/** What to tell the user about a plan's pending notes (undefined: none). */
export function pendingRestoreText(planName: string, notes: readonly ScalingNote[]): string | undefined {
  if (!notes.length) return undefined;
  const each = notes.map((n) => `${n.workload} in namespace ${n.namespace}${n.context ? ` (context ${n.context})` : ''} was left scaled; its original count is ${n.originalReplicas} (by hand: ${n.restoreCommand})`);
  return `Experiment plan ${planName} was interrupted before it restored replica counts: ${each.join('; ')}. Running the plan again restores them first.`;
}
