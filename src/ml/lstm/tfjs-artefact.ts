/**
 * MOrA's LSTM as a standard TF.js LayersModel artefact: `model.json` (Keras topology of the stock architecture, see
 * ./stock.ts, plus a `weightsManifest`) and a binary weights file, which `tf.loadLayersModel` opens as it is, in the
 * browser, in Node (@tensorflow/tfjs) and on TensorFlow's native kernels (@tensorflow/tfjs-node).
 *
 * The weights need no conversion: MOrA's network keeps them in Keras/TF.js layout and order (kernel [in × 4H],
 * recurrent kernel [H × 4H], bias [4H], gates i, f, g, o; Dense kernel [in × out], bias [out]) — `LstmNet.getWeights()`
 * is what TF.js `getWeights()` returns for the same model (checked by the parity test in test/unit/lstm.test.ts).
 * MOrA's own fields (scaler, features, window, training window, validation, version, format) ride in `model.json`'s
 * `userDefinedMetadata.mora`, which TF.js keeps (`model.getUserDefinedMetadata()`).
 *
 * Nothing here loads TensorFlow.js: reading and writing are plain JSON and bytes (./tfjs-runtime.ts opens an artefact
 * with TF.js where that is wanted).
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { writeFileAtomic } from '../../core/atomic-write';
import type { LstmNetConfig } from './net';

export interface WeightSpec { name: string; shape: number[]; dtype: string }

/** The JSON TF.js reads (`tf.io` ModelJSON, layers-model format). */
export interface LayersModelJson {
  format: 'layers-model';
  generatedBy: string;
  convertedBy: string | null;
  modelTopology: KerasTopology;
  weightsManifest: Array<{ paths: string[]; weights: WeightSpec[] }>;
  userDefinedMetadata?: Record<string, unknown>;
}

interface KerasLayer { class_name: string; config: Record<string, unknown> }
interface KerasTopology { class_name: string; config: { name?: string; layers: KerasLayer[] } | KerasLayer[]; keras_version?: string; backend?: string }

export class LayersArtefactError extends Error {
  constructor(message: string) { super(message); this.name = 'LayersArtefactError'; }
}

/** Layer names as MOrA's parameter slots name them (`lstm1/kernel`, …): the weight names TF.js matches on load. */
const LAYERS = { lstm1: 'lstm1', drop1: 'dropout1', lstm2: 'lstm2', drop2: 'dropout2', dense1: 'dense1', dense2: 'dense2' } as const;

/** Weight names and shapes in Keras order (what `LstmNet.getWeights()` and TF.js `model.getWeights()` return). */
export function weightSpecs(c: LstmNetConfig): WeightSpec[] {
  const { inputSize: D, units1: H1, units2: H2, dense: Dn, outputs: O } = c;
  const s = (name: string, shape: number[]): WeightSpec => ({ name, shape, dtype: 'float32' });
  return [
    s(`${LAYERS.lstm1}/kernel`, [D, 4 * H1]), s(`${LAYERS.lstm1}/recurrent_kernel`, [H1, 4 * H1]), s(`${LAYERS.lstm1}/bias`, [4 * H1]),
    s(`${LAYERS.lstm2}/kernel`, [H1, 4 * H2]), s(`${LAYERS.lstm2}/recurrent_kernel`, [H2, 4 * H2]), s(`${LAYERS.lstm2}/bias`, [4 * H2]),
    s(`${LAYERS.dense1}/kernel`, [H2, Dn]), s(`${LAYERS.dense1}/bias`, [Dn]),
    s(`${LAYERS.dense2}/kernel`, [Dn, O]), s(`${LAYERS.dense2}/bias`, [O]),
  ];
}

