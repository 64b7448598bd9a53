import assert from 'node:assert/strict';
import { Rng } from '../../src/core/random';
import type { Forecast } from '../../src/ml/forecast-types';
import { DEFAULT_FUSION, type ComponentResult } from '../../src/ml/fusion';
import { calibrateBand, seasonalLagGrowth, type CalibrationWindow } from '../../src/ml/band-calibration';
import { fuseWithHoldout, holdoutValidatedLeads } from '../../src/ml/lstm/models';
import { seasonalMedianAt } from '../../src/ml/seasonal-baseline';

/**
 * Leads past the holdout's reach (band-calibration.ts § Past the windows' reach; fusion.ts § Validated leads): the
 * holdout is a day at most, so a multi-day forecast has leads no holdout validated. Generated 5-minute series, 14 days.
 */
const P = 288, DAYS = 14, step = 300, T0 = 1_700_000_000;

describe('fused forecast past the holdout\'s reach (multi-day horizons)', () => {
  it('a lead past every window is never narrower than the widest bucket of the validated day\'s later half, and widens with the lead', () => {
    // Residuals whose spread is widest mid-day and small at the last leads (the 39-residual bucket of the review).
    const rng = new Rng(3);
    const windows: CalibrationWindow[] = Array.from({ length: 13 }, () => {
      const actual = Float64Array.from({ length: P }, (_, i) => (i < 280 ? 0.2 : 0.02) * rng.normal());
      return { forecast: new Float64Array(P), actual };
    });
    const H = 3 * P;
    const band = calibrateBand(new Float64Array(H), windows, { symmetric: true, farGrowth: (j, l) => Math.sqrt(j / l) })!;
    // The buckets of the later half of the reach (97–288): short leads' errors are the origin's, not a far lead's.
    const validated = band.calibration.buckets.filter((b) => b.fromLead <= P && b.toLead > P / 2);
    const widest = Math.max(...validated.map((b) => b.upper));
    for (let i = P; i < H; i++) {
      assert.ok(band.upper[i] >= widest - 1e-12, `lead ${i + 1}: upper ${band.upper[i]} under the widest validated ${widest}`);
      assert.ok(-band.lower[i] >= widest - 1e-12, `lead ${i + 1}: lower ${band.lower[i]}`);
      assert.ok(band.upper[i] >= band.upper[i - 1] - 1e-12, 'never narrows past the reach');
    }
    assert.ok(band.upper[H - 1] > widest * 1.5, `√(lead ratio) growth at 3 days: ${band.upper[H - 1]} vs ${widest}`);
    const last = band.calibration.buckets[band.calibration.buckets.length - 1];
    assert.equal(last.beyond?.reach, P);
    // Without a growth, the widest validated bucket as it is.
    const flat = calibrateBand(new Float64Array(H), windows, { symmetric: true })!;
    for (let i = P; i < H; i++) assert.ok(Math.abs(flat.upper[i] - widest) < 1e-12, `lead ${i + 1}: ${flat.upper[i]}`);
  });

  it('the seasonal-lag growth is 1 on a stationary daily series and grows on a drifting one', () => {
    const rng = new Rng(5);
    const n = DAYS * P;
    const flat = Float64Array.from({ length: n }, (_, i) => Math.sin((2 * Math.PI * i) / P) + 0.1 * rng.normal());
    let level = 0;
    const drift = Float64Array.from({ length: n }, (_, i) => { level += 0.01 * rng.normal(); return Math.sin((2 * Math.PI * i) / P) + level; });
    const g = seasonalLagGrowth(flat, P, 0.9), gd = seasonalLagGrowth(drift, P, 0.9);
    assert.ok(g(3 * P, P) < 1.15, `stationary: ${g(3 * P, P)}`);
    assert.equal(g(P, P), 1);
    assert.ok(gd(3 * P, P) > 1.3, `drifting: ${gd(3 * P, P)}`);
    // Past the lags the history measures, still growing (√ of the lag ratio).
    assert.ok(gd(28 * P, P) > gd(12 * P, P));
  });

  /**
   * A noisy daily sine, 3 days ahead: Prophet forecasts the cycle with a small error per forecast; the LSTM validated
   * well on its day-long holdout but its recursion drifts after the first day (as on the review's 28-day forecast).
   */
  function scenario(seed: number, days: number): { fused: Forecast; next: Float64Array; v: Float64Array } {
    const rng = new Rng(seed);
    const sigma = 0.05 + 0.1 * rng.next();
    const cycle = (i: number): number => 1 + 0.3 * Math.sin((2 * Math.PI * i) / P);
    const n = DAYS * P, H = days * P;
    const t = Float64Array.from({ length: n }, (_, i) => T0 + i * step);
    const v = Float64Array.from({ length: n }, (_, i) => cycle(i) + sigma * rng.normal());
    const next = Float64Array.from({ length: H }, (_, i) => cycle(n + i) + sigma * rng.normal());
    const modelAt = (start: number, len: number, drift: number): Float64Array => {
      const off = 0.2 * sigma * rng.normal();
      return Float64Array.from({ length: len }, (_, i) => cycle(start + i) + off + (i >= P ? (drift * (i - P)) / P : 0));
    };
    const points = P;
    const prophetWindows = [1, 2, 3].map((d) => modelAt(n - d * points, points, 0));
    const lstmHoldout = modelAt(n - points, points, 0);
    const tf = Float64Array.from({ length: H }, (_, i) => T0 + (n + i) * step);
    const member = (mean: Float64Array): Forecast => ({ t: tf, mean, lower: mean.map((x) => x - 2 * sigma), upper: mean.map((x) => x + 2 * sigma), intervalWidth: 0.9 });
    const actual = v.subarray(n - points);
    const base = seasonalMedianAt(v, n - points, points, P, 1);
    const maeOf = (a: ArrayLike<number>): number => Array.from(a).reduce((s, x, i) => s + Math.abs(x - actual[i]), 0) / a.length;
    const validatedLeads = holdoutValidatedLeads(points, H);
    const components: ComponentResult[] = [
      { name: 'prophet', forecast: member(modelAt(n, H, 0)), validationMae: maeOf(prophetWindows[0]), baselineValidationMae: maeOf(base), validatedLeads },
      { name: 'lstm', forecast: member(modelAt(n, H, 0.5)), validationMae: maeOf(lstmHoldout), baselineValidationMae: maeOf(base), validatedLeads },
    ];
    const fitPart = { t: t.subarray(0, n - points), v: v.subarray(0, n - points) };
    const fused = fuseWithHoldout(components, { prophet: prophetWindows[0], lstm: lstmHoldout }, actual, { t, v }, fitPart, step, DEFAULT_FUSION, 1, prophetWindows);
    return { fused, next, v };
  }

  it('covers at least 0.85 of days 2-3 of a noisy daily sine, as of day 1', () => {
    let day1 = 0, later = 0, n1 = 0, n2 = 0;
    for (let s = 1; s <= 8; s++) {
      const { fused, next } = scenario(s, 3);
      for (let i = 0; i < next.length; i++) {
        const inside = next[i] >= fused.lower[i] && next[i] <= fused.upper[i] ? 1 : 0;
        if (i < P) { day1 += inside; n1++; } else { later += inside; n2++; }
      }
    }
    assert.ok(later / n2 >= 0.85, `days 2-3 covered ${(later / n2).toFixed(3)} (day 1 ${(day1 / n1).toFixed(3)})`);
  });

  it('a far lead stays within a sane multiple of the history\'s range', () => {
    const { fused, v } = scenario(11, 28);
    let lo = Infinity, hi = -Infinity;
    for (const x of v) { lo = Math.min(lo, x); hi = Math.max(hi, x); }
    const range = hi - lo;
    for (let i = P; i < fused.mean.length; i++) {
      assert.ok(fused.mean[i] >= lo - 0.25 * range && fused.mean[i] <= hi + 0.25 * range, `lead ${i + 1}: ${fused.mean[i]} outside [${lo}, ${hi}] by over a quarter of its range`);
      assert.ok(fused.lower[i] <= fused.mean[i] && fused.mean[i] <= fused.upper[i]);
    }
  });
});
