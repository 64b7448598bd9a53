/**
 * Calibration of MOrA's margin to a risk target α from a series' own past (docs/ENGINE.md § Risk).
 *
 * A calibration day is a completed day seen relative to the base the rule had before it: every sample u/base (CPU) and
 * the day's peak/base (memory), plus the risk the rule actually achieved on it. Nothing here pools across series.
 *
 *  - CPU (sample-level split conformal): k = the (1−α) quantile of the pooled sample ratios of the past days (all days
 *    weigh the same by default), so the share of past samples above base × k is α. Thousands of samples: the quantile is
 *    read off the data for every α in the accepted range.
 *  - Memory (day-level split conformal with a tail): the ratios are the days' peaks over their base. k is the (1−α)
 *    quantile at the plotting position (n+1)(1−α), interpolated between order statistics (order statistic i is exceeded
 *    with probability 1 − i/(n+1) on average); when α < 1/(n+1), beyond the largest ratio, the log ratios are taken as an
 *    exponential tail (peaks over threshold) whose rate is uncertain: a Gamma posterior from the excesses of the top
 *    quarter over the next one plus one prior pseudo-excess (shape a = m + 1, rate b = Σ excess + prior scale), so the
 *    predictive excess is Lomax: P(> y) = (b / (b + y))^a, k = exp(largest + b × (((n+1)α)^(−1/a) − 1)). Plugging in the
 *    mean scale instead under-covers with few days (7 days, 0.5%: 1.6% misses; predictive 0.4%).
 *  - Cold start (no calibration day): the prior margin exp(PRIOR_SCALE × ln(1/α)), the same exponential tail with the
 *    prior scale from k = 1.
 *  - The cap on k (highest usage seen × the prior margin at α) is applied by the strategy, which knows the usage.
 */
import type { ResourceKind } from '../baselines/strategy';

export interface CalibrationDay {
  /** The day's samples over the base before the day, ascending. */
  ratios: Float64Array;
  /** The day's peak over that base. */
  peakRatio: number;
  /** The risk the rule achieved on the day at the value it applied: CPU share of samples above; memory 1 if OOM else 0. */
  achieved: number;
}

export interface Margin {
  k: number;
  /** The risk the calibration expects at base × k (≈ α, lower when a cap/floor moved k up). */
  expected: number;
}

/** Prior scale of the log-ratio tail (per e-fold of risk) used before the series' own days say more. */
export const PRIOR_SCALE: Record<ResourceKind, number> = { cpu: 0.03, memory: 0.05 };

export function priorMargin(kind: ResourceKind, alpha: number): number {
  return Math.exp(PRIOR_SCALE[kind] * Math.log(1 / alpha));
}

/**
 * CPU: weighted (1−α) quantile of the pooled ratios (each day's samples weigh 2^(−age/halfLife)). With `atK` it returns
 * the weighted share of ratios above atK as `expected` (and k = atK).
 */
export function cpuMargin(cal: readonly CalibrationDay[], alpha: number, halfLifeDays: number, atK?: number): Margin {
  const n = cal.length;
  const w = new Float64Array(n);
  let total = 0;
  for (let j = 0; j < n; j++) { w[j] = halfLifeDays > 0 ? Math.pow(2, -(n - 1 - j) / halfLifeDays) : 1; total += w[j] * cal[j].ratios.length; }
  if (total <= 0) return { k: atK ?? 1, expected: alpha };
  if (atK !== undefined) {
    let above = 0;
    for (let j = 0; j < n; j++) above += w[j] * countAbove(cal[j].ratios, atK);
    return { k: atK, expected: above / total };
  }
  // Equal weights (the default): k is the r-th largest pooled ratio, r = ⌊α·total⌋ + 1, the value the walk below stops at;
  // a selection over the days' sorted ratios finds it in O(days · log² samples) where the walk takes O(r · days).
  // A 0 is left to the walk (which of a −0 and a +0 it returns is its order's).
  if (halfLifeDays <= 0 && !CALIBRATION_INTERNALS.walk) {
    const budget = alpha * total;
    if (budget >= 0 && Number.isFinite(budget)) {
      const r = Math.floor(budget) + 1;
      if (r > total) return { k: 0, expected: 1 };
      // A short walk (a tight target: r · days steps) is quicker than the selection's rounds.
      const k = r * n > 1024 ? nthLargest(cal, r) : 0;
      if (k !== 0) return { k, expected: alpha };
    }
  }
  // Walk down from the largest ratio (a k-way merge over the days' sorted ratios) until the weight above reaches α.
  const ptr = cal.map((d) => d.ratios.length - 1);
  const budget = alpha * total;
  let acc = 0;
  for (;;) {
    let best = -1, bv = -Infinity;
    for (let j = 0; j < n; j++) if (ptr[j] >= 0 && cal[j].ratios[ptr[j]] > bv) { bv = cal[j].ratios[ptr[j]]; best = j; }
    if (best < 0) return { k: 0, expected: 1 };
    acc += w[best];
    if (acc > budget) return { k: bv, expected: alpha };
    ptr[best]--;
  }
}

/**
 * Memory: the (1−α) quantile of the day-level peak ratios at the plotting position (n+1)(1−α) (order statistic i has
 * expected exceedance 1 − i/(n+1), interpolated between order statistics), and beyond the largest ratio when
 * α < 1/(n+1) the predictive (Lomax) tail of an exponential log-excess with a Gamma posterior on its rate.
 */
