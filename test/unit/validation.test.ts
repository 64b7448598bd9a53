// Data-quality marks a recommendation's confidence relies on, from generated frames (seeded).
import * as assert from 'node:assert/strict';
import { Rng } from '../../src/core/random';
import type { MetricFrame } from '../../src/data/datasource';
import { validateFrame } from '../../src/data/validation';

function frame(n: number, step: number, gen: (i: number, rng: Rng) => number, seed = 1): MetricFrame {
  const rng = new Rng(seed);
  const t = Float64Array.from({ length: n }, (_, i) => 1_700_000_000 + i * step);
  const cpu = Float64Array.from({ length: n }, (_, i) => gen(i, rng));
  const mem = Float64Array.from({ length: n }, () => 2e8 * (1 + 0.05 * rng.normal()));
  return { t, step, values: { cpu_usage: cpu, memory_working_set: mem } };
}

describe('frame validation', () => {
  it('accepts a complete week and gives full confidence', () => {
    const v = validateFrame(frame(7 * 288 + 1, 300, (_i, r) => 0.3 + 0.05 * r.normal()));
    assert.equal(v.ok, true);
    assert.ok(v.confidence > 0.99, String(v.confidence));
    assert.deepEqual(v.metrics.cpu_usage!.marks, []);
    assert.ok(v.absent.includes('request_rate'));
  });

  it('scales confidence with history: two days count less than a week', () => {
    const two = validateFrame(frame(2 * 288, 300, (_i, r) => 0.3 + 0.05 * r.normal()));
    assert.equal(two.ok, true);
    assert.ok(two.confidence > 0.2 && two.confidence < 0.35, String(two.confidence));
  });

  it('refuses too little history (KRR: 100 points and 3 h)', () => {
    const v = validateFrame(frame(90, 60, () => 0.3));
    assert.equal(v.ok, false);
    assert.equal(v.confidence, 0);
    assert.ok(v.metrics.cpu_usage!.marks.includes('short-history'));
    assert.match(v.messages.join('\n'), /cpu_usage: not enough history \(1\.5 h, 90 points/);
  });

  it('marks sparse data and long gaps, with the gap length', () => {
    // every other sample missing, plus a 3-hour hole
    const v = validateFrame(frame(1000, 60, (i, r) => (i % 2 || (i > 300 && i < 480) ? NaN : 0.3 + 0.01 * r.normal())));
    assert.equal(v.ok, false);
    const q = v.metrics.cpu_usage!;
    assert.ok(q.completeness < 0.5);
    assert.ok(q.marks.includes('sparse') && q.marks.includes('gap'));
    assert.equal(q.longestGapSeconds, 179 * 60);
    assert.match(v.messages.join('\n'), /a gap of 3\.0 h/);
  });

  it('marks a flat series, a level shift and negative values', () => {
    const flat = validateFrame(frame(500, 60, () => 0.5));
    assert.ok(flat.metrics.cpu_usage!.marks.includes('flat'));
    const shift = validateFrame(frame(500, 60, (i, r) => (i < 250 ? 0.2 : 0.8) + 0.01 * r.normal()));
    assert.ok(shift.metrics.cpu_usage!.marks.includes('level-shift'));
    assert.ok(Math.abs(shift.metrics.cpu_usage!.levelShift - 0.6 / 0.5) < 0.1, String(shift.metrics.cpu_usage!.levelShift));
    const neg = validateFrame(frame(500, 60, (i) => (i === 17 ? -1 : 0.3)));
    assert.equal(neg.ok, false);
    assert.ok(neg.metrics.cpu_usage!.marks.includes('negative'));
  });

  it('is not ok without a required metric, and treats an all-NaN metric as empty', () => {
    const f = frame(500, 60, () => NaN);
    const v = validateFrame(f);
    assert.equal(v.ok, false);
    assert.ok(v.metrics.cpu_usage!.marks.includes('empty'));
    const noMem = validateFrame({ ...f, values: { cpu_usage: f.values.memory_working_set } });
    assert.equal(noMem.ok, false);
    assert.match(noMem.messages.join('\n'), /memory_working_set: no data/);
  });
});
