/**
 * The strategies the backtest and `mora backtest --strategies` know by name.
 */
import { AutopilotStrategy } from '../baselines/autopilot';
import { KrrStrategy } from '../baselines/krr';
import type { ResourceKind, SizingStrategy } from '../baselines/strategy';
import { VpaStrategy } from '../baselines/vpa';
import { ForecastGuardedStrategy } from '../engine/forecast-strategy';
import { MoraStrategy, type MoraStrategyOptions } from '../engine/mora-strategy';
import { Prophet } from '../../ml/prophet';

export const STRATEGY_NAMES = ['mora', 'vpa', 'krr', 'krr-limit', 'autopilot', 'mora-prophet'] as const;
export type StrategyName = (typeof STRATEGY_NAMES)[number];

export function isStrategyName(s: string): s is StrategyName {
  return (STRATEGY_NAMES as readonly string[]).includes(s);
}

export interface StrategyContext {
  /** Options for the MOrA strategy (forecaster, margins). */
  mora?: MoraStrategyOptions;
}

export function createStrategy(name: StrategyName, kind: ResourceKind, ctx: StrategyContext = {}): SizingStrategy {
  switch (name) {
    case 'mora': return new MoraStrategy(kind, ctx.mora);
    case 'vpa': return new VpaStrategy(kind);
    case 'krr': return new KrrStrategy(kind, { variant: 'simple' });
    case 'krr-limit': return new KrrStrategy(kind, { variant: 'simple_limit' });
    case 'autopilot': return new AutopilotStrategy(kind);
    // MOrA with Prophet refit daily, applied only while it beats the window on the days just past (slow: one fit a day).
    case 'mora-prophet': return new ForecastGuardedStrategy(kind, new Prophet(), ctx.mora);
  }
}
