// `recommendFromSource` with `savedLstmRoot` (the extension's Recommend, its tree, CodeLenses and hovers with
// mora.forecastModel fused): a container's CPU and memory forecasts run the LSTM "MOrA: Train Models" saved for them — the
// model Show Forecast uses — when it fits the series by the same rules (src/ml/lstm/saved-series.ts); a refused model, or
// none saved, leaves the fusion without its LSTM (Prophet and the baseline) and the evidence says why. Never a training:
// no per-series LSTM, no global LSTM trained or refreshed.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { series, type Series } from '../../src/core/series';
import type { Workload } from '../../src/core/workload';
import type { DataSource, MetricTarget, TimeRange } from '../../src/data/datasource';
import { DemoFleetDataSource } from '../../src/data/demo/fleet';
import { DEMO_END } from '../../src/data/demo';
import { LstmForecaster } from '../../src/ml/lstm/forecaster';
import { LstmWorkerPool } from '../../src/ml/worker/pool';
import { runLstmWithHoldout } from '../../src/ml/lstm/holdout-run';
import { saveModel } from '../../src/ml/lstm/persist';
import { savedSeriesModelPath, savedSeriesTrainingHistory } from '../../src/ml/lstm/saved-series';
import { recommendFromSource, type RecommendRequest } from '../../src/pipeline/recommend';
import { downsample } from '../../src/rightsizing/engine/forecast-choice';
import { inTempDir } from './helpers/temp-dir';

const DAY = 86400;
/** Small networks, so the per-series trainings this test counts take well under a second each. */
const LSTM = { units1: 8, units2: 4, dense: 4, epochs: 2, maxWindows: 64, seed: 5 };
const MODEL_OPTIONS: RecommendRequest['modelOptions'] = { lstm: Object.fromEntries(Object.entries(LSTM).map(([k, v]) => [k, String(v)])) };

/** Calls of LstmForecaster.fit while `fn` runs. */
async function fitsDuring<T>(fn: () => Promise<T>): Promise<{ value: T; fits: number }> {
  const original = LstmForecaster.prototype.fit;
  let fits = 0;
  LstmForecaster.prototype.fit = function (this: LstmForecaster, h: Series) { fits++; return original.call(this, h); };
  try {
    return { value: await fn(), fits };
  } finally {
    LstmForecaster.prototype.fit = original;
  }
}

