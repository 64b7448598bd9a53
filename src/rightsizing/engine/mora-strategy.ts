/**
 * MOrA's sizing rule for one container resource, as a strategy the backtest replays exactly like VPA/KRR/Autopilot.
 * It is calibrated to a risk target α (docs/ENGINE.md § Risk): CPU — the share of samples above the request;
 * memory — the share of days whose peak goes above the limit (an OOM day).
 *
 *   value = base × k(α)
 *   base: cpu    — the (1−α) quantile of the last 8 days' samples, recent hours weighted most (half-life 24 h);
 *         memory — the median daily peak of the last 14 days, at least yesterday's peak (a step up is followed at once,
 *                  one spike is not remembered for two weeks).
 *   k(α): learned from the series' own past by split-conformal calibration (calibration.ts). Each completed day j gives
 *         the ratios of its usage to the base the rule had before day j (CPU: every sample u/base_j; memory: the peak
 *         peak_j/base_j), over the last 28 days. CPU: k is the (1−α) quantile of the pooled sample ratios, so the share
 *         of past samples above base × k is α. Memory: k is the (1−α) quantile of the daily peak ratios at the plotting
 *         position (n+1)(1−α); when α < 1/(n+1) the tail beyond the largest ratio is extrapolated (the predictive tail of
 *         an exponential fitted to the top excesses of the log ratios, with a prior pseudo-excess).
 *         Memory calibration days are whole days against a base that had a whole day in its window: the stub where a
 *         trace starts (Bitbrains: 22:00–24:00) is no day's peak, and the next day's ratio to it is no daily ratio.
 *   cap:  value ≤ the highest usage seen (CPU: base window; memory: 28 days) × the prior margin at α, so a day that
 *         jumped from idle to busy cannot multiply the value by hundreds.
 *   cold start (no calibration day yet): k = the prior margin for α (calibration.ts `priorMargin`).
 *
 * `recommend` also returns the risk target and a confidence (0..1) that predicts misses (confidence.ts `confidenceOf`):
 * it falls with few calibration days, dispersed recent ratios, a margin below 1 (CPU) and recent OOM days (memory).
 *
 * Optionally a forecast (fused Prophet/LSTM) replaces the base where it has beaten this window rule on the series' own
 * last day (forecast-choice.ts); otherwise the window result stands (Autopilot's finding: a forecaster must earn its place).
 */
import { quantileSorted } from '../../core/stats';
import { weightedQuantile, type ResourceKind, type SizingStrategy, type StrategyValue } from '../baselines/strategy';
import { cpuMargin, memoryMargin, priorMargin, type CalibrationDay } from './calibration';
import { confidenceOf } from './confidence';
import { DEFAULT_RISK } from './policy';

const DAY = 86400;

export interface MoraStrategyOptions {
  /** The risk target α (CPU: share of samples above the request; memory: share of OOM days). Default DEFAULT_RISK[kind]. */
  risk?: number;
  /** Days of completed history kept (window and calibration). */
  historyDays?: number;
  /** Days the base looks back over. */
  baseDays?: number;
  /** CPU: recency weighting of the base window, half-life in days (0 = all days weigh the same). */
  cpuHalfLifeDays?: number;
  /** Recency weighting of the calibration days, half-life in days (0 = all days weigh the same). */
  calibrationHalfLifeDays?: number;
  /** Memory: the quantile of the window's daily peaks used as the base (1 = the highest peak). */
  memoryBaseQuantile?: number;
  /** Memory: the base is at least the highest peak of this many most recent days (a step up is followed at once). */
  memoryRecentDays?: number;
}

export const MORA_DEFAULTS: Readonly<Record<ResourceKind, Required<MoraStrategyOptions>>> = {
  memory: { risk: DEFAULT_RISK.memory, historyDays: 28, baseDays: 14, cpuHalfLifeDays: 0, calibrationHalfLifeDays: 0, memoryBaseQuantile: 0.5, memoryRecentDays: 1 },
  cpu: { risk: DEFAULT_RISK.cpu, historyDays: 28, baseDays: 8, cpuHalfLifeDays: 1, calibrationHalfLifeDays: 0, memoryBaseQuantile: 1, memoryRecentDays: 0 },
};

/** What the applied value wasted (Σ max(0, value − u)) and how many samples were above it on one completed day. */
export interface TrackDay {
  waste: number;
  usage: number;
  exceeded: number;
  samples: number;
}

interface DayStats {
  start: number;
  sorted: Float64Array;
  peak: number;
  /** The samples reach both ends of the day (not the stub where a series starts or a day cut by an outage). */
  complete: boolean;
}

export interface MoraExplanation {
  base: number;
  margin: number;
  calibrationDays: number;
  windowDays: number;
  /** The risk target α the margin is calibrated to. */
  risk: number;
  /** What the calibration on the series' own past expects at base × margin (≈ α; higher where the cap bound k). */
  expected: number;
  confidence: number;
}

