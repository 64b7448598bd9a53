/**
 * ForecastGuardedStrategy (mora-prophet in mora backtest) after a long gap in the data: evidence scored before the gap
 * expires by date, and no forecaster is fitted on less than MIN_FIT_DAYS days of samples. Before, a 20-day gap left the
 * fit window with one day of samples while the three scored days before the gap still made the forecast trusted: the
 * value doubled (the FORECAST_MAX_RAISE cap) on the first day after it (days 0–9, 10–29 missing, to 39).
 */
import { strict as assert } from 'node:assert';
import { series, type Series } from '../../src/core/series';
import type { Forecaster } from '../../src/ml/forecast-types';
import { checkForecast, coveredDays, MIN_FIT_DAYS } from '../../src/rightsizing/engine/forecast-choice';
import { ForecastGuardedStrategy } from '../../src/rightsizing/engine/forecast-strategy';
import { MoraStrategy } from '../../src/rightsizing/engine/mora-strategy';
import { replay } from '../../src/rightsizing/replay/replay';
import { wholeDays } from '../../src/rightsizing/backtest/warmup';
import { levelModel } from './helpers/level-model';

const DAY = 86400;
// A step up by half every 4 days: the window rule lags behind each step, an exact forecast does not, so it earns trust before the gap.
const level = (t: number): number => 0.4 * Math.pow(1.5, Math.floor(t / DAY / 4)) * (1 + 0.05 * Math.sin((2 * Math.PI * t) / DAY));

/** Days [from, to) at 5 min, each in `ranges`. */
function gappy(ranges: Array<[number, number]>): Series {
  const t: number[] = [], v: number[] = [];
  for (const [a, b] of ranges) for (let x = a * DAY; x < b * DAY; x += 300) { t.push(x); v.push(level(x)); }
  return series(t, v);
}

/** Exact before day 10 (so it earns trust), 10× the level on what it is fitted after the gap; records the days it fits on. */
function fake(fits: number[]): Forecaster {
  return {
    name: 'fake',
    fit: (h) => {
      fits.push(coveredDays(h.t));
      const scale = h.t[h.t.length - 1] < 10 * DAY ? 1 : 10;
      return levelModel(h.t[h.t.length - 1], level, scale);
    },
  };
}

describe('a forecast-guarded strategy after a long gap', () => {
  const s = gappy([[0, 10], [30, 40]]);

  for (const kind of ['cpu', 'memory'] as const) {
    it(`${kind}: no fit on under ${MIN_FIT_DAYS} days of samples; the days after the gap get the window's value`, () => {
      const fits: number[] = [];
      const strat = new ForecastGuardedStrategy(kind, fake(fits));
      const [f, w] = replay(s, [strat, new MoraStrategy(kind)], { warmupDays: 3 });
      const before = f.days.filter((d) => d.dayStart < 10 * DAY);
      assert.ok(before.some((d, i) => d.value !== w.days[i].value), 'the forecast was never used before the gap: the test shows nothing');
      assert.ok(fits.every((d) => d >= MIN_FIT_DAYS - 1e-9), `fitted on ${Math.min(...fits).toFixed(2)} days`);
      for (const d of f.days.filter((x) => x.dayStart >= 30 * DAY && x.dayStart < 36 * DAY)) {
        const wv = w.days.find((x) => x.dayStart === d.dayStart)!.value;
        assert.equal(d.value, wv, `day ${d.dayStart / DAY}: ${d.value} vs the window's ${wv}`);
      }
    });
  }

  it('evidence from before the gap expires by date, even when the fit window reaches over the gap', () => {
    // fitDays 30: on day 31 the fit window holds days 1–9 and 30, enough to fit; the days scored before the gap are 3 weeks old.
    const strat = new ForecastGuardedStrategy('cpu', fake([]), { fitDays: 30 });
    const [f, w] = replay(s, [strat, new MoraStrategy('cpu')], { warmupDays: 3 });
    assert.ok(f.days.some((d, i) => d.dayStart < 10 * DAY && d.value !== w.days[i].value), 'the forecast was never used before the gap: the test shows nothing');
    for (const d of f.days.filter((x) => x.dayStart >= 30 * DAY && x.dayStart < 33 * DAY)) {
      assert.equal(d.value, w.days.find((x) => x.dayStart === d.dayStart)!.value, `day ${d.dayStart / DAY}`);
    }
  });

  it('coveredDays counts the time samples cover, not the span over a gap; each stretch its last step too (as wholeDays)', () => {
    assert.ok(Math.abs(coveredDays(gappy([[0, 5]]).t) - 5) < 1e-9);
    assert.ok(Math.abs(coveredDays(gappy([[0, 1], [20, 21]]).t) - 2) < 1e-9);
    assert.equal(coveredDays([]), 0);
    assert.equal(coveredDays([0]), 0);
    for (const d of [2, 3, 5, 10]) {
      const whole = gappy([[0, d]]);
      assert.equal(wholeDays(whole), d);
      assert.ok(Math.abs(coveredDays(whole.t) - wholeDays(whole)) < 1e-9, `${d} gap-free days: coveredDays ${coveredDays(whole.t)} = wholeDays ${wholeDays(whole)}`);
    }
  });

  it(`${MIN_FIT_DAYS} whole days at 5 min are enough to fit (the first fit on day ${MIN_FIT_DAYS}, not ${MIN_FIT_DAYS + 1})`, () => {
    const fits: number[] = [];
    const strat = new ForecastGuardedStrategy('cpu', fake(fits));
    const h = gappy([[0, MIN_FIT_DAYS]]);
    assert.equal(h.t.length, MIN_FIT_DAYS * 288);
    strat.observe(h.t, h.v);
    strat.recommend(MIN_FIT_DAYS * DAY);
    assert.equal(fits.length, 1, `not fitted on ${coveredDays(h.t)} days of samples`);
  });

  it(`recommend -m …: ${MIN_FIT_DAYS} whole days before the last day are enough to check the forecast`, async () => {
    const h = gappy([[0, MIN_FIT_DAYS + 1]]);
    let called = 0;
    const provider = async (): Promise<never> => { called++; throw new Error('checked'); };
    const use = (await checkForecast('cpu', h, (MIN_FIT_DAYS + 1) * DAY, provider, 'fake'))!;
    assert.equal(called, 1, use.reason);
    assert.doesNotMatch(use.reason, /history too short/);
  });

  it('recommend -m …: a history whose days before the last one are under 3 days of samples is not checked', async () => {
    // Days 0–1 and 9–11 (now = day 12): 11 days from first to last sample, 2 days of samples before the last day.
    const h = gappy([[0, 1], [10, 12]]);
    let called = 0;
    const provider = async (): Promise<never> => { called++; throw new Error('not reached'); };
    const use = (await checkForecast('cpu', h, 12 * DAY, provider, 'fake'))!;
    assert.equal(use.trusted, false);
    assert.equal(called, 0);
    assert.match(use.reason, /history too short/);
  });
});
