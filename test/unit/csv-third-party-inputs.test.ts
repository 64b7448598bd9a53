// Shapes of timestamp,value CSV a third party hands over that the reader got wrong or explained badly (found by running
// `mora forecast` and `mora backtest` on generated files, docs/BENCHMARKS.md § CLI inputs a third party hands over):
// each either reads as the user meant or fails with a line that says what to change.
import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseTimeseriesCsv } from '../../src/data/timeseries-csv';
import { inputError, rows, T0 } from './helpers/csv-rows';
import { mora } from './helpers/run-cli';
import { inTempDir } from './helpers/temp-dir';


describe('timestamp,value CSVs a third party hands over', () => {
  it('reads lone-CR line ends (Excel for Mac\'s "CSV (Macintosh)") as rows, not as one header line with no rows', () => {
    const r = parseTimeseriesCsv(['timestamp,value', ...rows(5)].join('\r'), 'mac.csv');
    assert.equal(r.series.t.length, 5);
    assert.deepEqual(Array.from(r.series.t), rows(5).map((l) => Number(l.split(',')[0])));
  });

  it('refuses hexadecimal, binary and octal values instead of reading "0x10" as 16', () => {
    for (const v of ['0x10', '0b11', '0o7']) {
      assert.throws(() => parseTimeseriesCsv(['timestamp,value', ...rows(3), `${T0 + 900},${v}`].join('\n'), 'h.csv'),
        inputError(new RegExp(`^h\\.csv: line 5: value "${v}" is not a number`)), v);
    }
    // Decimal forms a spreadsheet or printf writes still read.
    const ok = parseTimeseriesCsv(['timestamp,value', `${T0},+1.5`, `${T0 + 300},.5`, `${T0 + 600},2.`, `${T0 + 900},1e-3`, `${T0 + 1200},-0`].join('\n'));
    assert.deepEqual(Array.from(ok.series.v), [1.5, 0.5, 2, 0.001, -0]);
  });

  it('counts the no-value words of other exports (None, N/A, #N/A, -nan) as missing, as NaN, null and NA were', () => {
    const cells = ['None', 'N/A', '#N/A', '-nan', 'NaN', 'null', 'NA', ''];
    const r = parseTimeseriesCsv(['timestamp,value', ...cells.map((c, i) => `${T0 + i * 300},${c}`), `${T0 + 9 * 300},1`].join('\n'));
    assert.equal(r.missing, cells.length);
    assert.equal(r.series.t.length, 1);
  });

  it('a value with a unit ("250m", "512Mi", "45%") says to write plain numbers in cores or bytes', () => {
    for (const [v, unit] of [['250m', 'm'], ['512Mi', 'Mi'], ['45.5%', '%'], ['1.5 GB', 'GB']]) {
      assert.throws(() => parseTimeseriesCsv(['timestamp,value', `${T0},${v}`].join('\n'), 'u.csv'),
        inputError(new RegExp(`^u\\.csv: line 2: value "${v}" is not a number: it carries a unit \\("${unit}"\\); write plain numbers \\(CPU in cores, memory in bytes\\)$`)), v);
    }
  });

  it('a quoted decimal comma ("0,5") says to write a dot', () => {
    assert.throws(() => parseTimeseriesCsv(['timestamp,value', `${T0},"0,5"`].join('\n'), 'dc.csv'),
      inputError(/^dc\.csv: line 2: value "0,5" is not a number: a decimal comma\? write a dot as the decimal mark$/));
  });

  it('skips a header repeated inside the file (exports concatenated with cat), BOM and all', () => {
    const a = rows(10), b = rows(20).slice(10);
    for (const repeat of ['timestamp,value', '\uFEFFtimestamp,value', '"timestamp","value"']) {
      const r = parseTimeseriesCsv(['timestamp,value', ...a, repeat, ...b].join('\n'), 'cat.csv');
      assert.equal(r.series.t.length, 20, repeat);
    }
    // A header-like line under another header is still an error: it is not a repeat, it is a second table.
    assert.throws(() => parseTimeseriesCsv(['timestamp,value', ...a, 'time,cpu', ...b].join('\n'), 'two.csv'),
      inputError(/^two\.csv: line 12: "time" is not a timestamp/));
  });

  it('skips "#" comment lines (InfluxDB annotated CSV, commented exports) and reads an empty first header cell', () => {
    const commented = parseTimeseriesCsv(['# exported by a dashboard', '# host=web-1', 'timestamp,value', ...rows(4), '# end'].join('\n'));
    assert.equal(commented.series.t.length, 4);
    const influx = [
      '#group,false,false,true,true,false,false,true,true',
      '#datatype,string,long,dateTime:RFC3339,dateTime:RFC3339,dateTime:RFC3339,double,string,string',
      '#default,_result,,,,,,,',
      ',result,table,_start,_stop,_time,_value,_field,_measurement',
      ',,0,2023-11-15T00:00:00Z,2023-11-16T00:00:00Z,2023-11-15T00:00:00Z,0.5,usage,cpu',
      ',,0,2023-11-15T00:00:00Z,2023-11-16T00:00:00Z,2023-11-15T00:05:00Z,0.75,usage,cpu',
    ].join('\r\n');
    const r = parseTimeseriesCsv(influx, 'influx.csv');
    assert.deepEqual(Array.from(r.series.t), [T0, T0 + 300]);
    assert.deepEqual(Array.from(r.series.v), [0.5, 0.75]);
  });

  it('reads a date and a clock time in two columns as one timestamp, not every row of a day at midnight', () => {
    const iso = (i: number) => new Date((T0 + i * 300) * 1000).toISOString();
    for (const header of ['date,time,value', 'time,date,cpu', '"Date","Time","Value"']) {
      const cols = header.toLowerCase().replace(/"/g, '').split(',');
      const lines = Array.from({ length: 6 }, (_, i) => cols.map((c) => (c === 'date' ? iso(i).slice(0, 10) : c === 'time' ? iso(i).slice(11, 19) : String(i))).join(','));
      const r = parseTimeseriesCsv([header, ...lines].join('\n'), 'split.csv');
      assert.equal(r.conflicting, 0, header);
      assert.deepEqual(Array.from(r.series.t), Array.from({ length: 6 }, (_, i) => T0 + i * 300), header);
      assert.deepEqual(Array.from(r.series.v), [0, 1, 2, 3, 4, 5], header);
    }
    // Excel's "0:05:00" (one-digit hour); and a `time` column holding the full timestamp beside a `date` column reads alone.
    const excel = parseTimeseriesCsv(['date,time,value', '2023-11-15,0:00:00,1', '2023-11-15,0:05:00,2'].join('\n'));
    assert.deepEqual(Array.from(excel.series.t), [T0, T0 + 300]);
    for (const header of ['date,time,value', 'time,date,value']) {
      const full = parseTimeseriesCsv([header, ...[0, 1].map((i) => (header.startsWith('date')
        ? `2023-11-15,2023-11-15T00:0${5 * i}:00Z,${i}` : `2023-11-15T00:0${5 * i}:00Z,2023-11-15,${i}`))].join('\n'));
      assert.deepEqual(Array.from(full.series.t), [T0, T0 + 300], header);
    }
  });

  it('a date and a 12-hour clock time (1:05:00 PM) are both quoted, with the fix, not the time alone as "not a timestamp"', () => {
    assert.throws(() => parseTimeseriesCsv(['date,time,value', '2023-11-15,12:05:00 PM,1'].join('\n'), 'ampm.csv'),
      inputError(/^ampm\.csv: line 2: "2023-11-15" and "12:05:00 PM" are not a date and a time \(write 24-hour clock times/));
  });

  it('a long-format file (timestamp,pod,value: two pods\' rows interleaved) is an error naming the column, not one pod\'s series behind a warning', () => {
    const lines = rows(4).flatMap((l) => { const [ts, val] = l.split(','); return [`${ts},web-1,${val}`, `${ts},web-2,${Number(val) * 3}`]; });
    assert.throws(() => parseTimeseriesCsv(['timestamp,pod,value', ...lines].join('\n'), 'long.csv'),
      inputError(/^long\.csv: line 3: the file holds several series: this row repeats an earlier row's timestamp with another value and another pod \("web-2" after "web-1"\); mora reads one series per file: split it by pod/));
    // One pod's rows with a constant label column, and a repeat of the same label (a re-export appended), still read.
    const one = parseTimeseriesCsv(['timestamp,pod,value', ...rows(4).map((l) => l.replace(',', ',web-1,')), `${T0},web-1,9`].join('\n'));
    assert.equal(one.conflicting, 1);
    assert.equal(one.series.t.length, 5);
    // A row id differs on every row: no series label, so a repeated timestamp is a repeat (last row kept, counted).
    const ids = parseTimeseriesCsv(['id,timestamp,value', ...rows(4).map((l, j) => `${j + 1},${l}`), `9,${T0 + 900},7`].join('\n'));
    assert.equal(ids.conflicting, 1);
    assert.equal(ids.series.t.length, 5);
  });

  it('two pods in one file beside a row id, or after a stray row with a pod of its own, are still several series (regression from 8ce4f75)', () => {
    const pods = rows(4).flatMap((l) => { const [ts, val] = l.split(','); return [[ts, 'a', val], [ts, 'b', String(Number(val) * 10)]]; });
    // id,timestamp,value,pod: the id differs on every row, the pod column is the series label.
    assert.throws(() => parseTimeseriesCsv(['id,timestamp,value,pod', ...pods.map(([ts, pod, val], j) => `${j + 1},${ts},${val},${pod}`)].join('\n'), 'long-id.csv'),
      inputError(/^long-id\.csv: line 3: the file holds several series: .* another pod \("b" after "a"\); .* split it by pod/));
    // A stray first row of pod c clashes with b; c labels one row only, but the a/b clashes after it are two series.
    const stray = [`${T0},c,0.3`, ...pods.slice(1).map(([ts, pod, val]) => `${ts},${pod},${val}`)];
    assert.throws(() => parseTimeseriesCsv(['timestamp,pod,value', ...stray].join('\n'), 'long-stray.csv'),
      inputError(/^long-stray\.csv: line 5: the file holds several series: .* another pod \("b" after "a"\)/));
    // A row id beside a constant pod: a repeated timestamp stays a counted repeat.
    const one = parseTimeseriesCsv(['id,timestamp,value,pod', ...rows(4).map((l, j) => `${j + 1},${l},a`), `9,${T0 + 900},7,a`].join('\n'));
    assert.equal(one.conflicting, 1);
    assert.equal(one.series.t.length, 5);
  });

  it('mora forecast on a header with no rows says so, not "cannot infer the step from 0 point(s)"', async () => {
    await inTempDir(async (dir) => {
      writeFileSync(join(dir, 'h.csv'), 'timestamp,value\n\n');
      const r = await mora(['forecast', '--input', join(dir, 'h.csv'), '--horizon', '2']);
      assert.equal(r.code, 2);
      assert.match(r.err, /h\.csv: no rows after the header "timestamp,value"; a forecast needs at least 2$/m);
    }, 'mora-csv-3p-');
  });

  it('mora forecast given a directory says so, not "cannot read (EISDIR)"', async () => {
    await inTempDir(async (dir) => {
      const r = await mora(['forecast', '--input', dir, '--horizon', '2']);
      assert.equal(r.code, 2);
      assert.match(r.err, /: is a directory; give a timestamp,value CSV file \(mora backtest also takes a directory of them\)$/m);
    }, 'mora-csv-3p-');
  });

  it('mora backtest on a folder where a.CSV cannot be read keeps a.csv: an unread file claims no series name', async () => {
    await inTempDir(async (dir) => {
      writeFileSync(join(dir, 'a.csv'), ['timestamp,value', ...rows(9 * 288)].join('\n'));
      writeFileSync(join(dir, 'a.CSV'), ['timestamp,value', `${T0},250m`].join('\n'));
      const out = join(dir, 'recs.out');
      const r = await mora(['backtest', '--input', dir, '--kind', 'cpu', '--strategies', 'mora', '--out', out, '-q']);
      assert.doesNotMatch(r.err, /same series name/);
      assert.match(r.err, /a\.CSV: line 2: value "250m" is not a number/);
      const series = new Set(readFileSync(out, 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')[0]));
      assert.deepEqual([...series], ['a']);
    }, 'mora-csv-3p-');
  });

  it('mora backtest on a folder with a.csv and a.CSV skips the second, named, instead of two series "a" in recs.csv', async () => {
    await inTempDir(async (dir) => {
      writeFileSync(join(dir, 'a.csv'), ['timestamp,value', ...rows(9 * 288)].join('\n'));
      writeFileSync(join(dir, 'a.CSV'), ['timestamp,value', ...rows(9 * 288, 300, () => '2')].join('\n'));
      const out = join(dir, 'recs.out');
      const r = await mora(['backtest', '--input', dir, '--kind', 'cpu', '--strategies', 'mora', '--out', out, '-q']);
      assert.equal(r.code, 4, r.err); // partial (was 2): a.CSV replayed, a.csv named
      assert.match(r.err, /^mora: skipped file .*a\.(csv|CSV): gives the same series name "a" as a\.(csv|CSV); rename one$/m);
      const keys = readFileSync(out, 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').slice(0, 3).join(','));
      assert.equal(new Set(keys).size, keys.length, 'series,day_start,strategy is a key');
    }, 'mora-csv-3p-');
  });

  it('mora backtest on Excel serial dates warns as forecast does, and a short history names --warmup-days', async () => {
    await inTempDir(async (dir) => {
      // 9 days at 5 min as Excel serial days (45245.0, 45245.003…): read as Unix seconds, the series spans 0.03 days.
      writeFileSync(join(dir, 'excel.csv'), ['timestamp,value', ...Array.from({ length: 9 * 288 }, (_, i) => `${(45245 + i / 288).toFixed(6)},1`)].join('\n'));
      const r = await mora(['backtest', '--input', join(dir, 'excel.csv'), '--kind', 'cpu', '-q']);
      assert.equal(r.code, 2);
      assert.match(r.err, /^mora: warning: .*excel\.csv: the first timestamp, 45245, reads as Unix seconds 1970-01-01T12:34:05\.000Z; if these are Excel serial dates or row numbers, export ISO-8601 or Unix timestamps \(times counted from a trace's start are fine: mora backtest --time-unit s\|ms\|us\|ns says so and silences this; --step <seconds> reads step numbers\)$/m);

      // One stray row (`0,0`) before 9 plausible days: the backtest scored days 1–7 with no warm-up, behind a warning about Excel.
      // It is left out now, as any row years from the rest (csv-far-timestamps.test.ts).
      writeFileSync(join(dir, 'stray.csv'), ['timestamp,value', '0,0', ...rows(9 * 288)].join('\n'));
      const z = await mora(['forecast', '--input', join(dir, 'stray.csv'), '--horizon', '2']);
      assert.equal(z.code, 0, z.err);
      assert.match(z.err, /^mora: warning: .*stray\.csv: 1 row far from the rest left out: line 2 \(0, 1970-01-01T00:00:00Z\); the other 2592 rows span /m);

      writeFileSync(join(dir, 'short.csv'), ['timestamp,value', ...rows(3 * 288)].join('\n'));
      const s = await mora(['backtest', '--input', join(dir, 'short.csv'), '--kind', 'cpu', '--warmup-days', '7', '-q']);
      assert.equal(s.code, 2);
      assert.match(s.err, /each series needs more than 7 days of samples \(--warmup-days sets how many;/);
      const w = await mora(['backtest', '--input', join(dir, 'short.csv'), '--kind', 'cpu', '--warmup-days', '1', '-q']);
      assert.equal(w.code, 0, w.err);
    }, 'mora-csv-3p-');
  });
});
