/** Messages between the extension host (or CLI) and the LSTM worker thread. */
import type { LstmOptions, LstmState } from '../lstm/forecaster';

export interface TrainJob {
  type: 'train';
  id: number;
  /** History timestamps (Unix s) and values. */
  t: Float64Array;
  v: Float64Array;
  horizon: number;
  options?: Partial<Omit<LstmOptions, 'onEpoch' | 'isCancelled'>>;
  /** Int32Array over a SharedArrayBuffer: [0] != 0 cancels (training is synchronous, so a message could not interrupt it). */
  cancel: SharedArrayBuffer;
}

export type WorkerReply =
  | { type: 'ready'; backend: string }
  | { type: 'progress'; id: number; epoch: number; epochs: number; loss: number; valLoss: number }
  | { type: 'done'; id: number; state: LstmState; mean: Float64Array; lower: Float64Array; upper: Float64Array; t: Float64Array }
  | { type: 'error'; id: number; message: string; cancelled: boolean };
