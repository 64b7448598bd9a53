/**
 * A global LSTM: ONE network trained on windows pooled from many series (a cluster's workloads), each series seen through
 * its own scaling, so the shapes the workloads share are learnt once and every series keeps its own level and size.
 *
 * Per-series scaling: each series is standardised by its own training part — centre = median, scale = mean absolute
 * deviation from the median (robust to bursts; falls back to the range, then to 1, for flat series) — after its isolated
 * extremes are replaced (features.ts `despike`: a glitch of 1e12 would otherwise set the mean deviation). The network sees
 * the same 6 features per step as the per-series LSTM (UNIVARIATE_FEATURES: value, time of day, day of week, the value one
 * day earlier led by the chunk) with the value and lag standardised that way, and predicts the change from the last value
 * in units of the series' scale. No per-series identity or scale feature: standardisation makes a series and any
 * multiple of it identical inputs, which is what lets the model forecast a series it never saw (zero shot) at a scale it
 * never saw; a scale feature would break that (docs/LSTM.md § Global model).
 *
 * Training reuses MOrA's kernels (net.ts) and loop (train.ts) at large batches (256 by default), at most
 * `windowsPerSeries` windows per series (evenly spread over its training part), the last `validationFraction` of each
 * series' windows pooled for early stopping. `refresh` continues training the saved weights on new windows for a few
 * epochs (fine-tuning, not retraining); known series keep their scalers. Persisted as a TF.js LayersModel artefact
 * through persist.ts (`saveModel`/`loadModel`) with the scalers, feature list, window and version in MOrA's metadata.
 *
 * `globalLstmOverride` makes a trained global model the `lstm` member of the fusion (ForecastRequest.overrides), so
 * fusion, fallback, anchor and confidence run unchanged. The per-series LSTM (forecaster.ts, models.ts) is untouched.
 */
import { clean, medianStep, observedValues, onRegularGrid, type Series } from '../../core/series';
import type { Forecast } from '../forecast-types';
import type { ModelRun, ResolvedRequest } from '../forecast-model';
import { UNIVARIATE_FEATURES, baselineAt, despike, observedWindowEnds, regularize, seasonPeriod, spikeFence, univariateStep, univariateWindows, type MinMax, type Regular } from './features';
import { spread, type LstmOptions } from './forecaster';
import { holdoutSplit, mae, stampedFrom, type Holdout } from './holdout-run';
import { LstmNet, type LstmNetConfig } from './net';
import { MODEL_FORMAT, assertCompatible, decodeWeights, encodeWeights, loadModel, moraVersion, saveModel } from './persist';
import { evaluate, train, type TrainResult, type WindowSet } from './train';
import { historyFloor } from '../history-floor';

export const GLOBAL_KIND = 'mora-lstm-global';

export class GlobalLstmError extends Error {
  constructor(message: string) { super(message); this.name = 'ForecastInputError'; }
}

/** The per-series LSTM's network and training options, with the pool's window budget in place of `maxWindows`. */
export interface GlobalLstmOptions extends Omit<LstmOptions, 'maxWindows'> {
  /** Training windows kept per series (evenly spread, counted back from the most recent). */
  windowsPerSeries: number;
}

export const DEFAULT_GLOBAL_OPTIONS: GlobalLstmOptions = {
  steps: 30, units1: 64, units2: 32, dense: 16, dropout: 0.2, chunk: 30, loss: 'mae',
  epochs: 12, patience: 3, batchSize: 256, learningRate: 2e-3, windowsPerSeries: 64, validationFraction: 0.2, seed: 42,
};

/** A refresh continues training the saved weights: a few epochs, a lower rate, fewer windows per series. */
export type RefreshOptions = Pick<GlobalLstmOptions, 'epochs' | 'learningRate' | 'windowsPerSeries' | 'seed' | 'onEpoch' | 'isCancelled'>;

export const DEFAULT_REFRESH_OPTIONS: RefreshOptions = { epochs: 3, learningRate: 5e-4, windowsPerSeries: 16, seed: 43 };

/**
 * Per-series fine-tuning from the global weights (`fineTune`): a few epochs on ONE series' windows at a lower rate, early
 * stopping on that series' most recent windows, and the global weights kept when no epoch beats them there.
 */
export interface FineTuneOptions {
  epochs: number;
  learningRate: number;
  /** Training windows of the series (evenly spread, counted back from the most recent). */
  windows: number;
  batchSize: number;
  patience: number;
  seed: number;
}

