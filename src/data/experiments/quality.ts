/**
 * The quality gate of one experiment cell (docs/EXPERIMENTS.md § Quality gate), on the rows after its warm-up:
 * - completeness: request rate, CPU and memory each have at least `minCompleteness` of the expected samples;
 * - stability: the coefficient of variation of request rate, CPU, memory and p95 latency is at most `maxCv` above the
 *   asked rate's own CV (a step, ramp or spike moves the load on purpose; a constant cell has CV 0 there); p95 latency
 *   that varied but never crossed the cell's p95 SLO is noted, not failed (the cell's verdict does not depend on it);
 * - achieved vs asked rate: a cell that met its SLO but got less than `minAchievedShare` of the asked rate measured
 *   the load generator, not the service. One that missed its SLO while short of the rate is *saturated*: the service
 *   was the limit, which is what a capacity search looks for — noted, not failed;
 * - error share: failed requests (connection errors, timeouts, non-2xx) at most `maxErrorShare` of the attempts;
 * - measured time: the driver's measured window at least MIN_MEASURED_SHARE of the cell's asked time (a JMeter whose
 *   thread groups ran out before its measured time, their clock having started seconds before its first request).
 * A failed cell stays in the CSV and the JSON, with its reasons, and is left out of capacity estimates.
 */
import type { MetricName } from '../../core/metrics';
import type { CellLoadResult, PlanCell, QualityThresholds } from './plan-file';
import type { LoadStats } from './load';
import { MIN_ACHIEVED_SHARE } from './thresholds';

export interface CellQuality {
  passed: boolean;
  /** Why it failed (empty when it passed). */
  reasons: string[];
  /** Worth knowing, not failing: saturation, metrics too small to judge. */
  notes: string[];
  completeness: Partial<Record<MetricName, number>>;
  cv: Partial<Record<MetricName, number>>;
  askedRate: number;
  achievedShare: number;
  errorShare: number;
  /** The driver's latency met the cell's SLO. */
  sloMet: boolean;
  /** Short of the asked rate while missing the SLO: the service was at its limit. */
  saturated: boolean;
}

export const COMPLETENESS_METRICS: readonly MetricName[] = ['request_rate', 'cpu_usage', 'memory_working_set'];

/** Metrics judged for stability, with the mean below which their CV is noise, not instability. */
const CV_METRICS: ReadonlyArray<[MetricName, number]> = [['request_rate', 0.5], ['cpu_usage', 0.005], ['memory_working_set', 1 << 20], ['latency_p95', 0.001]];

function cv(xs: readonly number[]): number {
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / Math.max(1, n - 1));
  return mean !== 0 ? sd / Math.abs(mean) : Infinity;
}

/** The mean asked rate over the measured segments and its coefficient of variation over time. */
export function askedRate(cell: PlanCell): { mean: number; cv: number } {
  const segs = cell.schedule.filter((s) => !s.warmup);
  const total = segs.reduce((n, s) => n + s.seconds, 0);
  const mean = segs.reduce((n, s) => n + s.rate * s.seconds, 0) / total;
  const variance = segs.reduce((n, s) => n + s.seconds * (s.rate - mean) ** 2, 0) / total;
  return { mean, cv: mean > 0 ? Math.sqrt(variance) / mean : 0 };
}

export function sloMet(cell: Pick<PlanCell, 'slo'>, stats: Pick<CellLoadResult, 'latencyP95Ms' | 'latencyP99Ms'>): boolean {
  const { latencyP95Ms: p95, latencyP99Ms: p99 } = cell.slo;
  if (p95 !== undefined && !(stats.latencyP95Ms <= p95)) return false;
  if (p99 !== undefined && !(stats.latencyP99Ms <= p99)) return false;
  return true;
}

export interface JudgeInput {
  cell: PlanCell;
  stats: CellLoadResult;
  /** The finite values of each metric in the measured rows. */
  judged: Partial<Record<MetricName, number[]>>;
  /** Scrape steps in the measured window. */
  expectedRows: number;
  thresholds: QualityThresholds;
  /** Metrics Prometheus had no series for. */
  missing?: MetricName[];
}

const pct = (x: number) => `${Math.round(x * 100)}%`;

/**
 * A driver that measured less than this share of the cell's asked (measured) time stopped sending early: the cell
 * fails, saying so. Until 2026-12-01 such a cell (JMeter's groups ran out 0.3 s into a 4 s measured time on a busy
 * machine) failed only on completeness ("0 of 1 samples after warm-up"), as if Prometheus had missed the scrapes.
 */
export const MIN_MEASURED_SHARE = 0.5;

/**
 * The achieved-vs-asked rule, one for plan cells and plain experiment levels: the share of the asked rate that was
 * served, and whether it fell short of `minShare` (with answers at all: a level nobody answered failed instead).
 */
