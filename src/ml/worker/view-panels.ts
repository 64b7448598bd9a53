/**
 * The worker side of the forecast view's `view-panels` job: the panels' models (src/views/forecast-panels.ts) with the
 * LSTM member the job names. The cluster's global model is read here, not on the extension host (reading and parsing
 * its weights takes tens of milliseconds), and kept while its model.json is unchanged. One too old for the frame (the
 * pipeline's age rule, global-cache.ts globalModelTooOld) fails the job with the reason: the view then trains per series.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { PanelId } from '../../protocol/forecast';
import { cachedGlobalLstmIn, forecastPanels, globalLstmNote, globalLstmRunner, type LstmRunner, type PanelMemo, type PanelsResult } from '../../views/forecast-panels';
import type { GlobalLstmModel } from '../lstm/global';
import { GLOBAL_MODEL_FILE } from '../lstm/global-cache';
import type { ViewPanelsJob } from './protocol';

let held: { dir: string; mtimeMs: number; bucket: number; historyEnd: number | undefined; model: GlobalLstmModel } | undefined;

function globalModel(dir: string, bucket: number, historyEnd: number | undefined): GlobalLstmModel {
  const mtimeMs = statSync(join(dir, GLOBAL_MODEL_FILE), { throwIfNoEntry: false })?.mtimeMs;
  if (mtimeMs === undefined) throw new Error(`no global LSTM cached in ${dir}`);
  if (held && held.dir === dir && held.mtimeMs === mtimeMs && held.bucket === bucket && held.historyEnd === historyEnd) return held.model;
  const warnings: string[] = [];
  const model = cachedGlobalLstmIn(dir, bucket, (line) => warnings.push(line), historyEnd);
  if (!model) throw new Error(warnings[0] ?? `the global LSTM cached in ${dir} was not trained at a ${bucket} s step`);
  held = { dir, mtimeMs, bucket, historyEnd, model };
  return model;
}

/**
 * The last job's frame and the runs its panels kept (Prophet, the fusion's Prophet holdout fits and baseline): a view
 * opening sends its frame twice — the first paint, then with the LSTM — and the second job reuses the first's fits.
 */
let last: { job: ViewPanelsJob; memo: PanelMemo } | undefined;

const sameArray = (a: Float64Array, b: Float64Array): boolean => a.length === b.length && a.every((x, i) => Object.is(x, b[i]));

function sameFrame(a: ViewPanelsJob, b: ViewPanelsJob): boolean {
  const ka = Object.keys(a.values).sort(), kb = Object.keys(b.values).sort();
  return a.options.bucket === b.options.bucket && a.options.horizonHours === b.options.horizonHours && a.options.seed === b.options.seed
    && a.options.prophetWeight === b.options.prophetWeight
    && ka.join() === kb.join() && sameArray(a.t, b.t) && ka.every((k) => sameArray(a.values[k], b.values[k]));
}

/** The runs a job on this frame may reuse: the previous job's when it had the same frame and options, else new ones. */
function memoFor(job: ViewPanelsJob): PanelMemo {
  if (!last || !sameFrame(last.job, job)) last = { job, memo: {} };
  return last.memo;
}

export async function viewPanels(job: ViewPanelsJob): Promise<PanelsResult> {
  const frame = { t: job.t, values: job.values };
  const options = { ...job.options, memo: memoFor(job) };
  const lstmByPanel: Partial<Record<PanelId, LstmRunner>> = {};
  for (const [id, r] of Object.entries(job.lstm?.results ?? {})) if (r) lstmByPanel[id as PanelId] = async () => r;
  if (job.lstm?.kind === 'global') {
    const model = globalModel(job.lstm.dir, options.bucket, job.t.length ? job.t[job.t.length - 1] : undefined);
    const result = await forecastPanels(frame, { ...options, lstm: globalLstmRunner(model), lstmByPanel });
    return { ...result, lstmNote: globalLstmNote(model) };
  }
  if (job.lstm?.kind === 'trained') return forecastPanels(frame, { ...options, lstmByPanel });
  return forecastPanels(frame, options);
}
