/**
 * MOrA's LSTM network: LSTM(units1, return sequences) → Dropout → LSTM(units2) → Dropout → Dense(dense, relu) → Dense(outputs),
 * with a hand-written forward pass, backward pass through time and Adam, over one Float32Array arena.
 *
 * Numerics follow Keras/TF.js exactly so the two are interchangeable (weights load both ways, see `setWeights`):
 * gate order i, f, g, o; sigmoid gates, tanh cell; Glorot-uniform kernels, orthogonal recurrent kernels, forget-gate bias 1;
 * inverted dropout; MSE loss (or MAE, `loss: 'mae'`) averaged over batch and outputs; Adam with TF.js defaults (β1 0.9, β2 0.999, ε 1e-7).
 *
 * Speed comes from layout: batches are time-major ([T][B][features]) and run step by step so each step's block stays in
 * cache — per step one product for the input projection, one for the recurrence (the four gates fused into a single
 * [H × 4H] matrix) and one gate kernel; backward, each step's gate gradients feed dh, dWh, dWx, db and dx at once.
 * A batch larger than `partRows` windows runs its forward and backward passes in parts of about that many windows, the
 * parts' gradients summed into one optimizer step (see `gradients`).
 * Where the arena lives in WASM memory the products, gate kernels and dropout run in WASM SIMD (gemm.wat).
 */
import { Rng } from '../../core/random';
import { gemm, gemmTN, transpose, wasmKernelsFor } from './gemm';
import { Arena, type KernelKind } from './arena';

export interface LstmNetConfig {
  /** Features per time step. */
  inputSize: number;
  /** Window length (time steps). */
  steps: number;
  units1: number;
  units2: number;
  dense: number;
  outputs: number;
  dropout: number;
  /** Training loss: 'mse' (Keras's default, the stock reference) unless set. */
  loss?: LossKind;
}

export type LossKind = 'mse' | 'mae';

/** Where dropout draws come from: one `next()` per dropout layer and batch seeds that layer's masks (an Rng, or replayed draws). */
export interface DropoutDraws { next(): number }

/**
 * A part of a batch (data-parallel training, shards.ts): windows [offset, offset + B) of a batch of `total` windows.
 * The loss and gradients are scaled by the whole batch, and dropout masks are drawn as for the whole batch, so the parts'
 * gradients sum to the whole batch's and do not depend on how it is split.
 */
export interface BatchShard { offset: number; total: number }

interface ParamSlot { name: string; shape: number[]; off: number; size: number }

/** Offsets (in floats) of every buffer of one batch size. */
interface Buffers {
  B: number;
  x: number; z1: number; h1: number; c1: number; tc1: number; m1: number; x2: number;
  z2: number; h2: number; c2: number; tc2: number; m2: number; y2: number; a1: number; out: number;
  dOut: number; dA1: number; dY2: number; dX2: number; dZ1: number; dZ2: number; dh: number; dc: number;
  wT: number; tT: number;
  /** Each LSTM layer's transposed weights for its backward pass (Whᵀ, and Wxᵀ of layer 2 for dx), made once per batch. */
  wTh1: number; wTh2: number; wTx2: number;
}

/**
 * Windows per forward/backward pass (LstmNet.partRows). A pass keeps ~100 KB of activations per window (T steps of
 * gates, cells, hidden states, masks) until its backward pass reads them back, so one pass over 256 windows (25 MB)
 * leaves the caches and the backward gate kernels wait on memory; the products cost the same per window at any size.
 * In parts, the large batch keeps what is paid per batch, not per window — one Adam step, one transpose of each
 * weight — on a working set like a small batch's. Batch 256 in parts of 32 / 48 / 64 / 96 / 128 / one pass: CPU
 * 182 / 184 / 177–182 / 182 / 185 / 184–186 ms per epoch, batch 32 186–189 (docs/BENCHMARKS.md, issue 13).
 */
export const PART_ROWS = 64;

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

