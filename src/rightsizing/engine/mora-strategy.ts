/**
 * MOrA's sizing rule for one container resource, as a strategy the backtest replays exactly like VPA/KRR/Autopilot.
 * It is calibrated to a risk target α (docs/ENGINE.md § Risk): CPU — the share of samples above the request;
 * memory — the share of days whose peak goes above the limit (an OOM day).
 *
 *   value = base × k(α)
 *   base: cpu    — a quantile of the last 8 days' samples, recent hours weighted most (half-life 24 h): for tail targets the
 *                  body quantile 1 − 2α, never below p90 (p90 at 5%), from 10% up the (1−α) quantile; k carries the tail;
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
 *   adaptive level (option `aci`, CPU, off by default): k is read at a working level α_t that each completed day moves by
 *         the series' own miss of the value applied (aci.ts, adaptive conformal inference), not at α itself.
 *   knee rule (option `cpuRule: 'knee'`, CPU, off by default): per day the value minimising the window's predicted relative
 *         waste + λ × its predicted share above, λ calibrated on the series' own past days (knee.ts); where no λ keeps α the
 *         margin stands.
 *   monotone (option `monotone`, CPU, on by default): a stricter target never gives less — the value is the highest of its
 *         own and the values of the same rule at the targets of MONOTONE_GRID above α on the same history (the base's
 *         quantile depends on α, and on a two-level series so does which level each past day's base sat in).
 *
 * `recommend` also returns the risk target and a confidence (0..1) that predicts misses (confidence.ts `confidenceOf`):
 * CPU — the series' own past days' record at today's k (kept or missed), averaged over recency half-lives and the weekday
 * by how well each predicted those days; memory — few calibration days, dispersed recent peak ratios, recent OOM days.
 *
 * Optionally a forecast (fused Prophet/LSTM) replaces the base where it has beaten this window rule on the series' own
 * last day (forecast-choice.ts); otherwise the window result stands (Autopilot's finding: a forecaster must earn its place).
 */
import { quantileSorted } from '../../core/stats';
import { seasonalMedianAt } from '../../ml/seasonal-baseline';
import { weightedQuantile, weightedQuantileOfRuns, type ResourceKind, type SizingStrategy, type StrategyValue } from '../baselines/strategy';
import { CALIBRATION_INTERNALS, cpuMargin, memoryMargin, priorMargin, type CalibrationDay } from './calibration';
import { AdaptiveLevel, ACI_CLAMP, ACI_GAMMA } from './aci';
import { confidenceOf } from './confidence';
import { fleetTailDays, pooledCpuMargin, type FleetTail } from './fleet-tail';
import { calibrateKnee, kneeCurve, kneeValue, type KneeCurve, type KneeDay } from './knee';
import { DEFAULT_RISK } from './policy';

