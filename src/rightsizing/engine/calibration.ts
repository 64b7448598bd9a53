/**
 * Calibration of MOrA's margin to a risk target α from a series' own past (docs/ENGINE.md § Risk).
 *
 * A calibration day is a completed day seen relative to the base the rule had before it: every sample u/base (CPU) and
 * the day's peak/base (memory), plus the risk the rule actually achieved on it. Nothing here pools across series.
 *
 *  - CPU (sample-level split conformal): k = the weighted (1−α) quantile of the pooled sample ratios of the past days
 *    (recent days weigh more), so the share of past samples above base × k is α. Thousands of samples: the quantile is
 *    read off the data for every α in the accepted range.
 *  - Memory (day-level split conformal with a tail): the ratios are the days' peaks over their base. Where α can be read
 *    off the n ratios (α ≥ m/(n+1), m the tail size) k is the ⌈(n+1)(1−α)⌉-th smallest ratio; below that, the log ratios
 *    above the (m+1)-th largest are modelled as an exponential tail (peaks-over-threshold) whose scale is the mean excess,
 *    shrunk towards a prior scale by one pseudo-observation, and k = exp(threshold + scale × ln(p/α)).
 *  - Cold start (no calibration day): the prior margin exp(PRIOR_SCALE × ln(1/α)), the same exponential tail with the
 *    prior scale from k = 1.
 *  - Cap: k ≤ exp(CAP_SCALE × ln(1/α)) for memory: the margin an exponential tail of a 10%-per-e-fold scale needs at α, so
 *    one freak day cannot multiply the limit, and a looser target is capped lower.
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
 * The level used today: the target moved against the recent calibration error (over the last `window` days the rule's
 * achieved risk vs α), α' = α × (achieved/α)^(−η), kept within [α/10, min(0.5, 3α)].
 */
export function adjustedLevel(kind: ResourceKind, alpha: number, cal: readonly CalibrationDay[], eta: number, window = 7): number {
  const recent = cal.slice(-window);
  if (recent.length < 3) return alpha;
  let a = 0;
  for (const d of recent) a += d.achieved;
  a /= recent.length;
  // Memory: a day is 0 or 1, so a short window's share is shrunk towards α (one pseudo-window at the target).
  const achieved = kind === 'memory' ? (a * recent.length + alpha * window) / (recent.length + window) : a;
  const ratio = Math.max(0.1, achieved / alpha);
  return Math.min(Math.min(0.5, 3 * alpha), Math.max(alpha / 10, alpha * Math.pow(ratio, -eta)));
}

/**
 * Confidence (0..1) that the value keeps to its target, from what predicts misses on the backtest (docs/ENGINE.md § Risk):
 *  - calibration days n: n / (n + 2) (none: 0.2);
 *  - dispersion of the recent days' ratios (log of each day's (1−α) sample ratio for CPU, of its peak ratio for memory, over
 *    the last 7 days): 1 / (1 + (sd / s0)²), s0 = 0.5 (CPU) / 0.3 (memory) — an unstable series misses more;
 *  - CPU: how concentrated the past exceedance was on bad days (share of it above 2α on a day): exceedance that comes
 *    in whole bursts misses the target by far more than exceedance spread thinly over every day;
 *  - memory: each OOM day the rule had over the last 14 days halves it.
 */
export function confidenceOf(kind: ResourceKind, alpha: number, cal: readonly CalibrationDay[]): number {
  const n = cal.length;
  if (n === 0) return 0.2;
  const history = n / (n + 2);
  const recent = cal.slice(-7);
  const xs = recent.map((d) => Math.log(Math.max(1e-12, kind === 'memory' ? d.peakRatio : quantileOfSorted(d.ratios, 1 - alpha))));
  const mu = xs.reduce((s, x) => s + x, 0) / xs.length;
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((s, x) => s + (x - mu) ** 2, 0) / (xs.length - 1)) : (kind === 'memory' ? 0.3 : 0.5);
  const stability = 1 / (1 + (sd / (kind === 'memory' ? 0.3 : 0.5)) ** 2);
  let tail: number;
  if (kind === 'cpu') {
    let all = 0, bad = 0;
    for (const d of cal) { all += d.achieved; bad += Math.max(0, d.achieved - 2 * alpha); }
    tail = all > 0 ? 1 - bad / all : 1;
  } else {
    tail = Math.pow(0.5, cal.slice(-14).filter((d) => d.achieved > 0).length);
  }
  return Math.max(0, Math.min(1, history * stability * tail));
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