export const DEFAULT_FINE_TUNE_OPTIONS: FineTuneOptions = { epochs: 4, learningRate: 5e-4, windows: 256, batchSize: 32, patience: 1, seed: 44 };

/** What a fine-tuned copy records (state.fineTuned): from which global version, on what, and whether it kept the global weights. */
export interface FineTuneSummary { series: string; from: number; windows: number; epochs: number; valBefore: number; valAfter: number; kept: 'tuned' | 'global' }

/** One series' scaling and grid, fitted on its training part. */
export interface SeriesScaler {
  /** Median of the training part. */
  center: number;
  /** Mean absolute deviation from the median (range, then 1, when that is 0). */
  scale: number;
  /** Seconds between samples. */
  step: number;
  /** Steps per day when the series is long enough for a daily lag, else 0 (lag = previous step). */
  period: number;
  /** Every training value was ≥ 0: forecasts and bands are floored at 0. */
  nonNegative: boolean;
  /** The history went below 0 only as noise (history-floor.ts): forecasts and bands are floored at this, its lowest value. */
  floor?: number;
  /** Last timestamp the scaler was fitted to. */
  to: number;
}

export interface GlobalLstmState {
  format: number;
  moraVersion: string;
  kind: typeof GLOBAL_KIND;
  /** 1 when trained, +1 per refresh. */
  version: number;
  features: readonly string[];
  config: LstmNetConfig;
  chunk: number;
  /** Per-series scalers by series id. */
  scalers: Record<string, SeriesScaler>;
  /** Pooled validation, in units of each series' scale. */
  validation: { mae: number; baselineMae: number; residualStd: number[]; windows: number };
  /** `filledWindows`: windows left out because they lie on a filled gap (features.ts observedWindowEnds); absent when none. */
  trainedOn: { series: number; windows: number; epochs: number; to: number; filledWindows?: number };
  refreshes: Array<{ series: number; windows: number; epochs: number; to: number; filledWindows?: number }>;
  /** Set on a per-series copy made by `fineTune` (its `scalers` then hold that series only). */
  fineTuned?: FineTuneSummary;
  weights: string[];
}

export type SeriesPool = ReadonlyArray<{ id: string; series: Series }>;

/** The series cleaned (NaN and non-finite dropped) and regularised, with a clear error for what cannot be used. */
function prepareSeries(id: string, s: Series, steps: number, chunk: number, minWindows: number): { r: Regular; step: number; period: number; last: number } {
  if (!s || !s.t || s.t.length === 0) throw new GlobalLstmError(`global lstm: series "${id}" is empty`);
  const { series: c, dropped } = clean(s);
  if (c.t.length < 2) {
    throw new GlobalLstmError(`global lstm: series "${id}" has ${c.t.length} usable point(s) of ${s.t.length}${dropped ? ` (${dropped} NaN or non-finite dropped)` : ''}; need at least ${steps + chunk + minWindows}`);
  }
  const step = medianStep(c);
  if (!(step > 0)) throw new GlobalLstmError(`global lstm: series "${id}": cannot infer a step from its timestamps`);
  const r = regularize(c, step);
  const period = seasonPeriod(step, r.v.length, steps);
  if (period > 0 && period < chunk) {
    throw new GlobalLstmError(`global lstm: series "${id}" has ${period} steps per day, fewer than the model's chunk of ${chunk}; use a chunk ≤ ${period}`);
  }
  return { r, step, period, last: c.t[c.t.length - 1] };
}

/** The level a series' forecast and band stop at (SeriesScaler.floor, nonNegative). */
function scalerFloor(s: SeriesScaler): number {
  return s.floor !== undefined && Number.isFinite(s.floor) ? s.floor : s.nonNegative ? 0 : -Infinity;
}

function fitScaler(v: ArrayLike<number>, to: number, step: number, period: number, lastT: number): SeriesScaler {
  const a = Float64Array.from({ length: to }, (_, i) => v[i]).sort();
  const center = a[Math.floor(a.length / 2)];
  let dev = 0;
  for (let i = 0; i < a.length; i++) dev += Math.abs(a[i] - center);
  dev /= a.length;
  const range = a[a.length - 1] - a[0];
  let scale = dev;
  if (!(scale > 1e-3 * range) || !Number.isFinite(scale)) scale = range;
  if (!(scale > 0) || !Number.isFinite(scale)) scale = Math.max(Math.abs(center), 1);
  return { center, scale, step, period, nonNegative: a[0] >= 0, to: lastT };
}

