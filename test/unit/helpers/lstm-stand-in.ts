import { Rng } from '../../../src/core/random';
import type { Series } from '../../../src/core/series';
import type { ModelRun } from '../../../src/ml/forecast';
import { mae } from '../../../src/ml/lstm/holdout-run';

/**
 * An LSTM stand-in for runForecasts' `overrides.lstm` that knows the daily `shape` (by grid index from `t0` at `step`)
 * and errs by `noise` × a normal draw (seeded by 100 + `seed`): it forecasts the `period` steps after the series' last
 * and reports a holdout on the last `period`, scored against `shape` there (`actual: 'shape'`) or the series' own
 * values (`'series'`, as the real one is).
 */
export function shapeLstm(
  series: Series, seed: number,
  o: { t0: number; step: number; period: number; shape: (i: number) => number; noise: number; actual: 'shape' | 'series' },
): () => Promise<ModelRun> {
  const { t0, step, period: P, shape, noise } = o;
  return async () => {
    const rng = new Rng(100 + seed);
    const n = series.v.length, last = Math.round((series.t[n - 1] - t0) / step);
    const at = (i: number): number => shape(i) + noise * rng.normal();
    const hv = Float64Array.from({ length: P }, (_, j) => at(last - P + 1 + j));
    const actual = o.actual === 'series' ? series.v.subarray(n - P) : Float64Array.from({ length: P }, (_, j) => shape(last - P + 1 + j));
    const mean = Float64Array.from({ length: P }, (_, j) => at(last + 1 + j));
    return {
      model: 'lstm', forecast: { t: Float64Array.from({ length: P }, (_, j) => series.t[n - 1] + (j + 1) * step), mean, lower: mean, upper: mean, intervalWidth: 0.9 },
      fitted: { holdout: { points: P, t: [], actual: Array.from(actual), mean: Array.from(hv), mae: mae(hv, actual) } }, timings: { fitMs: 0, predictMs: 0 },
    };
  };
}
