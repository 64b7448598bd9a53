// The forecast view's reference recommendation (the one it draws when the store has none) is computed with the same model
// options as the store's (mora.fusion.prophetWeight with mora.forecastModel fused, src/views/recommend-settings.ts), so the
// webview's reference lines and the tree / CodeLenses agree. Plain Node: the extension's settings reader is a map here.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Rng } from '../../src/core/random';
import { series, type Series } from '../../src/core/series';
import type { Recommendation } from '../../src/core/recommendation';
import type { DataSource, MetricFrame, MetricTarget, TimeRange } from '../../src/data/datasource';
import { runLstmWithHoldout } from '../../src/ml/lstm/holdout-run';
import { saveModel } from '../../src/ml/lstm/persist';
import { savedSeriesModelPath, savedSeriesTrainingHistory } from '../../src/ml/lstm/saved-series';
import { recommendFromSource } from '../../src/pipeline/recommend';
import { downsample } from '../../src/rightsizing/engine/forecast-choice';
import { buildForecastView, DEFAULT_FORECAST_VIEW_OPTIONS, type PanelRunner } from '../../src/views/forecast-model';
import { recommendSettings } from '../../src/views/recommend-settings';
import { inTempDir } from './helpers/temp-dir';
import { DAY, END, STEP, apiWorkload } from './helpers/forecast-view-fixture';

/** Small networks for the saved models, so the LSTM member takes part in the fusion without a long training. */
const LSTM = { units1: 8, units2: 4, dense: 4, epochs: 2, maxWindows: 64, seed: 5 };

const workload = apiWorkload;

/**
 * Six days of daily-seasonal CPU and memory with noise about as large as the daily swing: Prophet, the LSTM and the
 * seasonal baseline validate within 2× of each other, so the fusion keeps all three and the Prophet prior moves its
 * forecast (on a clean series one member is dropped and the prior has nothing to weigh).
 */
class NoisySource implements DataSource {
  readonly kind = 'demo' as const;
  async contexts() { return ['test']; }
  async namespaces() { return ['ns']; }
  async workloads() { return [workload]; }
  async health() { return { ok: true, message: 'noisy' }; }
  async historyRange(_t: MetricTarget): Promise<TimeRange> { return { from: END - 6 * DAY, to: END, step: STEP }; }
  async metrics(_t: MetricTarget, range: TimeRange): Promise<MetricFrame> {
    const rng = new Rng(3);
    const n = Math.floor((range.to - range.from) / range.step);
    const t = new Float64Array(n), cpu = new Float64Array(n), mem = new Float64Array(n), ready = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      t[i] = range.from + i * range.step;
      const day = Math.sin((2 * Math.PI * (t[i] % DAY)) / DAY);
      cpu[i] = Math.max(0, 0.15 + 0.05 * day + 0.04 * rng.normal());
      mem[i] = 300 * 2 ** 20 + 20 * 2 ** 20 * day + 15 * 2 ** 20 * rng.normal();
      ready[i] = 3;
    }
    return { t, step: range.step, values: { cpu_usage: cpu, memory_working_set: mem, ready_replicas: ready } };
  }
}

/** The panels are not what this test checks: none are run, only the reference recommendation. */
const noPanels: PanelRunner = async () => ({ panels: [], notes: [] });

const settingsFor = (prophetWeight: number) => recommendSettings(<T>(key: string, fallback: T): T => {
  const values: Record<string, unknown> = { forecastModel: 'fused', 'fusion.prophetWeight': prophetWeight };
  return (key in values ? values[key] : fallback) as T;
});

describe('forecast view: its reference recommendation uses mora.fusion.prophetWeight as the store does', function () {
  this.timeout(180_000);
  const source = new NoisySource();
  const w = workload;

  /** Saves CPU and memory LSTMs for the container as Train Models does, so the fused forecasts have an LSTM member to weigh. */
  async function saveModels(root: string): Promise<void> {
    const range = await source.historyRange({ workload: w });
    const f = await source.metrics({ workload: w, container: w.containers[0].name }, range);
    const train = (s: Series) => runLstmWithHoldout(s, 192, LSTM).model.toJSON();
    const cpu: Series = savedSeriesTrainingHistory(downsample(series(f.t, f.values.cpu_usage!), 900, 'cpu'));
    const memory: Series = savedSeriesTrainingHistory(downsample(series(f.t, f.values.memory_working_set!), 900, 'memory'));
    saveModel(savedSeriesModelPath(root, w, w.containers[0].name, 'cpu_usage'), train(cpu));
    saveModel(savedSeriesModelPath(root, w, w.containers[0].name, 'memory_working_set'), train(memory));
  }

  /** As the recommendation store computes it (recommendation-store.ts: recommendationSettings() spread into the request). */
  async function storeRecommendation(prophetWeight: number, savedLstmRoot: string): Promise<Recommendation> {
    const runs = await recommendFromSource(source, {
      context: w.context, namespace: w.namespace, workload: `${w.namespace}/${w.kind}/${w.name}`, ...settingsFor(prophetWeight), savedLstmRoot,
    });
    assert.equal(runs.length, 1);
    return runs[0].recommendation;
  }

  /** As the forecast panel builds its base options (forecast-panel.ts phase1), the store having no recommendation. */
  async function viewRecommendation(prophetWeight: number, savedLstmRoot: string): Promise<Recommendation> {
    const settings = settingsFor(prophetWeight);
    const { recommendation } = await buildForecastView(source, w, w.containers[0].name, {
      ...DEFAULT_FORECAST_VIEW_OPTIONS, policy: settings.policy, model: settings.model, modelOptions: settings.modelOptions, savedLstmRoot, panelRunner: noPanels,
    });
    assert.ok(recommendation, 'the view computed a reference recommendation');
    return recommendation;
  }

  it('with prophetWeight 0.9: the store\'s recommendation, not the default 0.4 one', () => inTempDir(async (dir) => {
    const root = join(dir, 'models');
    await saveModels(root);
    const [view09, store09, store04] = [await viewRecommendation(0.9, root), await storeRecommendation(0.9, root), await storeRecommendation(0.4, root)];
    assert.notDeepEqual(store09, store04, 'the weight changes the store\'s fused recommendation (else this test shows nothing)');
    assert.deepEqual(view09, store09, 'the view draws the recommendation the tree and the CodeLenses show');
    assert.deepEqual(await viewRecommendation(0.4, root), store04, 'and with the default weight, the default one');
  }));
});
