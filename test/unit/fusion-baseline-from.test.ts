import assert from 'node:assert/strict';
import { Rng } from '../../src/core/random';
import type { Forecast } from '../../src/ml/forecast-types';
import { DEFAULT_FUSION, dataQuality, fuse, type ComponentResult, type FusedForecast } from '../../src/ml/fusion';

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
  it('past the validated leads the band is Prophet\'s own around the baseline: no spread from members that no longer count', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const { f, s } = fusedOf(seed);
      assert.equal(f.baselineFrom, LEADS);
      const p = s.components[0].forecast!;
      for (let i = LEADS; i < P; i++) {
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
