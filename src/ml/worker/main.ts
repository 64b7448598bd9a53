/**
 * Entry of dist/worker.js: trains and predicts LSTMs off the extension host's thread. One job at a time per worker;
 * the pool (./pool.ts) runs as many workers as the cores allow.
 */
// First: the thread's priority (the extension's pool asks for background priority) before the rest loads.
import './thread-priority';
import { parentPort } from 'node:worker_threads';
import { DEFAULT_LSTM_OPTIONS, LstmForecaster } from '../lstm/forecaster';
import { runLstmWithHoldout } from '../lstm/holdout-run';
import { lstmBackend } from '../lstm/backend';
import { DEFAULT_WORKLOAD_MODEL_OPTIONS, trainWorkloadModel } from '../lstm/workload-model';
import { DEFAULT_GLOBAL_OPTIONS, DEFAULT_REFRESH_OPTIONS, GlobalLstmModel, globalLstmOverride, trainGlobalLstm } from '../lstm/global';
import { runForecast } from '../forecast';
import { viewPanels } from './view-panels';
import type { ForecastJob, TrainGlobalJob, TrainJob, TrainWorkloadJob, WorkerJob, WorkerReply } from './protocol';

const port = parentPort;
if (port) {
  const post = (m: WorkerReply): void => port.postMessage(m);
  post({ type: 'ready', backend: lstmBackend() });
  port.on('message', (job: WorkerJob) => {
    if (job.type === 'train-workload') {
      trainWorkload(job, post);
      return;
    }
    if (job.type === 'train-global') {
      trainGlobal(job, post);
      return;
    }
    if (job.type === 'forecast') {
      void forecast(job, post);
      return;
    }
    if (job.type === 'view-panels') {
      viewPanels(job).then((result) => post({ type: 'done-view-panels', id: job.id, result }),
        (e: unknown) => post({ type: 'error', id: job.id, message: (e as Error).message, cancelled: false }));
      return;
    }
    if (job.type !== 'train') return;
    trainSeries(job, post);
  });
}

function trainSeries(job: TrainJob, post: (m: WorkerReply) => void): void {
  const flag = new Int32Array(job.cancel);
  const epochs = job.options?.epochs ?? DEFAULT_LSTM_OPTIONS.epochs;
  try {
    const options = {
      ...job.options,
      onEpoch: (e: { epoch: number; loss: number; valLoss: number }) => post({ type: 'progress', id: job.id, epoch: e.epoch, epochs, loss: e.loss, valLoss: e.valLoss }),
      isCancelled: () => Atomics.load(flag, 0) !== 0,
    };
    const history = { t: job.t, v: job.v };
    if (job.holdout) {
      const run = runLstmWithHoldout(history, job.horizon, options);
      const f = run.forecast;
      post({ type: 'done', id: job.id, state: run.model.toJSON(), mean: f.mean, lower: f.lower, upper: f.upper, t: f.t, holdout: run.holdout });
      return;
    }
    const model = new LstmForecaster(options).fit(history);
    const f = model.predict({ horizon: job.horizon });
    post({ type: 'done', id: job.id, state: model.toJSON(), mean: f.mean, lower: f.lower, upper: f.upper, t: f.t });
  } catch (e) {
    post({ type: 'error', id: job.id, message: (e as Error).message, cancelled: Atomics.load(flag, 0) !== 0 });
  }
}

function trainWorkload(job: TrainWorkloadJob, post: (m: WorkerReply) => void): void {
  const flag = new Int32Array(job.cancel);
  const epochs = job.options?.epochs ?? DEFAULT_WORKLOAD_MODEL_OPTIONS.epochs;
  try {
    const frame = { t: job.t, step: job.step, values: job.values };
    const model = trainWorkloadModel(frame, job.buffering, {
      ...job.options,
      onEpoch: (e) => post({ type: 'progress', id: job.id, epoch: e.epoch, epochs, loss: e.loss, valLoss: e.valLoss }),
      isCancelled: () => Atomics.load(flag, 0) !== 0,
    }, job.loadLevel);
    post({ type: 'done-workload', id: job.id, state: model.toJSON(), prediction: model.predict(frame, job.loadLevel) });
  } catch (e) {
    post({ type: 'error', id: job.id, message: (e as Error).message, cancelled: Atomics.load(flag, 0) !== 0 });
  }
}

function trainGlobal(job: TrainGlobalJob, post: (m: WorkerReply) => void): void {
  const flag = new Int32Array(job.cancel);
  const epochs = job.base ? job.refresh?.epochs ?? DEFAULT_REFRESH_OPTIONS.epochs : job.options?.epochs ?? DEFAULT_GLOBAL_OPTIONS.epochs;
  try {
    const hooks = {
      onEpoch: (e: { epoch: number; loss: number; valLoss: number }) => post({ type: 'progress', id: job.id, epoch: e.epoch, epochs, loss: e.loss, valLoss: e.valLoss }),
      isCancelled: () => Atomics.load(flag, 0) !== 0,
    };
    const pool = job.series.map(({ id, t, v }) => ({ id, series: { t, v } }));
    const model = job.base
      ? GlobalLstmModel.fromJSON(job.base).refresh(pool, { ...job.refresh, ...hooks })
      : trainGlobalLstm(pool, { ...job.options, ...hooks });
    post({ type: 'done-global', id: job.id, state: model.toJSON(), epochs: model.training?.history.length ?? 0 });
  } catch (e) {
    post({ type: 'error', id: job.id, message: (e as Error).message, cancelled: Atomics.load(flag, 0) !== 0 });
  }
}

/** Global models this worker has been sent, by key (the pool sends a state once per worker and key). */
const globals = new Map<string, GlobalLstmModel>();

async function forecast(job: ForecastJob, post: (m: WorkerReply) => void): Promise<void> {
  try {
    let overrides;
    if (job.global) {
      if (job.global.state) globals.set(job.global.key, GlobalLstmModel.fromJSON(job.global.state));
      const model = globals.get(job.global.key);
      if (!model) throw new Error(`worker: global LSTM "${job.global.key}" was never sent to this worker`);
      overrides = { lstm: globalLstmOverride(model) };
    }
    const run = await runForecast({ t: job.t, v: job.v }, { model: job.model, horizon: job.horizon, step: job.step, seed: job.seed, options: job.options, overrides });
    const f = run.forecast;
    post({ type: 'done-forecast', id: job.id, t: Float64Array.from(f.t), mean: Float64Array.from(f.mean), lower: Float64Array.from(f.lower), upper: Float64Array.from(f.upper), intervalWidth: f.intervalWidth });
  } catch (e) {
    post({ type: 'error', id: job.id, message: (e as Error).message, cancelled: false });
  }
}
