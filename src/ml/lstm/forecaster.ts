/**
 * The LSTM forecaster: fits MOrA's LstmNet on windows of one series and forecasts the horizon chunk by chunk.
 *
 * Output strategy: each pass predicts the next `chunk` steps at once (direct multi-output); horizons longer than a chunk
 * feed the predictions back as history (recursive over chunks). docs/LSTM.md gives the measurements behind the default.
 * Bands: 90% from the validation residuals of each step of a chunk (normal quantile 1.645), widened by √(chunk index)
 * for later chunks.
 */
import { medianStep, type Series } from '../../core/series';
import type { FittedModel, Forecast, Forecaster, ForecastOptions } from '../forecast-types';
import {
  UNIVARIATE_FEATURES, baselineAt, despike, fitMinMax, observedWindowEnds, regularize, seasonPeriod, spikeFence, univariateStep, univariateWindows, type MinMax, type Regular,
} from './features';
import { LstmNet, type LossKind, type LstmNetConfig } from './net';
import { train, type EpochReport, type TrainResult } from './train';
import { MODEL_FORMAT, moraVersion, decodeWeights, encodeWeights, assertCompatible } from './persist';
import { historyFloor } from '../history-floor';

export interface LstmOptions {
  steps: number;
  units1: number;
  units2: number;
  dense: number;
  dropout: number;
  /** Steps predicted per pass. */
  chunk: number;
  /** Training loss (docs/LSTM.md § Training has the measurement behind the default). */
  loss: LossKind;
  epochs: number;
  patience: number;
  batchSize: number;
  learningRate: number;
  /** Most recent training windows kept (bounds training time on long histories). */
  maxWindows: number;
  validationFraction: number;
  seed: number;
  onEpoch?: (e: EpochReport) => void;
  isCancelled?: () => boolean;
}

export const DEFAULT_LSTM_OPTIONS: LstmOptions = {
  steps: 30, units1: 64, units2: 32, dense: 16, dropout: 0.2, chunk: 30, loss: 'mae',
  epochs: 30, patience: 4, batchSize: 32, learningRate: 1e-3, maxWindows: 1024, validationFraction: 0.2, seed: 42,
};

export interface LstmValidation {
  /** MAE of the first chunk on the validation windows, original units. */
  mae: number;
  /** Seasonal-naive MAE (period one day; last value when the history is too short) on the same windows: the bar to clear. */
  baselineMae: number;
  /** Residual standard deviation for each step of a chunk. */
  residualStd: number[];
  windows: number;
}

export interface LstmState {
  format: number;
  moraVersion: string;
  kind: 'mora-lstm';
  features: readonly string[];
  config: LstmNetConfig;
  chunk: number;
  period: number;
  step: number;
  scaler: MinMax;
  /** The training window: first and last timestamp of the history the model was fitted on. */
  trainedOn: { from: number; to: number; points: number };
  /**
   * Regularised tail of the history the forecast continues from. `last`: the history's last sample when it is not the
   * grid's last point (jittered timestamps: the grid counts from the first sample), the forecast is stamped from it.
   */
  tail: { t0: number; v: number[]; last?: number };
  /** Every training value was ≥ 0 (usage, bytes, counts): forecasts and bands are floored at 0. */
  nonNegative?: boolean;
  /**
   * Set when the history went below 0 only as noise (history-floor.ts): its lowest value, where forecasts and bands are
   * floored instead. Absent: 0 with `nonNegative`, else no floor.
   */
  floor?: number;
  /** Windows left out of training and validation because they lie on a filled gap (observedWindowEnds); absent when none. */
  filledWindows?: number;
  validation: LstmValidation;
  epochs: number;
  weights: string[];
}

export class LstmForecaster implements Forecaster {
  readonly name = 'lstm';
  readonly options: LstmOptions;
  constructor(options: Partial<LstmOptions> = {}) {
    this.options = { ...DEFAULT_LSTM_OPTIONS, ...options };
  }