/** The Keras topology tfjs-layers writes for ./stock.ts's model (sigmoid recurrent activation, as MOrA computes). */
export function layersTopology(c: LstmNetConfig, version: string): KerasTopology {
  const lstm = (name: string, units: number, returnSequences: boolean, first: boolean): KerasLayer => ({
    class_name: 'LSTM',
    config: {
      name, trainable: true, ...(first ? { batch_input_shape: [null, c.steps, c.inputSize], dtype: 'float32' } : {}),
      units, activation: 'tanh', recurrent_activation: 'sigmoid', use_bias: true, unit_forget_bias: true,
      dropout: 0, recurrent_dropout: 0, return_sequences: returnSequences, return_state: false, go_backwards: false, stateful: false, unroll: false,
    },
  });
  const dropout = (name: string): KerasLayer => ({ class_name: 'Dropout', config: { name, trainable: true, rate: c.dropout, noise_shape: null, seed: null } });
  const dense = (name: string, units: number, activation: string): KerasLayer => ({ class_name: 'Dense', config: { name, trainable: true, units, activation, use_bias: true } });
  return {
    class_name: 'Sequential',
    config: {
      name: 'mora_lstm',
      layers: [
        lstm(LAYERS.lstm1, c.units1, true, true), dropout(LAYERS.drop1), lstm(LAYERS.lstm2, c.units2, false, false), dropout(LAYERS.drop2),
        dense(LAYERS.dense1, c.dense, 'relu'), dense(LAYERS.dense2, c.outputs, 'linear'),
      ],
    },
    keras_version: `mora ${version}`, backend: 'tensor_flow.js',
  };
}

/** model.json and the weight bytes of a network (weights in Keras order), with `metadata` as `userDefinedMetadata`. */
export function toLayersArtefact(c: LstmNetConfig, weights: ArrayLike<number>[], opts: { version: string; weightsPath: string; metadata?: Record<string, unknown> }):
{ modelJson: LayersModelJson; weightData: Uint8Array } {
  const specs = weightSpecs(c);
  if (weights.length !== specs.length) throw new LayersArtefactError(`expected ${specs.length} weight arrays, got ${weights.length}`);
  const total = specs.reduce((n, s) => n + size(s.shape), 0);
  const all = new Float32Array(total);
  let off = 0;
  specs.forEach((s, i) => {
    if (weights[i].length !== size(s.shape)) throw new LayersArtefactError(`${s.name}: expected ${size(s.shape)} values, got ${weights[i].length}`);
    all.set(weights[i], off);
    off += weights[i].length;
  });
  const modelJson: LayersModelJson = {
    format: 'layers-model', generatedBy: `MOrA ${opts.version}`, convertedBy: null,
    modelTopology: layersTopology(c, opts.version),
    weightsManifest: [{ paths: [opts.weightsPath], weights: specs }],
    ...(opts.metadata ? { userDefinedMetadata: opts.metadata } : {}),
  };
  return { modelJson, weightData: new Uint8Array(all.buffer) };
}

/**
 * The network of a LayersModel artefact — MOrA's or any TF.js/Keras model of the same architecture (e.g. ./stock.ts's
 * saved by `model.save`): its configuration read from the topology, its weights in Keras order. Anything MOrA's kernels
 * would compute differently (another recurrent activation, no bias, stateful, go_backwards…) is refused.
 */