/** The scaler as the min/max form the shared feature code takes: (x − center) / scale. */
const asMinMax = (s: SeriesScaler): MinMax => ({ min: s.center, max: s.center + s.scale });

/** Window end indices of one series: first usable..last with a full target, split train/validation in time. */
function windowEnds(n: number, steps: number, period: number, chunk: number, validationFraction: number): { trainEnds: number[]; valEnds: number[] } | undefined {
  const first = period > 0 ? period + steps - 1 : steps;
  const last = n - 1 - chunk;
  if (last - first < 8) return undefined;
  const ends: number[] = [];
  for (let e = first; e <= last; e++) ends.push(e);
  const nVal = Math.max(1, Math.round(ends.length * validationFraction));
  const valEnds = validationFraction > 0 ? ends.slice(ends.length - nVal) : [];
  let trainEnds = valEnds.length ? ends.filter((e) => e + chunk < valEnds[0] + 1) : ends;
  if (trainEnds.length < 4) trainEnds = ends.slice(0, Math.max(1, ends.length - valEnds.length));
  return { trainEnds, valEnds };
}

interface Pooled { train: WindowSet; val: WindowSet; scalers: Record<string, SeriesScaler>; windows: number; to: number; filledWindows: number }

function concat(parts: WindowSet[], steps: number, D: number, O: number): WindowSet {
  const n = parts.reduce((s, p) => s + p.n, 0);
  const x = new Float32Array(n * steps * D), y = new Float32Array(n * O);
  let r = 0;
  for (const p of parts) { x.set(p.x.subarray(0, p.n * steps * D), r * steps * D); y.set(p.y.subarray(0, p.n * O), r * O); r += p.n; }
  return { x, y, n };
}

const filledOf = (p: Pooled): { filledWindows?: number } => (p.filledWindows > 0 ? { filledWindows: p.filledWindows } : {});

/** Windows from every series of the pool, each scaled by its scaler (`keep` ones reused, the others fitted). */
function poolWindows(pool: SeriesPool, steps: number, chunk: number, perSeries: number, validationFraction: number, keep: Record<string, SeriesScaler> = {}): Pooled {
  if (!Array.isArray(pool) || pool.length === 0) throw new GlobalLstmError('global lstm: no series to train on');
  const D = UNIVARIATE_FEATURES.length;
  const trains: WindowSet[] = [], vals: WindowSet[] = [];
  const scalers: Record<string, SeriesScaler> = {};
  const seen = new Set<string>();
  let to = -Infinity, filledWindows = 0;
  for (const { id, series } of pool) {
    if (seen.has(id)) throw new GlobalLstmError(`global lstm: series id "${id}" appears twice in the pool`);
    seen.add(id);
    const { r, step, period } = prepareSeries(id, series, steps, chunk, 9);
    const n = r.v.length;
    const split = windowEnds(n, steps, period, chunk, validationFraction);
    if (!split) {
      throw new GlobalLstmError(`global lstm: series "${id}" is too short (${n} regular steps): need at least ${(period > 0 ? period + steps : steps) + chunk + 9} for ${steps}-step windows and a ${chunk}-step target`);
    }
    // Windows on a gap the grid filled with a straight line teach the pool that series continue in straight lines (as
    // for one series, forecaster.ts): left out while enough others remain.
    const lag = keep[id]?.period ?? period;
    const observed = (ends: number[], least: number): number[] => {
      const kept = observedWindowEnds(ends, r.mask, steps, chunk, lag);
      return kept.length >= least ? kept : ends;
    };
    const trainObserved = observed(split.trainEnds, 9), valObserved = observed(split.valEnds, 1);
    filledWindows += split.trainEnds.length - trainObserved.length + split.valEnds.length - valObserved.length;
    const trainEnds = spread(trainObserved, perSeries);
    const valEnds = spread(valObserved, Math.max(1, Math.ceil(perSeries / 4)));
    const lastT = r.t0 + (n - 1) * step;
    // Isolated extremes replaced before scaling (features.ts `despike`, fence from the training part): one glitch of 1e12
    // would otherwise inflate the series' scale and put windows of ±1e8 scaled units into the pool.
    despike(r.v, spikeFence(r.v, 0, split.trainEnds[split.trainEnds.length - 1] + chunk + 1), Math.round(86400 / step));
    // A known series keeps its scaler and the lag it was trained with.
    scalers[id] = keep[id] ? { ...keep[id], to: lastT } : fitScaler(r.v, split.trainEnds[split.trainEnds.length - 1] + chunk + 1, step, period, lastT);
    to = Math.max(to, lastT);
    trains.push(univariateWindows(r, trainEnds, steps, chunk, scalers[id].period, asMinMax(scalers[id])));
    if (valEnds.length) vals.push(univariateWindows(r, valEnds, steps, chunk, scalers[id].period, asMinMax(scalers[id])));
  }
  const train = concat(trains, steps, D, chunk), val = concat(vals, steps, D, chunk);
  return { train, val, scalers, windows: train.n, to, filledWindows };
}

