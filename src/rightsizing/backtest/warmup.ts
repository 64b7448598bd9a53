/**
 * Warm-up per series. A run's warm-up (ReplayOptions.warmupDays, default 7) holds for every series, unless an input sets
 * its own: `mora backtest` without --warmup-days gives a series too short for the default one (2 to 7 whole days) a
 * shorter one (shortWarmupDays), so a short trace is scored on its last days instead of giving no row at all (2 to 13
 * whole days: half of them, so a longer trace never scores fewer days).
 */
import type { Series } from '../../core/series';
import { days, typicalStep, type ReplayOptions } from '../replay/replay';

const DAY = 86400;

/** The default warm-up, days observed before scoring starts (replay.ts's default). */
export const DEFAULT_WARMUP_DAYS = 7;

/** The replay options for one input: its own warm-up when it has one, else the run's (the same object then). */
export function seriesOptions<T extends ReplayOptions>(input: { warmupDays?: number }, options: T): T {
  return input.warmupDays === undefined ? options : { ...options, warmupDays: input.warmupDays };
}

/** Whole days of samples: the span from the first sample to the last plus one typical step (a 2-day trace at 5 min: 2). */
export function wholeDays(s: Series): number {
  const n = s.t.length;
  if (n < 2) return 0;
  const step = typicalStep(s.t);
  return Math.floor((s.t[n - 1] - s.t[0] + (Number.isFinite(step) ? step : 0)) / DAY + 1e-9);
}

/** Days a replay with this warm-up scores (replay.ts's rule: warm-up, then ≥ 12 samples covering ≥ 1 h). */
function scoredCount(s: Series, options: ReplayOptions): number {
  let n = 0;
  for (const d of days(s, options)) if (d.scored) n++;
  return n;
}

/**
 * The warm-up for a series too short for `options`' warm-up (default 7 days) to leave it as many scored days as warm-up
 * days: half its whole days, rounded down, at least 1 (a 2-day trace scores its second day, a 7-day one its last 4, an
 * 8-day one its last 4 too — the default would leave that one a single day, fewer than the 7-day trace gets, so a longer
 * trace never scores fewer days). Undefined when the series is long enough for the run's warm-up (2 × it whole days: 14
 * at the default), when it has under 2 whole days (a day to size from and a day to score on), or when the shorter
 * warm-up scores no day either (too sparse: skipped as before, for that reason).
 */
export function shortWarmupDays(s: Series, options: ReplayOptions = {}): number | undefined {
  const whole = wholeDays(s);
  const given = options.warmupDays ?? DEFAULT_WARMUP_DAYS;
  if (whole < 2) return undefined;
  const short = Math.max(1, Math.floor(whole / 2));
  return short < given && scoredCount(s, { ...options, warmupDays: short }) > 0 ? short : undefined;
}
