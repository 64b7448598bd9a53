/**
 * Benchmark: a saved MOrA model (TF.js LayersModel artefact) predicting on TF.js's backends — TensorFlow's native kernels
 * when @tensorflow/tfjs-node is installed, WASM, pure JS — against MOrA's own kernels, on the same windows, with the
 * largest difference between their outputs.
 *
 *   npm run bench:tfjs [-- --reps N]
 *
 * Network: the default univariate forecaster (30 steps × 6 features → LSTM 64 → LSTM 32 → Dense 16 → 30 outputs),
 * seeded initial weights. Batch 1 is one forecast pass (a day at 5-minute steps is 10 of them); batch 256 is a
 * many-series pass.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../src/core/random';
import { lstmBackend } from '../../src/ml/lstm/backend';
import { LstmNet, type LstmNetConfig } from '../../src/ml/lstm/net';
import { moraVersion } from '../../src/ml/lstm/persist';
import { writeLayersArtefact } from '../../src/ml/lstm/tfjs-artefact';
import { loadTfjs, openLayersModel } from '../../src/ml/lstm/tfjs-runtime';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
}

function timeMs(reps: number, fn: () => void): number {
  fn(); // warm-up
  const t0 = process.hrtime.bigint();
  for (let r = 0; r < reps; r++) fn();
  return Number(process.hrtime.bigint() - t0) / 1e6 / reps;
}

async function main(): Promise<void> {
  const reps = Number(arg('reps', '20'));
  const c: LstmNetConfig = { inputSize: 6, steps: 30, units1: 64, units2: 32, dense: 16, outputs: 30, dropout: 0.2 };
  const net = new LstmNet(c, 42);
  const dir = mkdtempSync(join(tmpdir(), 'mora-tfjs-bench-'));
  const path = join(dir, 'model.json');
  writeLayersArtefact(path, c, net.getWeights(), { version: moraVersion() });
  const rng = new Rng(1);
  const batches = [1, 256];
  const xs = batches.map((B) => new Float32Array(B * c.steps * c.inputSize).map(() => rng.next() * 2 - 1));
  console.log(`TF.js artefact vs MOrA's kernels — predict, ${c.steps} × ${c.inputSize} → LSTM(${c.units1}) → LSTM(${c.units2}) → Dense(${c.dense}) → ${c.outputs}, ms per call (${reps} reps)\n`);
  console.log('path'.padEnd(64) + batches.map((B) => `batch ${B}`.padStart(12)).join('') + '   max |Δ| vs MOrA');
  const ours = batches.map((B, i) => net.predict(xs[i], B));
  const row = (name: string, ms: number[], diff: string) => console.log(name.padEnd(64) + ms.map((m) => m.toFixed(2).padStart(12)).join('') + `   ${diff}`);
  row(`MOrA ${lstmBackend().split(' ')[0]}`, batches.map((B, i) => timeMs(reps, () => net.predict(xs[i], B))), '—');

  let hasNode = true;
  try { require.resolve('@tensorflow/tfjs-node'); } catch { hasNode = false; }
  if (!hasNode) console.log('tfjs-node'.padEnd(64) + '   not installed (optional; its install downloads libtensorflow)');
  for (const prefer of [...(hasNode ? ['node' as const] : []), 'wasm' as const, 'cpu' as const]) {
    const { tf, backend } = await loadTfjs(prefer);
    const model = await openLayersModel(tf, path);
    let diff = 0;
    const ms = batches.map((B, i) => {
      const xt = tf.tensor3d(xs[i], [B, c.steps, c.inputSize]);
      const out = tf.tidy(() => (model.predict(xt) as import('@tensorflow/tfjs').Tensor).dataSync());
      out.forEach((v, k) => { diff = Math.max(diff, Math.abs(v - ours[i][k])); });
      const t = timeMs(reps, () => tf.tidy(() => (model.predict(xt) as import('@tensorflow/tfjs').Tensor).dataSync()));
      xt.dispose();
      return t;
    });
    row(`tfjs-layers on ${backend}`, ms, diff.toExponential(2));
    model.dispose();
  }
  rmSync(dir, { recursive: true, force: true });
}

main().catch((e) => { console.error(e); process.exit(1); });
