import assert from 'node:assert/strict';
import { Rng } from '../../src/core/random';
import type { Forecast } from '../../src/ml/forecast-types';
import { runForecasts, type ModelRun } from '../../src/ml/forecast';
import { DEFAULT_FUSION, dataQuality, fuse, type ComponentResult, type FusedForecast } from '../../src/ml/fusion';
import { mae } from '../../src/ml/lstm/holdout-run';

/**
 * A short history's fused forecast past the leads the models' holdouts reached (`baselineFrom`, fusion.ts "Validated
 * leads"): the mean there is the seasonal baseline alone, so the fallback band must not widen by members that no longer
 * count. Generated: a daily cycle of 24 hourly steps plus noise; Prophet (band ±1.645σ) and an LSTM stand-in that drifts
 * away from the cycle with lead, both validated on the first 14 of 24 leads (20% of a 3-day history).
 */
const P = 24, STEP = 3600, T0 = 1_700_000_000 - (1_700_000_000 % 86400), LEADS = 14;
const cycle = (i: number): number => 50 + 20 * Math.sin((2 * Math.PI * i) / P);

function scenario(seed: number): { history: { t: Float64Array; v: Float64Array }; components: ComponentResult[]; baseline: Forecast; sigma: number } {
  const rng = new Rng(seed);
  const sigma = 2 + 2 * rng.next();
  const n = 3 * P;
  const history = { t: Float64Array.from({ length: n }, (_, i) => T0 + i * STEP), v: Float64Array.from({ length: n }, (_, i) => cycle(i) + sigma * rng.normal()) };
  const t = Float64Array.from({ length: P }, (_, i) => T0 + (n + i) * STEP);
  const prophetMean = Float64Array.from({ length: P }, (_, j) => cycle(n + j) + 1.5);
  const sign = rng.next() < 0.5 ? -1 : 1;
  const lstmMean = Float64Array.from({ length: P }, (_, j) => cycle(n + j) + sign * 16 * ((j + 1) / P) ** 2);
  const band = (m: Float64Array): Forecast => ({ t, mean: m, lower: m.map((x) => x - 1.645 * sigma), upper: m.map((x) => x + 1.645 * sigma), intervalWidth: 0.9 });
  const baseMean = history.v.slice(n - P);
  const components: ComponentResult[] = [
    { name: 'prophet', forecast: band(prophetMean), validationMae: 1.1 * sigma, baselineValidationMae: 1.2 * sigma, validatedLeads: LEADS },
    { name: 'lstm', forecast: { t, mean: lstmMean, lower: lstmMean, upper: lstmMean, intervalWidth: 0.9 }, validationMae: sigma, baselineValidationMae: 1.2 * sigma, validatedLeads: LEADS },
  ];
  return { history, components, baseline: { t, mean: baseMean, lower: baseMean, upper: baseMean, intervalWidth: 0.9 }, sigma };
}

function fusedOf(seed: number): { f: FusedForecast; s: ReturnType<typeof scenario> } {
  const s = scenario(seed);
  const f = fuse(s.components, dataQuality(s.history.t, s.history.v, STEP), {}, DEFAULT_FUSION, s.baseline, 'seasonal-naive');
  return { f, s };
}

describe('fusion: the fallback band past baselineFrom', () => {
  it('past the validated leads (and the crossfade after them) the band is Prophet\'s own around the baseline: no spread from members that no longer count', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const { f, s } = fusedOf(seed);
      assert.equal(f.baselineFrom, LEADS);
      const p = s.components[0].forecast!;
      for (let i = LEADS + f.baselineFade!; i < P; i++) {
        assert.ok(Math.abs(f.mean[i] - s.baseline.mean[i]) < 1e-9, `seed ${seed} lead ${i}: mean is the baseline`);
        assert.ok(Math.abs((f.upper[i] - f.mean[i]) - (p.upper[i] - p.mean[i])) < 1e-9, `seed ${seed} lead ${i}: upper ${f.upper[i] - f.mean[i]} above the mean`);
        assert.ok(Math.abs((f.mean[i] - f.lower[i]) - (p.mean[i] - p.lower[i])) < 1e-9, `seed ${seed} lead ${i}: lower ${f.mean[i] - f.lower[i]} below the mean`);
      }
    }
  });

  it('within the validated leads the band still widens by the spread of every member (unchanged)', () => {
    const { f, s } = fusedOf(4);
    const [p, l] = s.components.map((c) => c.forecast!);
    for (let i = 0; i < LEADS - 6; i++) {
      const xs = [p.mean[i], l.mean[i], s.baseline.mean[i]];
      const spread = Math.max(...xs) - Math.min(...xs);
      assert.ok(Math.abs((f.upper[i] - f.mean[i]) - (p.upper[i] - p.mean[i] + spread)) < 1e-9, `lead ${i}`);
    }
  });
});