/** Pooled validation in scaled units: MAE, seasonal-naive-free baseline (hold the last value), per-step residual std. */
function validate(net: LstmNet, val: WindowSet, chunk: number): GlobalLstmState['validation'] {
  if (val.n === 0) return { mae: NaN, baselineMae: NaN, residualStd: new Array<number>(chunk).fill(0), windows: 0 };
  const pred = net.predict(val.x, val.n);
  let err = 0, base = 0;
  const sq = new Float64Array(chunk);
  for (let i = 0; i < val.n * chunk; i++) {
    const d = pred[i] - val.y[i];
    err += Math.abs(d); base += Math.abs(val.y[i]); sq[i % chunk] += d * d;
  }
  const count = val.n * chunk;
  return { mae: err / count, baselineMae: base / count, residualStd: Array.from(sq, (s) => Math.sqrt(s / val.n)), windows: val.n };
}

/** Trains one network on windows pooled from every series of `pool`. */
export function trainGlobalLstm(pool: SeriesPool, options: Partial<GlobalLstmOptions> = {}): GlobalLstmModel {
  const o = { ...DEFAULT_GLOBAL_OPTIONS, ...options };
  const chunk = Math.max(1, Math.min(o.chunk, o.steps));
  const pooled = poolWindows(pool, o.steps, chunk, o.windowsPerSeries, o.validationFraction);
  const config: LstmNetConfig = {
    inputSize: UNIVARIATE_FEATURES.length, steps: o.steps, units1: o.units1, units2: o.units2, dense: o.dense, outputs: chunk, dropout: o.dropout, loss: o.loss,
  };
  const net = new LstmNet(config, o.seed);
  const result = train(net, pooled.train, pooled.val.n ? pooled.val : undefined, {
    epochs: o.epochs, batchSize: o.batchSize, learningRate: o.learningRate, patience: o.patience, seed: o.seed, onEpoch: o.onEpoch, isCancelled: o.isCancelled, threads: 'auto',
  });
  if (result.cancelled) throw new Error('global lstm: training cancelled');
  const state: GlobalLstmState = {
    format: MODEL_FORMAT, moraVersion: moraVersion(), kind: GLOBAL_KIND, version: 1, features: UNIVARIATE_FEATURES, config, chunk,
    scalers: pooled.scalers, validation: validate(net, pooled.val, chunk),
    trainedOn: { series: pool.length, windows: pooled.windows, epochs: result.history.length, to: pooled.to, ...filledOf(pooled) }, refreshes: [],
    weights: encodeWeights(net.getWeights()),
  };
  return new GlobalLstmModel(state, net, result);
}

/** How a forecast scales each series: by default its stored scaler (known id) or one fitted to the whole history given. */
export interface ForecastScaling {
  /** Scale every series by its last `recentDays` days instead (at least the model's input span). */
  recentDays?: number;
}

export interface GlobalForecastItem {
  /** The series' id in the pool; unknown or absent = zero shot (scaled by this history). */
  id?: string;
  history: Series;
}

export class GlobalLstmModel {
  constructor(readonly state: GlobalLstmState, private readonly net: LstmNet, readonly training?: TrainResult) {}

  static fromJSON(json: unknown): GlobalLstmModel {
    const s = json as GlobalLstmState;
    assertCompatible(s, GLOBAL_KIND);
    const net = new LstmNet(s.config);
    net.setWeights(decodeWeights(s.weights));
    return new GlobalLstmModel(s, net);
  }

