import assert from 'node:assert/strict';
import { Rng } from '../../src/core/random';
import { series, type Series } from '../../src/core/series';
import { trainGlobalLstm, type GlobalLstmOptions } from '../../src/ml/lstm/global';

/**
 * The global LSTM is not trained on a gap the grid filled with a straight line, as the per-series LSTM is not
 * (lstm-filled-gap.test.ts): a pool whose members miss days teaches the one network that series continue in straight
 * lines, and every member's forecast pays for it. Measured on the pool below (3 hourly members missing days 6–14, 30
 * epochs): the next 12 h from 06:00 of day 22 had a mean MAE of 0.359 of the amplitude at seeds 1, 2, 3 and 7 before
 * (the flat forecast's error: the network learnt deviations of 0); after, 0.195 / 0.344 / 0.359 / 0.278. That is too
 * seed-dependent for a test, so the tests assert what is left out.
 */
const T0 = 1_700_006_400; // a midnight UTC
const SMALL: Partial<GlobalLstmOptions> = { steps: 24, chunk: 12, units1: 16, units2: 8, dense: 8, epochs: 30, patience: 8, batchSize: 64, learningRate: 5e-3, windowsPerSeries: 400, seed: 7 };

/** Hourly days of a sharp daily shape plus noise at `level` ± `amp`; hours for which `missing` holds are left out. */
function shaped(days: number, level: number, amp: number, seed: number, missing: (i: number) => boolean = () => false): { s: Series } {
  const rng = new Rng(seed);
  const t: number[] = [], v: number[] = [];
  for (let i = 0; i < days * 24; i++) {
    const h = i % 24;
    const shape = h >= 8 && h < 11 ? 1.6 - 0.4 * (h - 8) : h >= 17 && h < 21 ? 0.6 : 0;
    const x = level + amp * (shape + 0.05 * rng.normal());
    if (!missing(i)) { t.push(T0 + i * 3600); v.push(x); }
  }
  return { s: series(t, v) };
}

describe('global LSTM: windows on a filled gap are left out of training', function () {
  this.timeout(120_000);

  it('a pool without gaps trains on every window it did before (no filled windows counted)', () => {
    const pool = [1, 3].map((amp, k) => ({ id: `w${k}`, series: shaped(12, 10 * amp, amp, 10 + k).s }));
    const m = trainGlobalLstm(pool, { ...SMALL, epochs: 1 });
    assert.equal(m.state.trainedOn.filledWindows, undefined);
  });

  it('members missing 9 of 21 days: the windows on the gap are counted and left out, at training and at a refresh', () => {
    // Days 6–14 missing: the grid fills them with a straight line, about 40% of each member's windows.
    const gap = (i: number): boolean => i >= 6 * 24 && i < 15 * 24;
    const pool = [1, 5, 20].map((amp, k) => ({ id: `g${k}`, series: shaped(21, 10 * amp, amp, 200 + k, gap).s }));
    const m = trainGlobalLstm(pool, { ...SMALL, epochs: 2 });
    // 3 members × (9 days + the 12-step target and 24-step inputs reaching into them) ≈ 3 × 250 windows.
    const left = m.state.trainedOn.filledWindows ?? 0;
    assert.ok(left > 3 * 200 && left < 3 * 300, `${left} windows left out`);
    const refreshed = m.refresh(pool, { epochs: 1 });
    assert.ok((refreshed.state.refreshes[0].filledWindows ?? 0) > 3 * 200, `refresh: ${refreshed.state.refreshes[0].filledWindows}`);
  });
});
