/**
 * The workload LSTM of MOrA's seed design: windows of 30 steps × 14 features (the 12 service metrics, the load level
 * and the replica count) → the next `horizon` steps of three targets at once, cpu_target, memory_target and
 * replica_target (one network, 3 × horizon outputs). The targets carry the recommendation layer's buffering
 * (docs/LSTM.md § Workload model), so the peak of a forecast target is directly a request or a replica count.
 *
 * Same kernels, training loop and persistence rules as the univariate forecaster: min-max scaling fitted on the
 * training part only, chronological train/validation split, early stopping, seeded.
 */
import { METRIC_NAMES } from '../../core/metrics';
import type { MetricFrame } from '../../data/datasource';
import { fitMinMax, scale, unscale, windowsFromColumns, type MinMax } from './features';
import { DEFAULT_LSTM_OPTIONS, spread, type LstmOptions } from './forecaster';
import { LstmNet, type LstmNetConfig } from './net';
import { assertCompatible, decodeWeights, encodeWeights, MODEL_FORMAT, moraVersion } from './persist';
import { train } from './train';

export const WORKLOAD_FEATURES = [...METRIC_NAMES, 'load_level', 'replicas'] as const;
export const WORKLOAD_TARGETS = ['cpu_target', 'memory_target', 'replica_target'] as const;
export type WorkloadTarget = (typeof WORKLOAD_TARGETS)[number];

/** How usage becomes a target: the recommendation layer's margins and the HPA's target utilisation. */
export interface TargetBuffering {
  /** Extra fraction on CPU (0.15 = +15%). */
  cpuMargin: number;
  memoryMargin: number;
  /** Utilisation of the CPU request a replica should run at (0..1]. */
  targetCpuUtilization: number;
  /** The CPU request per pod the replica target is computed against (cores). */
  cpuRequest: number;
}

/** The univariate forecaster's architecture and training settings; `horizon` steps of each target instead of its chunk. */
export interface WorkloadModelOptions extends Omit<LstmOptions, 'chunk'> {
  horizon: number;
}

const { chunk: _chunk, ...SHARED_DEFAULTS } = DEFAULT_LSTM_OPTIONS;
// Squared loss, as measured when the model was built; the absolute loss that serves the univariate forecaster was not
// measured to help here (demo services at a one-hour horizon: neither adds to the recent level). `loss: 'mae'` is honoured.
export const DEFAULT_WORKLOAD_MODEL_OPTIONS: WorkloadModelOptions = { ...SHARED_DEFAULTS, loss: 'mse', horizon: 12 };

export interface TargetValidation {
  /** MAE over the validation windows, original units. */
  mae: number;
  /** MAE of persistence (the last known value held over the horizon) on the same windows: the bar to clear. */
  persistenceMae: number;
  /** MAE of the chosen recent level held over the horizon (what the network predicts changes from), same windows. */
  levelMae?: number;
}

export interface WorkloadModelState {
  format: number;
  moraVersion: string;
  kind: 'mora-workload-lstm';
  features: readonly string[];
  /** Features that were absent from the training frame (held at 0): a model trained without them says so. */
  missingFeatures: string[];
  targets: readonly WorkloadTarget[];
  buffering: TargetBuffering;
  config: LstmNetConfig;
  horizon: number;
  step: number;
  featureScalers: MinMax[];
  targetScalers: MinMax[];
  trainedOn: { from: number; to: number; points: number };
  validation: Record<WorkloadTarget, TargetValidation>;
  /**
   * Per target, how many recent samples the level the network predicts changes from is the mean of (1 = the last value).
   * Chosen on the training part; absent in models saved before it existed (= 1).
   */
  levelSteps?: number[];
  epochs: number;
  weights: string[];
}

/** Level candidates: the last value (persistence) or the mean of the last 3, 6 or 12 samples, which averages noise out. */
export const LEVEL_STEPS = [1, 3, 6, 12] as const;

/** Mean of target[end − m + 1 .. end] (as many as exist). */
export function levelAt(target: ArrayLike<number>, end: number, m: number): number {
  let s = 0, c = 0;
  for (let i = Math.max(0, end - m + 1); i <= end; i++) { s += target[i]; c++; }
  return s / c;
}

/** The level whose value held over the horizon forecast the windows ending at `ends` best (ties → fewer samples). */
export function chooseLevelSteps(target: ArrayLike<number>, ends: readonly number[], horizon: number): number {
  let best = 1, bestErr = Infinity;
  for (const m of LEVEL_STEPS) {
    let e = 0;
    for (const end of ends) {
      const level = levelAt(target, end, m);
      for (let h = 1; h <= horizon; h++) e += Math.abs(target[end + h] - level);
    }
    if (e < bestErr * (1 - 1e-9)) { best = m; bestErr = e; }
  }
  return best;
}

