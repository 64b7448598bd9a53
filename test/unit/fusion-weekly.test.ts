import assert from 'node:assert/strict';
import { Rng } from '../../src/core/random';
import { runForecasts } from '../../src/ml/forecast';
import type { FusedForecast } from '../../src/ml/fusion';
import { mae } from '../../src/ml/lstm/holdout-run';
import { seasonalMedianAt } from '../../src/ml/seasonal-baseline';
import { shapeLstm } from './helpers/lstm-stand-in';

/**
 * The fused forecast on a weekly series (seasonal-baseline.ts, "Weekly candidates"): weekdays at 100, weekends at 40,
 * one daily shape, noise σ 3, at half-hour steps, three weeks of history. The LSTM stand-in knows only the weekday's
 * day (as a model that missed the weekly pattern would); Prophet is left out. Before the same-weekday baseline the
 * anchor was a median of the last days, which on Saturday reads Friday and on Monday the weekend.
 */
describe('fusion: a weekly series', () => {
  const D = 48, STEP = 1800, T0 = 1_700_000_000 - (1_700_000_000 % 86400);
  const day = (i: number): number => 15 * Math.sin((2 * Math.PI * i) / D);
  const level = (i: number): number => (Math.floor(i / D) % 7 >= 5 ? 40 : 100);

  it('is anchored on the same weekday and errs about as weekly seasonal-naive does, at every weekday', async function () {
    this.timeout(120_000);
    const rng = new Rng(9);
    const v = Float64Array.from({ length: 29 * D }, (_, i) => level(i) + day(i) + 3 * rng.normal());
    const t = Float64Array.from({ length: v.length }, (_, i) => T0 + i * STEP);
    let fusedMae = 0, weeklyMae = 0, yesterdayMae = 0, close = 0;
    for (let d = 21; d < 28; d++) {
      const history = { t: t.subarray(0, d * D), v: v.subarray(0, d * D) };
      const lstm = shapeLstm(history, d, { t0: T0, step: STEP, period: D, shape: (i) => 100 + day(i), noise: 3, actual: 'series' });
      const [run] = await runForecasts(history, ['fused'], { horizon: D, overrides: { lstm, prophet: () => Promise.reject(new Error('not in this test')) } });
      const f = run.forecast as FusedForecast;
      const future = v.subarray(d * D, (d + 1) * D);
      assert.match(f.anchor?.baseline ?? '', /same weekday/, `day ${d}: anchored on ${f.anchor?.baseline}`);
      assert.ok([f.mean, f.lower, f.upper].every((a) => a.every((x) => Number.isFinite(x))), `day ${d}: finite`);
      const e = mae(f.mean, future), w = mae(seasonalMedianAt(v, d * D, D, 7 * D, 1), future);
      fusedMae += e / 7; weeklyMae += w / 7;
      if (e < 1.1 * w) close++;
      yesterdayMae += mae(v.subarray((d - 1) * D, d * D), future) / 7;
    }
    // Six weekdays of seven within 10% of weekly seasonal-naive (before the same-weekday baseline: 27.0 against 3.4 over the
    // week, Saturday to Monday at 59–60). The seventh, Saturday, is the member's: its holdout, Friday, validated it well
    // (weight 0.34) and it forecasts a weekday; the anchor cannot undo that.
    assert.ok(close >= 6, `fused within 10% of weekly seasonal-naive on ${close} of 7 weekdays`);
    assert.ok(fusedMae < 2 * weeklyMae, `fused MAE ${fusedMae.toFixed(2)} vs weekly seasonal-naive ${weeklyMae.toFixed(2)}`);
    assert.ok(fusedMae < 0.5 * yesterdayMae, `fused MAE ${fusedMae.toFixed(2)} vs yesterday repeated ${yesterdayMae.toFixed(2)}`);
  });
});
