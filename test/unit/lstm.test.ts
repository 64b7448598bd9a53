import assert from 'node:assert/strict';
import { Rng } from '../../src/core/random';
import { series, type Series } from '../../src/core/series';
import { LstmNet, type LstmNetConfig } from '../../src/ml/lstm/net';
import { LstmForecaster, LstmModel } from '../../src/ml/lstm/forecaster';
import { IncompatibleModelError, decodeWeights, encodeWeights } from '../../src/ml/lstm/persist';
import { buildStockModel, stockWeights } from '../../src/ml/lstm/stock';

/** Hourly series with a daily cycle and AR(1) noise: the recent past carries information seasonal-naive ignores. */
function seasonalSeries(days: number, seed: number): Series {
  const rng = new Rng(seed);
  const step = 3600, n = days * 24, t0 = 1_700_006_400;
  const t: number[] = [], v: number[] = [];
  let ar = 0;
  for (let i = 0; i < n; i++) {
    ar = 0.85 * ar + rng.normal();
    t.push(t0 + i * step);
    v.push(20 + 8 * Math.sin((2 * Math.PI * i) / 24) + 3 * Math.cos((4 * Math.PI * i) / 24) + ar);
  }
  return series(t, v);
}

const SMALL = { units1: 24, units2: 12, dense: 8, chunk: 6, epochs: 30, patience: 5, maxWindows: 600, learningRate: 3e-3 };

describe('LSTM kernels', () => {
  // The stock tfjs-layers model with the same weights is the reference: outputs, the loss and every gradient must match.
  const cases = [
    { what: 'forward pass, MSE loss and every gradient', config: { inputSize: 3, steps: 5, units1: 6, units2: 4, dense: 5, outputs: 2, dropout: 0.2 }, B: 7, seed: 3, init: 11 },
    { what: 'MAE loss and every gradient', config: { inputSize: 3, steps: 4, units1: 5, units2: 4, dense: 3, outputs: 2, dropout: 0, loss: 'mae' as const }, B: 6, seed: 5, init: 13 },
    // Units multiples of 4: both layers' gates run in the SIMD gate kernels (where WASM SIMD is available).
    { what: 'SIMD gate kernels: outputs, loss and every gradient', config: { inputSize: 3, steps: 6, units1: 8, units2: 12, dense: 4, outputs: 1, dropout: 0 }, B: 9, seed: 8, init: 17 },
  ];
  for (const { what, config: c, B, seed, init } of cases) {
    it(`${what} match TF.js autodiff of the same stock layers`, async function () {
      this.timeout(60000);
      const tf = await import('@tensorflow/tfjs');
      await tf.setBackend('cpu');
      type Tensor = import('@tensorflow/tfjs').Tensor;
      const rng = new Rng(seed);
      const x = new Float32Array(B * c.steps * c.inputSize).map(() => rng.normal());
      const y = new Float32Array(B * c.outputs).map(() => rng.normal());
      const model = buildStockModel(tf, c, init);
      const net = new LstmNet(c, 1);
      net.setWeights(stockWeights(model));
      const xt = tf.tensor3d(x, [B, c.steps, c.inputSize]), yt = tf.tensor2d(y, [B, c.outputs]);
      const ref = (model.predict(xt) as Tensor).dataSync();
      const ours = net.predict(x, B);
      ref.forEach((r, i) => assert.ok(Math.abs(r - ours[i]) < 1e-5, `output ${i}: ${r} vs ${ours[i]}`));
      const lossFn = c.loss === 'mae' ? tf.losses.absoluteDifference : tf.losses.meanSquaredError;
      const { value, grads } = tf.variableGrads(() => lossFn(yt, model.apply(xt, { training: false }) as Tensor) as import('@tensorflow/tfjs').Scalar);
      const loss = net.gradients(x, y, 0, B, undefined);
      assert.ok(Math.abs(loss - value.dataSync()[0]) < 1e-5, `loss ${loss} vs TF.js ${value.dataSync()[0]}`);
      const ourGrads = net.getGradients();
      const names = Object.keys(grads);
      assert.equal(names.length, ourGrads.length);
      names.forEach((name, i) => {
        const g = grads[name].dataSync();
        let scale = 1e-6;
        g.forEach((v) => { scale = Math.max(scale, Math.abs(v)); });
        g.forEach((v, k) => assert.ok(Math.abs(v - ourGrads[i][k]) <= 1e-4 * scale, `${name}[${k}]: tf ${v} vs MOrA ${ourGrads[i][k]}`));
      });
    });
  }
});

