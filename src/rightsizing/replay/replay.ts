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
  /**
   * Days whose samples cover less than this many seconds (samples × the day's typical step) are skipped too: the
   * sample count alone depends on the step — 12 samples are an hour at 5 min but two minutes at 10 s. Default: 3600 s,
   * what the default 12 samples cover at the 5-min step they were set for; 0 when minSamplesPerDay is given (its count alone).
   */
  minCoverSeconds?: number;
}

/** Default scoring rule: a day is scored with ≥ 12 samples covering ≥ 1 h (12 samples at the 5-min step it was set for). */
export const MIN_SAMPLES_PER_DAY = 12;
const REFERENCE_STEP = 300;

export interface StrategyReplay {
  strategy: string;
  days: DayScore[];
  /** Scored days on which the strategy had no answer yet (not enough data). */
  noAnswer: number;
  /** Why, per reason the strategy gave (`whyNoValue`): scored days without an answer; days it gave no reason for are not here. */
  noAnswerWhy?: Record<string, number>;
}

function isScoredDay(day: number, firstDay: number, samples: number, warmupDays: number, minSamples: number, minSamplesByCover: number): boolean {
  return day >= firstDay + warmupDays * DAY && samples >= minSamples && samples >= minSamplesByCover;
}

/**
 * The typical sampling step of `t`: the median gap between consecutive samples, gaps of a whole day or more (outages)
 * left out so they cannot stretch it; NaN with fewer than two samples.
 */
export function typicalStep(t: ArrayLike<number>): number {
  const gaps: number[] = [];
  for (let i = 1; i < t.length; i++) { const g = t[i] - t[i - 1]; if (g > 0 && g < DAY) gaps.push(g); }
  if (gaps.length === 0) return NaN;
  gaps.sort((a, b) => a - b);
  return gaps[Math.floor((gaps.length - 1) / 2)];
}

export interface ReplayDay { day: number; t: Float64Array; v: Float64Array; scored: boolean }

/** Every UTC day of the series in order, its samples, and whether `replay` scores it (warm-up, sample-count and cover rule). */
export function* days(s: Series, options: ReplayOptions): Generator<ReplayDay> {
  const warmup = options.warmupDays ?? 7;
  const minSamples = options.minSamplesPerDay ?? MIN_SAMPLES_PER_DAY;
  const n = s.t.length;
  if (n === 0) return;
  const minCover = options.minCoverSeconds ?? (options.minSamplesPerDay === undefined ? MIN_SAMPLES_PER_DAY * REFERENCE_STEP : 0);
  // Samples needed to cover minCover at the day's own step: a series whose older days were downsampled (5 min) and whose
  // recent ones are raw (10 s) keeps both (one sample in the day: the count rule alone).
  const byCover = (t: Float64Array): number => {
    if (minCover <= 0 || t.length < 2) return 0;
    const step = typicalStep(t);
    return Number.isFinite(step) ? Math.ceil(minCover / step - 1e-9) : 0;
  };
  const firstDay = Math.floor(s.t[0] / DAY) * DAY;
  const lastDay = Math.floor(s.t[n - 1] / DAY) * DAY;
  for (let day = firstDay; day <= lastDay; day += DAY) {
    const lo = lowerBound(s.t, day);
    const hi = lowerBound(s.t, day + DAY);
    const t = s.t.subarray(lo, hi);
    yield { day, t, v: s.v.subarray(lo, hi), scored: isScoredDay(day, firstDay, hi - lo, warmup, minSamples, hi - lo >= minSamples ? byCover(t) : 0) };
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
        if (rec === undefined || !Number.isFinite(rec.value)) {
          out[k].noAnswer++;
          const why = strategies[k].whyNoValue?.();
          if (why) (out[k].noAnswerWhy ??= {})[why] = (out[k].noAnswerWhy?.[why] ?? 0) + 1;
          continue;
        }
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
