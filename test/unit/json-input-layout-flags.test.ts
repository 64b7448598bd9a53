// CSV layout flags given with a Prometheus JSON export (query_range, or VictoriaMetrics' /api/v1/export lines) were
// ignored without a word: `--time-column foo`, `--time-unit ms`, `--step 60`, `--wide`, `--no-header` or `--value-column`
// replayed the export as if they were not there (exit 0), so a user who meant them (a wrong unit, a column) never
// learned they did nothing. Now each is refused (exit 2) naming the flag and that the export names its own times and
// values; --series-column (label names) is still honoured.
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mora } from './helpers/run-cli';
import { inTempDir } from './helpers/temp-dir';

const T0 = 1_700_006_400;
const N = 3 * 288;

function values(scale: number): [number, string][] {
  return Array.from({ length: N }, (_, k) => [T0 + k * 300, String(scale * (0.2 + 0.1 * Math.sin(k / 12)))]);
}

function promRange(): string {
  return JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [
    { metric: { pod: 'a', namespace: 'x' }, values: values(1) },
    { metric: { pod: 'b', namespace: 'x' }, values: values(2) },
  ] } });
}

function vmExport(): string {
  const v = values(1);
  return JSON.stringify({ metric: { __name__: 'cpu_rate', pod: 'a' }, values: v.map(([, x]) => Number(x)), timestamps: v.map(([t]) => t * 1000) }) + '\n';
}

const FLAGS: string[][] = [
  ['--time-column', 'foo'], ['--value-column', 'value'], ['--time-unit', 'ms'], ['--step', '60'], ['--wide'], ['--no-header'],
];

describe('CSV layout flags with a Prometheus JSON export', () => {
  for (const [label, text] of [['query_range', promRange], ['VictoriaMetrics export', vmExport]] as const) {
    for (const flag of FLAGS) {
      it(`${label}: ${flag[0]} is refused naming it, not ignored`, async () => {
        await inTempDir(async (dir) => {
          const file = join(dir, 'export.json');
          writeFileSync(file, text());
          const r = await mora(['backtest', '--input', file, '--kind', 'cpu', '--strategies', 'mora', '-q', ...flag]);
          assert.equal(r.code, 2, r.err);
          assert.equal(r.out, '');
          const lines = r.err.trim().split('\n');
          assert.equal(lines.length, 1, r.err);
          assert.ok(lines[0].includes(flag[0]), r.err);
          assert.match(r.err, /Prometheus/);
          assert.doesNotMatch(r.err, /\n\s+at /);
        });
      });
    }
  }

  it('forecast refuses --time-unit with a JSON export too', async () => {
    await inTempDir(async (dir) => {
      const file = join(dir, 'one.json');
      writeFileSync(file, vmExport());
      const r = await mora(['forecast', '--input', file, '--horizon', '12', '--time-unit', 'ms']);
      assert.equal(r.code, 2, r.err);
      assert.ok(r.err.includes('--time-unit'), r.err);
    });
  });

  it('--series-column (label names) is still honoured, and no flag still reads', async () => {
    await inTempDir(async (dir) => {
      const file = join(dir, 'export.json');
      writeFileSync(file, promRange());
      const r = await mora(['backtest', '--input', file, '--kind', 'cpu', '--strategies', 'mora', '-q', '-f', 'json', '--series-column', 'pod']);
      assert.equal(r.code, 0, r.err);
      const bare = await mora(['backtest', '--input', file, '--kind', 'cpu', '--strategies', 'mora', '-q', '-f', 'json']);
      assert.equal(bare.code, 0, bare.err);
    });
  });

  it('a directory of a CSV and a JSON export: the CSV read by the flag, the export skipped naming it and how to run both', async () => {
    await inTempDir(async (dir) => {
      writeFileSync(join(dir, 'export.json'), promRange());
      const rows = ['ts,value', ...values(1).map(([t, v]) => `${t},${v}`)];
      writeFileSync(join(dir, 'a.csv'), rows.join('\n') + '\n');
      const r = await mora(['backtest', '--input', dir, '--kind', 'cpu', '--strategies', 'mora', '-q', '-f', 'json', '--time-column', 'ts']);
      assert.equal(r.code, 4, r.err);
      assert.match(r.err, /export\.json: --time-column reads a CSV's columns/);
      assert.match(r.err, /separate runs/);
      assert.deepEqual([...new Set((JSON.parse(r.out) as { perSeries: Array<{ series: string }> }).perSeries.map((s) => s.series))], ['a']);
    });
  });
});