  get version(): number { return this.state.version; }
  get seriesIds(): string[] { return Object.keys(this.state.scalers); }
  weights(): Float32Array[] { return this.net.getWeights(); }
  toJSON(): GlobalLstmState { return this.state; }

  /** The forecast of one series from the end of `history` (see forecastMany). */
  forecast(history: Series, horizon: number, id?: string, options: ForecastScaling = {}): Forecast {
    return this.forecastMany([{ id, history }], horizon, options)[0];
  }

  /**
   * Forecasts of many series at once, chunk by chunk (all series' windows in one batch per chunk): each known id is
   * scaled by its stored scaler, any other history by a scaler fitted to it (zero shot). 90% bands from the pooled
   * validation residuals in scaled units × the series' scale, widened by √(chunk index).
   */
  forecastMany(items: readonly GlobalForecastItem[], horizon: number, options: ForecastScaling = {}): Forecast[] {
    const { config, chunk } = this.state;
    const H = Math.max(0, Math.floor(horizon));
    const T = config.steps, D = config.inputSize;
    const prepared = items.map(({ id, history }, i) => {
      const name = id ?? `#${i}`;
      const prep = prepareSeries(name, history, T, chunk, 0);
      const { r, step, period } = prep;
      despike(r.v, spikeFence(r.v), Math.round(86400 / step));
      const known = id !== undefined ? this.state.scalers[id] : undefined;
      if (known && Math.abs(known.step - step) > 1e-6 * step) {
        throw new GlobalLstmError(`global lstm: series "${name}" has a ${step} s step; it was trained at ${known.step} s`);
      }
      const p = known ? known.period : period;
      const need = Math.max(T, p) + T;
      if (r.v.length < need) throw new GlobalLstmError(`global lstm: series "${name}" needs ${need} regular steps of history to forecast, got ${r.v.length}`);
      const lastT = r.t0 + (r.v.length - 1) * step;
      let scaler = known ?? fitScaler(r.v, r.v.length, step, period, lastT);
      if (options.recentDays && options.recentDays > 0) {
        // Scaled by the recent context (as DeepAR scales by its context window): a level the series moved to lately stays in range.
        const k = Math.min(r.v.length, Math.max(need, Math.round((options.recentDays * 86400) / step)));
        const recent = fitScaler(Array.from({ length: k }, (_, j) => r.v[r.v.length - k + j]), k, step, p, lastT);
        scaler = { ...recent, period: p, nonNegative: known ? known.nonNegative : scaler.nonNegative };
      }
      // The floor of the history being forecast (history-floor.ts), never above the trained one: a series below 0 only
      // as noise keeps its forecast near its lowest value instead of draining below it. Either one without a floor
      // (−Infinity) leaves the other's.
      const seen = historyFloor(r.v), trained = scalerFloor(scaler);
      const lowest = seen === -Infinity ? trained : trained === -Infinity ? seen : Math.min(seen, trained);
      if (lowest !== trained) scaler = { ...scaler, nonNegative: lowest === 0, ...(lowest < 0 ? { floor: lowest } : {}) };
      // Stamped from the history's last sample, as the per-series LSTM's and Prophet's forecasts are: the grid counts from
      // the first sample and, for jittered timestamps, ends up to half a step from the last one.
      const gridEnd = r.t0 + (r.v.length - 1) * step;
      const from = Math.abs(prep.last - gridEnd) > 1e-6 * step ? prep.last : undefined;
      return { r, step, period: p, scaler, v: Array.from(r.v), start: r.v.length, from };
    });
    const N = prepared.length;
    const x = new Float32Array(N * T * D);
    for (let done = 0; done < H; done += chunk) {
      prepared.forEach((p, i) => {
        const end = p.start + done - 1;
        for (let j = 0; j < T; j++) {
          const k = end - T + 1 + j;
          univariateStep(p.v, k, p.r.t0 + k * p.step, p.period, chunk, asMinMax(p.scaler), x, (i * T + j) * D);
        }
      });
      const out = N ? this.net.predict(x, N) : new Float32Array(0);
      prepared.forEach((p, i) => {
        const known = p.start + done;
        const floor = scalerFloor(p.scaler);
        const base = baselineAt(p.v, known);
        for (let h = 0; h < chunk; h++) p.v[known + h] = Math.max(floor, base + out[i * chunk + h] * p.scaler.scale);
      });
    }
    const sd = this.state.validation.residualStd;
    return prepared.map((p) => {
      const t = new Float64Array(H), mean = new Float64Array(H), lower = new Float64Array(H), upper = new Float64Array(H);
      for (let i = 0; i < H; i++) {
        t[i] = p.from !== undefined ? p.from + (i + 1) * p.step : p.r.t0 + (p.start + i) * p.step;
        mean[i] = p.v[p.start + i];
        const w = 1.645 * (sd[i % chunk] || 0) * p.scaler.scale * Math.sqrt(Math.floor(i / chunk) + 1);
        lower[i] = Math.max(scalerFloor(p.scaler), mean[i] - w);
        upper[i] = mean[i] + w;
      }
      return { t, mean, lower, upper, intervalWidth: 0.9 };
    });
  }

