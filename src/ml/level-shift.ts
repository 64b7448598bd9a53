/**
 * A level shift the seasonal baseline still lags, found at a forecast origin from the history before it.
 *
 * The median of the last k days at the same time of day follows a change of level only once more than half of its days
 * come after it: k = 1 after a day, k = 3 after 2, k = 7 after 4. So the days it lags — the last ⌈k/2⌉ (at least one) —
 * are scanned for a shift against the reference days before them (up to 7): a point is "outside" when it lies above the
 * highest (or below the lowest) reference value at its time of day. With R exchangeable reference days a point is above
 * all of them by chance 1/(R + 1); a shift is the longest run back from the origin, at least a quarter of a day long, in
 * which nine points of ten lie outside on the same side. Then every value before the run is moved by the run's median
 * distance from the reference days' median (an additive offset), so the baseline's median reads the new level at every
 * time of day. Fewer than 3 reference days (a history under 4 days) say too little about what is usual: no shift.
 *
 * Additive or multiplicative. A change of traffic often scales the whole day (twice the users: twice the peak and twice
 * the trough), and an offset then leaves the older days with the old daily swing at the new mean. So both one-parameter
 * models are fitted to the run, point by point against the reference median m at its time of day, each by least absolute
 * error: x ≈ m + c (c the median of x − m, the offset above) and x ≈ r·m (r the median of x / m weighted by m). The one
 * with the smaller total absolute error on the run — the one under which the re-levelled older days match the new days'
 * profile better — is used; ties keep the offset. The ratio is a candidate only for a history with no value below 0 (usage,
 * where a ratio is natural), and only when it moves the level the way the run does (r > 1 up, r < 1 down). No constant is
 * added: the comparison is of the two fits on the same points. A swing that did not scale (a constant added) keeps the
 * offset; on a flat series the two fit alike and either reads the new level.
 *
 * Filled points. A history put on a regular grid (core/series.ts onRegularGrid) has its gaps filled by a straight line,
 * which is no data: a line across the last 12 hours sits at the level of its two ends, outside the reference days' range
 * at most times of day, and was read as a shift (+0.33 on a 1 ± 0.5 daily sine). The caller passes such points as NaN
 * (observedValues): a scanned NaN point is neither inside nor outside (the run's shares and its minimum length count
 * observed points only), a NaN reference value is left out of its time of day's range and median (a time of day with
 * fewer than MIN_REFERENCE_DAYS observed reference values judges nothing), and the fits read observed points only.
 */

/**
 * A shift at index `at` (the first value at the new level): values before it read `offset` higher, or, when `ratio` is
 * set (a multiplicative shift, see above), `ratio` times as high.
 */
export interface LevelShift { at: number; offset: number; ratio?: number }

/** Reference days needed before the scanned days (below 3 a point is outside their range by chance 1/2 or more). */
export const MIN_REFERENCE_DAYS = 3;
/** Reference days at most (the longest baseline median). */
export const MAX_REFERENCE_DAYS = 7;
/** Share of a run's points that must lie outside the reference days' range, on one side. */
export const OUTSIDE_SHARE = 0.9;
/** Shortest run that counts as a level rather than a burst, in days. */
export const MIN_RUN_DAYS = 0.25;

/** The days a k-day median lags a shift by: ⌈k/2⌉, at least 1. */
export const laggedDays = (days: number): number => Math.max(1, Math.ceil(days / 2));

/**
 * The level shift in v[0..start) that a `days`-day seasonal median (period P) at origin `start` would lag, if any.
 */
export function levelShiftAt(v: ArrayLike<number>, start: number, P: number, days: number): LevelShift | undefined {
  if (P < 2) return undefined;
  const L = laggedDays(days) * P;
  const scanFrom = start - L;
  const R = Math.min(MAX_REFERENCE_DAYS, Math.floor(scanFrom / P));
  if (scanFrom < 0 || R < MIN_REFERENCE_DAYS) return undefined;
  // Per scanned point: the reference days' range and median at its time of day (the days just before the scan).
  // side: 1 above, -1 below, 0 inside, 2 not judged (a filled point, or too few observed reference values).
  const side = new Int8Array(L), dist = new Float64Array(L), ref = new Float64Array(L);
  const xs: number[] = [];
  for (let i = 0; i < L; i++) {
    const j = scanFrom + i;
    const back = scanFrom - P + (i % P); // the same time of day on the last day before the scan
    xs.length = 0;
    for (let d = 0; d < R; d++) { const y = v[back - d * P]; if (Number.isFinite(y)) xs.push(y); }
    const x = v[j];
    const r = xs.length;
    if (!Number.isFinite(x) || r < MIN_REFERENCE_DAYS) { side[i] = 2; ref[i] = NaN; dist[i] = NaN; continue; }
    xs.sort((a, b) => a - b);
    side[i] = x > xs[r - 1] ? 1 : x < xs[0] ? -1 : 0;
    ref[i] = r % 2 ? xs[r >> 1] : (xs[(r >> 1) - 1] + xs[r >> 1]) / 2;
    dist[i] = x - ref[i];
  }
  const minRun = Math.max(2, Math.ceil(MIN_RUN_DAYS * P));
  let up = 0, down = 0, judged = 0, best = 0, bestSide = 0;
  for (let len = 1; len <= L; len++) {
    const s = side[L - len];
    if (s === 2) continue;
    judged++;
    if (s > 0) up++; else if (s < 0) down++;
    if (judged < minRun) continue;
    if (up >= OUTSIDE_SHARE * judged) { best = len; bestSide = 1; } else if (down >= OUTSIDE_SHARE * judged) { best = len; bestSide = -1; }
  }
  if (!best) return undefined;
  const run = Array.from(dist.subarray(L - best)).filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  const offset = run.length % 2 ? run[run.length >> 1] : (run[(run.length >> 1) - 1] + run[run.length >> 1]) / 2;
  if (Math.sign(offset) !== bestSide) return undefined;
  const ratio = ratioFit(v, start, ref.subarray(L - best), offset);
  return ratio === undefined || Math.sign(ratio - 1) !== bestSide ? { at: start - best, offset } : { at: start - best, offset, ratio };
}

