import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backtestCommand } from '../../src/cli/commands/backtest';
import { frontierHtml } from '../../src/cli/format/frontier-html';
import { Rng } from '../../src/core/random';
import { series, type Series } from '../../src/core/series';
import { calibration, runFrontier, type FrontierResult } from '../../src/rightsizing/backtest/frontier';
import { dayQuantileCurve, oracleFrontier } from '../../src/rightsizing/backtest/oracle';
import { runBacktest } from '../../src/rightsizing/backtest/run';
import { meanSummary, scoreDay, summarize } from '../../src/rightsizing/replay/score';

// An idle series (no usage on any scored day) has no waste ratio: it must not count as 0 in the means over series.
const DAY = 86400;
const T0 = 1_700_000_000 - (1_700_000_000 % DAY);
const STRATEGIES = ['vpa', 'krr', 'mora', 'autopilot'] as const;

/** 21 days of CPU at 5 min: a daily wave, noise and rare bursts; `zeroDays` first days all zero. */
function busy(seed: number, zeroDays = 0): Series {
  const rng = new Rng(seed);
  const t: number[] = [], v: number[] = [];
  for (let x = T0; x < T0 + 21 * DAY; x += 300) {
    t.push(x);
    v.push(x < T0 + zeroDays * DAY ? 0 : 0.5 + 0.3 * Math.sin((2 * Math.PI * (x - T0)) / DAY) + 0.1 * rng.next() + (rng.next() < 0.02 ? 0.5 : 0));
  }
  return series(t, v);
}

/** The review's idle series: `for t in range(T0, T0+21*86400, 300): print(f"{t},0")`. */
function idle(): Series {
  const t: number[] = [];
  for (let x = T0; x < T0 + 21 * DAY; x += 300) t.push(x);
  return series(t, t.map(() => 0));
}

const csv = (s: Series): string => ['timestamp,value', ...Array.from(s.t, (t, i) => `${t},${s.v[i]}`)].join('\n');

