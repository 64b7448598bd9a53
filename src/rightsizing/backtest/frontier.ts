/**
 * The risk–waste frontier (issue 12): MOrA replayed over a grid of risk targets next to every baseline, on the same
 * series and days. Each strategy is a point (risk, waste): risk = CPU exceedance share / memory OOM-day share
 * (1 − OOM-free share), waste = waste ratio, both the mean over series (meanSummary). MOrA's targets give a curve.
 *
 * Dominance at a baseline's point: MOrA at the risk target whose achieved risk is ≤ the baseline's — read off MOrA's
 * achieved curve made monotone (its Pareto points: each lowers the waste of every lower-risk point; linear between
 * them, i.e. a target between two grid values) — has waste ≤ 0.8 × the baseline's. ratio = MOrA waste / baseline waste.
 *
 * Also: calibration error per target (achieved vs target, mean over series and pooled) and the confidence table
 * (violation rate of days by the confidence MOrA gave the value).
 *
 * Idle series (no usage on any scored day, replay/score.ts) are in none of these: not in the points' means, the
 * per-series dominance, the calibration (no value can exceed a usage of 0, whatever the target) or the confidence
 * table (their days can never violate); the oracle leaves them out too. `backtest.idle` names them.
 */
import type { ResourceKind } from '../baselines/strategy';
import { isIdle, type DayScore, type Summary } from '../replay/score';
import { dayQuantileCurve, heldOracleWasteAt, oracleFrontier, oracleWasteAt, seriesOracleFrontiers, type FrontierPoint } from './oracle';
import { runBacktest, type BacktestInput, type BacktestOptions, type BacktestResult } from './run';
import { strategyLabel, type StrategyName, type StrategySpec } from './strategies';

/**
 * Default risk grids: CPU exceedance shares; memory OOM-day shares. Each reaches up to RISK_RANGE's 50% so that MOrA's
 * curve spans every baseline's point: KRR simple_limit (request p66, krr.ts) runs
 * at 30–40% exceedance on real traces, and a curve ending at 30% compared MOrA there at less risk than the baseline's.
 */
export const DEFAULT_GRID: Readonly<Record<ResourceKind, readonly number[]>> = {
  cpu: [0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5],
  memory: [0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5],
};
/** The baselines the frontier compares against by default (`mora` = forecasts off, default target). */
export const FRONTIER_BASELINES: readonly StrategyName[] = ['vpa', 'krr', 'krr-limit', 'autopilot', 'mora'];
/** Dominance: MOrA's waste at ≤ the baseline's risk is at most this share of the baseline's waste. */
export const DOMINANCE_RATIO = 0.8;
/** Calibration bounds (issue 12): within ±25% relative, or ±0.5 points for targets under 2%. */
export const CALIBRATION = { relative: 0.25, absolute: 0.005, smallTarget: 0.02 } as const;
/** Calibration's note when no series with usage was scored (within null). */
export const CALIBRATION_UNJUDGED = 'cannot be judged: no series with usage was scored (idle series are left out)';
/** Confidence buckets and the goal: violation rate of ≥ 0.8 days at most half that of < 0.5 days. */
export const CONFIDENCE = { high: 0.8, low: 0.5, goal: 0.5 } as const;

export interface StrategyPoint extends FrontierPoint {
  strategy: string;
  /** MOrA's risk target, for the curve's points. */
  target?: number;
  series: number;
  days: number;
}

export interface Dominance {
  baseline: string;
  baselineRisk: number;
  baselineWaste: number;
  /** MOrA's waste at achieved risk ≤ the baseline's (interpolated along its monotone curve); NaN when its curve does not reach that low. */
  moraWaste: number;
  /** The risk target that gives it (interpolated between grid values). */
  moraTarget: number;
  ratio: number;
  dominates: boolean;
  /** Without interpolation: the least-waste grid target whose achieved risk is ≤ the baseline's, and its ratio (NaN when none). */
  gridTarget: number;
  gridRatio: number;
  /** The oracle's least waste at the baseline's risk, and its ratio to the baseline: the limit of any one-value-per-day rule. */
  oracleWaste: number;
  oracleRatio: number;
  /**
   * The oracle with every series held to the baseline's risk (each knows its own days, none spends another's risk): the
   * limit of a rule calibrated per series, as MOrA's target is. The baseline's own risk is uneven across series.
   */
  heldOracleWaste: number;
  heldOracleRatio: number;
  /** Why there is no ratio, when there is none. */
  note?: string;
}