/**
 * The three targets per sample:
 * - cpu_target = cpu_usage × (1 + throttling ratio) × (1 + cpuMargin): throttled usage understates the demand;
 * - memory_target = max(working set, RSS) × (1 + memoryMargin);
 * - replica_target = ready_replicas × cpu_usage / (cpuRequest × targetCpuUtilization): the HPA formula before its ceil.
 */
export function buildTargets(frame: MetricFrame, b: TargetBuffering): Record<WorkloadTarget, Float64Array> {
  const n = frame.t.length;
  const v = frame.values;
  const cpu = new Float64Array(n), mem = new Float64Array(n), rep = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const c = v.cpu_usage?.[i] ?? NaN;
    const thr = v.cpu_throttling_ratio?.[i];
    const ws = v.memory_working_set?.[i] ?? NaN;
    const rss = v.memory_rss?.[i];
    const ready = v.ready_replicas?.[i] ?? 1;
    cpu[i] = c * (1 + (Number.isFinite(thr) ? thr! : 0)) * (1 + b.cpuMargin);
    mem[i] = Math.max(ws, Number.isFinite(rss) ? rss! : -Infinity) * (1 + b.memoryMargin);
    rep[i] = (ready * c * (1 + (Number.isFinite(thr) ? thr! : 0))) / (b.cpuRequest * b.targetCpuUtilization);
  }
  return { cpu_target: cpu, memory_target: mem, replica_target: rep };
}

/** Gaps are carried forward (then backward from the first value); an absent column is all zeros. */
function filled(src: Float64Array | undefined, n: number): Float64Array {
  const out = new Float64Array(n);
  if (!src) return out;
  let last = NaN;
  for (let i = 0; i < n; i++) { if (Number.isFinite(src[i])) last = src[i]; out[i] = last; }
  const first = out.find((x) => Number.isFinite(x)) ?? 0;
  for (let i = 0; i < n && !Number.isFinite(out[i]); i++) out[i] = first;
  for (let i = 0; i < n; i++) if (!Number.isFinite(out[i])) out[i] = out[i - 1] ?? first;
  return out;
}

function featureColumns(frame: MetricFrame, loadLevel: Float64Array | undefined): { columns: Float64Array[]; missing: string[] } {
  const n = frame.t.length;
  const missing: string[] = [];
  const columns = WORKLOAD_FEATURES.map((name) => {
    // Without an experiment's load level, the served request rate is the load the workload saw.
    const src = name === 'load_level' ? loadLevel ?? frame.values.request_rate
      : name === 'replicas' ? frame.values.ready_replicas
        : frame.values[name];
    if (!src) missing.push(name);
    return filled(src, n);
  });
  return { columns, missing };
}

export class WorkloadModel {
  private constructor(readonly state: WorkloadModelState, private readonly net: LstmNet) {}

  static fromJSON(raw: unknown): WorkloadModel {
    const s = raw as WorkloadModelState;
    assertCompatible(s, 'mora-workload-lstm');
    const net = new LstmNet(s.config, 0);
    net.setWeights(decodeWeights(s.weights));
    return new WorkloadModel(s, net);
  }

  toJSON(): WorkloadModelState {
    return this.state;
  }

  /**
   * The next `horizon` steps of each target after the end of `frame` (which needs at least `steps` samples on the
   * model's step), in original units.
   */
  predict(frame: MetricFrame, loadLevel?: Float64Array): Record<WorkloadTarget, Float64Array> {
    const s = this.state;
    const n = frame.t.length;
    if (n < s.config.steps) throw new Error(`workload model: needs the last ${s.config.steps} samples, got ${n}`);
    const { columns } = featureColumns(frame, loadLevel);
    const x = windowsFromColumns(columns, s.featureScalers, [n - 1], s.config.steps);
    const y = this.net.predict(x, 1);
    const targets = buildTargets(frame, s.buffering);
    const out = {} as Record<WorkloadTarget, Float64Array>;
    WORKLOAD_TARGETS.forEach((name, k) => {
      const base = scale(s.targetScalers[k], levelAt(filled(targets[name], n), n - 1, s.levelSteps?.[k] ?? 1));
      const f = new Float64Array(s.horizon);
      for (let h = 0; h < s.horizon; h++) f[h] = Math.max(0, unscale(s.targetScalers[k], base + y[k * s.horizon + h]));
      out[name] = f;
    });
    return out;
  }
}

