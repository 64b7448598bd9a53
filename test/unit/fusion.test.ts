import assert from 'node:assert/strict';
import { Rng } from '../../src/core/random';
import type { Forecast } from '../../src/ml/forecast-types';
import { combineConfidence, confidenceParts, dataQuality, fuse, type ComponentResult, type DataQuality } from '../../src/ml/fusion';

const H = 12;
function fc(level: number, halfBand = 2, shape = (i: number) => Math.sin(i / 2)): Forecast {
  const mean = Float64Array.from({ length: H }, (_, i) => level + shape(i));
  return { t: Float64Array.from({ length: H }, (_, i) => 1000 + 60 * i), mean, lower: mean.map((m) => m - halfBand), upper: mean.map((m) => m + halfBand), intervalWidth: 0.9 };
}
const goodQuality: DataQuality = { completeness: 1, stability: 0.9, days: 20, naiveMae: 1 };

describe('fusion', () => {
  it('blends 0.4 × prophet + 0.6 × lstm by default and keeps each contribution', () => {
    const p = fc(10), l = fc(20);
    const f = fuse([{ name: 'prophet', forecast: p, validationMae: 1 }, { name: 'lstm', forecast: l, validationMae: 1 }], goodQuality);
    for (let i = 0; i < H; i++) {
      assert.ok(Math.abs(f.mean[i] - (0.4 * p.mean[i] + 0.6 * l.mean[i])) < 1e-9);
      assert.ok(Math.abs(f.contributions.prophet![i] + f.contributions.lstm![i] - f.mean[i]) < 1e-9);
    }
    assert.deepEqual(f.used, ['prophet', 'lstm']);
    assert.deepEqual(f.dropped, []);
  });

  it('honours configured weights', () => {
    const f = fuse([{ name: 'prophet', forecast: fc(0, 1, () => 0) }, { name: 'lstm', forecast: fc(10, 1, () => 0) }], goodQuality, {},
      { weights: { prophet: 3, lstm: 1 }, dropRatio: 2, anchorWeight: 1 });
    assert.ok(Math.abs(f.mean[0] - 2.5) < 1e-9);
    assert.ok(Math.abs(f.weights.prophet! - 0.75) < 1e-12);
  });

  it('drops a model that failed or returned NaN, and says which and why', () => {
    const bad = fc(5); (bad.mean as Float64Array)[3] = NaN;
    const a = fuse([{ name: 'prophet', forecast: fc(10) }, { name: 'lstm', forecast: bad }], goodQuality);
    assert.deepEqual(a.used, ['prophet']);
    assert.equal(a.dropped[0].name, 'lstm');
    assert.match(a.dropped[0].reason, /non-finite/);
    assert.deepEqual(Array.from(a.mean), Array.from(fc(10).mean));
    const b = fuse([{ name: 'prophet', error: 'too few points' }, { name: 'lstm', forecast: fc(5) }], goodQuality);
    assert.deepEqual(b.used, ['lstm']);
    assert.match(b.dropped[0].reason, /failed: too few points/);
  });

  it('drops a model that validates much worse than the other, but not one that is only somewhat worse', () => {
    const much = fuse([{ name: 'prophet', forecast: fc(10), validationMae: 5 }, { name: 'lstm', forecast: fc(20), validationMae: 1 }], goodQuality);
    assert.deepEqual(much.used, ['lstm']);
    assert.match(much.dropped[0].reason, /validation MAE 5.*5\.00× lstm/);
    const some = fuse([{ name: 'prophet', forecast: fc(10), validationMae: 1.5 }, { name: 'lstm', forecast: fc(20), validationMae: 1 }], goodQuality);
    assert.deepEqual(some.used, ['prophet', 'lstm']);
  });

  it('refuses when no model is usable, naming each failure', () => {
    assert.throws(() => fuse([{ name: 'prophet', error: 'boom' }, { name: 'lstm', error: 'bang' }], goodQuality), /prophet: failed: boom; lstm: failed: bang/);
  });

  it('bounds: Prophet band around the fused mean, widened by disagreement', () => {
    const p = fc(10, 2, () => 0), l = fc(14, 5, () => 0);
    const f = fuse([{ name: 'prophet', forecast: p }, { name: 'lstm', forecast: l }], goodQuality);
    // fused 12.4; Prophet half-band 2; disagreement 4.
    assert.ok(Math.abs(f.lower[0] - (12.4 - 2 - 4)) < 1e-9 && Math.abs(f.upper[0] - (12.4 + 2 + 4)) < 1e-9);
    const agree = fuse([{ name: 'prophet', forecast: p }, { name: 'lstm', forecast: fc(10, 5, () => 0) }], goodQuality);
    assert.ok(agree.upper[0] - agree.lower[0] < f.upper[0] - f.lower[0]);
  });

  describe('confidence', () => {
    const comps = (gap: number): ComponentResult[] => [{ name: 'prophet', forecast: fc(10) }, { name: 'lstm', forecast: fc(10 + gap) }];
    it('stays in [0, 1] and rises with validation skill, agreement, data quality and history length', () => {
      const base = fuse(comps(0.5), goodQuality, { fusedMae: 1, baselineMae: 2 });
      assert.ok(base.confidence > 0 && base.confidence <= 1);
      assert.ok(fuse(comps(0.5), goodQuality, { fusedMae: 4, baselineMae: 2 }).confidence < base.confidence, 'worse validation');
      assert.ok(fuse(comps(5), goodQuality, { fusedMae: 1, baselineMae: 2 }).confidence < base.confidence, 'disagreement');
      assert.ok(fuse(comps(0.5), { ...goodQuality, completeness: 0.5 }, { fusedMae: 1, baselineMae: 2 }).confidence < base.confidence, 'gaps');
      assert.ok(fuse(comps(0.5), { ...goodQuality, days: 3 }, { fusedMae: 1, baselineMae: 2 }).confidence < base.confidence, 'short history');
    });
    it('follows the documented formula', () => {
      const parts = confidenceParts(goodQuality, 0.5, 1, 2);
      assert.ok(Math.abs(parts.validation - 1 / 1.5) < 1e-12);
      assert.ok(Math.abs(parts.agreement - 1 / 1.5) < 1e-12);
      assert.ok(Math.abs(parts.quality - 0.9) < 1e-12);
      assert.equal(parts.history, 1);
      assert.ok(Math.abs(combineConfidence(parts) - (1 / 1.5) ** 0.6 * 0.9 ** 0.2) < 1e-12);
    });
  });

  it('measures data quality: completeness from gaps, stability from drifting daily levels', () => {
    const rng = new Rng(1);
    const t: number[] = [], flat: number[] = [], drift: number[] = [];
    for (let i = 0; i < 14 * 288; i++) { t.push(i * 300); flat.push(10 + rng.normal()); drift.push(10 + i / 100 + rng.normal()); }
    const q = dataQuality(t, flat, 300);
    assert.ok(q.completeness > 0.999 && Math.abs(q.days - 14) < 0.01);
    assert.ok(dataQuality(t, drift, 300).stability < q.stability);
    const holed = t.filter((_, i) => i % 4 !== 0);
    assert.ok(Math.abs(dataQuality(holed, holed.map(() => 1), 300).completeness - 0.75) < 0.01);
  });
});
