import * as assert from 'node:assert/strict';
import { Rng } from '../../src/core/random';
import { max, quantile } from '../../src/core/stats';
import type { MetricFrame } from '../../src/data/datasource';
import { summariseUsage } from '../../src/views/usage';

/** A frame of n samples, some missing (NaN) and, with `odd`, an infinite one. */
function frame(n: number, seed: number, odd = false): MetricFrame {
  const rng = new Rng(seed);
  const t = Float64Array.from({ length: n }, (_, i) => i * 300);
  const cpu = Float64Array.from({ length: n }, () => (rng.next() < 0.1 ? NaN : rng.next()));
  const mem = Float64Array.from({ length: n }, () => (rng.next() < 0.05 ? NaN : 1e8 * (1 + rng.next())));
  if (odd && n > 3) cpu[3] = Infinity;
  return { t, step: 300, values: { cpu_usage: cpu, memory_working_set: mem } };
}

describe('usage summary', () => {
  it('p50 / p95 / max as the statistics helpers give them, over frames of any length one after another', () => {
    // The summary sorts into one shared buffer: a long frame grows it, a short one after must not see its leftovers.
    for (const [n, seed] of [[288, 1], [5000, 2], [7, 3], [4032, 4], [1, 5], [288, 6]] as const) {
      for (const odd of [false, true]) {
        const f = frame(n, seed, odd);
        const u = summariseUsage(f);
        const cpu = f.values.cpu_usage!;
        const mem = f.values.memory_working_set!;
        if (!u) {
          assert.ok(cpu.every((x, i) => !Number.isFinite(x) || !Number.isFinite(mem[i])), `n=${n}: a summary when samples exist`);
          continue;
        }
        assert.deepEqual(u.cpu, { p50: quantile(cpu, 0.5), p95: quantile(cpu, 0.95), max: max(cpu) }, `cpu n=${n} odd=${odd}`);
        assert.deepEqual(u.memory, { p50: quantile(mem, 0.5), p95: quantile(mem, 0.95), max: max(mem) }, `memory n=${n}`);
      }
    }
  });

  it('the same on sorted, reversed, constant and few-valued series (the selection\'s hard cases)', () => {
    const n = 1000;
    const series = [
      Float64Array.from({ length: n }, (_, i) => i),
      Float64Array.from({ length: n }, (_, i) => n - i),
      new Float64Array(n).fill(0.25),
      Float64Array.from({ length: n }, (_, i) => i % 3),
      Float64Array.from({ length: 2 }, (_, i) => 5 - i),
    ];
    for (const cpu of series) {
      const u = summariseUsage({ t: new Float64Array(cpu.length), step: 300, values: { cpu_usage: cpu, memory_working_set: cpu } })!;
      assert.deepEqual(u.cpu, { p50: quantile(cpu, 0.5), p95: quantile(cpu, 0.95), max: max(cpu) });
      assert.deepEqual(u.memory, u.cpu);
    }
  });

  it('no samples: no summary; all-missing CPU with memory present: none either', () => {
    assert.equal(summariseUsage({ t: new Float64Array(0), step: 300, values: { cpu_usage: new Float64Array(0), memory_working_set: new Float64Array(0) } }), undefined);
    const t = Float64Array.from([0, 300]);
    assert.equal(summariseUsage({ t, step: 300, values: { cpu_usage: Float64Array.from([NaN, NaN]), memory_working_set: Float64Array.from([1, 2]) } }), undefined);
  });
});
