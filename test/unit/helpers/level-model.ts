import type { FittedModel } from '../../../src/ml/forecast-types';

/**
 * A fitted stand-in that forecasts `scale × level(t)` at each step (5 min unless asked) after `last`, the end of the
 * history it was fitted on: mean and lower equal, upper 1 % above, a 90 % band.
 */
export function levelModel(last: number, level: (t: number) => number, scale: number): FittedModel {
  return {
    predict: ({ horizon, step }) => {
      const t = Float64Array.from({ length: horizon }, (_, i) => last + (i + 1) * (step ?? 300));
      const mean = Float64Array.from(t, (x) => scale * level(x));
      return { t, mean, lower: mean, upper: Float64Array.from(mean, (m) => m * 1.01), intervalWidth: 0.9 };
    },
    toJSON: () => ({}),
  };
}