  /**
   * A copy fine-tuned on ONE series from this model's weights (this model is left untouched): `options.epochs` epochs on
   * up to `options.windows` of the series' windows, early stopping on its most recent 20% (best weights restored); when
   * no epoch beats the global weights on those windows the copy keeps the global weights (`fineTuned.kept = 'global'`).
   * The series is scaled by its stored scaler when `id` is a pool member, else by a scaler fitted to it. Train it on the
   * history before anything it will be scored on (globalLstmOverride fine-tunes on the fusion's fit part).
   */
  fineTune(series: Series, id?: string, options: Partial<FineTuneOptions> = {}): GlobalLstmModel {
    const o = { ...DEFAULT_FINE_TUNE_OPTIONS, ...options };
    const { config, chunk } = this.state;
    const key = id ?? '#series';
    const keep = id !== undefined && this.state.scalers[id] ? { [key]: this.state.scalers[id] } : {};
    const pooled = poolWindows([{ id: key, series }], config.steps, chunk, o.windows, 0.2, keep);
    const net = new LstmNet(config, o.seed);
    net.setWeights(this.net.getWeights());
    const valBefore = pooled.val.n ? evaluate(net, pooled.val) : NaN;
    const result = train(net, pooled.train, pooled.val.n ? pooled.val : undefined, {
      epochs: o.epochs, batchSize: o.batchSize, learningRate: o.learningRate, patience: o.patience, seed: o.seed,
    });
    // Only an improvement on the series' own recent windows replaces the global weights.
    const tuned = !(result.bestValLoss >= valBefore);
    if (!tuned) net.setWeights(this.net.getWeights());
    const state: GlobalLstmState = {
      ...this.state, scalers: { [key]: pooled.scalers[key] },
      fineTuned: { series: key, from: this.state.version, windows: pooled.windows, epochs: result.history.length, valBefore, valAfter: tuned ? result.bestValLoss : valBefore, kept: tuned ? 'tuned' : 'global' },
      weights: encodeWeights(net.getWeights()),
    };
    return new GlobalLstmModel(state, net, result);
  }

  /**
   * Fine-tunes a copy of this model on the pool's windows (new days, new series) for a few epochs from the current
   * weights instead of retraining: known series keep their scalers, new series get theirs; version + 1.
   */
  refresh(pool: SeriesPool, options: Partial<RefreshOptions> = {}): GlobalLstmModel {
    const o = { ...DEFAULT_REFRESH_OPTIONS, ...options };
    const { config, chunk } = this.state;
    const pooled = poolWindows(pool, config.steps, chunk, o.windowsPerSeries, 0.2, this.state.scalers);
    const net = new LstmNet(config, o.seed);
    net.setWeights(this.net.getWeights());
    const result = train(net, pooled.train, pooled.val.n ? pooled.val : undefined, {
      epochs: o.epochs, batchSize: 256, learningRate: o.learningRate, patience: o.epochs, seed: o.seed, onEpoch: o.onEpoch, isCancelled: o.isCancelled,
    });
    if (result.cancelled) throw new Error('global lstm: refresh cancelled');
    const scalers = { ...this.state.scalers };
    for (const [id, s] of Object.entries(pooled.scalers)) scalers[id] = this.state.scalers[id] ? { ...this.state.scalers[id], to: Math.max(this.state.scalers[id].to, s.to) } : s;
    const state: GlobalLstmState = {
      ...this.state, moraVersion: moraVersion(), version: this.state.version + 1, scalers, validation: validate(net, pooled.val, chunk),
      refreshes: [...this.state.refreshes, { series: pool.length, windows: pooled.windows, epochs: result.history.length, to: pooled.to, ...filledOf(pooled) }],
      weights: encodeWeights(net.getWeights()),
    };
    return new GlobalLstmModel(state, net, result);
  }
}