export interface Calibration {
  target: number;
  /** Mean over series of the achieved risk, and pooled (all samples / all days together). */
  achievedMean: number;
  achievedPooled: number;
  /** (achieved − target) / target. */
  relativeError: number;
  relativeErrorPooled: number;
  /** (achieved − target) in points (× 100). */
  pointsError: number;
  pointsErrorPooled: number;
  /**
   * Within ±25% relative, or ±0.5 points when the target is under 2% (on the mean over series); null when it cannot be
   * judged (no series with usage was scored: no achieved risk), `note` says so.
   */
  within: boolean | null;
  /** Why `within` is null. */
  note?: string;
  /** Share of series whose own achieved risk is within the bounds. */
  seriesWithin: number;
  series: number;
}

export interface ConfidenceBucket {
  label: string;
  days: number;
  violations: number;
  rate: number;
  /** Mean over the days of the excess above the target: CPU max(0, the day's exceedance share − target); memory = rate. */
  excess: number;
}

export interface ConfidenceTable {
  /** The MOrA strategy (target) the days come from, or 'all targets'. */
  strategy: string;
  buckets: ConfidenceBucket[];
  /** Days whose value carried no confidence. */
  unrated: number;
  /** Violation rate of ≥ 0.8 days / that of < 0.5 days (goal ≤ 0.5); NaN when a bucket is empty or the low rate is 0. */
  ratio: number;
  /** The same for the mean excess above the target (how far the days missed, not only whether). */
  excessRatio: number;
}

/**
 * Dominance workload by workload: on each series, MOrA at the target whose achieved risk on that series equals the
 * baseline's there (its per-series curve made monotone, linear between targets) against the baseline's waste there.
 * Series where the baseline's risk is below MOrA's lowest are not compared (`unreached`).
 */
export interface SeriesDominance {
  baseline: string;
  /** Series compared. */
  series: number;
  unreached: number;
  /** Mean over the compared series: the baseline's waste, MOrA's at the same risk, and their ratio. */
  baselineWaste: number;
  moraWaste: number;
  ratio: number;
  /** Compared series where MOrA wastes ≤ 0.8 × the baseline / ≥ the baseline's waste. */
  wins: number;
  losses: number;
}

export interface FrontierResult {
  kind: ResourceKind;
  grid: number[];
  points: StrategyPoint[];
  /** MOrA's points over the grid, target ascending. */
  curve: StrategyPoint[];
  oracle: FrontierPoint[];
  /** CPU: every day at its own (1 − target) quantile, known in advance, over the grid (a uniform per-day percentile; empty for memory). */
  dayQuantile: Array<FrontierPoint & { target: number }>;
  dominance: Dominance[];
  seriesDominance: SeriesDominance[];
  calibration: Calibration[];
  confidence: ConfidenceTable[];
  /**
   * With `fleet`: MOrA with a fleet risk budget over the same grid (each target = the mean over series; each series gets
   * its own, backtest/fleet.ts), its dominance at each baseline's point and the calibration of the fleet mean.
   */
  fleet?: { curve: StrategyPoint[]; dominance: Dominance[]; calibration: Calibration[] };
  backtest: BacktestResult;
  elapsedMs: number;
  oracleMs: number;
}

/**
 * Baselines scored on fewer series-days than MOrA's curve (KRR gives no value before 100 points in its window): their
 * points are means over other days than the curve's, which the dominance compares them with. Empty when none.
 */
export function fewerDays(f: Pick<FrontierResult, 'points' | 'curve'>): { baselines: Array<{ strategy: string; days: number }>; curveDays: number } {
  const curveDays = Math.max(0, ...f.curve.map((p) => p.days));
  const names = new Set(f.curve.map((p) => p.strategy));
  return { baselines: f.points.filter((p) => !names.has(p.strategy) && p.days < curveDays).map((p) => ({ strategy: p.strategy, days: p.days })), curveDays };
}

/** The line saying so, or '' (terminal and report alike). */
export function fewerDaysText(f: Pick<FrontierResult, 'points' | 'curve'>): string {
  const { baselines, curveDays } = fewerDays(f);
  if (baselines.length === 0) return '';
  return `fewer days: ${baselines.map((b) => `${b.strategy} ${b.days}`).join(', ')} of MOrA's ${curveDays} series-days (no value on the others): `
    + 'their points are not over the same days as the curve';
}

export function riskOf(s: Summary, kind: ResourceKind): number {
  return kind === 'cpu' ? s.exceedanceShare : 1 - s.oomFreeShare;
}