export function fromLayersArtefact(modelJson: LayersModelJson, weightData: Uint8Array): { config: LstmNetConfig; weights: Float32Array[]; metadata?: Record<string, unknown> } {
  if (!modelJson || typeof modelJson !== 'object' || !modelJson.modelTopology || !Array.isArray(modelJson.weightsManifest)) {
    throw new LayersArtefactError('not a TF.js LayersModel artefact (model.json needs modelTopology and weightsManifest)');
  }
  const topo = modelJson.modelTopology as KerasTopology & { model_config?: KerasTopology };
  const seq = topo.model_config ?? topo; // Keras' own saving nests the topology under model_config
  if (seq.class_name !== 'Sequential') throw new LayersArtefactError(`expected a Sequential model, got ${String(seq.class_name)}`);
  const all = Array.isArray(seq.config) ? seq.config : seq.config.layers;
  const inputLayer = all.find((l) => l.class_name === 'InputLayer'); // Keras 3 and some converters declare the input apart
  const layers = all.filter((l) => l !== inputLayer);
  const lstms = layers.filter((l) => l.class_name === 'LSTM');
  const denses = layers.filter((l) => l.class_name === 'Dense');
  const drops = layers.filter((l) => l.class_name === 'Dropout');
  const shape = layers.map((l) => l.class_name).filter((n) => n !== 'Dropout').join(' → ');
  if (shape !== 'LSTM → LSTM → Dense → Dense' || layers.length - drops.length !== 4) {
    throw new LayersArtefactError(`expected LSTM → LSTM → Dense(relu) → Dense (dropout between), got ${layers.map((l) => l.class_name).join(' → ')}`);
  }
  const cfg = (l: KerasLayer) => l.config;
  const [l1, l2] = lstms.map(cfg);
  const [d1, d2] = denses.map(cfg);
  lstms.forEach((l, i) => {
    const k = cfg(l);
    const bad = (k.activation ?? 'tanh') !== 'tanh' ? `activation ${String(k.activation)}`
      : k.recurrent_activation !== 'sigmoid' ? `recurrent_activation ${String(k.recurrent_activation ?? 'hard_sigmoid (TF.js default)')}`
        : k.use_bias === false ? 'use_bias false'
          : k.go_backwards || k.stateful || k.return_state ? 'go_backwards/stateful/return_state'
            : (k.return_sequences === true) !== (i === 0) ? 'return_sequences' : undefined;
    if (bad) throw new LayersArtefactError(`LSTM layer ${String(k.name)}: MOrA's kernels compute tanh/sigmoid LSTMs with bias, the first returning sequences; this one has ${bad}`);
  });
  if ((d1.activation ?? 'linear') !== 'relu' || (d2.activation ?? 'linear') !== 'linear' || d1.use_bias === false || d2.use_bias === false) {
    throw new LayersArtefactError(`expected Dense(relu) → Dense(linear) with bias, got Dense(${String(d1.activation)}) → Dense(${String(d2.activation)})`);
  }
  const input = (l1.batch_input_shape ?? inputLayer?.config.batch_input_shape ?? inputLayer?.config.batch_shape) as Array<number | null> | undefined;
  if (!Array.isArray(input) || input.length !== 3 || !(Number(input[1]) > 0) || !(Number(input[2]) > 0)) {
    throw new LayersArtefactError('the first LSTM layer needs a fixed input shape [null, steps, features]');
  }
  const config: LstmNetConfig = {
    inputSize: Number(input[2]), steps: Number(input[1]), units1: Number(l1.units), units2: Number(l2.units), dense: Number(d1.units), outputs: Number(d2.units),
    dropout: drops.length ? Number(cfg(drops[0]).rate ?? 0) : 0,
  };
  // Weights by name (`<layer>/kernel`, …), as TF.js matches them; the manifest's own order where names differ.
  const specs = modelJson.weightsManifest.flatMap((g) => g.weights);
  const values = decodeWeightData(specs, weightData);
  const want = weightSpecs(config);
  const layerOf = [l1.name, l1.name, l1.name, l2.name, l2.name, l2.name, d1.name, d1.name, d2.name, d2.name].map(String);
  const weights = want.map((w, i) => {
    const suffix = w.name.slice(w.name.indexOf('/'));
    let k = specs.findIndex((s) => s.name === layerOf[i] + suffix);
    if (k < 0) k = specs.length === want.length ? i : -1;
    if (k < 0) throw new LayersArtefactError(`weight ${layerOf[i]}${suffix} is not in the weights manifest`);
    if (specs[k].shape.join('×') !== w.shape.join('×')) {
      throw new LayersArtefactError(`weight ${specs[k].name}: shape [${specs[k].shape.join(', ')}], expected [${w.shape.join(', ')}]`);
    }
    return values[k];
  });
  return { config, weights, metadata: modelJson.userDefinedMetadata };
}

function decodeWeightData(specs: WeightSpec[], data: Uint8Array): Float32Array[] {
  const need = specs.reduce((n, s) => n + 4 * size(s.shape), 0);
  if (data.byteLength !== need) throw new LayersArtefactError(`weights: ${data.byteLength} bytes, the manifest describes ${need}`);
  let off = 0;
  return specs.map((s) => {
    if (s.dtype !== 'float32' || (s as { quantization?: unknown }).quantization) {
      throw new LayersArtefactError(`weight ${s.name}: dtype ${s.dtype}${(s as { quantization?: unknown }).quantization ? ' (quantized)' : ''}; MOrA reads float32 weights`);
    }
    const n = size(s.shape);
    const out = new Float32Array(n);
    new Uint8Array(out.buffer).set(data.subarray(off, off + 4 * n)); // copy: `data` need not be 4-byte aligned
    off += 4 * n;
    return out;
  });
}

function size(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** True when parsed JSON is a LayersModel artefact's model.json (rather than MOrA's older all-in-one JSON). */
export function isLayersModelJson(json: unknown): json is LayersModelJson {
  return !!json && typeof json === 'object' && 'modelTopology' in json && 'weightsManifest' in json;
}