/** Trains the workload model on a frame of the 12 metrics (an experiment's `load_level` when there is one). */
export function trainWorkloadModel(frame: MetricFrame, buffering: TargetBuffering, options: Partial<WorkloadModelOptions> = {}, loadLevel?: Float64Array): WorkloadModel {
  const o = { ...DEFAULT_WORKLOAD_MODEL_OPTIONS, ...options };
  const n = frame.t.length;
  if (!frame.values.cpu_usage || !frame.values.memory_working_set) throw new Error('workload model: the frame needs cpu_usage and memory_working_set');
  if (!(buffering.cpuRequest > 0)) throw new Error('workload model: the replica target needs a CPU request > 0');
  const { columns, missing } = featureColumns(frame, loadLevel);
  const rawTargets = buildTargets(frame, buffering);
  const targets = WORKLOAD_TARGETS.map((k) => filled(rawTargets[k], n));
  const H = o.horizon;
  const first = o.steps - 1;
  const last = n - 1 - H;
  if (last - first < 16) throw new Error(`workload model: history too short (${n} samples): need at least ${o.steps + H + 16}`);
  const ends: number[] = [];
  for (let e = first; e <= last; e++) ends.push(e);
  const nVal = Math.max(4, Math.round(ends.length * o.validationFraction));
  const valEnds = spread(ends.slice(ends.length - nVal), Math.max(64, Math.floor(o.maxWindows / 2)));
  // Training targets end before the first validation window starts predicting: no leakage across the split.
  const trainEnds = spread(ends.filter((e) => e + H < valEnds[0] + 1), o.maxWindows);
  const fitEnd = trainEnds[trainEnds.length - 1] + H + 1;
  const featureScalers = columns.map((c) => fitMinMax(c, 0, fitEnd));
  const targetScalers = targets.map((c) => fitMinMax(c, 0, fitEnd));

  // Per target, the level the change is predicted from: persistence, or a short mean where the samples are noisy.
  const levelSteps = targets.map((c) => chooseLevelSteps(c, trainEnds, H));
  const ySet = (set: number[]) => {
    const y = new Float32Array(set.length * 3 * H);
    set.forEach((end, i) => {
      // The change from the recent level, in scaled units: measured to learn far better than absolute levels
      // (the same choice as the univariate forecaster, docs/LSTM.md).
      for (let k = 0; k < 3; k++) {
        const base = scale(targetScalers[k], levelAt(targets[k], end, levelSteps[k]));
        for (let h = 0; h < H; h++) y[(i * 3 + k) * H + h] = scale(targetScalers[k], targets[k][end + 1 + h]) - base;
      }
    });
    return y;
  };
  const config: LstmNetConfig = {
    inputSize: WORKLOAD_FEATURES.length, steps: o.steps, units1: o.units1, units2: o.units2, dense: o.dense, outputs: 3 * H, dropout: o.dropout, loss: o.loss,
  };
  const net = new LstmNet(config, o.seed);
  const trainSet = { x: windowsFromColumns(columns, featureScalers, trainEnds, o.steps), y: ySet(trainEnds), n: trainEnds.length };
  const valSet = { x: windowsFromColumns(columns, featureScalers, valEnds, o.steps), y: ySet(valEnds), n: valEnds.length };
  const result = train(net, trainSet, valSet, {
    epochs: o.epochs, batchSize: o.batchSize, learningRate: o.learningRate, patience: o.patience, seed: o.seed,
    onEpoch: o.onEpoch, isCancelled: o.isCancelled,
  });
  if (result.cancelled) throw new Error('workload model: training cancelled');

  const pred = net.predict(valSet.x, valSet.n);
  const validation = {} as Record<WorkloadTarget, TargetValidation>;
  WORKLOAD_TARGETS.forEach((name, k) => {
    let err = 0, base = 0, lev = 0;
    valEnds.forEach((end, i) => {
      const level = levelAt(targets[k], end, levelSteps[k]);
      for (let h = 0; h < H; h++) {
        const truth = targets[k][end + 1 + h];
        lev += Math.abs(level - truth);
        err += Math.abs(unscale(targetScalers[k], scale(targetScalers[k], levelAt(targets[k], end, levelSteps[k])) + pred[(i * 3 + k) * H + h]) - truth);
        base += Math.abs(targets[k][end] - truth);
      }
    });
    validation[name] = { mae: err / (valEnds.length * H), persistenceMae: base / (valEnds.length * H), levelMae: lev / (valEnds.length * H) };
  });
  const step = n > 1 ? frame.t[1] - frame.t[0] : frame.step;
  const state: WorkloadModelState = {
    format: MODEL_FORMAT, moraVersion: moraVersion(), kind: 'mora-workload-lstm', features: WORKLOAD_FEATURES, missingFeatures: missing,
    targets: WORKLOAD_TARGETS, buffering, config, horizon: H, step, featureScalers, targetScalers,
    trainedOn: { from: frame.t[0], to: frame.t[n - 1], points: n }, validation, levelSteps, epochs: result.history.length,
    weights: encodeWeights(net.getWeights()),
  };
  return WorkloadModel.fromJSON(JSON.parse(JSON.stringify(state)));
}