export class LstmNet {
  readonly config: LstmNetConfig;
  readonly nParams: number;
  /** The arena: parameters, gradients, Adam moments and activations all live here. */
  private F: Float32Array;
  private readonly slots: ParamSlot[] = [];
  private readonly P: number; // parameter block
  private readonly G: number; // gradient block
  private readonly Mom: number; // Adam first moment
  private readonly Vel: number; // Adam second moment
  private used = 0;
  private bufs: Buffers | undefined;
  private adamStep = 0;
  /** Windows per forward/backward pass; a larger batch runs in parts (`gradients`). Tests set it to compare splits. */
  partRows = PART_ROWS;

  private readonly arena: Arena;

  constructor(config: LstmNetConfig, seed = 42, kernels?: KernelKind) {
    this.config = config;
    const { inputSize: D, units1: H1, units2: H2, dense: Dn, outputs: O } = config;
    const shapes: Array<[string, number[]]> = [
      ['lstm1/kernel', [D, 4 * H1]], ['lstm1/recurrent_kernel', [H1, 4 * H1]], ['lstm1/bias', [4 * H1]],
      ['lstm2/kernel', [H1, 4 * H2]], ['lstm2/recurrent_kernel', [H2, 4 * H2]], ['lstm2/bias', [4 * H2]],
      ['dense1/kernel', [H2, Dn]], ['dense1/bias', [Dn]],
      ['dense2/kernel', [Dn, O]], ['dense2/bias', [O]],
    ];
    let off = 0;
    for (const [name, shape] of shapes) {
      const size = shape.reduce((a, b) => a * b, 1);
      this.slots.push({ name, shape, off, size });
      off += size;
    }
    this.nParams = off;
    this.P = 0; this.G = off; this.Mom = 2 * off; this.Vel = 3 * off;
    this.used = 4 * off;
    this.arena = new Arena(this.used, kernels);
    this.F = this.arena.F;
    this.initialise(new Rng(seed));
  }

  // ---------- parameters ----------

  private slot(name: string): ParamSlot {
    const s = this.slots.find((p) => p.name === name);
    if (!s) throw new Error(`no parameter ${name}`);
    return s;
  }

  /** Keras defaults: Glorot-uniform kernels, orthogonal recurrent kernels, zero biases with the forget gate's at 1. */
  private initialise(rng: Rng): void {
    const F = this.F;
    for (const s of this.slots) {
      const o = this.P + s.off;
      if (s.name.endsWith('recurrent_kernel')) {
        orthogonal(s.shape[0], s.shape[1], rng, F, o);
      } else if (s.name.endsWith('kernel')) {
        const limit = Math.sqrt(6 / (s.shape[0] + s.shape[1]));
        for (let i = 0; i < s.size; i++) F[o + i] = (rng.next() * 2 - 1) * limit;
      } else {
        F.fill(0, o, o + s.size);
        if (s.name.startsWith('lstm')) {
          const H = s.size / 4;
          F.fill(1, o + H, o + 2 * H);
        }
      }
    }
  }

  /** Weights in Keras order (kernel, recurrent kernel, bias per LSTM; kernel, bias per Dense), as TF.js `getWeights()`. */
  getWeights(): Float32Array[] {
    return this.slots.map((s) => this.F.slice(this.P + s.off, this.P + s.off + s.size));
  }

  setWeights(weights: ArrayLike<number>[]): void {
    if (weights.length !== this.slots.length) throw new Error(`expected ${this.slots.length} weight arrays, got ${weights.length}`);
    this.slots.forEach((s, i) => {
      if (weights[i].length !== s.size) throw new Error(`${s.name}: expected ${s.size} values, got ${weights[i].length}`);
      this.F.set(weights[i], this.P + s.off);
    });
    this.resetOptimizer();
  }

  /** Which kernels run: WASM SIMD matrix products or the TypeScript ones. */
  get kernels(): KernelKind { return this.arena.kind; }

  weightShapes(): Array<{ name: string; shape: number[] }> {
    return this.slots.map((s) => ({ name: s.name, shape: s.shape.slice() }));
  }

