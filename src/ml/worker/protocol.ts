/** Messages between the extension host (or CLI) and the LSTM worker thread. */
import type { LstmOptions, LstmState } from '../lstm/forecaster';
import type { GlobalLstmOptions, GlobalLstmState, RefreshOptions } from '../lstm/global';
import type { Holdout } from '../lstm/holdout-run';
import type { TargetBuffering, WorkloadModelOptions, WorkloadModelState, WorkloadTarget } from '../lstm/workload-model';
import type { PanelId } from '../../protocol/forecast';
import type { LstmRunResult, PanelsResult } from '../../views/forecast-panels';

export interface TrainJob {
  type: 'train';
  id: number;
  /** History timestamps (Unix s) and values. */
  t: Float64Array;
  v: Float64Array;
  horizon: number;
  options?: Partial<Omit<LstmOptions, 'onEpoch' | 'isCancelled'>>;
  /** Train on the history minus a holdout, score it there, then continue from the whole history (what the fusion needs). */
  holdout?: boolean;
  /** Int32Array over a SharedArrayBuffer: [0] != 0 cancels (training is synchronous, so a message could not interrupt it). */
  cancel: SharedArrayBuffer;
}

/** The 14-feature workload model on a frame of the 12 metrics (docs/LSTM.md § Workload model). */
export interface TrainWorkloadJob {
  type: 'train-workload';
  id: number;
  t: Float64Array;
  step: number;
  values: Record<string, Float64Array>;
  loadLevel?: Float64Array;
  buffering: TargetBuffering;
  options?: Partial<Omit<WorkloadModelOptions, 'onEpoch' | 'isCancelled'>>;
  cancel: SharedArrayBuffer;
}

/**
 * One global LSTM on a cluster's pooled series (docs/LSTM.md § Global model): trained from scratch, or — with `base` —
 * the saved model refreshed (fine-tuned on the pool's windows) instead of retrained.
 */
export interface TrainGlobalJob {
  type: 'train-global';
  id: number;
  series: Array<{ id: string; t: Float64Array; v: Float64Array }>;
  options?: Partial<Omit<GlobalLstmOptions, 'onEpoch' | 'isCancelled'>>;
  base?: GlobalLstmState;
  refresh?: Partial<Omit<RefreshOptions, 'onEpoch' | 'isCancelled'>>;
  cancel: SharedArrayBuffer;
}

/**
 * One forecast through the model registry (e.g. `fused`) off the calling thread — the recommendation pipeline at fleet
 * scale runs these on every core while its own thread runs the engine. With `global`, a global LSTM is the `lstm`
 * member (never a per-series training): the worker keeps it by key, and the pool sends its state the first time a
 * worker sees the key.
 */
export interface ForecastJob {
  type: 'forecast';
  id: number;
  t: Float64Array;
  v: Float64Array;
  model: string;
  horizon: number;
  step: number;
  seed?: number;
  options?: Record<string, Record<string, string>>;
  global?: { key: string; state?: GlobalLstmState };
  cancel: SharedArrayBuffer;
}

/**
 * The forecast view's panel models (src/views/forecast-panels.ts: Prophet, the LSTM member and the fusion per panel)
 * off the extension host's thread. The LSTM member is the cluster's global model read from its cache folder by the
 * worker (kept while model.json is unchanged; trained at another step or unreadable: the job fails and says so), or
 * forecasts the pool already trained per series, by panel; none: Prophet and the seasonal baseline only.
 */
export interface ViewPanelsJob {
  type: 'view-panels';
  id: number;
  t: Float64Array;
  values: Record<string, Float64Array>;
  /** prophetWeight: the fusion's Prophet prior (PanelModelOptions.prophetWeight). */
  options: { bucket: number; horizonHours: number; seed: number; lstmPanels: PanelId[]; prophetWeight?: number };
  /**
   * 'global': the global model in `dir` for every LSTM panel, except those `results` already has (LSTMs Train Models
   * saved, run by the host: saved-series.ts). 'trained': only `results`.
   */
  lstm?: { kind: 'global'; dir: string; results?: Partial<Record<PanelId, LstmRunResult>> } | { kind: 'trained'; results: Partial<Record<PanelId, LstmRunResult>> };
  cancel: SharedArrayBuffer;
}

export type WorkerJob = TrainJob | TrainWorkloadJob | TrainGlobalJob | ForecastJob | ViewPanelsJob;

export type WorkerReply =
  | { type: 'ready'; backend: string }
  | { type: 'progress'; id: number; epoch: number; epochs: number; loss: number; valLoss: number }
  | { type: 'done'; id: number; state: LstmState; mean: Float64Array; lower: Float64Array; upper: Float64Array; t: Float64Array; holdout?: Holdout }
  | { type: 'done-workload'; id: number; state: WorkloadModelState; prediction: Record<WorkloadTarget, Float64Array> }
  | { type: 'done-global'; id: number; state: GlobalLstmState; epochs: number }
  | { type: 'done-forecast'; id: number; t: Float64Array; mean: Float64Array; lower: Float64Array; upper: Float64Array; intervalWidth: number }
  | { type: 'done-view-panels'; id: number; result: PanelsResult }
  | { type: 'error'; id: number; message: string; cancelled: boolean };
