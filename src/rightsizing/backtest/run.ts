/**
 * Backtest of several strategies over several series: replay each series once with fresh strategy instances,
 * collect per-day values (for the recommendations CSV) and per-strategy summaries (per series, then the mean over series).
 */
import type { Series } from '../../core/series';
import type { ResourceKind } from '../baselines/strategy';
import { replay, type ReplayOptions } from '../replay/replay';
import { meanSummary, summarize, type DayScore, type Summary } from '../replay/score';
import { createStrategy, strategyLabel, type StrategyContext, type StrategyName, type StrategySpec } from './strategies';

export interface BacktestInput {
  name: string;
  series: Series;
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
  perSeries: Array<{ series: string; strategy: string; summary: Summary; noAnswer: number; days?: DayScore[] }>;
  mean: Array<{ strategy: string; series: number; summary: Summary }>;
  elapsedMs: number;
}

export interface BacktestOptions extends ReplayOptions, StrategyContext {
  /** Called after each series (progress on stderr in the CLI). */
  onSeries?: (done: number, total: number, name: string) => void;
  /** Keep each series' scored days in `perSeries` (the frontier's calibration and confidence tables need them). */
  keepDays?: boolean;
}

/** Strategies by name, or as specs (`{ name: 'mora', risk: 0.05 }` replays as `mora@cpu-risk=0.05`). */
export function runBacktest(inputs: readonly BacktestInput[], kind: ResourceKind, specs: ReadonlyArray<StrategyName | StrategySpec>, options: BacktestOptions = {}): BacktestResult {
  const t0 = performance.now();
  const names = specs.map((s) => strategyLabel(s, kind));
  const rows: BacktestRow[] = [];
  const perSeries: BacktestResult['perSeries'] = [];
  inputs.forEach((input, i) => {
    const strategies = specs.map((n) => createStrategy(n, kind, options));
    const res = replay(input.series, strategies, options);
    // Results are keyed by the label, whatever name the strategy object gives itself.
    res.forEach((r, k) => { r.strategy = names[k]; });
    for (const r of res) {
      for (const d of r.days) rows.push({ series: input.name, dayStart: d.dayStart, strategy: r.strategy, value: d.value });
      perSeries.push({ series: input.name, strategy: r.strategy, summary: summarize(r.days), noAnswer: r.noAnswer, ...(options.keepDays ? { days: r.days } : {}) });
    }
    options.onSeries?.(i + 1, inputs.length, input.name);
  });
  const mean = names.map((n) => {
    const mine = perSeries.filter((p) => p.strategy === n && p.summary.days > 0);
    return { strategy: n, series: mine.length, summary: meanSummary(mine.map((p) => p.summary)) };
  });
  return { kind, strategies: [...names], rows, perSeries, mean, elapsedMs: performance.now() - t0 };
}