  /** Gradients of the last `trainBatch`/`gradients` call, in the same order as `getWeights`. */
  getGradients(): Float32Array[] {
    return this.slots.map((s) => this.F.slice(this.G + s.off, this.G + s.off + s.size));
  }

  /** All parameters as one flat array (the arena's parameter block, `getWeights` order), into `dst` (length nParams). */
  readParams(dst: Float32Array): void { dst.set(this.F.subarray(this.P, this.P + this.nParams)); }

  /** Replaces all parameters from one flat array (as `readParams` gives); the optimizer state is kept. */
  loadParams(src: Float32Array): void { this.F.set(src.subarray(0, this.nParams), this.P); }

  /** The gradients of the last `gradients` call as one flat array, into `dst`. */
  readGradients(dst: Float32Array): void { dst.set(this.F.subarray(this.G, this.G + this.nParams)); }

  /** Adds `src` (a flat gradient, as `readGradients` gives) to the current gradients: another shard's share of the batch. */
  addGradients(src: Float32Array): void {
    const F = this.F, G = this.G;
    for (let i = 0; i < this.nParams; i++) F[G + i] += src[i];
  }

  resetOptimizer(): void {
    this.F.fill(0, this.Mom, this.Mom + 2 * this.nParams);
    this.adamStep = 0;
  }

  // ---------- buffers ----------

  private buffersFor(B: number): Buffers {
    if (this.bufs && this.bufs.B >= B) return this.bufs;
    const { inputSize: D, steps: T, units1: H1, units2: H2, dense: Dn, outputs: O } = this.config;
    let off = 4 * this.nParams;
    const a = (n: number): number => { const o = off; off += n; return o; };
    const Hm = Math.max(H1, H2);
    const b: Buffers = {
      B,
      x: a(T * B * D), z1: a(T * B * 4 * H1), h1: a((T + 1) * B * H1), c1: a((T + 1) * B * H1), tc1: a(T * B * H1),
      m1: a(T * B * H1), x2: a(T * B * H1),
      z2: a(T * B * 4 * H2), h2: a((T + 1) * B * H2), c2: a((T + 1) * B * H2), tc2: a(T * B * H2),
      m2: a(B * H2), y2: a(B * H2), a1: a(B * Dn), out: a(B * O),
      dOut: a(B * O), dA1: a(B * Dn), dY2: a(B * H2), dX2: a(T * B * H1), dZ1: a(B * 4 * H1), dZ2: a(B * 4 * H2),
      dh: a(B * Hm), dc: a(B * Hm),
      wT: a(4 * Hm * Math.max(Hm, D, Dn, O)), tT: a(B * Math.max(Hm, D)),
      wTh1: a(4 * H1 * H1), wTh2: a(4 * H2 * H2), wTx2: a(4 * H2 * H1),
    };
    this.F = this.arena.ensure(off);
    this.used = off;
    this.bufs = b;
    return b;
  }

  // ---------- forward ----------

