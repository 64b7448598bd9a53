/**
 * The Vertical Pod Autoscaler's histogram (kubernetes/autoscaler, vertical-pod-autoscaler/pkg/recommender/util):
 * exponential buckets, each `ratio` (5%) wider than the last, starting with a first bucket of `firstBucketSize`;
 * optional exponential decay of sample weights. A percentile returns the END of the bucket that reaches it,
 * so it errs up to one bucket (~5%) high, exactly like VPA.
 */

export class ExponentialBuckets {
  readonly numBuckets: number;
  private readonly logRatio: number;

  constructor(readonly maxValue: number, readonly firstBucketSize: number, readonly ratio: number) {
    this.logRatio = Math.log(ratio);
    // Same formula as VPA's NewExponentialHistogramOptions: CPU (1000 cores, 0.01) and memory (1e12, 1e7) both give 176.
    this.numBuckets = Math.ceil(Math.log((maxValue * (ratio - 1)) / firstBucketSize + 1) / this.logRatio) + 1;
  }

  find(value: number): number {
    if (value < this.firstBucketSize) return 0;
    const b = Math.floor(Math.log((value * (this.ratio - 1)) / this.firstBucketSize + 1) / this.logRatio);
    return Math.min(this.numBuckets - 1, Math.max(0, b));
  }

  start(bucket: number): number {
    if (bucket <= 0) return 0;
    return (this.firstBucketSize * (Math.pow(this.ratio, bucket) - 1)) / (this.ratio - 1);
  }
}

/** VPA's bucket layouts. */
export const CPU_BUCKETS = new ExponentialBuckets(1000, 0.01, 1.05);
export const MEMORY_BUCKETS = new ExponentialBuckets(1e12, 1e7, 1.05);

/** VPA's epsilon: buckets lighter than this count as empty. */
const EPSILON = 1e-4;

export class DecayingHistogram {
  private readonly weights: Float64Array;
  private total = 0;
  private reference: number | undefined;

  /** halfLife in seconds; Infinity for a plain (non-decaying) histogram. */
  constructor(readonly buckets: ExponentialBuckets, readonly halfLife: number) {
    this.weights = new Float64Array(buckets.numBuckets);
  }

  /** Adds `value` with `weight` at time t (seconds): later samples weigh 2^(Δt/halfLife) more than older ones. */
  add(value: number, weight: number, t: number): void {
    // The factor first: it may shift the reference and rescale every bucket, and `weights[b] += f()` would read the
    // bucket's weight before that rescale and write it back unscaled (2^40 too heavy after 40 half-lives).
    const w = weight * this.decayFactor(t);
    this.weights[this.buckets.find(value)] += w;
    this.total += w;
  }

  /** Removes a sample added earlier with the same value, weight and time (VPA does this when a memory peak is replaced). */
  subtract(value: number, weight: number, t: number): void {
    const b = this.buckets.find(value);
    const w = weight * this.decayFactor(t);
    this.weights[b] = Math.max(0, this.weights[b] - w);
    this.total = Math.max(0, this.total - w);
  }

  isEmpty(): boolean {
    return this.total < EPSILON;
  }

  percentile(p: number): number {
    if (this.isEmpty()) return 0;
    const threshold = p * this.total;
    let min = 0, max = this.weights.length - 1;
    while (min < max && this.weights[min] < EPSILON) min++;
    while (max > min && this.weights[max] < EPSILON) max--;
    let partial = 0;
    let b = min;
    for (; b < max; b++) {
      partial += this.weights[b];
      if (partial >= threshold) break;
    }
    return b < this.buckets.numBuckets - 1 ? this.buckets.start(b + 1) : this.buckets.start(b);
  }

  private decayFactor(t: number): number {
    if (!Number.isFinite(this.halfLife)) return 1;
    if (this.reference === undefined) this.reference = t;
    let exponent = (t - this.reference) / this.halfLife;
    // VPA shifts the reference when the factor would overflow (maxDecayExponent = 100); we shift earlier to keep precision.
    if (exponent > 40) {
      const shift = Math.floor(exponent);
      const f = Math.pow(2, -shift);
      for (let i = 0; i < this.weights.length; i++) this.weights[i] *= f;
      this.total *= f;
      this.reference += shift * this.halfLife;
      exponent -= shift;
    }
    return Math.pow(2, exponent);
  }
}