export class MoraStrategy implements SizingStrategy {
  readonly name = 'mora';
  private readonly days: DayStats[] = [];
  private pendingStart = NaN;
  private pendingV: number[] = [];
  private pendingFirst = NaN;
  private pendingLast = NaN;
  private readonly o: Required<MoraStrategyOptions>;
  /** Calibration days (usage relative to the base the rule had before the day), oldest first. */
  private readonly cal: CalibrationDay[] = [];
  /** What the value the rule applied wasted and exceeded on each completed day it had a value for, oldest first (a fleet budget's curve). */
  private readonly track: TrackDay[] = [];

  constructor(readonly kind: ResourceKind, options: MoraStrategyOptions = {}) {
    this.o = { ...MORA_DEFAULTS[kind], ...stripUndefined(options) };
  }

  /** The risk target α. */
  get risk(): number { return this.o.risk; }

  observe(t: ArrayLike<number>, v: ArrayLike<number>): void {
    for (let i = 0; i < t.length; i++) {
      if (!Number.isFinite(v[i])) continue;
      const day = Math.floor(t[i] / DAY) * DAY;
      if (day !== this.pendingStart) { this.closeDay(); this.pendingStart = day; this.pendingFirst = t[i]; }
      this.pendingV.push(v[i]);
      this.pendingLast = t[i];
    }
  }

  recommend(now: number): StrategyValue | undefined {
    const e = this.explain(now);
    if (!e) return undefined;
    const value = e.base * e.margin;
    // Bounds: the base (k = 1) and the value at a ten times tighter target (what a cautious user would pick).
    const upper = Math.max(value, e.base * this.marginAt(Math.max(1e-4, this.o.risk / 10)).k);
    return { value, lower: Math.min(value, e.base), upper, risk: this.o.risk, confidence: e.confidence };
  }

  /** The parts of the value, for evidence. */
  explain(now: number): MoraExplanation | undefined {
    // A day still open at `now` (samples up to now of the current day) is not complete: keep it pending.
    if (Math.floor(now / DAY) * DAY !== this.pendingStart) this.closeDay();
    const base = this.base(this.days.length, this.pendingV);
    if (!Number.isFinite(base) || base < 0) return undefined;
    const m = this.marginAt(this.o.risk);
    return {
      base, margin: m.k, calibrationDays: this.cal.length, windowDays: Math.min(this.days.length, this.o.baseDays),
      risk: this.o.risk, expected: m.expected, confidence: confidenceOf(this.kind, this.o.risk, this.cal, m.k),
    };
  }

  /**
   * What the values this rule applied on its last `days` completed days wasted and exceeded, summed (each value was
   * set before its day was seen: no lookahead). Closes a day that ended before `now` first.
   */
  trackRecord(now: number, days: number): TrackDay & { days: number; oomDays: number } {
    if (Math.floor(now / DAY) * DAY !== this.pendingStart) this.closeDay();
    const out = { days: 0, waste: 0, usage: 0, exceeded: 0, samples: 0, oomDays: 0 };
    for (const d of this.track.slice(-days)) {
      out.days++; out.waste += d.waste; out.usage += d.usage; out.exceeded += d.exceeded; out.samples += d.samples;
      if (d.exceeded > 0) out.oomDays++;
    }
    return out;
  }

  /** Expected risk at `value` for the current base, by the calibration on the series' own past (for evidence after floors/rounding). */
  expectedAt(now: number, value: number): number {
    const e = this.explain(now);
    if (!e || !(e.base > 0)) return this.o.risk;
    const k = value / e.base;
    // Cold start: nothing to measure against; the prior margin stands for the target.
    if (this.cal.length === 0) return this.o.risk;
    return this.kind === 'cpu' ? cpuMargin(this.cal, 0, this.o.calibrationHalfLifeDays, k).expected : memoryMargin(this.cal, 0, k).expected;
  }

  private marginAt(alpha: number, partial: readonly number[] = this.pendingV, base = this.base(this.days.length, partial)): { k: number; expected: number } {
    if (this.cal.length === 0) return { k: priorMargin(this.kind, alpha), expected: this.o.risk };
    const m = this.kind === 'cpu' ? cpuMargin(this.cal, alpha, this.o.calibrationHalfLifeDays) : memoryMargin(this.cal, alpha);
    // Cap: never above the highest usage seen (CPU: in the base window; memory: in the kept history) × the prior margin at α.
    // A day that jumped from idle to busy gives ratios of hundreds; multiplying the new, already raised base by them would
    // size for a level never seen.
    const cap = base > 0 ? (this.peakSeen(partial) * priorMargin(this.kind, alpha)) / base : Infinity;
    if (!(m.k > cap)) return m;
    return { k: cap, expected: this.kind === 'cpu' ? cpuMargin(this.cal, 0, this.o.calibrationHalfLifeDays, cap).expected : memoryMargin(this.cal, 0, cap).expected };
  }

  private peakSeen(partial: readonly number[]): number {
    let m = -Infinity;
    const from = this.kind === 'cpu' ? Math.max(0, this.days.length - this.o.baseDays) : 0;
    for (let i = from; i < this.days.length; i++) m = Math.max(m, this.days[i].peak);
    for (const x of partial) m = Math.max(m, x);
    return m;
  }

