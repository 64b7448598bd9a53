// JSON handed to `mora forecast -i` / `mora backtest --input`: a Prometheus range-query export (`curl …/api/v1/query_range`)
// reads as its series; other JSON is a short error that says what mora reads. Read as CSV, a one-line export was a
// "header" of 12,100 cells, and the error listing them a 145 KB line.
import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseTimeseries, parseTimeseriesCsv } from '../../src/data/timeseries-csv';
import { inputError, T0 } from './helpers/csv-rows';
import { mora } from './helpers/run-cli';
import { inTempDir } from './helpers/temp-dir';

/** `n` Prometheus samples at 5 min from T0: `[ts, "value"]`. */
function samples(n: number, phase = 0): Array<[number, string]> {
  return Array.from({ length: n }, (_, i) => [T0 + i * 300, (0.25 + 0.1 * Math.sin((i + phase) / 40)).toFixed(4)]);
}

function matrix(result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }>): string {
  return JSON.stringify({ status: 'success', data: { resultType: 'matrix', result } });
}

describe('JSON inputs (a Prometheus query_range export, other JSON)', () => {
  it('reads a one-series Prometheus range-query export, one line or pretty-printed, as its samples', () => {
    const values = samples(500);
    const doc = { status: 'success', data: { resultType: 'matrix', result: [{ metric: { pod: 'web-1' }, values }] } };
    for (const text of [JSON.stringify(doc), JSON.stringify(doc, null, 2), `\uFEFF${JSON.stringify(doc)}\n`,
      JSON.stringify(doc.data), JSON.stringify(doc.data.result), JSON.stringify(values)]) {
      const r = parseTimeseriesCsv(text, 'p.json');
      assert.deepEqual(Array.from(r.series.t), values.map((s) => s[0]), text.slice(0, 30));
      assert.deepEqual(Array.from(r.series.v), values.map((s) => Number(s[1])));
    }
  });

  it('counts NaN samples as missing, and +Inf (Prometheus\' division by zero) as missing too, counted apart (it stopped the whole file)', () => {
    const values = samples(10);
    values[3][1] = 'NaN';
    const r = parseTimeseriesCsv(matrix([{ metric: {}, values }]), 'p.json');
    assert.equal(r.missing, 1);
    assert.equal(r.series.t.length, 9);
    assert.equal(r.infinite, undefined);
    values[5][1] = '+Inf';
    values[6][1] = '-Inf';
    const inf = parseTimeseriesCsv(matrix([{ metric: {}, values }]), 'p.json');
    assert.equal(inf.missing, 3);
    assert.equal(inf.infinite, 2);
    assert.equal(inf.series.t.length, 7);
    assert.ok(Array.from(inf.series.v).every(Number.isFinite));
  });

  it('a file of several series is one series each (labels kept), and one series only is an error that counts them', () => {
    const text = matrix([{ metric: { pod: 'web-1', ns: 'shop' }, values: samples(50) }, { metric: { pod: 'web-2', ns: 'shop' }, values: samples(50, 9) }]);
    const all = parseTimeseries(text, 'p.json');
    assert.deepEqual(all.map((s) => s.labels), [{ pod: 'web-1', ns: 'shop' }, { pod: 'web-2', ns: 'shop' }]);
    assert.throws(() => parseTimeseriesCsv(text, 'p.json'),
      inputError(/^p\.json: the Prometheus export holds 2 series \(\{pod="web-1", ns="shop"\}, \{pod="web-2", ns="shop"\}\); .*select one in the query/));
  });

  it('an instant query, an error answer, cut-short JSON and other JSON say what to export, in a short line', () => {
    const cases: Array<[string, RegExp]> = [
      [JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [T0, '1'] }] } }), /instant query .*query_range/],
      [JSON.stringify({ status: 'error', errorType: 'bad_data', error: 'parse error' }), /Prometheus error answer \(bad_data: parse error\)/],
      [matrix([{ metric: {}, values: samples(3000) }]).slice(0, 5000), /looks like JSON but does not parse .*Prometheus query_range JSON export/],
      [JSON.stringify(samples(3000).map(([timestamp, value]) => ({ timestamp, value }))), /looks like JSON \(an array of objects with keys timestamp, value\), not a Prometheus/],
      [JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [] } }), /holds no series/],
    ];
    for (const [text, pattern] of cases) {
      assert.throws(() => parseTimeseriesCsv(text, 'j.json'), (e: unknown) => {
        assert.match((e as Error).message, pattern);
        assert.ok((e as Error).message.length < 400, `${(e as Error).message.length} characters`);
        return true;
      });
    }
  });

  it('quotes at most 200 characters of a header in an error, however wide the header', () => {
    const wide = Array.from({ length: 5000 }, (_, j) => `metric_${j}`).join(',');
    for (const header of [wide, `timestamp,${wide}`, `timestamp,${Array.from({ length: 3000 }, (_, j) => `cpu_value_${j}`).join(',')}`]) {
      assert.throws(() => parseTimeseriesCsv(`${header}\n${T0},1\n`, 'w.csv'), (e: unknown) => {
        const msg = (e as Error).message;
        assert.ok(msg.length < 450, `${msg.length} characters: ${msg.slice(0, 120)}`);
        assert.match(msg, /…/);
        return true;
      });
    }
  });

  it('mora forecast reads a one-line export; mora backtest replays each series of one, named by its labels', async () => {
    await inTempDir(async (dir) => {
      const one = join(dir, 'prom_range.json');
      writeFileSync(one, matrix([{ metric: { pod: 'web-1' }, values: samples(3 * 288) }]));
      const f = await mora(['forecast', '-i', one, '-H', '3', '--model', 'prophet']);
      assert.equal(f.code, 0, f.err);
      assert.equal(f.out.trim().split('\n')[1].split(',')[0], String(T0 + 3 * 288 * 300));

      const several = join(dir, 'fleet.json');
      writeFileSync(several, matrix([{ metric: { pod: 'web-1', ns: 'shop' }, values: samples(9 * 288) }, { metric: { pod: 'web-2', ns: 'shop' }, values: samples(9 * 288, 40) }]));
      const e = await mora(['forecast', '-i', several, '-H', '3']);
      assert.equal(e.code, 2);
      assert.match(e.err, /holds 2 series .*mora backtest --input/);
      const out = join(dir, 'recs.csv');
      const b = await mora(['backtest', '--input', several, '--kind', 'cpu', '--strategies', 'mora', '--out', out, '-q']);
      assert.equal(b.code, 0, b.err);
      const names = new Set(readFileSync(out, 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')[0]));
      assert.deepEqual([...names], ['fleet{pod=web-1}', 'fleet{pod=web-2}']);
    }, 'mora-json-');
  });

  it('mora backtest --input <dir> reads the .json exports in it beside the .csv files', async () => {
    await inTempDir(async (dir) => {
      writeFileSync(join(dir, 'fleet.json'), matrix([{ metric: { pod: 'web-1' }, values: samples(9 * 288) }, { metric: { pod: 'web-2' }, values: samples(9 * 288, 40) }]));
      writeFileSync(join(dir, 'db.csv'), ['timestamp,value', ...samples(9 * 288, 80).map(([t, v]) => `${t},${v}`)].join('\n'));
      const out = join(dir, 'recs.csv');
      const b = await mora(['backtest', '--input', dir, '--kind', 'cpu', '--strategies', 'mora', '--out', out, '-q']);
      assert.equal(b.code, 0, b.err);
      const names = new Set(readFileSync(out, 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')[0]));
      assert.deepEqual([...names].sort(), ['db', 'fleet{pod=web-1}', 'fleet{pod=web-2}']);
    }, 'mora-json-dir-');
  });
});