describe('Recommend (fused) uses the LSTMs Train Models saved, under Show Forecast\'s rules', function () {
  this.timeout(180_000);
  const source = new DemoFleetDataSource({ workloads: 1, perNamespace: 1, days: 6, end: DEMO_END, context: 'unit-saved' });
  let w: Workload;
  let cpu: Series, memory: Series;
  before(async () => {
    [w] = await source.workloads('unit-saved', 'fleet-000');
    const range = await source.historyRange({ workload: w });
    const f = await source.metrics({ workload: w, container: w.containers[0].name }, range);
    // What Train Models trains on (pipeline-commands.ts): the panel series at 15 minutes, cut before the engine's checked
    // day (savedSeriesTrainingHistory), its last day held out.
    cpu = savedSeriesTrainingHistory(downsample(series(f.t, f.values.cpu_usage!), 900, 'cpu'));
    memory = savedSeriesTrainingHistory(downsample(series(f.t, f.values.memory_working_set!), 900, 'memory'));
    assert.ok(cpu.t[cpu.t.length - 1] < Math.floor(range.to / DAY) * DAY - DAY, 'cut before the engine\'s checked day');
  });
  const save = (root: string, metric: string, s: Series): void => {
    saveModel(savedSeriesModelPath(root, w, w.containers[0].name, metric), runLstmWithHoldout(s, 192, LSTM).model.toJSON());
  };
  const recommend = (root?: string) => fitsDuring(() => recommendFromSource(source, {
    model: 'fused', modelOptions: MODEL_OPTIONS, globalLstm: { enabled: false }, ...(root ? { savedLstmRoot: root } : {}),
  }));
  const notes = (runs: Awaited<ReturnType<typeof recommendFromSource>>, kind: 'cpu' | 'memory'): string[] =>
    runs[0].details[0][kind]?.evidence.notes ?? [];

  it('a saved CPU and memory model is read and used, nothing trained, the evidence says so', () => inTempDir(async (dir) => {
    const root = join(dir, 'models');
    const before = await recommend();
    save(root, 'cpu_usage', cpu);
    save(root, 'memory_working_set', memory);
    const after = await recommend(root);
    assert.ok(before.fits >= 2, `without saved models the CPU and memory LSTMs are trained (${before.fits} fits)`);
    assert.equal(after.fits, 0, 'the saved CPU and memory models are used, the load forecast runs without an LSTM: no training');
    for (const kind of ['cpu', 'memory'] as const) {
      const n = notes(after.value, kind);
      assert.ok(n.some((x) => /^forecast: LSTM saved by Train Models \(trained on history to .+\), not retrained$/.test(x)), `${kind}: ${JSON.stringify(n)}`);
      assert.ok(!notes(before.value, kind).some((x) => /Train Models/.test(x)), 'no note without saved models');
    }
  }));

  it('a refused model (level changed, or trained on the fusion\'s holdout) is not used: no LSTM, no training, the evidence says why', () => inTempDir(async (dir) => {
    const root = join(dir, 'models');
    // CPU: a model saved on the series ×3 (the level changed since); memory: trained on the whole history, the days the
    // engine and the fusion score on included (what Train Models saved before it cut its history).
    save(root, 'cpu_usage', { t: cpu.t, v: cpu.v.map((x) => 3 * x) });
    const range = await source.historyRange({ workload: w });
    const f = await source.metrics({ workload: w, container: w.containers[0].name }, range);
    save(root, 'memory_working_set', downsample(series(f.t, f.values.memory_working_set!), 900, 'memory'));
    const after = await recommend(root);
    assert.equal(after.fits, 0, 'both refused: the fusion runs without an LSTM, none is trained in its place');
    assert.ok(notes(after.value, 'cpu').some((x) => /^forecast: the LSTM saved by Train Models was not used \(series level changed since Train Models.*\); fused ran without an LSTM \(Prophet and the seasonal baseline\)$/.test(x)), JSON.stringify(notes(after.value, 'cpu')));
    assert.ok(notes(after.value, 'memory').some((x) => /^forecast: the LSTM saved by Train Models was not used \(the saved model was trained on the days this forecast holds out.*\); fused ran without an LSTM/.test(x)), JSON.stringify(notes(after.value, 'memory')));
  }));

  it('two containers with identical series each get their own saved model (the engine says which container a forecast is of)', () => inTempDir(async (dir) => {
    // The workload with a second container, "twin", whose metrics are the first one's, sample for sample: its series
    // cannot tell the two apart, only the container named with the forecast can.
    const first = w.containers[0].name;
    const twinned: Workload = { ...w, containers: [...w.containers, { ...w.containers[0], name: 'twin' }] };
    const twins: DataSource = {
      kind: 'demo',
      contexts: () => source.contexts(),
      namespaces: (ctx) => source.namespaces(ctx),
      workloads: async (ctx, ns) => (await source.workloads(ctx, ns)).map((x) => (x.name === w.name ? twinned : x)),
      historyRange: (target: MetricTarget) => source.historyRange({ ...target, workload: w }),
      metrics: (target: MetricTarget, range: TimeRange) => source.metrics({ workload: w, container: target.container === 'twin' ? first : target.container }, range),
      health: () => source.health(),
    };
    const root = join(dir, 'models');
    const run = (withRoot: boolean) => fitsDuring(() => recommendFromSource(twins, {
      model: 'fused', modelOptions: MODEL_OPTIONS, globalLstm: { enabled: false }, ...(withRoot ? { savedLstmRoot: root } : {}),
    }));
    const before = await run(false);
    // Both memory models fit; the first container's CPU model fits, the twin's was saved at ×3 the level and is refused.
    const mem = runLstmWithHoldout(memory, 192, LSTM).model.toJSON();
    saveModel(savedSeriesModelPath(root, twinned, first, 'memory_working_set'), mem);
    saveModel(savedSeriesModelPath(root, twinned, 'twin', 'memory_working_set'), mem);
    saveModel(savedSeriesModelPath(root, twinned, first, 'cpu_usage'), runLstmWithHoldout(cpu, 192, LSTM).model.toJSON());
    saveModel(savedSeriesModelPath(root, twinned, 'twin', 'cpu_usage'), runLstmWithHoldout({ t: cpu.t, v: cpu.v.map((x) => 3 * x) }, 192, LSTM).model.toJSON());
    const after = await run(true);
    const of = (runs: typeof after.value, container: string, kind: 'cpu' | 'memory'): string[] =>
      runs[0].details.find((d) => d.container === container)?.[kind]?.evidence.notes ?? [];
    assert.deepEqual(before.value[0].details.map((d) => d.container), [first, 'twin']);
    const used = /^forecast: LSTM saved by Train Models \(trained on history to .+\), not retrained$/;
    for (const [container, kind] of [[first, 'cpu'], [first, 'memory'], ['twin', 'memory']] as const) {
      assert.ok(of(after.value, container, kind).some((x) => used.test(x)), `${container} ${kind}: ${JSON.stringify(of(after.value, container, kind))}`);
    }
    assert.ok(of(after.value, 'twin', 'cpu').some((x) => /^forecast: the LSTM saved by Train Models was not used \(series level changed since Train Models/.test(x)), JSON.stringify(of(after.value, 'twin', 'cpu')));
    assert.ok(!of(after.value, first, 'cpu').some((x) => /saved by Train Models was not used/.test(x)), JSON.stringify(of(after.value, first, 'cpu')));
    assert.ok(before.fits >= 4, `without the saved models' folder the four CPU and memory LSTMs are trained (${before.fits} fits)`);
    assert.equal(after.fits, 0, 'three saved models used, the refused one leaves its fusion without an LSTM: no training');
  }));
});

describe('Recommend (fused) in the editor trains no LSTM: saved models or none', function () {
  this.timeout(180_000);
  // GLOBAL_LSTM_MIN_WORKLOADS workloads in one context: the CLI's fused would train (or refresh) the context's global
  // LSTM for them, and the store's one-workload runs would train an LSTM per series.
  const fleet = new DemoFleetDataSource({ workloads: 5, perNamespace: 5, days: 6, end: DEMO_END, context: 'unit-editor' });

  /** Calls of the two training entry points (per-series fit, the global model's trainGlobal) while `fn` runs. */
  async function trainingsDuring<T>(fn: () => Promise<T>): Promise<{ value: T; fits: number; global: number }> {
    const trainGlobal = LstmWorkerPool.prototype.trainGlobal;
    let global = 0;
    // Counted and refused at once (the global training would take minutes): a refusal still counts as an attempt.
    LstmWorkerPool.prototype.trainGlobal = function () {
      global++;
      const result = Promise.reject(new Error('trainGlobal called in a test that forbids it'));
      result.catch(() => undefined);
      return { result, cancel: () => undefined };
    };
    try {
      const { value, fits } = await fitsDuring(fn);
      return { value, fits, global };
    } finally {
      LstmWorkerPool.prototype.trainGlobal = trainGlobal;
    }
  }

  it('with no saved model: no per-series or global training, fused runs on Prophet + the baseline, the evidence says to run Train Models', () => inTempDir(async (dir) => {
    const events: string[] = [];
    const request: RecommendRequest = {
      model: 'fused', modelOptions: MODEL_OPTIONS, savedLstmRoot: join(dir, 'models'),
      globalLstm: { cacheRoot: join(dir, 'cache') }, onGlobalModel: (e) => events.push(e.kind),
    };
    // The whole context at once (the CLI's fleet path) and one workload (how the store asks).
    const all = await trainingsDuring(() => recommendFromSource(fleet, request));
    const [first] = await fleet.workloads('unit-editor', 'fleet-000');
    const one = await trainingsDuring(() => recommendFromSource(fleet, { ...request, workload: first.name }));
    assert.equal(all.value.length, 5);
    assert.equal(one.value.length, 1);
    for (const r of [all, one]) {
      assert.deepEqual({ fits: r.fits, global: r.global }, { fits: 0, global: 0 }, 'no LSTM trained');
      for (const run of r.value) {
        for (const d of run.details) {
          for (const kind of ['cpu', 'memory'] as const) {
            const n = d[kind]?.evidence.notes ?? [];
            assert.ok(n.includes('forecast: no LSTM saved for this container: run MOrA: Train Models; fused ran without an LSTM (Prophet and the seasonal baseline)'), `${run.recommendation.workload.name}/${d.container} ${kind}: ${JSON.stringify(n)}`);
          }
        }
      }
    }
    assert.deepEqual(events, [], 'the global LSTM is neither trained, refreshed nor read from the cache');
  }));
});