const DAY = 86400;
const day0 = (t: number): number => Math.floor(t / DAY) * DAY;

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
  /**
   * CPU: condition the base on the day of the week — the same weekday's days of the kept history (weighted by weeks ago)
   * instead of the last `baseDays` — on the days where the series' own past says the weekly base predicted a day's
   * (1−α) quantile better than the window did (docs/ENGINE.md § Risk, "Knowing which days will be spiky"). Off by default.
   */
  cpuWeekly?: boolean;
  /** How the weekly base earns its place: 'paired' — its mean gain is > 2 standard errors; 'mean' — any mean gain. */
  weeklyTest?: 'paired' | 'mean';
  /**
   * CPU: where the base comes from. 'window' — the (1−α) quantile of the recent samples (above); 'seasonal' — the (1−α)
   * quantile of a forecast of the day, the seasonal baseline's median of the same time of day over the last
   * `seasonalDays` days (src/ml/seasonal-baseline.ts), so the conformal k is the series' own realised / forecast ratio.
   * Days of unequal sample counts, or not whole, fall back to the window. Off by default (docs/ENGINE.md § Risk).
   */
  cpuBase?: 'window' | 'seasonal';
  /** Days of the seasonal base's median (1 = yesterday's profile, seasonal-naive). */
  seasonalDays?: number;
  /**
   * CPU: the window base's quantile is 1 − this × α (never below the median; default 2, with `cpuBaseQuantile` 0.9; 1 = the (1−α) quantile). Above 1 the
   * base sits in the body of the distribution and k carries the tail, so days whose tail is thicker than the body says
   * take more of the risk, as VPA's p90 × 1.15 lets them (docs/ENGINE.md § Risk, "Knowing which days will be spiky").
   */
  cpuBaseRiskFactor?: number;
  /**
   * CPU: a floor on the window base's quantile (0 = none; never above 1 − α): with a large factor, the base is this body quantile.
   * Default 0.9: the body base only for tail targets (α < 10%); NAB's short series ran out of bounds at 15–20% with p60–p70 bases.
   */
  cpuBaseQuantile?: number;
  /**
   * Adaptive conformal inference (aci.ts; Gibbs & Candès 2021): k is read at a working level α_t that each completed day
   * moves by the series' own realised miss of the value applied (CPU: its share of samples above; memory: an OOM day), so
   * the series' long-run miss rate is held at α under any shift. CPU only (memory with `aciMemory`); off by default: it
   * tightens each series' calibration but costs waste at the same risk on every group (docs/ENGINE.md § Risk, "Adaptive level").
   */
  aci?: boolean;
  /**
   * Memory too: an OOM day is one event, and a 1% target repays one with ~100 safe days, so on 2–4 weeks of days the level
   * only swings (cluster memory at 1%: 4.55% OOM days with it, 0 without). For measurement only.
   */
  aciMemory?: boolean;
  /** ACI step γ of α_{t+1} = α_t + γ(α − err_t) (default ACI_GAMMA, derived in aci.ts). */
  aciGamma?: number;
  /** ACI clamp: the working level stays within [α / this, min(ACI_MAX_LEVEL, α × this)] (default ACI_CLAMP). */
  aciClamp?: number;
  /**
   * CPU: borrow the tail from the fleet (fleet-tail.ts): k is read off the mixture of the series' own calibration ratios,
   * weighted n/(n + n0), and the other workloads' (a FleetTail given to the constructor), so a series with few days does
   * not size as if its days could never do worse than they have. Without a FleetTail it changes nothing. Off by default
   * (docs/ENGINE.md § Risk, "Borrowing the fleet's tail").
   */
  fleetTail?: boolean;
  /** n0 of the shrinkage in days (0 = 1/α − 1, the days at which an event of probability α is identifiable). */
  fleetTailDays?: number;
  /**
   * CPU: the cold-start prior margin counts as this many calibration days — log k = (n · log k_own + n0 · log k_prior) / (n + n0)
   * over n calibration days — so one or two days cannot set k alone (a quiet day after busy ones gives k < 1 and the next busy
   * day runs far above the target), and with no day it is the prior itself. 0 = the series' own k only (the rule before
   * 2026-11-29). Not applied with `fleetTail`, whose mixture already leans on the other workloads.
   */
  cpuPriorDays?: number;
  /**
   * CPU: how the value is set from the window. 'margin' — base × k (above); 'knee' — per day, the value minimising the
   * expected waste (relative to the expected usage) + λ × the expected share of samples above, both read off the base
   * window's samples with its recency weights, λ calibrated on the series' own past days as k is (knee.ts), so a day whose
   * predicted tail is flat carries more of the misses and one with a sharp top fewer. The cap, the cold start and the prior
   * days stay as they are; `fleetTail` is not read. Default 'margin' (docs/ENGINE.md § Risk, "Knee rule").
   */
  cpuRule?: 'margin' | 'knee';
  /** The knee rule's predictive days: 0 = the base window with its recency weights; n = the last n days, equally weighted. */
  kneeDays?: number;
  /**
   * The knee rule never sizes a day below the value its own prediction expects this × α above (0 = no bound): where a
   * window's hull is nearly straight the unbounded knee is all or nothing, a day fully covered or fully exposed.
   */
  kneeMaxRiskFactor?: number;
  /**
   * CPU: a stricter target never gives a lower value for the same history. The value at α is the largest of its own and
   * the values of the same rule at every target of MONOTONE_GRID above α, each replayed on the same samples with its own
   * calibration (the base is read at a quantile that depends on α, and on a series whose usage has two levels the base at
   * one target can sit in the lower level where the next target's sits in the upper, each k calibrated on a different mix
   * of such days: bitbrains_95 at 2% / 3%, 254 / 1,220 MHz). Costs one more replay of the rule per grid target above α
   * (7 at 5%), with the chain's window quantiles, day sorts, calibration ratios and margins shared (windowQuantiles, margins). Default true for CPU; memory's base and cap do not depend on α and its k, prior and cap all fall as α
   * rises, so it is monotone without (false). Not with `fleetTail` (the other targets' pools are not at hand).
   * docs/ENGINE.md § Risk, "A stricter target never gives less".
   */
  monotone?: boolean;
}

/**
 * The targets a value is held monotone over (option `monotone`): the fleet budget's grid and the frontier's CPU grid
 * (src/rightsizing/backtest/frontier.ts, with 40%), so every target either replays is non-increasing in the target.
 */
export const MONOTONE_GRID: readonly number[] = [0.001, 0.002, 0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5];

