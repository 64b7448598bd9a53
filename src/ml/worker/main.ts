/**
 * Entry of dist/worker.js: trains and predicts LSTMs off the extension host's thread. One job at a time per worker;
 * the pool (./pool.ts) runs as many workers as the cores allow.
 */
import { parentPort } from 'node:worker_threads';
import { DEFAULT_LSTM_OPTIONS, LstmForecaster } from '../lstm/forecaster';
import { lstmBackend } from '../lstm/backend';
import type { TrainJob, WorkerReply } from './protocol';

const port = parentPort;
if (port) {
  const post = (m: WorkerReply): void => port.postMessage(m);
  post({ type: 'ready', backend: lstmBackend() });
  port.on('message', (job: TrainJob) => {
    if (job.type !== 'train') return;
    const flag = new Int32Array(job.cancel);
    const epochs = job.options?.epochs ?? DEFAULT_LSTM_OPTIONS.epochs;
    try {
      const model = new LstmForecaster({
        ...job.options,
        onEpoch: (e) => post({ type: 'progress', id: job.id, epoch: e.epoch, epochs, loss: e.loss, valLoss: e.valLoss }),
        isCancelled: () => Atomics.load(flag, 0) !== 0,
      }).fit({ t: job.t, v: job.v });
      const f = model.predict({ horizon: job.horizon });
      post({ type: 'done', id: job.id, state: model.toJSON(), mean: f.mean, lower: f.lower, upper: f.upper, t: f.t });
    } catch (e) {
      post({ type: 'error', id: job.id, message: (e as Error).message, cancelled: Atomics.load(flag, 0) !== 0 });
    }
  });
}
