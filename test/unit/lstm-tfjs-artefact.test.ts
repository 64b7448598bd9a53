import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../src/core/random';
import { series, type Series } from '../../src/core/series';
import { LstmForecaster, LstmModel, type LstmState } from '../../src/ml/lstm/forecaster';
import { LstmNet } from '../../src/ml/lstm/net';
import { trainWorkloadModel, WorkloadModel } from '../../src/ml/lstm/workload-model';
import type { MetricFrame } from '../../src/data/datasource';
import { IncompatibleModelError, decodeWeights, encodeWeights, loadModel, saveJson, saveModel } from '../../src/ml/lstm/persist';
import { buildStockModel, stockWeights } from '../../src/ml/lstm/stock';
import { LayersArtefactError, STALE_WEIGHTS_GRACE_MS, fromLayersArtefact, readLayersArtefact } from '../../src/ml/lstm/tfjs-artefact';
import { fileHandler, openLayersModel } from '../../src/ml/lstm/tfjs-runtime';

type Tf = typeof import('@tensorflow/tfjs');
type Tensor = import('@tensorflow/tfjs').Tensor;

function hourly(days: number, seed: number): Series {
  const rng = new Rng(seed);
  const t: number[] = [], v: number[] = [];
  let ar = 0;
  for (let i = 0; i < days * 24; i++) {
    ar = 0.8 * ar + rng.normal();
    t.push(1_700_006_400 + i * 3600);
    v.push(20 + 8 * Math.sin((2 * Math.PI * i) / 24) + ar);
  }
  return series(t, v);
}

