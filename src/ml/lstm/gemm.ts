/**
 * Dense single-precision matrix products over row-major Float32Arrays — the hot loops of MOrA's LSTM.
 *
 * Why hand-written: TF.js dispatches one kernel per op, and an LSTM step is ~10 tiny ops, so stock tfjs-layers
 * spends most of an epoch in dispatch overhead. These loops are register-blocked (4 rows × 4 columns of C kept
 * in locals) so each loaded value of A and B is reused four times; V8 compiles them to tight scalar code.
 */

const KBLOCK = 128;

/** The exports of gemm.wat (pointers in bytes). */
export interface WasmKernels {
  gemm: (M: number, N: number, K: number, lda: number, A: number, B: number, C: number, acc: number) => void;
  gemm_s: (M: number, N: number, K: number, sAi: number, sAk: number, A: number, B: number, C: number, acc: number) => void;
  gates_fwd: (B: number, H: number, z: number, bias: number, cp: number, cn: number, hn: number, tc: number) => void;
  /** `up` (upstream gradient) and `mask` (its dropout mask) are -1 when absent; adds Σ_b dz[b] to db. */
  gates_bwd: (B: number, H: number, z: number, cp: number, tc: number, dh: number, up: number, mask: number, dc: number, dz: number, db: number) => void;
  dropout: (n: number, p: number, scale: number, seed: number, src: number, dst: number, mask: number) => void;
  /** Where gemm_s may copy B's column panels (PACK_PANEL_BYTES, outside every array the kernels are given); 0 = nowhere. */
  set_pack: (ptr: number) => void;
}
/** Bytes of the products' scratch panel: KBLOCK rows × 16 columns of f32. */
export const PACK_PANEL_BYTES = KBLOCK * 64;
/** WASM memories (see arena.ts) whose arrays the SIMD kernels run on in place. */
const wasmKernels = new WeakMap<ArrayBufferLike, WasmKernels>();
export function registerWasmKernels(buffer: ArrayBufferLike, k: WasmKernels): void {
  wasmKernels.set(buffer, k);
}
/** The SIMD kernels that run in place on `F`, if it lives in WASM memory. */
export function wasmKernelsFor(F: Float32Array): WasmKernels | undefined {
  return wasmKernels.get(F.buffer);
}

/**
 * C[M×N] = (accumulate ? C : 0) + A[M×K] · B[K×N]. Offsets let callers address sub-blocks of bigger buffers.
 * Long K (weight gradients sum over all T·B rows) is cut into blocks so the rows of B in use stay in cache.
 */
export function gemm(
  M: number, N: number, K: number,
  A: Float32Array, aOff: number,
  B: Float32Array, bOff: number,
  C: Float32Array, cOff: number,
  accumulate: boolean,
): void {
  if (A === B && B === C && N % 8 === 0) {
    const w = wasmKernels.get(A.buffer);
    if (w) {
      for (let k0 = 0; k0 < K; k0 += KBLOCK) {
        w.gemm(M, N, Math.min(KBLOCK, K - k0), K, (aOff + k0) * 4, (bOff + k0 * N) * 4, cOff * 4, accumulate || k0 > 0 ? 1 : 0);
      }
      return;
    }
  }
  if (K <= 2 * KBLOCK) { gemmBlock(M, N, K, K, A, aOff, B, bOff, C, cOff, accumulate); return; }
  for (let k0 = 0; k0 < K; k0 += KBLOCK) {
    gemmBlock(M, N, Math.min(KBLOCK, K - k0), K, A, aOff + k0, B, bOff + k0 * N, C, cOff, accumulate || k0 > 0);
  }
}

/**
 * C[M×N] = (accumulate ? C : 0) + Aᵀ · B[K×N] for A stored [K × M] (weight gradients: inputᵀ · d(gates) over all T·B rows).
 * The SIMD path reads A by strides, no copy; elsewhere A is transposed into `F[scratch…]` first (the arena's scratch block).
 */
export function gemmTN(
  M: number, N: number, K: number,
  F: Float32Array, aOff: number, bOff: number, cOff: number,
  accumulate: boolean, scratch: number,
): void {
  const w = N % 8 === 0 ? wasmKernels.get(F.buffer) : undefined;
  if (w) {
    for (let k0 = 0; k0 < K; k0 += KBLOCK) {
      w.gemm_s(M, N, Math.min(KBLOCK, K - k0), 4, M * 4, (aOff + k0 * M) * 4, (bOff + k0 * N) * 4, cOff * 4, accumulate || k0 > 0 ? 1 : 0);
    }
    return;
  }
  transpose(K, M, F, aOff, F, scratch);
  gemm(M, N, K, F, scratch, F, bOff, F, cOff, accumulate);
}

