import assert from 'node:assert/strict';
import { Rng } from '../../src/core/random';
import { calibrateBand, conformalOffsets, residualsByLead, type CalibrationWindow } from '../../src/ml/band-calibration';

describe('band calibration (split conformal on holdout residuals)', () => {
  it('conformal offsets: the finite-sample order statistics, clamped around 0', () => {
    const r = Array.from({ length: 99 }, (_, i) => i - 49); // −49 … 49
    // n = 99, α/2 = 0.05: lower = r_(⌊100·0.05⌋) = r_(5) = −45, upper = r_(⌈100·0.95⌉) = r_(95) = 45.
    assert.deepEqual(conformalOffsets(r, 0.9), { lower: -45, upper: 45 });
    // Every residual above the forecast: the lower offset stays at 0 (the band keeps the mean inside).
    assert.deepEqual(conformalOffsets([1, 2, 3], 0.9), { lower: 0, upper: 3 });
    assert.deepEqual(conformalOffsets([], 0.9), { lower: 0, upper: 0 });
  });

  it('covers 90% of held-out points on generated series with known noise, per lead bucket', () => {
    // 200 series: a daily cycle plus Gaussian noise whose scale grows with the lead (the forecast errs more further out),
    // and skewed bursts. Calibrate on one holdout day, score the next day.
    const rng = new Rng(12);
    const H = 288;
    let covered = 0, points = 0, shortCovered = 0, shortPoints = 0;
    for (let s = 0; s < 200; s++) {
      const sigma = 1 + 10 * rng.next();
      const noise = (lead: number): number => sigma * (0.3 + lead / H) * rng.normal() + (rng.next() < 0.05 ? 4 * sigma * rng.next() : 0);
      const day = (): { forecast: Float64Array; actual: Float64Array } => {
        const forecast = Float64Array.from({ length: H }, (_, i) => 100 + 20 * Math.sin((2 * Math.PI * i) / H));
        return { forecast, actual: forecast.map((f, i) => f + noise(i + 1)) };
      };
      const holdout = day(), test = day();
      const band = calibrateBand(test.forecast, [holdout])!;
      for (let i = 0; i < H; i++) {
        assert.ok(band.lower[i] <= test.forecast[i] && test.forecast[i] <= band.upper[i]);
        const inside = test.actual[i] >= band.lower[i] && test.actual[i] <= band.upper[i] ? 1 : 0;
        covered += inside; points++;
        if (i < 12) { shortCovered += inside; shortPoints++; }
      }
    }
    const all = covered / points, short = shortCovered / shortPoints;
    assert.ok(all >= 0.88 && all <= 0.92, `coverage ${all}`);
    // The first hour has its own buckets (narrower noise there): still 90%, not the day's wider band.
    assert.ok(short >= 0.87 && short <= 0.95, `first-hour coverage ${short}`);
  });

  it('is horizon-aware: the band widens with the lead when the errors do', () => {
    const rng = new Rng(3);
    const H = 288;
    const windows: CalibrationWindow[] = [0, 1, 2].map(() => ({
      forecast: new Float64Array(H), actual: Float64Array.from({ length: H }, (_, i) => (1 + i / 10) * rng.normal()),
    }));
    const b = calibrateBand(new Float64Array(H), windows)!;
    const width = (i: number): number => b.upper[i] - b.lower[i];
    assert.ok(width(0) < width(50) && width(50) < width(250), `${width(0)} < ${width(50)} < ${width(250)}`);
    assert.deepEqual(b.calibration.buckets.map((x) => [x.fromLead, x.toLead]), [[1, 3], [4, 12], [13, 36], [37, 96], [97, 288]]);
    // A bucket's quantiles come from at least minResiduals residuals (the first bucket borrows leads 4–10).
    assert.ok(b.calibration.buckets.every((x) => x.residuals >= 30));
  });

  it('never inverts, floors at the given floor without passing the mean, and extends beyond the windows', () => {
    const rng = new Rng(5);
    for (let k = 0; k < 50; k++) {
      const len = 1 + rng.int(40), H = 1 + rng.int(100);
      const shift = rng.normal() * 10; // all residuals on one side, sometimes
      const windows = [{ forecast: new Float64Array(len), actual: Float64Array.from({ length: len }, () => shift + rng.normal()) }];
      const mean = Float64Array.from({ length: H }, () => rng.normal() * 3);
      const b = calibrateBand(mean, windows, { floor: 0 })!;
      for (let i = 0; i < H; i++) {
        assert.ok(Number.isFinite(b.lower[i]) && Number.isFinite(b.upper[i]));
        assert.ok(b.lower[i] <= mean[i] && mean[i] <= b.upper[i], `lead ${i + 1}: ${b.lower[i]} ≤ ${mean[i]} ≤ ${b.upper[i]}`);
        if (mean[i] >= 0) assert.ok(b.lower[i] >= 0);
      }
    }
  });

  it('degenerate input: a flat series gives a zero-width band, NaNs are skipped, no residual gives no band', () => {
    const flat = calibrateBand(new Float64Array(12).fill(5), [{ forecast: new Float64Array(12).fill(5), actual: new Float64Array(12).fill(5) }])!;
    assert.deepEqual([...flat.lower, ...flat.upper], new Array(24).fill(5));
    const one = calibrateBand([1, 2, 3], [{ forecast: [0], actual: [2] }])!;
    assert.deepEqual(Array.from(one.upper), [3, 4, 5]);
    assert.deepEqual(Array.from(one.lower), [1, 2, 3]);
    const nan = calibrateBand([1, 1], [{ forecast: [NaN, 1, 1], actual: [1, NaN, 3] }])!;
    assert.deepEqual(residualsByLead([{ forecast: [NaN, 1, 1], actual: [1, NaN, 3] }]), [[], [], [2]]);
    assert.ok([...nan.lower, ...nan.upper].every(Number.isFinite));
    assert.equal(calibrateBand([1, 1], [{ forecast: [NaN], actual: [1] }]), undefined);
    assert.equal(calibrateBand([1, 1], []), undefined);
    assert.equal(calibrateBand([1, NaN], [{ forecast: [0], actual: [1] }]), undefined);
  });
});
