/**
 * Running a saved MOrA model with TensorFlow.js instead of MOrA's kernels: the artefact (./tfjs-artefact.ts) opened by
 * `tf.loadLayersModel` through a file IOHandler that works with plain @tensorflow/tfjs (whose own `file://` handler
 * exists only in tfjs-node) and with @tensorflow/tfjs-node, on TensorFlow's native kernels, when that optional package
 * is installed. The same handler saves: tfjs-layers `model.save(fileHandler(tf, path))` writes an artefact MOrA loads.
 *
 * Nothing in the extension or the CLI imports this file (TF.js is not on MOrA's training or prediction path); it serves
 * the round-trip test and anyone who wants to run the saved models on TF.js.
 */
import type * as tfType from '@tensorflow/tfjs';
import { pickTfBackend } from './backend';
import { readLayersArtefact, writeArtefactFiles, type LayersModelJson } from './tfjs-artefact';

/**
 * TF.js with the fastest backend present: TensorFlow's native kernels when @tensorflow/tfjs-node is installed (optional:
 * it downloads libtensorflow at install time), else WASM, else pure JS (`prefer` narrows the choice).
 */
export async function loadTfjs(prefer: 'node' | 'wasm' | 'cpu' = 'node'): Promise<{ tf: typeof tfType; backend: string }> {
  const tf = require('@tensorflow/tfjs') as typeof tfType;
  const backend = await pickTfBackend(tf, prefer);
  return { tf, backend };
}

/** An IOHandler reading and writing a LayersModel artefact on disk: `path` is model.json, weights beside it. */
export function fileHandler(tf: typeof tfType, path: string): tfType.io.IOHandler {
  return {
    load: async () => {
      const { modelJson, weightData } = readLayersArtefact(path);
      const specs = modelJson.weightsManifest.flatMap((g) => g.weights) as tfType.io.WeightsManifestEntry[];
      const { modelTopology, format, generatedBy, convertedBy, userDefinedMetadata } = modelJson;
      const buffer = weightData.buffer.slice(weightData.byteOffset, weightData.byteOffset + weightData.byteLength) as ArrayBuffer;
      return { modelTopology: modelTopology as object, format, generatedBy, convertedBy: convertedBy ?? undefined, userDefinedMetadata: userDefinedMetadata as Record<string, object> | undefined, weightSpecs: specs, weightData: buffer };
    },
    save: async (a: tfType.io.ModelArtifacts) => {
      const data = a.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(a.weightData);
      const modelJson = {
        format: a.format ?? 'layers-model', generatedBy: a.generatedBy ?? 'TensorFlow.js', convertedBy: a.convertedBy ?? null,
        modelTopology: a.modelTopology, weightsManifest: [{ paths: [], weights: a.weightSpecs ?? [] }],
        ...(a.userDefinedMetadata ? { userDefinedMetadata: a.userDefinedMetadata } : {}),
      } as unknown as LayersModelJson;
      writeArtefactFiles(path, modelJson, new Uint8Array(data));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(a) };
    },
  };
}

/** The saved model as a TF.js LayersModel (what `tf.loadLayersModel('file://…/model.json')` gives under tfjs-node). */
export async function openLayersModel(tf: typeof tfType, path: string): Promise<tfType.LayersModel> {
  return tf.loadLayersModel(fileHandler(tf, path));
}
