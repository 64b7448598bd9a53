import { strict as assert } from 'node:assert';
import { CPU_BUCKETS, DecayingHistogram, ExponentialBuckets, MEMORY_BUCKETS } from '../../src/rightsizing/baselines/histogram';
import { VpaStrategy } from '../../src/rightsizing/baselines/vpa';
import { KrrStrategy } from '../../src/rightsizing/baselines/krr';
import { AutopilotStrategy } from '../../src/rightsizing/baselines/autopilot';
import { weightedQuantile, weightedQuantileOfRuns, weightedQuantiles } from '../../src/rightsizing/baselines/strategy';
import { createStrategy, parseStrategySpec } from '../../src/rightsizing/backtest/strategies';
import { Rng } from '../../src/core/random';

const H = 3600;
const DAY = 86400;
const GB = 1e9;

/** Upper edge of the VPA bucket holding v, computed from the definition (first bucket 0.01, each 5% wider). */
function bucketEnd(v: number, first: number): number {
  let start = 0, size = first;
  while (start + size <= v) { start += size; size *= 1.05; }
  return start + size;
}

describe('VPA baseline', () => {
  it('has 176 exponential buckets for CPU and memory', () => {
    assert.equal(CPU_BUCKETS.numBuckets, 176);
    assert.equal(MEMORY_BUCKETS.numBuckets, 176);
    const b = new ExponentialBuckets(1000, 0.01, 1.05);
    assert.ok(Math.abs(b.start(1) - 0.01) < 1e-12);
    assert.ok(Math.abs(b.start(2) - 0.0205) < 1e-12);
  });

  it('returns the upper edge of the bucket as the percentile', () => {
    const h = new DecayingHistogram(CPU_BUCKETS, Infinity);
    h.add(1, 1, 0);
    const want = bucketEnd(1, 0.01);
    assert.ok(Math.abs(h.percentile(0.5) - want) < 1e-9, `${h.percentile(0.5)} vs ${want}`);
    assert.ok(want > 1 && want <= 1.05 * 1.0001);
  });

  it('halves sample weights every 24 h', () => {
    const h = new DecayingHistogram(CPU_BUCKETS, DAY);
    // three samples of 1 core at t=0 weigh 3; one sample of 2 cores two days later weighs 4: the median is now 2.
    for (let i = 0; i < 3; i++) h.add(1, 1, 0);
    h.add(2, 1, 2 * DAY);
    assert.ok(Math.abs(h.percentile(0.5) - bucketEnd(2, 0.01)) < 1e-9);
    const flat = new DecayingHistogram(CPU_BUCKETS, Infinity);
    for (let i = 0; i < 3; i++) flat.add(1, 1, 0);
    flat.add(2, 1, 2 * DAY);
    assert.ok(Math.abs(flat.percentile(0.5) - bucketEnd(1, 0.01)) < 1e-9);
  });

  it('keeps its percentiles when the decay reference shifts (past 40 half-lives: 60 days of the same days)', () => {
    // The reference shift rescales every bucket; a sample added at that moment must land on the rescaled weights,
    // not on its bucket's old weight (which 2^40 later outweighed everything: VPA's p90 fell 0.51 → 0.11 after day 40).
    const cpu = new VpaStrategy('cpu');
    const mem = new VpaStrategy('memory');
    const rng = new Rng(7);
    const targets: number[] = [], limits: number[] = [];
    for (let d = 0; d < 60; d++) {
      const t: number[] = [], c: number[] = [], m: number[] = [];
      for (let s = 0; s < DAY; s += 300) {
        t.push(d * DAY + s);
        c.push(0.3 * (1 + 0.6 * Math.sin((2 * Math.PI * s) / DAY)) + 0.03 * rng.next());
        m.push((300 + 200 * ((s / DAY + d) % 1)) * 2 ** 20);
      }
      cpu.observe(t, c);
      mem.observe(t, m);
      targets.push(cpu.recommend()!.value);
      limits.push(mem.recommend()!.value);
    }
    for (let d = 20; d < 60; d++) {
      assert.ok(Math.abs(targets[d] / targets[19] - 1) < 0.06, `CPU target on day ${d}: ${targets[d]} vs ${targets[19]} on day 19`);
      assert.ok(Math.abs(limits[d] / limits[19] - 1) < 0.06, `memory on day ${d}: ${limits[d]} vs ${limits[19]} on day 19`);
    }
  });

  it('CPU target is P90 × 1.15 and bounds widen with low confidence', () => {
    const vpa = new VpaStrategy('cpu');
    const t: number[] = [], v: number[] = [];
    for (let i = 0; i < 1440; i++) { t.push(i * 60); v.push(0.5); }
    vpa.observe(t, v);
    const rec = vpa.recommend();
    assert.ok(rec);
    assert.ok(Math.abs(rec.value - bucketEnd(0.5, 0.01) * 1.15) < 1e-9);
    // conf = min(~1 day, 1440/1440) ≈ 1 → upper = P95 × 1.15 × (1 + 1/conf) ≈ 2 × target.
    assert.ok(Math.abs(rec.upper / rec.value - (1 + 1 / vpa.confidence())) < 1e-9);
    assert.ok(rec.lower < rec.value && rec.lower > rec.value * 0.99);
  });

  it('CPU sampled finer than a minute is seen as VPA sees it: one mean per minute (10 s and 1 min give the same target)', () => {
    const rng = new Rng(5);
    const t10: number[] = [], v10: number[] = [], t60: number[] = [], v60: number[] = [];
    for (let m = 0; m < 3 * 1440; m++) {
      let sum = 0;
      // Bursty within the minute: 10-s samples spread far more than their minute means.
      for (let k = 0; k < 6; k++) { const x = 0.2 + 0.1 * Math.sin(m / 229) + 0.15 * Math.abs(rng.normal()); t10.push(m * 60 + k * 10); v10.push(x); sum += x; }
      t60.push(m * 60 + 50); v60.push(sum / 6);
    }
    const fine = new VpaStrategy('cpu'), minute = new VpaStrategy('cpu');
    fine.observe(t10, v10); minute.observe(t60, v60);
    const a = fine.recommend()!, b = minute.recommend()!;
    assert.ok(Math.abs(a.value / b.value - 1) < 1e-9, `10 s ${a.value} vs 1 min ${b.value}`);
    // Confidence counts VPA's one sample a minute: 3 days of 5-min samples are 3 days, not 3/5.
    const five = new VpaStrategy('cpu');
    five.observe(Array.from({ length: 3 * 288 }, (_x, i) => i * 300), Array.from({ length: 3 * 288 }, () => 0.5));
    assert.ok(five.confidence() > 2.9, `confidence ${five.confidence()}`);
    assert.ok(Math.abs(fine.confidence() - minute.confidence()) < 0.01, `${fine.confidence()} vs ${minute.confidence()}`);
  });

  it('memory keeps one peak per 24 h interval: a higher sample replaces the interval peak', () => {
    const vpa = new VpaStrategy('memory');
    vpa.observe([0, H, 2 * H], [1 * GB, 3 * GB, 2 * GB]);
    // Only the 3 GB peak is in the histogram, so even the median (lower bound) comes from it.
    const rec = vpa.recommend();
    assert.ok(rec);
    assert.ok(Math.abs(rec.value - bucketEnd(3 * GB, 1e7) * 1.15) < 1);
    const p50 = (rec.lower / 1.15) * (1 + 0.001 / vpa.confidence()) ** 2;
    assert.ok(p50 > 2.9 * GB, `lower bound came from ${p50}`);
  });

  it('memory floor is 250 MiB and the OOM rule bumps by max(+100 MiB, ×1.2)', () => {
    const small = new VpaStrategy('memory');
    small.observe([0], [1e6]);
    assert.equal(small.recommend()?.value, 250 * 2 ** 20);
    const vpa = new VpaStrategy('memory');
    vpa.observe([0], [1 * GB]);
    vpa.observeOom(H, 1 * GB);
    // used = max(request 1 GB, peak 1 GB) → needed = max(1 GB + 100 MiB, 1.2 GB) = 1.2 GB becomes the interval's peak.
    assert.ok(Math.abs(vpa.recommend()!.value - bucketEnd(1.2 * GB, 1e7) * 1.15) < 1);
  });
});