  /**
   * Trains on the windows of `history` put on its step's grid. `given.filled[i]` = 1 marks sample i as a filled point (a
   * history already on a grid: core/series.ts onRegularGrid's mask); with the gaps regularize fills itself, those points
   * are no data: windows whose targets or last input lie on them, or most of whose inputs do, are left out
   * (features.ts observedWindowEnds) — unless fewer than the minimum of 9 would be left, when all are kept as before.
   */
  fit(history: Series, given: { filled?: ArrayLike<number> } = {}): LstmModel {
    const o = this.options;
    const step = medianStep(history);
    if (!(step > 0)) throw new Error('lstm: need at least two samples with increasing timestamps');
    const r = regularize(history, step, given.filled);
    const n = r.v.length;
    const period = seasonPeriod(step, n, o.steps);
    const first = period > 0 ? period + o.steps - 1 : o.steps;
    // The led seasonal lag needs chunk ≤ period; the last `chunk` window steps carry it, so chunk ≤ steps too.
    const chunk = Math.max(1, Math.min(o.chunk, o.steps, period > 0 ? period : o.chunk, Math.floor((n - first) / 4)));
    const last = n - 1 - chunk;
    if (last - first < 8) {
      throw new Error(`lstm: history too short (${n} points): need at least ${first + chunk + 9} regular steps for ${o.steps}-step windows`);
    }
    const all: number[] = [];
    for (let e = first; e <= last; e++) all.push(e);
    // Windows on a filled gap teach a straight line: left out while enough others remain.
    const observed = observedWindowEnds(all, r.mask, o.steps, chunk, period);
    const ends = observed.length >= 9 ? observed : all;
    const nVal = Math.max(2, Math.round(ends.length * o.validationFraction));
    let valEnds = ends.slice(ends.length - nVal);
    // Training targets end before the first validation target: no leakage across the split.
    let trainEnds = ends.filter((e) => e + chunk < valEnds[0] + 1);
    if (trainEnds.length < 4) trainEnds = ends.slice(0, ends.length - nVal);
    // Long histories: evenly spaced windows over the whole training part (counted back from the most recent), so the
    // model sees every day and weekday at the cost of `maxWindows` windows per epoch.
    trainEnds = spread(trainEnds, o.maxWindows);
    valEnds = spread(valEnds, Math.max(64, Math.floor(o.maxWindows / 2)));
    const trainEndIdx = trainEnds[trainEnds.length - 1] + chunk;
    // Isolated extremes (a scrape glitch of 1e12) replaced before the scaler is fitted: the fence is the training part's.
    despike(r.v, spikeFence(r.v, 0, trainEndIdx + 1), Math.round(86400 / step));
    const scaler = fitMinMax(r.v, 0, trainEndIdx + 1);

    const config: LstmNetConfig = {
      inputSize: UNIVARIATE_FEATURES.length, steps: o.steps, units1: o.units1, units2: o.units2, dense: o.dense, outputs: chunk, dropout: o.dropout, loss: o.loss,
    };
    const net = new LstmNet(config, o.seed);
    const trainSet = univariateWindows(r, trainEnds, o.steps, chunk, period, scaler);
    const valSet = univariateWindows(r, valEnds, o.steps, chunk, period, scaler);
    const result: TrainResult = train(net, trainSet, valSet, {
      epochs: o.epochs, batchSize: o.batchSize, learningRate: o.learningRate, patience: o.patience, seed: o.seed,
      onEpoch: o.onEpoch, isCancelled: o.isCancelled,
    });
    if (result.cancelled) throw new Error('lstm: training cancelled');

    // Validation in original units, against the baseline the targets are relative to (target 0 = baseline).
    const pred = net.predict(valSet.x, valSet.n);
    const range = scaler.max - scaler.min;
    let err = 0, base = 0;
    const sq = new Float64Array(chunk);
    for (let i = 0; i < valSet.n; i++) {
      for (let h = 0; h < chunk; h++) {
        const d = (pred[i * chunk + h] - valSet.y[i * chunk + h]) * range;
        err += Math.abs(d); sq[h] += d * d;
        const k = valEnds[i] + 1 + h;
        let j = k - (period || 1);
        while (j > valEnds[i]) j -= period || 1;
        base += Math.abs(r.v[k] - r.v[j]);
      }
    }
    const count = valSet.n * chunk;
    const validation: LstmValidation = {
      mae: err / count, baselineMae: base / count, residualStd: Array.from(sq, (s) => Math.sqrt(s / valSet.n)), windows: valSet.n,
    };
    const keep = Math.min(n, Math.max(o.steps, period) + o.steps + chunk);
    const state: LstmState = {
      format: MODEL_FORMAT, moraVersion: moraVersion(), kind: 'mora-lstm', features: UNIVARIATE_FEATURES, config, chunk, period, step,
      scaler, trainedOn: { from: history.t[0], to: history.t[history.t.length - 1], points: history.t.length },
      tail: tailOf(r, keep, history), ...floorState(r.v),
      ...(ends.length < all.length ? { filledWindows: all.length - ends.length } : {}),
      validation, epochs: result.history.length, weights: encodeWeights(net.getWeights()),
    };
    return new LstmModel(state, net, result);
  }
}

