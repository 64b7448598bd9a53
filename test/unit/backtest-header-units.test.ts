// A column whose header names its unit (Bitbrains' "Memory usage [KB]", "CPU usage [MHZ]") was read as bytes or cores
// without a word when its values were not tiny: Bitbrains memory in KB gave VPA 333× and KRR 133× MOrA's waste (VPA's
// 250Mi floor over "bytes" that were KB), and the unit warning only fires under 1 MiB. Now the header's unit is named
// with the --scale that converts it, unless --scale is given.
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { unitNotes } from '../../src/cli/commands/backtest-units';
import { mora } from './helpers/run-cli';
import { inTempDir } from './helpers/temp-dir';

const v = (peak: number) => ({ v: [peak / 2, peak] });

describe('backtest: a unit named in the value column\'s header', () => {
  it('unitNotes names it and the --scale to give, for memory and CPU units; none for base units or with --scale', () => {
    const kb = unitNotes([{ name: 'vm1', series: v(4e6), column: 'Memory usage [KB]' }], 'memory', ['vpa', 'mora']);
    assert.equal(kb.length, 1);
    assert.match(kb[0], /"Memory usage \[KB\]" says KB/);
    assert.match(kb[0], /--scale 1000 \(KB\) or 1024 \(KiB\)/);
    assert.match(unitNotes([{ name: 'a', series: v(300), column: 'mem_mib' }], 'memory', ['vpa'])[0], /says MiB.*--scale 1048576/);
    // A series also under 1 MiB: one note, the header's.
    assert.equal(unitNotes([{ name: 'a', series: v(300), column: 'mem (MiB)' }], 'memory', ['vpa']).length, 1);
    assert.match(unitNotes([{ name: 'a', series: v(2600), column: 'CPU usage [MHZ]' }], 'cpu', ['vpa'])[0], /says MHz.*--scale 0\.001/);
    assert.match(unitNotes([{ name: 'a', series: v(40), column: 'cpu_usage_percent' }], 'cpu', ['krr'])[0], /says %.*--scale 0\.01/);
    assert.match(unitNotes([{ name: 'a', series: v(250), column: 'cpu (millicores)' }], 'cpu', ['vpa'])[0], /says millicores.*--scale 0\.001/);
    // Base units, no unit, or a unit that only looks like one inside a name: nothing.
    for (const column of ['memory_bytes', 'Memory usage [bytes]', 'value', 'cpu_cores', 'web-mb-cache']) {
      assert.deepEqual(unitNotes([{ name: 'a', series: v(4e9), column }], 'memory', ['vpa']), [], column);
    }
    // Converted with --scale: said nothing.
    assert.deepEqual(unitNotes([{ name: 'vm1', series: v(4e9), column: 'Memory usage [KB]' }], 'memory', ['vpa'], 1024), []);
    // Only baselines that work in base units care: MOrA and Autopilot alone, nothing.
    assert.deepEqual(unitNotes([{ name: 'vm1', series: v(4e6), column: 'Memory usage [KB]' }], 'memory', ['mora', 'autopilot']), []);
  });

  it('mora backtest --value-column "Memory usage [KB]": the warning on stderr, once for a directory', async () => {
    await inTempDir(async (dir) => {
      for (const vm of ['1', '2']) {
        const rows = Array.from({ length: 4 * 288 }, (_, k) => `${1_372_629_000 + k * 300};\t2;\t${(4e6 + 1e5 * Math.sin(k / 40)).toFixed(0)}`);
        writeFileSync(join(dir, `${vm}.csv`), ['Timestamp [ms];\tCPU cores;\tMemory usage [KB]', ...rows].join('\n') + '\n');
      }
      const r = await mora(['backtest', '-i', dir, '-k', 'memory', '--value-column', 'Memory usage [KB]', '-s', 'vpa,mora']);
      assert.equal(r.code, 0, r.err);
      const notes = r.err.split('\n').filter((l) => /says KB/.test(l));
      assert.equal(notes.length, 1, r.err);
      assert.match(notes[0], /^mora: warning: 2 of 2 memory series: their column "Memory usage \[KB\]" says KB, read as bytes/i);
      const scaled = await mora(['backtest', '-i', dir, '-k', 'memory', '--value-column', 'Memory usage [KB]', '-s', 'vpa,mora', '--scale', '1024']);
      assert.equal(scaled.code, 0, scaled.err);
      assert.doesNotMatch(scaled.err, /says KB/);
    });
  });
});