describe('LSTM kernel paths', () => {
  it('WASM SIMD and TypeScript matrix products give the same loss and gradients', () => {
    const c: LstmNetConfig = { inputSize: 5, steps: 7, units1: 16, units2: 8, dense: 8, outputs: 3, dropout: 0 };
    const B = 13, rng = new Rng(9);
    const x = new Float32Array(B * c.steps * c.inputSize).map(() => rng.normal());
    const y = new Float32Array(B * c.outputs).map(() => rng.normal());
    const js = new LstmNet(c, 4, 'js');
    const wasm = new LstmNet(c, 4, 'wasm-simd');
    assert.equal(js.kernels, 'js');
    const lj = js.gradients(x, y, 0, B, undefined), lw = wasm.gradients(x, y, 0, B, undefined);
    assert.ok(Math.abs(lj - lw) < 1e-6 * Math.max(1, lj));
    const gj = js.getGradients(), gw = wasm.getGradients();
    gj.forEach((g, i) => g.forEach((v, k) => assert.ok(Math.abs(v - gw[i][k]) < 1e-5 * (1 + Math.abs(v)), `param ${i}[${k}]`)));
  });

  it('WASM SIMD and TypeScript paths draw the same dropout masks (same loss and gradients with dropout on)', () => {
    const c: LstmNetConfig = { inputSize: 3, steps: 10, units1: 16, units2: 8, dense: 4, outputs: 1, dropout: 0.3 };
    const B = 40, rng = new Rng(2);
    const x = new Float32Array(B * c.steps * c.inputSize).map(() => rng.normal());
    const y = new Float32Array(B).map(() => rng.normal());
    const js = new LstmNet(c, 3, 'js'), wasm = new LstmNet(c, 3, 'wasm-simd');
    const lj = js.gradients(x, y, 0, B, new Rng(77)), lw = wasm.gradients(x, y, 0, B, new Rng(77));
    assert.ok(Math.abs(lj - lw) < 1e-6 * Math.max(1, lj), `loss ${lj} vs ${lw}`);
    const gj = js.getGradients(), gw = wasm.getGradients();
    gj.forEach((g, i) => g.forEach((v, k) => assert.ok(Math.abs(v - gw[i][k]) < 1e-5 * (1 + Math.abs(v)), `param ${i}[${k}]`)));
    const again = new LstmNet(c, 3, 'wasm-simd').gradients(x, y, 0, B, new Rng(78));
    assert.notEqual(again, lw, 'another seed, other masks');
  });

  it('a batch larger than partRows runs in parts with the one-pass loss, gradients and Adam step (dropout on, both paths)', () => {
    const c: LstmNetConfig = { inputSize: 3, steps: 6, units1: 8, units2: 4, dense: 4, outputs: 2, dropout: 0.3 };
    const B = 50, rng = new Rng(31);
    const x = new Float32Array(B * c.steps * c.inputSize).map(() => rng.normal());
    const y = new Float32Array(B * c.outputs).map(() => rng.normal());
    const order = new Int32Array(B).map((_, i) => (i * 17) % B); // parts gather through the shuffle
    for (const kind of ['js', 'wasm-simd'] as const) {
      const whole = new LstmNet(c, 8, kind), parts = new LstmNet(c, 8, kind);
      whole.partRows = B;
      parts.partRows = 16; // 16, 16, 16 and a 2-row tail
      for (let step = 0; step < 3; step++) {
        const lw = whole.gradients(x, y, 0, B, new Rng(40 + step), order), lp = parts.gradients(x, y, 0, B, new Rng(40 + step), order);
        assert.ok(Math.abs(lw - lp) <= 1e-6 * lw, `${kind}, step ${step}: loss ${lw} vs ${lp}`);
        const gw = whole.getGradients(), gp = parts.getGradients();
        gw.forEach((g, i) => {
          const scale = g.reduce((m, v) => Math.max(m, Math.abs(v)), 1e-12);
          g.forEach((v, k) => assert.ok(Math.abs(v - gp[i][k]) <= 1e-5 * scale, `${kind}, step ${step}, param ${i}[${k}]: ${v} vs ${gp[i][k]}`));
        });
        whole.adam(0.01); parts.adam(0.01);
      }
      const one = whole.predict(x, B, B), chunked = whole.predict(x, B, 12); // chunks of 12 and a tail of 2
      one.forEach((v, i) => assert.ok(Math.abs(v - chunked[i]) <= 1e-6 * Math.max(1, Math.abs(v)), `${kind}, output ${i}: ${v} vs ${chunked[i]}`));
    }
  });

  it('dropout keeps 1 − p of the units on both paths, scaled by 1/(1 − p)', () => {
    const c: LstmNetConfig = { inputSize: 2, steps: 50, units1: 32, units2: 4, dense: 4, outputs: 1, dropout: 0.2 };
    const B = 64, x = new Float32Array(B * c.steps * c.inputSize).fill(1), y = new Float32Array(B);
    for (const kind of ['js', 'wasm-simd'] as const) {
      const net = new LstmNet(c, 1, kind);
      net.gradients(x, y, 0, B, new Rng(5));
      const inner = net as unknown as { F: Float32Array; bufs: { m1: number } };
      const m = inner.F.subarray(inner.bufs.m1, inner.bufs.m1 + c.steps * B * c.units1);
      const kept = m.reduce((a, v) => a + (v > 0 ? 1 : 0), 0) / m.length;
      assert.ok(Math.abs(kept - 0.8) < 0.01, `${kind}: kept ${kept}`);
      assert.ok(m.every((v) => v === 0 || Math.abs(v - 1.25) < 1e-6));
    }
  });

  it('SIMD gate activations agree with Math.exp/Math.tanh from saturation to zero', () => {
    // Inputs from ±0 to ±60 drive the gates through tanh's small-x polynomial, the exp range reduction and the clamps.
    const c: LstmNetConfig = { inputSize: 4, steps: 3, units1: 8, units2: 4, dense: 4, outputs: 2, dropout: 0 };
    const B = 12, rng = new Rng(21);
    const x = new Float32Array(B * c.steps * c.inputSize).map((_, i) => rng.normal() * [1e-4, 0.3, 3, 60][i % 4]);
    const y = new Float32Array(B * c.outputs).map(() => rng.normal());
    const js = new LstmNet(c, 6, 'js'), wasm = new LstmNet(c, 6, 'wasm-simd');
    const pj = js.predict(x, B), pw = wasm.predict(x, B);
    pj.forEach((v, i) => assert.ok(Math.abs(v - pw[i]) < 1e-6 * (1 + Math.abs(v)), `output ${i}: ${v} vs ${pw[i]}`));
    const lj = js.gradients(x, y, 0, B, undefined), lw = wasm.gradients(x, y, 0, B, undefined);
    assert.ok(Math.abs(lj - lw) < 1e-6 * Math.max(1, lj));
    const gj = js.getGradients(), gw = wasm.getGradients();
    gj.forEach((g, i) => g.forEach((v, k) => assert.ok(Math.abs(v - gw[i][k]) < 1e-5 * (1 + Math.abs(v)), `param ${i}[${k}]`)));
  });
});

