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
 * beyond every window is extrapolated (below, "Past the windows' reach"). Residuals that are not finite are skipped; with none, there is no band
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
 *
 * Mass at the floor or the ceiling (`atoms`): a band is a pair of quantiles, and where the next value sits exactly at the
 * series' minimum with probability at least the band's lower tail, (1 − level) / 2 = 5% at 90%, the 5% quantile IS that
 * minimum (an idle container's CPU at 0, a batch job between runs): the lower bound is lowered to it at those leads,
 * never raised. Likewise a maximum (CPU % pinned at 100) raises the upper bound. `seriesAtoms` finds the atoms in the
 * series' own recent history (fusedBand: the calibration span; a minimum held by ≥ 5% of the samples and by two at
 * least: the lowest of continuous values is one sample, an atom is a tie), and `atomLeads` says at which leads the
 * probability holds given where the series is now (at the atom or not): the share of the history's pairs (t, t + j)
 * starting in the same state whose later value sits at the atom (a first-order Markov estimate; at long leads it tends to
 * the marginal share). An idle series that is idle now stays reachable; a busy spell keeps the first leads off the floor
 * when busy spells seldom drop to it within that many steps. The 5% is the band's own tail, not a tuned number. Why the
 * residual quantile misses the atom: the stand-in forecasts of such a series are exactly 0 on the older windows, so most
 * |r| are 0 and the half-width is tiny, while the output's mean carries a small positive share (Prophet's smooth fit):
 * ±0.004 around 0.007 covered none of a generated idle series' zeros (96% of its next day). The half-width is not
 * recalibrated for the reach: counting the residuals of points at the atom as 0 (the band that reaches it covers them)
 * narrowed a spiky series' band below what its next day needed (bitbrains_193_cpu, bursts of ~10,000 MHz over a floor
 * of 26: cover 1.00 → 0.85; bitbrains cpu 0.892 → 0.879 on bench:forecast). BENCHMARKS.md § Fused band at the floor,
 * the floor mass read from the series' recent history.
 *
 * After a level shift (the windows: lstm/models.ts calibrationWindows). The coverage rests on the calibration residuals
 * being exchangeable with the forecast's, and a level shift breaks that for the windows that straddle it: after the
 * series moved to a new level the day before the origin, the forecast is made from the re-levelled history
 * (seasonal-baseline.ts baselineMedianAt, level-shift.ts) and errs by the noise at the new level, while a window whose
 * forecast was made before the shift erred by the shift itself. One such window among up to nine (a 10-day history) put
 * the 90% quantile at the shift: ±2.1 around a forecast whose next day's noise quantile was ±0.2 (a review, a generated
 * 5-minute series). So when the forecast's baseline re-levels for a shift (baselineShiftAt at the origin, the baseline's
 * day count), a window that reaches past the shift's first point and whose forecast was made with no shift at its
 * origin (not yet one, under a quarter day old, or none) is left out. The windows wholly before the shift stay as they
 * were (an offset moves forecast and actual alike), and so do those after it whose forecasts had already re-levelled. A
 * multiplicative shift leaves them as they were too: whether a series' noise scales with its level varies, and scaling
 * by the ratio was measured (bench:forecast, day ahead): nab_rds_cpu_utilization_cc0c53, ×2.4, its noise grew with it,
 * covered 160 of its next day's 288 points → 242, but nab_grok_asg_anomaly, ×0.009 to an idle floor that still bursts
 * to 12, 284 → 94 (band 0.05 MASE units wide); scaled only upward, the nab group covered 0.942, outside 0.88–0.92.
 * Unscaled, cc0c53 covers 138: a shift whose noise grew with its level is the case this rule leaves as narrow as the
 * old level's noise. The detector's first point of a shift lies at or before the true step (its run takes in up to a
 * ninth of old-level points), so a window kept as "before" holds no shifted point. The stand-ins' yardstick (the
 * blend's MAE over theirs on the last window) is taken, when that window's forecasts predate the shift, on the window
 * as it would have gone without it (its points from the shift on moved back by the offset or ratio): on the shifted
 * window both err by the shift and their ratio says nothing of the blend. Windows are left out rather than recomputed
 * on the re-levelled history: recomputed, the straddling ones kept the detector's old-level points, read as a shift
 * again. Fewer windows widen the band by the few-windows factor (t_ν / z over the windows left); with no window wholly
 * before the shift all are kept (the wider band, but no residual made up). Without a shift at the origin nothing
 * changes, not a window nor a number.
 *
 * The new level's spread (`minHalfWidth`; lstm/models.ts newLevelSpread). The windows left after a shift all come from
 * before it, and a series that sat still there — idle at 0 for days, then a daily pattern from 12 hours before the
 * origin — was forecast exactly in every one of them: the band came out zero-width over the pattern and covered none
 * of the next day (generated, 15-minute steps: 0 of 288 over 3 seeds). The only errors at the new level are the
 * baseline's on the run itself (seasonal-baseline.ts shiftRunResiduals: each run point against the median of the
 * re-levelled days before it, the detector's leading old-level points left out). So when the windows' pooled conformal
 * quantile of |r| is under STILL_SHARE (1/4) of the run's, every bucket's half-width is at least the run's quantile
 * (`widened` on the bucket, `minHalfWidth` in the calibration): 92 of 288 covered, the half of the next day at the
 * phase the run showed mostly, the other half (a swing the run never reached) not. Where the old level had errors of its
 * own (the shifts on the tuning series at origins 0, 144 and 360 points back: 0.44–38× the run's) the windows stand, as
 * above: applied to every shift it took nab_rds_cpu_utilization_cc0c53 from 137 to 209 of its next 288 points and nab's
 * group to 0.933, outside 0.88–0.92.
 *
 * Past the windows' reach. The windows are as long as the holdout (a day at most), so a forecast of several days has
 * leads no residual speaks for. They took the quantile of the last few leads the windows reached (286–288 at 5 min):
 * 39 residuals, narrower than the day's 97–288 bucket (±0.054 against ±0.186 on a generated sine), and a 3-day
 * forecast of a noisy daily sine covered 0.87 of its first day but 0.78 of days 2–3 while its band narrowed. Now a lead
 * j past the longest lead L any window reached takes the widest quantiles of the buckets that hold leads of the later
 * half of the windows' reach (per side; the buckets normalised by the error level now left out when there are others),
 * times a growth factor ≥ 1 (`farGrowth`, by default 1): never narrower than the longest validated leads. Not the
 * widest of all buckets: a short lead's error is where the series stands at the origin (the last value held after a
 * burst), which leads days away do not inherit. On a spiky trace (bitbrains_95_cpu, 3 days ahead) the 4–12 bucket was
 * ±2962 against the 97–288 bucket's ±44, and taking it widened days 2–3's band from 0.16 to 5.73 MASE units (cover 0.96
 * → 1.00). The fused band passes `seasonalLagGrowth`, measured on the series itself: past
 * the holdout's reach the fused forecast is the seasonal baseline (fusion.ts, "Validated leads"), whose data is d days
 * old at a lead in day d, and how a seasonal forecast's error grows with the age of its data is what the series' own
 * d-day lags show (a stationary cycle: not at all; a drifting level: like √d); past the lags the history holds, it
 * grows as √ of the lag ratio, the growth of an error that accumulates like a random walk (the cautious side with
 * nothing measured). The scaled quantile of √(j / L) alone was the other candidate; it widens a stationary series'
 * band by √3 on day 3 for an error that does not grow. The fused band applies the rule from the second day on
 * (`farFrom`): the leads of the first day past a short history's holdout (under 5 days) keep the longest leads'
 * quantile, as tuned on the held-out 4-day histories (lstm/models.ts SHORT_WINDOW_BLOCKS).
 */

