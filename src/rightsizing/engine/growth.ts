/**
 * Steady growth of daily peaks (a memory leak, a cache that never stops filling): a robust Theil–Sen slope of the
 * peak of each whole UTC day. Reported only when most day pairs agree on the direction and the growth is material,
 * so a noisy or flat series never raises the alarm.
 */
import type { Series } from '../../core/series';
import { quantileSorted } from '../../core/stats';

const DAY = 86400;

export interface Growth {
  /** Growth of the daily peak per day, in the series' unit. */
  perDay: number;
  /** Days of peaks it was measured over. */
  days: number;
  /** Share of day pairs whose peaks rose (0.5 = no direction). */
  agreement: number;
}

/** Daily peaks' trend, or undefined when fewer than `minDays` whole days or no clear, material growth. */
export function peakGrowth(s: Series, minDays = 5): Growth | undefined {
  const peaks = new Map<number, number>();
  for (let i = 0; i < s.t.length; i++) {
    const d = Math.floor(s.t[i] / DAY);
    peaks.set(d, Math.max(peaks.get(d) ?? -Infinity, s.v[i]));
  }
  // Drop the first and last (possibly partial) days.
  const days = [...peaks.keys()].sort((a, b) => a - b).slice(1, -1);
  if (days.length < minDays) return undefined;
  const slopes: number[] = [];
  let rising = 0;
  for (let i = 0; i < days.length; i++) {
    for (let j = i + 1; j < days.length; j++) {
      const m = (peaks.get(days[j])! - peaks.get(days[i])!) / (days[j] - days[i]);
      slopes.push(m);
      if (m > 0) rising++;
    }
  }
  slopes.sort((a, b) => a - b);
  const perDay = quantileSorted(slopes, 0.5);
  const agreement = rising / slopes.length;
  const level = quantileSorted(days.map((d) => peaks.get(d)!).sort((a, b) => a - b), 0.5);
  // Material: the trend adds at least 10% of the typical peak over the days measured.
  if (!(perDay > 0) || agreement < 0.75 || perDay * days.length < 0.1 * level) return undefined;
  return { perDay, days: days.length, agreement };
}
