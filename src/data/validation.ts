/**
 * Data quality of a MetricFrame before anything is forecast from it: per metric, how complete it is, its longest gap,
 * whether it is flat or shifts level, and whether the frame holds enough history. The result carries machine-readable
 * marks the engine and confidence use (a recommendation from 2 hours of 40%-complete data should say so), and
 * one-line messages for people.
 *
 * Defaults follow KRR's "not enough data" rule (≥ 100 points and ≥ 3 h) and treat 7 days as full history.
 */
import { METRIC_NAMES, type MetricName } from '../core/metrics';
import type { MetricFrame } from './datasource';

export type QualityMark =
  | 'empty'          // no sample at all
  | 'sparse'         // completeness below minCompleteness
  | 'gap'            // a hole longer than maxGapSeconds
  | 'flat'           // every sample equal (a stuck exporter, or an idle service)
  | 'level-shift'    // last quarter's median far from the first quarter's (deploy, resize, traffic change)
  | 'short-history'  // less history than minHistorySeconds / minPoints
  | 'negative';      // negative values where none are possible (a broken rate or exporter)

export interface MetricQuality {
  metric: MetricName;
  samples: number;
  expected: number;
  /** samples / expected, 0..1. */
  completeness: number;
  /** Longest run of missing samples, in seconds (leading/trailing holes count). */
  longestGapSeconds: number;
  /** Seconds between the first and the last sample. */
  historySeconds: number;
  mean: number;
  /** Coefficient of variation (std / |mean|); NaN when the mean is 0. */
  cv: number;
  /** |median(last quarter) − median(first quarter)| / |median(all)|. */
  levelShift: number;
  marks: QualityMark[];
}

export interface ValidationOptions {
  minHistorySeconds: number;
  minPoints: number;
  minCompleteness: number;
  maxGapSeconds: number;
  /** History that earns full confidence. */
  fullHistorySeconds: number;
  levelShiftThreshold: number;
  /** Metrics without which no recommendation is possible. */
  required: MetricName[];
}

export const DEFAULT_VALIDATION: ValidationOptions = {
  minHistorySeconds: 3 * 3600,
  minPoints: 100,
  minCompleteness: 0.8,
  maxGapSeconds: 3600,
  fullHistorySeconds: 7 * 86400,
  levelShiftThreshold: 0.5,
  required: ['cpu_usage', 'memory_working_set'],
};

export interface FrameValidation {
  /** True when every required metric is present, long enough and complete enough. */
  ok: boolean;
  metrics: Partial<Record<MetricName, MetricQuality>>;
  /** Metrics the frame does not carry at all. */
  absent: MetricName[];
  /** 0..1: completeness of the required metrics × history / full history; 0 when not ok. */
  confidence: number;
  /** One line each, for people. */
  messages: string[];
}

function median(sorted: number[]): number {
  if (sorted.length === 0) return NaN;
  const m = sorted.length >> 1;
  return sorted.length % 2 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
}

export function metricQuality(metric: MetricName, t: Float64Array, v: Float64Array, step: number, opts: ValidationOptions = DEFAULT_VALIDATION): MetricQuality {
  const n = v.length;
  const finite: number[] = [];
  let first = -1, last = -1, run = 0, longest = 0, negative = false;
  for (let i = 0; i < n; i++) {
    if (Number.isFinite(v[i])) {
      finite.push(v[i]);
      if (first < 0) first = i;
      last = i;
      run = 0;
      if (v[i] < 0) negative = true;
    } else {
      run++;
      longest = Math.max(longest, run);
    }
  }
  const samples = finite.length;
  const completeness = n ? samples / n : 0;
  const historySeconds = first >= 0 ? t[last] - t[first] : 0;
  let mean = NaN, cv = NaN, levelShift = NaN;
  if (samples) {
    mean = finite.reduce((a, b) => a + b, 0) / samples;
    const variance = finite.reduce((a, b) => a + (b - mean) ** 2, 0) / samples;
    cv = mean !== 0 ? Math.sqrt(variance) / Math.abs(mean) : NaN;
    const q = Math.max(1, Math.floor(samples / 4));
    const head = finite.slice(0, q).sort((a, b) => a - b);
    const tail = finite.slice(samples - q).sort((a, b) => a - b);
    const all = [...finite].sort((a, b) => a - b);
    const mid = Math.abs(median(all));
    levelShift = mid > 0 ? Math.abs(median(tail) - median(head)) / mid : 0;
  }
  const marks: QualityMark[] = [];
  if (samples === 0) marks.push('empty');
  else {
    if (completeness < opts.minCompleteness) marks.push('sparse');
    if (longest * step > opts.maxGapSeconds) marks.push('gap');
    if (samples > 1 && finite.every((x) => x === finite[0])) marks.push('flat');
    if (levelShift > opts.levelShiftThreshold) marks.push('level-shift');
    if (historySeconds < opts.minHistorySeconds || samples < opts.minPoints) marks.push('short-history');
    if (negative) marks.push('negative');
  }
  return { metric, samples, expected: n, completeness, longestGapSeconds: longest * step, historySeconds, mean, cv, levelShift, marks };
}

function hours(s: number): string {
  if (s >= 86400) return `${(s / 86400).toFixed(1)} d`;
  if (s >= 3600) return `${(s / 3600).toFixed(1)} h`;
  return s >= 120 ? `${Math.round(s / 60)} min` : `${Math.round(s)} s`;
}

export function validateFrame(frame: MetricFrame, options: Partial<ValidationOptions> = {}): FrameValidation {
  const opts = { ...DEFAULT_VALIDATION, ...options };
  const metrics: FrameValidation['metrics'] = {};
  const absent: MetricName[] = [];
  const messages: string[] = [];
  for (const m of METRIC_NAMES) {
    const v = frame.values[m];
    if (!v) { absent.push(m); continue; }
    metrics[m] = metricQuality(m, frame.t, v, frame.step, opts);
  }
  let ok = true;
  let conf = 1;
  for (const m of opts.required) {
    const q = metrics[m];
    if (!q || q.marks.includes('empty')) {
      ok = false;
      messages.push(`${m}: no data`);
      continue;
    }
    if (q.marks.includes('short-history')) {
      ok = false;
      messages.push(`${m}: not enough history (${hours(q.historySeconds)}, ${q.samples} points; need ${hours(opts.minHistorySeconds)} and ${opts.minPoints} points)`);
    }
    if (q.marks.includes('sparse')) {
      ok = false;
      messages.push(`${m}: only ${(q.completeness * 100).toFixed(0)}% of the expected samples (need ${(opts.minCompleteness * 100).toFixed(0)}%)`);
    }
    if (q.marks.includes('negative')) {
      ok = false;
      messages.push(`${m}: negative values — the exporter or the query is broken`);
    }
    conf = Math.min(conf, q.completeness * Math.min(1, q.historySeconds / opts.fullHistorySeconds));
  }
  for (const [m, q] of Object.entries(metrics) as Array<[MetricName, MetricQuality]>) {
    if (q.marks.includes('gap')) messages.push(`${m}: a gap of ${hours(q.longestGapSeconds)}`);
    if (q.marks.includes('flat') && opts.required.includes(m)) messages.push(`${m}: every sample is ${q.mean} (stuck exporter or idle workload?)`);
    if (q.marks.includes('level-shift') && opts.required.includes(m)) messages.push(`${m}: level changed by ${(q.levelShift * 100).toFixed(0)}% over the range (recent data matters more)`);
  }
  return { ok, metrics, absent, confidence: ok ? conf : 0, messages };
}
