/**
 * Faithful re-implementation of Robusta KRR's strategies (robusta-dev/krr, strategies/simple.py):
 *  - `simple`: CPU request = p95 of usage over the history (no CPU limit); memory request = limit = max × 1.15.
 *  - `simple_limit`: CPU request = p66, CPU limit = p96; memory as `simple`.
 * Defaults: 14 days of history; needs ≥ 100 points and ≥ 3 h, else no answer ("not enough data");
 * floors 10m CPU and 100 MiB memory; results rounded up to 1m / 1 MiB.
 * Prometheus' quantile_over_time interpolates linearly between order statistics, like `quantileSorted`.
 */
import type { Bounded } from '../../core/recommendation';
import { quantileSorted } from '../../core/stats';
import { roundUpTo } from '../../core/quantity';
import type { ResourceKind, SizingStrategy } from './strategy';

export const KRR = {
  historyDays: 14,
  minPoints: 100,
  minSpanSeconds: 3 * 3600,
  memoryBuffer: 0.15,
  minCpu: 0.01,
  minMemory: 100 * 2 ** 20,
  cpuStep: 0.001,
  memoryStep: 2 ** 20,
} as const;

export type KrrVariant = 'simple' | 'simple_limit';

export interface KrrOptions {
  variant?: KrrVariant;
  historyDays?: number;
  /** Override the floor (base units). */
  min?: number;
}

export class KrrStrategy implements SizingStrategy {
  readonly name: string;
  private t: number[] = [];
  private v: number[] = [];
  private readonly variant: KrrVariant;
  private readonly history: number;
  private readonly min: number;
  private why: string | undefined;

  constructor(readonly kind: ResourceKind, options: KrrOptions = {}) {
    this.variant = options.variant ?? 'simple';
    this.name = this.variant === 'simple' ? 'krr' : 'krr-limit';
    this.history = (options.historyDays ?? KRR.historyDays) * 86400;
    this.min = options.min ?? (kind === 'cpu' ? KRR.minCpu : KRR.minMemory);
  }

  observe(t: ArrayLike<number>, v: ArrayLike<number>): void {
    for (let i = 0; i < t.length; i++) if (Number.isFinite(v[i])) { this.t.push(t[i]); this.v.push(v[i]); }
  }

  recommend(now: number): Bounded | undefined {
    // Drop what fell out of the window so memory stays bounded over long replays.
    let lo = 0;
    while (lo < this.t.length && this.t[lo] < now - this.history) lo++;
    if (lo > 0) { this.t.splice(0, lo); this.v.splice(0, lo); }
    const n = this.v.length;
    this.why = n < KRR.minPoints ? `fewer than ${KRR.minPoints} points in its ${this.history / 86400}-day window`
      : this.t[n - 1] - this.t[0] < KRR.minSpanSeconds ? `its window's points span less than ${KRR.minSpanSeconds / 3600} h` : undefined;
    if (this.why) return undefined;
    const sorted = Float64Array.from(this.v).sort();
    if (this.kind === 'cpu') {
      const reqQ = this.variant === 'simple' ? 0.95 : 0.66;
      const value = this.finish(quantileSorted(sorted, reqQ), KRR.cpuStep);
      // `simple` sets no CPU limit; `simple_limit` sets p96. The bounds carry the limit where there is one.
      const upper = this.variant === 'simple' ? value : this.finish(quantileSorted(sorted, 0.96), KRR.cpuStep);
      return { value, lower: value, upper };
    }
    const value = this.finish(sorted[n - 1] * (1 + KRR.memoryBuffer), KRR.memoryStep);
    return { value, lower: value, upper: value };
  }

  whyNoValue(): string | undefined {
    return this.why;
  }

  private finish(x: number, step: number): number {
    return roundUpTo(Math.max(x, this.min), step);
  }
}