describe('backtest: idle series are left out of the means', () => {
  it('summarize: an idle series has no waste or shortfall ratio (NaN, not 0); one idle on some days only is not idle', () => {
    const zeros = Array(288).fill(0);
    const s = summarize([scoreDay(0, 0.025, zeros), scoreDay(DAY, 0.025, zeros)]);
    assert.ok(Number.isNaN(s.wasteRatio) && Number.isNaN(s.shortfallRatio), JSON.stringify(s));
    assert.equal(s.idle, true);
    // Defined metrics stay as they are: nothing above the value, 100% slack.
    assert.equal(s.exceedanceShare, 0);
    assert.equal(s.relativeSlack, 1);
    const part = summarize([scoreDay(0, 0.025, zeros), scoreDay(DAY, 2, Array(288).fill(1))]);
    assert.equal(part.idle, undefined);
    // Σwaste (0.025 × 288 on the idle day, 1 × 288 on the busy one) over Σusage of both days (288).
    assert.ok(Math.abs(part.wasteRatio - 1.025) < 1e-12, String(part.wasteRatio));
    const none = summarize([]);
    assert.equal(none.idle, undefined);
  });

  it('meanSummary: an idle series changes no mean', () => {
    const a = summarize([scoreDay(0, 2, Array(288).fill(1))]);
    const b = summarize([scoreDay(0, 3, Array(288).fill(2))]);
    const z = summarize([scoreDay(0, 0.025, Array(288).fill(0))]);
    assert.deepEqual(meanSummary([a, z, b]), meanSummary([a, b]));
    for (const v of Object.values(meanSummary([z]))) if (typeof v === 'number' && v !== 0) assert.ok(Number.isNaN(v));
  });

  it('runBacktest: every strategy\'s means are those without the idle series, which is named; its per-day values are still emitted', () => {
    const alone = runBacktest([{ name: 'busy', series: busy(3) }], 'cpu', [...STRATEGIES]);
    const both = runBacktest([{ name: 'busy', series: busy(3) }, { name: 'idle', series: idle() }], 'cpu', [...STRATEGIES]);
    assert.deepEqual(both.mean, alone.mean);
    assert.ok(both.mean.every((m) => m.series === 1 && m.summary.wasteRatio > 0.1), JSON.stringify(both.mean));
    assert.deepEqual(both.idle, [{ series: 'idle', strategies: [...STRATEGIES] }]);
    assert.deepEqual(alone.idle, []);
    const rows = (n: string) => both.rows.filter((r) => r.series === n).length;
    assert.equal(rows('idle'), rows('busy'));
    assert.ok(rows('idle') > 0);
    // VPA requests its floor on the idle series: its waste is real, its ratio undefined.
    const vpaIdle = both.perSeries.find((p) => p.series === 'idle' && p.strategy === 'vpa')!.summary;
    assert.ok(Number.isNaN(vpaIdle.wasteRatio));
    assert.equal(vpaIdle.relativeSlack, 1);
  });

  it('runBacktest: a series idle on its first scored days and busy later is not idle and is in the means', () => {
    const r = runBacktest([{ name: 'busy', series: busy(3) }, { name: 'late', series: busy(5, 10) }], 'cpu', ['vpa']);
    assert.deepEqual(r.idle, []);
    assert.equal(r.mean[0].series, 2);
    const late = r.perSeries.find((p) => p.series === 'late')!.summary;
    assert.ok(Number.isFinite(late.wasteRatio) && late.wasteRatio > 0);
  });

  it('oracle, day quantiles and calibration: an idle series changes nothing', () => {
    const b = [{ series: busy(3) }, { series: busy(5) }];
    const z = [...b, { series: idle() }];
    assert.deepEqual(oracleFrontier(z, 'cpu'), oracleFrontier(b, 'cpu'));
    assert.deepEqual(oracleFrontier(z, 'memory'), oracleFrontier(b, 'memory'));
    assert.deepEqual(dayQuantileCurve(z, [0.01, 0.05]), dayQuantileCurve(b, [0.01, 0.05]));
    assert.deepEqual(oracleFrontier([{ series: idle() }], 'cpu'), []);
    const days = (v: number) => [scoreDay(0, 1, [...Array(95).fill(v), 2, 2, 2, 2, 2])];
    const zeroDays = [scoreDay(0, 0.025, Array(100).fill(0))];
    assert.deepEqual(calibration(0.05, [days(0.5), zeroDays, days(0.8)], 'cpu'), calibration(0.05, [days(0.5), days(0.8)], 'cpu'));
  });

  it('runFrontier: points, dominance, per-series dominance, oracle, calibration, confidence and the fleet budget are those without the idle series', function () {
    this.timeout(60_000);
    const opts = { grid: [0.01, 0.05, 0.2], withFleet: true };
    const pick = (f: FrontierResult) => ({
      points: f.points, curve: f.curve, dominance: f.dominance, seriesDominance: f.seriesDominance, oracle: f.oracle, dayQuantile: f.dayQuantile,
      calibration: f.calibration, confidence: f.confidence, fleetCurve: f.fleet?.curve, fleetDominance: f.fleet?.dominance, fleetCalibration: f.fleet?.calibration,
    });
    const two = [{ name: 'a', series: busy(3) }, { name: 'b', series: busy(5) }];
    const alone = runFrontier(two, 'cpu', opts);
    const withIdle = runFrontier([...two, { name: 'idle', series: idle() }], 'cpu', opts);
    assert.deepEqual(pick(withIdle), pick(alone));
    // The fleet budget is spread over the two busy series only; the idle one is held at the fleet target.
    assert.ok(withIdle.fleet!.calibration.every((c) => c.series === 2));
    assert.deepEqual(withIdle.backtest.idle.map((x) => x.series), ['idle']);
    assert.match(frontierHtml(withIdle, { title: 't' }), /1 idle series \(no usage on any scored day: no waste ratio\) left out of the means[^<]*: idle\./);
  });

  describe('mora backtest', () => {
    let dir = '', busyOnly = '', outDir = '';
    const base = { kind: 'cpu', strategies: STRATEGIES.join(','), format: 'table', warmupDays: '7', scale: '1', quiet: true };
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'mora-bt-idle-'));
      busyOnly = mkdtempSync(join(tmpdir(), 'mora-bt-busy-'));
      outDir = mkdtempSync(join(tmpdir(), 'mora-bt-out-'));
      writeFileSync(join(dir, 'busy.csv'), csv(busy(3)));
      writeFileSync(join(busyOnly, 'busy.csv'), csv(busy(3)));
      writeFileSync(join(dir, 'idle.csv'), csv(idle()));
    });
    after(() => { for (const d of [dir, busyOnly, outDir]) rmSync(d, { recursive: true, force: true }); });

    it('table: the idle series is named as left out, and the means are those of the busy series alone', () => {
      const text = backtestCommand({ ...base, input: dir });
      assert.match(text, /^1 idle series \(no usage on any scored day\) left out of the means: idle$/m);
      const table = (t: string) => t.split('\n').filter((l) => STRATEGIES.some((s) => l.startsWith(`${s} `)));
      assert.deepEqual(table(text), table(backtestCommand({ ...base, input: busyOnly })));
      assert.doesNotMatch(backtestCommand({ ...base, input: busyOnly }), /idle series/);
    });

    it('JSON: `idle` lists it, its ratios are null, the means are without it; recs.csv still has its rows', () => {
      const out = join(outDir, 'recs.csv');
      const j = JSON.parse(backtestCommand({ ...base, input: dir, format: 'json', out }));
      const alone = JSON.parse(backtestCommand({ ...base, input: busyOnly, format: 'json' }));
      assert.deepEqual(j.idle, [{ series: 'idle', strategies: [...STRATEGIES] }]);
      assert.deepEqual(alone.idle, []);
      assert.deepEqual(j.mean, alone.mean);
      const vpaIdle = j.perSeries.find((p: { series: string; strategy: string }) => p.series === 'idle' && p.strategy === 'vpa');
      assert.equal(vpaIdle.summary.wasteRatio, null);
      assert.equal(vpaIdle.summary.shortfallRatio, null);
      assert.equal(vpaIdle.summary.idle, true);
      const rows = readFileSync(out, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
      assert.equal(rows.filter((r) => r[0] === 'idle').length, rows.filter((r) => r[0] === 'busy').length);
      assert.ok(rows.some((r) => r[0] === 'idle' && r[2] === 'vpa' && Number(r[3]) > 0));
    });

    it('--frontier: text and JSON name the idle series', function () {
      this.timeout(60_000);
      const fr = { ...base, strategies: 'vpa,krr', frontier: true, cpuRisk: '0.05,0.2' };
      assert.match(backtestCommand({ ...fr, input: dir }), /^1 idle series \(no usage on any scored day\) left out of the means: idle$/m);
      const j = JSON.parse(backtestCommand({ ...fr, input: dir, format: 'json' }));
      assert.deepEqual(j.idle, [{ series: 'idle', strategies: ['vpa', 'krr', 'mora@cpu-risk=0.05', 'mora@cpu-risk=0.2'] }]);
      const alone = JSON.parse(backtestCommand({ ...fr, input: busyOnly, format: 'json' }));
      assert.deepEqual(j.points, alone.points);
    });
  });
});
