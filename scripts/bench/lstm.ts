/**
 * bench:lstm — stock tfjs-layers vs MOrA's own LSTM kernels, same architecture, same data, same initial weights, one process.
 *
 *   npm run bench:lstm [-- --epochs N --stock-epochs N --batch 32,256 --kernels wasm-simd,js --backend wasm|cpu|node]
 *
 * `--stock-epochs 0` skips the (slow) stock model for quick iteration; the default runs it, so ratios come from one process.
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

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
}

async function main(): Promise<void> {
  const N = 1024;
  const c: LstmNetConfig = { inputSize: 14, steps: 30, units1: 64, units2: 32, dense: 16, outputs: 1, dropout: 0.2 };
  const epochs = Number(arg('epochs', '6'));
  const stockEpochs = Number(arg('stock-epochs', '2'));
  const batches = arg('batch', '32,256').split(',').map(Number);
  const kernelKinds = arg('kernels', 'wasm-simd,js').split(',') as Array<'wasm-simd' | 'js'>;
  const backend = await pickTfBackend(tf, arg('backend', 'wasm') as 'node' | 'wasm' | 'cpu');
  const rng = new Rng(1);
  const x = new Float32Array(N * c.steps * c.inputSize).map(() => rng.next());
  const y = new Float32Array(N);
  for (let i = 0; i < N; i++) {
    let s = 0;
    for (let t = 20; t < 30; t++) s += x[(i * 30 + t) * 14] - x[(i * 30 + t) * 14 + 1];
    y[i] = s / 10 + 0.05 * rng.normal();
  }
  console.log(`bench:lstm — ${N} windows of ${c.steps} × ${c.inputSize}, LSTM(${c.units1}, seq) → Dropout ${c.dropout} → LSTM(${c.units2}) → Dropout → Dense(${c.dense}, relu) → Dense(1)`);
  console.log(`stock: tfjs-layers on ${backend}; MOrA: ${lstmBackend()}, same process\n`);
  const xt = tf.tensor3d(x, [N, c.steps, c.inputSize]);
  const yt = tf.tensor2d(y, [N, 1]);
  const mora: Record<string, number> = {};
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
    const med = (a: number[]): number => a.slice().sort((p, q) => p - q)[Math.floor(a.length / 2)];
    const sStock = stockEpochs > 0 ? med(stockTimes) : NaN;
    console.log(`batch ${batch}:`);
    if (stockEpochs > 0) console.log(`  stock tfjs-layers     ${sStock.toFixed(3)} s/epoch   loss ${stockLoss.map((l) => l.toFixed(4)).join(' ')}`);
    for (const kernels of kernelKinds) {
      const net = new LstmNet(c, 1, kernels);
      net.setWeights(init);
      const res = train(net, { x, y, n: N }, undefined, { epochs, batchSize: batch, learningRate: 1e-3, patience: epochs, seed: 7 });
      // The first epoch includes JIT warm-up and arena allocation; the median of the rest is the steady state.
      const s = med(res.history.slice(1).map((h) => h.seconds));
      mora[`${net.kernels} ${batch}`] = s;
      const goal = net.kernels !== 'wasm-simd' ? ''
        : batch === 32 ? `   goal ≤ 0.9 s: ${s <= 0.9 ? 'met' : 'NOT met'}`
          : batch === 256 ? `   goal ≤ 0.4 s${mora['wasm-simd 32'] ? ' and faster than batch 32' : ''}: ${s <= 0.4 && !(s >= mora['wasm-simd 32']) ? 'met' : 'NOT met'}` : '';
      const ratio = stockEpochs > 0 ? `   speed-up ×${(sStock / s).toFixed(1)}` : '';
      console.log(`  MOrA ${net.kernels.padEnd(16)} ${s.toFixed(3)} s/epoch   loss ${res.history.map((h) => h.loss.toFixed(4)).join(' ')}${ratio}${goal}`);
    }
    stock.dispose();
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