export class LstmModel implements FittedModel {
  constructor(readonly state: LstmState, private readonly net: LstmNet, readonly training?: TrainResult) {}

  static fromJSON(json: unknown): LstmModel {
    const s = json as LstmState;
    assertCompatible(s);
    const net = new LstmNet(s.config);
    net.setWeights(decodeWeights(s.weights));
    return new LstmModel(s, net);
  }

  get validation(): LstmValidation { return this.state.validation; }

  /** The same trained network continuing from a newer history (e.g. trained on all but a holdout, forecasting after it). */
  withHistory(history: Series): LstmModel {
    const { config, period, step } = this.state;
    const r = regularize(history, step);
    despike(r.v, spikeFence(r.v), Math.round(86400 / step));
    const n = r.v.length;
    const keep = Math.max(config.steps, period) + config.steps + this.state.chunk;
    if (n < keep) throw new Error(`lstm: need ${keep} regular steps of history to forecast, got ${n}`);
    // The floor is the history's it continues from (a value below 0 in the newer points counts).
    const { floor: _floor, ...state } = this.state;
    return new LstmModel({ ...state, tail: tailOf(r, keep, history), ...floorState(r.v) }, this.net, this.training);
  }

  predict(options: ForecastOptions): Forecast {
    const { config, chunk, period, step, scaler, tail } = this.state;
    const H = Math.max(0, Math.floor(options.horizon));
    const v = tail.v.slice();
    const start = v.length;
    const range = scaler.max - scaler.min;
    const D = config.inputSize, T = config.steps;
    const x = new Float32Array(T * D);
    for (let known = start; known < start + H; known += chunk) {
      const end = known - 1;
      for (let j = 0; j < T; j++) {
        const k = end - T + 1 + j;
        univariateStep(v, k, tail.t0 + k * step, period, chunk, scaler, x, j * D);
      }
      const out = this.net.predict(x, 1);
      const floor = stateFloor(this.state);
      // A usage series that never went below 0 cannot (nor far below its lowest value when it went below 0 only as noise):
      // an MSE-trained net pulled toward a spiky series' mean can say so.
      for (let h = 0; h < chunk; h++) v[known + h] = Math.max(floor, baselineAt(v, known) + out[h] * range);
    }
    const t = new Float64Array(H), mean = new Float64Array(H), lower = new Float64Array(H), upper = new Float64Array(H);
    const sd = this.state.validation.residualStd;
    for (let i = 0; i < H; i++) {
      // From the last sample, as Prophet's forecast is (the values are the grid's; only the stamps move).
      t[i] = tail.last !== undefined ? tail.last + (i + 1) * step : tail.t0 + (start + i) * step;
      mean[i] = v[start + i];
      const w = 1.645 * sd[i % chunk] * Math.sqrt(Math.floor(i / chunk) + 1);
      lower[i] = Math.max(stateFloor(this.state), mean[i] - w);
      upper[i] = mean[i] + w;
    }
    return { t, mean, lower, upper, intervalWidth: 0.9 };
  }

  toJSON(): LstmState { return this.state; }
}

/** `nonNegative` and, for a history below 0 only as noise, `floor` (history-floor.ts) of the values `v`. */
function floorState(v: ArrayLike<number>): Pick<LstmState, 'nonNegative' | 'floor'> {
  const floor = historyFloor(v);
  return floor < 0 && floor > -Infinity ? { nonNegative: false, floor } : { nonNegative: floor === 0 };
}

/** The level an LSTM's forecast and band stop at (LstmState.floor, nonNegative). */
function stateFloor(s: LstmState): number {
  return s.floor !== undefined && Number.isFinite(s.floor) ? s.floor : s.nonNegative ? 0 : -Infinity;
}

/** The last `keep` grid points of `r`, and the history's last sample when the grid ends elsewhere (LstmState.tail). */
function tailOf(r: Regular, keep: number, history: Series): LstmState['tail'] {
  const n = r.v.length, gridEnd = r.t0 + (n - 1) * r.step, last = history.t[history.t.length - 1];
  return { t0: r.t0 + (n - keep) * r.step, v: Array.from(r.v.subarray(n - keep)), ...(Math.abs(last - gridEnd) > 1e-6 * r.step ? { last } : {}) };
}


/** At most `max` of `ends`, evenly spaced and counted back from the most recent. */
export function spread(ends: number[], max: number): number[] {
  if (ends.length <= max) return ends;
  const stride = ends.length / max;
  const out: number[] = [];
  for (let i = 0; i < max; i++) out.push(ends[ends.length - 1 - Math.floor(i * stride)]);
  return out.reverse();
}
