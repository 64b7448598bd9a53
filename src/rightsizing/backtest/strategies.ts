/**
 * The strategies the backtest and `mora backtest --strategies` know by name. MOrA's strategies may carry a risk target
 * (`mora@cpu-risk=0.05`, `mora@memory-risk=0.01`): one replay per target, the target in the strategy's name.
 */
import { AutopilotStrategy } from '../baselines/autopilot';
import { KrrStrategy } from '../baselines/krr';
import type { ResourceKind, SizingStrategy, StrategyValue } from '../baselines/strategy';
import { VpaStrategy } from '../baselines/vpa';
import { ForecastGuardedStrategy } from '../engine/forecast-strategy';
import type { FleetTail } from '../engine/fleet-tail';
import { MoraStrategy, type MoraStrategyOptions } from '../engine/mora-strategy';
import { Prophet } from '../../ml/prophet';

export const STRATEGY_NAMES = ['mora', 'vpa', 'krr', 'krr-limit', 'autopilot', 'autopilot-peak', 'mora-prophet', 'mora-fleet'] as const;
export type StrategyName = (typeof STRATEGY_NAMES)[number];
/** The strategies a risk target applies to (the baselines' percentiles are fixed). */
export const RISK_STRATEGIES: readonly StrategyName[] = ['mora', 'mora-prophet', 'mora-fleet'];
/**
 * Strategies replayed over all series together, not one series at a time: `mora-fleet` — MOrA with a fleet risk budget
 * (the target is the mean over the series; each series gets its own, backtest/fleet.ts).
 */
export const FLEET_STRATEGIES: readonly StrategyName[] = ['mora-fleet'];

export function isStrategyName(s: string): s is StrategyName {
  return (STRATEGY_NAMES as readonly string[]).includes(s);
}

export interface StrategyContext {
  /** Options for the MOrA strategy (forecaster, margins). */
  mora?: MoraStrategyOptions;
  /** The other workloads' calibration ratios for MOrA's `fleetTail` option (engine/fleet-tail.ts); the backtest fills it per series. */
  fleetTail?: FleetTail;
}

/** A strategy to replay: a known name, optionally (MOrA only) with a risk target. */
export interface StrategySpec {
  name: StrategyName;
  /** CPU exceedance-share / memory OOM-day-share target for MOrA's rule. */
  risk?: number;
  /**
   * The name its rows and summaries carry, as the command line spelt it (`mora@cpu-risk=0.050`, `…=1e-2`): a harness
   * finds the names it passed. Without it, `strategyLabel`'s (`mora@cpu-risk=0.05`).
   */
  label?: string;
}

/** `mora@cpu-risk=0.05` for a MOrA spec with a risk target, else the plain name. */
export function strategyLabel(spec: StrategySpec | StrategyName, kind: ResourceKind): string {
  if (typeof spec === 'string') return spec;
  if (spec.label !== undefined) return spec.label;
  return spec.risk === undefined ? spec.name : `${spec.name}@${kind}-risk=${formatRisk(spec.risk)}`;
}

/** Shortest decimal that reads back as the same share (0.05, 0.001, 0.125). */
export function formatRisk(r: number): string {
  return String(Number(r.toPrecision(6)));
}

/** Parses `vpa` or `mora@cpu-risk=0.05` (the kind in the label must match); undefined when it is neither. */
export function parseStrategySpec(label: string, kind: ResourceKind): StrategySpec | undefined {
  const m = /^([a-z-]+)(?:@(cpu|memory)-risk=([0-9.eE+-]+))?$/.exec(label.trim().toLowerCase());
  if (!m || !isStrategyName(m[1])) return undefined;
  if (m[2] === undefined) return { name: m[1] };
  if (m[2] !== kind || !RISK_STRATEGIES.includes(m[1])) return undefined;
  const risk = Number(m[3]);
  return Number.isFinite(risk) ? { name: m[1], risk } : undefined;
}

export function createStrategy(spec: StrategyName | StrategySpec, kind: ResourceKind, ctx: StrategyContext = {}): SizingStrategy {
  const s: StrategySpec = typeof spec === 'string' ? { name: spec } : spec;
  // `risk` is MoraStrategyOptions.risk (the calibrated rule's target); cast so this compiles before and after it exists.
  const mora = (s.risk === undefined ? ctx.mora : { ...ctx.mora, risk: s.risk }) as MoraStrategyOptions | undefined;
  const st = create(s.name, kind, mora, ctx.fleetTail);
  return s.risk === undefined ? st : labelled(st, strategyLabel(s, kind), s.risk);
}

function create(name: StrategyName, kind: ResourceKind, mora: MoraStrategyOptions | undefined, fleetTail?: FleetTail): SizingStrategy {
  switch (name) {
    case 'mora': return new MoraStrategy(kind, mora, fleetTail);
    case 'vpa': return new VpaStrategy(kind);
    case 'krr': return new KrrStrategy(kind, { variant: 'simple' });
    case 'krr-limit': return new KrrStrategy(kind, { variant: 'simple_limit' });
    case 'autopilot': return new AutopilotStrategy(kind);
    // Autopilot's low-OOM-tolerance memory option (the window's peak + 10%); CPU is the same as `autopilot`.
    case 'autopilot-peak': return new AutopilotStrategy(kind, 'peak');
    // MOrA with Prophet refit daily, applied only while it beats the window on the days just past (slow: one fit a day).
    case 'mora-prophet': return new ForecastGuardedStrategy(kind, new Prophet(), mora);
    case 'mora-fleet': throw new Error('mora-fleet replays all series together: run it through runBacktest (backtest/fleet.ts)');
  }
}

/** The same strategy under the name that carries its risk target; its values say the target when the rule does not. */
function labelled(inner: SizingStrategy, name: string, risk: number): SizingStrategy {
  return {
    name, kind: inner.kind,
    observe: (t, v) => inner.observe(t, v),
    recommend(now): StrategyValue | undefined {
      const r: StrategyValue | undefined = inner.recommend(now);
      return r === undefined ? undefined : { ...r, risk: r.risk ?? risk };
    },
  };
}
