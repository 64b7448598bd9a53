/**
 * Backtest of several strategies over several series: replay each series once with fresh strategy instances,
 * collect per-day values (for the recommendations CSV) and per-strategy summaries (per series, then the mean over series).
 */
import type { Series } from '../../core/series';
import type { ResourceKind, SizingStrategy, StrategyValue } from '../baselines/strategy';
import { DEFAULT_RISK } from '../engine/policy';
import { replayFleet, type FleetDay, type FleetReplayOptions } from './fleet';
import { days as replayDays, replay, type ReplayOptions, type StrategyReplay } from '../replay/replay';
import { CALIBRATION_INTERNALS } from '../engine/calibration';
import { FleetTailPool } from '../engine/fleet-tail';
import { MORA_DEFAULTS, MoraStrategy } from '../engine/mora-strategy';
import { isIdle, meanSummary, summarize, type DayScore, type Summary } from '../replay/score';
import { seriesOptions } from './warmup';
import { createStrategy, FLEET_STRATEGIES, strategyLabel, type StrategyContext, type StrategyName, type StrategySpec } from './strategies';

export interface BacktestInput {
  name: string;
  series: Series;
  /** This series' warm-up in days, instead of the run's (a trace too short for the default: warmup.ts). */
  warmupDays?: number;
}

export interface BacktestRow {
  series: string;
  dayStart: number;
  strategy: string;
  value: number;
}

export interface BacktestResult {
  kind: ResourceKind;
  strategies: string[];
  rows: BacktestRow[];
  perSeries: Array<{ series: string; strategy: string; summary: Summary; noAnswer: number; noAnswerWhy?: Record<string, number>; days?: DayScore[] }>;
  /** Per strategy, the mean over its scored series that are not idle (`series` counts them). */
  mean: Array<{ strategy: string; series: number; summary: Summary }>;
  /**
   * Idle series (scored days, no usage on any of them: waste and shortfall ratios undefined), left out of the means, with
   * the strategies they are idle for (every strategy unless one answered on fewer days). Empty when there is none.
   */
  idle: Array<{ series: string; strategies: string[] }>;
  /** Per fleet strategy (`mora-fleet@…`): each replay day's fleet (series scored, multiplier, mean allotted target). */
  fleet?: Record<string, FleetDay[]>;
  elapsedMs: number;
}

export interface BacktestOptions extends ReplayOptions, StrategyContext {
  /** Called after each series (progress on stderr in the CLI). */
  onSeries?: (done: number, total: number, name: string) => void;
  /** Keep each series' scored days in `perSeries` (the frontier's calibration and confidence tables need them). */
  keepDays?: boolean;
  /** Fleet strategies (`mora-fleet`): cap per series, curve lookback (backtest/fleet.ts). */
  fleet?: Pick<FleetReplayOptions, 'cap' | 'lookbackDays' | 'minDays' | 'curveSource' | 'halfLifeDays'>;
}

const DAY = 86400;
const firstDayOf = (s: Series): number => (s.t.length ? Math.floor(s.t[0] / DAY) * DAY : 0);

/**
 * Per MOrA spec, the pool of every series' calibration days at its target (engine/fleet-tail.ts), aligned by replay day
 * as the fleet budget aligns them (day k of each series' own replay). A rule's calibration ratios do not depend on its
 * margin (the base is the window's quantile), so one plain replay per series and target gives exactly the days the
 * pooled rules would make; each series later reads only the other series' days before its own replay day.
 */
function fleetTailPools(inputs: readonly BacktestInput[], kind: ResourceKind, specs: ReadonlyArray<StrategyName | StrategySpec>, options: BacktestOptions): Array<FleetTailPool | undefined> {
  return specs.map((spec) => {
    if ((typeof spec === 'string' ? spec : spec.name) !== 'mora') return undefined;
    const risk = (typeof spec === 'string' ? undefined : spec.risk) ?? options.mora?.risk ?? DEFAULT_RISK[kind];
    const mora = { ...options.mora, risk, fleetTail: false, aci: false };
    const pool = new FleetTailPool(mora.historyDays ?? MORA_DEFAULTS[kind].historyDays);
    inputs.forEach((input, i) => {
      const first = firstDayOf(input.series);
      const rule = new MoraStrategy(kind, mora);
      rule.onCalibrationDay = (day, ratios) => pool.add(i, first, day, ratios);
      for (const d of replayDays(input.series, seriesOptions(input, options))) if (d.t.length > 0) rule.observe(d.t, d.v);
    });
    return pool;
  });
}

/**
 * One strategy per spec (createStrategy), where MOrA's targets share monotone chains: a rule at α reads the same rule at
 * every MONOTONE_GRID target above it, replayed on the same samples (engine/mora-strategy.ts), so a spec whose target is
 * in an earlier spec's chain reads that chain's rule instead of replaying a chain of its own (a frontier's 12 CPU targets:
 * 12 rules, not 78). Each rule is the one its own chain would hold — same options, same samples — and gives the same values.
 */
