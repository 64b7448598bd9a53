import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../src/core/random';
import { mora } from './helpers/run-cli';
import { modelNames, registerModel, runForecasts, unregisterModel, type ForecastModel } from '../../src/ml/forecast';

const DAY = 86400;
const START = 1_700_006_400; // a midnight UTC


describe('mora forecast', () => {
  let dir: string;
  before(() => { dir = mkdtempSync(join(tmpdir(), 'mora-forecast-cli-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  function csv(name: string, rows: string[], header = 'timestamp,value'): string {
    const p = join(dir, name);
    writeFileSync(p, [header, ...rows].join('\n') + '\n');
    return p;
  }

  function dailySeries(n: number, iso = false): string[] {
    const rng = new Rng(7);
    return Array.from({ length: n }, (_, i) => {
      const ts = START + i * 300;
      const v = 50 + 10 * Math.sin((2 * Math.PI * ts) / DAY) + rng.normal();
      return `${iso ? new Date(ts * 1000).toISOString().replace('.000Z', 'Z') : ts},${v}`;
    });
  }

  it('prints timestamp,prophet,prophet_lower,prophet_upper for horizon steps at the median step', async () => {
    const input = csv('a.csv', dailySeries(2016));
    const r = await mora(['forecast', '--input', input, '--horizon', '12', '--model', 'prophet', '--format', 'csv']);
    assert.equal(r.code, 0, r.err);
    const lines = r.out.trim().split('\n');
    assert.equal(lines[0], 'timestamp,prophet,prophet_lower,prophet_upper');
    assert.equal(lines.length, 13);
    const last = START + 2015 * 300;
    lines.slice(1).forEach((l, i) => {
      const [ts, y, lo, hi] = l.split(',').map(Number);
      assert.equal(ts, last + (i + 1) * 300);
      assert.ok(lo < y && y < hi, l);
      // The truth is a 10-amplitude daily sine around 50: the forecast tracks it.
      assert.ok(Math.abs(y - (50 + 10 * Math.sin((2 * Math.PI * ts) / DAY))) < 1.5, l);
    });
  });

  it('reads ISO-8601 timestamps and prints Unix seconds', async () => {
    const input = csv('iso.csv', dailySeries(600, true));
    const r = await mora(['forecast', '--input', input, '--horizon', '3']);
    assert.equal(r.code, 0, r.err);
    assert.equal(Number(r.out.trim().split('\n')[1].split(',')[0]), START + 600 * 300);
  });

  it('--format json carries the forecast, fitted parameters and (with --timings) timings', async () => {
    const input = csv('j.csv', dailySeries(1000));
    const r = await mora(['forecast', '--input', input, '--horizon', '5', '--format', 'json', '--set', 'prophet.changepoint_prior_scale=0.1', '--timings']);
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out);
    assert.deepEqual(j.columns, ['timestamp', 'prophet', 'prophet_lower', 'prophet_upper']);
    assert.equal(j.forecast.length, 5);
    const p = j.models.prophet;
    assert.equal(p.fitted.params.delta.length, 25);
    // 1000 points at 5 min are 3.5 days: the default weekly seasonality needs a week, so only the daily terms (2 × 4).
    assert.equal(p.fitted.params.beta.length, 8);
    assert.deepEqual(p.fitted.seasonalities.map((x: { name: string }) => x.name), ['daily']);
    assert.ok(p.fitted.params.sigma_obs > 0);
    assert.equal(p.fitted.options.changepoint_prior_scale, 0.1);
    assert.ok(p.timings_ms.fit > 0 && p.timings_ms.predict > 0);
    // Without --timings the same bytes on every run (CI diffs, caches): no timings_ms.
    const a = await mora(['forecast', '--input', input, '--horizon', '5', '--format', 'json']);
    const b = await mora(['forecast', '--input', input, '--horizon', '5', '--format', 'json']);
    assert.equal(a.code, 0, a.err);
    assert.doesNotMatch(a.out, /timings_ms/);
    assert.equal(a.out, b.out);
  });

  it('counts missing values instead of failing on them', async () => {
    const rows = dailySeries(500);
    rows[10] = `${START + 10 * 300},`;
    rows[11] = `${START + 11 * 300},NaN`;
    const r = await mora(['forecast', '--input', csv('m.csv', rows), '--horizon', '2', '--format', 'json']);
    assert.equal(r.code, 0, r.err);
    assert.equal(JSON.parse(r.out).missing, 2);
  });

  const bad: [string, () => string[], RegExp][] = [
    ['a missing file', () => ['--input', join(dir, 'none.csv')], /no such file/],
    ['no header', () => ['--input', csv('nh.csv', dailySeries(5).slice(1), dailySeries(1)[0])], /no header/],
    ['a non-numeric value', () => ['--input', csv('nn.csv', [...dailySeries(5), `${START + 9999},abc`])], /not a number/],
    ['fewer points than the minimum', () => ['--input', csv('one.csv', dailySeries(1))], /at least 2/],
    ['an unknown model', () => ['--input', csv('u.csv', dailySeries(50)), '--model', 'nope'], /unknown model "nope"/],
    ['an unknown Prophet option', () => ['--input', csv('o.csv', dailySeries(50)), '--set', 'prophet.bogus=1'], /unknown Prophet option "bogus"/],
  ];
  for (const [what, args, message] of bad) {
    it(`exits 2 with one line on stderr for ${what}`, async () => {
      const r = await mora(['forecast', '--horizon', '3', ...args()]);
      assert.equal(r.code, 2);
      assert.equal(r.out, '');
      assert.equal(r.err.trim().split('\n').length, 1, r.err);
      assert.match(r.err, message);
    });
  }

  it('rejects a non-positive horizon', async () => {
    const r = await mora(['forecast', '--input', csv('h.csv', dailySeries(50)), '--horizon', '0']);
    assert.equal(r.code, 2);
    assert.match(r.err, /--horizon/);
  });

  /** Exit 2, nothing on stdout, exactly one line on stderr (no stack trace). */
  function oneLineError(r: { code: number; out: string; err: string }, message: RegExp): void {
    assert.equal(r.code, 2, r.err);
    assert.equal(r.out, '');
    assert.equal(r.err.trim().split('\n').length, 1, r.err);
    assert.doesNotMatch(r.err, /unexpected error|\n\s+at /);
    assert.match(r.err, message);
  }

  for (const model of ['lstm', 'fused']) {
    it(`two points with --model ${model}: one line, exit 2 (was a stack trace, exit 1)`, async function () {
      this.timeout(60_000);
      const r = await mora(['forecast', '--input', csv(`two-${model}.csv`, [`${START},1`, `${START + 60},2`]), '--horizon', '3', '--model', model]);
      oneLineError(r, /history too short \(2 points\)|no member could forecast this 2-point history/);
    });
  }

  it('two points with --model all: Prophet\'s columns, the LSTM and the fusion left empty and named on stderr, exit 0 (README: `all` carries on; was exit 2)', async function () {
    this.timeout(60_000);
    const r = await mora(['forecast', '--input', csv('two-all.csv', [`${START},1`, `${START + 60},2`]), '--horizon', '3', '--model', 'all']);
    assert.equal(r.code, 0, r.err);
    const lines = r.out.trim().split('\n');
    assert.equal(lines[0], 'timestamp,prophet,prophet_lower,prophet_upper,lstm,fused,fused_lower,fused_upper,confidence');
    assert.equal(lines.length, 4);
    for (const row of lines.slice(1)) assert.match(row, /^\d+,[-\d.e]+,[-\d.e]+,[-\d.e]+,,,,,$/, row);
    const warnings = r.err.trim().split('\n');
    assert.equal(warnings.length, 2, r.err);
    assert.match(warnings[0], /^mora: warning: .*two-all\.csv: lstm skipped, its column is empty: lstm: history too short \(2 points\)/);
    assert.doesNotMatch(warnings[0], /fused blends/);
    assert.match(warnings[1], /^mora: warning: .*two-all\.csv: fused skipped, its columns are empty: .*2-point history once it held out the last points/);
    assert.doesNotMatch(r.err, /--model prophet works/);
    const json = await mora(['forecast', '--input', csv('two-all.csv', [`${START},1`, `${START + 60},2`]), '--horizon', '3', '--model', 'all', '-f', 'json']);
    assert.equal(json.code, 0, json.err);
    assert.deepEqual(Object.keys((JSON.parse(json.out) as { skipped: Record<string, string> }).skipped), ['lstm', 'fused']);
  });

  it('one point with --model all is still one line, exit 2: no model can run', async () => {
    const r = await mora(['forecast', '--input', csv('one-all.csv', [`${START},1`]), '--horizon', '3', '--model', 'all']);
    oneLineError(r, /one-all\.csv/);
  });

  it('caps the horizon before allocating anything: 1e9 steps fail at once, and a horizon far past the history says how far it may go', async () => {
    const t0 = Date.now();
    const huge = await mora(['forecast', '--input', csv('cap.csv', dailySeries(500)), '--horizon', '1000000000']);
    oneLineError(huge, /^mora: --horizon 1000000000 is too far: at most 100,000 steps \(and at most 10× the history's time span ahead\)$/m);
    assert.ok(Date.now() - t0 < 5_000, `${Date.now() - t0} ms`);
    // 500 points at 5 min = 41.6 h of history: 10× that is 4,990 steps of 300 s.
    const far = await mora(['forecast', '--input', csv('cap.csv', dailySeries(500)), '--horizon', '4991']);
    oneLineError(far, /--horizon 4991 is too far for this input: 4991 steps of 300 s reach 17\.3 days ahead, more than 10× its 41\.6 hours of history; at most 4990 steps here/);
    const ok = await mora(['forecast', '--input', csv('cap.csv', dailySeries(500)), '--horizon', '4990']);
    assert.equal(ok.code, 0, ok.err);
    assert.equal(ok.out.trim().split('\n').length, 4991);
    const help = await mora(['forecast', '--help']);
    assert.match(help.out.replace(/\s+/g, ' '), /at most 100,000, and at most 10× the history's time span ahead/);
  });

  it('a forecast that is NaN or ±Infinity is an error (exit 2, one line), never printed with exit 0', async () => {
    // Alternating ±1e308: Prophet's band goes past the largest double within three steps.
    const alternating = Array.from({ length: 10 }, (_, i) => `${START + 300 * i},${i % 2 ? '-1e308' : '1e308'}`);
    const r = await mora(['forecast', '--input', csv('alt.csv', alternating), '--horizon', '3', '--model', 'prophet']);
    oneLineError(r, /the prophet_lower forecast is not a finite number \(-Infinity at step \d\)/);
    // A trend that climbs past the largest double.
    const growing = Array.from({ length: 300 }, (_, i) => `${START + 60 * i},${1e308 + i * 2.5e305}`);
    oneLineError(await mora(['forecast', '--input', csv('grow.csv', growing), '--horizon', '50']), /the prophet forecast is not a finite number \(Infinity at step \d+\)/);
  });

  it('huge but finite values still forecast: the models see the series scaled (constant 1.7e308 was NaN from the LSTM)', async function () {
    this.timeout(120_000);
    const constant = Array.from({ length: 200 }, (_, i) => `${START + 60 * i},1.7e308`);
    const r = await mora(['forecast', '--input', csv('const.csv', constant), '--horizon', '3', '--model', 'all', '--format', 'json']);
    assert.equal(r.code, 0, r.err);
    const out = JSON.parse(r.out) as { forecast: Array<Record<string, number>>; input_scale?: string };
    assert.match(out.input_scale!, /2\^-1023/);
    for (const row of out.forecast) {
      for (const c of ['prophet', 'lstm', 'fused']) assert.ok(Number.isFinite(row[c]) && Math.abs(row[c] / 1.7e308 - 1) < 0.01, `${c}: ${row[c]}`);
    }
  });
});

describe('forecast registry', () => {
  after(() => { unregisterModel('test-last'); unregisterModel('test-combo'); });
  it('runs registered models once each, sharing runs with models that combine others', async () => {
    let calls = 0;
    const echo: ForecastModel = {
      name: 'test-last', description: 'last value',
      async run(history, req) {
        calls++;
        const t = Float64Array.from({ length: req.horizon }, (_, i) => history.t[history.t.length - 1] + (i + 1) * req.step);
        const v = new Float64Array(req.horizon).fill(history.v[history.v.length - 1]);
        return { model: 'test-last', forecast: { t, mean: v, lower: v, upper: v, intervalWidth: 0.9 }, fitted: {}, timings: { fitMs: 0, predictMs: 0 } };
      },
    };
    const combo: ForecastModel = {
      name: 'test-combo', description: 'uses test-last',
      async run(_h, _req, ctx) {
        const a = await ctx.get('test-last');
        return { ...a, model: 'test-combo' };
      },
    };
    registerModel(echo);
    registerModel(combo);
    assert.ok(modelNames().includes('prophet') && modelNames().includes('test-combo'));
    const t = Float64Array.from({ length: 10 }, (_, i) => START + i * 60);
    const runs = await runForecasts({ t, v: Float64Array.from(t, (_, i) => i) }, ['test-last', 'test-combo'], { horizon: 3 });
    assert.equal(calls, 1);
    assert.deepEqual(runs.map((r) => r.model), ['test-last', 'test-combo']);
    assert.deepEqual(Array.from(runs[1].forecast.t), [START + 600, START + 660, START + 720]);
  });
});
