/**
 * MOrA's sizing rule for one container resource, as a strategy the backtest replays exactly like VPA/KRR/Autopilot.
 *
 *   value = base × k
 *   memory: base = highest daily peak of the last `baseDays` (14) days: a robust recent peak over two weekly cycles;
 *           k is learned from the series itself by split-conformal calibration: each past day j gives the ratio
 *           peak_j / base_j, where base_j is what the rule said before day j; k is the ⌈(n+1)(1−α)⌉-th smallest ratio
 *           (α = 0.05), so about 95% of past days would have been covered; with few days this is the largest growth seen.
 *           k stays within [1.05, 1.4] so one freak day cannot multiply the limit.
 *   cpu:    base = p95 of the last 8 days with recency weights (half-life 12 h, Autopilot's CPU half-life); k = 1.05.
 *           The same conformal margin was tried for CPU and did no better than a fixed 5% in the backtest.
 *
 * Optionally a forecast (fused Prophet/LSTM) replaces the base where it has beaten this window rule on the series' own
 * last day (forecast-choice.ts); otherwise the window result stands (Autopilot's finding: a forecaster must earn its place).
 */
import type { Bounded } from '../../core/recommendation';
import { quantileSorted } from '../../core/stats';
import { weightedQuantile, type ResourceKind, type SizingStrategy } from '../baselines/strategy';

const DAY = 86400;

export interface MoraStrategyOptions {
  /** Days of completed history kept (window and calibration). */
  historyDays?: number;
  /** Days the base looks back over. */
  baseDays?: number;
  /** CPU: quantile of the window's samples used as the base. */
  cpuQuantile?: number;
  /** CPU: quantile of a day's samples the margin is calibrated to cover. */
  cpuCoverQuantile?: number;
  /** Share of past days allowed to exceed base × k during calibration. */
  alpha?: number;
  /** k ≥ 1 + minMargin. */
  minMargin?: number;
  /** k ≤ maxMargin (a cap on the learned growth, so one freak day cannot multiply the request). */
  maxMargin?: number;
  /** Margin used before any calibration day exists. */
  coldMargin?: number;
  /** CPU: recency weighting of the window, half-life in days (0 = all days weigh the same). */
  cpuHalfLifeDays?: number;
}

export const MORA_DEFAULTS: Readonly<Record<ResourceKind, Required<MoraStrategyOptions>>> = {
  memory: { historyDays: 28, baseDays: 14, cpuQuantile: 1, cpuCoverQuantile: 1, alpha: 0.05, minMargin: 0.05, maxMargin: 1.4, coldMargin: 0.2, cpuHalfLifeDays: 0 },
  // CPU: the learned margin did not beat a fixed one in the backtest (docs/ENGINE.md), so min = max pins it at +5%.
  cpu: { historyDays: 28, baseDays: 8, cpuQuantile: 0.95, cpuCoverQuantile: 0.95, alpha: 0.3, minMargin: 0.05, maxMargin: 1.05, coldMargin: 0.05, cpuHalfLifeDays: 0.5 },
};

interface DayStats {
  start: number;
  sorted: Float64Array;
  peak: number;
}

export interface MoraExplanation {
  base: number;
  margin: number;
  calibrationDays: number;
  windowDays: number;
}

export class MoraStrategy implements SizingStrategy {
  readonly name = 'mora';
  private readonly days: DayStats[] = [];
  private pendingStart = NaN;
  private pendingV: number[] = [];
  private readonly o: Required<MoraStrategyOptions>;
  /** Past ratios need/base, oldest first. */
  private readonly ratios: number[] = [];

  constructor(readonly kind: ResourceKind, options: MoraStrategyOptions = {}) {
    this.o = { ...MORA_DEFAULTS[kind], ...stripUndefined(options) };
  }

