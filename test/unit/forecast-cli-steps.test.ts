import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../src/core/random';
import { mora } from './helpers/run-cli';

/**
 * The CLI contract `mora forecast --model all --format csv` on inputs unlike the 5-minute traces MOrA was tuned on
 * (bench:forecast --heldout: 1-hour and 30-second steps, 4-day histories): the contract's columns, one row per step at
 * the input's own step, finite values, nothing below 0 for usage that never went there, bands around the forecasts.
 */
const DAY = 86400, START = 1_700_006_400; // a midnight UTC
const COLUMNS = 'timestamp,prophet,prophet_lower,prophet_upper,lstm,fused,fused_lower,fused_upper,confidence';
const truth = (ts: number): number => 20 + 15 * Math.sin((2 * Math.PI * ts) / DAY);

describe('mora forecast --model all at other steps and on short histories', function () {
  this.timeout(180000);
  let dir: string;
  before(() => { dir = mkdtempSync(join(tmpdir(), 'mora-forecast-steps-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** Non-negative daily usage (a sine around 20, noise, clipped at 0) at `step` seconds for `days` days. */
  function input(name: string, step: number, days: number): { path: string; last: number } {
    const rng = new Rng(11);
    const n = Math.round((days * DAY) / step);
    const rows = Array.from({ length: n }, (_, i) => `${START + i * step},${Math.max(0, truth(START + i * step) + 2 * rng.normal())}`);
    const path = join(dir, name);
    writeFileSync(path, ['timestamp,value', ...rows].join('\n') + '\n');
    return { path, last: START + (n - 1) * step };
  }

  async function forecast(path: string, horizon: number): Promise<number[][]> {
    const r = await mora(['forecast', '--input', path, '--horizon', String(horizon), '--model', 'all', '--format', 'csv', '--set', 'lstm.epochs=3']);
    assert.equal(r.code, 0, r.err);
    const lines = r.out.trim().split('\n');
    assert.equal(lines[0], COLUMNS);
    assert.equal(lines.length, horizon + 1);
    return lines.slice(1).map((l) => l.split(',').map(Number));
  }

  function checkRows(rows: number[][], last: number, step: number): void {
    rows.forEach((row, i) => {
      const [ts, p, pl, pu, l, f, fl, fu, c] = row;
      assert.equal(ts, last + (i + 1) * step, 'on the input\'s own step');
      assert.ok(row.every(Number.isFinite), `finite: ${row}`);
      assert.ok([p, pl, pu, l, f, fl, fu].every((x) => x >= 0), `not below 0: ${row}`);
      assert.ok(pl <= p && p <= pu && fl <= f && f <= fu, `bands around the forecasts: ${row}`);
      assert.ok(c >= 0 && c <= 1);
    });
  }

  it('1-hour steps: a day ahead, 24 rows an hour apart', async () => {
    const { path, last } = input('hourly.csv', 3600, 10);
    checkRows(await forecast(path, 24), last, 3600);
  });

  it('30-second steps: an hour ahead, 120 rows 30 s apart', async () => {
    const { path, last } = input('thirty.csv', 30, 2.5);
    checkRows(await forecast(path, 120), last, 30);
  });

  it('a 4-day history: every column follows the daily cycle (Prophet with a forced weekly term did not)', async () => {
    const { path, last } = input('short.csv', 300, 4);
    const rows = await forecast(path, 288);
    checkRows(rows, last, 300);
    // Measured: prophet 0.19 (6.84 with the forced weekly term), fused 0.52; the LSTM, 3 epochs here, 5.8.
    for (const [k, name, limit] of [[1, 'prophet', 2], [5, 'fused', 2], [4, 'lstm', 8]] as const) {
      const mae = rows.reduce((s, r) => s + Math.abs(r[k] - truth(r[0])), 0) / rows.length;
      assert.ok(mae < limit, `${name} MAE ${mae.toFixed(2)} against the daily cycle (amplitude 15, noise sd 2)`);
    }
  });
});
