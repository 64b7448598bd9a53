import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mora } from './helpers/run-cli';
import { rows, T0 } from './helpers/csv-rows';
import { inTempDir } from './helpers/temp-dir';

const DAY = 86400;
/** A daily cycle around 20 (non-negative usage). */
const truth = (ts: number): number => 20 + 15 * Math.sin((2 * Math.PI * ts) / DAY);
const TINY_LSTM = ['lstm.epochs=2', 'lstm.units1=8', 'lstm.units2=4', 'lstm.dense=4'].flatMap((s) => ['--set', s]);
const COLUMNS = 'timestamp,prophet,prophet_lower,prophet_upper,lstm,fused,fused_lower,fused_upper,confidence';

/** 7 days of 5-minute data. */
function fiveMinute(dir: string): { path: string; last: number } {
  const n = 7 * 288;
  const path = join(dir, 'five-minute.csv');
  writeFileSync(path, ['timestamp,value', ...rows(n, 300, (i) => truth(T0 + i * 300).toFixed(4))].join('\n') + '\n');
  return { path, last: T0 + (n - 1) * 300 };
}

describe('mora forecast --step: every model forecasts on one grid', function () {
  this.timeout(120_000);

  it('a coarser --step averages the history to it, says so, and the LSTM and fused forecast hourly (they forecast 5 minutes ahead under hourly timestamps)', () => inTempDir(async (dir) => {
    const { path, last } = fiveMinute(dir);
    const r = await mora(['forecast', '-i', path, '-H', '6', '--step', '3600', '-m', 'all', '-f', 'json', ...TINY_LSTM]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /the history's 300 s steps averaged to --step 3600 s \(168 means/);
    const j = JSON.parse(r.out);
    assert.deepEqual(j.aggregated, { from_step: 300, step: 3600, points: 168 });
    assert.deepEqual(j.columns.join(','), COLUMNS);
    // Rows on the hour after the last hour of history (buckets start on multiples of 3600 s).
    const lastHour = Math.floor(last / 3600) * 3600;
    assert.deepEqual(j.forecast.map((x: { timestamp: number }) => x.timestamp), [1, 2, 3, 4, 5, 6].map((k) => lastHour + k * 3600));
    // The LSTM (alone and inside fused) trained and scored on the same hourly grid.
    assert.equal(j.models.lstm.fitted.step, 3600);
    const held: number[] = j.models.lstm.fitted.holdout.t;
    assert.ok(held.length > 1 && held.every((t, i) => i === 0 || t - held[i - 1] === 3600), `holdout on the hourly grid: ${held.slice(0, 3)}`);
    // Each row is the mean of its hour: Prophet on the hourly means follows the hour's mean of the daily cycle.
    for (const row of j.forecast as { timestamp: number; prophet: number }[]) {
      let mean = 0;
      for (let k = 0; k < 12; k++) mean += truth(row.timestamp + k * 300) / 12;
      assert.ok(Math.abs(row.prophet - mean) < 1, `${row.timestamp}: ${row.prophet} vs ${mean}`);
    }
  }));

  it('a first hour the data covers for 10 minutes only is left out, not taken for that hour\'s mean', () => inTempDir(async (dir) => {
    const path = join(dir, 'mid-hour.csv');
    // From 00:50: the 00:00 bucket holds 2 of its 12 points, then 2 whole days of hours.
    writeFileSync(path, ['timestamp,value', ...rows(2 + 2 * 288, 300, (i) => truth(T0 + 3000 + i * 300).toFixed(4)).map((l) => {
      const [ts, v] = l.split(',');
      return `${Number(ts) + 3000},${v}`;
    })].join('\n') + '\n');
    const r = await mora(['forecast', '-i', path, '-H', '2', '--step', '3600', '-f', 'json']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /48 means, .* 1 partly covered edge bucket left out/);
    assert.equal(JSON.parse(r.out).aggregated.points, 48);
  }));

  it('a finer --step is refused for lstm, fused and all (exit 2), and kept for Prophet alone', () => inTempDir(async (dir) => {
    const { path, last } = fiveMinute(dir);
    for (const model of ['lstm', 'fused', 'all']) {
      const r = await mora(['forecast', '-i', path, '-H', '3', '--step', '60', '-m', model]);
      assert.equal(r.code, 2, r.err);
      assert.equal(r.out, '');
      assert.match(r.err, /--step 60 is finer than the data's own 300 s step: .*give --step 300 or coarser .* or --model prophet/);
    }
    const p = await mora(['forecast', '-i', path, '-H', '3', '--step', '60', '-m', 'prophet']);
    assert.equal(p.code, 0, p.err);
    assert.doesNotMatch(p.err, /averaged/);
    assert.deepEqual(p.out.trim().split('\n').slice(1).map((l) => Number(l.split(',')[0])), [1, 2, 3].map((k) => last + k * 60));
  }));

  it('--step at the data\'s own step changes nothing, and one so coarse that one mean is left is an error', () => inTempDir(async (dir) => {
    const { path, last } = fiveMinute(dir);
    const same = await mora(['forecast', '-i', path, '-H', '2', '--step', '300']);
    assert.equal(same.code, 0, same.err);
    assert.doesNotMatch(same.err, /averaged/);
    assert.equal(Number(same.out.trim().split('\n')[1].split(',')[0]), last + 300);
    const coarse = await mora(['forecast', '-i', path, '-H', '1', '--step', String(14 * DAY)]);
    assert.equal(coarse.code, 2, coarse.err);
    assert.match(coarse.err, /averaged to 1209600 s steps is 1 point; a forecast needs at least 2/);
  }));
});
