// timestamp,value CSVs as real exports write them (spreadsheets, Grafana, PostgreSQL, concatenated dumps) through the
// CLI's reader, `mora forecast` and `mora backtest`: every shape either reads right or fails with a line that says
// what to change — never a silently wrong number, a silently wrong column or a directory's output lost to one file.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parseTimeseriesCsv, parseTimestamp } from '../../src/data/timeseries-csv';
import { inputError, rows, T0 } from './helpers/csv-rows';
import { mora } from './helpers/run-cli';


describe('timestamp,value CSVs from real exports', () => {
  it('a quoted value with a thousands separator is an error naming the line, not the number before the comma', () => {
    // Split at every comma, `"1,234.5"` read as 1 and the rest of the row was dropped, silently.
    assert.throws(() => parseTimeseriesCsv(['timestamp,value', `${T0},"1,234.5"`, `${T0 + 60},"2,000.0"`].join('\n'), 'q.csv'),
      inputError(/^q\.csv: line 2: value "1,234\.5" is not a number: thousands separators\? export the numbers without them \(1234\.5\); no option reads them$/));
    // Quoted cells without commas, a quoted header and a byte order mark read as before.
    const { series } = parseTimeseriesCsv(['\uFEFF"timestamp","value"', `"${T0}","1.5"`, `"${T0 + 60}","2"`].join('\r\n'));
    assert.deepEqual([...series.t], [T0, T0 + 60]);
    assert.deepEqual([...series.v], [1.5, 2]);
  });

  it('a row with more cells than the header (a decimal comma) is an error, not its first part', () => {
    assert.throws(() => parseTimeseriesCsv(['timestamp,value', `${T0},0,25`].join('\n'), 'dc.csv'),
      inputError(/^dc\.csv: line 2: 3 cells but the header has 2 columns \(a decimal comma/));
    // A trailing comma (an empty last cell) is no extra column.
    assert.deepEqual([...parseTimeseriesCsv(['timestamp,value', `${T0},0.25,`].join('\n')).series.v], [0.25]);
  });

  it('picks the columns by name and refuses to guess between two value columns', () => {
    assert.throws(() => parseTimeseriesCsv(['timestamp,mem_value,cpu_value', `${T0},100,1`].join('\n'), 'two.csv'),
      inputError(/^two\.csv: line 1: which column is the value\? "mem_value" and "cpu_value" could both be/));
    assert.throws(() => parseTimeseriesCsv(['host,timestamp,cpu,mem', `h1,${T0},1,100`].join('\n'), 'wide.csv'),
      inputError(/^wide\.csv: line 1: which column is the value\? The header has 4 columns \(host, timestamp, cpu, mem\); name the one to use "value", or give --value-column \(one series; with --series-column <id columns>: one per id\) or --wide \(one per column\)$/));
    assert.throws(() => parseTimeseriesCsv(['timestamp,value,value', `${T0},1,2`].join('\n'), 'dup.csv'),
      inputError(/^dup\.csv: line 1: the header names two columns "value"; keep one, or rename the other$/));
    assert.throws(() => parseTimeseriesCsv(['time,time,value', `${T0},${T0},2`].join('\n'), 'dupt.csv'), inputError(/two columns "time"/));
    // An exact name wins over names that merely contain "date" or "value".
    const exact = parseTimeseriesCsv(['updated_by,timestamp,value,value_unit', `ops,${T0},3,cores`].join('\n')).series;
    assert.deepEqual([[...exact.t], [...exact.v]], [[T0], [3]]);
    // Two columns need no names; one column containing "value" is the value.
    assert.deepEqual([...parseTimeseriesCsv(['date,cpu', `${T0},0.25`].join('\n')).series.v], [0.25]);
    assert.deepEqual([...parseTimeseriesCsv(['pod,time,cpu_value', `a,${T0},0.5`].join('\n')).series.v], [0.5]);
    // Neither named for time: the one named for the value is not the timestamp (it read 0.5 as a 1970 timestamp).
    const when = parseTimeseriesCsv(['value,when', `0.5,${T0}`].join('\n')).series;
    assert.deepEqual([[...when.t], [...when.v]], [[T0], [0.5]]);
  });

  it('UTF-16 and xlsx files say what they are instead of "not a timestamp" on a garbled line; a gzip file is read through zlib', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mora-csv-enc-'));
    try {
      const text = ['timestamp,value', ...rows(20)].join('\r\n');
      writeFileSync(join(dir, 'u16.csv'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
      writeFileSync(join(dir, 'gz.csv'), gzipSync(text));
      writeFileSync(join(dir, 'book.csv'), Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0]));
      for (const [f, what] of [['u16.csv', /is UTF-16/], ['book.csv', /is a zip archive/]] as const) {
        const r = await mora(['forecast', '--input', join(dir, f), '--horizon', '2']);
        assert.equal(r.code, 2, f);
        assert.match(r.err, what, f);
      }
      // Compressed, the same rows forecast as the plain text does (before: "is gzip-compressed; decompress it first").
      writeFileSync(join(dir, 'plain.csv'), text);
      const [gz, plain] = [await mora(['forecast', '--input', join(dir, 'gz.csv'), '--horizon', '2']), await mora(['forecast', '--input', join(dir, 'plain.csv'), '--horizon', '2'])];
      assert.equal(gz.code, 0, gz.err);
      assert.equal(gz.out, plain.out);
      // A cut-off gzip file says so.
      writeFileSync(join(dir, 'cut.csv.gz'), gzipSync(text).subarray(0, 20));
      const cut = await mora(['forecast', '--input', join(dir, 'cut.csv.gz'), '--horizon', '2']);
      assert.equal(cut.code, 2);
      assert.match(cut.err, /cut\.csv\.gz: the file is gzip-compressed but does not decompress/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a semicolon- or tab-separated export reads, its decimal commas as decimals (before: refused, "export with commas")', () => {
    for (const sep of [';', '\t']) {
      const r = parseTimeseriesCsv([`timestamp${sep}value`, `${T0}${sep}1,5`, `${T0 + 300}${sep}2`].join('\n'), 's.csv');
      assert.deepEqual([...r.series.v], [1.5, 2]);
    }
  });

  it('reads ISO-8601 with the zones exports write, and refuses dates whose month/day order is a guess', () => {
    assert.equal(parseTimestamp('2023-11-15 00:00:00+00'), T0); // PostgreSQL
    assert.equal(parseTimestamp('2023-11-15T02:00:00+0200'), T0);
    assert.equal(parseTimestamp('2023-11-15t00:00:00.000z'), T0);
    assert.equal(parseTimestamp('2023-11-15'), T0);
    assert.equal(parseTimestamp('2023-11-15 00:00:00 UTC'), T0); // BigQuery
    assert.equal(parseTimestamp('2023-11-15T01:00:00 +0100'), T0);
    // Date.parse read "01/02/2023" as January 2 (and "02/01/2023" as February 1): a day-first file came out wrong.
    for (const raw of ['01/02/2023', '11/15/2023 00:00', 'Nov 15 2023', '15.11.2023']) assert.ok(Number.isNaN(parseTimestamp(raw)), raw);
    assert.throws(() => parseTimeseriesCsv(['timestamp,value', '01/02/2023,1'].join('\n'), 'd.csv'),
      inputError(/^d\.csv: line 2: "01\/02\/2023" is not a timestamp \(ISO-8601 such as 2024-01-31T12:00:00Z/));
  });

  it('refuses a day that does not exist instead of rolling it into the next month', () => {
    // Date.parse reads 2023-02-30 as 2 March: a broken export would shift its rows by days, silently.
    for (const raw of ['2023-02-30', '2023-02-29 12:00', '2023-04-31T00:00:00Z', '2023-13-01']) assert.ok(Number.isNaN(parseTimestamp(raw)), raw);
    assert.equal(parseTimestamp('2024-02-29T00:00:00Z'), Date.UTC(2024, 1, 29) / 1000); // a leap day is a day
    assert.throws(() => parseTimeseriesCsv(['timestamp,value', '2023-02-28T00:00:00Z,1', '2023-02-30T00:00:00Z,2'].join('\n'), 'd.csv'),
      inputError(/^d\.csv: line 3: "2023-02-30T00:00:00Z" is not a timestamp/));
  });

  it('counts rows that repeat a timestamp with another value, and mora forecast warns about them', async () => {
    const text = ['timestamp,value', ...rows(40), `${T0},9`, `${T0 + 300},${(1 + 0.5 * Math.sin(1 / 45)).toFixed(4)}`].join('\n');
    assert.equal(parseTimeseriesCsv(text).conflicting, 1); // the repeat with the same value is no conflict
    const dir = mkdtempSync(join(tmpdir(), 'mora-csv-dup-'));
    try {
      writeFileSync(join(dir, 'dup.csv'), text);
      const r = await mora(['forecast', '--input', join(dir, 'dup.csv'), '--horizon', '2']);
      assert.equal(r.code, 0, r.err);
      assert.match(r.err, /^mora: warning: .*dup\.csv: 1 rows repeat an earlier timestamp with another value; the last row of each timestamp was used$/m);
      assert.equal(r.out.split('\n')[0], 'timestamp,prophet,prophet_lower,prophet_upper');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('mora backtest on a directory with bad files', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'mora-bt-mixed-'));
    const good = ['timestamp,value', ...rows(10 * 288)];
    writeFileSync(join(dir, 'alpha.csv'), good.join('\n'));
    writeFileSync(join(dir, 'gamma.csv'), good.map((l, i) => (i === 100 ? `${T0 + 99 * 300},-0.5` : l)).join('\n'));
    const bad = [...good];
    bad[500] = `${T0 + 499 * 300},oops`;
    writeFileSync(join(dir, 'beta.csv'), bad.join('\n'));
    writeFileSync(join(dir, 'delta.csv'), '');
    // Semicolons and decimal commas read; a number whose dot may group thousands among them does not.
    writeFileSync(join(dir, 'semi.csv'), good.map((l, i) => (i === 300 ? `${T0 + 299 * 300};1.500` : l.replace(',', ';').replace('.', ','))).join('\n'));
    // macOS's AppleDouble companion of alpha.csv in an archive: hidden, binary, not a series.
    writeFileSync(join(dir, '._alpha.csv'), Buffer.from([0, 5, 22, 7, 0, 2, 0, 0, 0x4d, 0x61, 0x63]));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  // Exit 4 (partial) since 2026-11-30, no longer 2: the summary and recs.csv are good for the files read, and a CI
  // script must tell that from a usage error (exit 2, nothing printed).
  it('replays the readable files, writes their rows, names each bad file with why, then exits 4 (partial)', async () => {
    const out = join(dir, 'recs.out');
    const r = await mora(['backtest', '--input', dir, '--kind', 'cpu', '--strategies', 'mora,vpa', '--out', out, '-q']);
    // Before: "beta.csv: line 501 …" and exit 2 at once, with no --out at all for alpha and gamma. Now exit 2 after
    // the others are replayed and written (as `recommend --apply-to` does with files it cannot update).
    assert.equal(r.code, 4, r.err);
    assert.match(r.err, /^mora: 3 of 5 files could not be read \(named above\); the others were replayed$/m);
    const series = new Set(readFileSync(out, 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')[0]));
    assert.deepEqual([...series].sort(), ['alpha', 'gamma']);
    assert.equal(readFileSync(out, 'utf8').split('\n')[0], 'series,day_start,strategy,value');
    assert.match(r.err, /^mora: skipped file .*beta\.csv: line 501: value "oops" is not a number$/m);
    assert.match(r.err, /^mora: skipped file .*delta\.csv: the file is empty/m);
    assert.match(r.err, /^mora: skipped file .*semi\.csv: line 301: "1\.500" in a file whose decimal mark is a comma: a thousands separator \(1500\) or a decimal point\?/m);
    assert.match(r.err, /^mora: warning: .*gamma\.csv: 1 negative values/m);
    assert.match(r.out, /^skipped \(unreadable, see stderr\): beta\.csv, delta\.csv, semi\.csv$/m);

    const json = await mora(['backtest', '--input', dir, '--kind', 'cpu', '--strategies', 'mora', '--format', 'json', '-q']);
    assert.equal(json.code, 4, json.err);
    const skipped = JSON.parse(json.out).skipped as Array<{ series: string; file?: string; reason: string }>;
    assert.deepEqual(skipped.map((s) => s.series), ['beta', 'delta', 'semi']);
    assert.ok(skipped.every((s) => s.file && s.reason.length > 0));
  });

  it('file names and cells quoted on stderr and in the summary cannot drive the terminal', async () => {
    const evil = mkdtempSync(join(tmpdir(), 'mora-bt-evil-'));
    try {
      writeFileSync(join(evil, 'alpha.csv'), ['timestamp,value', ...rows(10 * 288)].join('\n'));
      writeFileSync(join(evil, 'x\x1b]0;pwned\x07.csv'), ['timestamp,value', `${T0},\x1b[2J`].join('\n'));
      writeFileSync(join(evil, 'short\x1b[31m.csv'), ['timestamp,value', ...rows(10)].join('\n'));
      const r = await mora(['backtest', '--input', evil, '--kind', 'cpu', '--strategies', 'mora']);
      assert.equal(r.code, 4, r.err); // partial: alpha replayed (was 2)
      // eslint-disable-next-line no-control-regex -- the point
      assert.doesNotMatch(r.err + r.out, /\x1b|\x07/);
      assert.match(r.err, /skipped file .*x\\x1b\]0;pwned\\x07\.csv: line 2: value "\\x1b\[2J" is not a number/);
      assert.match(r.out, /skipped \(no day scored\): short\\x1b\[31m/);
    } finally {
      rmSync(evil, { recursive: true, force: true });
    }
  });

  it('a directory where no file reads is an error that names each file', async () => {
    const bad = mkdtempSync(join(tmpdir(), 'mora-bt-bad-'));
    try {
      writeFileSync(join(bad, 'a.csv'), 'timestamp;value\n1700000000;1.500\n1700000300;0,5\n');
      writeFileSync(join(bad, 'b.csv'), '');
      const r = await mora(['backtest', '--input', bad, '--kind', 'cpu', '-q']);
      assert.equal(r.code, 2);
      assert.match(r.err, /no \.csv or \.json file could be read \(2\): a\.csv: line 2: "1\.500" in a file whose decimal mark is a comma.*; b\.csv: the file is empty/);
    } finally {
      rmSync(bad, { recursive: true, force: true });
    }
  });
});

describe('mora forecast on very short series', () => {
  it('--model all on less history than the LSTM needs still forecasts: the lstm column empty, one warning; --model lstm says what to use instead', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mora-csv-short-'));
    try {
      writeFileSync(join(dir, 'short.csv'), ['timestamp,value', ...rows(50)].join('\n'));
      const r = await mora(['forecast', '--input', join(dir, 'short.csv'), '--horizon', '5', '--model', 'all']);
      assert.equal(r.code, 0, r.err);
      assert.equal(r.err.trim().split('\n').length, 1, r.err);
      assert.match(r.err, /^mora: warning: .*short\.csv: lstm skipped, its column is empty: lstm: /);
      const [header, ...lines] = r.out.trim().split('\n');
      assert.equal(header, 'timestamp,prophet,prophet_lower,prophet_upper,lstm,fused,fused_lower,fused_upper,confidence');
      assert.equal(lines.length, 5);
      for (const line of lines) {
        const cells = line.split(',');
        assert.equal(cells.length, 9, line);
        assert.equal(cells[4], '', `the lstm cell is empty: ${line}`);
        for (const i of [0, 1, 2, 3, 5, 6, 7, 8]) assert.ok(Number.isFinite(Number(cells[i])) && cells[i] !== '', `column ${i} is a number: ${line}`);
        assert.ok(Number(cells[6]) <= Number(cells[5]) && Number(cells[5]) <= Number(cells[7]), `fused inside its band: ${line}`);
      }
      const j = await mora(['forecast', '--input', join(dir, 'short.csv'), '--horizon', '5', '--model', 'all', '--format', 'json']);
      assert.equal(j.code, 0, j.err);
      const doc = JSON.parse(j.out) as { forecast: Record<string, number | null>[]; skipped?: Record<string, string> };
      assert.match(doc.skipped?.lstm ?? '', /^lstm: /);
      assert.ok(doc.forecast.every((row) => row.lstm === null && typeof row.fused === 'number'));
      const l = await mora(['forecast', '--input', join(dir, 'short.csv'), '--horizon', '5', '--model', 'lstm']);
      assert.equal(l.code, 2, l.out);
      assert.equal(l.err.trim().split('\n').length, 1, l.err);
      assert.match(l.err, /short\.csv: lstm: .*; --model prophet works from 2 points$/m);
      const p = await mora(['forecast', '--input', join(dir, 'short.csv'), '--horizon', '5', '--model', 'prophet']);
      assert.equal(p.code, 0, p.err);
      // Excel serial days read as Unix seconds are 1970: a warning says so (the forecast still prints).
      writeFileSync(join(dir, 'excel.csv'), ['timestamp,value', ...Array.from({ length: 30 }, (_, i) => `${45231 + i / 288},${i % 5}`)].join('\n'));
      const x = await mora(['forecast', '--input', join(dir, 'excel.csv'), '--horizon', '2']);
      assert.equal(x.code, 0, x.err);
      assert.match(x.err, /^mora: warning: .*excel\.csv: the first timestamp, 45231, reads as Unix seconds 1970-01-01T12:33:51\.000Z; if these are Excel serial dates or row numbers/m);
      assert.doesNotMatch(p.err, /warning/);
      // A file whose values are all empty or NaN says so (it said "cannot infer the step from 0 point(s)").
      writeFileSync(join(dir, 'nan.csv'), ['timestamp,value', `${T0},NaN`, `${T0 + 300},`, `${T0 + 600},nan`].join('\n'));
      const n = await mora(['forecast', '--input', join(dir, 'nan.csv'), '--horizon', '5']);
      assert.equal(n.code, 2);
      assert.match(n.err, /nan\.csv: 0 numeric values: 3 rows are empty or NaN; a forecast needs at least 2$/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
