/**
 * Google Autopilot's moving-window recommender as its paper describes it (Rzadca et al., "Autopilot: workload autoscaling at
 * Google", EuroSys 2020, §3.2; the code is not public): exponentially decaying sample weights (half-life 12 h for CPU, 48 h for
 * memory); CPU = p95 of the load-adjusted histogram (a sample weighs decay × value: the percentile of the CPU-time, not of the
 * samples); memory = p98 of the samples weighted by age (the paper's intermediate OOM tolerance; `peak` — low tolerance, the
 * `autopilot-peak` strategy — and `p60-half-peak` are the others); then a safety margin (+10%). Not applied: the highest
 * recommendation of the last hour (a daily replay computes one value a day). Differences: docs/ENGINE.md § Baselines.
 */
import type { Bounded } from '../../core/recommendation';
import type { ResourceKind, SizingStrategy } from './strategy';
import { weightedQuantiles } from './strategy';

export const AUTOPILOT = {
  cpuHalfLife: 12 * 3600,
  memoryHalfLife: 48 * 3600,
  cpuPercentile: 0.95,
  memoryPercentile: 0.98,
  margin: 0.1,
  /** Samples older than this many half-lives weigh < 0.1% and are dropped. */
  keepHalfLives: 10,
} as const;

export type AutopilotMemoryMode = 'p98' | 'peak' | 'p60-half-peak';

export class AutopilotStrategy implements SizingStrategy {
  readonly name: string;
  private t: number[] = [];
  private v: number[] = [];
  private readonly halfLife: number;

  constructor(readonly kind: ResourceKind, private readonly memoryMode: AutopilotMemoryMode = 'p98') {
    this.halfLife = kind === 'cpu' ? AUTOPILOT.cpuHalfLife : AUTOPILOT.memoryHalfLife;
    this.name = memoryMode === 'p98' ? 'autopilot' : `autopilot-${memoryMode}`;
  }

  observe(t: ArrayLike<number>, v: ArrayLike<number>): void {
    for (let i = 0; i < t.length; i++) if (Number.isFinite(v[i])) { this.t.push(t[i]); this.v.push(v[i]); }
  }

  recommend(now: number): Bounded | undefined {
    const cutoff = now - AUTOPILOT.keepHalfLives * this.halfLife;
    let lo = 0;
    while (lo < this.t.length && this.t[lo] < cutoff) lo++;
    if (lo > 0) { this.t.splice(0, lo); this.v.splice(0, lo); }
    const n = this.v.length;
    if (n === 0) return undefined; // whyNoValue: no sample since the cutoff
    // CPU reads a load-adjusted histogram (§3.2.1): a sample weighs its decay × its value, so the percentile is of the
    // CPU-time, not of the samples; memory weighs samples by age only.
    const loadAdjusted = this.kind === 'cpu';
    const w = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      w[i] = Math.pow(2, (this.t[i] - now) / this.halfLife);
      if (loadAdjusted) w[i] *= Math.max(0, this.v[i]);
    }
    const m = 1 + AUTOPILOT.margin;
    // One sort for the three quantiles read: the percentile (or p60 for p60-half-peak), the median and the top.
    const p = this.kind === 'cpu' ? AUTOPILOT.cpuPercentile : this.memoryMode === 'p98' ? AUTOPILOT.memoryPercentile : 0.6;
    const [atP, median, top] = weightedQuantiles(this.v, w, [p, 0.5, 1]);
    let raw: number;
    if (this.kind === 'cpu' || this.memoryMode === 'p98') raw = atP;
    else {
      let peak = -Infinity;
      for (const x of this.v) if (x > peak) peak = x;
      raw = this.memoryMode === 'peak' ? peak : Math.max(atP, 0.5 * peak);
    }
    // A request is never negative: negative usage (a broken rate; the CLI warns about it) sizes to 0, not below.
    const value = Math.max(0, raw * m);
    return { value, lower: Math.max(0, median * m), upper: Math.max(value, top * m) };
  }

  whyNoValue(): string | undefined {
    // recommend answers whenever a sample is left in its window, so no answer means none since the cutoff.
    return this.v.length === 0 ? `no sample in its last ${(AUTOPILOT.keepHalfLives * this.halfLife) / 86400} days` : undefined;
  }
}
