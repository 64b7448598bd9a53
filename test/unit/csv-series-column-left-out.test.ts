// A --series-column that leaves out an id column (Google 2019: instance_index without collection_id) merged the series
// its ids repeat across — two collections' instance 0 over the same timestamps were one series "0", "2880 rows repeat
// an earlier timestamp … the last row used", exit 0 — where the same file without --series-column was refused naming
// collection_id. Now it is refused alike, naming the column left out and the flag with it. A trace whose duplicate rows
// differ in a metric column beside the value (Alibaba's mem_util_percent) is still read, the repeats counted.
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mora } from './helpers/run-cli';
import { inTempDir } from './helpers/temp-dir';

const T0 = 1_700_006_400;
const STEPS = 5 * 288;

/** Google 2019-like rows: two collections each with instance_index 0 (and 1 for the first), 5-minute windows over 5 days. */
function google(): string {
  const rows = ['collection_id,instance_index,machine_id,start_time,average_usage_cpus'];
  for (let k = 0; k < STEPS; k++) {
    const t = T0 + k * 300;
    rows.push(`1001,0,m7,${t},${(0.2 + 0.1 * Math.sin(k / 12)).toFixed(4)}`);
    rows.push(`1001,1,m8,${t},${(0.25 + 0.1 * Math.sin(k / 10)).toFixed(4)}`);
    rows.push(`2002,0,m9,${t},${(0.6 + 0.2 * Math.cos(k / 9)).toFixed(4)}`);
  }
  return rows.join('\n') + '\n';
}

describe('--series-column that leaves out an id column', () => {
  it('is refused naming the column that tells the series apart and the flag with it', async () => {
    await inTempDir(async (dir) => {
      const file = join(dir, 'usage.csv');
      writeFileSync(file, google());
      const base = ['backtest', '--input', file, '--kind', 'cpu', '--time-column', 'start_time', '--value-column', 'average_usage_cpus', '--strategies', 'mora', '-q'];
      const r = await mora([...base, '--series-column', 'instance_index']);
      assert.equal(r.code, 2, r.err);
      assert.match(r.err, /series "0"/);
      assert.match(r.err, /collection_id/);
      assert.match(r.err, /--series-column collection_id,instance_index/);
      assert.doesNotMatch(r.err, /last row of each timestamp was used/);
      const ok = await mora([...base, '--series-column', 'collection_id,instance_index', '-f', 'json']);
      assert.equal(ok.code, 0, ok.err);
      assert.equal((JSON.parse(ok.out) as { mean: Array<{ series: number }> }).mean[0].series, 3);
    }, 'mora-leftout-');
  });

  it('a series whose few repeated rows differ in a metric column beside the value is read, the repeats counted', async () => {
    await inTempDir(async (dir) => {
      // Alibaba 2018-like: container_id,machine_id,time_stamp,cpu_util_percent,mem_util_percent (integers), 20 rows repeated with other values.
      const rows = ['container_id,machine_id,time_stamp,cpu_util_percent,mem_util_percent'];
      for (let k = 0; k < STEPS; k++) {
        for (const c of ['c_1', 'c_2']) {
          rows.push(`${c},m_1,${T0 + k * 300},${20 + (k * 7) % 30},${40 + (k * 13) % 20}`);
          if (c === 'c_1' && k % 50 === 0 && k < 1000) rows.push(`${c},m_1,${T0 + k * 300},${21 + (k * 7) % 30},${41 + (k * 11) % 20}`);
        }
      }
      const file = join(dir, 'container_usage.csv');
      writeFileSync(file, rows.join('\n') + '\n');
      const r = await mora(['backtest', '--input', file, '--kind', 'cpu', '--time-column', 'time_stamp', '--value-column', 'cpu_util_percent', '--series-column', 'container_id', '--scale', '0.01', '--strategies', 'mora', '-f', 'json']);
      assert.equal(r.code, 0, r.err);
      assert.match(r.err, /c_1\): 20 rows repeat an earlier timestamp/);
    }, 'mora-leftout-');
  });
});
