// mora.fusion.prophetWeight: the forecast view's fusion takes the Prophet prior it is given (the LSTM gets the rest), on
// the calling thread and in the worker pool, where the extension hands the setting to the pool (read per job).
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_FUSION } from '../../src/ml/fusion';
import { LstmWorkerPool } from '../../src/ml/worker/pool';
import { forecastPanels, fusionModelOptions, panelHistory, PANELS, type LstmRunResult, type PanelsResult } from '../../src/views/forecast-panels';
import { DEFAULT_FORECAST_VIEW_OPTIONS, inProcessPanels } from '../../src/views/forecast-model';
import { recommendSettings, settingsChangeRecomputes } from '../../src/views/recommend-settings';
import { forecastDefaults } from '../../src/pipeline/recommend';
import { panelFrame } from '../harness/panel-frame';

const options = { bucket: 1800, horizonHours: 24, seed: 7, lstmPanels: ['cpu' as const] };
const frame = panelFrame(11);

/**
 * An LSTM result for the CPU panel as a trained member brings it: the day before yesterday repeated (a level the history
 * shows, apart from Prophet's), scored on the fusion's holdout (the last day) as that same rule would have forecast it.
 */
function cpuLstm(): LstmRunResult {
  const history = panelHistory(PANELS[0], frame, options.bucket)!;
  const horizon = (options.horizonHours * 3600) / options.bucket;
  const n = history.v.length, last = history.t[n - 1];
  const mean = Float64Array.from({ length: horizon }, (_, i) => history.v[n - 96 + (i % 48)]);
  const actual = Array.from(history.v.subarray(n - 48));
  const holdoutMean = Array.from(history.v.subarray(n - 144, n - 96));
  const mae = actual.reduce((s, x, i) => s + Math.abs(x - holdoutMean[i]), 0) / 48;
  const holdout = { points: 48, t: Array.from(history.t.subarray(n - 48)), actual, mean: holdoutMean, mae };
  return { forecast: { t: Float64Array.from({ length: horizon }, (_, i) => last + (i + 1) * options.bucket), mean, lower: mean.map((x) => x * 0.9), upper: mean.map((x) => x * 1.1), intervalWidth: 0.9 }, holdout };
}

/** The CPU panel's fused weights in percent, from its note ("fused = prophet 21%, lstm 32%, baseline (…) 47%"). */
function cpuWeights(r: PanelsResult): Record<string, number> {
  const note = r.notes.find((n) => n.startsWith('CPU (per pod): fused = '));
  assert.ok(note, `a CPU fusion note in ${JSON.stringify(r.notes)}`);
  return Object.fromEntries([...note.matchAll(/(prophet|lstm|baseline)[^,]*? (\d+)%/g)].map((m) => [m[1], Number(m[2])]));
}
const fusedMean = (r: PanelsResult) => r.panels[0].runs.find((x) => x.model === 'fused')!.mean;

