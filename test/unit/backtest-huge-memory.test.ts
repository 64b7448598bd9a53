// A memory series above 1 TB read as bytes overflows VPA's memory histogram (1e12 bytes): VPA's value was capped at
// about 1.17e12 and every day counted an OOM, exit 0 with no word (only memory under 1 MiB was warned of). Now it is
// warned of as CPU above VPA's 1000 cores is: naming the series, the cap, and --scale.
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { unitNotes } from '../../src/cli/commands/backtest-units';
import { MEMORY_BUCKETS } from '../../src/rightsizing/baselines/histogram';
import { VPA } from '../../src/rightsizing/baselines/vpa';
import { mora } from './helpers/run-cli';
import { inTempDir } from './helpers/temp-dir';

const v = (...xs: number[]) => ({ v: xs });

describe('backtest: memory above VPA\'s histogram (1 TB) read as bytes', () => {
  it('unitNotes names the series, VPA\'s cap and --scale; none at or under 1 TB, or without VPA', () => {
    const notes = unitNotes([{ name: 'big', series: v(1e12, 3e12) }, { name: 'ok', series: v(8e9) }], 'memory', ['vpa', 'mora']);
    assert.equal(notes.length, 1, notes.join('\n'));
    const cap = MEMORY_BUCKETS.start(MEMORY_BUCKETS.numBuckets - 1) * (1 + VPA.safetyMargin);
    assert.match(notes[0], /^1 of 2 memory series go above 1 TB .*big peaks at 3\.00e\+12/);
    assert.ok(notes[0].includes(`capped at ${cap.toExponential(2)}`), notes[0]);
    assert.match(notes[0], /--scale/);
    assert.deepEqual(unitNotes([{ name: 'a', series: v(1e12) }], 'memory', ['vpa']), []);
    assert.deepEqual(unitNotes([{ name: 'a', series: v(3e12) }], 'memory', ['krr', 'mora']), []);
  });

  it('mora backtest -k memory warns of it on stderr', async () => {
    await inTempDir(async (dir) => {
      const file = join(dir, 'node.csv');
      const t0 = 1_700_006_400;
      const rows = ['timestamp,value', ...Array.from({ length: 3 * 288 }, (_, i) => `${t0 + i * 300},${(2e12 + 1e11 * Math.sin(i / 20)).toExponential(6)}`)];
      writeFileSync(file, rows.join('\n') + '\n');
      const r = await mora(['backtest', '--input', file, '--kind', 'memory', '--strategies', 'mora,vpa', '-q']);
      assert.equal(r.code, 0, r.err);
      assert.match(r.err, /^mora: warning: 1 of 1 memory series go above 1 TB read as bytes .*VPA.*capped/m);
    }, 'mora-bigmem-');
  });
});
