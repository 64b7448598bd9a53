// `--set lstm.global=<model.json>` on a laptop: `mora recommend` and `mora forecast` forecast with the saved global
// LSTM as it was saved, so the lstm.* keys that only shape a per-series LSTM's training (epochs, units1, loss, …) are
// named in one warning on stderr, shown with -q too, in the words --in-cluster uses (eee002c; the one function
// givenGlobalLstmWarning, pipeline/recommend.ts). Keys the saved model uses (lstm.series) and defaults spelt out say
// nothing; stdout and the exit code are those of the run without the keys.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { mora } from './helpers/run-cli';
import { series } from '../../src/core/series';
import { saveGlobalLstm, trainGlobalLstm } from '../../src/ml/lstm/global';

/** 10 days of a daily sine at 900 s, from 1_789_000_000 s: the pool series `level` is the mean of. */
function sine(level: number): { t: number[]; v: number[] } {
  const t: number[] = [], v: number[] = [];
  for (let i = 0; i < 960; i++) { t.push(1_789_000_000 + i * 900); v.push(level + 0.03 * Math.sin((2 * Math.PI * i) / 96)); }
  return { t, v };
}

/** A small saved global LSTM: three series s0..s2, 2 epochs (as in-cluster-given-global-model.test.ts makes one). */
function saveSmallModel(file: string): void {
  const pool = [0, 1, 2].map((k) => { const s = sine(0.2 + 0.05 * k); return { id: `s${k}`, series: series(s.t, s.v) }; });
  saveGlobalLstm(file, trainGlobalLstm(pool, { steps: 24, chunk: 12, units1: 8, units2: 4, dense: 4, epochs: 2, batchSize: 64, windowsPerSeries: 50, seed: 7 }));
}

describe('--set lstm.global with lstm.* training keys: named as unused by recommend and forecast on a laptop', function () {
  this.timeout(120_000);
  let dir = '';
  let model = '';
  let input = '';
  let xdg: string | undefined;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mora-given-global-keys-'));
    model = path.join(dir, 'model.json');
    saveSmallModel(model);
    input = path.join(dir, 'in.csv');
    const s = sine(0.2);
    fs.writeFileSync(input, ['timestamp,value', ...s.t.map((t, i) => `${t},${s.v[i]}`)].join('\n') + '\n');
    // The run's cache is the suite's own, never the user's ~/.cache/mora.
    xdg = process.env.XDG_CACHE_HOME;
    process.env.XDG_CACHE_HOME = path.join(dir, 'cache');
  });
  after(() => {
    if (xdg === undefined) delete process.env.XDG_CACHE_HOME;
    else process.env.XDG_CACHE_HOME = xdg;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const warning = (keys: string) => `mora: --set ${keys} not used: the given global LSTM ${model} forecasts as it was saved (nothing is trained in this run; those keys shape the per-series LSTM, used without lstm.global)`;
  const unusedLines = (err: string) => err.split('\n').filter((l) => / not used/.test(l));

  const recommend = (m: string, ...sets: string[]) => mora(['recommend', '--source', 'demo', '-m', m, '--history-days', '5', '--forecast-step', '1800', '-q', '-f', 'json',
    '--set', `lstm.global=${model}`, ...sets.flatMap((s) => ['--set', s])]);
  const forecast = (m: string, ...sets: string[]) => mora(['forecast', '-i', input, '-H', '12', '-m', m, '-q', '-f', 'json',
    '--set', `lstm.global=${model}`, ...sets.flatMap((s) => ['--set', s])]);

  it('mora recommend -m lstm|fused: lstm.epochs=50 (and lstm.loss=mse) named with -q; lstm.series, recommend\'s defaults (epochs 8, max_windows 256) silent; stdout the same', async () => {
    const plain = await recommend('lstm');
    assert.equal(plain.code, 0, plain.err);
    assert.deepEqual(unusedLines(plain.err), [], plain.err);
    const keyed = await recommend('lstm', 'lstm.epochs=50', 'lstm.max_windows=256');
    assert.equal(keyed.code, 0, keyed.err);
    assert.deepEqual(unusedLines(keyed.err), [warning('lstm.epochs')], keyed.err);
    assert.equal(keyed.out, plain.out);
    const fused = await recommend('fused', 'lstm.series=s1', 'lstm.loss=mse', 'lstm.Epochs=8');
    assert.equal(fused.code, 0, fused.err);
    assert.deepEqual(unusedLines(fused.err), [warning('lstm.loss')], fused.err);
    for (const quiet of [await recommend('fused', 'lstm.series=s1'), await recommend('lstm', 'lstm.epochs=8', 'lstm.maxWindows=256')]) {
      assert.equal(quiet.code, 0, quiet.err);
      assert.deepEqual(unusedLines(quiet.err), [], quiet.err);
    }
  });

  it('mora forecast -m lstm|fused: lstm.epochs=50 and lstm.units1=16 named with -q; lstm.series, the LSTM\'s defaults (epochs 30, max_windows 1024) silent; stdout the same', async () => {
    const plain = await forecast('lstm');
    assert.equal(plain.code, 0, plain.err);
    assert.deepEqual(unusedLines(plain.err), [], plain.err);
    const keyed = await forecast('lstm', 'lstm.epochs=50', 'lstm.units1=16');
    assert.equal(keyed.code, 0, keyed.err);
    assert.deepEqual(unusedLines(keyed.err), [warning('lstm.epochs, lstm.units1')], keyed.err);
    assert.equal(keyed.out, plain.out);
    const fused = await forecast('fused', 'lstm.series=s1', 'lstm.learning_rate=0.01');
    assert.equal(fused.code, 0, fused.err);
    assert.deepEqual(unusedLines(fused.err), [warning('lstm.learning_rate')], fused.err);
    for (const quiet of [await forecast('fused', 'lstm.series=s1'), await forecast('lstm', 'lstm.epochs=30', 'lstm.max_windows=1024')]) {
      assert.equal(quiet.code, 0, quiet.err);
      assert.deepEqual(unusedLines(quiet.err), [], quiet.err);
    }
  });
});