function sharedChains(specs: ReadonlyArray<StrategyName | StrategySpec>, kind: ResourceKind, ctx: StrategyContext): SizingStrategy[] {
  const out = specs.map((): SizingStrategy | undefined => undefined);
  if (!CALIBRATION_INTERNALS.unshared && (ctx.mora?.monotone ?? MORA_DEFAULTS[kind].monotone)) {
    const targets = specs.map((s) => ((typeof s === 'string' ? s : s.name) === 'mora' ? (typeof s === 'string' ? undefined : s.risk) ?? ctx.mora?.risk ?? DEFAULT_RISK[kind] : NaN));
    const order = targets.map((_r, q) => q).filter((q) => Number.isFinite(targets[q])).sort((a, b) => targets[a] - targets[b]);
    for (const q of order) {
      if (out[q]) continue;
      // createStrategy's MOrA rule for the spec, fed the samples; the rules of its chain the specs above it read.
      const spec = specs[q], risk = typeof spec === 'string' ? undefined : spec.risk;
      const head = new MoraStrategy(kind, risk === undefined ? ctx.mora : { ...ctx.mora, risk });
      out[q] = chainMember(head, spec, kind, true);
      const chain = head.chain();
      for (const p of order) {
        const rule = out[p] ? undefined : chain.find((r) => r.risk === targets[p]);
        if (rule) out[p] = chainMember(rule, specs[p], kind, false);
      }
    }
  }
  return specs.map((s, q) => out[q] ?? createStrategy(s, kind, ctx));
}

/**
 * A chain's rule as a spec's strategy, labelled as createStrategy labels it: the head is fed the samples, a rule above it
 * is fed by the head (its observe does nothing).
 */
function chainMember(rule: MoraStrategy, spec: StrategyName | StrategySpec, kind: ResourceKind, head: boolean): SizingStrategy {
  const risk = typeof spec === 'string' ? undefined : spec.risk;
  return {
    name: risk === undefined ? rule.name : strategyLabel(spec, kind), kind: rule.kind,
    observe: head ? (t, v) => rule.observe(t, v) : () => undefined,
    recommend(now): StrategyValue | undefined {
      const r = rule.recommend(now);
      return r === undefined || risk === undefined ? r : { ...r, risk: r.risk ?? risk };
    },
  };
}

/** Strategies by name, or as specs (`{ name: 'mora', risk: 0.05 }` replays as `mora@cpu-risk=0.05`). */
export function runBacktest(inputs: readonly BacktestInput[], kind: ResourceKind, specs: ReadonlyArray<StrategyName | StrategySpec>, options: BacktestOptions = {}): BacktestResult {
  const t0 = performance.now();
  const names = specs.map((s) => strategyLabel(s, kind));
  const rows: BacktestRow[] = [];
  const perSeries: BacktestResult['perSeries'] = [];
  const isFleet = (s: StrategyName | StrategySpec): boolean => FLEET_STRATEGIES.includes(typeof s === 'string' ? s : s.name);
  const one = specs.filter((s) => !isFleet(s));
  const oneNames = one.map((s) => strategyLabel(s, kind));
  const add = (series: string, r: StrategyReplay): void => {
    for (const d of r.days) rows.push({ series, dayStart: d.dayStart, strategy: r.strategy, value: d.value });
    perSeries.push({ series, strategy: r.strategy, summary: summarize(r.days), noAnswer: r.noAnswer, ...(r.noAnswerWhy ? { noAnswerWhy: r.noAnswerWhy } : {}), ...(options.keepDays ? { days: r.days } : {}) });
  };
  // MOrA's `fleetTail` (CPU): each target's rule reads the other series' calibration days before its own replay day.
  const pools = kind === 'cpu' && options.mora?.fleetTail ? fleetTailPools(inputs, kind, one, options) : undefined;
  inputs.forEach((input, i) => {
    const strategies = pools ? one.map((n, q) => createStrategy(n, kind, { ...options, fleetTail: pools[q]?.tailFor(i, firstDayOf(input.series)) })) : sharedChains(one, kind, { ...options, fleetTail: undefined });
    const res = replay(input.series, strategies, seriesOptions(input, options));
    // Results are keyed by the label, whatever name the strategy object gives itself.
    res.forEach((r, k) => { r.strategy = oneNames[k]; });
    for (const r of res) add(input.name, r);
    options.onSeries?.(i + 1, inputs.length, input.name);
  });
  // A fleet budget needs every series on each replay day: one replay over all of them (a plain `mora-fleet` = the default target).
  const fleet: Record<string, FleetDay[]> = {};
  const fleetSpecs = specs.filter(isFleet);
  if (fleetSpecs.length > 0) {
    const labels = fleetSpecs.map((s) => strategyLabel(s, kind));
    const targets = fleetSpecs.map((s) => (typeof s === 'string' ? undefined : s.risk) ?? DEFAULT_RISK[kind]);
    const res = replayFleet(inputs, kind, targets, labels, { ...options, ...options.fleet });
    labels.forEach((label, q) => {
      res.replays[q].forEach((r, i) => add(inputs[i].name, r));
      fleet[label] = res.days[q];
    });
  }
  const mean = names.map((n) => {
    const mine = perSeries.filter((p) => p.strategy === n && p.summary.days > 0 && !isIdle(p.summary));
    return { strategy: n, series: mine.length, summary: meanSummary(mine.map((p) => p.summary)) };
  });
  const idle = new Map<string, string[]>();
  for (const p of perSeries) if (isIdle(p.summary)) idle.set(p.series, [...(idle.get(p.series) ?? []), p.strategy]);
  return { kind, strategies: [...names], rows, perSeries, mean, idle: [...idle].map(([series, strategies]) => ({ series, strategies })), ...(Object.keys(fleet).length ? { fleet } : {}), elapsedMs: performance.now() - t0 };
}
