// RecommendRequest.modelOptions are merged over the recommendation defaults (forecastDefaults: the LSTM's 8 epochs and
// 256 windows for fused and lstm): a key given overrides that key only. Before, any options given replaced the defaults,
// so `{ fused: { prophet_weight } }` or `{ lstm: { epochs } }` trained the LSTM with its full-size defaults (1024
// windows, 30 epochs). Seen here in the options each LSTM training of a recommendation gets.
import assert from 'node:assert/strict';
import { DemoFleetDataSource } from '../../src/data/demo/fleet';
import { DEMO_END } from '../../src/data/demo';
import { LstmForecaster, type LstmOptions } from '../../src/ml/lstm/forecaster';
import { forecastDefaults, recommendFromSource, recommendModelOptions, type RecommendRequest } from '../../src/pipeline/recommend';
import type { GlobalModelEvent } from '../../src/pipeline/global-lstm';

/**
 * The options of every LSTM training started while `fn` runs. No training runs: each fails at once (the fusion then runs
 * without its LSTM, as it does for any failed member), so the test takes seconds whatever the options are.
 */
async function lstmTrainings(fn: () => Promise<unknown>): Promise<LstmOptions[]> {
  const original = LstmForecaster.prototype.fit;
  const seen: LstmOptions[] = [];
  LstmForecaster.prototype.fit = function (this: LstmForecaster) {
    seen.push(this.options);
    throw new Error('not trained in this test');
  };
  try {
    await fn();
  } finally {
    LstmForecaster.prototype.fit = original;
  }
  return seen;
}

describe('recommend: model options merge over the recommendation defaults', function () {
  this.timeout(120_000);
  const source = new DemoFleetDataSource({ workloads: 1, perNamespace: 1, days: 6, end: DEMO_END, context: 'unit-merge' });
  const trainings = (model: string, modelOptions?: RecommendRequest['modelOptions']) =>
    lstmTrainings(() => recommendFromSource(source, { model, ...(modelOptions ? { modelOptions } : {}), globalLstm: { enabled: false } }));
  const sizes = (runs: LstmOptions[]) => [...new Set(runs.map((o) => `${o.epochs} epochs, ${o.maxWindows} windows`))];

  it('without options: the defaults (8 epochs, 256 windows)', async () => {
    assert.deepEqual(forecastDefaults('fused').modelOptions, { lstm: { epochs: '8', maxWindows: '256' } });
    const runs = await trainings('fused');
    assert.ok(runs.length >= 2, `the CPU and memory forecasts train an LSTM (${runs.length})`);
    assert.deepEqual(sizes(runs), ['8 epochs, 256 windows']);
  });

  it('one LSTM key (lstm.epochs=3): that key, the other defaults kept', async () => {
    assert.deepEqual(sizes(await trainings('fused', { lstm: { epochs: '3' } })), ['3 epochs, 256 windows']);
    assert.deepEqual(sizes(await trainings('lstm', { lstm: { epochs: '3' } })), ['3 epochs, 256 windows']);
  });

  it('only the fusion\'s weights (fused.prophet_weight=0.7): the LSTM keeps its defaults', async () => {
    assert.deepEqual(sizes(await trainings('fused', { fused: { prophet_weight: '0.7' } })), ['8 epochs, 256 windows']);
  });

  it('a key spelt as the LSTM reads it (max_windows, MAXWINDOWS) replaces the default of that key', async () => {
    assert.deepEqual(sizes(await trainings('fused', { lstm: { max_windows: '64' } })), ['8 epochs, 64 windows']);
    assert.deepEqual(recommendModelOptions('fused', { lstm: { MAXWINDOWS: '64' } }), { lstm: { epochs: '8', MAXWINDOWS: '64' } });
  });

  it('the merged options: per model, given keys over the defaults; no defaults for prophet', () => {
    assert.deepEqual(recommendModelOptions('fused', { lstm: { epochs: '3' }, fused: { prophet_weight: '0.7' } }),
      { lstm: { epochs: '3', maxWindows: '256' }, fused: { prophet_weight: '0.7' } });
    assert.deepEqual(recommendModelOptions('fused', undefined), forecastDefaults('fused').modelOptions);
    assert.deepEqual(recommendModelOptions('prophet', { prophet: { changepoint_prior_scale: '0.1' } }), { prophet: { changepoint_prior_scale: '0.1' } });
    assert.equal(recommendModelOptions('prophet', undefined), undefined);
  });
});

describe('recommend: LSTM options a context\'s global LSTM does not use are named, not ignored', function () {
  this.timeout(120_000);
  // 6 workloads: from 5 on, -m fused|lstm forecasts with the context's global LSTM, which trains with its own settings.
  const source = new DemoFleetDataSource({ workloads: 6, perNamespace: 6, days: 6, end: DEMO_END, context: 'unit-global-keys' });
  class Stop extends Error {}
  /** The first global-model event of a run; the run is stopped there, before any training. */
  const firstEvent = async (req: RecommendRequest): Promise<GlobalModelEvent> => {
    let first: GlobalModelEvent | undefined;
    await assert.rejects(recommendFromSource(source, { ...req, onGlobalModel: (e) => { first ??= e; throw new Stop(); } }), Stop);
    return first!;
  };

  it('--set lstm.epochs=1 with 6 workloads: a warning naming the key, the context and how to use it', async () => {
    const e = await firstEvent({ model: 'fused', modelOptions: { lstm: { epochs: '1', max_windows: '64' }, fused: { prophet_weight: '0.7' } } });
    assert.equal(e.kind, 'warning');
    assert.match((e as { message: string }).message, /^--set lstm\.epochs, lstm\.max_windows not used for context "unit-global-keys": its 6 workloads share the context's global LSTM/);
  });

  it('the defaults spelt out, or only the fusion\'s weights: no warning', async () => {
    for (const modelOptions of [forecastDefaults('fused').modelOptions, { fused: { prophet_weight: '0.7' } }, { lstm: { MAXWINDOWS: '256' } }]) {
      const e = await firstEvent({ model: 'fused', modelOptions });
      assert.notEqual(e.kind, 'warning', JSON.stringify(e));
    }
  });
});