describe('KRR baseline', () => {
  const ramp = (n: number, step = 300): [number[], number[]] => [Array.from({ length: n }, (_, i) => i * step), Array.from({ length: n }, (_, i) => i + 1)];

  it('simple: CPU request = p95 (linear interpolation), rounded up to 1m', () => {
    const k = new KrrStrategy('cpu');
    k.observe(...ramp(100));
    // p95 of 1..100 = 1 + 0.95 × 99 = 95.05
    assert.ok(Math.abs(k.recommend(100 * 300)!.value - 95.05) < 1e-9);
  });

  it('simple_limit: request p66, limit p96', () => {
    const k = new KrrStrategy('cpu', { variant: 'simple_limit' });
    k.observe(...ramp(100));
    const r = k.recommend(100 * 300)!;
    assert.ok(Math.abs(r.value - 66.34) < 1e-9);
    assert.ok(Math.abs(r.upper - 96.04) < 1e-9);
  });

  it('says "not enough data" under 100 points or 3 hours', () => {
    const few = new KrrStrategy('cpu');
    few.observe(...ramp(99));
    assert.equal(few.recommend(99 * 300), undefined);
    const short = new KrrStrategy('cpu');
    short.observe(...ramp(150, 60)); // 149 minutes
    assert.equal(short.recommend(150 * 60), undefined);
  });

  it('memory = max × 1.15 over 14 days, rounded up to 1 MiB, floored at 100 MiB', () => {
    const k = new KrrStrategy('memory');
    const t: number[] = [], v: number[] = [];
    for (let i = 0; i < 20 * 24; i++) { t.push(i * H); v.push(i === 5 ? 8 * GB : 1 * GB); } // an 8 GB spike on day 0
    k.observe(t, v);
    const mib = 2 ** 20;
    assert.equal(k.recommend(20 * DAY)!.value, Math.ceil((1 * GB * 1.15) / mib) * mib); // the day-0 spike is out of the window
    const tiny = new KrrStrategy('memory');
    tiny.observe(...ramp(200));
    assert.equal(tiny.recommend(200 * 300)!.value, 100 * mib);
  });
});