  observe(t: ArrayLike<number>, v: ArrayLike<number>): void {
    for (let i = 0; i < t.length; i++) {
      if (!Number.isFinite(v[i])) continue;
      const day = Math.floor(t[i] / DAY) * DAY;
      if (day !== this.pendingStart) { this.closeDay(); this.pendingStart = day; }
      this.pendingV.push(v[i]);
    }
  }

  recommend(now: number): Bounded | undefined {
    const e = this.explain(now);
    if (!e) return undefined;
    const value = e.base * e.margin;
    return { value, lower: e.base, upper: Math.max(value, e.base * this.o.maxMargin) };
  }

  /** The parts of the value, for evidence. */
  explain(now: number): MoraExplanation | undefined {
    // A day still open at `now` (samples up to now of the current day) is not complete: keep it pending.
    if (Math.floor(now / DAY) * DAY !== this.pendingStart) this.closeDay();
    const base = this.base(this.days.length, this.pendingV);
    if (!Number.isFinite(base) || base < 0) return undefined;
    return { base, margin: this.margin(), calibrationDays: this.ratios.length, windowDays: Math.min(this.days.length, this.o.baseDays) };
  }

  private closeDay(): void {
    if (this.pendingV.length === 0) return;
    const sorted = Float64Array.from(this.pendingV).sort();
    const stats: DayStats = { start: this.pendingStart, sorted, peak: sorted[sorted.length - 1] };
    const base = this.base(this.days.length, []);
    const need = this.kind === 'memory' ? stats.peak : quantileSorted(sorted, this.o.cpuCoverQuantile);
    // Days whose base was zero (an idle container) say nothing about relative growth.
    if (Number.isFinite(base) && base > 0) this.ratios.push(need / base);
    this.days.push(stats);
    while (this.days.length > this.o.historyDays) this.days.shift();
    while (this.ratios.length > this.o.historyDays) this.ratios.shift();
    this.pendingV = [];
  }

  /** Base from the completed days before index `end`, plus `partial` samples of a day in progress (live use). */
  private base(end: number, partial: readonly number[]): number {
    const from = Math.max(0, end - this.o.baseDays);
    if (end - from < 1 && partial.length === 0) return NaN;
    if (this.kind === 'memory') {
      let m = -Infinity;
      for (let i = from; i < end; i++) m = Math.max(m, this.days[i].peak);
      for (const x of partial) m = Math.max(m, x);
      return m;
    }
    const hl = this.o.cpuHalfLifeDays;
    if (hl > 0) {
      // Weighted quantile over whole days: yesterday weighs 2^(-1/hl), the day before 2^(-2/hl)...; a partial day weighs 1.
      const v: number[] = [], w: number[] = [];
      for (let i = from; i < end; i++) { const wi = Math.pow(2, -(end - i) / hl); for (const x of this.days[i].sorted) { v.push(x); w.push(wi); } }
      for (const x of partial) { v.push(x); w.push(1); }
      return weightedQuantile(v, w, this.o.cpuQuantile);
    }
    let n = partial.length;
    for (let i = from; i < end; i++) n += this.days[i].sorted.length;
    const all = new Float64Array(n);
    let k = 0;
    for (let i = from; i < end; i++) { all.set(this.days[i].sorted, k); k += this.days[i].sorted.length; }
    for (const x of partial) all[k++] = x;
    all.sort();
    return quantileSorted(all, this.o.cpuQuantile);
  }

  /** Split-conformal multiplier: the ⌈(n+1)(1−α)⌉-th smallest past ratio (the largest when n is small). */
  private margin(): number {
    const n = this.ratios.length;
    const lo = 1 + this.o.minMargin;
    if (n === 0) return Math.min(this.o.maxMargin, Math.max(lo, 1 + this.o.coldMargin));
    const r = [...this.ratios].sort((a, b) => a - b);
    const rank = Math.min(n, Math.ceil((n + 1) * (1 - this.o.alpha)));
    return Math.min(this.o.maxMargin, Math.max(lo, r[rank - 1]));
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
