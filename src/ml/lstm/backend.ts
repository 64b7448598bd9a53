/**
 * Which compute path the LSTM runs on, and the TF.js backend picker for where TF.js is used (the stock reference in
 * bench:lstm and the parity test).
 *
 * MOrA trains and predicts with its own kernels (./net.ts, ./gemm.ts, ./gemm.wat): the matrix products in WebAssembly SIMD
 * where the runtime has it (every supported Node and VS Code), else TypeScript; no native code, same numerics either way —
 * measured against stock tfjs-layers in bench:lstm (docs/BENCHMARKS.md). TF.js backends, in order of preference: tfjs-node when installed (optional, never required),
 * WASM (SIMD; threads where the runtime allows), pure JS.
 */
import { dirname, join } from 'node:path';
import type * as tfType from '@tensorflow/tfjs';

import { defaultKernels } from './arena';

/** What the LSTM runs on here: MOrA's kernels with WASM SIMD matrix products, or all-TypeScript where WASM SIMD is missing. */
export function lstmBackend(): string {
  return defaultKernels() === 'wasm-simd'
    ? 'mora-kernels/wasm-simd (SIMD matrix products and gate kernels in WebAssembly, driven from TypeScript; one thread per worker, a global model\'s large batches split over 2 where a core is free)'
    : 'mora-kernels/js (TypeScript over Float32Array; one thread per worker, a global model\'s large batches split over 2 where a core is free)';
}

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
