import assert from 'node:assert/strict';
import { Rng } from '../../src/core/random';
import { series, type Series } from '../../src/core/series';
import { fitProphet } from '../../src/ml/prophet';

/**
 * A history shorter than a seasonality's period cannot identify it: over 3 days a weekly Fourier term is collinear with
 * trend and level, and the fit extrapolated it into MASE 10–86 on the next day of real 4-day traces (bench:forecast
 * --heldout, group short). MOrA's default seasonalities therefore need one full period of history; one set explicitly stays.
 */
const STEP = 300, DAY = 86400, START = 1_700_006_400;

/** Daily-periodic usage with a mid-history burst of jobs and noise: non-negative, like the traces. */
function usage(days: number, seed = 7): Series {
  const rng = new Rng(seed);
  const n = Math.round((days * DAY) / STEP), t: number[] = [], v: number[] = [];
  for (let i = 0; i < n; i++) {
    const ts = START + i * STEP, hour = ((ts % DAY) / 3600);
    const burst = i > n * 0.55 && i < n * 0.62 ? 6 : 0;
    t.push(ts); v.push(Math.max(0, 10 + 4 * Math.sin((2 * Math.PI * hour) / 24) + burst + rng.normal() * 1.5));
  }
  return series(t, v);
}

describe('Prophet on a history shorter than a seasonal period', () => {
  it('leaves the default weekly seasonality out of a 3-day history (and keeps it from 7 days)', () => {
    const short = fitProphet(usage(3));
    assert.deepEqual(short.seasonalities.map((s) => s.name), ['daily']);
    assert.equal(short.options.weekly_seasonality, false, 'the options it reports say what it fitted');
    assert.deepEqual(fitProphet(usage(8)).seasonalities.map((s) => s.name), ['weekly', 'daily']);
  });

  it('keeps a seasonality the caller set explicitly, whatever the span (R parity)', () => {
    assert.deepEqual(fitProphet(usage(3), { weekly_seasonality: true }).seasonalities.map((s) => s.name), ['weekly', 'daily']);
  });

  it('leaves the default daily seasonality out of a history shorter than a day', () => {
    assert.deepEqual(fitProphet(usage(0.75)).seasonalities.map((s) => s.name), []);
  });

  it('forecasts the next day of a 3-day history within the daily swing', () => {
    const h = usage(3), m = fitProphet(h);
    const f = m.predict({ horizon: 288 });
    let worst = 0;
    for (let i = 0; i < 288; i++) {
      const hour = ((f.t[i] % DAY) / 3600);
      worst = Math.max(worst, Math.abs(f.mean[i] - (10 + 4 * Math.sin((2 * Math.PI * hour) / 24))));
    }
    assert.ok(worst < 6, `worst error ${worst.toFixed(2)} against the daily pattern (amplitude 4)`);
  });
});
