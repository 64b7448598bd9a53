/**
 * The backtest scorer (same for every strategy, on the same series). For a day's samples u and the value v the strategy emitted
 * before the day began: relative slack (v − p95(u)) / v; CPU exceedance = share of samples above v; memory OOM day = any sample above v;
 * waste Σmax(0, v − u) and shortfall Σmax(0, u − v). Per series: mean positive relative slack, waste and shortfall ratios
 * (over Σu of all scored days), exceedance share (pooled samples), share of OOM-free days.
 *
 * An idle series (Σu = 0 over every scored day) has no waste or shortfall ratio (0/0: NaN, never 0, which read as a
 * perfect fit), and it is left out of every mean over series: its waste ratio is undefined, and the other metrics are
 * the same for any value ≥ 0 (no sample above it, slack 100%), so they say nothing of the strategy and only pulled the
 * fleet's risk towards 0 by (N − 1)/N — and the frontier's (risk, waste) points must average the same series.
 * A series idle on some days but not all is not idle: only Σu over all its scored days matters.
 */
import { quantileSorted } from '../../core/stats';

export interface DayScore {
  dayStart: number;
  value: number;
  samples: number;
  p95: number;
  sumUsage: number;
  waste: number;
  shortfall: number;
  /** Samples strictly above the value. */
  exceeded: number;
  relativeSlack: number;
  /** The strategy's own confidence in this day's value (0..1), when it gives one (MOrA). */
  confidence?: number;
  /** The risk target the value was calibrated to (CPU exceedance share; memory OOM-day share), when the strategy gives one. */
  risk?: number;
}

export function scoreDay(dayStart: number, value: number, usage: ArrayLike<number>): DayScore {
  const sorted = Float64Array.from(usage).sort();
  let sum = 0, waste = 0, shortfall = 0, exceeded = 0;
  for (let i = 0; i < sorted.length; i++) {
    const u = sorted[i];
    sum += u;
    if (u > value) { shortfall += u - value; exceeded++; } else waste += value - u;
  }
  const p95 = quantileSorted(sorted, 0.95);
  const relativeSlack = value > 0 ? (value - p95) / value : 0;
  return { dayStart, value, samples: sorted.length, p95, sumUsage: sum, waste, shortfall, exceeded, relativeSlack };
}

export interface Summary {
  days: number;
  /** Mean over days of max(0, relative slack). */
  relativeSlack: number;
  wasteRatio: number;
  shortfallRatio: number;
  /** Share of all scored samples above the value. */
  exceedanceShare: number;
  /** Share of days where no sample exceeded the value (memory: no OOM). */
  oomFreeShare: number;
  /** Scored days but no usage on any of them: waste and shortfall ratios are NaN and meanSummary leaves the series out. */
  idle?: boolean;
}

/** Usage summed to zero over every scored day (see the module comment); a series with no scored day is not idle. */
export function isIdle(s: Summary): boolean {
  return s.days > 0 && s.idle === true;
}

export function summarize(days: readonly DayScore[]): Summary {
  let slack = 0, sumU = 0, waste = 0, shortfall = 0, exceeded = 0, samples = 0, free = 0;
  for (const d of days) {
    slack += Math.max(0, d.relativeSlack);
    sumU += d.sumUsage; waste += d.waste; shortfall += d.shortfall;
    exceeded += d.exceeded; samples += d.samples;
    if (d.exceeded === 0) free++;
  }
  const n = days.length;
  // Usage summing to zero (an idle series): waste / usage is 0/0, undefined, not 0 (module comment).
  const ratio = (x: number): number => (sumU > 0 ? x / sumU : NaN);
  return {
    ...(n > 0 && !(sumU > 0) ? { idle: true } : {}),
    days: n,
    relativeSlack: n ? slack / n : NaN,
    wasteRatio: ratio(waste),
    shortfallRatio: ratio(shortfall),
    exceedanceShare: samples ? exceeded / samples : NaN,
    oomFreeShare: n ? free / n : NaN,
  };
}

/** Mean of each metric over series (each series counts once, whatever its length); series with no scored day or idle ones are left out. */
export function meanSummary(summaries: readonly Summary[]): Summary {
  const keys = ['relativeSlack', 'wasteRatio', 'shortfallRatio', 'exceedanceShare', 'oomFreeShare'] as const;
  const out: Summary = { days: 0, relativeSlack: 0, wasteRatio: 0, shortfallRatio: 0, exceedanceShare: 0, oomFreeShare: 0 };
  const valid = summaries.filter((s) => s.days > 0 && !isIdle(s));
  for (const s of valid) {
    out.days += s.days;
    for (const k of keys) out[k] += s[k] / valid.length;
  }
  if (valid.length === 0) for (const k of keys) out[k] = NaN;
  return out;
}
