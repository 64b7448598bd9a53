import assert from 'node:assert/strict';
import { Rng } from '../../src/core/random';
import type { Forecast } from '../../src/ml/forecast-types';
import { DEFAULT_FUSION, fuse, type ComponentResult, type DataQuality } from '../../src/ml/fusion';
import { fuseWithHoldout, parseFusionOptions } from '../../src/ml/lstm/models';

const H = 24;
const quality: DataQuality = { completeness: 1, stability: 0.9, days: 20, naiveMae: 1 };
function fc(values: (i: number) => number, halfBand = 1): Forecast {
  const mean = Float64Array.from({ length: H }, (_, i) => values(i));
  return { t: Float64Array.from({ length: H }, (_, i) => 3600 * i), mean, lower: mean.map((m) => m - halfBand), upper: mean.map((m) => m + halfBand), intervalWidth: 0.8 };
}
const naive = fc((i) => 10 + Math.sin(i / 3), 0);
/** Prophet and the LSTM with holdout errors `rp`, `rl` times the baseline's (baseline holdout MAE 2). */
const models = (rp: number, rl: number): ComponentResult[] => [
  { name: 'prophet', forecast: fc(() => 20), validationMae: 2 * rp, baselineValidationMae: 2 },
  { name: 'lstm', forecast: fc(() => 30), validationMae: 2 * rl, baselineValidationMae: 2 },
];
const close = (a: number, b: number, tol = 1e-9): boolean => Math.abs(a - b) <= tol;

