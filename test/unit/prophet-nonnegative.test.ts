import assert from 'node:assert/strict';
import { series, type Series } from '../../src/core/series';
import { runForecast } from '../../src/ml/forecast';
import { fitProphet } from '../../src/ml/prophet';

/**
 * Usage that never went below 0 cannot: the registry's `prophet` (what `mora forecast -m prophet|all` prints and
 * `recommend -m prophet` reads) is floored at 0 there, like the LSTM and fused. Prophet's linear trend and Fourier terms
 * swing below 0 on a draining series (4 of 46 held-out traces, 4 of 37 tuning series had negative prophet forecasts).
 */
const STEP = 300, DAY = 86400, START = 1_700_006_400;

/** A daily cycle clipped at 0 whose level drains over 10 days: the trend carries Prophet below 0. */
function draining(offset = 0): Series {
  const t: number[] = [], v: number[] = [];
  for (let i = 0; i < (10 * DAY) / STEP; i++) {
    const ts = START + i * STEP;
    t.push(ts); v.push(offset + Math.max(0, 10 - ((i * STEP) / DAY) * 0.8 + 3 * Math.sin((2 * Math.PI * (ts % DAY)) / DAY)));
  }
  return series(t, v);
}

describe('prophet model on a non-negative series', () => {
  it('never forecasts, or bands, below 0 where the history never went there', async () => {
    const h = draining();
    const raw = fitProphet(h).predict({ horizon: 576 });
    assert.ok(Math.min(...raw.mean) < 0, 'the raw model does go below 0 here (what the test is about)');
    const run = await runForecast(h, { model: 'prophet', horizon: 576 });
    for (const a of [run.forecast.mean, run.forecast.lower, run.forecast.upper]) assert.ok(Math.min(...a) >= 0);
    // Where the raw model stayed above 0, nothing changes.
    raw.mean.forEach((x, i) => { if (x > 0) assert.equal(run.forecast.mean[i], x); });
  });

  it('leaves a series below 0 more often than the band\'s lower tail alone (a signed quantity: history-floor.ts)', async () => {
    // 13% of its samples below 0. (At −0.5, 4.9% of them are: below 0 as noise, floored at its lowest value, −0.5.)
    const h = draining(-2);
    const raw = fitProphet(h).predict({ horizon: 576 });
    assert.ok(Math.min(...raw.mean) < -2, 'the raw model goes below the lowest value here');
    const run = await runForecast(h, { model: 'prophet', horizon: 576 });
    assert.deepEqual(Array.from(run.forecast.mean), Array.from(raw.mean));
  });
});
