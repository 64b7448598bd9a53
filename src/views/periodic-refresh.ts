/**
 * The periodic refresh (mora.refreshIntervalSeconds) without the editor: what a tick recomputes, and that a tick
 * never starts while the previous one is still computing. The recommendations shown stay shown while the new ones are
 * computed; the store swaps each namespace when its computation ends (RecommendationStore.computeNamespace with force).
 */

export interface ShownNamespace {
  context: string;
  namespace: string;
}

/** The context/namespaces that have recommendations now: what a tick recomputes (each once, in first-seen order). */
export function shownNamespaces(recs: ReadonlyArray<{ workload: { context: string; namespace: string } }>): ShownNamespace[] {
  const seen = new Map<string, ShownNamespace>();
  for (const r of recs) {
    const key = `${r.workload.context}\u0000${r.workload.namespace}`;
    if (!seen.has(key)) seen.set(key, { context: r.workload.context, namespace: r.workload.namespace });
  }
  return [...seen.values()];
}

/**
 * Runs `work` on each tick unless the previous tick's work is still running (then the tick is skipped: a namespace that
 * takes longer than the interval still finishes, and is not started twice).
 */
export class PeriodicRefresh {
  private running: Promise<void> | undefined;
  skipped = 0;

  constructor(private readonly work: () => Promise<void>, private readonly onError: (e: unknown) => void = () => undefined) {}

  /** Whether a tick's work is running. */
  get busy(): boolean {
    return this.running !== undefined;
  }

  /** Starts the work, or skips (returns false) while the last one runs. */
  tick(): boolean {
    if (this.running) {
      this.skipped++;
      return false;
    }
    const run = (async () => {
      try {
        await this.work();
      } catch (e) {
        this.onError(e);
      } finally {
        this.running = undefined;
      }
    })();
    this.running = run;
    return true;
  }

  /** The running tick's work (resolved when idle). */
  idle(): Promise<void> {
    return this.running ?? Promise.resolve();
  }
}

/**
 * One tick: reload the tree's listing and recompute every shown namespace in the background (force), one after the
 * other, keeping what is shown until each namespace's new numbers replace it. Never clears the store.
 */
export async function refreshShown(
  recs: ReadonlyArray<{ workload: { context: string; namespace: string } }>,
  recompute: (n: ShownNamespace) => Promise<unknown>,
): Promise<void> {
  for (const n of shownNamespaces(recs)) await recompute(n);
}