export function rateShortfall(stats: Pick<LoadStats, 'requests' | 'achievedRate'>, asked: number, minShare = MIN_ACHIEVED_SHARE): { share: number; short: boolean } {
  const share = asked > 0 ? stats.achievedRate / asked : 0;
  return { share, short: stats.requests > 0 && share < minShare };
}

/** The saturation note of a cell or level served short of its asked rate. */
export function saturationNote(achieved: number, asked: number, why: string): string {
  return `saturated: served ${achieved.toFixed(1)} of the asked ${asked.toFixed(1)} req/s ${why}`;
}

/**
 * The largest p95 sample in milliseconds when every one met the cell's p95 SLO, else undefined. What the cell tells
 * (the SLO held at this rate) does not depend on how p95 moved below it: a fast service's 1–5 ms on a busy node has a
 * large CV and the same verdict. Latency that crosses the SLO within the cell is what makes the verdict unstable.
 */
function withinSlo(p95Seconds: readonly number[], slo: PlanCell['slo']): number | undefined {
  if (slo.latencyP95Ms === undefined) return undefined;
  const worst = Math.max(...p95Seconds) * 1000;
  return worst <= slo.latencyP95Ms ? Math.round(worst * 10) / 10 : undefined;
}

export function judgeCell(input: JudgeInput): CellQuality {
  const { cell, stats, judged, expectedRows, thresholds: th } = input;
  const reasons: string[] = [];
  const notes: string[] = [];
  const completeness: CellQuality['completeness'] = {};
  for (const m of COMPLETENESS_METRICS) {
    const n = judged[m]?.length ?? 0;
    completeness[m] = Math.min(1, n / expectedRows);
    if (completeness[m]! < th.minCompleteness) {
      reasons.push(input.missing?.includes(m)
        ? `${m}: no series in Prometheus for this cell`
        : `${m}: ${n} of ${expectedRows} samples after warm-up (need ${pct(th.minCompleteness)})`);
    }
  }
  const asked = askedRate(cell);
  const cvs: CellQuality['cv'] = {};
  for (const [m, floor] of CV_METRICS) {
    const xs = judged[m] ?? [];
    if (xs.length < 3) continue;
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    if (Math.abs(mean) < floor) { notes.push(`${m}: mean ${mean.toPrecision(2)} too small to judge its stability`); continue; }
    cvs[m] = cv(xs);
    const allowed = th.maxCv + asked.cv;
    if (!(cvs[m]! > allowed)) continue;
    const within = m === 'latency_p95' ? withinSlo(xs, cell.slo) : undefined;
    if (within !== undefined) notes.push(`${m} varied after warm-up (coefficient of variation ${cvs[m]!.toFixed(2)}) but every sample stayed within the SLO (at most ${within} ms of ${cell.slo.latencyP95Ms} ms)`);
    else reasons.push(`${m} unstable after warm-up: coefficient of variation ${cvs[m]!.toFixed(2)} (at most ${allowed.toFixed(2)})`);
  }
  const met = sloMet(cell, stats);
  const { share: achievedShare, short } = rateShortfall(stats, asked.mean, th.minAchievedShare);
  let saturated = false;
  if (stats.requests === 0) reasons.push('no request was answered');
  else if (short) {
    if (met) reasons.push(`achieved ${stats.achievedRate.toFixed(1)} of the asked ${asked.mean.toFixed(1)} req/s (${pct(achievedShare)}, need ${pct(th.minAchievedShare)}) while latency met the SLO: the load generator, not the service, was the limit`);
    else {
      saturated = true;
      notes.push(saturationNote(stats.achievedRate, asked.mean, 'with latency above the SLO'));
    }
  }
  if (stats.requests > 0 && cell.durationSeconds > 0 && stats.durationSeconds < MIN_MEASURED_SHARE * cell.durationSeconds) {
    reasons.push(`the load was measured over ${stats.durationSeconds.toFixed(1)} of the asked ${cell.durationSeconds} s (${pct(stats.durationSeconds / cell.durationSeconds)}, need ${pct(MIN_MEASURED_SHARE)}): ${stats.driver} stopped sending early`);
  }
  const attempts = stats.requests + stats.errors;
  const errorShare = attempts > 0 ? (stats.errors + stats.non2xx) / attempts : 0;
  if (errorShare > th.maxErrorShare) reasons.push(`${pct(errorShare)} of the requests failed (${stats.non2xx} non-2xx, ${stats.errors} errors; at most ${pct(th.maxErrorShare)})`);
  return { passed: reasons.length === 0, reasons, notes, completeness, cv: cvs, askedRate: asked.mean, achievedShare, errorShare, sloMet: met, saturated };
}
