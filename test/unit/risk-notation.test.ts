/**
 * Risk numbers in and out: `--cpu-risk 1e-3` is 0.001 (it was refused as out of range), and a fleet allotment's target
 * prints to 12 significant digits in the CSV (0.065, not 0.06499999999999968).
 */
import { strict as assert } from 'node:assert';
import { recommendCommand, riskOption } from '../../src/cli/commands/recommend';
import { UserError } from '../../src/cli/errors';
import { RECOMMEND_DEFAULTS } from './helpers/recommend-options';

describe('risk numbers in standard notation', function () {
  this.timeout(60000);

  it('accepts 1e-3, 1E-3, .001 and 5e-2 as the shares they are', () => {
    assert.equal(riskOption('--cpu-risk', '1e-3', 0.05), 0.001);
    assert.equal(riskOption('--cpu-risk', '1E-3', 0.05), 0.001);
    assert.equal(riskOption('--cpu-risk', '.001', 0.05), 0.001);
    assert.equal(riskOption('--memory-risk', '5e-2', 0.01), 0.05);
    assert.equal(riskOption('--memory-risk', ' 0.02 ', 0.01), 0.02);
  });

  it('still refuses what is not a share: hex, Infinity, empty, a percentage', () => {
    for (const raw of ['0x1', 'Infinity', '', '1e', '5%', '5', '-0.01', '1.2.3']) {
      assert.throws(() => riskOption('--cpu-risk', raw, 0.05), (e: unknown) => e instanceof UserError, raw);
    }
    assert.throws(() => riskOption('--cpu-risk', '5e0', 0.05), /5% is 0\.05/);
  });

  it('--risk-scope fleet -f csv: every risk_target has at most 12 significant digits', async () => {
    const csv = await recommendCommand({ ...RECOMMEND_DEFAULTS, riskScope: 'fleet', format: 'csv', quiet: true });
    const rows = csv.trim().split('\n').map((l) => l.split(','));
    const at = rows[0].indexOf('risk_target');
    const targets = rows.slice(1).map((r) => r[at]).filter((x) => x !== '');
    assert.ok(targets.length >= 11);
    for (const t of targets) assert.equal(t, String(Number(Number(t).toPrecision(12))), t);
  });
});