export function memoryMargin(cal: readonly CalibrationDay[], alpha: number, atK?: number): Margin {
  const n = cal.length;
  const l = Float64Array.from(cal, (d) => Math.log(Math.max(1e-12, d.peakRatio))).sort();
  // Tail scale: mean excess of the m largest log ratios over the (m+1)-th largest, shrunk to the prior by one pseudo-day.
  const m = Math.max(1, Math.round(n / 4));
  let ex = 0, tailN = 0;
  if (n >= 3) { for (let i = n - m; i < n; i++) ex += l[i] - l[n - m - 1]; tailN = m; }
  // Gamma posterior of the tail's rate (shape a, rate b): the prior is one pseudo-excess of PRIOR_SCALE.
  const shape = tailN + 1, rate = ex + PRIOR_SCALE.memory;
  const top = l[n - 1];
  // Predictive tail beyond the largest ratio (exponential with that rate unknown → Lomax): P(excess > y) = (b / (b + y))^a.
  const quantileAt = (a: number): number => {
    const pos = (n + 1) * (1 - a);
    if (pos > n) return Math.exp(top + rate * (Math.pow((n + 1) * a, -1 / shape) - 1));
    if (pos <= 1) return Math.exp(l[0]);
    const lo = Math.floor(pos), f = pos - lo;
    return Math.exp(l[lo - 1] + f * ((l[Math.min(n, lo + 1) - 1]) - l[lo - 1]));
  };
  const expectedAt = (k: number): number => {
    const lk = Math.log(k);
    if (lk >= top) return Math.pow(rate / (rate + lk - top), shape) / (n + 1);
    let i = 0;
    while (i < n && l[i] <= lk) i++;
    // lk in [l[i-1], l[i]): position i (1-based of l[i-1]) plus the fraction towards the next.
    const pos = i === 0 ? 0 : i + (l[i] > l[i - 1] ? (lk - l[i - 1]) / (l[i] - l[i - 1]) : 0);
    return Math.max(0, 1 - pos / (n + 1));
  };
  if (atK !== undefined) return { k: atK, expected: expectedAt(atK) };
  return { k: quantileAt(alpha), expected: alpha };
}

/**
 * Internal: `walk` forces the k-way walk for every CPU margin (the selection's guard test compares the two bit for bit);
 * `unshared` makes each MOrA rule replay on its own (mora-strategy.ts, backtest/run.ts; resource.ts replays it again for
 * the evidence), for the same test and the benches' baseline.
 */
export const CALIBRATION_INTERNALS = { walk: false, unshared: false };

/**
 * The r-th largest (1-based) of the days' pooled ascending ratios: the (total − r)-th smallest, found by discarding, each
 * round, the part of every day's range on the wrong side of a pivot (the size-weighted median of the ranges' middles,
 * so at least a quarter of what is left goes), until the pivot is the one or few enough are left to sort.
 */
function nthLargest(cal: readonly CalibrationDay[], r: number): number {
  const m = cal.length;
  const lo = new Int32Array(m), hi = new Int32Array(m), lt = new Int32Array(m), le = new Int32Array(m), order = new Int32Array(m);
  const mids = new Float64Array(m);
  let left = 0;
  for (let j = 0; j < m; j++) { hi[j] = cal[j].ratios.length; left += hi[j]; }
  let k = left - r; // 0-based rank from the smallest
  for (;;) {
    if (left <= 64) {
      const rest = new Float64Array(left);
      let at = 0;
      for (let j = 0; j < m; j++) for (let i = lo[j]; i < hi[j]; i++) rest[at++] = cal[j].ratios[i];
      return rest.sort()[k];
    }
    // The non-empty ranges by their middles (insertion sort: a few dozen days).
    let live = 0;
    for (let j = 0; j < m; j++) {
      const n = hi[j] - lo[j];
      if (n <= 0) continue;
      const x = cal[j].ratios[lo[j] + (n >> 1)];
      mids[j] = x;
      let i = live++;
      while (i > 0 && mids[order[i - 1]] > x) { order[i] = order[i - 1]; i--; }
      order[i] = j;
    }
    let acc = 0, pivot = mids[order[live - 1]];
    for (let i = 0; i < live; i++) { const j = order[i]; acc += hi[j] - lo[j]; if (2 * acc >= left) { pivot = mids[j]; break; } }
    let below = 0, equal = 0;
    for (let j = 0; j < m; j++) {
      if (hi[j] <= lo[j]) continue;
      const x = cal[j].ratios;
      lt[j] = lowerBound(x, lo[j], hi[j], pivot);
      le[j] = upperBound(x, lt[j], hi[j], pivot);
      below += lt[j] - lo[j]; equal += le[j] - lt[j];
    }
    if (k < below) {
      for (let j = 0; j < m; j++) if (hi[j] > lo[j]) hi[j] = lt[j];
      left = below;
    } else if (k < below + equal) {
      return pivot;
    } else {
      k -= below + equal;
      for (let j = 0; j < m; j++) if (hi[j] > lo[j]) lo[j] = le[j];
      left -= below + equal;
    }
  }
}

/** First index in [lo, hi) of sorted whose value is ≥ x (hi if none). */
function lowerBound(sorted: Float64Array, lo: number, hi: number, x: number): number {
  while (lo < hi) { const mid = (lo + hi) >> 1; if (sorted[mid] < x) lo = mid + 1; else hi = mid; }
  return lo;
}

/** First index in [lo, hi) of sorted whose value is > x (hi if none). */
function upperBound(sorted: Float64Array, lo: number, hi: number, x: number): number {
  while (lo < hi) { const mid = (lo + hi) >> 1; if (sorted[mid] > x) hi = mid; else lo = mid + 1; }
  return lo;
}

function countAbove(sorted: Float64Array, x: number): number {
  let lo = 0, hi = sorted.length;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (sorted[mid] > x) hi = mid; else lo = mid + 1; }
  return sorted.length - lo;
}