/**
 * The crossfade at baselineFrom, through the whole fused model (its calibrated band included): a 3-day history at
 * 15-minute steps (holdout 57 of 96 leads) whose LSTM stand-in validated well but sits 6 units off the baseline, so the
 * old hard switch made the chart jump by its weight × 6 at lead 57. Generated: a daily cycle plus noise σ = 1.
 */
describe('fusion: the crossfade at baselineFrom (no visible step)', () => {
  const Q = 96, STEP15 = 900;
  const daily = (i: number): number => 50 + 10 * Math.sin((2 * Math.PI * i) / Q);

  async function shortRun(seed: number): Promise<{ f: FusedForecast; v: Float64Array; lstmMean: Float64Array }> {
    const rng = new Rng(seed);
    const n = 3 * Q;
    const history = { t: Float64Array.from({ length: n }, (_, i) => T0 + i * STEP15), v: Float64Array.from({ length: n }, (_, i) => daily(i) + rng.normal()) };
    const off = rng.next() < 0.5 ? -6 : 6;
    const lstmMean = Float64Array.from({ length: Q }, (_, j) => daily(n + j) + off);
    const lstmRun = async (): Promise<ModelRun> => {
      const points = Math.floor(n * 0.2);
      const actual = history.v.subarray(n - points);
      const hm = Float64Array.from({ length: points }, (_, j) => daily(n - points + j) + 0.1 * off);
      return {
        model: 'lstm', forecast: { t: Float64Array.from({ length: Q }, (_, i) => history.t[n - 1] + (i + 1) * STEP15), mean: lstmMean, lower: lstmMean, upper: lstmMean, intervalWidth: 0.9 },
        fitted: { holdout: { points, t: [], actual: Array.from(actual), mean: Array.from(hm), mae: mae(hm, actual) } }, timings: { fitMs: 0, predictMs: 0 },
      };
    };
    const [run] = await runForecasts(history, ['fused'], { horizon: Q, overrides: { lstm: lstmRun, prophet: () => Promise.reject(new Error('not in this test')) } });
    return { f: run.forecast as FusedForecast, v: history.v, lstmMean };
  }

  it('mean and band move by no more than the series\' typical step around the boundary; far from it, the validated blend and the baseline alone as before', async function () {
    this.timeout(60_000);
    for (let seed = 1; seed <= 6; seed++) {
      const { f, v, lstmMean } = await shortRun(seed);
      const L = f.baselineFrom!, K = f.baselineFade!;
      assert.equal(L, 57);
      assert.equal(K, 4, 'an hour of 15-minute leads');
      // The series' typical step-to-step change: the mean |Δ| over the history.
      let typical = 0;
      for (let i = 1; i < v.length; i++) typical += Math.abs(v[i] - v[i - 1]);
      typical /= v.length - 1;
      const wl = f.weights.lstm!, wb = f.weights.baseline!;
      assert.ok(wl * 6 > 2 * typical, `seed ${seed}: the hard switch would have jumped ${(wl * 6).toFixed(2)} (typical step ${typical.toFixed(2)})`);
      const base = v.slice(v.length - Q);
      const blend = (i: number): number => wl * lstmMean[i] + wb * base[i];
      // Around the boundary (the band's fade may start earlier: it is stretched when the bands differ much), each step
      // may move by what the line itself does there — the blend's step before the boundary, the baseline's after (a day
      // back of noisy history) — plus at most the typical step, never by the whole switch at once.
      for (let i = L - 16; i < L + K + 2; i++) {
        const natural = Math.max(Math.abs(blend(i + 1) - blend(i)), Math.abs(base[i + 1] - base[i]));
        for (const [name, a] of [['mean', f.mean], ['lower', f.lower], ['upper', f.upper]] as const) {
          assert.ok(Math.abs(a[i + 1] - a[i]) <= natural + typical, `seed ${seed} ${name} lead ${i}→${i + 1}: ${Math.abs(a[i + 1] - a[i]).toFixed(2)} > ${(natural + typical).toFixed(2)}`);
        }
      }
      // Every validated lead keeps the validated weights; from the end of the fade on, the baseline alone (plus the level
      // the blend carried, fusion.ts "Carried level": here a fraction of the member's offset, which validated a little better).
      const carry = f.baselineCarry ?? 0;
      assert.ok(Math.abs(carry) < wl * 6, `seed ${seed}: carried ${carry.toFixed(2)}, under the blend's own offset ${(wl * 6).toFixed(2)}`);
      for (let i = 0; i < L; i++) assert.ok(Math.abs(f.mean[i] - blend(i)) < 1e-9, `seed ${seed} lead ${i}`);
      for (let i = L + K; i < Q; i++) assert.ok(Math.abs(f.mean[i] - base[i] - carry) < 1e-9, `seed ${seed} lead ${i}`);
      // Inside the fade the mean lies between the blend and the baseline with the carried level.
      for (let i = L; i < L + K; i++) {
        assert.ok(f.mean[i] >= Math.min(blend(i), base[i] + carry) - 1e-9 && f.mean[i] <= Math.max(blend(i), base[i] + carry) + 1e-9, `seed ${seed} lead ${i}`);
      }
    }
  });
});
