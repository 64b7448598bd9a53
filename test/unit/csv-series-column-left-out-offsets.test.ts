// A --series-column that leaves out an id column, where the ids are sampled on grids of their own (cluster c1's pod "a"
// at :00, cluster c2's pod "a" 15 s later): no timestamp repeats, so the left-out check (which looks at repeats) saw
// nothing and the two were read as one series "a" alternating between them, exit 0, no word. Now refused, naming the
// column left out and the flag with it; with it given, two series. A column that only labels each series' own rows
// (its node) or changes in long runs (a shift) is no id and the file still reads.
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mora } from './helpers/run-cli';
import { inTempDir } from './helpers/temp-dir';

const T0 = 1_700_006_400;
const STEPS = 4 * 288;

function offsetIds(): string {
  const rows = ['cluster,pod,node,shift,timestamp,value'];
  for (let k = 0; k < STEPS; k++) {
    const t = T0 + k * 300;
    const shift = Math.floor(k / 96) % 2 === 0 ? 'day' : 'night';
    rows.push(`c1,a,n1,${shift},${t},${(0.2 + 0.1 * Math.sin(k / 12)).toFixed(4)}`);
    rows.push(`c2,a,n2,${shift},${t + 15},${(1.5 + 0.3 * Math.cos(k / 9)).toFixed(4)}`);
    rows.push(`c1,b,n3,${shift},${t + 30},${(0.4 + 0.1 * Math.cos(k / 7)).toFixed(4)}`);
  }
  return rows.join('\n') + '\n';
}

/** The series a `backtest -f json` run read, each once, in the order first seen. */
function seriesNames(out: string): string[] {
  return [...new Set((JSON.parse(out) as { perSeries: Array<{ series: string }> }).perSeries.map((s) => s.series))];
}

describe('--series-column that leaves out an id column sampled at offset times', () => {
  it('is refused naming the column that tells the series apart, not read as one alternating series', async () => {
    await inTempDir(async (dir) => {
      const file = join(dir, 'usage.csv');
      writeFileSync(file, offsetIds());
      const base = ['backtest', '--input', file, '--kind', 'cpu', '--strategies', 'mora', '--warmup-days', '2', '-q'];
      const r = await mora([...base, '--series-column', 'pod']);
      assert.equal(r.code, 2, r.err);
      assert.equal(r.out, '');
      assert.equal(r.err.trim().split('\n').length, 1, r.err);
      assert.match(r.err, /series "a"/);
      assert.match(r.err, /--series-column cluster,pod/);
      const ok = await mora([...base, '--series-column', 'cluster,pod', '-f', 'json']);
      assert.equal(ok.code, 0, ok.err);
      const names = seriesNames(ok.out).sort();
      assert.deepEqual(names, ['c1/a', 'c1/b', 'c2/a']);
    });
  });

  it('a column that labels only a series\' own rows (node) or long runs (shift) is no id: the file reads', async () => {
    await inTempDir(async (dir) => {
      const file = join(dir, 'usage.csv');
      writeFileSync(file, offsetIds().split('\n').filter((l) => !l.startsWith('c2,')).join('\n'));
      const r = await mora(['backtest', '--input', file, '--kind', 'cpu', '--strategies', 'mora', '--warmup-days', '2', '-q', '-f', 'json', '--series-column', 'pod']);
      assert.equal(r.code, 0, r.err);
      const names = seriesNames(r.out).sort();
      assert.deepEqual(names, ['a', 'b']);
    });
  });

  it('numeric ids (Google 2019: collection_id left out, windows starting at each instance\'s own offset) are refused alike', async () => {
    await inTempDir(async (dir) => {
      const rows = ['collection_id,instance_index,machine_id,start_time,average_usage_cpus,memory_util'];
      let seed = 7;
      const noise = () => { seed = (seed * 16807) % 2147483647; return seed / 2147483647; };
      for (let k = 0; k < STEPS; k++) {
        const t = (T0 + k * 300) * 1e6;
        rows.push(`1001,0,77,${t + 123_456},${(0.2 + 0.1 * Math.sin(k / 12)).toFixed(4)},${40 + Math.floor(noise() * 4)}`);
        rows.push(`2002,0,88,${t + 97_000_123},${(0.6 + 0.2 * Math.cos(k / 9)).toFixed(4)},${60 + Math.floor(noise() * 4)}`);
      }
      const file = join(dir, 'instance_usage.csv');
      writeFileSync(file, rows.join('\n') + '\n');
      const base = ['backtest', '--input', file, '--kind', 'cpu', '--strategies', 'mora', '--warmup-days', '2', '-q', '--time-column', 'start_time',
        '--value-column', 'average_usage_cpus', '--time-unit', 'us'];
      const r = await mora([...base, '--series-column', 'instance_index']);
      assert.equal(r.code, 2, r.err);
      assert.match(r.err, /--series-column collection_id,instance_index/);
      // One collection alone: its machine and a noisy integer metric beside the value are no ids.
      writeFileSync(file, rows.filter((l) => !l.startsWith('2002,')).join('\n') + '\n');
      const one = await mora([...base, '--series-column', 'instance_index', '-f', 'json']);
      assert.equal(one.code, 0, one.err);
    });
  });
});

