/**
 * Data-parallel training over threads: each batch's windows are split between this thread and `threads − 1` worker
 * threads; every thread runs the full forward and BPTT of its part with the same weights in its own WASM instance
 * (shard-worker.ts), the parts' gradients are summed here and ONE Adam step is taken here. The sync is once per batch,
 * so it pays at large batches (a global model's 256) and not at small ones.
 *
 * Numerics do not depend on the split: the loss and gradients of a part are scaled by the whole batch, and its dropout
 * masks are the whole batch's (net.ts BatchShard; masks come from a counter hash, replayed from the same two draws), so
 * threaded and one-thread training differ only by float summation order.
 *
 * `train` is synchronous (trainGlobalLstm runs inside a pool worker), so the threads meet on shared memory with
 * Atomics, not messages. A worker that throws or exits sets its state word before it goes (and its error text on a
 * port read synchronously), so a failure surfaces as an error here instead of a hang; a worker that stops answering
 * (no progress long after this thread finished its own, equal part) is reported as stalled. `close` ends the threads;
 * train() calls it when training ends, fails or is cancelled.
 */
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { availableParallelism, loadavg } from 'node:os';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { DropoutDraws, LstmNet, LstmNetConfig } from './net';
import type { KernelKind } from './arena';
import { tsxExecArgv } from '../worker/tsx-hook';

/** Control words (Int32) of one worker's block. */
export const CTRL = { cmd: 0, done: 1, state: 2, ready: 3, words: 4 } as const;
/** Worker states (CTRL.state). */
export const STATE = { running: 0, failed: 1, exited: 2 } as const;
/** Meta values (Float64) of one batch: the part, its dropout draws and the returned loss; `predict` 1 = outputs only. */
export const META = { B: 0, offset: 1, total: 2, draws: 3, draw0: 4, draw1: 5, loss: 6, quit: 7, predict: 8, words: 9 } as const;

/** What a shard worker gets at start (workerData). */
export interface ShardWorkerData {
  config: LstmNetConfig;
  kernels: KernelKind;
  maxRows: number;
  /** The weights every part reads (written by the owner before each batch). */
  params: SharedArrayBuffer;
  /** Int32 control words, Float64 meta, then the part's gradient, windows and targets (or outputs) (Float32). */
  block: SharedArrayBuffer;
  port: MessagePort;
  /** Test hook: fail at this batch (1-based) of the worker, by throwing or by exiting the thread. */
  failAt?: FailAt;
}

export interface FailAt { batch: number; how: 'throw' | 'exit' }

/** Shard worker threads started and not yet exited, in this thread (tests check training leaves none behind). */
let live = 0;
export function liveShardThreads(): number { return live; }

/** Float32 views of a worker's block, after the control words and meta. */
export function blockLayout(config: LstmNetConfig, nParams: number, maxRows: number): { bytes: number; grads: number; x: number; y: number; xLen: number; yLen: number } {
  const head = CTRL.words * 4 + META.words * 8;
  const xLen = maxRows * config.steps * config.inputSize, yLen = maxRows * config.outputs;
  return { bytes: head + (nParams + xLen + yLen) * 4, grads: head, x: head + nParams * 4, y: head + (nParams + xLen) * 4, xLen, yLen };
}

/** The worker entry: the bundle beside this one (dist/lstm-shard.js), compiled JavaScript, else the TypeScript source through tsx. */
function shardEntry(): { file: string; execArgv: string[] } | undefined {
  for (const name of ['lstm-shard.js', 'shard-worker.js']) {
    const file = join(__dirname, name);
    if (existsSync(file)) return { file, execArgv: [] };
  }
  const source = join(__dirname, 'shard-worker.ts');
  if (existsSync(source)) return { file: source, execArgv: tsxExecArgv() };
  return undefined;
}

/**
 * Threads for `TrainOptions.threads: 'auto'`: 2 at batches of 128 and more when the machine has 2 cores or more, about
 * one of them free (1-minute load average ≤ cores − 0.5; this training's own thread counts in it) and the worker entry is
 * present; else 1. At batch 32 the per-batch sync would cost about what the split saves, and on a saturated machine the
 * second thread buys no CPU, while waiting for it each batch cost 10–20% (docs/BENCHMARKS.md § LSTM training speed).
 * `MORA_LSTM_THREADS=n` overrides it.
 */
export function autoThreads(batchSize: number): number {
  const forced = Number(process.env.MORA_LSTM_THREADS); // set: that many, whatever the batch and load
  if (forced >= 1) return Math.floor(forced);
  const cores = availableParallelism();
  return batchSize >= 128 && cores >= 2 && loadavg()[0] <= cores - 0.5 && shardEntry() ? 2 : 1;
}

