import { strict as assert } from 'node:assert';
import { Rng } from '../../src/core/random';
import { series } from '../../src/core/series';
import { peakGrowth } from '../../src/rightsizing/engine/growth';

const DAY = 86400;

/** 14 days at 5 minutes: a daily cycle around `base`, noise, plus `leak` per day. */
function memory(leakPerDay: number, seed = 1, base = 300e6): ReturnType<typeof series> {
  const rng = new Rng(seed);
  const t: number[] = [], v: number[] = [];
  for (let i = 0; i < 14 * 288; i++) {
    const ts = 1.8e9 - (1.8e9 % DAY) + i * 300;
    t.push(ts);
    v.push(base * (1 + 0.1 * Math.sin((2 * Math.PI * i) / 288)) + leakPerDay * (i / 288) + 5e6 * rng.normal());
  }
  return series(t, v);
}

describe('daily peak growth (leak signal)', () => {
  it('measures a steady leak per day', () => {
    const g = peakGrowth(memory(15e6))!;
    assert.ok(g, 'a 15 MB/day leak on a 300 MB service is reported');
    assert.ok(Math.abs(g.perDay - 15e6) < 3e6, `${g.perDay}`);
    assert.equal(g.days, 12, 'whole days only: the first and last are dropped');
    assert.ok(g.agreement > 0.95);
  });

  it('stays quiet on flat, noisy, shrinking or immaterial series', () => {
    for (const seed of [1, 2, 3, 4, 5]) assert.equal(peakGrowth(memory(0, seed)), undefined, `flat seed ${seed}`);
    assert.equal(peakGrowth(memory(-15e6)), undefined, 'shrinking');
    assert.equal(peakGrowth(memory(1e6)), undefined, '1 MB/day on 300 MB is below 10% over the window');
  });

  it('needs enough whole days', () => {
    const s = memory(15e6);
    const short = series(s.t.subarray(0, 4 * 288), s.v.subarray(0, 4 * 288));
    assert.equal(peakGrowth(short), undefined);
  });
});