  /**
   * Forward pass for B windows, `x` sample-major [B][T][D]. With `dropoutRng` the dropout masks are drawn (training);
   * without, dropout is the identity (inference). Returns the offset of the output block [B][O] in the arena.
   */
  private forward(x: Float32Array, xRow: number, B: number, dropoutRng: DropoutDraws | undefined, order?: Int32Array, shard?: BatchShard): number {
    const { inputSize: D, steps: T, units1: H1, units2: H2, dense: Dn, outputs: O, dropout } = this.config;
    const bf = this.buffersFor(B);
    const F = this.F;
    // Gather sample-major windows into the time-major layout.
    for (let b = 0; b < B; b++) {
      const src = (order ? order[xRow + b] : xRow + b) * T * D;
      for (let t = 0; t < T; t++) {
        const s = src + t * D, d = bf.x + (t * B + b) * D;
        for (let i = 0; i < D; i++) F[d + i] = x[s + i];
      }
    }
    const p = (n: string): number => this.P + this.slot(n).off;
    lstmForward(F, B, T, D, H1, bf.x, p('lstm1/kernel'), p('lstm1/recurrent_kernel'), p('lstm1/bias'), bf.z1, bf.h1, bf.c1, bf.tc1);
    // Dropout on the whole output sequence of layer 1.
    const n1 = T * B * H1;
    // The mask of element (t, b, j) is the whole batch's, whatever part of it this call computes (see BatchShard).
    const seed1 = dropSeed(dropout, dropoutRng);
    if (!shard || (shard.offset === 0 && shard.total === B)) applyDropout(F, bf.h1 + B * H1, bf.x2, bf.m1, n1, dropout, seed1);
    else {
      for (let t = 0; t < T; t++) {
        const o = t * B * H1;
        applyDropout(F, bf.h1 + B * H1 + o, bf.x2 + o, bf.m1 + o, B * H1, dropout, shiftSeed(seed1, (t * shard.total + shard.offset) * H1));
      }
    }
    lstmForward(F, B, T, H1, H2, bf.x2, p('lstm2/kernel'), p('lstm2/recurrent_kernel'), p('lstm2/bias'), bf.z2, bf.h2, bf.c2, bf.tc2);
    const seed2 = dropSeed(dropout, dropoutRng);
    applyDropout(F, bf.h2 + T * B * H2, bf.y2, bf.m2, B * H2, dropout, shiftSeed(seed2, (shard?.offset ?? 0) * H2));
    denseForward(F, B, H2, Dn, bf.y2, p('dense1/kernel'), p('dense1/bias'), bf.a1, true);
    denseForward(F, B, Dn, O, bf.a1, p('dense2/kernel'), p('dense2/bias'), bf.out, false);
    return bf.out;
  }

  /**
   * Predictions for N windows (no dropout), sample-major [N][O], in chunks of `batchSize` windows: by default `partRows`,
   * so validation does not grow the arena past the training passes' size (each row is computed on its own, so the chunk
   * size does not change the outputs beyond f32 rounding in the TypeScript products).
   */
  predict(x: Float32Array, N: number, batchSize = this.partRows): Float32Array {
    const { outputs: O, steps: T, inputSize: D } = this.config;
    if (x.length < N * T * D) throw new Error(`predict: expected ${N}×${T}×${D} inputs, got ${x.length} values`);
    const out = new Float32Array(N * O);
    for (let r = 0; r < N; r += batchSize) {
      const B = Math.min(batchSize, N - r);
      const o = this.forward(x, r, B, undefined);
      out.set(this.F.subarray(o, o + B * O), r * O);
    }
    return out;
  }

  // ---------- backward ----------

  /**
   * Loss and gradients for windows [row, row+B) of (x, y); gradients land in the gradient block (see `getGradients`).
   * Returns the batch's loss (mean squared or mean absolute error, per `config.loss`); with `shard`, this part's share of
   * the whole batch's loss (the parts' shares sum to it).
   *
   * More than `partRows` windows run as equal parts (a multiple of 4 rows each, the last one shorter) through the same
   * BatchShard mechanism as training threads: each part's loss and gradients are scaled by the whole batch and its dropout
   * masks are the whole batch's (the batch's two draws replayed), and each part adds its gradients to the ones before.
   * So the result equals one pass over the batch up to float summation order (weight gradients sum part by part).
   */
  gradients(x: Float32Array, y: Float32Array, row: number, B: number, dropoutRng: DropoutDraws | undefined, order?: Int32Array, shard?: BatchShard): number {
    const parts = Math.ceil(B / Math.max(4, this.partRows));
    if (parts <= 1) return this.passGradients(x, y, row, B, dropoutRng, order, shard, false);
    // The first part is the largest, so the buffers (and the transposed weights it leaves there) stay put for the rest.
    const size = Math.ceil(B / parts / 4) * 4;
    const draws = dropoutRng && this.config.dropout > 0 ? [dropoutRng.next(), dropoutRng.next()] : undefined;
    const offset = shard?.offset ?? 0, total = shard?.total ?? B;
    let loss = 0;
    for (let o = 0; o < B; o += size) {
      const part = { offset: offset + o, total };
      loss += this.passGradients(x, y, row + o, Math.min(size, B - o), draws ? replayDraws(draws) : undefined, order, part, o > 0);
    }
    return loss;
  }