export interface CalibrationWindow {
  /** The holdout forecast, lead 1 at index 0. */
  forecast: ArrayLike<number>;
  /** What happened over the same steps. */
  actual: ArrayLike<number>;
  /** The error level known when the forecast was made (`localScales`); short-lead buckets divide |r| by it. */
  scale?: number;
}

/** A value a series sits at exactly on a share of its samples (`seriesAtoms`). */
export interface Atom { value: number; share: number; count: number }

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
  /**
   * Effectively independent samples per calibration window for the few-windows correction (see the header): a bucket's
   * quantiles × t_ν / z at ν = this × its windows. 0: no correction.
   */
  windowBlocks: number;
  /**
   * Atoms the band reaches (see the header): at the leads (index lead − 1) marked in `leads`, the lower bound lowered to
   * `floor.value`, the upper raised to `ceiling.value`; a lead past `leads` is not reached.
   */
  atoms?: { floor?: Atom & { leads: ArrayLike<boolean> }; ceiling?: Atom & { leads: ArrayLike<boolean> } };
  /**
   * The least half-width of every bucket (see the header, "The new level's spread"): its lower offset at most −this, its
   * upper at least this. 0: none.
   */
  minHalfWidth?: number;
  /**
   * Past the longest window's lead L (header, "Past the windows' reach"): the factor (≥ 1) the widest validated bucket's
   * quantiles are multiplied by at lead j > L. Absent: 1 (the widest validated bucket as it is).
   */
  farGrowth?: (lead: number, reach: number) => number;
  /**
   * The first lead that rule applies to, when later than L + 1 (absent: L + 1); the leads between keep the longest
   * leads' quantile.
   */
  farFrom?: number;
}