/** MOrA's achieved curve made monotone: risk ascending, each point with less waste than every point of lower or equal risk. */
export function paretoCurve<P extends FrontierPoint>(points: readonly P[]): P[] {
  const sorted = points.filter((p) => Number.isFinite(p.risk) && Number.isFinite(p.waste)).sort((a, b) => a.risk - b.risk || a.waste - b.waste);
  const out: P[] = [];
  for (const p of sorted) if (!out.length || p.waste < out[out.length - 1].waste) out.push(p);
  return out;
}

/** Waste (and target) of the monotone curve at achieved risk ≤ r: linear between its points, its least waste beyond them. */
export function curveAt(pareto: ReadonlyArray<FrontierPoint & { target?: number }>, r: number): { waste: number; target: number } | undefined {
  if (pareto.length === 0 || !(r >= pareto[0].risk)) return undefined;
  for (let i = 1; i < pareto.length; i++) {
    const a = pareto[i - 1], b = pareto[i];
    if (r < b.risk) {
      const f = (r - a.risk) / (b.risk - a.risk);
      return { waste: a.waste + f * (b.waste - a.waste), target: (a.target ?? NaN) + f * ((b.target ?? NaN) - (a.target ?? NaN)) };
    }
  }
  const last = pareto[pareto.length - 1];
  return { waste: last.waste, target: last.target ?? NaN };
}

export function dominance(curve: readonly StrategyPoint[], baselines: readonly StrategyPoint[], oracle: readonly FrontierPoint[] = [], held: readonly FrontierPoint[][] = []): Dominance[] {
  const pareto = paretoCurve(curve);
  return baselines.map((b) => {
    const at = curveAt(pareto, b.risk);
    const oracleWaste = oracleWasteAt(oracle, b.risk);
    const ratio = at && b.waste > 0 ? at.waste / b.waste : NaN;
    const grid = pareto.filter((p) => p.risk <= b.risk).pop();
    const d: Dominance = {
      baseline: b.strategy, baselineRisk: b.risk, baselineWaste: b.waste,
      moraWaste: at?.waste ?? NaN, moraTarget: at?.target ?? NaN, ratio, dominates: ratio <= DOMINANCE_RATIO,
      gridTarget: grid?.target ?? NaN, gridRatio: grid && b.waste > 0 ? grid.waste / b.waste : NaN,
      oracleWaste, oracleRatio: b.waste > 0 ? oracleWaste / b.waste : NaN,
      heldOracleWaste: heldOracleWasteAt(held, b.risk), heldOracleRatio: b.waste > 0 ? heldOracleWasteAt(held, b.risk) / b.waste : NaN,
    };
    // No point on either side (every series idle: no risk, no waste) is said so, as the terminal table says it: the
    // risks as numbers read "is above the baseline's NaN".
    if (pareto.length === 0) d.note = 'no MOrA point: no series with usage was scored (idle series are left out)';
    else if (!Number.isFinite(b.risk)) d.note = 'no point for the baseline: no series with usage was scored (idle series are left out)';
    else if (!at) d.note = `MOrA's lowest achieved risk ${pareto[0].risk.toFixed(4)} is above the baseline's ${b.risk.toFixed(4)}`;
    else if (!(b.waste > 0)) d.note = 'the baseline wastes nothing';
    return d;
  });
}

/** Per series: MOrA's curve (one point per target) at each baseline's risk on that series (see SeriesDominance). */
export function seriesDominance(backtest: Pick<BacktestResult, 'perSeries'>, kind: ResourceKind, curveLabels: ReadonlyArray<{ label: string; target: number }>, baselines: readonly string[]): SeriesDominance[] {
  const bySeries = new Map<string, Map<string, Summary>>();
  for (const p of backtest.perSeries) {
    if (!bySeries.has(p.series)) bySeries.set(p.series, new Map());
    bySeries.get(p.series)!.set(p.strategy, p.summary);
  }
  return baselines.map((b) => {
    let series = 0, unreached = 0, bw = 0, mw = 0, wins = 0, losses = 0;
    for (const m of bySeries.values()) {
      const base = m.get(b);
      // An idle series has no waste ratio to compare (NaN would poison the sums).
      if (!base || !(base.days > 0) || isIdle(base)) continue;
      const curve = paretoCurve(curveLabels.flatMap((c) => {
        const s = m.get(c.label);
        return s && s.days > 0 && !isIdle(s) ? [{ risk: riskOf(s, kind), waste: s.wasteRatio, target: c.target }] : [];
      }));
      const at = curveAt(curve, riskOf(base, kind));
      if (!at) { unreached++; continue; }
      series++; bw += base.wasteRatio; mw += at.waste;
      if (at.waste <= DOMINANCE_RATIO * base.wasteRatio) wins++;
      if (at.waste >= base.wasteRatio) losses++;
    }
    return { baseline: b, series, unreached, baselineWaste: series ? bw / series : NaN, moraWaste: series ? mw / series : NaN, ratio: bw > 0 ? mw / bw : NaN, wins, losses };
  });
}

