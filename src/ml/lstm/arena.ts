/**
 * The memory an LstmNet computes in: one Float32Array, placed in WebAssembly memory when the runtime has WASM SIMD so the
 * SIMD kernels (gemm.wat: matrix products, gate activations) can run on it in place, else an ordinary Float32Array for the TypeScript kernels.
 * `MORA_LSTM_KERNELS=js` forces the TypeScript path.
 */
import { GEMM_WASM_BASE64 } from './gemm-wasm.generated';
import { PACK_PANEL_BYTES, registerWasmKernels, type WasmKernels } from './gemm';

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
      // The last PACK_PANEL_BYTES of the memory are the products' scratch panel (gemm.wat, gemm_s), never one of the net's floats.
      this.memory = new WebAssembly.Memory({ initial: Math.max(1, Math.ceil((floats * 4 + PACK_PANEL_BYTES) / 65536)) });
      const inst = new WebAssembly.Instance(mod, { env: { memory: this.memory } });
      this.kernels = inst.exports as unknown as WasmKernels;
      this.F = new Float32Array(this.memory.buffer);
      this.kernels.set_pack(this.memory.buffer.byteLength - PACK_PANEL_BYTES);
      registerWasmKernels(this.memory.buffer, this.kernels);
    } else {
      this.F = new Float32Array(floats);
    }
  }

  /** Makes room for `floats` values, keeping the contents. */
  ensure(floats: number): Float32Array {
    if (this.memory) {
      if (this.memory.buffer.byteLength >= floats * 4 + PACK_PANEL_BYTES) return this.F;
      const pages = Math.ceil((floats * 4 + PACK_PANEL_BYTES - this.memory.buffer.byteLength) / 65536);
      this.memory.grow(pages);
      this.F = new Float32Array(this.memory.buffer);
      this.kernels!.set_pack(this.memory.buffer.byteLength - PACK_PANEL_BYTES);
      registerWasmKernels(this.memory.buffer, this.kernels!);
    } else if (this.F.length >= floats) {
      return this.F;
    } else {
      const F = new Float32Array(floats);
      F.set(this.F);
      this.F = F;
    }
    return this.F;
  }
}