export const MORA_DEFAULTS: Readonly<Record<ResourceKind, Required<MoraStrategyOptions>>> = {
  memory: { risk: DEFAULT_RISK.memory, historyDays: 28, baseDays: 14, cpuHalfLifeDays: 0, calibrationHalfLifeDays: 0, memoryBaseQuantile: 0.5, memoryRecentDays: 1, cpuWeekly: false, weeklyTest: 'paired', cpuBase: 'window', seasonalDays: 3, cpuBaseQuantile: 0, cpuBaseRiskFactor: 1, aci: false, aciMemory: false, aciGamma: ACI_GAMMA, aciClamp: ACI_CLAMP, fleetTail: false, fleetTailDays: 0, cpuPriorDays: 0, cpuRule: 'margin', kneeDays: 0, kneeMaxRiskFactor: 0, monotone: false },
  cpu: { risk: DEFAULT_RISK.cpu, historyDays: 28, baseDays: 8, cpuHalfLifeDays: 1, calibrationHalfLifeDays: 0, memoryBaseQuantile: 1, memoryRecentDays: 0, cpuWeekly: false, weeklyTest: 'paired', cpuBase: 'window', seasonalDays: 3, cpuBaseQuantile: 0.9, cpuBaseRiskFactor: 2, aci: false, aciMemory: false, aciGamma: ACI_GAMMA, aciClamp: ACI_CLAMP, fleetTail: false, fleetTailDays: 0, cpuPriorDays: 1, cpuRule: 'margin', kneeDays: 0, kneeMaxRiskFactor: 0, monotone: true },
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
  /** The value the rule applied to the day (set before it; NaN: none). */
  applied: number;
  /** The day's samples in time order (kept only for the seasonal base). */
  ordered?: Float64Array;
  /** |log(the day's base quantile / base)| for the window base and the weekly base set before the day (NaN: none). */
  errWindow: number;
  errWeekly: number;
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
  /** The level k was read at: α, or with ACI the working level α_t the series' own misses moved it to. */
  level: number;
  /** What the calibration on the series' own past expects at base × margin (≈ α; higher where the cap bound k). */
  expected: number;
  /**
   * Set when the cap bound the margin (the highest usage seen × the prior margin at α, over the base): k is lower than
   * the calibration asked for, and `expected` is the risk that leaves, above α.
   */
  capped?: boolean;
  confidence: number;
  /** CPU: the quantile of the window's usage the base is read at (a forecast standing in for the base is read at the same one). */
  baseQuantile?: number;
  /**
   * Set when a less strict target of MONOTONE_GRID gave a higher value on the same history and the margin was raised to it
   * (option `monotone`): that target and the value the rule alone gave here.
   */
  lifted?: { target: number; from: number };
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
  /** The working level k is read at (ACI), or undefined: k is read at α. */
  private readonly adaptive?: AdaptiveLevel;
  /** With `cpuRule: 'knee'`: per calibration day (aligned with `cal`), the knee curve of the window before it and its samples. */
  private readonly kneeCal: Array<KneeDay | undefined> = [];
  /** The last knee curve built (the window before day index `end`, no partial day), reused within a day. */
  private kneeCache?: { key: string; curve: KneeCurve | undefined };
  /** Called with each calibration day as it is made (the day's start and its ratios, ascending): how a fleet pool is filled. */
  onCalibrationDay?: (day: number, ratios: Float64Array) => void;
  /**
   * Option `monotone`: the same rule at the next target of MONOTONE_GRID above α, itself monotone (so a chain up to 50%),
   * fed the same samples before this one.
   */
  private readonly above?: MoraStrategy;
  /** explain(now)'s last answer, until the next sample or closed day. */
  private explained?: { now: number; version: number; e: MoraExplanation | undefined };
  private version = 0;
  /**
   * The recency-weighted window's quantiles, shared by a monotone chain: its rules keep the same days and weigh them
   * alike, so each window is walked once for every quantile the chain reads (its bases and tails), not once per rule and
   * read.
   */
  private windowQuantiles: WindowQuantiles;
  /** CPU margins read off the calibration days as they are (`calVersion`), by level: a day's close reads the level the day before's value read. */
  private readonly margins = new Map<number, { k: number; expected: number }>();
  private calVersion = 0;
  private marginsVersion = -1;

  /** `fleet`: the other workloads' calibration ratios, read when `fleetTail` is on (CPU). */
  constructor(readonly kind: ResourceKind, options: MoraStrategyOptions = {}, private readonly fleet?: FleetTail) {
    this.o = { ...MORA_DEFAULTS[kind], ...stripUndefined(options) };
    if (this.o.aci && (kind === 'cpu' || this.o.aciMemory)) this.adaptive = new AdaptiveLevel(this.o.risk, this.o.aciGamma, this.o.aciClamp);
    const next = MONOTONE_GRID.find((g) => g > this.o.risk * (1 + 1e-9));
    if (this.o.monotone && next !== undefined && !(this.o.fleetTail && fleet)) this.above = new MoraStrategy(kind, { ...options, risk: next, monotone: true });
    this.windowQuantiles = this.above?.windowQuantiles ?? { key: '', values: new Map(), levels: [] };
    const levels = new Set(this.windowQuantiles.levels);
    levels.add(this.baseQuantile());
    levels.add(1 - this.o.risk);
    this.windowQuantiles.levels = [...levels].sort((a, b) => b - a);
  }

  /** The level k is read at: the target α, or ACI's working level. */
  private get level(): number { return this.adaptive?.level ?? this.o.risk; }

  /** The risk target α. */
  get risk(): number { return this.o.risk; }

  /** This rule and, with `monotone`, the rules at the targets above it it reads, ascending target (one replay each). */
  chain(): MoraStrategy[] {
    return [this, ...(this.above?.chain() ?? [])];
  }

  observe(t: ArrayLike<number>, v: ArrayLike<number>): void {
    if (this.above) {
      // One day at a time, the rule above first: when this rule closes a day, that one has closed it too (closeDay reads
      // the value it applied to it).
      for (let i = 0; i < t.length;) {
        const d = day0(t[i]);
        let j = i + 1;
        while (j < t.length && day0(t[j]) === d) j++;
        if (CALIBRATION_INTERNALS.unshared) {
          const tt = Array.prototype.slice.call(t, i, j) as number[], vv = Array.prototype.slice.call(v, i, j) as number[];
          this.above.observe(tt, vv);
          this.observeOwn(tt, vv);
        } else {
          this.observeDay(t, v, i, j);
        }
        i = j;
      }
      return;
    }
    this.observeOwn(t, v);
  }

  /** Samples [from, to) of one day, to the chain top first (observe). */
  private observeDay(t: ArrayLike<number>, v: ArrayLike<number>, from: number, to: number): void {
    this.above?.observeDay(t, v, from, to);
    this.observeOwn(t, v, from, to, true);
  }

  /** `oneDay`: every sample of [from, to) is of the same day (observe's split), so the day is checked at the first. */
  private observeOwn(t: ArrayLike<number>, v: ArrayLike<number>, from = 0, to = t.length, oneDay = false): void {
    this.version++;
    if (oneDay && !CALIBRATION_INTERNALS.unshared) {
      let i = from;
      while (i < to && !Number.isFinite(v[i])) i++;
      if (i === to) return;
      const day = Math.floor(t[i] / DAY) * DAY;
      if (day !== this.pendingStart) { this.closeDay(); this.pendingStart = day; this.pendingFirst = t[i]; }
      const pv = this.pendingV;
      let last = i;
      for (; i < to; i++) if (Number.isFinite(v[i])) { pv.push(v[i]); last = i; }
      this.pendingLast = t[last];
      return;
    }
    for (let i = from; i < to; i++) {
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
    const day = Math.floor(now / DAY) * DAY;
    const upper = Math.max(value, e.base * this.marginAt(Math.max(1e-4, this.level / 10), this.pendingV, e.base, day).k);
    return { value, lower: Math.min(value, e.base), upper, risk: this.o.risk, confidence: e.confidence };
  }

  /** The parts of the value, for evidence. */
  explain(now: number): MoraExplanation | undefined {
    // A day still open at `now` (samples up to now of the current day) is not complete: keep it pending.
    if (Math.floor(now / DAY) * DAY !== this.pendingStart) this.closeDay();
    const c = this.explained;
    if (c && c.now === now && c.version === this.version) return c.e;
    const e = this.explainNow(now);
    this.explained = { now, version: this.version, e };
    return e;
  }

  private explainNow(now: number): MoraExplanation | undefined {
    const day = Math.floor(now / DAY) * DAY;
    const base = this.base(this.days.length, this.pendingV, day);
    if (!Number.isFinite(base) || base < 0) return undefined;
    let m: { k: number; expected: number; capped?: boolean } = this.marginAt(this.level, this.pendingV, base, day);
    // A stricter target never gives less (option `monotone`): the value is raised to the highest of the targets above.
    let lifted: MoraExplanation['lifted'];
    const up = base > 0 ? this.above?.explain(now) : undefined;
    if (up && up.base * up.margin > base * m.k) {
      const best = up.base * up.margin;
      lifted = { target: up.lifted?.target ?? up.risk, from: base * m.k };
      // The risk stated for the raised value is this target's own calibration's at it (docs/ENGINE.md § Risk): the raise
      // only moves the value up, so it states no more than the unraised value did. The target it came from may state
      // more for the same value: its margin is calibrated on ratios to its own (α-dependent) bases.
      m = { k: best / base, expected: this.cal.length > 0 ? this.marginOf(0, day, best / base).expected : this.o.risk };
    }
    return {
      base, margin: m.k, calibrationDays: this.cal.length, windowDays: Math.min(this.days.length, this.o.baseDays),
      risk: this.o.risk, level: this.level, expected: m.expected, ...(m.capped ? { capped: true } : {}), confidence: confidenceOf(this.kind, this.o.risk, this.cal, m.k),
      ...(this.kind === 'cpu' ? { baseQuantile: this.baseQuantile() } : {}),
      ...(lifted ? { lifted } : {}),
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

  /**
   * What today's margin would have wasted on the calibration days (waste / usage, both relative to each day's base),
   * days weighted 2^(−age / halfLifeDays) (0: equally): a curve point conditioned on the rule as it is now, where the
   * track record holds the margins of past days. NaN before any calibration day.
   */
  predictedWaste(now: number, days: number, halfLifeDays: number): number {
    const e = this.explain(now);
    if (!e || this.cal.length === 0) return NaN;
    const cal = this.cal.slice(-days);
    let waste = 0, usage = 0;
    cal.forEach((d, j) => {
      const w = halfLifeDays > 0 ? Math.pow(2, -(cal.length - 1 - j) / halfLifeDays) : 1;
      let dw = 0, du = 0;
      for (const r of d.ratios) { du += r; if (r < e.margin) dw += e.margin - r; }
      waste += w * dw; usage += w * du;
    });
    return usage > 0 ? waste / usage : NaN;
  }

  /**
   * Expected risk at `value` for the current base, by this target's own calibration on the series' own past (for
   * evidence after floors/rounding, raised values included: docs/ENGINE.md § Risk). A value given by a forecast is read
   * in the window's frame by the caller (value × window base / the need the forecast stood in for).
   */
  expectedAt(now: number, value: number): number {
    const e = this.explain(now);
    if (!e || !(e.base > 0)) return this.o.risk;
    const k = value / e.base;
    // Cold start: nothing to measure against; the prior margin stands for the target.
    if (this.cal.length === 0) return this.o.risk;
    return this.marginOf(0, day0(now), k).expected;
  }

  /**
   * This rule and, with `monotone`, the rules above it at `now` (ascending target): each one's own margin (before its
   * raise to the targets above) and the value it gives (after). What a forecast's need is multiplied by (resource.ts):
   * the highest of the chain's values keeps the forecast's value non-increasing in the target as the window's is.
   */
  chainAt(now: number): Array<{ risk: number; margin: number; value: number }> {
    const out: Array<{ risk: number; margin: number; value: number }> = [];
    for (const r of this.chain()) {
      const e = r.explain(now);
      if (!e) break;
      out.push({ risk: r.risk, margin: e.lifted && e.base > 0 ? e.lifted.from / e.base : e.margin, value: e.base * e.margin });
    }
    return out;
  }

  /** The calibration's margin at level alpha (or its expected risk at atK): the series' own, or mixed with the fleet's tail. */
  private marginOf(alpha: number, day: number, atK?: number): { k: number; expected: number } {
    if (this.kind === 'memory') return memoryMargin(this.cal, alpha, atK);
    const fleet = this.fleet;
    if (this.o.fleetTail && fleet) {
      // n0 from the target (the level read only moves with ACI).
      return pooledCpuMargin(this.cal, alpha, (x) => fleet.above(x, day), fleetTailDays(this.o.risk, this.o.fleetTailDays), atK);
    }
    if (atK !== undefined || CALIBRATION_INTERNALS.unshared) return cpuMargin(this.cal, alpha, this.o.calibrationHalfLifeDays, atK);
    if (this.marginsVersion !== this.calVersion) { this.margins.clear(); this.marginsVersion = this.calVersion; }
    let m = this.margins.get(alpha);
    if (!m) { m = cpuMargin(this.cal, alpha, this.o.calibrationHalfLifeDays); this.margins.set(alpha, m); }
    return { ...m };
  }

  private marginAt(alpha: number, partial: readonly number[] = this.pendingV, base = this.base(this.days.length, partial, this.pendingStart), day = this.pendingStart): { k: number; expected: number; capped?: boolean } {
    // The prior margin is a margin over the window's (1−α) quantile; over a body base it starts from that quantile.
    const prior = priorMargin(this.kind, alpha) * this.tailOverBody(partial);
    if (this.cal.length === 0) return { k: prior, expected: this.o.risk };
    const knee = this.kneeRule() ? this.kneeMargin(alpha, partial, base, day) : undefined;
    let m = knee ?? this.marginOf(alpha, day);
    const n0 = this.o.cpuPriorDays;
    if (this.kind === 'cpu' && n0 > 0 && !(this.o.fleetTail && this.fleet && !knee) && m.k > 0) {
      // The prior as n0 more days in log k: with n days the pooled quantile is one draw per day of the day-to-day change,
      // and it under-covers the next day (1 day: 7.9% at a 5% target on Azure V1; docs/ENGINE.md § Risk, "Prior days").
      const n = this.cal.length;
      const k = Math.exp((n * Math.log(m.k) + n0 * Math.log(prior)) / (n + n0));
      m = { k, expected: this.marginOf(0, day, k).expected };
    }
    // Cap: never above the highest usage seen (CPU: in the base window; memory: in the kept history) × the prior margin at α.
    // A day that jumped from idle to busy gives ratios of hundreds; multiplying the new, already raised base by them would
    // size for a level never seen.
    const cap = base > 0 ? (this.peakSeen(partial, day) * priorMargin(this.kind, alpha)) / base : Infinity;
    if (!(m.k > cap)) return m;
    return { k: cap, expected: this.marginOf(0, day, cap).expected, capped: true };
  }

  private kneeRule(): boolean {
    return this.kind === 'cpu' && this.o.cpuRule === 'knee';
  }

  /**
   * The knee rule's value over `base` (knee.ts): λ calibrated on the calibration days' knee curves at level alpha, applied
   * to the curve of today's window. Undefined when no calibration day has a curve, the window has none (idle), or no λ
   * keeps the calibration days to α (the top of each day's window was not enough): the margin stands.
   */
  private kneeMargin(alpha: number, partial: readonly number[], base: number, day: number): { k: number; expected: number } | undefined {
    if (!(base > 0)) return undefined;
    const days = this.kneeCal.filter((d): d is KneeDay => d !== undefined);
    const maxRisk = this.o.kneeMaxRiskFactor > 0 ? this.o.kneeMaxRiskFactor * alpha : Infinity;
    const cal = calibrateKnee(days, alpha, maxRisk);
    const curve = this.kneeCurveAt(this.days.length, partial);
    // Even every past day at its window's top left more than α above: the knee cannot go above the window's top, the margin can.
    if (!cal || !curve || cal.expected > alpha) return undefined;
    const k = kneeValue(curve, cal.lambda, maxRisk) / base;
    return { k, expected: this.marginOf(0, day, k).expected };
  }

  /**
   * The knee curve of the base window before day index `end` (the base's days and recency weights; a partial day weighs 1),
   * or of its last `kneeDays` days equally weighted.
   */
  private kneeCurveAt(end: number, partial: readonly number[]): KneeCurve | undefined {
    // Keyed by the window's last day too: once the history is full, `end` stays the same from day to day.
    const key = `${end}:${this.days[end - 1]?.start}`;
    if (partial.length === 0 && this.kneeCache?.key === key) return this.kneeCache.curve;
    const from = Math.max(0, end - (this.o.kneeDays > 0 ? this.o.kneeDays : this.o.baseDays));
    const hl = this.o.kneeDays > 0 ? 0 : this.o.cpuHalfLifeDays;
    const runs: ArrayLike<number>[] = [], w: number[] = [];
    for (let i = from; i < end; i++) { runs.push(this.days[i].sorted); w.push(hl > 0 ? Math.pow(2, -(end - i) / hl) : 1); }
    if (partial.length > 0) { runs.push(partial); w.push(1); }
    const curve = kneeCurve(runs, w);
    if (partial.length === 0) this.kneeCache = { key, curve };
    return curve;
  }

  /**
   * CPU with a body base (the base below the (1−α) quantile): the window's (1−α) quantile over its body quantile, so the
   * cold-start prior — a margin over the (1−α) quantile — is carried over to the body base. 1 when the base is the (1−α) quantile.
   */
  private tailOverBody(partial: readonly number[]): number {
    const q = this.baseQuantile();
    if (this.kind !== 'cpu' || q >= 1 - this.o.risk) return 1;
    const end = this.days.length;
    const body = this.windowBase(end, partial, q), tail = this.windowBase(end, partial, 1 - this.o.risk);
    return body > 0 && tail > body ? tail / body : 1;
  }

  /**
   * CPU: the quantile the base is read at: 1 − factor·α (not below the median), not below the body quantile, never above
   * 1 − α (docs/ENGINE.md § Risk, "Body base").
   */
  private baseQuantile(): number {
    return Math.min(1 - this.o.risk, Math.max(this.o.cpuBaseQuantile, 1 - Math.min(0.5, this.o.cpuBaseRiskFactor * this.o.risk)));
  }

  private peakSeen(partial: readonly number[], day: number): number {
    let m = -Infinity;
    const weekly = this.kind === 'cpu' && this.weeklyFits(this.days.length);
    const from = this.kind === 'cpu' && !weekly ? Math.max(0, this.days.length - this.o.baseDays) : 0;
    for (let i = from; i < this.days.length; i++) if (!weekly || sameWeekday(this.days[i].start, day)) m = Math.max(m, this.days[i].peak);
    for (const x of partial) m = Math.max(m, x);
    return m;
  }

  private closeDay(): void {
    if (this.pendingV.length === 0) return;
    this.version++;
    // A rule of the same chain that closed the same samples (the chain is fed alike) sorted them already: one copy.
    const c = this.windowQuantiles;
    const sorted = !CALIBRATION_INTERNALS.unshared && c.closed && c.closed.start === this.pendingStart && sameSamples(c.closed.v, this.pendingV)
      ? c.closed.sorted : Float64Array.from(this.pendingV).sort();
    c.closed = { start: this.pendingStart, v: this.pendingV, sorted };
    const n = sorted.length;
    // Complete: the gaps before the first and after the last sample add up to at most two sampling steps (one sample a day:
    // the step is the day).
    const step = n > 1 ? (this.pendingLast - this.pendingFirst) / (n - 1) : DAY;
    const complete = (this.pendingFirst - this.pendingStart) + (this.pendingStart + DAY - this.pendingLast) <= 2 * step;
    const base = this.base(this.days.length, [], this.pendingStart);
    const stats: DayStats = { start: this.pendingStart, sorted, peak: sorted[n - 1], complete, errWindow: NaN, errWeekly: NaN, applied: NaN };
    if (this.o.cpuBase === 'seasonal' && this.kind === 'cpu') stats.ordered = Float64Array.from(this.pendingV);
    if (this.o.cpuWeekly && this.kind === 'cpu') {
      // What each base would have said of this day's (1−α) quantile: the evidence weeklyFits weighs.
      const q = quantileSorted(sorted, this.baseQuantile());
      const w = this.windowBase(this.days.length, []), wk = this.weeklyBase(this.days.length, this.pendingStart);
      if (q > 0 && w > 0 && wk > 0) { stats.errWindow = Math.abs(Math.log(q / w)); stats.errWeekly = Math.abs(Math.log(q / wk)); }
    }
    // Days whose base was zero (an idle container) say nothing about relative growth. A calibration day must be like the
    // days it stands for: a whole day, against a base that had a whole day in its window — the stub where a trace starts
    // (two hours of night, say) is not a day's peak or a day's cycle, and ratios to it would inflate k. Memory only so far:
    // on Bitbrains CPU the day after the stub was what kept k high enough — without it 6.9% exceedance at 5% — so CPU's
    // own under-coverage (day-to-day level changes) has to be fixed first (docs/ENGINE.md § Risk).
    // What the rule applied to this day (before seeing it): its achieved risk feeds the confidence, and with its waste the
    // track record a fleet budget reads (an idle base applies 0: that day is recorded too).
    let applied = Number.isFinite(base) && base > 0 ? base * this.marginAt(this.level, [], base, this.pendingStart).k : base === 0 ? 0 : NaN;
    // Option `monotone`: what was applied is the highest of this rule's value and the values of the targets above.
    if (applied > 0 && this.above) { const a = this.above.appliedTo(this.pendingStart); if (a > applied) applied = a; }
    let above = 0;
    for (let i = sorted.length - 1; i >= 0 && sorted[i] > applied; i--) above++;
    // ACI: the day's realised miss of the value applied moves the level the next day's k is read at.
    if (Number.isFinite(applied)) this.adaptive?.update(this.kind === 'cpu' ? above / n : above > 0 ? 1 : 0);
    if (Number.isFinite(applied)) {
      let usage = 0, waste = 0;
      for (let i = 0; i < sorted.length; i++) { usage += sorted[i]; if (sorted[i] <= applied) waste += applied - sorted[i]; }
      this.track.push({ waste, usage, exceeded: above, samples: sorted.length });
    }
    if (Number.isFinite(base) && base > 0 && (this.kind === 'cpu' || (complete && this.hasCompleteDay(this.days.length)))) {
      // The chain's rules whose base quantile is the same (5%, 7.5% and 10% read p90) divide the same sorted day by the
      // same base: one array of ratios, read only.
      const r = c.closedRatios;
      const shared = !CALIBRATION_INTERNALS.unshared && r !== undefined && r.sorted === sorted && Object.is(r.base, base);
      const ratios = shared ? r.ratios : new Float64Array(sorted.length);
      if (!shared) {
        for (let i = 0; i < sorted.length; i++) ratios[i] = sorted[i] / base;
        c.closedRatios = { sorted, base, ratios };
      }
      this.calVersion++;
      this.cal.push({ ratios, peakRatio: stats.peak / base, achieved: this.kind === 'cpu' ? above / sorted.length : above > 0 ? 1 : 0 });
      if (this.kneeRule()) {
        const curve = this.kneeCurveAt(this.days.length, []);
        this.kneeCal.push(curve ? { curve, sorted } : undefined);
      }
      this.onCalibrationDay?.(this.pendingStart, ratios);
    }
    stats.applied = applied;
    this.days.push(stats);
    while (this.days.length > this.o.historyDays) this.days.shift();
    while (this.cal.length > this.o.historyDays) { this.cal.shift(); this.calVersion++; }
    while (this.kneeCal.length > this.o.historyDays) this.kneeCal.shift();
    while (this.track.length > this.o.historyDays) this.track.shift();
    this.pendingV = [];
  }

  /** The value this rule applied to the day starting at `day` (closing it first if it is still pending); NaN if none. */
  private appliedTo(day: number): number {
    if (this.pendingStart === day) this.closeDay();
    for (let i = this.days.length - 1; i >= 0; i--) if (this.days[i].start === day) return this.days[i].applied;
    return NaN;
  }

  private hasCompleteDay(end: number): boolean {
    for (let i = Math.max(0, end - this.o.baseDays); i < end; i++) if (this.days[i].complete) return true;
    return false;
  }

  /**
   * The weekly base is used when, over the kept days on which both bases could be compared (at least WEEKLY_MIN_DAYS),
   * it was off the day's base quantile by less than the window base was (|log ratio|): by more than WEEKLY_Z standard
   * errors of the paired differences ('paired', default), or on average ('mean').
   */
  private weeklyFits(end: number): boolean {
    if (!this.o.cpuWeekly || this.kind !== 'cpu') return false;
    let n = 0, sum = 0, sq = 0;
    for (let i = 0; i < end; i++) {
      const d = this.days[i];
      if (!Number.isFinite(d.errWeekly)) continue;
      const gain = d.errWindow - d.errWeekly;
      n++; sum += gain; sq += gain * gain;
    }
    if (n < WEEKLY_MIN_DAYS) return false;
    if (this.o.weeklyTest === 'mean') return sum > 0;
    // Paired: the mean gain is more than WEEKLY_Z standard errors above 0 (a week shown, not a coin that came up weekly).
    const mean = sum / n, sd = Math.sqrt(Math.max(0, (sq - n * mean * mean) / (n - 1)));
    return mean > WEEKLY_Z * (sd / Math.sqrt(n));
  }

  /** CPU weekly base: the (1−α) quantile of the kept days of the same weekday as `day`, weighted 2^(−weeks ago); NaN if none. */
  private weeklyBase(end: number, day: number): number {
    const v: number[] = [], w: number[] = [];
    for (let i = 0; i < end; i++) {
      const d = this.days[i];
      if (!sameWeekday(d.start, day) || d.start >= day) continue;
      const wi = Math.pow(2, -Math.round((day - d.start) / (7 * DAY)));
      for (const x of d.sorted) { v.push(x); w.push(wi); }
    }
    return v.length ? weightedQuantile(v, w, this.baseQuantile()) : NaN;
  }

  /** Base from the completed days before index `end`, plus `partial` samples of a day in progress (live use), for `day`. */
  private base(end: number, partial: readonly number[], day: number): number {
    // The weekly and seasonal bases size a whole day ahead (the backtest, a recommendation at midnight); with a day in
    // progress (live use) the window base, which can take its samples in, stands.
    if (this.kind === 'cpu' && partial.length === 0 && this.weeklyFits(end)) {
      const wk = this.weeklyBase(end, day);
      if (Number.isFinite(wk)) return wk;
    }
    if (this.kind === 'cpu' && partial.length === 0 && this.o.cpuBase === 'seasonal') {
      const sb = this.seasonalBase(end);
      if (Number.isFinite(sb)) return sb;
    }
    return this.windowBase(end, partial);
  }

  /** CPU seasonal base: the (1−α) quantile of the seasonal median forecast of the next day; NaN when the days do not line up. */
  private seasonalBase(end: number): number {
    const m = Math.min(this.o.seasonalDays, end);
    if (m < 1) return NaN;
    const last = this.days.slice(end - m, end);
    const n = last[0].ordered?.length ?? 0;
    if (n < 2 || last.some((d) => d.ordered?.length !== n || !d.complete)) return NaN;
    const v = new Float64Array(m * n);
    last.forEach((d, j) => v.set(d.ordered!, j * n));
    const f = seasonalMedianAt(v, m * n, n, n, m).sort();
    return quantileSorted(f, this.baseQuantile());
  }

  private windowBase(end: number, partial: readonly number[], q = this.baseQuantile()): number {
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
    const hl = this.o.cpuHalfLifeDays;
    if (hl > 0 && !CALIBRATION_INTERNALS.unshared && (partial.length === 0 || partial === this.pendingV)) {
      // The window is named by its days (each closed day's samples are the same in every rule of a chain) and the day in
      // progress by its samples so far.
      const key = `${end - from}:${this.days[from]?.start}:${this.days[end - 1]?.start}:${partial.length > 0 ? `${this.pendingStart}:${partial.length}:${this.pendingLast}` : ''}`;
      const c = this.windowQuantiles;
      if (c.key !== key) { c.key = key; c.values.clear(); }
      const hit = c.values.get(q);
      if (hit !== undefined) return hit;
      const runs: Float64Array[] = [], w: number[] = [];
      for (let i = from; i < end; i++) { runs.push(this.days[i].sorted); w.push(Math.pow(2, -(end - i) / hl)); }
      if (partial.length > 0) { runs.push(Float64Array.from(partial).sort()); w.push(1); }
      const levels = c.levels.includes(q) ? c.levels : [...c.levels, q].sort((a, b) => b - a);
      const values = weightedQuantilesOfRuns(runs, w, levels);
      levels.forEach((l, i) => c.values.set(l, values[i]));
      return c.values.get(q)!;
    }
    if (hl > 0) {
      // Weighted quantile over whole days: yesterday weighs 2^(-1/hl), the day before 2^(-2/hl)...; a partial day weighs 1.
      // Each day's samples are already sorted: walk down from the top rather than sort the window (70,000 samples at 10 s).
      const runs: Float64Array[] = [], w: number[] = [];
      for (let i = from; i < end; i++) { runs.push(this.days[i].sorted); w.push(Math.pow(2, -(end - i) / hl)); }
      if (partial.length > 0) { runs.push(Float64Array.from(partial).sort()); w.push(1); }
      return weightedQuantileOfRuns(runs, w, q);
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

interface WindowQuantiles {
  /** The window the values are of (windowBase). */
  key: string;
  values: Map<number, number>;
  /** The quantiles the chain's rules read, descending. */
  levels: number[];
  /** The day a rule of the chain closed last: its samples in time order and sorted. */
  closed?: { start: number; v: readonly number[]; sorted: Float64Array };
  /** The calibration ratios a rule of the chain made last: that sorted day over that base. */
  closedRatios?: { sorted: Float64Array; base: number; ratios: Float64Array };
}

/** The same numbers in the same order (a −0 is not a 0). */
function sameSamples(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

/**
 * weightedQuantileOfRuns (baselines/strategy.ts) at several quantiles, descending, in one walk down from the top: the
 * walk and its sums are that function's, step for step, and each quantile is the value its own walk stops at.
 */
function weightedQuantilesOfRuns(runs: readonly Float64Array[], weights: readonly number[], qs: readonly number[]): number[] {
  const out = qs.map(() => NaN);
  let total = 0, n = 0;
  for (let r = 0; r < runs.length; r++) { n += runs[r].length; for (let j = 0; j < runs[r].length; j++) total += weights[r]; }
  if (n === 0) return out;
  const thresholds = qs.map((q) => q * total);
  const top = runs.map((x) => x.length - 1);
  // Each run's value at its top (−∞ once it is walked through; the samples are finite): the same maximum, first run on
  // ties, as reading runs[r][top[r]] for the runs not walked through.
  const R = runs.length, cur = new Float64Array(R);
  for (let r = 0; r < R; r++) cur[r] = top[r] >= 0 ? runs[r][top[r]] : -Infinity;
  let cum = total, next = 0;
  while (next < qs.length) {
    let best = -1, bv = -Infinity;
    for (let r = 0; r < R; r++) if (cur[r] > bv) { bv = cur[r]; best = r; }
    if (best < 0) return out;
    const below = cum - weights[best];
    while (next < qs.length && (!(below >= thresholds[next]) || n === 1)) out[next++] = bv;
    cum = below; n--;
    const tb = --top[best];
    cur[best] = tb >= 0 ? runs[best][tb] : -Infinity;
  }
  return out;
}

/** Days compared before the weekly base may be used (one week of days whose weekday had been seen before). */
const WEEKLY_MIN_DAYS = 7;
/** The paired test's bar: the weekly base's mean gain over the window, in standard errors (one-sided ≈ 2.5%). */
const WEEKLY_Z = 2;

function sameWeekday(a: number, b: number): boolean {
  return ((Math.round((a - b) / DAY) % 7) + 7) % 7 === 0;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
