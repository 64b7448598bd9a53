import assert from 'node:assert/strict';
import { Rng } from '../../src/core/random';
import { calibrateBand, conformalOffsets, fewWindowsInflation, localScales, residualsByLead, studentQuantile, type CalibrationWindow } from '../../src/ml/band-calibration';

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

  it('short leads follow the recent error level: 90% after calm hours and in a storm alike (errors come in episodes)', () => {
    // 300 series of hour-long windows (12 steps) over 14 days whose noise switches between calm (σ = 1) and storms
    // (σ = 6) in episodes of 1–4 days; the next hour continues the last episode. Pooled over two weeks, one quantile
    // is too wide after a calm hour and too narrow in a storm; normalised by the last 6 hours' error it covers both.
    const rng = new Rng(7);
    const h = 12, count = 14 * 24;
    const cover = { calm: { local: 0, pooled: 0, points: 0 }, storm: { local: 0, pooled: 0, points: 0 } };
    for (let s = 0; s < 300; s++) {
      // Oldest first: the episode of each window, then the next (test) window in the same episode as the last.
      const sigmas: number[] = [];
      let sigma = rng.next() < 0.5 ? 1 : 6;
      while (sigmas.length <= count) {
        const len = 24 + Math.floor(rng.next() * 73);
        for (let i = 0; i < len && sigmas.length <= count; i++) sigmas.push(sigma);
        sigma = sigma === 1 ? 6 : 1;
      }
      const window = (sd: number): CalibrationWindow => ({ forecast: new Float64Array(h), actual: Float64Array.from({ length: h }, () => sd * rng.normal()) });
      const past = sigmas.slice(0, count).map(window).reverse(); // newest first, each ending where the one before it starts
      const test = window(sigmas[count]);
      const local = localScales(past, 6);
      const normalised = calibrateBand(new Float64Array(h), past.map((w, i) => ({ ...w, scale: local.scales[i] })), { symmetric: true, scale: local.now })!;
      const pooled = calibrateBand(new Float64Array(h), past, { symmetric: true })!;
      assert.ok(normalised.calibration.buckets.every((b) => b.scale === local.now));
      const c = sigmas[count] === 1 ? cover.calm : cover.storm;
      for (let i = 0; i < h; i++) {
        const x = test.actual[i];
        c.local += x >= normalised.lower[i] && x <= normalised.upper[i] ? 1 : 0;
        c.pooled += x >= pooled.lower[i] && x <= pooled.upper[i] ? 1 : 0;
        c.points++;
      }
    }
    const share = (k: 'calm' | 'storm', m: 'local' | 'pooled'): number => cover[k][m] / cover[k].points;
    for (const k of ['calm', 'storm'] as const) assert.ok(share(k, 'local') >= 0.85 && share(k, 'local') <= 0.95, `${k}: ${share(k, 'local').toFixed(3)}`);
    // The pooled band (what the fused band used before): far too wide after calm hours, too narrow in a storm.
    if (process.env.MORA_TEST_VERBOSE) console.log(cover);
    assert.ok(share('calm', 'pooled') > 0.97 && share('storm', 'pooled') < 0.85, `pooled: calm ${share('calm', 'pooled').toFixed(3)}, storm ${share('storm', 'pooled').toFixed(3)}`);
  });

  it('local scales: the mean |r| of the span windows before each; none, or 0, leaves the buckets unnormalised', () => {
    const w = (r: number, len = 2): CalibrationWindow => ({ forecast: new Float64Array(len), actual: new Float64Array(len).fill(r) });
    const windows = [w(1), w(2), w(4), w(NaN), w(8)]; // newest first
    const { scales, now } = localScales(windows, 2);
    assert.deepEqual(scales, [3, 4, 8, 8, undefined]); // window 2: the NaN window has no residual, window 4 has 8
    assert.equal(now, 1.5);
    // Without a level (or a window's level of 0), the buckets stay unnormalised: the plain conformal band.
    const plain = calibrateBand([0, 0], windows)!;
    assert.deepEqual(Array.from(calibrateBand([0, 0], windows.map((x) => ({ ...x, scale: 0 })), { scale: 1 })!.upper), Array.from(plain.upper));
    assert.deepEqual(Array.from(calibrateBand([0, 0], windows.map((x, i) => ({ ...x, scale: scales[i] })), { scale: 0 })!.upper), Array.from(plain.upper));
    // With both: the quantile of |r| / scale (1/3, 2/4, 4/8 at each of the 2 leads; the NaN window and the oldest, which
    // has no level, left out: the ⌈7 · 0.9⌉-th of 6 → the largest, 0.5) times the level now.
    const local = calibrateBand([0, 0], windows.map((x, i) => ({ ...x, scale: scales[i] })), { scale: now, symmetric: true, minResiduals: 1 })!;
    assert.deepEqual(Array.from(local.upper), [0.75, 0.75]);
    assert.equal(local.calibration.buckets[0].scale, 1.5);
  });

  it('after an exact stretch (level now 0): the windows that followed one, not |r| pooled over the episodes', () => {
    // 300 series of hour-long windows over 14 days: a value that sits still (forecast exactly) and, at random hours
    // (5%), an episode of 2–6 hours with errors of σ = 10. The next hour follows an exact stretch. Pooled over two weeks the
    // band takes the episodes' errors (±16 or so) around a value that stays put 95% of the time; the stratum of hours
    // that followed an exact stretch says how often one then broke.
    const rng = new Rng(11);
    const h = 12, count = 14 * 24;
    let covered = 0, points = 0, width = 0, pooledWidth = 0, stratumBands = 0;
    for (let s = 0; s < 300; s++) {
      const noisy: boolean[] = [];
      while (noisy.length < count) {
        if (rng.next() < 0.05) for (let e = 2 + Math.floor(rng.next() * 5); e > 0; e--) noisy.push(true);
        else noisy.push(false);
      }
      noisy.length = count;
      noisy.push(false, false, false, false, false, false, false, false, false, false, false, false); // the last 12 h exact
      const window = (on: boolean): CalibrationWindow => ({ forecast: new Float64Array(h), actual: Float64Array.from({ length: h }, () => (on ? 10 * rng.normal() : 0)) });
      const past = noisy.map(window).reverse(); // newest first
      const next = window(rng.next() < 0.05);
      const local = localScales(past, 12);
      assert.equal(local.now, 0);
      const b = calibrateBand(new Float64Array(h), past.map((w, i) => ({ ...w, scale: local.scales[i] })), { symmetric: true, scale: local.now })!;
      const pooled = calibrateBand(new Float64Array(h), past, { symmetric: true })!;
      if (b.calibration.buckets.every((k) => k.scale === 0)) stratumBands++;
      for (let i = 0; i < h; i++) {
        covered += next.actual[i] >= b.lower[i] && next.actual[i] <= b.upper[i] ? 1 : 0;
        points++;
        width += b.upper[i] - b.lower[i];
        pooledWidth += pooled.upper[i] - pooled.lower[i];
      }
    }
    if (process.env.MORA_TEST_VERBOSE) console.log({ coverage: covered / points, width: width / points, pooledWidth: pooledWidth / points });
    assert.equal(stratumBands, 300);
    assert.ok(covered / points >= 0.88, `coverage ${(covered / points).toFixed(3)}`);
    // Before, the pooled band: as wide as the episodes, around a value that then stayed put.
    assert.ok(width < 0.2 * pooledWidth, `width ${(width / points).toFixed(2)} vs pooled ${(pooledWidth / points).toFixed(2)}`);
    // Too few windows after exact stretches (fewer residuals than minResiduals): the pooled band, as before.
    const few: CalibrationWindow[] = [{ forecast: [0, 0], actual: [0, 0], scale: 0 }, { forecast: [0, 0], actual: [5, -5], scale: 2 }];
    assert.deepEqual(Array.from(calibrateBand([0, 0], few, { scale: 0, symmetric: true })!.upper), [5, 5]);
  });

  it('few windows: widened by t_ν / z, which covers 0.9 where the plain quantile under-covers, and vanishes with many', () => {
    // Student's t against tables (0.95: 2.353 at ν = 3, 1.812 at 10; 0.995 at ν = 4: 4.604) and the normal (1.645, 1.960).
    assert.ok(Math.abs(studentQuantile(0.95, 3) - 2.3534) < 1e-3 && Math.abs(studentQuantile(0.95, 10) - 1.8125) < 1e-3);
    assert.ok(Math.abs(studentQuantile(0.995, 4) - 4.6041) < 1e-3 && Math.abs(studentQuantile(0.975, Infinity) - 1.96) < 1e-3);
    assert.equal(fewWindowsInflation(0.9, 3, 0), 1);
    // Windows of 48 points made of `blocks` stretches, each with its own level error ~ N(0, 1) (what a level shift or a
    // burst does to a forecast) plus a little point noise: residuals inside a stretch are all but one sample.
    const rng = new Rng(7);
    const L = 48, blocks = 3;
    const window = (): CalibrationWindow => {
      const actual = new Float64Array(L);
      for (let b = 0; b < blocks; b++) {
        const a = rng.normal();
        for (let i = (b * L) / blocks; i < ((b + 1) * L) / blocks; i++) actual[i] = a + 0.1 * rng.normal();
      }
      return { forecast: new Float64Array(L), actual };
    };
    const coverage = (W: number, trials: number): { plain: number; corrected: number; inflation: number } => {
      let plain = 0, corrected = 0, inflation = 0;
      for (let t = 0; t < trials; t++) {
        const past = Array.from({ length: W }, window), next = window();
        const p = calibrateBand(next.forecast, past, { symmetric: true, bucketEdges: [] })!;
        const c = calibrateBand(next.forecast, past, { symmetric: true, bucketEdges: [], windowBlocks: blocks })!;
        inflation += c.calibration.buckets[0].inflation! / trials;
        assert.equal(c.calibration.buckets[0].windows, W);
        for (let i = 0; i < L; i++) {
          plain += next.actual[i] >= p.lower[i] && next.actual[i] <= p.upper[i] ? 1 / (L * trials) : 0;
          corrected += next.actual[i] >= c.lower[i] && next.actual[i] <= c.upper[i] ? 1 / (L * trials) : 0;
        }
      }
      return { plain, corrected, inflation };
    };
    // Two windows (6 effective samples): the plain quantile covers ~0.86, the corrected one 0.9.
    const few = coverage(2, 1500);
    if (process.env.MORA_TEST_VERBOSE) console.log(few);
    assert.ok(few.plain < 0.875, `plain ${few.plain.toFixed(3)}`);
    assert.ok(few.corrected >= 0.885 && few.corrected <= 0.93, `corrected ${few.corrected.toFixed(3)}`);
    // Sixty windows: the factor is under 1.01 and the coverage the same within half a point.
    const many = coverage(60, 100);
    assert.ok(many.inflation < 1.01, `inflation ${many.inflation.toFixed(4)}`);
    assert.ok(Math.abs(many.corrected - many.plain) < 0.005 && many.corrected >= 0.88, JSON.stringify(many));
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