describe('fusion: baseline anchor', () => {
  it('follows the baseline exactly when it was exact on the holdout and both models erred', () => {
    const f = fuse(models(3, 2).map((c) => ({ ...c, baselineValidationMae: 0 })), quality, {}, DEFAULT_FUSION, naive);
    for (let i = 0; i < H; i++) assert.ok(close(f.mean[i], naive.mean[i]));
    assert.ok(close(f.weights.baseline!, 1));
    assert.ok(f.anchor && close(f.anchor.weight, 1));
    // Both models erred where the baseline was exact (r = ∞): both dropped, the baseline forecasts alone.
    assert.deepEqual(f.used, ['baseline']);
    assert.deepEqual(f.dropped.map((d) => d.name), ['prophet', 'lstm']);
    assert.match(f.dropped[0].reason, /where the baseline was exact .*the baseline forecasts instead/);
  });

  it('drops a model that validated more than drop_ratio× worse than the baseline, even when the other did too', () => {
    // Weighted 1/r² against the anchor, r = 2.5 and 1.5 kept 0.064 + 0.267 of the weight; the pair is within 2× of each other.
    const one = fuse(models(2.5, 1.5), quality, {}, DEFAULT_FUSION, naive);
    assert.deepEqual(one.dropped.map((d) => d.name), ['prophet']);
    assert.match(one.dropped[0].reason, /2\.50× the baseline's \(limit 2×\)/);
    assert.deepEqual(one.used, ['lstm', 'baseline']);
    const both = fuse(models(2.5, 3), quality, {}, DEFAULT_FUSION, naive);
    assert.deepEqual(both.used, ['baseline']);
    assert.ok(close(both.weights.baseline!, 1) && both.anchor && close(both.anchor.weight, 1));
    for (let i = 0; i < H; i++) assert.ok(close(both.mean[i], naive.mean[i]) && both.lower[i] <= both.mean[i] && both.upper[i] >= both.mean[i]);
    // Without a baseline to fall back on (the view's ready-made forecasts, or anchor_weight=0) nothing is dropped so.
    assert.deepEqual(fuse(models(2.5, 3), quality, {}, DEFAULT_FUSION).used, ['prophet', 'lstm']);
    assert.deepEqual(fuse(models(2.5, 3), quality, {}, { ...DEFAULT_FUSION, anchorWeight: 0 }, naive).used, ['prophet', 'lstm']);
  });

  it('models as good as the baseline share half the weight with it, keeping their 0.4/0.6 ratio', () => {
    const f = fuse(models(1, 1), quality, {}, DEFAULT_FUSION, naive);
    assert.ok(close(f.weights.prophet!, 0.2) && close(f.weights.lstm!, 0.3) && close(f.weights.baseline!, 0.5));
    for (let i = 0; i < H; i++) assert.ok(close(f.mean[i], 0.2 * 20 + 0.3 * 30 + 0.5 * naive.mean[i]));
    const sum = f.contributions.prophet![5] + f.contributions.lstm![5] + f.contributions.baseline![5];
    assert.ok(close(sum, f.mean[5]), 'contributions add up to the fused mean');
  });

  it('gives the anchor little weight when the models validate much better, more as they validate worse', () => {
    const good = fuse(models(0.1, 0.1), quality, {}, DEFAULT_FUSION, naive);
    assert.ok(good.weights.baseline! < 0.02);
    assert.ok(close(good.weights.prophet! / good.weights.lstm!, 0.4 / 0.6));
    let last = 0;
    for (const r of [0.5, 1, 1.5, 1.9]) {
      const w = fuse(models(r, r), quality, {}, DEFAULT_FUSION, naive).weights.baseline!;
      assert.ok(w > last, `anchor weight grows with the models' holdout error (r=${r})`);
      last = w;
    }
    // Within the drop ratio, the model that validated better gets more than its prior share.
    const f = fuse(models(1.8, 1), quality, {}, DEFAULT_FUSION, naive);
    assert.ok(f.weights.prophet! / (f.weights.prophet! + f.weights.lstm!) < 0.4);
  });

  it('does not anchor without a baseline, without relative scores, or with anchor_weight 0', () => {
    const plain = (f: ReturnType<typeof fuse>) => {
      assert.equal(f.anchor, undefined);
      assert.equal(f.weights.baseline, undefined);
      assert.ok(close(f.mean[0], 0.4 * 20 + 0.6 * 30));
    };
    plain(fuse(models(3, 3), quality));
    plain(fuse(models(3, 3).map((c) => ({ ...c, baselineValidationMae: undefined })), quality, {}, DEFAULT_FUSION, naive));
    plain(fuse(models(3, 3), quality, {}, parseFusionOptions({ anchor_weight: '0' }), naive));
    const nan = fc(() => NaN, 0);
    plain(fuse(models(3, 3), quality, {}, DEFAULT_FUSION, nan));
  });

  it('drops a model by its error relative to the baseline when both have that yardstick', () => {
    // The LSTM's raw holdout MAE is lower, but on an easier window: relative to the baseline it is 5× worse.
    const f = fuse([
      { name: 'prophet', forecast: fc(() => 20), validationMae: 3, baselineValidationMae: 3 },
      { name: 'lstm', forecast: fc(() => 30), validationMae: 1, baselineValidationMae: 0.2 },
    ], quality, {}, DEFAULT_FUSION, naive);
    assert.deepEqual(f.dropped.map((d) => d.name), ['lstm']);
    assert.match(f.dropped[0].reason, /5\.00× the baseline's/);
    assert.deepEqual(f.used, ['prophet', 'baseline']);
    assert.ok(close(f.weights.prophet!, 0.5) && close(f.weights.baseline!, 0.5));
  });

  it('widens the bounds by the spread of every member, the anchor included', () => {
    const f = fuse(models(1, 1), quality, {}, DEFAULT_FUSION, naive);
    for (let i = 0; i < H; i++) {
      const spread = 30 - Math.min(20, naive.mean[i]);
      assert.ok(close(f.lower[i], f.mean[i] - 1 - spread) && close(f.upper[i], f.mean[i] + 1 + spread));
    }
  });

  it('parses fused.anchor_weight and rejects a negative one', () => {
    assert.equal(parseFusionOptions({ anchor_weight: '0.5' }).anchorWeight, 0.5);
    assert.equal(parseFusionOptions({}).anchorWeight, DEFAULT_FUSION.anchorWeight);
    assert.throws(() => parseFusionOptions({ anchor_weight: '-1' }), /fused.anchor_weight must be a number >= 0/);
  });

  describe('fuseWithHoldout', () => {
    const P = 24, days = 10, step = 3600;
    const rng = new Rng(7);
    const day = Array.from({ length: P }, () => 50 + 20 * rng.normal());
    const t = Float64Array.from({ length: days * P }, (_, i) => 1_700_000_000 + i * step);
    const v = Float64Array.from({ length: days * P }, (_, i) => day[i % P]);

    it('on a series that repeats its days exactly, two erring models are overruled by the baseline', () => {
      const h = P, fitPart = { t: t.subarray(0, days * P - h), v: v.subarray(0, days * P - h) };
      const actual = v.subarray(days * P - h);
      const off = (k: number): Float64Array => Float64Array.from({ length: h }, (_, i) => day[i % P] + k);
      const future = (k: number): Forecast => {
        const mean = Float64Array.from({ length: h }, (_, i) => day[i % P] + k);
        return { t: Float64Array.from({ length: h }, (_, i) => t[days * P - 1] + (i + 1) * step), mean, lower: mean.map((x) => x - 1), upper: mean.map((x) => x + 1), intervalWidth: 0.8 };
      };
      const components: ComponentResult[] = [
        { name: 'prophet', forecast: future(8), validationMae: 8, baselineValidationMae: 0 },
        { name: 'lstm', forecast: future(-5), validationMae: 5, baselineValidationMae: 0 },
      ];
      const f = fuseWithHoldout(components, { prophet: off(8), lstm: off(-5) }, actual, { t, v }, fitPart, step, DEFAULT_FUSION);
      for (let i = 0; i < h; i++) assert.ok(close(f.mean[i], day[i % P], 1e-9));
      assert.ok(f.anchor && close(f.anchor.weight, 1));
      // The band is calibrated on the holdout residuals: the blend (all baseline) and the baseline were exact there, so it
      // has no width — it contains the mean and never inverts.
      for (let i = 0; i < h; i++) assert.ok(f.lower[i] <= f.mean[i] && f.mean[i] <= f.upper[i] && f.upper[i] - f.lower[i] < 1e-9, 'bounds around the anchored mean');
    });
  });
});

describe('fused model on a non-negative series', () => {
  it('never forecasts below 0 where the history never went there, though Prophet\'s trend does', async function () {
    this.timeout(120000);
    const { runForecasts } = await import('../../src/ml/forecast');
    // Hourly usage draining toward 0 over 20 days, with a daily cycle: Prophet's linear trend carries on below 0.
    const step = 3600, n = 20 * 24;
    const t = Float64Array.from({ length: n }, (_, i) => 1_700_006_400 + i * step);
    const v = Float64Array.from({ length: n }, (_, i) => Math.max(0, 100 - (100 * i) / (n - 30) + 10 * Math.sin((2 * Math.PI * i) / 24)));
    const [prophet, fused] = await runForecasts({ t, v }, ['prophet', 'fused'], {
      horizon: 48, options: { lstm: { epochs: '3', units1: '8', units2: '4', dense: '4', maxWindows: '200' } },
    });
    const { fitProphet } = await import('../../src/ml/prophet');
    assert.ok(fitProphet({ t, v }).predict({ horizon: 48 }).mean.some((x) => x < 0), 'precondition: the Prophet model alone forecasts below 0');
    assert.ok(prophet.forecast.mean.every((x) => x >= 0), 'the registry\'s prophet is floored at 0 (test/unit/prophet-nonnegative.test.ts)');
    assert.ok(fused.forecast.mean.every((x) => x >= 0), 'fused stays at or above 0');
  });
});