/**
 * Writes the artefact: `<path>` (the model.json) and `<stem>.<hash>.weights.bin` beside it, each atomically. The weights
 * file is named by its content and written first, so a reader sees the old model.json with the old weights or the new one
 * with the new weights, never a mix; stale weights files of the same stem are removed afterwards (removeStaleWeights:
 * only those no writer may still be about to reference).
 */
export function writeLayersArtefact(path: string, c: LstmNetConfig, weights: ArrayLike<number>[], opts: { version: string; metadata?: Record<string, unknown> }): { weightsFile: string } {
  const { modelJson, weightData } = toLayersArtefact(c, weights, { ...opts, weightsPath: '' });
  return writeArtefactFiles(path, modelJson, weightData);
}

/** The file side of `writeLayersArtefact` for any model.json + weight bytes (also what TF.js `model.save` hands an IOHandler). */
export function writeArtefactFiles(path: string, modelJson: LayersModelJson, weightData: Uint8Array): { weightsFile: string } {
  const stem = basename(path).replace(/\.json$/i, '');
  const hash = createHash('sha256').update(weightData).digest('hex').slice(0, 12);
  const weightsFile = `${stem}.${hash}.weights.bin`;
  const dir = dirname(path);
  writeFileAtomic(join(dir, weightsFile), weightData);
  const manifest = [{ paths: [weightsFile], weights: modelJson.weightsManifest.flatMap((g) => g.weights) }];
  writeFileAtomic(path, JSON.stringify({ ...modelJson, weightsManifest: manifest }));
  removeStaleWeights(path, stem, weightsFile);
  return { weightsFile };
}

/**
 * How much older than the weights file just written another `<stem>.<hash>.weights.bin` must be before it is removed.
 * Two writers may save the same model.json at once (`mora recommend -m fused` and the extension share the global model's
 * cache folder): each writes its weights, then its model.json. A weights file younger than this may belong to a writer
 * that has not written its model.json yet, so it is kept. A writer's two writes are milliseconds apart; a minute is far
 * beyond that, and the cost is only that a file replaced within the minute is removed by a later save instead.
 */
export const STALE_WEIGHTS_GRACE_MS = 60_000;

/**
 * Removes the stem's weights files other than `own` that the model.json now on disk does not reference (another writer's
 * may have replaced ours since) and that are older than `own` by more than STALE_WEIGHTS_GRACE_MS.
 */
function removeStaleWeights(path: string, stem: string, own: string): void {
  const dir = dirname(path);
  const keep = new Set([own]);
  try {
    const onDisk = JSON.parse(readFileSync(path, 'utf8')) as LayersModelJson;
    for (const g of onDisk.weightsManifest ?? []) for (const p of g.paths ?? []) keep.add(p);
  } catch {
    return; // the model.json cannot be read as written a moment ago: remove nothing
  }
  const ownTime = statSync(join(dir, own), { throwIfNoEntry: false })?.mtimeMs;
  if (ownTime === undefined) return;
  for (const f of readdirSync(dir)) {
    const m = f.startsWith(`${stem}.`) && f.endsWith('.weights.bin') ? f.slice(stem.length + 1, -'.weights.bin'.length) : '';
    if (!/^[0-9a-f]{12}$/.test(m) || keep.has(f)) continue;
    const time = statSync(join(dir, f), { throwIfNoEntry: false })?.mtimeMs;
    if (time !== undefined && time < ownTime - STALE_WEIGHTS_GRACE_MS) rmSync(join(dir, f), { force: true });
  }
}

/** Reads an artefact from disk: model.json at `path`, its weight files relative to it (all groups, all shards, in order). */
export function readLayersArtefact(path: string, json?: unknown): { modelJson: LayersModelJson; weightData: Uint8Array } {
  const modelJson = (json ?? JSON.parse(readFileSync(path, 'utf8'))) as LayersModelJson;
  if (!isLayersModelJson(modelJson)) throw new LayersArtefactError(`${path}: not a TF.js LayersModel artefact`);
  const parts = modelJson.weightsManifest.flatMap((g) => g.paths).map((p) => {
    if (/^[a-z]+:\/\//i.test(p) || p.startsWith('/') || p.split(/[\\/]/).includes('..')) {
      throw new LayersArtefactError(`${path}: weights path ${p} is not a file beside model.json`);
    }
    return readFileSync(join(dirname(path), p));
  });
  return { modelJson, weightData: new Uint8Array(Buffer.concat(parts)) };
}
