/**
 * A training thread of shards.ts: waits on its control word, computes the loss and gradients of its part of each batch
 * with the owner's current weights (its own LstmNet and WASM instance), writes them back and signals. Bundled as
 * dist/lstm-shard.js; run from source through tsx.
 */
import { workerData } from 'node:worker_threads';
import { LstmNet, type DropoutDraws } from './net';
import { CTRL, META, STATE, blockLayout, type ShardWorkerData } from './shards';

const data = workerData as ShardWorkerData;
const ctrl = new Int32Array(data.block, 0, CTRL.words);
const meta = new Float64Array(data.block, CTRL.words * 4, META.words);
data.port.unref(); // errors go out on it, but it must not keep the thread alive after the loop ends

// Whatever ends this thread (an exception, process.exit, the end of the loop), the owner sees it in the state word:
// the loader (shards.ts) set that up before this file was loaded.

function fail(e: unknown): void {
  data.port.postMessage({ error: e instanceof Error ? e.message : String(e) });
  Atomics.store(ctrl, CTRL.state, STATE.failed);
  Atomics.notify(ctrl, CTRL.done);
  Atomics.notify(ctrl, CTRL.ready);
}

function run(): void {
  const net = new LstmNet(data.config, 1, data.kernels);
  const L = blockLayout(data.config, net.nParams, data.maxRows);
  const params = new Float32Array(data.params);
  const grads = new Float32Array(data.block, L.grads, net.nParams);
  const x = new Float32Array(data.block, L.x, L.xLen), y = new Float32Array(data.block, L.y, L.yLen);
  Atomics.store(ctrl, CTRL.ready, 1);
  Atomics.notify(ctrl, CTRL.ready);
  let seq = 0;
  for (;;) {
    Atomics.wait(ctrl, CTRL.cmd, seq);
    const cmd = Atomics.load(ctrl, CTRL.cmd);
    if (cmd < 0 || meta[META.quit]) return;
    seq = cmd;
    if (data.failAt?.batch === seq) {
      if (data.failAt.how === 'exit') process.exit(3);
      throw new Error(`test failure at batch ${seq}`);
    }
    net.loadParams(params);
    if (meta[META.predict]) {
      const n = meta[META.B];
      y.set(net.predict(x, n, n));
      Atomics.store(ctrl, CTRL.done, seq);
      Atomics.notify(ctrl, CTRL.done);
      continue;
    }
    const draws = [meta[META.draw0], meta[META.draw1]].slice(0, meta[META.draws]);
    let i = 0;
    const replay: DropoutDraws | undefined = draws.length ? { next: () => draws[i++] } : undefined;
    meta[META.loss] = net.gradients(x, y, 0, meta[META.B], replay, undefined, { offset: meta[META.offset], total: meta[META.total] });
    net.readGradients(grads);
    Atomics.store(ctrl, CTRL.done, seq);
    Atomics.notify(ctrl, CTRL.done);
  }
}

try {
  run();
} catch (e) {
  fail(e);
}
