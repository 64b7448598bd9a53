// `timestamp,cpu_usage,assigned_mem` with --kind cpu was refused ("which column is the value?") while a paired file
// (a time column before each metric) was read as its column of that kind. Now the one column named for --kind is read,
// by the same rule (metricForKind), and stderr says which; none or several named for it: the error as before.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSeriesInput, type LoadReport } from '../../src/cli/commands/backtest-input';
import { InputError } from '../../src/data/timeseries-csv';
import { T0 } from './helpers/csv-rows';
import { mora } from './helpers/run-cli';

const N = 10 * 288;
const cpu = (i: number) => (0.5 + 0.3 * Math.sin(i / 40)).toFixed(3);
const mem = (i: number) => String(Math.round(2e9 + 1e8 * Math.cos(i / 30)));
const file = (header: string, cells: (i: number) => string) => [header, ...Array.from({ length: N }, (_, i) => `${T0 + 300 * i},${cells(i)}`)].join('\n');

describe('mora backtest: the value column picked by --kind', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'mora-kind-column-'));
    writeFileSync(join(dir, 'assigned.csv'), file('timestamp,cpu_usage,assigned_mem', (i) => `${cpu(i)},${mem(i)}`));
    writeFileSync(join(dir, 'both.csv'), file('timestamp,mem_usage,cpu_usage', (i) => `${mem(i)},${cpu(i)}`));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('--kind cpu reads cpu_usage, said on stderr; exit 0', async () => {
    const report: LoadReport = { unreadable: [], notes: [] };
    const [s] = loadSeriesInput(join(dir, 'assigned.csv'), undefined, report, undefined, 'cpu');
    assert.equal(s.series.v[0], Number(cpu(0)));
    assert.equal(s.series.t.length, N);
    assert.match(report.notes.join('\n'), /assigned\.csv: several value columns; --kind cpu replays cpu_usage: the only CPU column; --value-column <name> picks another/);
    const r = await mora(['backtest', '--input', join(dir, 'assigned.csv'), '--kind', 'cpu', '-s', 'mora']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /--kind cpu replays cpu_usage/);
  });

  it('--kind memory reads mem_usage beside cpu_usage; cpu reads cpu_usage', () => {
    const m = loadSeriesInput(join(dir, 'both.csv'), undefined, { unreadable: [], notes: [] }, undefined, 'memory');
    assert.equal(m[0].series.v[0], Number(mem(0)));
    const c = loadSeriesInput(join(dir, 'both.csv'), undefined, { unreadable: [], notes: [] }, undefined, 'cpu');
    assert.equal(c[0].series.v[0], Number(cpu(0)));
  });

  it('no column named for the kind (assigned_mem is an allocation, not usage), or no kind: the error as before', () => {
    for (const kind of ['memory', undefined] as const) {
      assert.throws(() => loadSeriesInput(join(dir, 'assigned.csv'), undefined, { unreadable: [], notes: [] }, undefined, kind),
        (e: unknown) => e instanceof InputError && /which column is the value\?/.test(e.message));
    }
  });
});
