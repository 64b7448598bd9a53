/**
 * Which compute path the LSTM runs on, and the TF.js backend picker for where TF.js is used (the stock reference in
 * bench:lstm and the parity test).
 *
 * MOrA trains and predicts with its own kernels (./net.ts, ./gemm.ts): plain TypeScript over Float32Array, no native
 * code, identical on every platform — measured faster than stock tfjs-layers on both the WASM and the pure-JS backend
 * (docs/BENCHMARKS.md). TF.js backends, in order of preference: tfjs-node when installed (optional, never required),
 * WASM (SIMD; threads where the runtime allows), pure JS.
 */
import { dirname, join } from 'node:path';
import type * as tfType from '@tensorflow/tfjs';

export const LSTM_BACKEND = 'mora-kernels (TypeScript, Float32Array, single thread per worker)';

export async function pickTfBackend(tf: typeof tfType, prefer: 'node' | 'wasm' | 'cpu' = 'node', wasmDir?: string): Promise<string> {
  if (prefer === 'node') {
    try {
      require('@tensorflow/tfjs-node');
      if (await tf.setBackend('tensorflow')) return 'tensorflow (tfjs-node)';
    } catch { /* optional dependency not installed */ }
  }
  if (prefer !== 'cpu') {
    try {
      const wasm = require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
      wasm.setWasmPaths((wasmDir ?? join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist')) + '/');
      if (await tf.setBackend('wasm')) {
        const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
        const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
        return `wasm (SIMD ${simd ? 'on' : 'off'}, threads ${threads ? 'on' : 'off'})`;
      }
    } catch { /* fall through to pure JS */ }
  }
  await tf.setBackend('cpu');
  return 'cpu (pure JS)';
}
