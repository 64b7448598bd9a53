/**
 * Saving and loading LSTM models: JSON with the weights as base64 Float32 (exact round-trip), the scaler, feature list,
 * training window and the MOrA version that wrote it. A model from an incompatible format is refused with a clear message.
 */
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../../core/atomic-write';

/** Bump when the saved layout or the meaning of a field changes. */
export const MODEL_FORMAT = 1;

export function moraVersion(): string {
  return (require('../../../package.json') as { version: string }).version;
}

export class IncompatibleModelError extends Error {
  constructor(message: string) { super(message); this.name = 'IncompatibleModelError'; }
}

export function assertCompatible(s: { format?: unknown; moraVersion?: unknown; kind?: unknown }, kind = 'mora-lstm'): void {
  if (!s || s.kind !== kind) throw new IncompatibleModelError(`not a MOrA LSTM model file of kind "${kind}"`);
  if (s.format !== MODEL_FORMAT) {
    throw new IncompatibleModelError(
      `LSTM model was saved by MOrA ${String(s.moraVersion)} in format ${String(s.format)}; this MOrA ${moraVersion()} reads format ${MODEL_FORMAT} — retrain the model`);
  }
}

export function encodeWeights(ws: Float32Array[]): string[] {
  return ws.map((w) => Buffer.from(w.buffer, w.byteOffset, w.byteLength).toString('base64'));
}

export function decodeWeights(ws: string[]): Float32Array[] {
  return ws.map((s) => {
    const b = Buffer.from(s, 'base64');
    const out = new Float32Array(b.byteLength / 4);
    new Uint8Array(out.buffer).set(b);
    return out;
  });
}

/** Atomic: a reader sees the old model or the new one, never half of it. */
export function saveJson(path: string, value: unknown): void {
  writeFileAtomic(path, JSON.stringify(value));
}

export function loadJson(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8'));
}