  /** One forward and backward pass over B windows; `more`: add to the gradient block (a later part of the batch) instead of replacing it. */
  private passGradients(
    x: Float32Array, y: Float32Array, row: number, B: number, dropoutRng: DropoutDraws | undefined,
    order: Int32Array | undefined, shard: BatchShard | undefined, more: boolean,
  ): number {
    const { inputSize: D, steps: T, units1: H1, units2: H2, dense: Dn, outputs: O, dropout } = this.config;
    const outOff = this.forward(x, row, B, dropoutRng, order, shard);
    const F = this.F;
    const bf = this.bufs!;
    const n = (shard?.total ?? B) * O;
    let loss = 0;
    const mae = this.config.loss === 'mae';
    for (let b = 0; b < B; b++) {
      const yr = (order ? order[row + b] : row + b) * O;
      for (let j = 0; j < O; j++) {
        const d = F[outOff + b * O + j] - y[yr + j];
        loss += mae ? Math.abs(d) : d * d;
        F[bf.dOut + b * O + j] = (mae ? Math.sign(d) : 2 * d) / n;
      }
    }
    const p = (name: string): number => this.P + this.slot(name).off;
    const g = (name: string): number => this.G + this.slot(name).off;
    denseBackward(F, B, Dn, O, bf.a1, p('dense2/kernel'), bf.dOut, g('dense2/kernel'), g('dense2/bias'), bf.dA1, bf.wT, bf.tT, false, 0, more);
    denseBackward(F, B, H2, Dn, bf.y2, p('dense1/kernel'), bf.dA1, g('dense1/kernel'), g('dense1/bias'), bf.dY2, bf.wT, bf.tT, true, bf.a1, more);
    // Through dropout 2 into the last hidden state of layer 2.
    if (dropout > 0 && dropoutRng) for (let i = 0; i < B * H2; i++) F[bf.dY2 + i] *= F[bf.m2 + i];
    lstmBackward(F, B, T, H1, H2, bf.x2, p('lstm2/kernel'), p('lstm2/recurrent_kernel'), bf.z2, bf.h2, bf.c2, bf.tc2,
      -1, -1, bf.dY2, bf.dZ2, bf.dh, bf.dc, bf.wTh2, bf.wTx2, bf.tT, g('lstm2/kernel'), g('lstm2/recurrent_kernel'), g('lstm2/bias'), bf.dX2, more);
    // Through dropout 1: lstmBackward masks each step's share of dX2 as it reads it (no separate pass over [T][B][H1]).
    lstmBackward(F, B, T, D, H1, bf.x, p('lstm1/kernel'), p('lstm1/recurrent_kernel'), bf.z1, bf.h1, bf.c1, bf.tc1,
      bf.dX2, dropout > 0 && dropoutRng ? bf.m1 : -1, -1, bf.dZ1, bf.dh, bf.dc, bf.wTh1, -1, bf.tT, g('lstm1/kernel'), g('lstm1/recurrent_kernel'), g('lstm1/bias'), -1, more);
    return loss / n;
  }

  /** One Adam step on the current gradients. */
  adam(lr: number, beta1 = 0.9, beta2 = 0.999, eps = 1e-7): void {
    this.adamStep++;
    const F = this.F;
    const lrT = (lr * Math.sqrt(1 - beta2 ** this.adamStep)) / (1 - beta1 ** this.adamStep);
    const { P, G, Mom, Vel } = this;
    for (let i = 0; i < this.nParams; i++) {
      const gr = F[G + i];
      const m = (F[Mom + i] = beta1 * F[Mom + i] + (1 - beta1) * gr);
      const v = (F[Vel + i] = beta2 * F[Vel + i] + (1 - beta2) * gr * gr);
      F[P + i] -= (lrT * m) / (Math.sqrt(v) + eps);
    }
  }

