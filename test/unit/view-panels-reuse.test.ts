// An open of the forecast view sends its frame to the worker twice (the first paint, then with the LSTM): the second job
// reuses the first's Prophet fits (its forecast, the fusion's rolling holdout fits and baseline) and draws exactly what
// running both from scratch drew.
import * as assert from 'node:assert/strict';
import { Prophet } from '../../src/ml/prophet';
import type { ViewPanelsJob } from '../../src/ml/worker/protocol';
import { viewPanels } from '../../src/ml/worker/view-panels';
import { forecastPanels, panelHistory, PANELS, type LstmRunResult, type PanelFrame } from '../../src/views/forecast-panels';
import { panelFrame } from '../harness/panel-frame';

const options = { bucket: 1800, horizonHours: 24, seed: 7, lstmPanels: ['cpu' as const, 'memory' as const] };

function job(f: ReturnType<typeof panelFrame>, lstm?: ViewPanelsJob['lstm']): ViewPanelsJob {
  // A copy, as a job arrives in the worker (structured clone): reuse must not depend on the arrays' identity.
  const values = Object.fromEntries(Object.entries(f.values).map(([k, v]) => [k, Float64Array.from(v)]));
  return { type: 'view-panels', id: 1, t: Float64Array.from(f.t), values, options, lstm, cancel: new SharedArrayBuffer(4) };
}

/** A stand-in for an LSTM the pool trained: yesterday repeated. */
function lstmResult(f: PanelFrame, panel: number): LstmRunResult {
  const history = panelHistory(PANELS[panel], f, options.bucket)!;
  const horizon = (options.horizonHours * 3600) / options.bucket;
  const last = history.t[history.t.length - 1];
  const mean = Float64Array.from({ length: horizon }, (_, i) => history.v[history.v.length - 48 + (i % 48)]);
  return { forecast: { t: Float64Array.from({ length: horizon }, (_, i) => last + (i + 1) * options.bucket), mean, lower: mean.map((x) => x * 0.9), upper: mean.map((x) => x * 1.1), intervalWidth: 0.9 } };
}

describe('forecast view panels: the pass with the LSTM reuses the first paint\'s Prophet fits', function () {
  this.timeout(120000);
  let fits = 0;
  const fit = Prophet.prototype.fit;
  before(() => { Prophet.prototype.fit = function (this: Prophet, ...args: Parameters<typeof fit>) { fits++; return fit.apply(this, args); }; });
  after(() => { Prophet.prototype.fit = fit; });

  it('fits Prophet once per open and draws what two separate runs drew', async () => {
    const f = panelFrame(11);
    const results = { cpu: lstmResult(f, 0), memory: lstmResult(f, 1) };
    // The path before: each phase from scratch.
    const firstFresh = await forecastPanels(f, options);
    const secondFresh = await forecastPanels(f, { ...options, lstmByPanel: { cpu: async () => results.cpu, memory: async () => results.memory } });
    assert.deepEqual(secondFresh.panels[0].runs.map((r) => r.model), ['prophet', 'lstm', 'fused']);

    fits = 0;
    const first = await viewPanels(job(f));
    assert.ok(fits >= 4, `the first paint fits each panel's Prophet (${fits} fits)`);
    assert.deepEqual(first, firstFresh);

    fits = 0;
    const second = await viewPanels(job(f, { kind: 'trained', results }));
    assert.equal(fits, 0, 'the pass with the LSTM fits no Prophet');
    assert.deepEqual(second, secondFresh, 'the same Prophet, LSTM and fused numbers and notes as a run from scratch');

    // Another workload's frame (or another horizon) is not served the first one's fits.
    fits = 0;
    const other = panelFrame(12);
    assert.deepEqual(await viewPanels(job(other)), await forecastPanels(other, options));
    assert.ok(fits >= 8, 'a new frame is fitted (here, and in the reference run)');
    fits = 0;
    await viewPanels({ ...job(other), options: { ...options, horizonHours: 12 } });
    assert.ok(fits >= 4, 'a new horizon is fitted');
  });
});
