/** Shared by the CPU risk tests that compare rules on a waste–risk curve (risk-body-base, risk-day-conditioning). */
import type { Series } from '../../../src/core/series';
import { MoraStrategy, type MoraStrategyOptions } from '../../../src/rightsizing/engine/mora-strategy';
import { replay } from '../../../src/rightsizing/replay/replay';
import { summarize } from '../../../src/rightsizing/replay/score';

export interface CurvePoint { risk: number; waste: number }

/** Mean over series of (exceedance share, waste ratio) for one CPU rule. */
export function point(list: readonly Series[], options: MoraStrategyOptions): CurvePoint {
  let risk = 0, waste = 0;
  for (const s of list) {
    const sum = summarize(replay(s, [new MoraStrategy('cpu', options)])[0].days);
    risk += sum.exceedanceShare / list.length; waste += sum.wasteRatio / list.length;
  }
  return { risk, waste };
}

/** Waste of a curve read at achieved risk r, linear between its points (ends held). */
export function wasteAt(curve: readonly CurvePoint[], r: number): number {
  const ps = [...curve].sort((a, b) => a.risk - b.risk);
  if (r <= ps[0].risk) return ps[0].waste;
  for (let i = 1; i < ps.length; i++) {
    if (r <= ps[i].risk) { const f = (r - ps[i - 1].risk) / (ps[i].risk - ps[i - 1].risk); return ps[i - 1].waste + f * (ps[i].waste - ps[i - 1].waste); }
  }
  return ps[ps.length - 1].waste;
}
