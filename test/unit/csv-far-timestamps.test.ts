// A row whose timestamp is years from the rest (a typo such as 2077000000, a stray 1000000000 or 0,0 row) is left out
// with one warning, the same for forecast and backtest: kept, forecast started from 2035 and backtest scored 22 days of
// a 21-day file (its first 7 days without warm-up). Gappy data that is real (outages) is read as it is.
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { farFromTheRest, parseTimeseriesCsv } from '../../src/data/timeseries-csv';
import { rows, T0 } from './helpers/csv-rows';
import { mora } from './helpers/run-cli';
import { inTempDir } from './helpers/temp-dir';

const DAY = 86_400;
const csv = (lines: string[]) => ['timestamp,value', ...lines].join('\n');

/** Timestamps at `step` s from `from` for `days`. */
function stamps(from: number, days: number, step = 300): number[] {
  return Array.from({ length: Math.round(days * DAY / step) }, (_, i) => from + i * step);
}

describe('timestamps far from the rest', () => {
  it('leaves out a row appended years after, or inserted years before, 21 days of samples, naming its line', () => {
    const days = rows(21 * 288);
    const end = parseTimeseriesCsv(csv([...days, '2077000000,0.2']), 'e.csv');
    assert.equal(end.series.t.length, 21 * 288);
    assert.deepEqual(end.far?.rows, [{ where: `line ${21 * 288 + 2}`, t: 2_077_000_000 }]);
    const start = parseTimeseriesCsv(csv(['1000000000,0.2', ...days]), 's.csv');
    assert.deepEqual(start.far?.rows, [{ where: 'line 2', t: 1_000_000_000 }]);
    assert.equal(start.series.t[0], T0);
    // Both ends at once, and a 0,0 row: each is found, the one does not hide the other.
    const both = parseTimeseriesCsv(csv(['0,0', '1000000000,0.2', ...days, '2077000000,0.2']), 'b.csv');
    assert.deepEqual(both.far?.rows.map((r) => r.t), [0, 1_000_000_000, 2_077_000_000]);
    assert.equal(both.series.t.length, 21 * 288);
    // In a Prometheus export the sample is named.
    const values = [...days.map((l) => l.split(',')), ['2077000000', '0.2']].map(([t, v]) => [Number(t), v]);
    const json = parseTimeseriesCsv(JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [{ metric: {}, values }] } }), 'p.json');
    assert.deepEqual(json.far?.rows, [{ where: `sample ${21 * 288 + 1}`, t: 2_077_000_000 }]);
  });

  it('reads real outages as they are: a week in 60 days (middle or next to an end), 6 months in 2 years, short files', () => {
    const cases: Array<[string, number[]]> = [
      ['a week-long outage in the middle of 60 days', [...stamps(T0, 30), ...stamps(T0 + 37 * DAY, 23)]],
      ['a week-long outage after the first 3 samples of 60 days', [T0, T0 + 300, T0 + 600, ...stamps(T0 + 7 * DAY, 53)]],
      ['a week-long outage before the last sample', [...stamps(T0, 53), T0 + 60 * DAY]],
      ['a 6-month outage in 2 years of hourly samples', [...stamps(T0, 270, 3600), ...stamps(T0 + 450 * DAY, 280, 3600)]],
      ['a year-long outage before one sample after 9 months of daily samples', [...stamps(T0, 270, DAY), T0 + 640 * DAY]],
      ['5 samples, one of them a month on', [T0, T0 + 300, T0 + 600, T0 + 900, T0 + 30 * DAY]],
    ];
    for (const [what, t] of cases) assert.equal(farFromTheRest(t), undefined, what);
  });

  it('mora forecast and mora backtest leave the row out alike, with one warning', async () => {
    await inTempDir(async (dir) => {
      const clean = join(dir, 'clean.csv'), stray = join(dir, 'stray.csv');
      writeFileSync(clean, csv(rows(21 * 288)));
      writeFileSync(stray, csv([...rows(21 * 288), '2077000000,0.2']));
      const f = await mora(['forecast', '-i', stray, '-H', '2', '--model', 'prophet']);
      assert.equal(f.code, 0, f.err);
      assert.equal(f.out.split('\n')[1].split(',')[0], String(T0 + 21 * 288 * 300));
      const warning = /^mora: warning: .*stray\.csv: 1 row far from the rest left out: line 6050 \(2077000000, 2035-10-26T08:26:40Z\); the other 6048 rows span 2023-11-15T00:00:00Z to 2023-12-05T23:55:00Z \(21\.0 days\)\. /m;
      assert.match(f.err, warning);
      const days = async (file: string) => {
        const r = await mora(['backtest', '--input', file, '--kind', 'cpu', '--strategies', 'mora', '--format', 'json', '-q']);
        assert.equal(r.code, 0, r.err);
        return { days: (JSON.parse(r.out) as { mean: Array<{ summary: { days: number } }> }).mean[0].summary.days, err: r.err };
      };
      const [a, b] = [await days(clean), await days(stray)];
      assert.equal(b.days, a.days);
      assert.match(b.err, warning);
      assert.equal(b.err.match(/far from the rest/g)?.length, 1);
    }, 'mora-far-');
  });
});
