/**
 * The fleet risk budget in the backtest (`mora-fleet@cpu-risk=0.05`): all series are replayed together, one replay day
 * at a time. Before day k every series that is scored that day reads its curve from its own past days, the fleet's
 * targets are allocated over those series (engine/fleet-risk.ts), each series gets its value at its allotted target,
 * and day k's samples then score it exactly as `replay` scores a per-series strategy. Series are aligned by replay day
 * (day k of each series' own replay): for traces recorded together (Bitbrains, Azure) that is the same calendar day;
 * NAB's traces come from different weeks of 2014 and are a fleet only in this sense.
 *
 * A series with no usage on any day before day k (idle so far) is not in day k's budget: it is held at the fleet target
 * and spends none of it. Counted in, it took the lowest grid target at no waste and left the rest of its share to the
 * others, up to N/(N − 1) above the budget (two generated busy series and an idle one: 6.7% at a 5% budget), while the
 * backtest leaves an idle series out of the means (replay/score.ts): the achieved mean is over the series in the budget.
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
import { seriesOptions } from './warmup';
import { scoreDay } from '../replay/score';

export interface FleetReplayOptions extends ReplayOptions, FleetCurveOptions {
  /** Per-workload cap on the allotted target, as a function of the fleet target (default: 4× the target, at most 30%). */
  cap?: (target: number) => number;
  mora?: MoraStrategyOptions;
}

export interface FleetDay {
  /** Replay day index (from each series' first day). */
  index: number;
  /** Series in that day's budget (scored, with usage on some day before it), the multiplier and the mean of their allotted targets. */
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
export function replayFleet(inputs: ReadonlyArray<{ name: string; series: Series; warmupDays?: number }>, kind: ResourceKind, targets: readonly number[], names: readonly string[], options: FleetReplayOptions = {}): FleetReplay {
  const capOf = options.cap ?? defaultFleetCap;
  const members = inputs.map(() => new FleetMemberStrategy(kind, options.mora));
  const dayLists: ReplayDay[][] = inputs.map((x) => [...replayDays(x.series, seriesOptions(x, options))]);
  const replays: StrategyReplay[][] = targets.map((_t, q) => inputs.map(() => ({ strategy: names[q], days: [], noAnswer: 0 })));
  const fleetDays: FleetDay[][] = targets.map(() => []);
  const longest = Math.max(0, ...dayLists.map((d) => d.length));
  // Σ usage of the days each series' member has observed (module comment: idle so far = not in the budget).
  const used = inputs.map(() => 0);
  for (let k = 0; k < longest; k++) {
    const scored = dayLists.flatMap((d, i) => (d[k]?.scored ? [i] : []));
    if (scored.length > 0) {
      const inBudget = scored.filter((i) => used[i] > 0);
      const curves = inBudget.map((i) => ({ curve: members[i].curve(dayLists[i][k].day, options) }));
      targets.forEach((target, q) => {
        const alloc = inBudget.length ? allocateFleetRisk(curves, { target, cap: capOf(target) }) : { targets: [], lambda: 0, mean: NaN };
        if (inBudget.length) fleetDays[q].push({ index: k, series: inBudget.length, lambda: alloc.lambda, meanTarget: alloc.mean });
        const allotted = new Map(inBudget.map((i, j) => [i, alloc.targets[j]]));
        scored.forEach((i) => {
          const { day, v } = dayLists[i][k];
          const risk = allotted.get(i) ?? target;
          const rec = members[i].recommendAt(day, risk);
          if (rec === undefined || !Number.isFinite(rec.value)) { replays[q][i].noAnswer++; return; }
          const score = scoreDay(day, rec.value, v);
          if (rec.confidence !== undefined && Number.isFinite(rec.confidence)) score.confidence = rec.confidence;
          score.risk = risk;
          replays[q][i].days.push(score);
        });
      });
    }
    dayLists.forEach((d, i) => {
      const x = d[k];
      if (x && x.t.length > 0) {
        members[i].observe(x.t, x.v);
        for (let j = 0; j < x.v.length; j++) used[i] += x.v[j];
      }
    });
  }
  return { replays, days: fleetDays };
}