/** Parts smaller than this are not worth a thread (a batch's short tail runs on this thread alone). */
const MIN_ROWS_PER_THREAD = 16;

interface ShardWorker {
  worker: Worker;
  port: MessagePort;
  ctrl: Int32Array;
  meta: Float64Array;
  grads: Float32Array;
  x: Float32Array;
  y: Float32Array;
  seq: number;
  /** Set from the worker's 'error' event, so a later failure is never unhandled. */
  error?: Error;
}

export class ShardTeam {
  private readonly workers: ShardWorker[] = [];
  private readonly params: Float32Array;
  private readonly config: LstmNetConfig;
  private readonly maxRows: number;
  private closed = false;

  /** Starts `threads − 1` workers for `net`'s shape; parts have at most `maxRows` windows. */
  constructor(net: LstmNet, threads: number, maxRows: number, options: { failAt?: FailAt; startTimeoutMs?: number; entry?: string } = {}) {
    const entry = options.entry ? { file: options.entry, execArgv: options.entry.endsWith('.ts') ? tsxExecArgv() : [] } : shardEntry();
    if (!entry) throw new Error('lstm: training threads need the shard worker (dist/lstm-shard.js or src/ml/lstm/shard-worker.ts), which is missing');
    this.config = net.config;
    this.maxRows = maxRows;
    const paramsBuf = new SharedArrayBuffer(net.nParams * 4);
    this.params = new Float32Array(paramsBuf);
    const L = blockLayout(net.config, net.nParams, maxRows);
    try {
      for (let k = 1; k < threads; k++) {
        const block = new SharedArrayBuffer(L.bytes);
        const { port1, port2 } = new MessageChannel();
        const data: ShardWorkerData = { config: net.config, kernels: net.kernels, maxRows, params: paramsBuf, block, port: port2, failAt: options.failAt };
        const worker = new Worker(loader(entry.file), { eval: true, workerData: data, transferList: [port2], execArgv: entry.execArgv, stdout: false, stderr: false });
        const w: ShardWorker = {
          worker, port: port1, seq: 0,
          ctrl: new Int32Array(block, 0, CTRL.words), meta: new Float64Array(block, CTRL.words * 4, META.words),
          grads: new Float32Array(block, L.grads, net.nParams), x: new Float32Array(block, L.x, L.xLen), y: new Float32Array(block, L.y, L.yLen),
        };
        live++;
        worker.on('error', (e) => { w.error = e; });
        worker.on('exit', () => { live--; });
        worker.unref();
        this.workers.push(w);
      }
      // Wait for every worker to load (a bundle in milliseconds; the TypeScript source through tsx in a few seconds).
      const deadline = performance.now() + (options.startTimeoutMs ?? 60000);
      for (const w of this.workers) {
        while (Atomics.load(w.ctrl, CTRL.ready) === 0) {
          this.check(w);
          if (performance.now() > deadline) throw new Error('lstm: a training thread did not start within the time allowed');
          Atomics.wait(w.ctrl, CTRL.ready, 0, 20);
        }
      }
    } catch (e) {
      this.close();
      throw e;
    }
  }

  get threads(): number { return this.workers.length + 1; }

  /**
   * Loss and gradients of windows [row, row + B) of (x, y) (through `order`), split over the threads; the summed
   * gradients land in `net`'s gradient block, as `net.gradients` would leave them. Returns the batch loss.
   */
  gradients(net: LstmNet, x: Float32Array, y: Float32Array, row: number, B: number, dropoutRng: DropoutDraws | undefined, order?: Int32Array): number {
    if (this.closed) throw new Error('lstm: training threads already closed');
    const parts = Math.min(this.threads, Math.floor(B / MIN_ROWS_PER_THREAD));
    if (parts < 2) return net.gradients(x, y, row, B, dropoutRng, order);
    // The whole batch's dropout draws, replayed by every part (net.ts draws one per dropout layer, layer 1 first).
    const draws = dropoutRng && this.config.dropout > 0 ? [dropoutRng.next(), dropoutRng.next()] : [];
    net.readParams(this.params);
    const { steps: T, inputSize: D, outputs: O } = this.config;
    const size = Math.ceil(B / parts);
    const own = Math.min(size, B);
    const busy: ShardWorker[] = [];
    for (let k = 1, offset = own; k < parts && offset < B; k++, offset += size) {
      const w = this.workers[k - 1];
      const n = Math.min(size, B - offset);
      for (let b = 0; b < n; b++) {
        const src = order ? order[row + offset + b] : row + offset + b;
        w.x.set(x.subarray(src * T * D, (src + 1) * T * D), b * T * D);
        w.y.set(y.subarray(src * O, (src + 1) * O), b * O);
      }
      w.meta[META.B] = n; w.meta[META.offset] = offset; w.meta[META.total] = B; w.meta[META.predict] = 0;
      w.meta[META.draws] = draws.length; w.meta[META.draw0] = draws[0] ?? 0; w.meta[META.draw1] = draws[1] ?? 0;
      this.start(w);
      busy.push(w);
    }
    const t0 = performance.now();
    let loss = net.gradients(x, y, row, own, draws.length ? replay(draws) : undefined, order, { offset: 0, total: B });
    const ownMs = performance.now() - t0;
    for (const w of busy) {
      this.await(w, ownMs);
      loss += w.meta[META.loss];
      net.addGradients(w.grads);
    }
    return loss;
  }