function withinBounds(achieved: number, target: number): boolean {
  const err = Math.abs(achieved - target) - 1e-12; // a bound met exactly is met, whatever the float rounding
  return err <= CALIBRATION.relative * target || (target < CALIBRATION.smallTarget && err <= CALIBRATION.absolute);
}

/** The risk a series actually had over its days, and the pieces to pool it. */
function achieved(days: readonly DayScore[], kind: ResourceKind): { risk: number; num: number; den: number } {
  let num = 0, den = 0;
  for (const d of days) {
    if (kind === 'cpu') { num += d.exceeded; den += d.samples; } else { num += d.exceeded > 0 ? 1 : 0; den += 1; }
  }
  return { risk: den ? num / den : NaN, num, den };
}

/** Over the series with scored days and usage on at least one (an idle series meets no target: nothing can exceed 0). */
export function calibration(target: number, perSeriesDays: ReadonlyArray<readonly DayScore[]>, kind: ResourceKind): Calibration {
  const per = perSeriesDays.filter((d) => d.some((x) => x.sumUsage > 0)).map((d) => achieved(d, kind));
  const mean = per.length ? per.reduce((a, p) => a + p.risk, 0) / per.length : NaN;
  const den = per.reduce((a, p) => a + p.den, 0);
  const pooled = den ? per.reduce((a, p) => a + p.num, 0) / den : NaN;
  return {
    target, achievedMean: mean, achievedPooled: pooled,
    relativeError: (mean - target) / target, relativeErrorPooled: (pooled - target) / target,
    pointsError: (mean - target) * 100, pointsErrorPooled: (pooled - target) * 100,
    within: Number.isFinite(mean) ? withinBounds(mean, target) : null,
    seriesWithin: per.length ? per.filter((p) => withinBounds(p.risk, target)).length / per.length : NaN,
    series: per.length,
    // No achieved risk to compare (every series idle or unscored): not a miss, as dominance says 'no MOrA point'.
    ...(Number.isFinite(mean) ? {} : { note: CALIBRATION_UNJUDGED }),
  };
}

/** A day violates its target when its exceedance share is above the target (CPU) or it is an OOM day (memory). */
export function violated(d: DayScore, kind: ResourceKind, target: number): boolean {
  return kind === 'cpu' ? d.exceeded / d.samples > (d.risk ?? target) : d.exceeded > 0;
}

export function confidenceTable(strategy: string, days: readonly DayScore[], kind: ResourceKind, target: number): ConfidenceTable {
  const defs = [
    { label: `≥ ${CONFIDENCE.high}`, test: (c: number) => c >= CONFIDENCE.high },
    { label: `${CONFIDENCE.low}–${CONFIDENCE.high}`, test: (c: number) => c >= CONFIDENCE.low && c < CONFIDENCE.high },
    { label: `< ${CONFIDENCE.low}`, test: (c: number) => c < CONFIDENCE.low },
  ];
  const buckets: ConfidenceBucket[] = defs.map((d) => ({ label: d.label, days: 0, violations: 0, rate: NaN, excess: NaN }));
  const excess = [0, 0, 0];
  let unrated = 0;
  for (const d of days) {
    if (d.confidence === undefined) { unrated++; continue; }
    const k = defs.findIndex((b) => b.test(d.confidence!));
    buckets[k].days++;
    if (violated(d, kind, target)) buckets[k].violations++;
    excess[k] += kind === 'cpu' ? Math.max(0, d.exceeded / d.samples - (d.risk ?? target)) : d.exceeded > 0 ? 1 : 0;
  }
  buckets.forEach((b, k) => { b.rate = b.days ? b.violations / b.days : NaN; b.excess = b.days ? excess[k] / b.days : NaN; });
  const [hi, , lo] = buckets;
  return {
    strategy, buckets, unrated,
    ratio: hi.days && lo.days && lo.rate > 0 ? hi.rate / lo.rate : NaN,
    excessRatio: hi.days && lo.days && lo.excess > 0 ? hi.excess / lo.excess : NaN,
  };
}

