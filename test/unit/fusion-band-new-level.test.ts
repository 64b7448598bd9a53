import assert from 'node:assert/strict';
import { Rng } from '../../src/core/random';
import { series } from '../../src/core/series';
import { calibrateBand } from '../../src/ml/band-calibration';
import { runForecasts } from '../../src/ml/forecast';
import type { FusedForecast } from '../../src/ml/fusion';
import { shiftRunResiduals } from '../../src/ml/seasonal-baseline';

/**
 * A series idle at 0 for days that starts a daily pattern 12 hours before the origin: the baseline re-levels for the
 * shift, the calibration windows that straddle it are left out, and the ones left (all before it, where the idle series
 * was forecast exactly) gave the fused 90% band zero width over the pattern — it covered none of the next day. The band
 * now has at least the spread of the baseline's errors on the run at the new level (band-calibration.ts § The new
 * level's spread). Generated: 15-minute steps, the real Prophet, the LSTM left out.
 */
describe('fused band after a jump from an idle level to a daily pattern', () => {
  const P = 96, STEP = 900, T0 = 1_700_000_000 - (1_700_000_000 % 86400), n = 8 * P, jump = n - P / 2;

  it('has width where the recent data has spread (at least the run\'s), not zero', async function () {
    this.timeout(120_000);
    let covered = 0, points = 0;
    for (const seed of [1, 2, 3]) {
      const rng = new Rng(seed);
      const v = Float64Array.from({ length: n + P }, (_, i) => (i < jump ? 0 : 2 + Math.sin((2 * Math.PI * i) / P) + 0.15 * rng.normal()));
      const h = series(Float64Array.from({ length: n }, (_, i) => T0 + i * STEP), v.subarray(0, n));
      const runs = await runForecasts(h, ['fused'], { horizon: P, overrides: { lstm: () => Promise.reject(new Error('not in this test')) } });
      const f = runs[0].forecast as FusedForecast;
      for (let i = 0; i < P; i++) {
        // The run swings over 1–2 with noise 0.15: a band narrower than ±0.5 anywhere is not its spread.
        assert.ok(f.upper[i] - f.lower[i] >= 1, `seed ${seed} lead ${i + 1}: band [${f.lower[i].toFixed(3)}, ${f.upper[i].toFixed(3)}]`);
        if (v[n + i] >= f.lower[i] && v[n + i] <= f.upper[i]) covered++;
        points++;
      }
    }
    // Zero-width, it covered 0 of 288. Half of the next day is the half of the cycle the run never showed (2–3, the run
    // 1–2), which no band read from the run can be expected to cover: a third of the day is what is asked.
    assert.ok(covered / points >= 0.25, `covered ${covered} of ${points}`);
  });

  it('shiftRunResiduals: none without a shift; after one, the run against the re-levelled baseline', () => {
    const flat = Float64Array.from({ length: 8 * P }, (_, i) => 1 + 0.1 * Math.sin((2 * Math.PI * i) / P));
    assert.equal(shiftRunResiduals(flat, flat.length, P, 1), undefined);
    // Up by 3 for the last half day: the re-levelled days forecast the run exactly.
    const up = Float64Array.from(flat, (x, i) => (i >= flat.length - P / 2 ? x + 3 : x));
    const r = shiftRunResiduals(up, up.length, P, 1)!;
    assert.ok(r && r.length >= P / 4, `run of ${r?.length}`);
    for (const x of r) assert.ok(Math.abs(x) < 1e-9, `residual ${x}`);
  });

  it('calibrateBand: minHalfWidth widens a narrower bucket only, and says so', () => {
    const windows = [{ forecast: [1, 1, 1, 1], actual: [1.1, 0.9, 1.05, 0.95] }];
    const plain = calibrateBand([5, 5, 5, 5], windows, { symmetric: true, minResiduals: 1, bucketEdges: [2] })!;
    const wide = calibrateBand([5, 5, 5, 5], windows, { symmetric: true, minResiduals: 1, bucketEdges: [2], minHalfWidth: 0.5 })!;
    assert.ok(plain.upper[0] - 5 < 0.5);
    assert.deepEqual(Array.from(wide.upper), [5.5, 5.5, 5.5, 5.5]);
    assert.deepEqual(Array.from(wide.lower), [4.5, 4.5, 4.5, 4.5]);
    assert.ok(wide.calibration.buckets.every((b) => b.widened) && wide.calibration.minHalfWidth === 0.5);
    const narrow = calibrateBand([5, 5, 5, 5], windows, { symmetric: true, minResiduals: 1, bucketEdges: [2], minHalfWidth: 0.01 })!;
    assert.deepEqual(Array.from(narrow.upper), Array.from(plain.upper));
    assert.ok(narrow.calibration.buckets.every((b) => !b.widened));
  });
});