/** Saves a global model as a TF.js LayersModel artefact (`path` = its model.json; scalers, features, window, version in MOrA's metadata). */
export function saveGlobalLstm(path: string, model: GlobalLstmModel): void {
  saveModel(path, model.toJSON());
}

export function loadGlobalLstm(path: string): GlobalLstmModel {
  return GlobalLstmModel.fromJSON(loadModel(path));
}

/**
 * The global model as the `lstm` member of a forecast request (`ForecastRequest.overrides.lstm`): the fused model then
 * weighs it exactly as it weighs the per-series LSTM. Its holdout score is the forecast of the last min(horizon, one day,
 * 20%) points from the history before them — honest only when the model was trained without them (bench:fleet trains on
 * each series minus that holdout, as the per-series LSTM is). The same holdout picks the series' scaling (GLOBAL_SCALING);
 * the run's `fitted` says which (`scaling`, `scalingChoice`: each candidate's holdout MAE).
 */
export interface GlobalOverrideOptions {
  /** Fine-tune a per-series copy (GlobalLstmModel.fineTune) on the history before the holdout first. */
  fineTune?: Partial<FineTuneOptions> | false;
  /**
   * Score the model on this many consecutive holdout windows ending at the origin (default 1, as the per-series LSTM):
   * a global forecast costs no training, so a steadier multi-day score is cheap — honest only when the model was trained
   * on the history before all of them.
   */
  holdoutWindows?: number;
  /**
   * The 'recent' scaling's window: the series' last this many days (ForecastScaling.recentDays), the holdout's the days
   * before it; default GLOBAL_RECENT_DAYS. 0 = the stored scaling only (as `scaling: 'stored'`).
   */
  recentDays?: number;
  /** How the member scales each series (GlobalScaling); default GLOBAL_SCALING. */
  scaling?: GlobalScaling;
}

/**
 * 'recent': by the series' last `recentDays` days. 'stored': by its stored scaler (its training part), or zero shot by
 * its whole history. 'holdout': both are scored on the member's holdout window(s) and the one with the lower MAE makes
 * the forecast (a tie keeps 'recent').
 */
export type GlobalScaling = 'recent' | 'stored' | 'holdout';

/**
 * The 'recent' scaling's window (GlobalScaling): the series' last week rather than its whole training part: a series whose
 * level moved lately (a NAB instance stepping from ~34% to ~99% CPU) or whose training part holds rare huge bursts
 * (bitbrains_34: bursts 90 MADs high) otherwise feeds the network inputs far outside what it was trained on. Chosen on
 * Bitbrains CPU (7 vs 14 days: 0.5626 vs 0.5627 fused MASE; 3 days 0.568); docs/BENCHMARKS.md § bench:fleet, run F.
 */
export const GLOBAL_RECENT_DAYS = 7;

/**
 * Neither scaling is right for every series: the last week is right when the level or spread moved lately or old bursts
 * inflate the whole-history spread (bitbrains_34 CPU, NAB ac20cd), the whole history when the last week is a quiet stretch
 * of a series that moves by steps (bitbrains_420 memory: recent-scaled fused 1.116 vs 0.983 stored). Which one holds is a
 * property of the series now, so the member's own holdout — the days just before the forecast, which neither scaling nor
 * the model was fitted on — picks it per series: a choice between two scalings with a reason each, no tuned constant.
 * docs/BENCHMARKS.md § bench:fleet, "Choosing the scaling per series on the holdout".
 */
export const GLOBAL_SCALING: GlobalScaling = 'holdout';

