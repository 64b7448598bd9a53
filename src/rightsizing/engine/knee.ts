/**
 * The per-day knee rule for CPU (option `cpuRule: 'knee'` of MoraStrategyOptions; docs/ENGINE.md § Risk, "Knee rule").
 *
 * For the day ahead take a predictive distribution P of its samples — the base window's samples with the base's recency
 * weights — and choose the value v minimising
 *   E_P[(v − u)+] / E_P[u]  +  λ · P(u > v),
 * the expected waste (relative to the expected usage) plus λ times the expected share of samples above. Where P's tail is
 * flat (its top samples spread far apart), raising v buys little risk per unit of waste, so v stops low and the day carries
 * more of the misses; where the top is sharp (many samples just below the peak), v goes over it. It is the held oracle's
 * Lagrangian (backtest/oracle.ts: every day picks the value minimising waste + λ · risk, one λ per series) with the day
 * replaced by its prediction. λ is one number per series, calibrated like k: the smallest λ at which the rule, replayed
 * over the series' own calibration days (each with the window it had before it), leaves at most α of their samples above.
 *
 * Exact: the candidates are the window's sample values (between two samples the waste grows and the risk stays). In the
 * (risk, waste) plane the minimiser for any λ is a vertex of the candidates' lower convex hull, the one where the hull's
 * slope crosses −λ; each hull edge's −slope is a breakpoint of λ, so the calibration reads the exact smallest λ off them.
 */

/** A predictive distribution's lower convex hull in (risk, relative waste): vertices from risk 0 (the window's top sample) down. */
export interface KneeCurve {
  /** The value at each hull vertex, descending (vertex 0 = the highest sample: nothing above it). */
  values: Float64Array;
  /** −slope of the edge from vertex i to i + 1 (relative waste saved per unit of risk taken), descending. */
  gains: Float64Array;
  /** The predicted share above each vertex's value, ascending. */
  risks: Float64Array;
}

/**
 * The knee curve of the weighted samples `runs` (each ascending; every sample of run r weighs weights[r]). Undefined when
 * there is no sample or the weighted mean usage is not positive (an idle window: nothing to weigh waste against).
 */
export function kneeCurve(runs: readonly ArrayLike<number>[], weights: readonly number[]): KneeCurve | undefined {
  const v: number[] = [], w: number[] = [];
  runs.forEach((r, k) => { for (let i = 0; i < r.length; i++) if (Number.isFinite(r[i])) { v.push(r[i]); w.push(weights[k]); } });
  const n = v.length;
  if (n === 0) return undefined;
  const order = Array.from({ length: n }, (_x, i) => i).sort((a, b) => v[a] - v[b]);
  let total = 0, mass = 0;
  for (let i = 0; i < n; i++) { total += w[i]; mass += w[i] * v[i]; }
  if (!(total > 0) || !(mass > 0)) return undefined;
  const mean = mass / total;
  // Candidates ascending: value c, risk = weight above c, waste = Σ_{u ≤ c} w (c − u), both normalised (waste by the mean).
  const cand: Array<[number, number, number]> = [];
  let cw = 0, cs = 0;
  for (let j = 0; j < n; j++) {
    const i = order[j];
    cw += w[i]; cs += w[i] * v[i];
    if (j + 1 < n && v[order[j + 1]] === v[i]) continue;
    // The top sample has nothing above it: exactly 0, not the rounding left of 1 − Σw/Σw.
    cand.push([v[i], j === n - 1 ? 0 : Math.max(0, 1 - cw / total), (v[i] * cw - cs) / total / mean]);
  }
  // Lower convex hull from risk 0 (the top candidate) towards higher risk, keeping only points that lower the waste.
  const hull: Array<[number, number, number]> = [];
  for (let j = cand.length - 1; j >= 0; j--) {
    const p = cand[j];
    if (hull.length && p[2] >= hull[hull.length - 1][2]) continue;
    while (hull.length >= 2) {
      const a = hull[hull.length - 2], b = hull[hull.length - 1];
      // Drop b when it lies on or above the segment a → p.
      if ((b[2] - a[2]) * (p[1] - a[1]) >= (p[2] - a[2]) * (b[1] - a[1])) hull.pop(); else break;
    }
    hull.push(p);
  }
  const values = Float64Array.from(hull, (h) => h[0]);
  const risks = Float64Array.from(hull, (h) => h[1]);
  const gains = new Float64Array(Math.max(0, hull.length - 1));
  for (let i = 1; i < hull.length; i++) gains[i - 1] = (hull[i - 1][2] - hull[i][2]) / (hull[i][1] - hull[i - 1][1]);
  return { values, gains, risks };
}

/**
 * The value minimising relative waste + λ · risk on the curve: past every edge whose gain exceeds λ. With `maxRisk`, never
 * past the last vertex whose predicted share above is ≤ maxRisk (the vertex at risk 0 always qualifies).
 */
export function kneeValue(curve: KneeCurve, lambda: number, maxRisk = Infinity): number {
  // gains descending: count the edges with gain > λ (binary search).
  let lo = 0, hi = curve.gains.length;
  while (lo < hi) { const m = (lo + hi) >> 1; if (curve.gains[m] > lambda) lo = m + 1; else hi = m; }
  if (maxRisk < Infinity) while (lo > 0 && curve.risks[lo] > maxRisk) lo--;
  return curve.values[lo];
}

/** One calibration day: the knee curve of the window the rule had before it, and the day's samples (ascending). */
export interface KneeDay {
  curve: KneeCurve;
  sorted: Float64Array;
}

function above(sorted: Float64Array, v: number): number {
  let lo = 0, hi = sorted.length;
  while (lo < hi) { const m = (lo + hi) >> 1; if (sorted[m] <= v) lo = m + 1; else hi = m; }
  return sorted.length - lo;
}

/** The pooled share of the days' samples above the knee values at λ. */
export function kneeShare(days: readonly KneeDay[], lambda: number, maxRisk = Infinity): number {
  let exc = 0, n = 0;
  for (const d of days) { exc += above(d.sorted, kneeValue(d.curve, lambda, maxRisk)); n += d.sorted.length; }
  return n ? exc / n : NaN;
}

/**
 * The smallest λ at which the knee rule, replayed over `days`, leaves at most α of their samples above (pooled, as the
 * margin's calibration pools them), and the share it leaves. The share only falls as λ rises (a higher λ never lowers a
 * day's value), and it changes only at the edges' gains, so the answer is one of them (or 0, or above all: +∞ = every
 * day at its window's top sample). Undefined without a day.
 */
export function calibrateKnee(days: readonly KneeDay[], alpha: number, maxRisk = Infinity): { lambda: number; expected: number } | undefined {
  if (days.length === 0) return undefined;
  const share = (lambda: number): number => kneeShare(days, lambda, maxRisk);
  const zero = share(0);
  if (zero <= alpha) return { lambda: 0, expected: zero };
  const bps = Array.from(new Set(days.flatMap((d) => Array.from(d.curve.gains)))).sort((a, b) => a - b);
  // λ = a breakpoint b leaves the edges with gain b untaken; the share at b holds on [b, next breakpoint).
  let lo = 0, hi = bps.length; // first index with share ≤ α (bps.length: none, λ above every gain)
  while (lo < hi) { const m = (lo + hi) >> 1; if (share(bps[m]) <= alpha) hi = m; else lo = m + 1; }
  if (lo === bps.length) {
    const top = bps.length ? bps[bps.length - 1] * 2 : 1;
    return { lambda: top, expected: share(top) };
  }
  return { lambda: bps[lo], expected: share(bps[lo]) };
}
