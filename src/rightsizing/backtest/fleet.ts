/**
 * The fleet risk budget in the backtest (`mora-fleet@cpu-risk=0.05`): all series are replayed together, one replay day
 * at a time. Before day k every series that is scored that day reads its curve from its own past days, the fleet's
 * targets are allocated over those series (engine/fleet-risk.ts), each series gets its value at its allotted target,
 * and day k's samples then score it exactly as `replay` scores a per-series strategy. Series are aligned by replay day
 * (day k of each series' own replay): for traces recorded together (Bitbrains, Azure) that is the same calendar day;
 * NAB's traces come from different weeks of 2014 and are a fleet only in this sense.
 *
 * Several fleet targets share one set of rules per series (the curve does not depend on the budget), so a grid of fleet
 * targets costs about one per-series replay at each grid target of FLEET_GRID.
 */
import type { Series } from '../../core/series';
import type { ResourceKind } from '../baselines/strategy';
import { allocateFleetRisk, defaultFleetCap } from '../engine/fleet-risk';
import { FleetMemberStrategy, type FleetCurveOptions } from '../engine/fleet-strategy';
import type { MoraStrategyOptions } from '../engine/mora-strategy';
import { days as replayDays, type ReplayDay, type ReplayOptions, type StrategyReplay } from '../replay/replay';
import { scoreDay } from '../replay/score';

export interface FleetReplayOptions extends ReplayOptions, FleetCurveOptions {
  /** Per-workload cap on the allotted target, as a function of the fleet target (default: 4× the target, at most 30%). */
  cap?: (target: number) => number;
  mora?: MoraStrategyOptions;
}

export interface FleetDay {
  /** Replay day index (from each series' first day). */
  index: number;
  /** Series scored that day, the multiplier and the mean of their allotted targets. */
  series: number;
  lambda: number;
  meanTarget: number;
}

export interface FleetReplay {
  /** Per fleet target, one replay per input in input order (DayScore.risk = the target allotted to the series that day). */
  replays: StrategyReplay[][];
  days: FleetDay[][];
}

/** Replays each fleet budget of `targets` (labelled `names`) over all `inputs` together (see the module comment). */
export function replayFleet(inputs: ReadonlyArray<{ name: string; series: Series }>, kind: ResourceKind, targets: readonly number[], names: readonly string[], options: FleetReplayOptions = {}): FleetReplay {
  const capOf = options.cap ?? defaultFleetCap;
  const members = inputs.map(() => new FleetMemberStrategy(kind, options.mora));
  const dayLists: ReplayDay[][] = inputs.map((x) => [...replayDays(x.series, options)]);
  const replays: StrategyReplay[][] = targets.map((_t, q) => inputs.map(() => ({ strategy: names[q], days: [], noAnswer: 0 })));
  const fleetDays: FleetDay[][] = targets.map(() => []);
  const longest = Math.max(0, ...dayLists.map((d) => d.length));
  for (let k = 0; k < longest; k++) {
    const scored = dayLists.flatMap((d, i) => (d[k]?.scored ? [i] : []));
    if (scored.length > 0) {
      const curves = scored.map((i) => ({ curve: members[i].curve(dayLists[i][k].day, options) }));
      targets.forEach((target, q) => {
        const alloc = allocateFleetRisk(curves, { target, cap: capOf(target) });
        fleetDays[q].push({ index: k, series: scored.length, lambda: alloc.lambda, meanTarget: alloc.mean });
        scored.forEach((i, j) => {
          const { day, v } = dayLists[i][k];
          const rec = members[i].recommendAt(day, alloc.targets[j]);
          if (rec === undefined || !Number.isFinite(rec.value)) { replays[q][i].noAnswer++; return; }
          const score = scoreDay(day, rec.value, v);
          if (rec.confidence !== undefined && Number.isFinite(rec.confidence)) score.confidence = rec.confidence;
          score.risk = alloc.targets[j];
          replays[q][i].days.push(score);
        });
      });
    }
    dayLists.forEach((d, i) => { const x = d[k]; if (x && x.t.length > 0) members[i].observe(x.t, x.v); });
  }
  return { replays, days: fleetDays };
}