// Ids exactly half a step apart (collection 1001 at :00, 2002 at :30 of a 60 s step) merge into a regular 30 s grid, on
// which the numeric check above stands aside (a metric cycling on a regular series is no id): the two were one series.
describe('--series-column that leaves out numeric ids sampled exactly half a step apart', () => {
  const HALF = 3 * 1440;
  function halfStep(): string {
    const rows = ['collection_id,instance_index,machine_id,replica,second,start_time,cpu'];
    for (let k = 0; k < HALF; k++) {
      const t = T0 + k * 60;
      // A replica column that changes rarely and a machine constant per collection are no ids.
      const replica = Math.floor(k / 200) % 2;
      rows.push(`1001,0,77,${replica},0,${t},${(0.2 + 0.1 * Math.sin(k / 12)).toFixed(4)}`);
      rows.push(`2002,0,88,${replica},30,${t + 30},${(0.6 + 0.2 * Math.cos(k / 9)).toFixed(4)}`);
    }
    return rows.join('\n') + '\n';
  }
  const base = (file: string) => ['backtest', '--input', file, '--kind', 'cpu', '--strategies', 'mora', '--warmup-days', '1', '-q', '--time-column', 'start_time', '--value-column', 'cpu'];

  it('is refused naming the column whose values take turns row by row, not read as one 30 s series', async () => {
    await inTempDir(async (dir) => {
      const file = join(dir, 'usage.csv');
      writeFileSync(file, halfStep());
      const r = await mora([...base(file), '--series-column', 'instance_index']);
      assert.equal(r.code, 2, r.err);
      assert.equal(r.out, '');
      assert.match(r.err, /series "0" holds several series: collection_id "2002" and "1001" take turns/);
      assert.match(r.err, /--series-column collection_id,instance_index/);
      const ok = await mora([...base(file), '--series-column', 'collection_id,instance_index', '-f', 'json']);
      assert.equal(ok.code, 0, ok.err);
      const names = seriesNames(ok.out).sort();
      assert.deepEqual(names, ['1001/0', '2002/0']);
    });
  });

  it('a genuine 30 s series whose columns alternate for another reason (a rare replica change, its machine, the second of the minute) reads', async () => {
    await inTempDir(async (dir) => {
      // One collection sampled every 30 s: its second column alternates 0, 30 row by row, as a time part does.
      const rows = ['collection_id,instance_index,machine_id,replica,second,start_time,cpu'];
      for (let k = 0; k < 2 * HALF; k++) {
        const t = T0 + k * 30;
        rows.push(`1001,0,77,${Math.floor(k / 400) % 2},${t % 60},${t},${(0.2 + 0.1 * Math.sin(k / 24)).toFixed(4)}`);
      }
      const file = join(dir, 'usage.csv');
      writeFileSync(file, rows.join('\n') + '\n');
      const r = await mora([...base(file), '--series-column', 'instance_index', '-f', 'json']);
      assert.equal(r.code, 0, r.err);
      const names = seriesNames(r.out);
      assert.deepEqual(names, ['0']);
    });
  });
});