export const DEFAULT_BAND: BandOptions = { level: 0.9, bucketEdges: [3, 12, 36, 96, 288], minResiduals: 30, floor: -Infinity, symmetric: false, localLeads: 12, windowBlocks: 0 };

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
  /** Windows the bucket's residuals came from, and the few-windows factor its quantiles were multiplied by (1: none). */
  windows?: number; inflation?: number;
  /** Set when the bucket was normalised: the error level now its quantiles were multiplied by (0: the exact-stretch stratum). */
  scale?: number;
  /** Set when its offsets were widened to BandOptions.minHalfWidth (the new level's spread after a level shift). */
  widened?: boolean;
  /**
   * Set when some of the bucket's leads lie past every window (header, "Past the windows' reach"): the longest lead the
   * windows reached, and the factor on the widest validated bucket at the bucket's last lead (`lower`/`upper`: at its
   * first lead past the reach).
   */
  beyond?: { reach: number; growth: number };
}

export interface BandCalibration {
  level: number;
  /** Finite residuals over all windows. */
  residuals: number;
  windows: number;
  /** Per lead bucket the forecast reaches: the offsets added to the mean, and over how many residuals. */
  buckets: BandBucket[];
  /** The atoms the band reached (BandOptions.atoms) and at how many leads. */
  atoms?: { floor?: Atom & { reached: number }; ceiling?: Atom & { reached: number } };
  /** BandOptions.minHalfWidth when one was given (the new level's spread after a level shift). */
  minHalfWidth?: number;
}

/** Within float noise of `x`: 1e-9 of the largest magnitude (`big`). */
function at(v: number, x: number, big: number): boolean {
  return Math.abs(v - x) <= 1e-9 * big;
}

function largest(values: ArrayLike<number>): number {
  let big = 0;
  for (let i = 0; i < values.length; i++) if (Math.abs(values[i]) > big) big = Math.abs(values[i]);
  return big;
}

/**
 * The minimum and maximum of the finite `values` where each holds at least the tail share `tail` of them and at least two
 * (within float noise: 1e-9 of the largest magnitude); the header's atoms. Either is left out when it does not; a
 * constant has neither.
 */
export function seriesAtoms(values: ArrayLike<number>, tail: number): { floor?: Atom; ceiling?: Atom } {
  let min = Infinity, max = -Infinity, n = 0, big = 0;
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    if (!Number.isFinite(x)) continue;
    n++;
    if (x < min) min = x;
    if (x > max) max = x;
    if (Math.abs(x) > big) big = Math.abs(x);
  }
  if (n === 0 || min === max) return {};
  let lo = 0, hi = 0;
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) continue;
    if (at(values[i], min, big)) lo++;
    if (at(values[i], max, big)) hi++;
  }
  const holds = (count: number): boolean => count >= 2 && count / n >= tail - 1e-12;
  return {
    ...(holds(lo) ? { floor: { value: min, share: lo / n, count: lo } } : {}),
    ...(holds(hi) ? { ceiling: { value: max, share: hi / n, count: hi } } : {}),
  };
}

/**
 * Per lead j = 1..H (index j − 1), whether the value j steps after the end of `values` sits at `atom` with probability
 * at least `tail` given the last value's state (at the atom or not): over the pairs (t, t + j) of `values` whose t is in
 * that state, the share with values[t + j] at the atom, ≥ tail and two pairs at least (the header).
 */
