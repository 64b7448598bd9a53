/**
 * The fused forecast's prediction band, calibrated by split conformal prediction on the series' own holdout forecasts.
 *
 * Each calibration window is a forecast made before the window it forecasts (as it would have been used) next to what
 * then happened: residual r = actual − forecast at lead time j (index j − 1 of the window). The band of a forecast at lead
 * j is [mean + q_lo(j), mean + q_hi(j)], from the n residuals whose lead falls in the same lead bucket:
 *
 *   symmetric (what `fused` uses):  q_hi = −q_lo = the ⌈(n + 1) · level⌉-th smallest |r|
 *   two-sided:  r_(1) ≤ … ≤ r_(n), α = 1 − level,  q_lo = r_(⌊(n + 1) · α/2⌋),  q_hi = r_(⌈(n + 1) · (1 − α/2)⌉)
 *   (order statistics clamped to 1..n when n is too small)
 *
 * which, for residuals exchangeable with the future ones, covers the next point with probability ≥ level (Vovk et al.;
 * Lei et al. 2018, split conformal). Two-sided follows skewed residuals (bursts above the forecast larger than dips
 * below), but when some calibration windows come from stand-in forecasts (lstm/models.ts calibrationWindows) it puts the
 * band where their bias was; |r| was the better calibrated on bench:forecast. q_lo is clamped to ≤ 0 and q_hi to ≥ 0,
 * so the band always contains the mean.
 *
 * Lead buckets (1–3, 4–12, 13–36, 37–96, 97–288, 289+ steps; at 5 min: 15 min, 1 h, 3 h, 8 h, 1 day, beyond) make the
 * band horizon-aware: an hour-ahead forecast, which still sees the last values, errs less than one 20 hours ahead. A
 * bucket with fewer than `minResiduals` residuals borrows the nearest leads (shorter first) until it has them; a lead
 * beyond every window takes the longest leads'. Residuals that are not finite are skipped; with none, there is no band
 * (the caller keeps its own).
 */

export interface CalibrationWindow {
  /** The holdout forecast, lead 1 at index 0. */
  forecast: ArrayLike<number>;
  /** What happened over the same steps. */
  actual: ArrayLike<number>;
}

export interface BandOptions {
  /** Coverage the band aims at. */
  level: number;
  /** Upper lead (in steps, inclusive) of each bucket but the last, ascending. */
  bucketEdges: readonly number[];
  /** Fewest residuals a bucket's quantiles are taken over. */
  minResiduals: number;
  /** Floor for the lower edge (0 for a series that never went below 0). */
  floor: number;
  /** One quantile of |r| for both sides instead of a quantile per tail. */
  symmetric: boolean;
}

export const DEFAULT_BAND: BandOptions = { level: 0.9, bucketEdges: [3, 12, 36, 96, 288], minResiduals: 30, floor: -Infinity, symmetric: false };

export interface BandBucket { fromLead: number; toLead: number; residuals: number; lower: number; upper: number }

export interface BandCalibration {
  level: number;
  /** Finite residuals over all windows. */
  residuals: number;
  windows: number;
  /** Per lead bucket the forecast reaches: the offsets added to the mean, and over how many residuals. */
  buckets: BandBucket[];
}

/** Split-conformal lower and upper residual quantiles (see the header); both 0 without residuals. */
export function conformalOffsets(residuals: readonly number[], level: number, symmetric = false): { lower: number; upper: number } {
  const n = residuals.length;
  if (n === 0) return { lower: 0, upper: 0 };
  if (symmetric) {
    const s = residuals.map(Math.abs).sort((a, b) => a - b);
    const q = s[Math.min(n, Math.max(1, Math.ceil((n + 1) * level - 1e-9))) - 1];
    return { lower: -q, upper: q };
  }
  const s = residuals.slice().sort((a, b) => a - b);
  const a = (1 - level) / 2;
  // (1e-9: 1 − 0.9 is 0.0999…, which must not move an order statistic.)
  const lo = Math.min(n, Math.max(1, Math.floor((n + 1) * a + 1e-9)));
  const hi = Math.min(n, Math.max(1, Math.ceil((n + 1) * (1 - a) - 1e-9)));
  return { lower: Math.min(0, s[lo - 1]), upper: Math.max(0, s[hi - 1]) };
}

/** Residuals (actual − forecast) by lead, index lead − 1, over every window; non-finite pairs skipped. */
export function residualsByLead(windows: readonly CalibrationWindow[]): number[][] {
  const byLead: number[][] = [];
  for (const w of windows) {
    const len = Math.min(w.forecast.length, w.actual.length);
    for (let i = 0; i < len; i++) {
      const r = w.actual[i] - w.forecast[i];
      if (!Number.isFinite(r)) continue;
      (byLead[i] ??= []).push(r);
    }
  }
  for (let i = 0; i < byLead.length; i++) byLead[i] ??= [];
  return byLead;
}

/**
 * The calibrated band around `mean` (lead 1 at index 0), or undefined when the windows hold no finite residual or the
 * mean is not finite everywhere.
 */
export function calibrateBand(
  mean: ArrayLike<number>, windows: readonly CalibrationWindow[], options: Partial<BandOptions> = {},
): { lower: Float64Array; upper: Float64Array; calibration: BandCalibration } | undefined {
  const o = { ...DEFAULT_BAND, ...options };
  const H = mean.length;
  for (let i = 0; i < H; i++) if (!Number.isFinite(mean[i])) return undefined;
  const byLead = residualsByLead(windows);
  const total = byLead.reduce((s, r) => s + r.length, 0);
  if (total === 0) return undefined;
  const L = byLead.length;
  const lower = new Float64Array(H), upper = new Float64Array(H);
  const buckets: BandBucket[] = [];
  const edges = [...o.bucketEdges.filter((e) => e >= 1), Infinity];
  let from = 1;
  for (const edge of edges) {
    if (from > H) break;
    const to = Math.min(edge, H);
    // The bucket's leads that some window reached; beyond every window, the longest leads.
    let a = Math.min(from, L), b = Math.min(to, L);
    let count = 0;
    for (let j = a; j <= b; j++) count += byLead[j - 1].length;
    // Too few: borrow the nearest leads, shorter first (they are the better measured), until there are enough or none left.
    while (count < o.minResiduals && (a > 1 || b < L)) {
      if (a > 1) { a--; count += byLead[a - 1].length; }
      if (count < o.minResiduals && b < L) { b++; count += byLead[b - 1].length; }
    }
    const pool: number[] = [];
    for (let j = a; j <= b; j++) pool.push(...byLead[j - 1]);
    const q = conformalOffsets(pool, o.level, o.symmetric);
    buckets.push({ fromLead: from, toLead: to, residuals: pool.length, lower: q.lower, upper: q.upper });
    for (let i = from - 1; i < to; i++) {
      lower[i] = Math.max(Math.min(o.floor, mean[i]), mean[i] + q.lower);
      upper[i] = mean[i] + q.upper;
    }
    from = to + 1;
  }
  return { lower, upper, calibration: { level: o.level, residuals: total, windows: windows.length, buckets } };
}