describe('LSTM forecaster', () => {
  const history = seasonalSeries(40, 7);
  let model: LstmModel;
  before(function () {
    this.timeout(60000);
    model = new LstmForecaster(SMALL).fit(history);
  });

  it('learns a seasonal series: validation error well below seasonal-naive', () => {
    const v = model.validation;
    assert.ok(v.windows > 50);
    assert.ok(v.mae < 0.8 * v.baselineMae, `LSTM MAE ${v.mae.toFixed(3)} vs seasonal-naive ${v.baselineMae.toFixed(3)}`);
  });

  it('forecasts the requested horizon at the history step, with a band around the mean', () => {
    const f = model.predict({ horizon: 30 });
    assert.equal(f.mean.length, 30);
    assert.equal(f.t[0], history.t[history.t.length - 1] + 3600);
    for (let i = 0; i < 30; i++) {
      assert.ok(Number.isFinite(f.mean[i]));
      assert.ok(f.lower[i] < f.mean[i] && f.mean[i] < f.upper[i]);
    }
  });

  it('save/load round-trip gives identical predictions and keeps scalers, features and training window', () => {
    const saved = JSON.parse(JSON.stringify(model.toJSON()));
    const loaded = LstmModel.fromJSON(saved);
    assert.deepEqual(Array.from(loaded.predict({ horizon: 20 }).mean), Array.from(model.predict({ horizon: 20 }).mean));
    assert.deepEqual(saved.features, ['value', 'tod_sin', 'tod_cos', 'dow_sin', 'dow_cos', 'value_lag']);
    assert.equal(saved.trainedOn.to, history.t[history.t.length - 1]);
    assert.ok(saved.scaler.max > saved.scaler.min);
  });

  it('never forecasts below 0 for a series that never went below 0, and only then', () => {
    // The same trained net with its output bias pushed far down, so it says "drop by 10 ranges" at every step.
    const pushDown = (nonNegative: boolean) => {
      const s = JSON.parse(JSON.stringify(model.toJSON()));
      const ws = decodeWeights(s.weights);
      ws[ws.length - 1] = ws[ws.length - 1].map(() => -10);
      return LstmModel.fromJSON({ ...s, weights: encodeWeights(ws), nonNegative }).predict({ horizon: 12 });
    };
    assert.ok(history.v.every((x) => x >= 0), 'the test series is non-negative');
    assert.equal(model.toJSON().nonNegative, true);
    const floored = pushDown(true);
    assert.ok(floored.mean.every((x) => x === 0) && floored.lower.every((x) => x === 0), 'floored at 0');
    assert.ok(pushDown(false).mean.every((x) => x < 0), 'a series with negative values keeps negative forecasts');
  });

  it('refuses a model saved in another format with a clear message', () => {
    const saved = { ...(JSON.parse(JSON.stringify(model.toJSON())) as object), format: 999, moraVersion: '9.0.0' };
    assert.throws(() => LstmModel.fromJSON(saved), (e: Error) => e instanceof IncompatibleModelError && /9\.0\.0/.test(e.message) && /retrain/.test(e.message));
    assert.throws(() => LstmModel.fromJSON({ hello: 1 }), IncompatibleModelError);
  });

  it('is reproducible: the same seed gives the same forecast, another seed a different one', function () {
    this.timeout(30000);
    const short = seasonalSeries(12, 3);
    const o = { ...SMALL, epochs: 2, units1: 8, units2: 4 };
    const a = new LstmForecaster({ ...o, seed: 5 }).fit(short).predict({ horizon: 6 }).mean;
    const b = new LstmForecaster({ ...o, seed: 5 }).fit(short).predict({ horizon: 6 }).mean;
    const c = new LstmForecaster({ ...o, seed: 6 }).fit(short).predict({ horizon: 6 }).mean;
    assert.deepEqual(Array.from(a), Array.from(b));
    assert.notDeepEqual(Array.from(a), Array.from(c));
  });

  it('can be cancelled, and reports progress per epoch', () => {
    const seen: number[] = [];
    let calls = 0;
    assert.throws(
      () => new LstmForecaster({ ...SMALL, epochs: 50, onEpoch: (e) => seen.push(e.epoch), isCancelled: () => ++calls > 30 }).fit(seasonalSeries(12, 4)),
      /cancelled/,
    );
    assert.ok(seen.length >= 1 && seen.length < 50);
  });

  it('says how much history it needs when there is too little', () => {
    assert.throws(() => new LstmForecaster(SMALL).fit(seasonalSeries(1, 1)), /history too short/);
  });
});