export function atomLeads(values: ArrayLike<number>, atom: number, tail: number, H: number): boolean[] {
  const n = values.length, big = largest(values);
  const leads = new Array<boolean>(H).fill(false);
  if (n < 2) return leads;
  const isAt = Array.from({ length: n }, (_, i) => Number.isFinite(values[i]) && at(values[i], atom, big));
  const now = isAt[n - 1];
  for (let j = 1; j <= H && j < n; j++) {
    let pairs = 0, hits = 0;
    for (let t = 0; t + j < n; t++) {
      if (isAt[t] !== now || !Number.isFinite(values[t]) || !Number.isFinite(values[t + j])) continue;
      pairs++;
      if (isAt[t + j]) hits++;
    }
    leads[j - 1] = hits >= 2 && hits / pairs >= tail - 1e-12;
  }
  return leads;
}

/**
 * The growth of a seasonal forecast's error with the age of its data (header, "Past the windows' reach"), as a
 * `farGrowth` for a series of `period` steps a day: at lead j (day d = ⌈j / period⌉) the `level` quantile of
 * |v[t] − v[t − d·period]| over the series' finite pairs, over the same at the day of the reach L, held non-decreasing
 * with d and at least 1. A lag measured on fewer than a day of pairs is not measured: past the longest measured lag D the
 * factor grows as √(d / D) from D's (the default's random walk). Without a period of two steps or more, or with no lag
 * measured, the default √(j / L); an exact series (error 0 at L's day) does not grow.
 */
export function seasonalLagGrowth(values: ArrayLike<number>, period: number, level: number): (lead: number, reach: number) => number {
  const P = Math.round(period), n = values.length;
  const fallback = (j: number, l: number): number => Math.sqrt(j / l);
  if (!(P >= 2)) return fallback;
  const errors: number[] = [];
  for (let d = 1; n - d * P >= P; d++) {
    const e: number[] = [];
    for (let t = d * P; t < n; t++) {
      const r = Math.abs(values[t] - values[t - d * P]);
      if (Number.isFinite(r)) e.push(r);
    }
    if (e.length < P) break;
    e.sort((a, b) => a - b);
    errors.push(e[Math.min(e.length, Math.max(1, Math.ceil((e.length + 1) * level - 1e-9))) - 1]);
  }
  if (!errors.length) return fallback;
  // Non-decreasing with the lag: a forecast's data only gets older.
  for (let d = 1; d < errors.length; d++) errors[d] = Math.max(errors[d], errors[d - 1]);
  const D = errors.length;
  const at = (d: number): number => (d <= D ? errors[d - 1] : errors[D - 1] * Math.sqrt(d / D));
  return (j: number, l: number): number => {
    const base = at(Math.max(1, Math.ceil(l / P)));
    if (!(base > 0)) return 1;
    return Math.max(1, at(Math.max(1, Math.ceil(j / P))) / base);
  };
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
  return residualsWithWindows(windows, normalised).residuals;
}

/** residualsByLead and, per lead, the index (in `windows`) of the window each residual came from. */
function residualsWithWindows(windows: readonly CalibrationWindow[], normalised = false): { residuals: number[][]; from: number[][] } {
  const byLead: number[][] = [], from: number[][] = [];
  for (let k = 0; k < windows.length; k++) {
    const w = windows[k];
    if (normalised && !(w.scale !== undefined && w.scale > 0 && Number.isFinite(w.scale))) continue;
    const len = Math.min(w.forecast.length, w.actual.length);
    for (let i = 0; i < len; i++) {
      const r = (w.actual[i] - w.forecast[i]) / (normalised ? w.scale! : 1);
      if (!Number.isFinite(r)) continue;
      (byLead[i] ??= []).push(r);
      (from[i] ??= []).push(k);
    }
  }
  for (let i = 0; i < byLead.length; i++) { byLead[i] ??= []; from[i] ??= []; }
  return { residuals: byLead, from };
}

