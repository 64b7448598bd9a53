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
 *    exponential tail (peaks over threshold) whose scale is the mean excess of the top quarter over the next one, shrunk
 *    to a prior scale by one pseudo-observation: k = exp(largest + scale × ln(1 / ((n+1)α))).
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
 * expected exceedance 1 − i/(n+1), interpolated between order statistics), and an exponential tail beyond the largest
 * ratio when α < 1/(n+1).
 */
export function memoryMargin(cal: readonly CalibrationDay[], alpha: number, atK?: number): Margin {
  const n = cal.length;
  const l = Float64Array.from(cal, (d) => Math.log(Math.max(1e-12, d.peakRatio))).sort();
  // Tail scale: mean excess of the m largest log ratios over the (m+1)-th largest, shrunk to the prior by one pseudo-day.
  const m = Math.max(1, Math.round(n / 4));
  let ex = 0, tailN = 0;
  if (n >= 3) { for (let i = n - m; i < n; i++) ex += l[i] - l[n - m - 1]; tailN = m; }
  const scale = (ex + PRIOR_SCALE.memory) / (tailN + 1);
  const top = l[n - 1];
  const quantileAt = (a: number): number => {
    const pos = (n + 1) * (1 - a);
    if (pos > n) return Math.exp(top + scale * Math.log(1 / ((n + 1) * a)));
    if (pos <= 1) return Math.exp(l[0]);
    const lo = Math.floor(pos), f = pos - lo;
    return Math.exp(l[lo - 1] + f * ((l[Math.min(n, lo + 1) - 1]) - l[lo - 1]));
  };
  const expectedAt = (k: number): number => {
    const lk = Math.log(k);
    if (lk >= top) return Math.exp(-(lk - top) / scale) / (n + 1);
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
 * Confidence (0..1) that the value keeps to its target, from what predicted misses on the backtest (docs/ENGINE.md § Risk):
 *  - calibration days n: n / (n + 4) (none: 0.2);
 *  - dispersion of the recent days' ratios (log of each day's (1−α) sample ratio for CPU, of its peak ratio for memory, over
 *    the last 7 days): 1 / (1 + (sd / s0)²), s0 = 2 (CPU) / 0.3 (memory) — an unstable series misses more;
 *  - the margin itself: k < 1 means the past days ran below their base (usage falling, or a spike still in the window) and
 *    the rule sizes under its own recent quantile; such days missed about twice as often: min(1, k^(1/0.02));
 *    (CPU only: for memory it did not predict misses)
 *  - memory: each OOM day the rule had over the last 14 days halves it.
 */
export function confidenceOf(kind: ResourceKind, alpha: number, cal: readonly CalibrationDay[], k: number): number {
  const n = cal.length;
  if (n === 0) return 0.2;
  const history = n / (n + 4);
  const recent = cal.slice(-7);
  const xs = recent.map((d) => Math.log(Math.max(1e-12, kind === 'memory' ? d.peakRatio : quantileOfSorted(d.ratios, 1 - alpha))));
  const mu = xs.reduce((s, x) => s + x, 0) / xs.length;
  const s0 = kind === 'memory' ? 0.3 : 2;
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((s, x) => s + (x - mu) ** 2, 0) / (xs.length - 1)) : s0;
  const stability = 1 / (1 + (sd / s0) ** 2);
  const under = kind === 'memory' ? 1 : k > 0 ? Math.min(1, Math.exp((Math.log(k) + 0.02) / 0.02)) : 0;
  const misses = kind === 'memory' ? Math.pow(0.5, cal.slice(-14).filter((d) => d.achieved > 0).length) : 1;
  return Math.max(0, Math.min(1, history * stability * under * misses));
}

function countAbove(sorted: Float64Array, x: number): number {
  let lo = 0, hi = sorted.length;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (sorted[mid] > x) hi = mid; else lo = mid + 1; }
  return sorted.length - lo;
}

function quantileOfSorted(a: Float64Array, q: number): number {
  if (a.length === 0) return NaN;
  const pos = (a.length - 1) * q;
  const lo = Math.floor(pos), hi = Math.ceil(pos);
  return a[lo] + (a[hi] - a[lo]) * (pos - lo);
}
