// Local times without an offset (read as UTC) around a daylight-saving change: when the clock goes back, an hour's
// timestamps occur twice (01:00–02:00 on 2026-11-01 in New York) and the warning only counted "rows repeat an earlier
// timestamp"; when it goes forward, an hour is skipped (02:00–03:00 on 2026-03-08) and nothing was said. Now both name
// the clock change and the fix (times with an offset or in UTC). Times with an offset, and repeats that are no night
// hour (a series given twice), keep the plain warning. Which stretches are clock changes comes from the zones' own rules
// (Intl's time-zone database), so a change at 21:00–22:00 (Easter Island), 02:45 (Chatham) or by 2 h (Troll) is named, a
// paired file's metric sampled off the hour (memory at :15) too, and an outage at 02:00 on a day no zone changes is not.
import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseTimeseriesCsv } from '../../src/data/timeseries-csv';
import { mora } from './helpers/run-cli';
import { inTempDir } from './helpers/temp-dir';

const STEP = 300;
const local = (x: number) => new Date(x * 1000).toISOString().slice(0, 19).replace('T', ' ');
const at = (iso: string) => Date.parse(`${iso}Z`) / 1000;
const value = (k: number) => (0.5 + 0.2 * Math.sin(k / 20)).toFixed(4);

/**
 * 5-minute local times over `days` from `from`; `repeat`: that hour's times given again after it; `skip`: that hour left
 * out; `hours`: how long the stretch repeated or skipped is (1 h unless given).
 */
function localTimes(from: string, days: number, change: { repeat?: string; skip?: string; hours?: number }, zone = ''): string {
  const rows = ['timestamp,value'];
  const start = at(from);
  const span = (change.hours ?? 1) * 3600;
  let k = 0;
  for (let x = start; x < start + days * 86_400; x += STEP) {
    if (change.skip && x >= at(change.skip) && x < at(change.skip) + span) continue;
    rows.push(`${local(x)}${zone},${value(k++)}`);
    if (change.repeat && x === at(change.repeat) + span - STEP) {
      for (let y = at(change.repeat); y < at(change.repeat) + span; y += STEP) rows.push(`${local(y)}${zone},${value(k++ + 7)}`);
    }
  }
  return rows.join('\n') + '\n';
}