describe('Autopilot baseline', () => {
  it('CPU = weighted p95 + 10%', () => {
    const a = new AutopilotStrategy('cpu');
    a.observe(Array.from({ length: 100 }, (_, i) => i * 300), Array.from({ length: 100 }, () => 2));
    assert.ok(Math.abs(a.recommend(100 * 300)!.value - 2.2) < 1e-12);
  });

  it('forgets an old burst after a few 12 h half-lives', () => {
    const now = 10 * DAY;
    const a = new AutopilotStrategy('cpu');
    // Load-adjusted: 50 samples at 10 cores 96 h ago weigh 50 × 10 / 256 ≈ 1.95 core-samples; 50 recent samples at 1 core
    // weigh ≈ 50: the burst is 3.8% of the CPU-time, under 5%, so p95 is 1.
    a.observe(Array.from({ length: 50 }, (_, i) => now - 96 * H + i), Array.from({ length: 50 }, () => 10));
    a.observe(Array.from({ length: 50 }, (_, i) => now - 50 + i), Array.from({ length: 50 }, () => 1));
    assert.ok(Math.abs(a.recommend(now)!.value - 1.1) < 1e-12);
  });

  it('CPU p95 is of the load-adjusted histogram (decay × value: the CPU-time), memory\'s of the samples', () => {
    // Two levels at one instant (decay 1): 97 samples at 1 core, 3 at 10. The 10s are 3% of the samples but
    // 30 / 127 = 23.6% of the CPU-time, so the load-adjusted p95 is 10 (sample p95: 1).
    const now = 10 * DAY;
    const t = Array.from({ length: 100 }, () => now);
    const v = Array.from({ length: 100 }, (_, i) => (i % 33 === 0 && i > 0 ? 10 : 1));
    assert.equal(v.filter((x) => x === 10).length, 3);
    const cpu = new AutopilotStrategy('cpu');
    cpu.observe(t, v);
    assert.ok(Math.abs(cpu.recommend(now)!.value - 11) < 1e-12, `cpu ${cpu.recommend(now)!.value}`);
    // Memory keeps the sample percentile: 1 sample at 10 among 99 at 1 is 1% of the samples, so p98 is 1
    // (load-adjusted it would be 10: 10 / 109 = 9.2% of the total).
    const mem = new AutopilotStrategy('memory');
    mem.observe(t, Array.from({ length: 100 }, (_, i) => (i === 50 ? 10 : 1)));
    assert.ok(Math.abs(mem.recommend(now)!.value - 1.1) < 1e-12);
    // Boundary: 1 sample at 10 among 199 at 1 is 10 / 209 = 4.8% of the CPU-time, under 5%: p95 stays 1.
    const low = new AutopilotStrategy('cpu');
    low.observe(Array.from({ length: 200 }, () => now), Array.from({ length: 200 }, (_, i) => (i === 7 ? 10 : 1)));
    assert.ok(Math.abs(low.recommend(now)!.value - 1.1) < 1e-12);
    // Decay still weighs: the three 10s 48 h old (4 half-lives) weigh 30 / 16 = 1.875 of 98.875 = 1.9%: p95 is 1.
    const old = new AutopilotStrategy('cpu');
    old.observe(Array.from({ length: 3 }, () => now - 48 * H), [10, 10, 10]);
    old.observe(Array.from({ length: 97 }, () => now), Array.from({ length: 97 }, () => 1));
    assert.ok(Math.abs(old.recommend(now)!.value - 1.1) < 1e-12);
    // An idle series (all zero) recommends 0, not NaN.
    const idle = new AutopilotStrategy('cpu');
    idle.observe([now - 300, now], [0, 0]);
    assert.equal(idle.recommend(now)!.value, 0);
  });

  it('memory modes: p98, peak, max(p60, half the peak)', () => {
    const t = Array.from({ length: 100 }, (_, i) => i * 60);
    const v = Array.from({ length: 100 }, (_, i) => (i === 50 ? 10 : 1));
    const peak = new AutopilotStrategy('memory', 'peak');
    peak.observe(t, v);
    assert.ok(Math.abs(peak.recommend(6000)!.value - 11) < 1e-9);
    const half = new AutopilotStrategy('memory', 'p60-half-peak');
    half.observe(t, v);
    assert.ok(Math.abs(half.recommend(6000)!.value - 5.5) < 1e-9);
    const p98 = new AutopilotStrategy('memory', 'p98');
    p98.observe(t, v);
    assert.ok(Math.abs(p98.recommend(6000)!.value - 1.1) < 1e-9);
  });

  it('autopilot-peak (mora backtest --strategies) is the peak memory option; its CPU is autopilot\'s', () => {
    assert.deepEqual(parseStrategySpec('autopilot-peak', 'memory'), { name: 'autopilot-peak' });
    const t = Array.from({ length: 100 }, (_, i) => i * 60);
    const v = Array.from({ length: 100 }, (_, i) => (i === 50 ? 10 : 1));
    const mem = createStrategy('autopilot-peak', 'memory');
    assert.equal(mem.name, 'autopilot-peak');
    mem.observe(t, v);
    assert.ok(Math.abs(mem.recommend(6000)!.value - 11) < 1e-9);
    const [a, b] = [createStrategy('autopilot', 'cpu'), createStrategy('autopilot-peak', 'cpu')];
    a.observe(t, v); b.observe(t, v);
    assert.deepEqual(b.recommend(6000), a.recommend(6000));
  });

  it('weightedQuantile picks the smallest value reaching the weight share', () => {
    assert.equal(weightedQuantile([3, 1, 2], [1, 1, 1], 0.5), 2);
    assert.equal(weightedQuantile([3, 1, 2], [1, 1, 10], 0.5), 2);
    assert.equal(weightedQuantile([3, 1, 2], [10, 1, 1], 0.5), 3);
  });

  it('the window quantile over sorted day runs (MOrA\'s base) and several quantiles from one sort (Autopilot) are weightedQuantile exactly', () => {
    const rng = new Rng(9);
    for (let trial = 0; trial < 60; trial++) {
      // Days of samples (some tied, some empty) weighted 2^-age as MOrA's window is, plus a partial day at weight 1.
      const runs: Float64Array[] = [], w: number[] = [], flatV: number[] = [], flatW: number[] = [];
      const nDays = 1 + rng.int(9);
      for (let d = 0; d < nDays; d++) {
        const len = trial % 7 === 0 && d === 0 ? 0 : 1 + rng.int(300);
        const day = Float64Array.from({ length: len }, () => (rng.next() < 0.2 ? 1 : Math.round(rng.next() * 50) / 10)).sort();
        runs.push(day); w.push(d === nDays - 1 && trial % 2 ? 1 : Math.pow(2, -(nDays - d)));
        for (const x of day) { flatV.push(x); flatW.push(w[w.length - 1]); }
      }
      for (const q of [0, 0.5, 0.8, 0.9, 0.95, 0.99, 0.999, 1]) {
        assert.equal(weightedQuantileOfRuns(runs, w, q), weightedQuantile(flatV, flatW, q), `trial ${trial} q ${q}`);
      }
      assert.deepEqual(weightedQuantiles(flatV, flatW, [0.95, 0.5, 1]), [0.95, 0.5, 1].map((q) => weightedQuantile(flatV, flatW, q)));
    }
    assert.ok(Number.isNaN(weightedQuantileOfRuns([new Float64Array(0)], [1], 0.5)));
  });
});