describe('mora.fusion.prophetWeight: the fusion\'s Prophet prior in the forecast view', function () {
  this.timeout(60000);
  const lstm = cpuLstm();
  const run = (prophetWeight?: number) => forecastPanels(frame, { ...options, lstm: async () => lstm, prophetWeight });

  it('a larger weight gives Prophet more of the blend and the LSTM less, and moves the fused forecast toward Prophet', async () => {
    const [byDefault, low, high] = await Promise.all([run(), run(0.2), run(0.9)]);
    const [d, l, h] = [byDefault, low, high].map(cpuWeights);
    for (const w of [d, l, h]) assert.deepEqual(Object.keys(w).sort(), ['baseline', 'lstm', 'prophet'], 'both models kept, anchored on the baseline');
    assert.deepEqual(await run(0.4).then(cpuWeights), d, '0.4 is the default');
    assert.ok(l.prophet < d.prophet && d.prophet < h.prophet, `prophet's share grows with the weight: ${JSON.stringify([l, d, h])}`);
    assert.ok(l.lstm > d.lstm && d.lstm > h.lstm, `the LSTM's shrinks: ${JSON.stringify([l, d, h])}`);
    const prophet = high.panels[0].runs.find((x) => x.model === 'prophet')!.mean;
    const gap = (r: PanelsResult) => fusedMean(r).reduce((s, x, i) => s + Math.abs(x - prophet[i]), 0);
    assert.ok(gap(high) < gap(byDefault) && gap(byDefault) < gap(low), 'the fused forecast nears Prophet\'s as its weight grows');
  });

  it('a value outside [0, 1] is clamped, as VS Code only warns about it; not a number: the default', () => {
    assert.deepEqual(fusionModelOptions(1.5), { fused: { prophet_weight: '1', lstm_weight: '0' } });
    assert.deepEqual(fusionModelOptions(-1), { fused: { prophet_weight: '0', lstm_weight: '1' } });
    assert.equal(fusionModelOptions('0.7'), undefined);
    assert.equal(fusionModelOptions(undefined), undefined);
  });

  it('in the worker pool: a job without a weight takes the pool\'s (the setting), read when each job is submitted', async () => {
    let setting: number | undefined = 0.9;
    const pool = new LstmWorkerPool({ size: 1, workerFile: join(__dirname, '../../src/ml/worker/main.ts'), prophetWeight: () => setting });
    try {
      const trained = { kind: 'trained' as const, results: { cpu: lstm } };
      const here = (w?: number) => run(w).then(cpuWeights);
      assert.deepEqual(cpuWeights(await pool.viewPanels(frame, options, trained).result), await here(0.9));
      setting = 0.2;
      assert.deepEqual(cpuWeights(await pool.viewPanels(frame, options, trained).result), await here(0.2));
      setting = undefined;
      assert.deepEqual(cpuWeights(await pool.viewPanels(frame, options, trained).result), await here());
      assert.notDeepEqual(await here(0.9), await here(0.2));
    } finally {
      await pool.close();
    }
  });

  it('without a worker pool (the view\'s in-process fallback): the setting weighs the fusion too, the same fused line as the pool\'s', async () => {
    let setting: number | undefined = 0;
    // As the extension calls it when dist/worker.js is missing: the view's options (no weight of their own) and the setting.
    const fallback = inProcessPanels(() => setting);
    const viewOptions = { ...DEFAULT_FORECAST_VIEW_OPTIONS, ...options, lstm: async () => lstm };
    const here = () => fallback({ ...frame, step: 300 }, viewOptions);
    const pool = new LstmWorkerPool({ size: 1, workerFile: join(__dirname, '../../src/ml/worker/main.ts'), prophetWeight: () => setting });
    try {
      const trained = { kind: 'trained' as const, results: { cpu: lstm } };
      const atZero = await here();
      assert.deepEqual(fusedMean(atZero), fusedMean(await pool.viewPanels(frame, options, trained).result), 'weight 0: the pool\'s fused line');
      setting = 1;
      const atOne = await here();
      assert.deepEqual(fusedMean(atOne), fusedMean(await pool.viewPanels(frame, options, trained).result), 'weight 1: the pool\'s fused line');
      assert.notDeepEqual(fusedMean(atZero), fusedMean(atOne), 'the weight moves the fused line');
      assert.ok(cpuWeights(atOne).prophet > cpuWeights(atZero).prophet, `${JSON.stringify(cpuWeights(atZero))} → ${JSON.stringify(cpuWeights(atOne))}`);
      // The view's own weight, when it has one, wins over the setting (as in the pool's jobs).
      assert.deepEqual(fusedMean(await fallback({ ...frame, step: 300 }, { ...viewOptions, prophetWeight: 0 })), fusedMean(atZero));
    } finally {
      await pool.close();
    }
  });
});

describe('mora.fusion.prophetWeight also weighs the editor\'s fused recommendations', () => {
  const settingsFor = (values: Record<string, unknown>) =>
    recommendSettings(<T>(key: string, fallback: T): T => (key in values ? values[key] as T : fallback));

  it('with mora.forecastModel fused the weight reaches the model options, on the recommendation defaults', () => {
    const settings = settingsFor({ forecastModel: 'fused', 'fusion.prophetWeight': 0.9 });
    assert.equal(settings.model, 'fused');
    assert.deepEqual(settings.modelOptions, { ...forecastDefaults('fused').modelOptions, fused: { prophet_weight: '0.9', lstm_weight: '0.09999999999999998' } });
    // package.json's default (0.4) gives the fusion's own weights, so the defaults' numbers do not change.
    const byDefault = settingsFor({ forecastModel: 'fused', 'fusion.prophetWeight': 0.4 });
    assert.deepEqual(byDefault.modelOptions?.fused, { prophet_weight: '0.4', lstm_weight: '0.6' });
    assert.deepEqual(DEFAULT_FUSION.weights, { prophet: 0.4, lstm: 0.6 });
  });

  it('other models and an unset weight get no model options (the model\'s defaults)', () => {
    for (const values of [{ forecastModel: 'prophet', 'fusion.prophetWeight': 0.9 }, { 'fusion.prophetWeight': 0.9 }, { forecastModel: 'fused' }]) {
      assert.ok(!('modelOptions' in settingsFor(values)), JSON.stringify(values));
    }
  });

  it('a change recomputes the recommendations with mora.forecastModel fused, and only then', () => {
    const fusion = (section: string) => section === 'mora.fusion' || section === 'mora';
    assert.equal(settingsChangeRecomputes(fusion, () => 'fused'), true);
    assert.equal(settingsChangeRecomputes(fusion, () => 'Fused'), true);
    for (const model of ['none', 'prophet', undefined]) assert.equal(settingsChangeRecomputes(fusion, () => model), false, String(model));
    // The others recompute whatever the model; an unrelated setting does not.
    assert.equal(settingsChangeRecomputes((s) => s === 'mora.risk', () => 'none'), true);
    assert.equal(settingsChangeRecomputes((s) => s === 'mora.defaultNamespace', () => 'fused'), false);
  });

  it('the description says so and names the CLI option', () => {
    const props = (JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8')) as { contributes: { configuration: { properties: Record<string, { description: string }> } } })
      .contributes.configuration.properties;
    const description = props['mora.fusion.prophetWeight'].description;
    assert.doesNotMatch(description, /Show Forecast only|do not use the fused forecast/);
    assert.match(description, /weighs the recommendations in the tree, CodeLenses and hovers when mora\.forecastModel is fused, and a change recomputes them/);
    assert.match(description, /--set fused\.prophet_weight=/);
  });
});