/**
 * The ratio r of a multiplicative shift over the run v[start − m.length .. start) against its reference medians `m`, when
 * x ≈ r·m fits the run with a smaller total absolute error than x ≈ m + offset; undefined otherwise, or when v[0..start)
 * has a value below 0 (or not a number). r is the least-absolute-error fit: the median of x / m weighted by m.
 */
function ratioFit(v: ArrayLike<number>, start: number, m: ArrayLike<number>, offset: number): number | undefined {
  for (let i = 0; i < start; i++) if (v[i] < 0) return undefined;
  const from = start - m.length;
  const pairs: Array<[number, number]> = [];
  let total = 0;
  for (let i = 0; i < m.length; i++) if (m[i] > 0 && Number.isFinite(v[from + i])) { pairs.push([v[from + i] / m[i], m[i]]); total += m[i]; }
  if (!(total > 0)) return undefined;
  pairs.sort((a, b) => a[0] - b[0]);
  let r = pairs[pairs.length - 1][0];
  for (let i = 0, acc = 0; i < pairs.length; i++) if ((acc += pairs[i][1]) >= total / 2) { r = pairs[i][0]; break; }
  let eAdd = 0, eMul = 0;
  for (let i = 0; i < m.length; i++) {
    const x = v[from + i];
    if (!Number.isFinite(x) || !Number.isFinite(m[i])) continue;
    eAdd += Math.abs(x - m[i] - offset);
    eMul += Math.abs(x - r * m[i]);
  }
  return eMul < eAdd ? r : undefined;
}

/**
 * Whether a forecast `f` of the steps from `start` on sits outside the range of the last (up to 7) days of `v` at the same
 * time of day — above all of them, or below all, at OUTSIDE_SHARE of its leads: a level the history before the origin
 * does not show. Judged only over at least MIN_RUN_DAYS of leads (a shorter forecast may well continue a burst), and on a
 * history of at least 4 days.
 */
export function outsideRecentDays(v: ArrayLike<number>, start: number, P: number, f: ArrayLike<number>): boolean {
  const H = Math.min(f.length, P);
  const R = Math.min(MAX_REFERENCE_DAYS, Math.floor(start / P));
  // As for a shift: MIN_REFERENCE_DAYS before the last day (a history of at least 4 days).
  if (P < 2 || R - 1 < MIN_REFERENCE_DAYS || H < Math.max(2, Math.ceil(MIN_RUN_DAYS * P))) return false;
  let up = 0, down = 0;
  for (let i = 0; i < H; i++) {
    let lo = Infinity, hi = -Infinity;
    for (let d = 1; d <= R; d++) { const x = v[start + i - d * P]; if (x < lo) lo = x; if (x > hi) hi = x; }
    // Every reference value filled (NaN): no range at this lead, nothing judged.
    if (!(hi >= lo)) continue;
    if (f[i] > hi) up++; else if (f[i] < lo) down++;
  }
  if (Math.max(up, down) < OUTSIDE_SHARE * H) return false;
  // Above the last days while the series is already up there (its last hour above its own reference days, nine points of
  // ten): a step younger than MIN_RUN_DAYS is no level yet for levelShiftAt, and it cannot be told from a burst at the
  // origin. The errors are not alike: dropping a member that follows a real rise under-forecasts (a memory limit sized
  // below where usage already is), keeping one that holds a burst over-forecasts. So upward the member stays. Below the
  // last days it is still dropped: keeping a member that holds a passing dip would be the under-forecast. And so is one
  // above even the last hours' highest value.
  if (down > up) return true;
  // The last hour's observed points (filled ones, NaN, skipped; back at most a day).
  const m = Math.max(2, Math.ceil(P / 24));
  let there = 0, seen = 0;
  for (let k = start - 1; k >= Math.max(0, start - P) && seen < m; k--) {
    if (!Number.isFinite(v[k])) continue;
    let hi = -Infinity;
    for (let d = 1; d <= R && k - d * P >= 0; d++) { const y = v[k - d * P]; if (y > hi) hi = y; }
    if (hi === -Infinity) continue;
    seen++;
    if (v[k] > hi) there++;
  }
  if (there < OUTSIDE_SHARE * m) return true;
  // Still outside when it forecasts above even the last quarter day's highest value.
  let recentHi = -Infinity;
  for (let k = Math.max(0, start - Math.ceil(MIN_RUN_DAYS * P)); k < start; k++) if (v[k] > recentHi) recentHi = v[k];
  let above = 0;
  for (let i = 0; i < H; i++) if (f[i] > recentHi) above++;
  return above >= OUTSIDE_SHARE * H;
}