  /** Gradient step on windows [row, row+B); returns the batch loss (before the step). */
  trainBatch(x: Float32Array, y: Float32Array, row: number, B: number, lr: number, dropoutRng: DropoutDraws | undefined, order?: Int32Array): number {
    const loss = this.gradients(x, y, row, B, dropoutRng, order);
    this.adam(lr);
    return loss;
  }
}

// ---------- kernels over the arena ----------

/**
 * Forward through time, step by step so each step's block stays in cache: z_t = x_t·Wx + h_{t-1}·Wh (+ bias), then the
 * gate activations (kept in z for the backward pass), the cell c_t, tanh(c_t) and h_t.
 */
function lstmForward(
  F: Float32Array, B: number, T: number, D: number, H: number,
  x: number, Wx: number, Wh: number, bias: number, z: number, h: number, c: number, tc: number,
): void {
  const G4 = 4 * H;
  const wk = H % 4 === 0 ? wasmKernelsFor(F) : undefined;
  F.fill(0, h, h + B * H);
  F.fill(0, c, c + B * H);
  for (let t = 0; t < T; t++) {
    const zt = z + t * B * G4;
    gemm(B, G4, D, F, x + t * B * D, F, Wx, F, zt, false);
    if (t > 0) gemm(B, G4, H, F, h + t * B * H, F, Wh, F, zt, true); // h_0 = 0 adds nothing
    const cp = c + t * B * H, cn = cp + B * H, hn = h + (t + 1) * B * H, tct = tc + t * B * H;
    if (wk) { wk.gates_fwd(B, H, zt * 4, bias * 4, cp * 4, cn * 4, hn * 4, tct * 4); continue; }
    for (let b = 0; b < B; b++) {
      const zb = zt + b * G4;
      for (let j = 0; j < H; j++) {
        const ig = sigmoid(F[zb + j] + F[bias + j]);
        const fg = sigmoid(F[zb + H + j] + F[bias + H + j]);
        const gg = Math.tanh(F[zb + 2 * H + j] + F[bias + 2 * H + j]);
        const og = sigmoid(F[zb + 3 * H + j] + F[bias + 3 * H + j]);
        F[zb + j] = ig; F[zb + H + j] = fg; F[zb + 2 * H + j] = gg; F[zb + 3 * H + j] = og;
        const k = b * H + j;
        const cv = fg * F[cp + k] + ig * gg;
        F[cn + k] = cv;
        const tcv = Math.tanh(cv);
        F[tct + k] = tcv;
        F[hn + k] = og * tcv;
      }
    }
  }
}

/**
 * Backward through time. Upstream gradient is either the whole sequence `dhSeq` [T][B][H] or only the last step `dhLast` [B][H]
 * (pass -1 for the unused one); `dhMask` [T][B][H] (or -1) is the dropout mask dhSeq went through, applied here as it is read.
 * Writes dWx, dWh, db (adds to them with `more`: a later part of the batch) and, when `dx` >= 0, the input gradient dx [T][B][D].
 * `wT`/`wT2` receive Whᵀ/Wxᵀ (wT2 only with dx), made by the batch's first part and read as they are by the later ones.
 * Each step's gate gradients dZ_t [B][4H] are used at once, while in cache: dh_{t-1} = dZ_t·Whᵀ, dWh += h_{t-1}ᵀ·dZ_t,
 * dWx += x_tᵀ·dZ_t, db += Σ dZ_t (inside the WASM gate kernel), dx_t = dZ_t·Wxᵀ; so `dZ` holds one step.
 */
