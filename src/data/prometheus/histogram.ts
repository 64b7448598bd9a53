/**
 * Prometheus' histogram_quantile for classic (le-bucket) histograms, computed client-side: the batched plan fetches
 * bucket rates per pod once per namespace and sums them per workload here, instead of one histogram_quantile query per
 * workload and quantile. Same algorithm as promql/quantile.go (bucketQuantile, Prometheus 2.x): sort by upper bound,
 * merge equal bounds, force counts monotonic, linear interpolation inside the bucket, the +Inf bucket required.
 */

export interface Bucket {
  upperBound: number;
  count: number;
}

/** `le` label value → upper bound (as Prometheus parses it); NaN for a malformed one (the bucket is skipped). */
export function parseLe(le: string): number {
  const l = le.toLowerCase();
  if (l === '+inf' || l === 'inf' || l === '+infinity' || l === 'infinity') return Infinity;
  if (l === '-inf' || l === '-infinity') return -Infinity;
  return le.trim() === '' ? NaN : Number(le);
}

/** The q-quantile of one histogram's buckets; NaN where Prometheus answers NaN. Sorts and edits `buckets` in place. */
export function bucketQuantile(q: number, buckets: Bucket[]): number {
  if (Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  if (buckets.length === 0) return NaN;
  buckets.sort((a, b) => a.upperBound - b.upperBound);
  if (buckets[buckets.length - 1].upperBound !== Infinity) return NaN;
  // Coalesce buckets with the same upper bound (e.g. le="1" and le="1.0").
  let n = 0;
  for (let i = 1; i < buckets.length; i++) {
    if (buckets[i].upperBound === buckets[n].upperBound) buckets[n] = { upperBound: buckets[n].upperBound, count: buckets[n].count + buckets[i].count };
    else buckets[++n] = buckets[i];
  }
  buckets.length = n + 1;
  // Counts must not decrease with the bound (they can, slightly, with rates of separately scraped series).
  let max = -Infinity;
  for (const b of buckets) {
    if (b.count > max) max = b.count;
    else if (b.count < max) b.count = max;
  }
  if (buckets.length < 2) return NaN;
  const observations = buckets[buckets.length - 1].count;
  if (observations === 0) return NaN;
  let rank = q * observations;
  // First bucket (excluding +Inf) whose count reaches the rank; len-1 when none does.
  let b = 0;
  while (b < buckets.length - 1 && !(buckets[b].count >= rank)) b++;
  if (b === buckets.length - 1) return buckets[buckets.length - 2].upperBound;
  if (b === 0 && buckets[0].upperBound <= 0) return buckets[0].upperBound;
  let bucketStart = 0;
  const bucketEnd = buckets[b].upperBound;
  let count = buckets[b].count;
  if (b > 0) {
    bucketStart = buckets[b - 1].upperBound;
    count -= buckets[b - 1].count;
    rank -= buckets[b - 1].count;
  }
  return bucketStart + (bucketEnd - bucketStart) * (rank / count);
}
