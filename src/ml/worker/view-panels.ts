/**
 * The worker side of the forecast view's `view-panels` job: the panels' models (src/views/forecast-panels.ts) with the
 * LSTM member the job names. The cluster's global model is read here, not on the extension host (reading and parsing
 * its weights takes tens of milliseconds), and kept while its model.json is unchanged.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { PanelId } from '../../protocol/forecast';
import { cachedGlobalLstmIn, forecastPanels, globalLstmRunner, type LstmRunner, type PanelsResult } from '../../views/forecast-panels';
import type { GlobalLstmModel } from '../lstm/global';
import { GLOBAL_MODEL_FILE } from '../lstm/global-cache';
import type { ViewPanelsJob } from './protocol';

let held: { dir: string; mtimeMs: number; bucket: number; model: GlobalLstmModel } | undefined;

function globalModel(dir: string, bucket: number): GlobalLstmModel {
  const mtimeMs = statSync(join(dir, GLOBAL_MODEL_FILE), { throwIfNoEntry: false })?.mtimeMs;
  if (mtimeMs === undefined) throw new Error(`no global LSTM cached in ${dir}`);
  if (held && held.dir === dir && held.mtimeMs === mtimeMs && held.bucket === bucket) return held.model;
  const warnings: string[] = [];
  const model = cachedGlobalLstmIn(dir, bucket, (line) => warnings.push(line));
  if (!model) throw new Error(warnings[0] ?? `the global LSTM cached in ${dir} was not trained at a ${bucket} s step`);
  held = { dir, mtimeMs, bucket, model };
  return model;
}

export async function viewPanels(job: ViewPanelsJob): Promise<PanelsResult> {
  const frame = { t: job.t, values: job.values };
  const options = { ...job.options };
  if (job.lstm?.kind === 'global') {
    const model = globalModel(job.lstm.dir, options.bucket);
    const result = await forecastPanels(frame, { ...options, lstm: globalLstmRunner(model) });
    return {
      ...result,
      lstmNote: `LSTM: the cluster's global model (v${model.version}, cached; trained on ${model.state.trainedOn.series} series), no per-series training.`,
    };
  }
  if (job.lstm?.kind === 'trained') {
    const lstmByPanel: Partial<Record<PanelId, LstmRunner>> = {};
    for (const [id, r] of Object.entries(job.lstm.results)) if (r) lstmByPanel[id as PanelId] = async () => r;
    return forecastPanels(frame, { ...options, lstmByPanel });
  }
  return forecastPanels(frame, options);
}