/** One K-block: A rows have stride `lda`. */
function gemmBlock(
  M: number, N: number, K: number, lda: number,
  A: Float32Array, aOff: number,
  B: Float32Array, bOff: number,
  C: Float32Array, cOff: number,
  accumulate: boolean,
): void {
  const M4 = M - (M % 4);
  const N4 = N - (N % 4);
  for (let i = 0; i < M4; i += 4) {
    const a0 = aOff + i * lda, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
    const c0 = cOff + i * N, c1 = c0 + N, c2 = c1 + N, c3 = c2 + N;
    for (let j = 0; j < N4; j += 4) {
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0;
      let s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      let s20 = 0, s21 = 0, s22 = 0, s23 = 0;
      let s30 = 0, s31 = 0, s32 = 0, s33 = 0;
      let bp = bOff + j;
      for (let k = 0; k < K; k++, bp += N) {
        const b0 = B[bp], b1 = B[bp + 1], b2 = B[bp + 2], b3 = B[bp + 3];
        const x0 = A[a0 + k], x1 = A[a1 + k], x2 = A[a2 + k], x3 = A[a3 + k];
        s00 += x0 * b0; s01 += x0 * b1; s02 += x0 * b2; s03 += x0 * b3;
        s10 += x1 * b0; s11 += x1 * b1; s12 += x1 * b2; s13 += x1 * b3;
        s20 += x2 * b0; s21 += x2 * b1; s22 += x2 * b2; s23 += x2 * b3;
        s30 += x3 * b0; s31 += x3 * b1; s32 += x3 * b2; s33 += x3 * b3;
      }
      if (accumulate) {
        C[c0 + j] += s00; C[c0 + j + 1] += s01; C[c0 + j + 2] += s02; C[c0 + j + 3] += s03;
        C[c1 + j] += s10; C[c1 + j + 1] += s11; C[c1 + j + 2] += s12; C[c1 + j + 3] += s13;
        C[c2 + j] += s20; C[c2 + j + 1] += s21; C[c2 + j + 2] += s22; C[c2 + j + 3] += s23;
        C[c3 + j] += s30; C[c3 + j + 1] += s31; C[c3 + j + 2] += s32; C[c3 + j + 3] += s33;
      } else {
        C[c0 + j] = s00; C[c0 + j + 1] = s01; C[c0 + j + 2] = s02; C[c0 + j + 3] = s03;
        C[c1 + j] = s10; C[c1 + j + 1] = s11; C[c1 + j + 2] = s12; C[c1 + j + 3] = s13;
        C[c2 + j] = s20; C[c2 + j + 1] = s21; C[c2 + j + 2] = s22; C[c2 + j + 3] = s23;
        C[c3 + j] = s30; C[c3 + j + 1] = s31; C[c3 + j + 2] = s32; C[c3 + j + 3] = s33;
      }
    }
    for (let j = N4; j < N; j++) {
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let k = 0; k < K; k++) {
        const b = B[bOff + k * N + j];
        s0 += A[a0 + k] * b; s1 += A[a1 + k] * b; s2 += A[a2 + k] * b; s3 += A[a3 + k] * b;
      }
      if (accumulate) { C[c0 + j] += s0; C[c1 + j] += s1; C[c2 + j] += s2; C[c3 + j] += s3; }
      else { C[c0 + j] = s0; C[c1 + j] = s1; C[c2 + j] = s2; C[c3 + j] = s3; }
    }
  }
  // Leftover rows: row-wise axpy, so B is read along its rows (a column walk would miss the cache on every load).
  for (let i = M4; i < M; i++) {
    const a = aOff + i * lda, c = cOff + i * N;
    if (!accumulate) C.fill(0, c, c + N);
    for (let k = 0; k < K; k++) {
      const x = A[a + k];
      const b = bOff + k * N;
      for (let j = 0; j < N; j++) C[c + j] += x * B[b + j];
    }
  }
}

/** out[C×R] = transpose of in[R×C]. */
export function transpose(R: number, C: number, src: Float32Array, srcOff: number, dst: Float32Array, dstOff = 0): void {
  for (let r = 0; r < R; r++) {
    const s = srcOff + r * C;
    for (let c = 0; c < C; c++) dst[dstOff + c * R + r] = src[s + c];
  }
}