  private closeDay(): void {
    if (this.pendingV.length === 0) return;
    const sorted = Float64Array.from(this.pendingV).sort();
    const n = sorted.length;
    // Complete: the gaps before the first and after the last sample add up to at most two sampling steps (one sample a day:
    // the step is the day).
    const step = n > 1 ? (this.pendingLast - this.pendingFirst) / (n - 1) : DAY;
    const complete = (this.pendingFirst - this.pendingStart) + (this.pendingStart + DAY - this.pendingLast) <= 2 * step;
    const stats: DayStats = { start: this.pendingStart, sorted, peak: sorted[n - 1], complete };
    const base = this.base(this.days.length, []);
    // Days whose base was zero (an idle container) say nothing about relative growth. A calibration day must be like the
    // days it stands for: a whole day, against a base that had a whole day in its window — the stub where a trace starts
    // (two hours of night, say) is not a day's peak or a day's cycle, and ratios to it would inflate k. Memory only so far:
    // on Bitbrains CPU the day after the stub was what kept k high enough — without it 6.9% exceedance at 5% — so CPU's
    // own under-coverage (day-to-day level changes) has to be fixed first (docs/ENGINE.md § Risk).
    // What the rule applied to this day (before seeing it): its achieved risk feeds the confidence, and with its waste the
    // track record a fleet budget reads (an idle base applies 0: that day is recorded too).
    const applied = Number.isFinite(base) && base > 0 ? base * this.marginAt(this.o.risk, [], base).k : base === 0 ? 0 : NaN;
    let above = 0;
    for (let i = sorted.length - 1; i >= 0 && sorted[i] > applied; i--) above++;
    if (Number.isFinite(applied)) {
      let usage = 0, waste = 0;
      for (let i = 0; i < sorted.length; i++) { usage += sorted[i]; if (sorted[i] <= applied) waste += applied - sorted[i]; }
      this.track.push({ waste, usage, exceeded: above, samples: sorted.length });
    }
    if (Number.isFinite(base) && base > 0 && (this.kind === 'cpu' || (complete && this.hasCompleteDay(this.days.length)))) {
      const ratios = new Float64Array(sorted.length);
      for (let i = 0; i < sorted.length; i++) ratios[i] = sorted[i] / base;
      this.cal.push({ ratios, peakRatio: stats.peak / base, achieved: this.kind === 'cpu' ? above / sorted.length : above > 0 ? 1 : 0 });
    }
    this.days.push(stats);
    while (this.days.length > this.o.historyDays) this.days.shift();
    while (this.cal.length > this.o.historyDays) this.cal.shift();
    while (this.track.length > this.o.historyDays) this.track.shift();
    this.pendingV = [];
  }

  private hasCompleteDay(end: number): boolean {
    for (let i = Math.max(0, end - this.o.baseDays); i < end; i++) if (this.days[i].complete) return true;
    return false;
  }

  /** Base from the completed days before index `end`, plus `partial` samples of a day in progress (live use). */
  private base(end: number, partial: readonly number[]): number {
    const from = Math.max(0, end - this.o.baseDays);
    if (end - from < 1 && partial.length === 0) return NaN;
    if (this.kind === 'memory') {
      const peaks: number[] = [];
      for (let i = from; i < end; i++) peaks.push(this.days[i].peak);
      // The last `memoryRecentDays` completed days set a floor; a day in progress counts too, with its peak so far.
      let last = -Infinity;
      for (let i = Math.max(from, end - this.o.memoryRecentDays); i < end; i++) last = Math.max(last, this.days[i].peak);
      if (partial.length > 0) {
        let p = -Infinity;
        for (const x of partial) p = Math.max(p, x);
        peaks.push(p);
        if (this.o.memoryRecentDays > 0) last = Math.max(last, p);
      }
      peaks.sort((a, b) => a - b);
      return Math.max(last, quantileSorted(peaks, this.o.memoryBaseQuantile));
    }
    const q = 1 - this.o.risk;
    const hl = this.o.cpuHalfLifeDays;
    if (hl > 0) {
      // Weighted quantile over whole days: yesterday weighs 2^(-1/hl), the day before 2^(-2/hl)...; a partial day weighs 1.
      const v: number[] = [], w: number[] = [];
      for (let i = from; i < end; i++) { const wi = Math.pow(2, -(end - i) / hl); for (const x of this.days[i].sorted) { v.push(x); w.push(wi); } }
      for (const x of partial) { v.push(x); w.push(1); }
      return weightedQuantile(v, w, q);
    }
    let n = partial.length;
    for (let i = from; i < end; i++) n += this.days[i].sorted.length;
    const all = new Float64Array(n);
    let k = 0;
    for (let i = from; i < end; i++) { all.set(this.days[i].sorted, k); k += this.days[i].sorted.length; }
    for (const x of partial) all[k++] = x;
    all.sort();
    return quantileSorted(all, q);
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