describe('local times around a daylight-saving change', () => {
  it('an hour that occurs twice (the clock going back) is named in the repeat warning, with the fix', async () => {
    await inTempDir(async (dir) => {
      const file = join(dir, 'fall.csv');
      writeFileSync(file, localTimes('2026-10-30T00:00:00', 4, { repeat: '2026-11-01T01:00:00' }));
      const f = await mora(['forecast', '--input', file, '--horizon', '2']);
      assert.equal(f.code, 0, f.err);
      assert.match(f.err, /^mora: warning: .*fall\.csv: 12 rows repeat an earlier timestamp with another value; the last row of each timestamp was used \(times 01:00–02:00 on 2026-11-01 occur twice: a daylight-saving change in local time\? give times with an offset or in UTC\)$/m);
      const b = await mora(['backtest', '--input', file, '--kind', 'cpu', '--strategies', 'mora', '--warmup-days', '1']);
      assert.equal(b.code, 0, b.err);
      assert.match(b.err, /times 01:00–02:00 on 2026-11-01 occur twice: a daylight-saving change in local time\? give times with an offset or in UTC/);
      // Read by the layout flags (long form, one series per pod) alike.
      const long = join(dir, 'fall-long.csv');
      writeFileSync(long, readFileSync(file, 'utf8').split('\n').map((l, k) => (k === 0 ? 'pod,time,cpu' : l && `web-1,${l}`)).join('\n'));
      const l = await mora(['backtest', '--input', long, '--kind', 'cpu', '--strategies', 'mora', '--warmup-days', '1', '--time-column', 'time', '--value-column', 'cpu', '--series-column', 'pod']);
      assert.equal(l.code, 0, l.err);
      assert.match(l.err, /web-1\): 12 rows repeat an earlier timestamp with another value; the last row of each timestamp was used \(times 01:00–02:00 on 2026-11-01 occur twice: a daylight-saving change/);
    });
  });

  it('an hour skipped (the clock going forward) is said, naming the hour and the fix', async () => {
    await inTempDir(async (dir) => {
      const file = join(dir, 'spring.csv');
      writeFileSync(file, localTimes('2026-03-06T00:00:00', 4, { skip: '2026-03-08T02:00:00' }));
      const f = await mora(['forecast', '--input', file, '--horizon', '2']);
      assert.equal(f.code, 0, f.err);
      assert.match(f.err, /^mora: warning: .*spring\.csv: times 02:00–03:00 on 2026-03-08 are missing: a daylight-saving change in local time\? give times with an offset or in UTC$/m);
      const b = await mora(['backtest', '--input', file, '--kind', 'cpu', '--strategies', 'mora', '--warmup-days', '1']);
      assert.equal(b.code, 0, b.err);
      assert.match(b.err, /spring\.csv: times 02:00–03:00 on 2026-03-08 are missing: a daylight-saving change/);
    });
  });

  it('times with an offset, a day hour skipped, a night hour of NaN and a series given twice are no clock change', () => {
    // The same instants with their offset: no repeat, no word.
    assert.equal(parseTimeseriesCsv(localTimes('2026-10-30T00:00:00', 4, { repeat: '2026-11-01T01:00:00' }, 'Z')).clockChange, undefined);
    // An outage of an hour at noon is an outage.
    assert.equal(parseTimeseriesCsv(localTimes('2026-03-06T00:00:00', 4, { skip: '2026-03-08T12:00:00' })).clockChange, undefined);
    // A night hour of NaN rows holds its times: no hour skipped.
    const nan = localTimes('2026-03-06T00:00:00', 4, {}).split('\n').map((l) => (l.startsWith('2026-03-08 02:') ? l.replace(/,.*/, ',NaN') : l)).join('\n');
    assert.equal(parseTimeseriesCsv(nan).missing, 12);
    assert.equal(parseTimeseriesCsv(nan).clockChange, undefined);
    // Two days given twice: repeats all day long, the plain count.
    const twice = localTimes('2026-10-30T00:00:00', 2, {});
    const read = parseTimeseriesCsv(twice + twice.split('\n').slice(1).map((l) => l.replace(/,0\./, ',1.')).join('\n'));
    assert.ok(read.conflicting > 500);
    assert.equal(read.clockChange, undefined);
  });

  it('a paired file (a time column before each metric) says it for a metric whose own times sit off the hour (memory at :15)', async () => {
    await inTempDir(async (dir) => {
      // Each metric keeps its own scrape times: cpu at :00, :05, …; memory 15 s later. The clock skips 02:00–03:00: memory's
      // last row before is 01:55:15 and its next 03:00:15, a gap that starts 45 s after the hour.
      const rows = ['timestamp,cpu_usage,timestamp,memory_working_set'];
      const start = at('2026-03-06T00:00:00');
      let k = 0;
      for (let x = start; x < start + 4 * 86_400; x += STEP) {
        if (x >= at('2026-03-08T02:00:00') && x < at('2026-03-08T03:00:00')) continue;
        rows.push(`${local(x)},${value(k)},${local(x + 15)},${Math.round(2e8 + 1e7 * Math.sin(k / 30))}`);
        k++;
      }
      const file = join(dir, 'pod.csv');
      writeFileSync(file, rows.join('\n') + '\n');
      for (const kind of ['memory', 'cpu']) {
        const b = await mora(['backtest', '--input', file, '--kind', kind, '--strategies', 'mora', '--warmup-days', '1']);
        assert.equal(b.code, 0, b.err);
        assert.match(b.err, /pod\.csv: times 02:00–03:00 on 2026-03-08 are missing: a daylight-saving change in local time\? give times with an offset or in UTC/, kind);
      }
      const f = await mora(['forecast', '--input', file, '--horizon', '2', '--value-column', 'memory_working_set']);
      assert.equal(f.code, 0, f.err);
      assert.match(f.err, /^mora: warning: .*pod\.csv: times 02:00–03:00 on 2026-03-08 are missing: a daylight-saving change/m);
    });
  });

  it('clock changes outside 22:00–04:00, by 2 h or at :45 are named as the zones make them', () => {
    // Easter Island's clock goes back at 22:00 to 21:00 (2026-04-04): 21:00–22:00 occurs twice.
    assert.deepEqual(parseTimeseriesCsv(localTimes('2026-04-02T00:00:00', 4, { repeat: '2026-04-04T21:00:00' })).clockChange,
      { repeated: 'times 21:00–22:00 on 2026-04-04 occur twice: a daylight-saving change in local time? give times with an offset or in UTC' });
    // Chatham's goes forward at 02:45 to 03:45 (2026-09-27).
    assert.deepEqual(parseTimeseriesCsv(localTimes('2026-09-25T00:00:00', 4, { skip: '2026-09-27T02:45:00' })).clockChange,
      { skipped: 'times 02:45–03:45 on 2026-09-27 are missing: a daylight-saving change in local time? give times with an offset or in UTC' });
    // Troll's (Antarctica) goes forward 2 h at 01:00 (2026-03-29).
    assert.deepEqual(parseTimeseriesCsv(localTimes('2026-03-27T00:00:00', 4, { skip: '2026-03-29T01:00:00', hours: 2 })).clockChange,
      { skipped: 'times 01:00–03:00 on 2026-03-29 are missing: a daylight-saving change in local time? give times with an offset or in UTC' });
  });

  it('a night hour skipped on a day no zone changes its clock, a noon hour given twice and a lone duplicate are no clock change', () => {
    // An outage 02:00–03:00 on 2026-07-15: no zone changes then.
    const outage = parseTimeseriesCsv(localTimes('2026-07-13T00:00:00', 4, { skip: '2026-07-15T02:00:00' }));
    assert.equal(outage.clockChange, undefined);
    // Noon given twice on the day New York's clock goes back.
    const noon = parseTimeseriesCsv(localTimes('2026-10-30T00:00:00', 4, { repeat: '2026-11-01T12:00:00' }));
    assert.equal(noon.conflicting, 12);
    assert.equal(noon.clockChange, undefined);
    // One row of 01:00–02:00 given twice that night: a duplicate, not an hour repeated.
    const once = localTimes('2026-10-30T00:00:00', 4, {}).replace(/^(2026-11-01 01:30:00),.*$/m, (line, time: string) => `${line}\n${time},9.9`);
    const read = parseTimeseriesCsv(once);
    assert.equal(read.conflicting, 1);
    assert.equal(read.clockChange, undefined);
  });
});
