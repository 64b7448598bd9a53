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
 *
 * Short leads, normalised by the recent error level (locally weighted conformal, Lei et al. 2018 § 5.2; Papadopoulos
 * et al. 2008): errors come in episodes — a calm hour is followed by a calm hour, a level shift or a burst of jobs
 * by more of them — so one quantile of |r| pooled over two weeks is too wide after calm hours and too narrow in an
 * episode, and an hour-ahead band, which the last hours decide, leans wherever the recent past sits. When the windows
 * carry `scale` (the error level known at their origin, `localScales`) and the options carry the level now, buckets up
 * to `localLeads` take the conformal quantile of |r| / scale, times the level now; windows without a scale are left out
 * of those buckets, and without a level now the bucket stays unnormalised.
 *
 * A level now of exactly 0 (the last hours were forecast exactly: a counter or a disk sitting at one value) cannot be
 * divided by; those buckets take the plain quantile of |r| over the windows that followed such a stretch too (scale 0 —
 * a Mondrian stratum, Vovk et al. 2005 § 4.5), when they hold at least `minResiduals` residuals. Before, they fell back
 * to |r| pooled over every window, most of them after an episode of errors: on bench:forecast's one-hour runs a flat
 * disk-write trace (nab_ec2_disk_write_bytes_1ef3de, 80% of its hour-ahead residuals exactly 0) got a band ±2 of its MASE
 * scales wide around a value it then kept exactly.
 */

export interface CalibrationWindow {
  /** The holdout forecast, lead 1 at index 0. */
  forecast: ArrayLike<number>;
  /** What happened over the same steps. */
  actual: ArrayLike<number>;
  /** The error level known when the forecast was made (`localScales`); short-lead buckets divide |r| by it. */
  scale?: number;
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
  /** Buckets whose leads all lie within this many steps are normalised by the error level (windows' `scale`, `scale`). */
  localLeads: number;
  /** The error level at the forecast's origin (`localScales(…).now`); without it no bucket is normalised. */
  scale?: number;
}

export const DEFAULT_BAND: BandOptions = { level: 0.9, bucketEdges: [3, 12, 36, 96, 288], minResiduals: 30, floor: -Infinity, symmetric: false, localLeads: 12 };

/**
 * The error level each window's forecast was made at, and the level now: for windows listed newest first, each ending
 * where the one before it in the list starts (as calibrationWindows builds them), the mean |r| over the `span` windows
 * that ended before it began (window i: windows i + 1 … i + span; now: windows 0 … span − 1). A window with no finite
 * residual before it gets no level; one after an exact stretch gets 0, which calibrateBand leaves out (it cannot be
 * divided by), as it leaves a bucket unnormalised when the level now is 0.
 */
export function localScales(windows: readonly CalibrationWindow[], span: number): { scales: Array<number | undefined>; now: number | undefined } {
  const sums = windows.map((w) => {
    let sum = 0, count = 0;
    for (let i = 0; i < Math.min(w.forecast.length, w.actual.length); i++) {
      const r = Math.abs(w.actual[i] - w.forecast[i]);
      if (Number.isFinite(r)) { sum += r; count++; }
    }
    return { sum, count };
  });
  const m = Math.max(1, Math.floor(span));
  const level = (from: number): number | undefined => {
    let sum = 0, count = 0;
    for (let i = from; i < Math.min(windows.length, from + m); i++) { sum += sums[i].sum; count += sums[i].count; }
    return count ? sum / count : undefined;
  };
  return { scales: windows.map((_, i) => level(i + 1)), now: level(0) };
}

export interface BandBucket {
  fromLead: number; toLead: number; residuals: number; lower: number; upper: number;
  /** Set when the bucket was normalised: the error level now its quantiles were multiplied by (0: the exact-stretch stratum). */
  scale?: number;
}

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

/**
 * Residuals (actual − forecast) by lead, index lead − 1, over every window; non-finite pairs skipped. `normalised`:
 * each divided by its window's `scale`, windows without a positive one left out.
 */
export function residualsByLead(windows: readonly CalibrationWindow[], normalised = false): number[][] {
  const byLead: number[][] = [];
  for (const w of windows) {
    if (normalised && !(w.scale !== undefined && w.scale > 0 && Number.isFinite(w.scale))) continue;
    const len = Math.min(w.forecast.length, w.actual.length);
    for (let i = 0; i < len; i++) {
      const r = (w.actual[i] - w.forecast[i]) / (normalised ? w.scale! : 1);
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
  const raw = residualsByLead(windows);
  const total = raw.reduce((s, r) => s + r.length, 0);
  if (total === 0) return undefined;
  const positive = o.scale !== undefined && o.scale > 0 && Number.isFinite(o.scale);
  // Level now 0: the stratum of windows whose own level was 0, unnormalised (enough of them, else the pooled band).
  const exact = o.scale === 0 ? residualsByLead(windows.filter((w) => w.scale === 0)) : [];
  const stratum = exact.reduce((s, r) => s + r.length, 0) >= o.minResiduals;
  const scaled = positive ? residualsByLead(windows, true) : stratum ? exact : [];
  const lower = new Float64Array(H), upper = new Float64Array(H);
  const buckets: BandBucket[] = [];
  const edges = [...o.bucketEdges.filter((e) => e >= 1), Infinity];
  let from = 1;
  for (const edge of edges) {
    if (from > H) break;
    const to = Math.min(edge, H);
    // Short leads by the error level when every lead of the bucket is short and there are normalised residuals.
    const local = edge <= o.localLeads && scaled.some((r) => r.length > 0);
    const byLead = local ? scaled : raw, unit = local && positive ? o.scale! : 1;
    const L = byLead.length;
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
    const c = conformalOffsets(pool, o.level, o.symmetric);
    const q = { lower: c.lower * unit, upper: c.upper * unit };
    buckets.push({ fromLead: from, toLead: to, residuals: pool.length, lower: q.lower, upper: q.upper, ...(local ? { scale: positive ? unit : 0 } : {}) });
    for (let i = from - 1; i < to; i++) {
      lower[i] = Math.max(Math.min(o.floor, mean[i]), mean[i] + q.lower);
      upper[i] = mean[i] + q.upper;
    }
    from = to + 1;
  }
  return { lower, upper, calibration: { level: o.level, residuals: total, windows: windows.length, buckets } };
}
