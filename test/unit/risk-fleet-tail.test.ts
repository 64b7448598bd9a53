/**
 * Borrowing the tail from the fleet (src/rightsizing/engine/fleet-tail.ts, MoraStrategyOptions.fleetTail): generated CPU
 * series share one law with a known heavy day-level tail — 3% of days run at 3× the usual level — and differ only in
 * length (10 series of 56 days, 30 of 14). A short series (7 scored days) has seen one to thirteen days when it is
 * sized, mostly none of the heavy ones, so its own split-conformal k under-covers; reading k off the mixture with the
 * other workloads' calibration ratios (weight n0/(n + n0), n0 = 1/α − 1) brings its achieved exceedance to the target.
 */
import { strict as assert } from 'node:assert';
import { Rng } from '../../src/core/random';
import { series, type Series } from '../../src/core/series';
import { runBacktest } from '../../src/rightsizing/backtest/run';
import { FleetTailPool, fleetTailDays, pooledCpuMargin } from '../../src/rightsizing/engine/fleet-tail';
import { cpuMargin, type CalibrationDay } from '../../src/rightsizing/engine/calibration';

const DAY = 86400;

/** Samples every 10 minutes on a daily cycle, lognormal noise σ = 0.3; a day runs at `jump`× with probability `p`. */
function heavyDays(seed: number, days: number, p: number, jump: number): Series {
  const rng = new Rng(seed), lr = new Rng(seed + 5000);
  const lv = Array.from({ length: days }, () => (lr.next() < p ? jump : 1));
  const t: number[] = [], v: number[] = [];
  for (let x = 0; x < days * DAY; x += 600) {
    t.push(x); v.push(lv[Math.floor(x / DAY)] * (1 + 0.2 * Math.sin((2 * Math.PI * x) / DAY)) * Math.exp(0.3 * rng.normal()));
  }
  return series(t, v);
}

function tolerance(target: number): number {
  return target < 0.02 ? 0.005 : 0.25 * target;
}

/** Exceedance share pooled over the short series' scored days, at `risk`, with and without the fleet's tail. */
function shortSeriesRisk(risk: number, fleetTail: boolean): number {
  const long = Array.from({ length: 10 }, (_, i) => ({ name: `long-${i}`, series: heavyDays(100 + i, 56, 0.03, 3) }));
  const short = Array.from({ length: 30 }, (_, i) => ({ name: `short-${i}`, series: heavyDays(500 + i, 14, 0.03, 3) }));
  const r = runBacktest([...long, ...short], 'cpu', [{ name: 'mora', risk }], { mora: { fleetTail }, keepDays: true });
  let miss = 0, n = 0;
  for (const p of r.perSeries) if (p.series.startsWith('short')) for (const d of p.days ?? []) { miss += d.exceeded; n += d.samples; }
  return miss / n;
}

describe('borrowing the tail from the fleet when a series\' own history is short', () => {
  it('short series drawn from the fleet\'s law (3% of days at 3×): within tolerance with the fleet\'s tail, above it without (0.5% and 1%)', function () {
    this.timeout(60_000);
    for (const risk of [0.005, 0.01]) {
      const own = shortSeriesRisk(risk, false), pooled = shortSeriesRisk(risk, true);
      assert.ok(Math.abs(pooled - risk) <= tolerance(risk), `target ${risk}: pooled ${pooled.toFixed(4)}`);
      assert.ok(own - risk > tolerance(risk), `target ${risk}: own days only ${own.toFixed(4)} (few days rarely show a heavy one)`);
    }
  });

  it('the mixture is the own quantile without a fleet, and leans on the fleet by n0/(n + n0)', () => {
    const day = (scale: number): CalibrationDay => {
      const ratios = Float64Array.from({ length: 100 }, (_, i) => scale * (0.5 + i / 100)).sort();
      return { ratios, peakRatio: ratios[99], achieved: 0 };
    };
    const cal = [day(1), day(1), day(1)];
    const alone = pooledCpuMargin(cal, 0.05, () => NaN, fleetTailDays(0.05));
    assert.ok(Math.abs(alone.k - cpuMargin(cal, 0.05, 0).k) < 0.02, `own only: ${alone.k} vs ${cpuMargin(cal, 0.05, 0).k}`);
    // A fleet whose days run at 3× the series' own: with 3 own days and n0 = 19 the fleet's weight is 19/22, so k is far up.
    const pool = new FleetTailPool();
    for (let d = 0; d < 3; d++) pool.add(1, 0, d * DAY, day(3).ratios);
    const fleet = pool.tailFor(0, 0);
    const mixed = pooledCpuMargin(cal, 0.05, (x) => fleet.above(x, 3 * DAY), fleetTailDays(0.05));
    assert.ok(mixed.k > 2 * alone.k, `pooled k ${mixed.k} vs own ${alone.k}`);
    // Leave-one-out and causal: before the fleet's first day ends there is nothing to read.
    assert.ok(Number.isNaN(fleet.above(1, 0)));
    assert.ok(Number.isNaN(pool.tailFor(1, 0).above(1, 3 * DAY)), 'a workload does not read its own days as the fleet\'s');
  });
});
