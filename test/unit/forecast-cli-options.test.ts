import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mora } from './helpers/run-cli';
import { rows } from './helpers/csv-rows';
import { inTempDir } from './helpers/temp-dir';

/** Exit 2, nothing on stdout, one line on stderr matching `message`. */
function usageError(r: { code: number; out: string; err: string }, message: RegExp): void {
  assert.equal(r.code, 2, r.err);
  assert.equal(r.out, '');
  assert.equal(r.err.trim().split('\n').length, 1, r.err);
  assert.match(r.err, message);
}

describe('mora forecast --set: option mistakes are usage errors, never a skipped model', function () {
  this.timeout(60_000);

  // 60 points: short enough that --model all skips the LSTM for too little history (its warning), quickly.
  const withInput = (fn: (input: string) => Promise<void>) => inTempDir(async (dir) => {
    const input = join(dir, 'short.csv');
    writeFileSync(input, ['timestamp,value', ...rows(60)].join('\n') + '\n');
    await fn(input);
  });

  const mistakes: [string[], RegExp][] = [
    [['-m', 'all', '--set', 'prophet.bogus=1'], /unknown Prophet option "bogus"/],
    [['-m', 'all', '--set', 'lstm.bogus=1'], /unknown lstm option "bogus"/],
    [['-m', 'all', '--set', 'lstm.epochs=-5'], /lstm\.epochs must be a whole number >= 0/],
    [['-m', 'all', '--set', 'fused.drop_ratio=x'], /fused\.drop_ratio must be a number/],
    [['-m', 'lstm', '--set', 'lstm.series=a'], /lstm\.series .* lstm\.global/],
    [['-m', 'all', '--set', 'lstm.global=no-such-model.json'], /lstm\.global: cannot use "no-such-model\.json" as a global LSTM/],
    [['-m', 'all', '--set', 'lsmt.epochs=3'], /unknown model "lsmt".*prefixes are prophet\., lstm\., fused\./],
    [['-m', 'prophet', '--set', 'lstm.epochs=3'], /"lstm" is not run by --model prophet.*prefixes are prophet\.$/m],
    [['-m', 'prophet', '--set', 'fused.anchor_weight=0'], /"fused" is not run by --model prophet/],
  ];
  for (const [args, message] of mistakes) {
    it(`${args.join(' ')}: exit 2 naming the mistake`, () => withInput(async (input) => {
      usageError(await mora(['forecast', '-i', input, '-H', '2', ...args]), message);
    }));
  }

  it('--model all on a history every model can use: a Prophet typo is exit 2, not empty prophet columns and exit 0', () => inTempDir(async (dir) => {
    const input = join(dir, 'four-days.csv');
    writeFileSync(input, ['timestamp,value', ...rows(4 * 288)].join('\n') + '\n');
    const tiny = ['lstm.epochs=1', 'lstm.units1=4', 'lstm.units2=2', 'lstm.dense=2', 'lstm.maxWindows=200'].flatMap((s) => ['--set', s]);
    usageError(await mora(['forecast', '-i', input, '-H', '2', '-m', 'all', '--set', 'prophet.bogus=1', ...tiny]), /unknown Prophet option "bogus"/);
  }));

  it('fused runs Prophet and the LSTM, so their options are valid with --model fused', () => withInput(async (input) => {
    // The LSTM cannot train on 60 points: the error is that, not the prefix.
    const r = await mora(['forecast', '-i', input, '-H', '2', '-m', 'fused', '--set', 'prophet.changepoint_prior_scale=0.1', '--set', 'lstm.epochs=1']);
    assert.doesNotMatch(r.err, /not run by|unknown model/, r.err);
  }));

  it('too little history for the LSTM is still skipped with a warning under --model all (exit 0)', () => withInput(async (input) => {
    const r = await mora(['forecast', '-i', input, '-H', '2', '-m', 'all', '--set', 'prophet.changepoint_prior_scale=0.1']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /lstm skipped/);
    const [header, first] = r.out.trim().split('\n');
    assert.equal(header, 'timestamp,prophet,prophet_lower,prophet_upper,lstm,fused,fused_lower,fused_upper,confidence');
    assert.ok(Number.isFinite(Number(first.split(',')[1])), first);
  }));
});

describe('mora forecast --model: each model once', () => {
  for (const [model, message] of [
    ['prophet,prophet', /names "prophet" twice/],
    ['prophet, PROPHET', /names "prophet" twice/],
    ['prophet,all', /"all" already runs every model/],
  ] as const) {
    it(`--model "${model}": exit 2, no columns printed twice`, () => inTempDir(async (dir) => {
      const input = join(dir, 'a.csv');
      writeFileSync(input, ['timestamp,value', ...rows(60)].join('\n') + '\n');
      usageError(await mora(['forecast', '-i', input, '-H', '2', '-m', model]), message);
    }));
  }
});
