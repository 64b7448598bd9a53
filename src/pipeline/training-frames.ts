/**
 * The history "Train Models" trains on: each (workload, container) read from the source once — the CPU model, the
 * memory model and the workload model all train on that one frame — at most `concurrency` reads at a time (a
 * namespace of 40 containers must not open 120 Prometheus range queries at once), and none started after `signal`
 * aborts (Cancel). A failed read is that container's error; the others go on.
 */
import { forEachLimit } from '../core/concurrency';
import type { Workload } from '../core/workload';
import type { DataSource, MetricFrame } from '../data/datasource';

/** Forecast models train on 5-minute steps at the finest (a 14-day history: 4,032 points). */
export const TRAINING_MIN_STEP = 300;

export interface TrainingFrame {
  workload: Workload;
  container: string;
  frame?: MetricFrame;
  error?: Error;
}

export async function trainingFrames(source: Pick<DataSource, 'historyRange' | 'metrics'>, workloads: readonly Workload[],
  options: { concurrency: number; signal?: AbortSignal; onFrame?: (f: TrainingFrame) => void }): Promise<TrainingFrame[]> {
  const targets = workloads.flatMap((workload) => workload.containers.map((c) => ({ workload, container: c.name })));
  const out: TrainingFrame[] = [];
  await forEachLimit(targets, options.concurrency, async ({ workload, container }) => {
    if (options.signal?.aborted) return;
    const target = { workload, container };
    let f: TrainingFrame;
    try {
      const range = await source.historyRange(target);
      if (options.signal?.aborted) return;
      f = { workload, container, frame: await source.metrics(target, { ...range, step: Math.max(range.step, TRAINING_MIN_STEP) }) };
    } catch (e) {
      f = { workload, container, error: e as Error };
    }
    out.push(f);
    options.onFrame?.(f);
  });
  return out;
}