// Three numeric ids or more at equal offsets of one step (machine 1 at :00, 2 at :20, 3 at :40 of a 60 s step) merge into
// one regular 20 s grid, on which only two values taking turns were taken for ids: the three were one 20 s series.
describe('--series-column that leaves out three or more numeric ids sampled at equal offsets', () => {
  const DAYS = 3 * 1440;
  function equalOffsets(ids: number): string {
    const rows = ['machine,instance_index,second,load_class,start_time,cpu'];
    let seed = 11;
    let cls = 1;
    for (let k = 0; k < DAYS; k++) {
      const t = T0 + k * 60;
      for (let m = 1; m <= ids; m++) {
        const at = t + ((m - 1) * 60) / ids;
        // A metric of three values that changes every row but in no fixed cycle is no id.
        seed = (seed * 16807) % 2147483647;
        cls = ((cls + (seed % 2)) % 3) + 1;
        rows.push(`${m},0,${Math.round(at) % 60},${cls},${Math.round(at)},${(0.2 * m + 0.1 * Math.sin(k / 12)).toFixed(4)}`);
      }
    }
    return rows.join('\n') + '\n';
  }
  const base = (file: string) => ['backtest', '--input', file, '--kind', 'cpu', '--strategies', 'mora', '--warmup-days', '1', '-q', '--time-column', 'start_time', '--value-column', 'cpu'];

  it('is refused naming the column and every id, not read as one series of a third of the step', async () => {
    await inTempDir(async (dir) => {
      const file = join(dir, 'usage.csv');
      writeFileSync(file, equalOffsets(3));
      const r = await mora([...base(file), '--series-column', 'instance_index']);
      assert.equal(r.code, 2, r.err);
      assert.equal(r.out, '');
      assert.equal(r.err.trim().split('\n').length, 1, r.err);
      assert.match(r.err, /series "0" holds several series: machine "1", "2" and "3" take turns in it over the same time, one after another, each at its own offset \(3 series\); --series-column leaves machine out, which tells them apart: give --series-column machine,instance_index$/m);
      const ok = await mora([...base(file), '--series-column', 'machine,instance_index', '-f', 'json']);
      assert.equal(ok.code, 0, ok.err);
      const names = seriesNames(ok.out).sort();
      assert.deepEqual(names, ['1/0', '2/0', '3/0']);
      // Four ids at 15 s offsets alike.
      writeFileSync(file, equalOffsets(4));
      const four = await mora([...base(file), '--series-column', 'instance_index']);
      assert.equal(four.code, 2, four.err);
      assert.match(four.err, /machine "1", "2", "3" and "4" take turns .*\(4 series\)/);
    });
  });

  it('one machine alone reads: its second of the minute and a metric changing row to row in no fixed cycle are no ids', async () => {
    await inTempDir(async (dir) => {
      // One machine sampled every 20 s: the second column cycles 0, 20, 40 as a time part does; load_class changes every row.
      const rows = ['machine,instance_index,second,load_class,start_time,cpu'];
      let seed = 5;
      let cls = 1;
      for (let k = 0; k < 3 * DAYS; k++) {
        const t = T0 + k * 20;
        seed = (seed * 16807) % 2147483647;
        cls = ((cls + (seed % 2)) % 3) + 1;
        rows.push(`1,0,${t % 60},${cls},${t},${(0.2 + 0.1 * Math.sin(k / 36)).toFixed(4)}`);
      }
      const file = join(dir, 'usage.csv');
      writeFileSync(file, rows.join('\n') + '\n');
      const r = await mora([...base(file), '--series-column', 'instance_index', '-f', 'json']);
      assert.equal(r.code, 0, r.err);
      const names = seriesNames(r.out);
      assert.deepEqual(names, ['0']);
    });
  });
});