/** Largest |a − b| over two equally long arrays. */
function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('LSTM models as TF.js LayersModel artefacts', function () {
  this.timeout(60000);
  let tf: Tf;
  let dir: string;
  let model: LstmModel;
  let state: LstmState;

  before(async () => {
    tf = await import('@tensorflow/tfjs');
    await tf.setBackend('cpu');
    dir = mkdtempSync(join(tmpdir(), 'mora-tfjs-'));
    model = new LstmForecaster({ units1: 12, units2: 6, dense: 8, chunk: 6, epochs: 3, maxWindows: 200 }).fit(hourly(14, 3));
    state = JSON.parse(JSON.stringify(model.toJSON())) as LstmState;
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** Windows of the model's shape, values like its scaled features. */
  const inputs = (n: number, seed: number) => {
    const rng = new Rng(seed);
    const { steps, inputSize } = state.config;
    return new Float32Array(n * steps * inputSize).map(() => rng.next() * 2 - 1);
  };
  const moraNet = (s: { config: LstmState['config']; weights: string[] }) => {
    const net = new LstmNet(s.config);
    net.setWeights(decodeWeights(s.weights));
    return net;
  };

  it('saves model.json + one weights file that tf.loadLayersModel opens and that predicts MOrA\'s numbers', async () => {
    const path = join(dir, 'app.cpu_usage.json');
    saveModel(path, state);
    const files = readdirSync(dir).filter((f) => f.startsWith('app.cpu_usage.'));
    assert.equal(files.length, 2, files.join(', '));
    assert.ok(files.some((f) => /^app\.cpu_usage\.[0-9a-f]{12}\.weights\.bin$/.test(f)), files.join(', '));
    const json = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    assert.equal(json.format, 'layers-model');

    const tfModel = await openLayersModel(tf, path);
    const N = 16, { steps, inputSize, outputs } = state.config;
    const x = inputs(N, 1);
    const ref = moraNet(state).predict(x, N);
    const out = tf.tidy(() => (tfModel.predict(tf.tensor3d(x, [N, steps, inputSize])) as Tensor).dataSync());
    assert.equal(out.length, N * outputs);
    const d = maxDiff(out, ref);
    assert.ok(d < 1e-5, `max |TF.js − MOrA| = ${d}`);
    // Same weights, bit for bit, and MOrA's state in the metadata TF.js keeps.
    tfModel.getWeights().forEach((w, i) => assert.deepEqual(Array.from(w.dataSync()), Array.from(decodeWeights(state.weights)[i])));
    const meta = tfModel.getUserDefinedMetadata() as { mora: LstmState };
    assert.deepEqual(meta.mora.scaler, state.scaler);
    assert.deepEqual(meta.mora.features, state.features);
    assert.equal(meta.mora.config.steps, 30);
    assert.equal(meta.mora.kind, 'mora-lstm');
    tfModel.dispose();
  });

  it('opens from memory too (tf.io.fromMemory with the same model.json and weights)', async () => {
    const path = join(dir, 'mem.json');
    saveModel(path, state);
    const { modelJson, weightData } = readLayersArtefact(path);
    const tfModel = await tf.loadLayersModel(tf.io.fromMemory({
      modelTopology: modelJson.modelTopology as object, weightSpecs: modelJson.weightsManifest[0].weights as import('@tensorflow/tfjs').io.WeightsManifestEntry[],
      weightData: weightData.slice().buffer as ArrayBuffer,
    }));
    const N = 4, x = inputs(N, 2);
    const out = (tfModel.predict(tf.tensor3d(x, [N, state.config.steps, state.config.inputSize])) as Tensor).dataSync();
    assert.ok(maxDiff(out, moraNet(state).predict(x, N)) < 1e-5);
    tfModel.dispose();
  });

  it('loads its own artefact back with the same state and identical forecasts', () => {
    const path = join(dir, 'round.json');
    saveModel(path, state);
    const loaded = loadModel(path) as LstmState;
    assert.deepEqual(loaded, state);
    assert.deepEqual(Array.from(LstmModel.fromJSON(loaded).predict({ horizon: 20 }).mean), Array.from(model.predict({ horizon: 20 }).mean));
  });

  it('loads an artefact saved by tfjs-layers model.save and predicts what TF.js predicts', async () => {
    const stock = buildStockModel(tf, state.config, 7);
    const { weights: _w, ...meta } = state;
    stock.setUserDefinedMetadata({ mora: JSON.parse(JSON.stringify(meta)) as object });
    const path = join(dir, 'stock', 'model.json');
    await stock.save(fileHandler(tf, path));
    assert.match(readFileSync(path, 'utf8'), /"lstm_LSTM\d+\/kernel"/, 'tfjs-layers\' own weight names');

    const loaded = LstmModel.fromJSON(loadModel(path));
    // The network alone: TF.js's output on the same windows.
    const N = 8, x = inputs(N, 3);
    const ref = (stock.predict(tf.tensor3d(x, [N, state.config.steps, state.config.inputSize])) as Tensor).dataSync();
    const { config, weights } = fromLayersArtefact(...Object.values(readLayersArtefact(path)) as Parameters<typeof fromLayersArtefact>);
    assert.deepEqual({ ...config, loss: state.config.loss }, { ...state.config });
    const net = new LstmNet(config);
    net.setWeights(weights);
    assert.ok(maxDiff(net.predict(x, N), ref) < 1e-5);
    // The whole forecast: as MOrA's model with those weights forecasts.
    const expected = LstmModel.fromJSON({ ...state, weights: encodeWeights(stockWeights(stock)) }).predict({ horizon: 12 }).mean;
    assert.deepEqual(Array.from(loaded.predict({ horizon: 12 }).mean), Array.from(expected));
    stock.dispose();
  });

  it('still reads the older all-in-one JSON, and refuses other formats and foreign models clearly', async () => {
    const old = join(dir, 'old.json');
    saveJson(old, state);
    assert.deepEqual(Array.from(LstmModel.fromJSON(loadModel(old)).predict({ horizon: 6 }).mean), Array.from(model.predict({ horizon: 6 }).mean));

    const future = join(dir, 'future.json');
    saveModel(future, { ...state, format: 999, moraVersion: '9.0.0' } as unknown as LstmState);
    assert.throws(() => LstmModel.fromJSON(loadModel(future)), (e: Error) => e instanceof IncompatibleModelError && /9\.0\.0/.test(e.message) && /retrain/.test(e.message));

    // A TF.js model without MOrA's metadata, and one MOrA's kernels would compute differently (TF.js's hardSigmoid default).
    const bare = join(dir, 'bare', 'model.json');
    await buildStockModel(tf, state.config, 1).save(fileHandler(tf, bare));
    assert.throws(() => loadModel(bare), (e: Error) => e instanceof IncompatibleModelError && /metadata/.test(e.message));
    const hard = tf.sequential({ layers: [
      tf.layers.lstm({ units: 4, returnSequences: true, inputShape: [5, 2] }), tf.layers.lstm({ units: 3 }),
      tf.layers.dense({ units: 2, activation: 'relu' }), tf.layers.dense({ units: 1 }),
    ] });
    const hardPath = join(dir, 'hard', 'model.json');
    await hard.save(fileHandler(tf, hardPath));
    assert.throws(() => loadModel(hardPath), (e: Error) => e instanceof LayersArtefactError && /recurrent_activation hard_sigmoid/.test(e.message));
  });

  it('saves the workload model (14 features → 3 targets) the same way', async () => {
    const rng = new Rng(4), n = 400;
    const t = new Float64Array(n), rate = new Float64Array(n), cpu = new Float64Array(n), mem = new Float64Array(n), ready = new Float64Array(n).fill(2);
    for (let i = 0; i < n; i++) {
      t[i] = 1.8e9 + i * 60;
      rate[i] = 100 + 50 * Math.sin((2 * Math.PI * i) / 60) + 3 * rng.normal();
      cpu[i] = 0.002 * rate[Math.max(0, i - 3)];
      mem[i] = 3e8 + 1e6 * rng.normal();
    }
    const frame: MetricFrame = { t, step: 60, values: { request_rate: rate, cpu_usage: cpu, memory_working_set: mem, ready_replicas: ready } };
    const wm = trainWorkloadModel(frame, { cpuMargin: 0.1, memoryMargin: 0.1, targetCpuUtilization: 0.5, cpuRequest: 0.25 },
      { horizon: 3, epochs: 2, maxWindows: 64, units1: 8, units2: 4, dense: 4 });
    const path = join(dir, '_workload.targets.json');
    saveModel(path, wm.toJSON());
    assert.deepEqual(WorkloadModel.fromJSON(loadModel(path)).predict(frame), wm.predict(frame));
    const tfModel = await openLayersModel(tf, path);
    const { steps, inputSize } = wm.toJSON().config;
    const xr = new Rng(5), x = new Float32Array(2 * steps * inputSize).map(() => xr.next());
    const out = (tfModel.predict(tf.tensor3d(x, [2, steps, inputSize])) as Tensor).dataSync();
    assert.ok(maxDiff(out, moraNet(wm.toJSON()).predict(x, 2)) < 1e-5);
    tfModel.dispose();
  });

  it('replaces the weights file on re-save and leaves no stale one behind', () => {
    const path = join(dir, 'resave.json');
    saveModel(path, state);
    // Older than the grace period (a file written a moment ago may be another writer's, not yet in its model.json).
    const old = (Date.now() - 2 * STALE_WEIGHTS_GRACE_MS) / 1000;
    for (const f of readdirSync(dir)) if (f.startsWith('resave.') && f.endsWith('.weights.bin')) utimesSync(join(dir, f), old, old);
    const ws = decodeWeights(state.weights);
    ws[ws.length - 1] = ws[ws.length - 1].map((v) => v + 1);
    saveModel(path, { ...state, weights: encodeWeights(ws) });
    const bins = readdirSync(dir).filter((f) => f.startsWith('resave.') && f.endsWith('.weights.bin'));
    assert.equal(bins.length, 1);
    assert.deepEqual(decodeWeights((loadModel(path) as LstmState).weights)[ws.length - 1], ws[ws.length - 1]);
    // A truncated weights file is an error, not a model.
    writeFileSync(join(dir, bins[0]), Buffer.alloc(8));
    assert.throws(() => loadModel(path), LayersArtefactError);
  });

  it('does not remove another writer\'s fresh weights: its model.json, written next, still loads', () => {
    // Writer B (the CLI, say) has written its weights and is about to write its model.json; writer A (the extension)
    // saves the same model.json meanwhile. Before, A's clean-up removed B's weights and B's model.json then pointed at a
    // missing file.
    const path = join(dir, 'shared.json');
    const ws = decodeWeights(state.weights);
    ws[0] = ws[0].map((v) => v * 0.5);
    const other = { ...state, weights: encodeWeights(ws) };
    const staging = mkdtempSync(join(tmpdir(), 'mora-artefact-b-'));
    try {
      saveModel(join(staging, 'shared.json'), other); // B's two files, prepared elsewhere
      const bWeights = readdirSync(staging).find((f) => f.endsWith('.weights.bin'))!;
      writeFileSync(join(dir, bWeights), readFileSync(join(staging, bWeights))); // B: weights first
      saveModel(path, state); // A: weights, model.json, clean-up
      assert.ok(existsSync(join(dir, bWeights)), 'B\'s fresh weights kept');
      writeFileSync(path, readFileSync(join(staging, 'shared.json'))); // B: its model.json
      assert.deepEqual(decodeWeights((loadModel(path) as LstmState).weights)[0], ws[0]);
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  });
});
