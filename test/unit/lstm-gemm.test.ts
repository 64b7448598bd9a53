import assert from 'node:assert/strict';
import { Rng } from '../../src/core/random';
import { Arena } from '../../src/ml/lstm/arena';
import { gemm, gemmTN, wasmKernelsFor } from '../../src/ml/lstm/gemm';

/**
 * The WASM SIMD products must give exactly the floats of a plain f32 loop that sums each C value's k terms in order
 * (then adds the old C when accumulating): training is hash-identical whichever way the kernel walks or copies B.
 * The shapes cover B panels copied into the scratch panel (K·N ≥ 8192, M ≥ 4) and not, odd M, an 8-column tail
 * (N = 24) and K above one 128-row block.
 */
describe('LSTM WASM products', () => {
  const f = Math.fround;
  function reference(M: number, N: number, K: number, a: (i: number, k: number) => number, b: Float32Array, old: Float32Array | null): Float32Array {
    const out = new Float32Array(M * N);
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let k0 = 0; k0 < K; k0 += 128) {
          // gemm.ts cuts K into 128-row blocks; each block's sum is added to C in turn.
          let blk = 0;
          for (let k = k0; k < Math.min(K, k0 + 128); k++) blk = f(blk + f(a(i, k) * b[k * N + j]));
          s = k0 === 0 && !old ? blk : f(blk + (k0 === 0 ? old![i * N + j] : s));
        }
        out[i * N + j] = s;
      }
    }
    return out;
  }

  const shapes = [
    { M: 32, N: 256, K: 64 }, { M: 256, N: 256, K: 64 }, { M: 7, N: 128, K: 64 }, { M: 3, N: 256, K: 64 },
    { M: 33, N: 64, K: 256 }, { M: 32, N: 128, K: 32 }, { M: 9, N: 24, K: 300 }, { M: 64, N: 256, K: 14 },
  ];
  for (const { M, N, K } of shapes) {
    for (const accumulate of [false, true]) {
      it(`${M}×${K} · ${K}×${N}${accumulate ? ', accumulated' : ''}: A·B and Aᵀ·B as a plain f32 loop in k order`, () => {
        const arena = new Arena(2 * M * K + K * N + 2 * M * N + 16, 'wasm-simd');
        // Node 20 always has WASM SIMD: falling back here would mean the kernel module failed to load, a defect, not a reason to skip.
        assert.equal(arena.kind, 'wasm-simd', 'the WASM SIMD kernels load');
        const F = arena.F;
        assert.ok(wasmKernelsFor(F));
        const rng = new Rng(M * 1000 + N + K);
        const aOff = 0, atOff = M * K, bOff = 2 * M * K, cOff = bOff + K * N, ctOff = cOff + M * N;
        for (let i = 0; i < M * K; i++) F[aOff + i] = rng.normal();
        for (let i = 0; i < M; i++) for (let k = 0; k < K; k++) F[atOff + k * M + i] = F[aOff + i * K + k];
        for (let i = 0; i < K * N; i++) F[bOff + i] = rng.normal();
        for (let i = 0; i < M * N; i++) F[cOff + i] = F[ctOff + i] = rng.normal();
        const old = accumulate ? F.slice(cOff, cOff + M * N) : null;
        const want = reference(M, N, K, (i, k) => F[aOff + i * K + k], F.slice(bOff, bOff + K * N), old);
        gemm(M, N, K, F, aOff, F, bOff, F, cOff, accumulate);
        gemmTN(M, N, K, F, atOff, bOff, ctOff, accumulate, -1);
        assert.deepEqual(F.slice(cOff, cOff + M * N), want, 'A·B');
        assert.deepEqual(F.slice(ctOff, ctOff + M * N), want, 'Aᵀ·B');
      });
    }
  }
});