  /** Predictions for N windows (no dropout), sample-major [N][O], as `net.predict` — the rows split over the threads. */
  predict(net: LstmNet, x: Float32Array, N: number): Float32Array {
    if (this.closed) throw new Error('lstm: training threads already closed');
    net.readParams(this.params);
    const { steps: T, inputSize: D, outputs: O } = this.config;
    const out = new Float32Array(N * O);
    const size = this.maxRows;
    for (let r = 0; r < N; r += size * this.threads) {
      const busy: Array<{ w: ShardWorker; at: number; n: number }> = [];
      const own = Math.min(size, N - r);
      for (let k = 1, at = r + own; k < this.threads && at < N; k++, at += size) {
        const w = this.workers[k - 1];
        const n = Math.min(size, N - at);
        w.x.set(x.subarray(at * T * D, (at + n) * T * D));
        w.meta[META.B] = n; w.meta[META.predict] = 1;
        this.start(w);
        busy.push({ w, at, n });
      }
      const t0 = performance.now();
      out.set(net.predict(x.subarray(r * T * D, (r + own) * T * D), own), r * O);
      const ownMs = performance.now() - t0;
      for (const { w, at, n } of busy) {
        this.await(w, ownMs);
        out.set(w.y.subarray(0, n * O), at * O);
      }
    }
    return out;
  }

  /** Ends the worker threads (idempotent). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.workers) {
      w.meta[META.quit] = 1;
      Atomics.store(w.ctrl, CTRL.cmd, -1);
      Atomics.notify(w.ctrl, CTRL.cmd);
      void w.worker.terminate();
      w.port.close();
    }
  }

  private start(w: ShardWorker): void {
    w.seq++;
    Atomics.store(w.ctrl, CTRL.cmd, w.seq);
    Atomics.notify(w.ctrl, CTRL.cmd);
  }

  /** Waits for worker `w` to finish its part; throws when it failed, exited or stalled. */
  private await(w: ShardWorker, ownMs: number): void {
    // A part takes about as long as this thread's own; far longer means the worker is gone or wedged.
    const stallMs = Math.max(60000, 100 * ownMs);
    const start = performance.now();
    while (Atomics.load(w.ctrl, CTRL.done) !== w.seq) {
      this.check(w);
      if (performance.now() - start > stallMs) {
        this.close();
        throw new Error(`lstm: a training thread stalled (no answer in ${Math.round(stallMs / 1000)} s)`);
      }
      Atomics.wait(w.ctrl, CTRL.done, w.seq - 1, 50);
    }
    this.check(w);
  }

  private check(w: ShardWorker): void {
    const state = Atomics.load(w.ctrl, CTRL.state);
    if (state === STATE.running && !w.error) return;
    const msg = receiveMessageOnPort(w.port)?.message as { error?: string } | undefined;
    const why = msg?.error ?? w.error?.message ?? (state === STATE.exited ? 'the thread exited' : 'unknown failure');
    this.close();
    throw new Error(`lstm: a training thread failed: ${why}`);
  }
}

/**
 * The worker's first code: it marks the state word on exit before loading the entry, and reports a failure to load it,
 * so a missing or broken entry is an immediate error here rather than a wait for the start deadline (this thread is
 * blocked and would not see the Worker's 'error' event).
 */
function loader(file: string): string {
  return `const { workerData } = require('node:worker_threads');
const ctrl = new Int32Array(workerData.block, 0, ${CTRL.words});
process.on('exit', () => {
  if (Atomics.load(ctrl, ${CTRL.state}) === ${STATE.running}) Atomics.store(ctrl, ${CTRL.state}, ${STATE.exited});
  Atomics.notify(ctrl, ${CTRL.ready}); Atomics.notify(ctrl, ${CTRL.done});
});
try { require(${JSON.stringify(file)}); } catch (e) {
  workerData.port.postMessage({ error: 'cannot load ' + ${JSON.stringify(file)} + ': ' + (e && e.message) });
  Atomics.store(ctrl, ${CTRL.state}, ${STATE.failed}); Atomics.notify(ctrl, ${CTRL.ready});
}`;
}

function replay(draws: number[]): DropoutDraws {
  let i = 0;
  return { next: () => draws[i++] };
}
