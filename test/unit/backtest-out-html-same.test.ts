// backtest --frontier with --out and --html naming the same file (`-o r.html --html r.html`, or ./r.html and r.html):
// recs.csv was written, then replaced by the report, exit 0 and not a word: the per-day values were lost. Now refused
// before anything is read or written (exit 2), naming both flags.
import { strict as assert } from 'node:assert';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mora } from './helpers/run-cli';
import { inTempDir } from './helpers/temp-dir';

describe('backtest: --out and --html the same file', () => {
  it('is refused, exit 2, nothing written', async () => {
    await inTempDir(async (dir) => {
      const input = join(dir, 'web.csv');
      writeFileSync(input, ['timestamp,value', ...Array.from({ length: 4 * 288 }, (_, k) => `${1_700_000_000 + k * 300},${(0.3 + 0.1 * Math.sin(k / 40)).toFixed(3)}`)].join('\n') + '\n');
      for (const [out, html] of [[join(dir, 'r.html'), join(dir, 'r.html')], [join(dir, '.', 'sub', '..', 'r.html'), join(dir, 'r.html')]]) {
        const r = await mora(['backtest', '-i', input, '-k', 'cpu', '--frontier', '-q', '-o', out, '--html', html]);
        assert.equal(r.code, 2, r.err);
        assert.match(r.err, /^mora: --out and --html name the same file/);
        assert.equal(existsSync(join(dir, 'r.html')), false);
      }
    });
  });
});
