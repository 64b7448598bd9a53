/** Shared by the CPU risk tests that compare rules on a waste–risk curve (risk-body-base, risk-day-conditioning). */
import { Rng } from '../../../src/core/random';
import { series, type Series } from '../../../src/core/series';
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

const DAY = 86400;

/** 35 days at 10 min: a daily cycle with lognormal noise; on 30% of days 8% of the samples are bursts at 4× the body. */
export function burstySeries(seed: number): Series {
  const rng = new Rng(seed);
  const t: number[] = [], v: number[] = [];
  let burst = false;
  for (let x = 0; x < 35 * DAY; x += 600) {
    if (x % DAY === 0) burst = rng.next() < 0.3;
    t.push(x); v.push((1 + 0.3 * Math.sin((2 * Math.PI * x) / DAY)) * Math.exp(0.2 * rng.normal()) * (burst && rng.next() < 0.08 ? 4 : 1));
  }
  return series(t, v);
}