function lstmBackward(
  F: Float32Array, B: number, T: number, D: number, H: number,
  x: number, Wx: number, Wh: number, z: number, h: number, c: number, tc: number,
  dhSeq: number, dhMask: number, dhLast: number, dZ: number, dh: number, dc: number, wT: number, wT2: number, tT: number,
  dWx: number, dWh: number, db: number, dx: number, more: boolean,
): void {
  const G4 = 4 * H;
  const BH = B * H;
  const wk = H % 4 === 0 ? wasmKernelsFor(F) : undefined;
  F.fill(0, dh, dh + BH);
  F.fill(0, dc, dc + BH);
  if (!more) {
    F.fill(0, dWx, dWx + D * G4);
    F.fill(0, dWh, dWh + H * G4);
    F.fill(0, db, db + G4);
    transpose(H, G4, F, Wh, F, wT); // WhT [4H × H]
    if (dx >= 0) transpose(D, G4, F, Wx, F, wT2); // WxT [4H × D]
  }
  for (let t = T - 1; t >= 0; t--) {
    const zt = z + t * B * G4;
    const cp = c + t * BH, tct = tc + t * BH;
    const up = dhSeq >= 0 ? dhSeq + t * BH : t === T - 1 ? dhLast : -1;
    const mask = dhSeq >= 0 && dhMask >= 0 ? dhMask + t * BH : -1;
    if (wk) {
      wk.gates_bwd(B, H, zt * 4, cp * 4, tct * 4, dh * 4, up >= 0 ? up * 4 : -1, mask >= 0 ? mask * 4 : -1, dc * 4, dZ * 4, db * 4);
    } else {
      for (let b = 0; b < B; b++) {
        const zb = zt + b * G4, dzb = dZ + b * G4;
        for (let j = 0; j < H; j++) {
          const k = b * H + j;
          // fround: the masked gradient as a Float32Array would hold it (the product the WASM kernel rounds too)
          const dhv = F[dh + k] + (up < 0 ? 0 : mask < 0 ? F[up + k] : Math.fround(F[up + k] * F[mask + k]));
          const ig = F[zb + j], fg = F[zb + H + j], gg = F[zb + 2 * H + j], og = F[zb + 3 * H + j];
          const tcv = F[tct + k];
          const dcv = dhv * og * (1 - tcv * tcv) + F[dc + k];
          F[dzb + j] = dcv * gg * ig * (1 - ig);
          F[dzb + H + j] = dcv * F[cp + k] * fg * (1 - fg);
          F[dzb + 2 * H + j] = dcv * ig * (1 - gg * gg);
          F[dzb + 3 * H + j] = dhv * tcv * og * (1 - og);
          F[dc + k] = dcv * fg;
        }
      }
    }
    if (t > 0) {
      gemm(B, H, G4, F, dZ, F, wT, F, dh, false); // dh_{t-1} = dZ_t · Whᵀ
      gemmTN(H, G4, B, F, h + t * BH, dZ, dWh, true, tT); // h_{t-1} = h block t (block 0 is h_{-1} = 0)
    }
    gemmTN(D, G4, B, F, x + t * B * D, dZ, dWx, true, tT);
    // db += Σ dZ_t: in WASM gates_bwd took these sums already (same order, row by row).
    if (!wk) for (let r = 0; r < B; r++) for (let j = 0; j < G4; j++) F[db + j] += F[dZ + r * G4 + j];
    if (dx >= 0) gemm(B, D, G4, F, dZ, F, wT2, F, dx + t * B * D, false);
  }
}

function denseForward(F: Float32Array, B: number, In: number, Out: number, x: number, W: number, bias: number, y: number, relu: boolean): void {
  gemm(B, Out, In, F, x, F, W, F, y, false);
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < Out; j++) {
      const v = F[y + b * Out + j] + F[bias + j];
      F[y + b * Out + j] = relu && v < 0 ? 0 : v;
    }
  }
}

/**
 * dW = xᵀ·dy, db = Σ dy, dx = dy·Wᵀ (dW and db added to with `more`). With `reluOut`, dy is first masked by the layer's
 * relu output at that offset.
 */
