/**
 * Negative samples (a counter reset, a broken rate query) are read as 0 when the backtest loads its input, so the
 * strategies and the scorer both see 0, and a note says so. Replayed as they were, one −100 sample among 2880 raised
 * MOrA's waste ratio from 0.59 to 1.04, and three −500 ones made the series' usage sum ≤ 0: labelled idle, every mean "—".
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backtestCommand } from '../../src/cli/commands/backtest';
import { loadSeriesInput, type LoadReport } from '../../src/cli/commands/backtest-input';
import { Rng } from '../../src/core/random';

const DAY = 86400;
const T0 = 1_700_006_400 - (1_700_006_400 % DAY);

/** 10 days of CPU at 5 min (a daily wave and noise), `bad` sample indexes set to `badValue`. */
function trace(bad: readonly number[], badValue: number): string {
  const rng = new Rng(3);
  const rows = ['timestamp,value'];
  for (let i = 0, x = T0; x < T0 + 10 * DAY; x += 300, i++) {
    const v = bad.includes(i) ? badValue : Math.max(0, 0.5 + 0.3 * Math.sin((2 * Math.PI * (x - T0)) / DAY) + 0.05 * (rng.next() - 0.5));
    rows.push(`${x},${v.toFixed(4)}`);
  }
  return rows.join('\n') + '\n';
}

type Json = { mean: Array<{ strategy: string; summary: { wasteRatio: number; days: number } }>; idle: unknown[] };

describe('backtest: negative usage is read as 0', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'mora-neg-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const run = (file: string): { json: Json; err: string } => {
    const write = process.stderr.write;
    let err = '';
    process.stderr.write = ((s: string) => { err += s; return true; }) as typeof process.stderr.write;
    try {
      const out = backtestCommand({ input: file, kind: 'cpu', strategies: 'mora,vpa,krr,autopilot', format: 'json', warmupDays: '7', scale: '1', quiet: true });
      return { json: JSON.parse(out) as Json, err };
    } finally { process.stderr.write = write; }
  };

  it('one −100 sample scores as a 0 sample would, and the warning says it was read as 0', () => {
    // Sample 2300 is on day 7, a scored day (the 7-day warm-up ends at sample 2016).
    writeFileSync(join(dir, 'neg.csv'), trace([2300], -100));
    writeFileSync(join(dir, 'zero.csv'), trace([2300], 0));
    const neg = run(join(dir, 'neg.csv')), zero = run(join(dir, 'zero.csv'));
    assert.deepEqual(neg.json.mean, zero.json.mean);
    const mora = neg.json.mean.find((m) => m.strategy === 'mora')!.summary;
    assert.ok(mora.wasteRatio > 0 && mora.wasteRatio < 0.8, `mora waste ${mora.wasteRatio}`);
    assert.match(neg.err, /^mora: warning: .*neg\.csv: 1 negative values, read as 0 \(CPU and memory usage cannot be negative/m);
  });

  it('three −500 samples (counter resets) leave the series scored, not idle', () => {
    writeFileSync(join(dir, 'spike.csv'), trace([2200, 2250, 2600], -500));
    const { json, err } = run(join(dir, 'spike.csv'));
    assert.deepEqual(json.idle, []);
    for (const m of json.mean) assert.ok(Number.isFinite(m.summary.wasteRatio) && m.summary.days > 0, `${m.strategy}: ${JSON.stringify(m.summary)}`);
    assert.match(err, /3 negative values, read as 0/);
  });

  it('the loaded series has no negative value', () => {
    writeFileSync(join(dir, 'spike.csv'), trace([5, 6], -2));
    const report: LoadReport = { unreadable: [], notes: [] };
    const [s] = loadSeriesInput(join(dir, 'spike.csv'), undefined, report);
    assert.equal(Math.min(...s.series.v), 0);
    assert.equal(s.series.v.length, 2880);
    assert.equal(report.notes.length, 1);
  });
});
