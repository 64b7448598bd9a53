// The fusion's data quality counts observed points only. The fused model puts a gappy history on a regular grid and fills
// its gaps with straight lines (core/series.ts onRegularGrid); dataQuality was given that filled grid, so a series missing
// 4 of its 10 days reported completeness 1 and its confidence's quality part ~0.99.
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/random';
import { observedValues, onRegularGrid, type Series } from '../../src/core/series';
import { runForecasts } from '../../src/ml/forecast';
import { dataQuality, type FusedForecast } from '../../src/ml/fusion';
import { shapeLstm } from './helpers/lstm-stand-in';

const STEP = 300, P = 288, T0 = 1_764_028_800 - (1_764_028_800 % 86400);
const shape = (i: number): number => 1 + 0.5 * Math.sin((2 * Math.PI * (i % P)) / P);

function history(days: number, missing: (i: number) => boolean): Series {
  const rng = new Rng(4);
  const t: number[] = [], v: number[] = [];
  for (let i = 0; i < days * P; i++) if (!missing(i)) { t.push(T0 + i * STEP); v.push(shape(i) + 0.02 * rng.normal()); }
  return { t: Float64Array.from(t), v: Float64Array.from(v) };
}

describe('data quality counts observed points, not a gap\'s straight line', function () {
  this.timeout(120_000);

  it('a filled point (NaN in observedValues) is missing: completeness, day means and naive error skip it', () => {
    const s = history(10, (i) => i >= 5 * P && i < 9 * P);
    const grid = onRegularGrid(s);
    const obs = observedValues(grid.series.v, grid.mask);
    const q = dataQuality(grid.series.t, obs, STEP);
    assert.ok(Math.abs(q.completeness - 0.6) < 0.001, `completeness ${q.completeness}`);
    assert.ok(Number.isFinite(q.naiveMae) && q.naiveMae > 0 && q.naiveMae < 0.1, `naive MAE ${q.naiveMae}`);
    assert.ok(q.stability > 0.95, `stability ${q.stability}`);
    // The same samples, unfilled: the same completeness.
    assert.ok(Math.abs(dataQuality(s.t, s.v, STEP).completeness - q.completeness) < 0.001);
  });

  it('without a gap, the same numbers as before', () => {
    const s = history(6, () => false);
    const q = dataQuality(s.t, s.v, STEP);
    assert.equal(q.completeness, 1);
    let e = 0;
    for (let i = P; i < s.v.length; i++) e += Math.abs(s.v[i] - s.v[i - P]);
    assert.equal(q.naiveMae, e / (s.v.length - P));
  });

  it('the fused forecast of a series missing 4 of its 10 days: its confidence\'s quality part is at most 0.6', async () => {
    const s = history(10, (i) => i >= 5 * P && i < 9 * P);
    const lstm = shapeLstm(s, 1, { t0: T0, step: STEP, period: P, shape, noise: 0.03, actual: 'series' });
    const [run] = await runForecasts(s, ['fused'], { horizon: P, seed: 1, overrides: { lstm } });
    const f = run.forecast as FusedForecast;
    // Before: 0.99 (completeness 1 on the filled grid).
    assert.ok(f.confidenceParts.quality <= 0.6 + 1e-9 && f.confidenceParts.quality > 0.5, `quality ${f.confidenceParts.quality}`);
  });
});