function denseBackward(
  F: Float32Array, B: number, In: number, Out: number, x: number, W: number, dy: number,
  dW: number, db: number, dx: number, wT: number, tT: number, relu: boolean, reluOut: number, more: boolean,
): void {
  if (relu) for (let i = 0; i < B * Out; i++) if (F[reluOut + i] <= 0) F[dy + i] = 0;
  transpose(B, In, F, x, F, tT);
  gemm(In, Out, B, F, tT, F, dy, F, dW, more);
  if (!more) F.fill(0, db, db + Out);
  for (let b = 0; b < B; b++) for (let j = 0; j < Out; j++) F[db + j] += F[dy + b * Out + j];
  transpose(In, Out, F, W, F, wT);
  gemm(B, In, Out, F, dy, F, wT, F, dx, false);
}

/** The batch's dropout draws, given again to each of its parts (net.ts draws one per dropout layer, layer 1 first). */
function replayDraws(draws: number[]): DropoutDraws {
  let i = 0;
  return { next: () => draws[i++] };
}

/** One draw per dropout layer and batch seeds its masks; none at inference or without dropout. */
function dropSeed(p: number, rng: DropoutDraws | undefined): number | undefined {
  return rng && p > 0 ? (rng.next() * 4294967296) | 0 : undefined;
}

/** The seed whose element i draws what element `start + i` draws under `seed` (the counter is seed + i·0x9e3779b9, mod 2³²). */
function shiftSeed(seed: number | undefined, start: number): number | undefined {
  return seed === undefined ? undefined : (seed + Math.imul(start, 0x9e3779b9)) | 0;
}

/**
 * Inverted dropout: kept units are scaled by 1/(1-p) so inference needs no rescaling. No seed → identity.
 * A draw (dropSeed) seeds the call; element i is kept when u_i ≥ p with u_i = (fmix32(seed + i·0x9e3779b9) >>> 8) / 2²⁴
 * (MurmurHash3's finaliser over a counter), computed four at a time in WASM SIMD where available, identically here otherwise.
 */
function applyDropout(F: Float32Array, src: number, dst: number, mask: number, n: number, p: number, seed: number | undefined): void {
  if (seed === undefined || p <= 0) {
    F.copyWithin(dst, src, src + n);
    return;
  }
  const pf = Math.fround(p), scale = Math.fround(1 / (1 - p));
  const wk = n % 4 === 0 ? wasmKernelsFor(F) : undefined;
  if (wk) { wk.dropout(n, pf, scale, seed, src * 4, dst * 4, mask * 4); return; }
  for (let i = 0; i < n; i++) {
    let h = (seed + Math.imul(i, 0x9e3779b9)) | 0;
    h ^= h >>> 16; h = Math.imul(h, 0x85ebca6b); h ^= h >>> 13; h = Math.imul(h, 0xc2b2ae35); h ^= h >>> 16;
    const m = (h >>> 8) / 16777216 >= pf ? scale : 0;
    F[mask + i] = m;
    F[dst + i] = F[src + i] * m;
  }
}

/** Keras' orthogonal initializer for a [rows × cols] matrix (rows ≤ cols: orthonormal rows), by Gram–Schmidt. */
function orthogonal(rows: number, cols: number, rng: Rng, F: Float32Array, off: number): void {
  const tall = rows > cols;
  const r = tall ? cols : rows, n = tall ? rows : cols;
  const q = new Float64Array(r * n);
  for (let i = 0; i < r * n; i++) q[i] = rng.normal();
  for (let i = 0; i < r; i++) {
    for (let k = 0; k < i; k++) {
      let d = 0;
      for (let j = 0; j < n; j++) d += q[i * n + j] * q[k * n + j];
      for (let j = 0; j < n; j++) q[i * n + j] -= d * q[k * n + j];
    }
    let norm = 0;
    for (let j = 0; j < n; j++) norm += q[i * n + j] ** 2;
    norm = Math.sqrt(norm) || 1;
    for (let j = 0; j < n; j++) q[i * n + j] /= norm;
  }
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) F[off + i * cols + j] = tall ? q[j * n + i] : q[i * n + j];
}
