/**
 * The memory an LstmNet computes in: one Float32Array, placed in WebAssembly memory when the runtime has WASM SIMD so the
 * SIMD kernels (gemm.wat: matrix products, gate activations) can run on it in place, else an ordinary Float32Array for the TypeScript kernels.
 * `MORA_LSTM_KERNELS=js` forces the TypeScript path.
 */
import { GEMM_WASM_BASE64 } from './gemm-wasm.generated';
import { registerWasmKernels, type WasmKernels } from './gemm';

export type KernelKind = 'wasm-simd' | 'js';

let compiled: WebAssembly.Module | null | undefined;
function wasmModule(): WebAssembly.Module | null {
  if (compiled !== undefined) return compiled;
  try {
    const bytes = Buffer.from(GEMM_WASM_BASE64, 'base64');
    compiled = WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
  } catch {
    compiled = null;
  }
  return compiled;
}

export function defaultKernels(): KernelKind {
  if (process.env.MORA_LSTM_KERNELS === 'js') return 'js';
  return wasmModule() ? 'wasm-simd' : 'js';
}

export class Arena {
  F: Float32Array;
  readonly kind: KernelKind;
  private memory: WebAssembly.Memory | undefined;
  private kernels: WasmKernels | undefined;

  constructor(floats: number, kind: KernelKind = defaultKernels()) {
    const mod = kind === 'wasm-simd' ? wasmModule() : null;
    this.kind = mod ? 'wasm-simd' : 'js';
    if (mod) {
      this.memory = new WebAssembly.Memory({ initial: Math.max(1, Math.ceil((floats * 4) / 65536)) });
      const inst = new WebAssembly.Instance(mod, { env: { memory: this.memory } });
      this.kernels = inst.exports as unknown as WasmKernels;
      this.F = new Float32Array(this.memory.buffer);
      registerWasmKernels(this.memory.buffer, this.kernels);
    } else {
      this.F = new Float32Array(floats);
    }
  }

  /** Makes room for `floats` values, keeping the contents. */
  ensure(floats: number): Float32Array {
    if (this.F.length >= floats) return this.F;
    if (this.memory) {
      const pages = Math.ceil((floats * 4 - this.memory.buffer.byteLength) / 65536);
      this.memory.grow(pages);
      this.F = new Float32Array(this.memory.buffer);
      registerWasmKernels(this.memory.buffer, this.kernels!);
    } else {
      const F = new Float32Array(floats);
      F.set(this.F);
      this.F = F;
    }
    return this.F;
  }
}
