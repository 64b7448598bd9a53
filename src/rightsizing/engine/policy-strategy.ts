/**
 * The strategy a policy names, built from the baselines directly (not through the backtest's registry, which itself
 * depends on the engine: going through it made engine → backtest → engine a cycle).
 */
import { AutopilotStrategy } from '../baselines/autopilot';
import { KrrStrategy } from '../baselines/krr';
import type { ResourceKind, SizingStrategy } from '../baselines/strategy';
import { VpaStrategy } from '../baselines/vpa';
import { MoraStrategy, type MoraStrategyOptions } from './mora-strategy';
import type { EngineStrategy } from './policy';

export function strategyFor(name: EngineStrategy, kind: ResourceKind, mora?: MoraStrategyOptions): SizingStrategy {
  switch (name) {
    case 'mora': return new MoraStrategy(kind, mora);
    case 'vpa': return new VpaStrategy(kind);
    case 'krr': return new KrrStrategy(kind, { variant: 'simple' });
    case 'autopilot': return new AutopilotStrategy(kind);
  }
}
