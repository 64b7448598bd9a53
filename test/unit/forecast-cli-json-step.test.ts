// `mora forecast -f json`: "step" is the forecast's step, also for a one-step forecast (it was null there).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mora } from './helpers/run-cli';
import { inTempDir } from './helpers/temp-dir';
import { rows, T0 } from './helpers/csv-rows';

describe('mora forecast -f json: the step of a one-step forecast', () => {
  it('-f json gives the step of a one-step forecast (was null)', () => inTempDir(async (dir) => {
    const input = join(dir, 'one.csv');
    writeFileSync(input, ['timestamp,value', ...rows(600)].join('\n') + '\n');
    const r = await mora(['forecast', '-i', input, '-H', '1', '-f', 'json']);
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out) as { step: number | null; forecast: { timestamp: number }[] };
    assert.equal(j.step, 300);
    assert.equal(j.forecast[0].timestamp, T0 + 600 * 300);
    const coarser = await mora(['forecast', '-i', input, '-H', '1', '-f', 'json', '--step', '900']);
    assert.equal((JSON.parse(coarser.out) as { step: number }).step, 900);
  }));
});
