// mora backtest's risk targets written as percentages or for the other kind: the messages sent the user the wrong way.
// `mora@cpu-risk=5%` said "a risk target goes on mora or mora-prophet or mora-fleet" (it is on mora), `--cpu-risk 5%`
// "is not a number" (recommend says "a share, not a percentage: 5% is 0.05"), and `mora@memory-risk=0.01` with
// --kind cpu the same "goes on mora…" line. Refused as before (exit 2, before anything is read), each saying what to write.
import { strict as assert } from 'node:assert';
import { mora } from './helpers/run-cli';

const run = (...args: string[]) => mora(['backtest', '-i', 'no-such-input.csv', '-k', 'cpu', '-q', ...args]);

describe('mora backtest: risk targets spelt as percentages or for the other kind', () => {
  it('a percentage in --strategies or --cpu-risk: the share to write instead', async () => {
    const s = await run('-s', 'vpa,mora@cpu-risk=5%');
    assert.equal(s.code, 2);
    assert.equal(s.err, 'mora: "mora@cpu-risk=5%" in --strategies: a share, not a percentage: 5% is 0.05 (mora@cpu-risk=0.05)\n');
    const flag = await run('--cpu-risk', '0.01,2.5%');
    assert.equal(flag.code, 2);
    assert.equal(flag.err, 'mora: --cpu-risk: "2.5%" is a percentage; give the share: 0.025\n');
  });

  it('a target of the other kind: says which kind it is for', async () => {
    const r = await run('-s', 'vpa,mora@memory-risk=0.01');
    assert.equal(r.code, 2);
    assert.equal(r.err, 'mora: "mora@memory-risk=0.01" in --strategies: a memory target with --kind cpu; give mora@cpu-risk=<share> (e.g. mora@cpu-risk=0.05), or --kind memory\n');
    // Not a share at all, on a strategy that takes one.
    const bad = await run('-s', 'mora@cpu-risk=0.05x');
    assert.equal(bad.code, 2);
    assert.equal(bad.err, 'mora: "mora@cpu-risk=0.05x" in --strategies: "0.05x" is not a share; write e.g. mora@cpu-risk=0.05\n');
    // A target on a baseline: as before.
    const vpa = await run('-s', 'vpa@cpu-risk=0.01');
    assert.match(vpa.err, /a risk target goes on mora or mora-prophet or mora-fleet/);
  });
});