export interface FrontierOptions extends BacktestOptions {
  /** Risk targets for MOrA's curve (default DEFAULT_GRID[kind]). */
  grid?: readonly number[];
  /** Baselines (default FRONTIER_BASELINES); `mora` here is MOrA at its default target, forecasts off. */
  baselines?: readonly StrategyName[];
  /** Which MOrA strategy traces the curve (mora = forecasts off; mora-prophet = with Prophet). */
  curveStrategy?: 'mora' | 'mora-prophet';
  /** Also trace MOrA with a fleet risk budget (`mora-fleet`) over the same grid. */
  withFleet?: boolean;
  /** Names of the curve's targets as the command line spelt them (`mora@cpu-risk=0.050`); others are named by strategyLabel. */
  targetLabels?: ReadonlyMap<number, string>;
  /** The same for the fleet curve's targets (`mora-fleet@cpu-risk=0.050`). */
  fleetLabels?: ReadonlyMap<number, string>;
}

export function runFrontier(inputs: readonly BacktestInput[], kind: ResourceKind, options: FrontierOptions = {}): FrontierResult {
  const t0 = performance.now();
  const grid = [...new Set(options.grid ?? DEFAULT_GRID[kind])].sort((a, b) => a - b);
  const baselines = [...new Set(options.baselines ?? FRONTIER_BASELINES)];
  const curveName = options.curveStrategy ?? 'mora';
  const curveSpecs: StrategySpec[] = grid.map((risk) => {
    const label = options.targetLabels?.get(risk);
    return { name: curveName, risk, ...(label !== undefined ? { label } : {}) };
  });
  const fleetSpecs: StrategySpec[] = options.withFleet ? grid.map((risk) => {
    const label = options.fleetLabels?.get(risk);
    return { name: 'mora-fleet', risk, ...(label !== undefined ? { label } : {}) };
  }) : [];
  const specs: Array<StrategyName | StrategySpec> = [...baselines, ...curveSpecs, ...fleetSpecs];
  const backtest = runBacktest(inputs, kind, specs, { ...options, keepDays: true });
  const point = (label: string, target?: number): StrategyPoint => {
    const m = backtest.mean.find((x) => x.strategy === label)!;
    return { strategy: label, ...(target !== undefined ? { target } : {}), risk: riskOf(m.summary, kind), waste: m.summary.wasteRatio, series: m.series, days: m.summary.days };
  };
  const basePoints = baselines.map((b) => point(b));
  const curve = curveSpecs.map((s) => point(strategyLabel(s, kind), s.risk));
  const t1 = performance.now();
  const oracle = oracleFrontier(inputs, kind, options);
  const held = seriesOracleFrontiers(inputs, kind, options);
  const dayQuantile = kind === 'cpu' ? dayQuantileCurve(inputs, grid, options) : [];
  const oracleMs = performance.now() - t1;
  // Idle series are left out of calibration and confidence as they are of the means (module comment).
  const daysOf = (label: string): DayScore[][] => backtest.perSeries.filter((p) => p.strategy === label && !isIdle(p.summary)).map((p) => p.days ?? []);
  const calib = curveSpecs.map((s) => calibration(s.risk!, daysOf(strategyLabel(s, kind)), kind));
  const confidence = curveSpecs.map((s) => confidenceTable(strategyLabel(s, kind), daysOf(strategyLabel(s, kind)).flat(), kind, s.risk!));
  const allDays = curveSpecs.flatMap((s) => daysOf(strategyLabel(s, kind)).flat().map((d) => ({ ...d, risk: d.risk ?? s.risk })));
  confidence.push(confidenceTable('all targets', allDays, kind, NaN));
  const fleetCurve = fleetSpecs.map((s) => point(strategyLabel(s, kind), s.risk));
  const fleet = fleetSpecs.length ? {
    curve: fleetCurve, dominance: dominance(fleetCurve, basePoints, oracle, held),
    calibration: fleetSpecs.map((s) => calibration(s.risk!, daysOf(strategyLabel(s, kind)), kind)),
  } : undefined;
  return {
    ...(fleet ? { fleet } : {}),
    kind, grid, points: [...basePoints, ...curve], curve, oracle, dayQuantile,
    // `mora` at its default target is compared too: the curve should not lose to MOrA's own default point.
    dominance: dominance(curve, basePoints, oracle, held),
    seriesDominance: seriesDominance(backtest, kind, curveSpecs.map((c) => ({ label: strategyLabel(c, kind), target: c.risk! })), baselines),
    calibration: calib, confidence, backtest, elapsedMs: performance.now() - t0, oracleMs,
  };
}