export function globalLstmOverride(model: GlobalLstmModel, id?: string, options: GlobalOverrideOptions = {}): (history: Series, request: ResolvedRequest) => Promise<ModelRun> {
  return (history, request) => {
    const t0 = performance.now();
    const cleaned = clean(history).series;
    const grid = onRegularGrid(cleaned), full = grid.series;
    const { fitPart, points, step } = holdoutSplit(full, request.horizon);
    const n = full.v.length;
    // Scored on the observed points only, as the per-series LSTM's holdout (holdout-run.ts): a gap's straight line is no data.
    const observed = observedValues(full.v, grid.mask);
    let W = 1;
    // Each window needs the history before it to forecast from (the model's own check names what is missing).
    while (W < Math.max(1, Math.floor(options.holdoutWindows ?? 1)) && n - (W + 1) * points >= Math.max(2 * points, n / 2)) W++;
    const before = (d: number): Series => ({ t: full.t.subarray(0, n - d * points), v: full.v.subarray(0, n - d * points) });
    // Fine-tuned on the history before every holdout window, so the fusion's holdout score stays honest.
    const m = options.fineTune ? model.fineTune(W > 1 ? before(W) : fitPart, id, options.fineTune) : model;
    const key = m.state.fineTuned?.series ?? id;
    const t1 = performance.now();
    const recentDays = options.recentDays ?? GLOBAL_RECENT_DAYS;
    const mode: GlobalScaling = recentDays > 0 ? options.scaling ?? GLOBAL_SCALING : 'stored';
    const actual = full.v.subarray(n - points);
    // The member's holdout score under one scaling (each window forecast from the history before it, scaled by it alone).
    const scored = (sc: ForecastScaling): Holdout => {
      const hv = m.forecast(fitPart, points, key, sc);
      const holdout: Holdout = { points, t: Array.from(hv.t), actual: Array.from(actual), mean: Array.from(hv.mean), mae: mae(hv.mean, observed.subarray(n - points)) };
      if (W > 1) {
        holdout.windowMaes = [holdout.mae];
        for (let d = 2; d <= W; d++) holdout.windowMaes.push(mae(m.forecast(before(d), points, key, sc).mean, observed.subarray(n - d * points, n - (d - 1) * points)));
        holdout.mae = holdout.windowMaes.reduce((a, b) => a + b, 0) / W;
      }
      return holdout;
    };
    const candidates: Array<{ scaling: 'recent' | 'stored'; sc: ForecastScaling }> = [];
    if (mode !== 'stored') candidates.push({ scaling: 'recent', sc: { recentDays } });
    if (mode !== 'recent') candidates.push({ scaling: 'stored', sc: { recentDays: 0 } });
    const runs = candidates.map((c) => ({ ...c, holdout: scored(c.sc) }));
    // Only a strictly lower, finite holdout MAE replaces the first candidate ('recent'); a NaN score never wins.
    const best = runs.reduce((a, b) => (Number.isFinite(b.holdout.mae) && !(a.holdout.mae <= b.holdout.mae) ? b : a));
    // Stamped from the last sample, as the per-series LSTM's and Prophet's forecasts are (holdout-run.ts stampedFrom): the
    // network's grid counts from the first sample and can end up to half a step from the last one.
    const forecast = stampedFrom(m.forecast(full, request.horizon, key, best.sc), cleaned.t[cleaned.t.length - 1], step);
    const scalingChoice = runs.length > 1 ? Object.fromEntries(runs.map((r) => [r.scaling, r.holdout.mae])) : null;
    return Promise.resolve({
      model: 'lstm', forecast,
      fitted: {
        kind: GLOBAL_KIND, version: model.version, series: id ?? null, scaler: key ? m.state.scalers[key] ?? null : null,
        scaling: best.scaling, recentDays: best.sc.recentDays ?? 0, scalingChoice, fineTuned: m.state.fineTuned ?? null, holdout: best.holdout,
      },
      timings: { fitMs: t1 - t0, predictMs: performance.now() - t1 },
    });
  };
}

/**
 * The `lstm` registry entry's `global` option (`--set lstm.global=<model.json> [--set lstm.series=<id>]`): the run of a
 * saved global model instead of training a per-series LSTM — the series' stored scaler when `series` names a pool member,
 * zero shot otherwise. A missing or incompatible file is the input's fault (ForecastInputError), said as one line.
 */
export async function runSavedGlobalLstm(path: string, seriesId: string | undefined, history: Series, request: ResolvedRequest): Promise<ModelRun> {
  let model: GlobalLstmModel;
  try {
    model = loadGlobalLstm(path);
  } catch (e) {
    throw new GlobalLstmError(`lstm.global: cannot use "${path}" as a global LSTM: ${(e as Error).message}`);
  }
  if (seriesId !== undefined && !model.state.scalers[seriesId]) {
    throw new GlobalLstmError(`lstm.series: "${seriesId}" is not in the global model's pool (${Object.keys(model.state.scalers).length} series); omit it to forecast zero shot`);
  }
  return globalLstmOverride(model, seriesId)(history, request);
}
