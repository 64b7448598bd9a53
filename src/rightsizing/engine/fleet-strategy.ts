/**
 * One workload's side of a fleet risk budget (fleet-risk.ts): MOrA's rule kept at every grid target at once, so that on
 * any day it can say what each target's value wasted on the workload's own recent past (its curve) and give the value
 * at whatever target the fleet allots it. Every rule sees only the samples observed so far.
 */
import { clean, slice, type Series } from '../../core/series';
import type { ResourceKind, StrategyValue } from '../baselines/strategy';
import { allocateFleetRisk, FLEET_GRID, type FleetAllocation, type FleetBudget, type FleetCurvePoint } from './fleet-risk';
import { MoraStrategy, type MoraStrategyOptions } from './mora-strategy';

export interface FleetCurveOptions {
  /** Days of the workload's own track record its curve is read from (most recent first). */
  lookbackDays?: number;
  /** Fewer recorded days than this: no curve yet (the member is held at the fleet target). */
  minDays?: number;
  /**
   * Where a curve point's waste comes from: 'track' — what each target's values wasted on the recorded days; 'predicted' —
   * what each target's margin of today would have wasted on them (MoraStrategy.predictedWaste), recent days weighted by
   * `halfLifeDays` (0: equally). docs/BENCHMARKS.md § Fleet risk budget, "Knowing which days will be spiky".
   */
  curveSource?: 'track' | 'predicted';
  halfLifeDays?: number;
}

/**
 * Lookback chosen on Bitbrains CPU only (docs/BENCHMARKS.md § Fleet risk budget; the other groups are held out): 28 days,
 * the whole kept history (waste at VPA's point 0.97× VPA's; 14 days 0.98×, 7 days 1.00×; the fleet mean at 5%: 5.25%,
 * 5.74%, 5.35%). Three recorded days before a curve counts: fewer say little about which targets pay.
 */
export const FLEET_CURVE_DEFAULTS: Required<FleetCurveOptions> = { lookbackDays: 28, minDays: 3, curveSource: 'track', halfLifeDays: 0 };

export class FleetMemberStrategy {
  /** The targets the curve is kept at, ascending. */
  readonly grid: number[];
  private readonly rules: MoraStrategy[];
  /** Each rule's value for `cachedAt` (several fleet targets ask on the same day). */
  private cachedAt = NaN;
  private cache: Array<StrategyValue | undefined | null> = [];

  /** The rules fed the samples: the lowest target's, whose monotone chain holds the others (mora-strategy.ts), or each rule. */
  private readonly fed: MoraStrategy[];

  constructor(readonly kind: ResourceKind, mora: MoraStrategyOptions = {}, grid: readonly number[] = FLEET_GRID) {
    this.grid = [...new Set(grid)].sort((a, b) => a - b);
    // A monotone rule reads the rules of the targets above it (MONOTONE_GRID): where they are this grid's, share them
    // (one replay per target, not one chain per target).
    const head = new MoraStrategy(kind, { ...mora, risk: this.grid[0] });
    const chain = head.chain();
    const shared = this.grid.map((g) => chain.find((r) => Math.abs(r.risk - g) <= 1e-12 * g));
    if (shared.every((r): r is MoraStrategy => r !== undefined)) { this.rules = shared; this.fed = [head]; }
    else { this.rules = this.grid.map((risk) => new MoraStrategy(kind, { ...mora, risk })); this.fed = this.rules; }
  }

  observe(t: ArrayLike<number>, v: ArrayLike<number>): void {
    for (const r of this.fed) r.observe(t, v);
  }

  /** The curve at `now`: per grid target, its values' waste / usage and achieved risk over the last days; undefined before minDays. */
  curve(now: number, options: FleetCurveOptions = {}): FleetCurvePoint[] | undefined {
    const o = { ...FLEET_CURVE_DEFAULTS, ...options };
    const out: FleetCurvePoint[] = [];
    let used = 0;
    for (let i = 0; i < this.rules.length; i++) {
      const tr = this.rules[i].trackRecord(now, o.lookbackDays);
      if (tr.days < o.minDays) return undefined;
      used += tr.usage;
      const predicted = o.curveSource === 'predicted' ? this.rules[i].predictedWaste(now, o.lookbackDays, o.halfLifeDays) : NaN;
      out.push({
        target: this.grid[i],
        waste: Number.isFinite(predicted) ? predicted : tr.usage > 0 ? tr.waste / tr.usage : 0,
        risk: this.kind === 'cpu' ? (tr.samples ? tr.exceeded / tr.samples : 0) : tr.oomDays / tr.days,
      });
    }
    // No usage on the recorded days: every target "wastes" 0 of nothing, and the allocation would hand the workload the
    // lowest target and its share of the budget to the others (with one idle workload of N, the others run at N/(N−1)
    // the budget). Without a curve it is held at the fleet target and spends exactly its share.
    return used > 0 ? out : undefined;
  }

  /**
   * The value at `target`: the rule at that grid target, or between two grid targets the values interpolated in log
   * (the allocation puts at most one member of the fleet between grid targets on a day).
   */
  recommendAt(now: number, target: number): StrategyValue | undefined {
    const g = this.grid;
    let i = 0;
    while (i < g.length - 1 && g[i + 1] <= target) i++;
    const a = this.ruleValue(i, now);
    if (!a || g[i] >= target || i === g.length - 1) return a && { ...a, risk: target };
    const b = this.ruleValue(i + 1, now);
    if (!b) return { ...a, risk: target };
    const f = (target - g[i]) / (g[i + 1] - g[i]);
    const mix = (x: number, y: number): number => (x > 0 && y > 0 ? Math.exp((1 - f) * Math.log(x) + f * Math.log(y)) : (1 - f) * x + f * y);
    const value = mix(a.value, b.value);
    return {
      value, lower: Math.min(value, a.lower, b.lower), upper: Math.max(value, a.upper, b.upper), risk: target,
      ...(a.confidence !== undefined && b.confidence !== undefined ? { confidence: (1 - f) * a.confidence + f * b.confidence } : {}),
    };
  }

  private ruleValue(i: number, now: number): StrategyValue | undefined {
    if (now !== this.cachedAt) { this.cachedAt = now; this.cache = this.rules.map(() => null); }
    if (this.cache[i] === null) this.cache[i] = this.rules[i].recommend(now);
    return this.cache[i] ?? undefined;
  }
}

/** One resource of one workload in a live fleet: its usage over the history the engine reads. */
export interface FleetUsage {
  usage: Series;
}

/**
 * The live allocation (`mora recommend --risk-scope fleet`): each workload's curve from its own history up to `now`
 * (the same days the engine sizes from), then each one's target for the fleet budget. Workloads with fewer than
 * `minDays` completed days are held at the fleet target.
 */
export function allocateFleet(kind: ResourceKind, members: readonly FleetUsage[], budget: FleetBudget, now: number, options: FleetCurveOptions & { mora?: MoraStrategyOptions; historyDays?: number } = {}): FleetAllocation {
  const curves = members.map((m) => {
    const s = new FleetMemberStrategy(kind, options.mora);
    // The days the engine sizes from (policy.historyDays); samples of the day in progress stay pending, not a completed day.
    const usage = options.historyDays ? clean(slice(m.usage, now - options.historyDays * 86400, now)).series : m.usage;
    s.observe(usage.t, usage.v);
    return { curve: s.curve(now, options) };
  });
  return allocateFleetRisk(curves, budget);
}
