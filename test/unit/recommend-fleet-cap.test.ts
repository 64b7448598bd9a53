// mora recommend --risk-scope fleet: a per-container cap under the fleet's budget (--cpu-risk-cap 0.01 with the default
// --cpu-risk 0.05) was raised to the budget without a word ("each 5%–5% (cap 5%)"): the cap the user gave was ignored.
// Now refused before anything is read (exit 2), saying how to hold every container to that share.
import { strict as assert } from 'node:assert';
import { mora } from './helpers/run-cli';

describe('recommend --risk-scope fleet: a cap under the budget', function () {
  // Backtests over generated series: computation only, 4× slower on a busy machine; the answer is what is checked.
  this.timeout(90_000);
  it('is refused, exit 2, naming both shares and the flag that holds every container to the cap', async () => {
    const cpu = await mora(['recommend', '--risk-scope', 'fleet', '--cpu-risk-cap', '0.01']);
    assert.equal(cpu.code, 2, cpu.err);
    assert.equal(cpu.out, '');
    assert.match(cpu.err, /^mora: --cpu-risk-cap 0\.01 is under the fleet's budget --cpu-risk 0\.05 \(the default\): .*--cpu-risk 0\.01/);
    const mem = await mora(['recommend', '--risk-scope', 'fleet', '--memory-risk', '0.02', '--memory-risk-cap', '0.015']);
    assert.equal(mem.code, 2, mem.err);
    assert.match(mem.err, /^mora: --memory-risk-cap 0\.015 is under the fleet's budget --memory-risk 0\.02: /);
  });

  it('a cap equal to the budget is kept: every container at the budget, said as such', async () => {
    const r = await mora(['recommend', '--risk-scope', 'fleet', '--cpu-risk', '0.02', '--cpu-risk-cap', '0.02']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /fleet risk budget, cpu: mean 2% over \d+ containers, each 2%–2% \(cap 2%\)/);
  });
});
