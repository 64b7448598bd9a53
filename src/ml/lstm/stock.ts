/**
 * The same architecture built with stock tfjs-layers: the reference MOrA's own kernels are measured and checked against
 * (bench:lstm, the gradient-parity unit test). `tf` is passed in so nothing here loads TensorFlow.js by itself.
 */
import type * as tfType from '@tensorflow/tfjs';
import type { LstmNetConfig } from './net';

export function buildStockModel(tf: typeof tfType, c: LstmNetConfig, seed = 42): tfType.Sequential {
  const model = tf.sequential();
  // recurrentActivation 'sigmoid' (TF.js defaults to hardSigmoid; Keras 2+, PyTorch and MOrA use sigmoid).
  model.add(tf.layers.lstm({ units: c.units1, returnSequences: true, inputShape: [c.steps, c.inputSize], recurrentActivation: 'sigmoid',
    kernelInitializer: tf.initializers.glorotUniform({ seed }), recurrentInitializer: tf.initializers.orthogonal({ seed: seed + 1 }) }));
  model.add(tf.layers.dropout({ rate: c.dropout, seed: seed + 2 }));
  model.add(tf.layers.lstm({ units: c.units2, recurrentActivation: 'sigmoid',
    kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 3 }), recurrentInitializer: tf.initializers.orthogonal({ seed: seed + 4 }) }));
  model.add(tf.layers.dropout({ rate: c.dropout, seed: seed + 5 }));
  model.add(tf.layers.dense({ units: c.dense, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 6 }) }));
  model.add(tf.layers.dense({ units: c.outputs, kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 7 }) }));
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'meanSquaredError' });
  return model;
}

/** The stock model's weights as flat arrays in Keras order (what `LstmNet.setWeights` takes). */
export function stockWeights(model: tfType.LayersModel): Float32Array[] {
  return model.getWeights().map((w) => w.dataSync() as Float32Array);
}
