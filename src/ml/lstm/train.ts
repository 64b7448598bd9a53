/**
 * Mini-batch training of an LstmNet: seeded shuffling and dropout, Adam, early stopping on validation loss with the
 * best weights restored, progress callbacks and cooperative cancellation (checked between batches).
 */
import { Rng } from '../../core/random';
import type { LstmNet } from './net';
import { ShardTeam, autoThreads } from './shards';

export interface WindowSet {
  /** Sample-major inputs [n][steps][features]. */
  x: Float32Array;
  /** Targets [n][outputs]. */
  y: Float32Array;
  n: number;
}

export interface TrainOptions {
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Epochs without validation improvement before stopping. */
  patience: number;
  seed: number;
  shuffle?: boolean;
  onEpoch?: (e: EpochReport) => void;
  /** Polled between batches; true stops training (the best weights so far are kept). */
  isCancelled?: () => boolean;
  /**
   * Threads each batch is split over (shards.ts: data-parallel, one Adam step per batch; same numerics up to float
   * summation order). Default 1. 'auto': 2 at batch ≥ 128 on a machine with ≥ 2 cores, else 1 — what the global model
   * uses. Per-series training stays at 1: the worker pool already trains one series per core, so a second thread per
   * series would only contend with the next series for the same cores.
   */
  threads?: number | 'auto';
}

export interface EpochReport { epoch: number; loss: number; valLoss: number; seconds: number }

export interface TrainResult {
  history: EpochReport[];
  bestEpoch: number;
  bestValLoss: number;
  stoppedEarly: boolean;
  cancelled: boolean;
}

export class CancelledError extends Error {
  constructor() { super('training cancelled'); this.name = 'CancelledError'; }
}

export function evaluate(net: LstmNet, set: WindowSet, team?: ShardTeam): number {
  if (set.n === 0) return NaN;
  const O = net.config.outputs;
  const p = team ? team.predict(net, set.x, set.n) : net.predict(set.x, set.n);
  let s = 0;
  const mae = net.config.loss === 'mae';
  for (let i = 0; i < set.n * O; i++) { const d = p[i] - set.y[i]; s += mae ? Math.abs(d) : d * d; }
  return s / (set.n * O);
}

export function train(net: LstmNet, trainSet: WindowSet, valSet: WindowSet | undefined, opts: TrainOptions): TrainResult {
  const threads = opts.threads === 'auto' ? autoThreads(opts.batchSize) : Math.max(1, Math.floor(opts.threads ?? 1));
  if (threads < 2 || trainSet.n < 2) return trainLoop(net, trainSet, valSet, opts, undefined);
  let team: ShardTeam;
  try {
    team = new ShardTeam(net, threads, Math.min(opts.batchSize, trainSet.n));
  } catch (e) {
    // 'auto' asks for threads where they can run; if the thread cannot start here, one thread still trains the model.
    if (opts.threads === 'auto') return trainLoop(net, trainSet, valSet, opts, undefined);
    throw e;
  }
  try {
    return trainLoop(net, trainSet, valSet, opts, team);
  } finally {
    team.close(); // ended, failed or cancelled: the threads go with the training
  }
}

function trainLoop(net: LstmNet, trainSet: WindowSet, valSet: WindowSet | undefined, opts: TrainOptions, team: ShardTeam | undefined): TrainResult {
  const rng = new Rng(opts.seed);
  const dropRng = new Rng(opts.seed ^ 0x5bd1e995);
  const order = new Int32Array(trainSet.n).map((_, i) => i);
  const history: EpochReport[] = [];
  let best = Infinity, bestEpoch = -1, bestWeights: Float32Array[] | undefined;
  let cancelled = false, stoppedEarly = false;
  for (let epoch = 0; epoch < opts.epochs && !cancelled; epoch++) {
    const t0 = performance.now();
    if (opts.shuffle !== false) {
      for (let i = order.length - 1; i > 0; i--) { const j = rng.int(i + 1); const tmp = order[i]; order[i] = order[j]; order[j] = tmp; }
    }
    let sum = 0;
    for (let r = 0; r < trainSet.n; r += opts.batchSize) {
      if (opts.isCancelled?.()) { cancelled = true; break; }
      const B = Math.min(opts.batchSize, trainSet.n - r);
      if (team) {
        sum += team.gradients(net, trainSet.x, trainSet.y, r, B, dropRng, order) * B;
        net.adam(opts.learningRate);
      } else {
        sum += net.trainBatch(trainSet.x, trainSet.y, r, B, opts.learningRate, dropRng, order) * B;
      }
    }
    if (cancelled) break;
    const loss = sum / trainSet.n;
    const valLoss = valSet && valSet.n > 0 ? evaluate(net, valSet, team) : loss;
    const report = { epoch, loss, valLoss, seconds: (performance.now() - t0) / 1000 };
    history.push(report);
    opts.onEpoch?.(report);
    if (!Number.isFinite(valLoss)) break;
    if (valLoss < best - 1e-7) {
      best = valLoss; bestEpoch = epoch; bestWeights = net.getWeights();
    } else if (epoch - bestEpoch >= opts.patience) {
      stoppedEarly = true;
      break;
    }
  }
  if (bestWeights) net.setWeights(bestWeights);
  return { history, bestEpoch, bestValLoss: best, stoppedEarly, cancelled };
}