/** Regularised incomplete beta I_x(a, b) (continued fraction, Numerical Recipes § 6.4). */
function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const lnFront = lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log(1 - x);
  if (x > (a + 1) / (a + b + 2)) return 1 - incompleteBeta(1 - x, b, a);
  const tiny = 1e-300;
  let c = 1, d = 1 - ((a + b) * x) / (a + 1);
  d = 1 / (Math.abs(d) < tiny ? tiny : d);
  let f = d;
  for (let m = 1; m <= 300; m++) {
    for (const num of [(m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m)), -((a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1))]) {
      d = 1 + num * d; d = 1 / (Math.abs(d) < tiny ? tiny : d);
      c = 1 + num / c; if (Math.abs(c) < tiny) c = tiny;
      f *= c * d;
    }
    if (Math.abs(c * d - 1) < 1e-14) break;
  }
  return (Math.exp(lnFront) * f) / a;
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7). */
function lnGamma(x: number): number {
  const g = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  x -= 1;
  let a = g[0];
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += g[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** The p-quantile (p > 0.5) of Student's t with ν degrees of freedom (ν = Infinity: the normal), by bisection on its CDF. */
export function studentQuantile(p: number, nu: number): number {
  const cdf = Number.isFinite(nu)
    ? (x: number): number => 1 - 0.5 * incompleteBeta(nu / (nu + x * x), nu / 2, 0.5)
    : (x: number): number => 1 - normalTail(x);
  let lo = 0, hi = 1;
  while (cdf(hi) < p && hi < 1e8) hi *= 2;
  for (let i = 0; i < 100 && hi - lo > 1e-12 * hi; i++) { const mid = (lo + hi) / 2; if (cdf(mid) < p) lo = mid; else hi = mid; }
  return (lo + hi) / 2;
}

/** P(Z > x) for the standard normal, x ≥ 0: ½ · Q(½, x²/2), the upper incomplete gamma (Numerical Recipes § 6.2). */
function normalTail(x: number): number {
  const z = (x * x) / 2;
  if (z === 0) return 0.5;
  if (z < 1.5) {
    // Series for the lower incomplete gamma P(½, z).
    let ap = 0.5, del = 1 / 0.5, sum = del;
    for (let n = 1; n < 300; n++) { ap += 1; del *= z / ap; sum += del; if (Math.abs(del) < Math.abs(sum) * 1e-16) break; }
    return 0.5 * (1 - sum * Math.exp(-z + 0.5 * Math.log(z) - lnGamma(0.5)));
  }
  // Continued fraction for Q(½, z) (modified Lentz).
  const tiny = 1e-300;
  let b = z + 0.5, c = 1 / tiny, d = 1 / b, h = d;
  for (let i = 1; i < 300; i++) {
    const an = -i * (i - 0.5);
    b += 2;
    d = an * d + b; if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c; if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return 0.5 * Math.exp(-z + 0.5 * Math.log(z) - lnGamma(0.5)) * h;
}

/**
 * The few-windows factor (see the header): t_ν / z at the band's two-sided level, ν = blocks × windows; 1 when off.
 */
export function fewWindowsInflation(level: number, windows: number, blocks: number): number {
  if (!(blocks > 0) || !(windows > 0) || !(level > 0 && level < 1)) return 1;
  const p = (1 + level) / 2;
  return studentQuantile(p, blocks * windows) / studentQuantile(p, Infinity);
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
  const rawW = residualsWithWindows(windows), raw = rawW.residuals;
  const total = raw.reduce((s, r) => s + r.length, 0);
  if (total === 0) return undefined;
  const positive = o.scale !== undefined && o.scale > 0 && Number.isFinite(o.scale);
  // Level now 0: the stratum of windows whose own level was 0, unnormalised (enough of them, else the pooled band).
  const exactW = o.scale === 0 ? residualsWithWindows(windows.filter((w) => w.scale === 0)) : { residuals: [], from: [] }, exact = exactW.residuals;
  const stratum = exact.reduce((s, r) => s + r.length, 0) >= o.minResiduals;
  const scaledW = positive ? residualsWithWindows(windows, true) : stratum ? exactW : { residuals: [], from: [] }, scaled = scaledW.residuals;
  const lower = new Float64Array(H), upper = new Float64Array(H);
  const buckets: BandBucket[] = [];
  const edges = [...o.bucketEdges.filter((e) => e >= 1), Infinity];
  // Past the windows' reach (header): the longest lead any window reached, and the widest validated bucket so far.
  const reachL = raw.length;
  const growth = o.farGrowth ?? ((): number => 1), farFrom = Math.max(reachL + 1, o.farFrom ?? 0);
  let wide: { lower: number; upper: number; residuals: number; windows: number } | undefined, wideLocal: typeof wide;
  let from = 1;
  for (const edge of edges) {
    if (from > H) break;
    const to = Math.min(edge, H);
    // Short leads by the error level when every lead of the bucket is short and there are normalised residuals.
    const local = edge <= o.localLeads && scaled.some((r) => r.length > 0);
    const byLead = local ? scaled : raw, unit = local && positive ? o.scale! : 1, fromWindow = (local ? scaledW : rawW).from;
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
    const sources = new Set<number>();
    for (let j = a; j <= b; j++) { pool.push(...byLead[j - 1]); for (const k of fromWindow[j - 1]) sources.add(k); }
    const c = conformalOffsets(pool, o.level, o.symmetric);
    // Few windows: the quantiles widened by t_ν / z (header).
    const inflation = fewWindowsInflation(o.level, sources.size, o.windowBlocks);
    const q = { lower: c.lower * unit * inflation, upper: c.upper * unit * inflation };
    // The new level's spread after a level shift (header): the least half-width.
    const least = o.minHalfWidth !== undefined && o.minHalfWidth > 0 && Number.isFinite(o.minHalfWidth) ? o.minHalfWidth : 0;
    const widened = least > 0 && (q.lower > -least || q.upper < least);
    if (widened) { q.lower = Math.min(q.lower, -least); q.upper = Math.max(q.upper, least); }
    // A bucket with leads in the later half of the windows' reach widens the widest validated one (the normalised ones
    // apart: header).
    if (from <= reachL && Math.min(to, reachL) > reachL / 2) {
      const w = local ? wideLocal : wide;
      const next = { lower: Math.min(w?.lower ?? 0, q.lower), upper: Math.max(w?.upper ?? 0, q.upper), residuals: Math.max(w?.residuals ?? 0, pool.length), windows: Math.max(w?.windows ?? 0, sources.size) };
      if (local) wideLocal = next; else wide = next;
    }
    const far = wide ?? wideLocal;
    const farAt = (j: number): number => { const g = growth(j, reachL); return Number.isFinite(g) ? Math.max(1, g) : 1; };
    const beyond = far && to >= farFrom ? { reach: reachL, growth: farAt(to) } : undefined;
    const shown = beyond && from >= farFrom ? { lower: far!.lower * farAt(from), upper: far!.upper * farAt(from), residuals: far!.residuals, windows: far!.windows } : { ...q, residuals: pool.length, windows: sources.size };
    buckets.push({ fromLead: from, toLead: to, residuals: shown.residuals, lower: shown.lower, upper: shown.upper, windows: shown.windows, inflation, ...(local ? { scale: positive ? unit : 0 } : {}), ...(widened ? { widened: true } : {}), ...(beyond ? { beyond } : {}) });
    for (let i = from - 1; i < to; i++) {
      // Past every window: the widest validated bucket, widened with the lead (header, "Past the windows' reach").
      const g = far && i + 1 >= farFrom ? farAt(i + 1) : 0;
      const qi = g ? { lower: far!.lower * g, upper: far!.upper * g } : q;
      lower[i] = Math.max(Math.min(o.floor, mean[i]), mean[i] + qi.lower);
      upper[i] = mean[i] + qi.upper;
      // Mass at the floor or ceiling (header): where the band's tail quantile is the atom.
      if (o.atoms?.floor?.leads[i]) lower[i] = Math.min(lower[i], o.atoms.floor.value);
      if (o.atoms?.ceiling?.leads[i]) upper[i] = Math.max(upper[i], o.atoms.ceiling.value);
    }
    from = to + 1;
  }
  const reached = (a: (Atom & { leads: ArrayLike<boolean> }) | undefined): (Atom & { reached: number }) | undefined => {
    if (!a) return undefined;
    let count = 0;
    for (let i = 0; i < H; i++) if (a.leads[i]) count++;
    return count ? { value: a.value, share: a.share, count: a.count, reached: count } : undefined;
  };
  const floorAtom = reached(o.atoms?.floor), ceilingAtom = reached(o.atoms?.ceiling);
  const atoms = floorAtom || ceilingAtom ? { ...(floorAtom ? { floor: floorAtom } : {}), ...(ceilingAtom ? { ceiling: ceilingAtom } : {}) } : undefined;
  const least = o.minHalfWidth !== undefined && o.minHalfWidth > 0 && Number.isFinite(o.minHalfWidth) ? { minHalfWidth: o.minHalfWidth } : {};
  return { lower, upper, calibration: { level: o.level, residuals: total, windows: windows.length, buckets, ...(atoms ? { atoms } : {}), ...least } };
}
