/**
 * Saving and loading LSTM models. In memory and between threads a model is its state: JSON with the weights as base64
 * Float32 (exact round-trip), the scaler, feature list, training window and the MOrA version that wrote it. On disk
 * (`saveModel`) it is a TF.js LayersModel artefact — model.json + a weights file that `tf.loadLayersModel` opens
 * (./tfjs-artefact.ts) — with the rest of the state in model.json's `userDefinedMetadata.mora`. `loadModel` reads
 * those and the older all-in-one JSON files. A model from an incompatible format is refused with a clear message.
 */
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../../core/atomic-write';
import type { LstmNetConfig } from './net';
import { fromLayersArtefact, isLayersModelJson, readLayersArtefact, writeLayersArtefact } from './tfjs-artefact';

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

/** What `saveModel` needs of a model's state (LstmState, WorkloadModelState): its network and base64 weights; the rest is metadata. */
export interface SavableState { config: LstmNetConfig; weights: string[]; kind?: unknown; format?: unknown }

/**
 * Saves a model as a TF.js LayersModel artefact: `path` is its model.json, the weights go beside it
 * (`<stem>.<hash>.weights.bin`). Both writes are atomic and ordered so a reader never sees a mix of two models.
 */
export function saveModel(path: string, state: SavableState): void {
  const { weights, ...meta } = state;
  writeLayersArtefact(path, state.config, decodeWeights(weights), { version: moraVersion(), metadata: { mora: JSON.parse(JSON.stringify(meta)) as unknown } });
}

/**
 * Reads a saved model's state (for `LstmModel.fromJSON` / `WorkloadModel.fromJSON`, which check its kind and format):
 * a TF.js LayersModel artefact with MOrA's metadata — also one written by tfjs-layers `model.save` — or an older
 * all-in-one JSON file. The network's shape is read from the artefact's topology and must agree with the metadata.
 */
export function loadModel(path: string): unknown {
  const json = loadJson(path);
  if (!isLayersModelJson(json)) return json;
  const { modelJson, weightData } = readLayersArtefact(path, json);
  const { config, weights, metadata } = fromLayersArtefact(modelJson, weightData);
  const mora = metadata?.mora as (Record<string, unknown> & { config?: LstmNetConfig }) | undefined;
  if (!mora || typeof mora !== 'object') {
    throw new IncompatibleModelError(`${path}: a TF.js LayersModel without MOrA's metadata (userDefinedMetadata.mora: scaler, features, window) — it cannot forecast; retrain the model`);
  }
  const saved = mora.config;
  const keys = ['inputSize', 'steps', 'units1', 'units2', 'dense', 'outputs'] as const;
  const differs = saved ? keys.filter((k) => saved[k] !== config[k]) : [];
  if (differs.length) {
    throw new IncompatibleModelError(`${path}: the network (${differs.map((k) => `${k} ${config[k]}`).join(', ')}) does not match MOrA's metadata (${differs.map((k) => `${k} ${saved![k]}`).join(', ')})`);
  }
  return { ...mora, config: { ...config, ...saved }, weights: encodeWeights(weights) };
}
