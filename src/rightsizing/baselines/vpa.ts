/**
 * Faithful re-implementation of the Kubernetes Vertical Pod Autoscaler recommender's target and bounds
 * (kubernetes/autoscaler, vertical-pod-autoscaler/pkg/recommender/logic + model), for one container:
 *  - CPU: every sample into a decaying histogram (weight 0.1, half-life 24 h).
 *  - Memory: one peak per 24 h aggregation interval into a decaying histogram (weight 1, half-life 24 h);
 *    a higher sample in the same interval replaces that interval's peak.
 *  - target = P90 × 1.15; upper = P95 × 1.15 × (1 + 1/conf); lower = P50 × 1.15 × (1 + 0.001/conf)^-2;
 *    conf = min(days between first and last sample, CPU sample count / 1440); all floored at the minimum.
 * VPA's CPU samples are metrics-server's usage rates, about one a minute. A series sampled finer than that (10 s, 30 s) is
 * averaged into one sample per minute first, so VPA sees what it would have seen, not six times as many noisier points
 * whose P90 sits higher; a coarser series is taken as it is. The sample count behind the confidence is counted in the
 * minutes the samples stand for (VPA's one a minute), so a 5-min or hourly series is not 5 or 60 times less confident.
 */
import type { Bounded } from '../../core/recommendation';
import { CPU_BUCKETS, DecayingHistogram, MEMORY_BUCKETS } from './histogram';
import type { ResourceKind, SizingStrategy } from './strategy';

const DAY = 86400;

export const VPA = {
  halfLife: DAY,
  cpuSampleWeight: 0.1,
  memoryAggregationInterval: DAY,
  /** Seconds per CPU usage sample (metrics-server's resolution); finer input is averaged to it. */
  cpuSampleInterval: 60,
  /** A gap longer than this is an outage: the sample after it stands for one interval, not the whole gap. */
  maxSampleGap: 3600,
  safetyMargin: 0.15,
  targetPercentile: 0.9,
  lowerPercentile: 0.5,
  upperPercentile: 0.95,
  /** Per pod; split over containers by the caller. */
  minCpu: 0.025,
  minMemory: 250 * 2 ** 20,
  oomBumpBytes: 100 * 2 ** 20,
  oomBumpRatio: 1.2,
} as const;

export interface VpaOptions {
  /** Floor in base units; defaults to VPA's per-pod minimum (25m, 250 MiB). */
  min?: number;
}

export class VpaStrategy implements SizingStrategy {
  readonly name = 'vpa';
  private readonly hist: DecayingHistogram;
  private readonly min: number;
  private first = NaN;
  private last = NaN;
  /** Samples counted as VPA would have had them: one per minute covered. */
  private samples = 0;
  // The minute being averaged (CPU input finer than VPA's one sample a minute).
  private minute = NaN;
  private minuteSum = 0;
  private minuteN = 0;
  private minuteLast = NaN;
  // Memory aggregation state (ContainerState in VPA).
  private windowEnd = NaN;
  private peak = 0;

  constructor(readonly kind: ResourceKind, options: VpaOptions = {}) {
    this.hist = new DecayingHistogram(kind === 'cpu' ? CPU_BUCKETS : MEMORY_BUCKETS, VPA.halfLife);
    this.min = options.min ?? (kind === 'cpu' ? VPA.minCpu : VPA.minMemory);
  }

  observe(t: ArrayLike<number>, v: ArrayLike<number>): void {
    for (let i = 0; i < t.length; i++) {
      if (!Number.isFinite(v[i]) || v[i] < 0) continue;
      if (Number.isNaN(this.first)) this.first = t[i];
      this.count(t[i]);
      if (this.kind === 'cpu') {
        const m = Math.floor(t[i] / VPA.cpuSampleInterval);
        if (m !== this.minute) { this.flushMinute(); this.minute = m; }
        this.minuteSum += v[i]; this.minuteN++; this.minuteLast = t[i];
      } else this.addMemorySample(t[i], v[i]);
    }
  }

  /** Counts the minutes a sample at t stands for since the previous one (1 at most per minute; a long gap is an outage). */
  private count(t: number): void {
    const gap = Number.isNaN(this.last) ? VPA.cpuSampleInterval : t - this.last;
    this.last = t;
    this.samples += Math.max(0, Math.min(gap, VPA.maxSampleGap) / VPA.cpuSampleInterval);
  }

  /** One CPU sample for the minute: the mean of its samples, at the time of the last (unchanged for 1-min or coarser input). */
  private flushMinute(): void {
    if (this.minuteN === 0) return;
    this.hist.add(this.minuteSum / this.minuteN, VPA.cpuSampleWeight, this.minuteLast);
    this.minuteSum = 0; this.minuteN = 0;
  }

  /** VPA's OOM rule: inject max(used + 100 MiB, used × 1.2) as a memory peak, used = max(request, recent peak). */
  observeOom(t: number, request: number): void {
    const used = Math.max(request, this.peak);
    const needed = Math.max(used + VPA.oomBumpBytes, used * VPA.oomBumpRatio);
    this.addMemorySample(t, needed);
  }

  recommend(): Bounded | undefined {
    this.flushMinute();
    if (this.hist.isEmpty()) return undefined;
    const conf = this.confidence();
    const m = 1 + VPA.safetyMargin;
    const value = Math.max(this.min, this.hist.percentile(VPA.targetPercentile) * m);
    const upper = Math.max(this.min, this.hist.percentile(VPA.upperPercentile) * m * (1 + 1 / conf));
    const lower = Math.max(this.min, this.hist.percentile(VPA.lowerPercentile) * m * Math.pow(1 + 0.001 / conf, -2));
    return { value, lower, upper: Number.isFinite(upper) ? upper : value * 1e3 };
  }

  /** VPA's confidence: min(lifespan in days, samples / 1440); samples counted as VPA's one per minute covered. */
  confidence(): number {
    const days = (this.last - this.first) / DAY;
    return Math.max(1e-9, Math.min(days, this.samples / 1440));
  }

  private addMemorySample(ts: number, usage: number): void {
    if (Number.isNaN(this.windowEnd)) this.windowEnd = ts;
    let addNewPeak = false;
    if (ts < this.windowEnd) {
      const old = this.peak;
      if (old !== 0 && usage > old) {
        this.hist.subtract(old, 1, this.windowEnd);
        addNewPeak = true;
      }
    } else {
      const interval = VPA.memoryAggregationInterval;
      const shift = Math.floor((ts - this.windowEnd) / interval) * interval + interval;
      this.windowEnd += shift;
      this.peak = 0;
      addNewPeak = true;
    }
    if (addNewPeak) {
      this.hist.add(usage, 1, this.windowEnd);
      this.peak = usage;
    }
  }
}
