/**
 * bench:lstm — stock tfjs-layers vs MOrA's own LSTM kernels, same architecture, same data, same initial weights, one process.
 *
 *   npm run bench:lstm [-- --epochs N --stock-epochs N --batch 32,256 --kernels wasm-simd,js --threads 1,2 --rounds N --shape seed|global
 *                        --backend wasm|cpu|node]
 *
 * `--stock-epochs 0` skips the (slow) stock model for quick iteration; the default runs it, so ratios come from one process.
 * `--threads`: MOrA wasm-simd also with each batch split over that many threads (shards.ts; the js kernels run on one).
 * `--rounds`: every MOrA variant is trained this many times in turn (fresh from the same weights), so a burst of load
 * from elsewhere hits all variants alike; seconds are the median over rounds of epochs 2..N (wall clock; also the process's
 * CPU time, which a machine shared with other work inflates far less — all threads counted). The threaded numbers need a
 * free core: on a saturated Linux machine (one CPU share per session, sched_autogroup) the second thread gets no CPU —
 * docs/BENCHMARKS.md § LSTM training speed says how the recorded ones were taken.
 *
 * Data: 1,024 seeded windows of 30 steps × 14 features, 1 output (a noisy function of the window, so loss can fall).
 * For each batch size: seconds per epoch of each path and their ratio, and both loss curves (dropout draws differ,
 * so curves agree within noise, not bit for bit).
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../src/core/random';
import { LstmNet, type LstmNetConfig } from '../../src/ml/lstm/net';
import { train } from '../../src/ml/lstm/train';
import { buildStockModel, stockWeights } from '../../src/ml/lstm/stock';
import { lstmBackend, pickTfBackend } from '../../src/ml/lstm/backend';
import { loadavg } from 'node:os';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
}

async function main(): Promise<void> {
  const N = 1024;
  // With `--shape global` also 256 validation windows, evaluated every epoch as global training does (split over the threads too).
  // `--shape global`: the global model's network (global.ts defaults: 6 features, 30 outputs, MAE loss); MOrA only.
  const globalShape = arg('shape', 'seed') === 'global';
  const c: LstmNetConfig = globalShape
    ? { inputSize: 6, steps: 30, units1: 64, units2: 32, dense: 16, outputs: 30, dropout: 0.2, loss: 'mae' }
    : { inputSize: 14, steps: 30, units1: 64, units2: 32, dense: 16, outputs: 1, dropout: 0.2 };
  const D = c.inputSize, O = c.outputs;
  const epochs = Number(arg('epochs', '6'));
  const stockEpochs = globalShape ? 0 : Number(arg('stock-epochs', '2'));
  const batches = arg('batch', '32,256').split(',').map(Number);
  const kernelKinds = arg('kernels', 'wasm-simd,js').split(',') as Array<'wasm-simd' | 'js'>;
  const backend = await pickTfBackend(tf, arg('backend', 'wasm') as 'node' | 'wasm' | 'cpu');
  const rng = new Rng(1);
  const NV = globalShape ? 256 : 0;
  const x = new Float32Array((N + NV) * c.steps * D).map(() => rng.next());
  const y = new Float32Array((N + NV) * O);
  for (let i = 0; i < N + NV; i++) {
    for (let k = 0; k < O; k++) {
      let s = 0;
      for (let t = 20 - k % 10; t < 30; t++) s += x[(i * 30 + t) * D] - x[(i * 30 + t) * D + 1];
      y[i * O + k] = s / 10 + 0.05 * rng.normal();
    }
  }
  console.log(`bench:lstm — ${N} windows of ${c.steps} × ${D}, LSTM(${c.units1}, seq) → Dropout ${c.dropout} → LSTM(${c.units2}) → Dropout → Dense(${c.dense}, relu) → Dense(${O})${globalShape ? ', MAE loss (the global model\'s shape)' : ''}`);
  console.log(`stock: tfjs-layers on ${backend}; MOrA: ${lstmBackend()}, same process\n`);
  const xt = tf.tensor3d(x.subarray(0, N * c.steps * D), [N, c.steps, D]);
  const yt = tf.tensor2d(y.subarray(0, N * O), [N, O]);
  const val = NV ? { x: x.subarray(N * c.steps * D), y: y.subarray(N * O), n: NV } : undefined;
  const threadCounts = arg('threads', '1,2').split(',').map(Number);
  const rounds = Number(arg('rounds', '2'));
  const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');
  console.log(`${new Date().toISOString()}  load average at start ${load()}  (${rounds} rounds of ${epochs} epochs per MOrA variant)\n`);
  const med = (a: number[]): number => a.slice().sort((p, q) => p - q)[Math.floor(a.length / 2)];
  interface Variant { batch: number; kernels: 'wasm-simd' | 'js'; threads: number; init: Float32Array[]; times: number[]; cpu: number[]; loss: number[]; stock?: number; kind?: string }
  const variants: Variant[] = [];
  for (const batch of batches) {
    const stock = buildStockModel(tf, c, 7);
    const init = stockWeights(stock);
    const stockTimes: number[] = [], stockLoss: number[] = [];
    for (let e = 0; e < stockEpochs; e++) { // a fresh model, so the initial weights above are the MOrA nets' too
      const t0 = performance.now();
      const h = await stock.fit(xt, yt, { epochs: 1, batchSize: batch, shuffle: true, verbose: 0 });
      stockTimes.push((performance.now() - t0) / 1000);
      stockLoss.push(h.history.loss[0] as number);
    }
    if (stockEpochs > 0) console.log(`batch ${batch}: stock tfjs-layers ${med(stockTimes).toFixed(3)} s/epoch   loss ${stockLoss.map((l) => l.toFixed(4)).join(' ')}`);
    stock.dispose();
    for (const kernels of kernelKinds) {
      for (const threads of kernels === 'js' ? [1] : threadCounts) {
        variants.push({ batch, kernels, threads, init, times: [], cpu: [], loss: [], stock: stockEpochs > 0 ? med(stockTimes) : undefined });
      }
    }
  }
  for (let r = 0; r < rounds; r++) {
    for (const v of variants) {
      const net = new LstmNet(c, 1, v.kernels);
      net.setWeights(v.init);
      // Threads start before the first epoch (not timed); the first epoch includes JIT warm-up, so it is left out.
      const cpu: number[] = [];
      let c0 = process.cpuUsage();
      const onEpoch = (): void => { const u = process.cpuUsage(c0); cpu.push((u.user + u.system) / 1e6); c0 = process.cpuUsage(); };
      const res = train(net, { x, y, n: N }, val, { epochs, batchSize: v.batch, learningRate: 1e-3, patience: epochs, seed: 7, threads: v.threads, onEpoch });
      v.times.push(...res.history.slice(1).map((h) => h.seconds));
      v.cpu.push(...cpu.slice(1));
      if (r === 0) v.loss = res.history.map((h) => h.loss);
      v.kind = net.kernels;
    }
  }
  const simd = (batch: number, threads: number): Variant | undefined => variants.find((v) => v.batch === batch && v.kind === 'wasm-simd' && v.threads === threads);
  const sec = (batch: number, threads: number): number => med(simd(batch, threads)?.times ?? [NaN]);
  const cpuSec = (batch: number, threads: number): number => med(simd(batch, threads)?.cpu ?? [NaN]);
  for (const batch of batches) {
    console.log(`batch ${batch}:`);
    for (const v of variants.filter((w) => w.batch === batch)) {
      const s = med(v.times);
      const label = `${v.kind} ${v.threads} thread${v.threads > 1 ? 's' : ''}`;
      const vsStock = v.stock !== undefined ? `   vs stock ×${(v.stock / s).toFixed(1)}` : '';
      const vsOne = v.threads > 1 ? `   vs 1 thread ×${(sec(batch, 1) / s).toFixed(2)}` : '';
      console.log(`  MOrA ${label.padEnd(20)} ${s.toFixed(3)} s/epoch (CPU ${med(v.cpu).toFixed(3)} s)   loss ${v.loss.map((l) => l.toFixed(4)).join(' ')}${vsStock}${vsOne}`);
    }
  }
  // Numerics: the split changes only float summation order, so threaded and one-thread loss curves agree to ~1e-6.
  for (const batch of batches) {
    const one = variants.find((v) => v.batch === batch && v.kind === 'wasm-simd' && v.threads === 1);
    for (const v of variants.filter((w) => w.batch === batch && w.kind === 'wasm-simd' && w.threads > 1 && one)) {
      const d = Math.max(...v.loss.map((l, e) => Math.abs(l - one!.loss[e]) / one!.loss[e]));
      console.log(`numerics, batch ${batch}: ${v.threads} threads vs 1, largest relative loss difference over ${epochs} epochs ${d.toExponential(1)}`);
    }
  }
  if (batches.includes(32) && batches.includes(256)) {
    console.log('\nbatch 256 vs batch 32 (s/epoch, ratio 256/32 — below 1: the larger batch is faster):');
    for (const t of threadCounts) console.log(`  ${t} thread${t > 1 ? 's' : ' '}: ${sec(32, t).toFixed(3)} → ${sec(256, t).toFixed(3)}   ratio ${(sec(256, t) / sec(32, t)).toFixed(2)}`);
    if (threadCounts.includes(1)) console.log(`  1 thread, CPU time: ${cpuSec(32, 1).toFixed(3)} → ${cpuSec(256, 1).toFixed(3)}   ratio ${(cpuSec(256, 1) / cpuSec(32, 1)).toFixed(2)}`);
    const auto = Math.max(...threadCounts);
    if (auto > 1) {
      const r = sec(256, auto) / sec(32, 1);
      console.log(`  as training runs them (threads 'auto': 1 at batch 32, ${auto} at 256): ${sec(32, 1).toFixed(3)} → ${sec(256, auto).toFixed(3)}   ratio ${r.toFixed(2)}`);
    }
    const best256 = Math.min(...threadCounts.map((t) => sec(256, t)));
    console.log(`  goal batch 256 ≤ 0.4 s/epoch: ${best256 <= 0.4 ? 'met' : 'NOT met'} (1 thread ${sec(256, 1).toFixed(3)} s)`);
  }
  console.log(`load average at end ${load()}`);
}

main().catch((e) => { console.error(e); process.exit(1); });
