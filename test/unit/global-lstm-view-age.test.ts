// Show Forecast applies the pipeline's age rule to the cluster's cached global LSTM (global-cache.ts globalModelTooOld,
// the rule under which `mora recommend -m fused` retrains instead of refreshing): past REFRESH_MAX_DAYS it is not used,
// and the reason reaches the caller (the worker job fails with it; the host then trains per series and notes why).
import * as assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { GlobalLstmModel, loadGlobalLstm, saveGlobalLstm, type GlobalLstmState } from '../../src/ml/lstm/global';
import { GLOBAL_MODEL_FILE, REFRESH_MAX_DAYS, coveredTo, globalModelTooOld, poolCutoff } from '../../src/ml/lstm/global-cache';
import { warmStartPath } from '../../src/ml/lstm/warm-start';
import type { ViewPanelsJob } from '../../src/ml/worker/protocol';
import { viewPanels } from '../../src/ml/worker/view-panels';
import { cachedGlobalLstmIn } from '../../src/views/forecast-panels';
import { panelFrame } from '../harness/panel-frame';
import { inTempDir } from './helpers/temp-dir';

const DAY = 86400;
const BUCKET = 900; // the shipped warm start's step

/** A cluster's own model (the shipped warm start's network, no warm-start mark) whose training data ends at `to`. */
function clusterModel(to: number): GlobalLstmModel {
  const { warmStart: _w, ...state } = loadGlobalLstm(warmStartPath()!).toJSON() as GlobalLstmState & { warmStart?: unknown };
  return GlobalLstmModel.fromJSON({ ...state, trainedOn: { ...state.trainedOn, to }, refreshes: [] });
}

describe('Show Forecast: the cluster\'s cached global LSTM is used only within the pipeline\'s age limit', function () {
  this.timeout(60_000);
  const frame = panelFrame(5);
  const end = frame.t[frame.t.length - 1];

  it('one rule for the pipeline and the view: more than REFRESH_MAX_DAYS behind the pool cutoff is too old', () => {
    const cutoff = poolCutoff(end);
    assert.equal(globalModelTooOld(clusterModel(cutoff - REFRESH_MAX_DAYS * DAY), cutoff), undefined);
    assert.match(globalModelTooOld(clusterModel(cutoff - REFRESH_MAX_DAYS * DAY - 3600), cutoff) ?? '', /last trained on data to .*, 7\.0 days before .*\(more than 7\)/);
  });

  it('cachedGlobalLstmIn: a fresh model is used, a too old one is not and says why; the warm start has no age', () => inTempDir(async (dir) => {
    saveGlobalLstm(join(dir, GLOBAL_MODEL_FILE), clusterModel(end - 3 * DAY));
    const warnings: string[] = [];
    const fresh = cachedGlobalLstmIn(dir, BUCKET, (l) => warnings.push(l), end);
    assert.ok(fresh && coveredTo(fresh) === end - 3 * DAY);
    saveGlobalLstm(join(dir, GLOBAL_MODEL_FILE), clusterModel(end - 30 * DAY));
    assert.equal(cachedGlobalLstmIn(dir, BUCKET, (l) => warnings.push(l), end), undefined);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /^the cluster's global LSTM was last trained on data to .*\(more than 7\): not used$/);
    assert.ok(cachedGlobalLstmIn(dirname(warmStartPath()!), BUCKET, () => undefined, end), 'the shipped warm start is used at any date');
  }));

  it('the worker\'s view-panels job fails with the reason, so the host trains per series and notes why', () => inTempDir(async (dir) => {
    saveGlobalLstm(join(dir, GLOBAL_MODEL_FILE), clusterModel(end - 30 * DAY));
    const job: ViewPanelsJob = { type: 'view-panels', id: 1, t: frame.t, values: frame.values, options: { bucket: BUCKET, horizonHours: 24, seed: 7, lstmPanels: ['cpu'] }, lstm: { kind: 'global', dir }, cancel: new SharedArrayBuffer(4) };
    await assert.rejects(viewPanels(job), /global LSTM was last trained on data to .*: not used/);
  }));
});

