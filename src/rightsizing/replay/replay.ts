/**
 * Rolling daily replay: for each UTC day d after a warm-up week, every strategy sees only the samples before d
 * and emits one value; day d's samples then score it. Strategies are fed one day at a time (incrementally),
 * so a 30-day series costs 30 small updates per strategy, not 30 refits over everything.
 */
import type { Series } from '../../core/series';
import { lowerBound } from '../../core/series';
import type { SizingStrategy } from '../baselines/strategy';
import { scoreDay, type DayScore } from './score';

export const DAY = 86400;

export interface ReplayOptions {
  /** Days at the start that are observed but not scored. */
  warmupDays?: number;
  /** Days with fewer samples are skipped (observed, not scored). */
  minSamplesPerDay?: number;
}

export interface StrategyReplay {
  strategy: string;
  days: DayScore[];
  /** Scored days on which the strategy had no answer yet (not enough data). */
  noAnswer: number;
}

function isScoredDay(day: number, firstDay: number, samples: number, warmupDays: number, minSamples: number): boolean {
  return day >= firstDay + warmupDays * DAY && samples >= minSamples;
}

export interface ReplayDay { day: number; t: Float64Array; v: Float64Array; scored: boolean }

/** Every UTC day of the series in order, its samples, and whether `replay` scores it (warm-up and sample-count rule). */
export function* days(s: Series, options: ReplayOptions): Generator<ReplayDay> {
  const warmup = options.warmupDays ?? 7;
  const minSamples = options.minSamplesPerDay ?? 12;
  const n = s.t.length;
  if (n === 0) return;
  const firstDay = Math.floor(s.t[0] / DAY) * DAY;
  const lastDay = Math.floor(s.t[n - 1] / DAY) * DAY;
  for (let day = firstDay; day <= lastDay; day += DAY) {
    const lo = lowerBound(s.t, day);
    const hi = lowerBound(s.t, day + DAY);
    yield { day, t: s.t.subarray(lo, hi), v: s.v.subarray(lo, hi), scored: isScoredDay(day, firstDay, hi - lo, warmup, minSamples) };
  }
}

/** The days `replay` scores (same warm-up and sample-count rule), with their samples: for the per-day oracle. */
export function scoredDays(s: Series, options: ReplayOptions = {}): Array<{ dayStart: number; values: Float64Array }> {
  const out: Array<{ dayStart: number; values: Float64Array }> = [];
  for (const d of days(s, options)) if (d.scored) out.push({ dayStart: d.day, values: Float64Array.from(d.v) });
  return out;
}

export function replay(s: Series, strategies: readonly SizingStrategy[], options: ReplayOptions = {}): StrategyReplay[] {
  const out: StrategyReplay[] = strategies.map((st) => ({ strategy: st.name, days: [], noAnswer: 0 }));
  for (const { day, t, v, scored } of days(s, options)) {
    if (scored) {
      for (let k = 0; k < strategies.length; k++) {
        const rec = strategies[k].recommend(day);
        if (rec === undefined || !Number.isFinite(rec.value)) { out[k].noAnswer++; continue; }
        const score = scoreDay(day, rec.value, v);
        if (rec.confidence !== undefined && Number.isFinite(rec.confidence)) score.confidence = rec.confidence;
        if (rec.risk !== undefined && Number.isFinite(rec.risk)) score.risk = rec.risk;
        out[k].days.push(score);
      }
    }
    if (t.length > 0) for (const st of strategies) st.observe(t, v);
  }
  return out;
}
