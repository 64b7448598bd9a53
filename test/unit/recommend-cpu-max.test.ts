/** A --cpu-max that is not whole millicores is never exceeded: 12500u caps at 12m (it wrote 13m, formatCpu rounds up). */
import { strict as assert } from 'node:assert';
import { recommendCommand, recommendPolicy } from '../../src/cli/commands/recommend';
import { UserError } from '../../src/cli/errors';
import { cpuCapToMillicores, formatCpu } from '../../src/core/quantity';
import { RECOMMEND_DEFAULTS } from './helpers/recommend-options';

describe('--cpu-max in whole millicores', function () {
  this.timeout(60000);

  it('rounds a cap down to whole millicores, leaving whole ones as they are', () => {
    assert.equal(cpuCapToMillicores(0.0125), 0.012);
    assert.equal(cpuCapToMillicores(0.25), 0.25);
    assert.equal(cpuCapToMillicores(0.0120000000001), 0.012);
    assert.equal(cpuCapToMillicores(Infinity), Infinity);
    assert.equal(recommendPolicy({ ...RECOMMEND_DEFAULTS, cpuMax: '12500u' }).cpu.max, 0.012);
    assert.equal(recommendPolicy({ ...RECOMMEND_DEFAULTS, cpuMax: '1.5' }).cpu.max, 1.5);
    assert.throws(() => recommendPolicy({ ...RECOMMEND_DEFAULTS, cpuMin: '0', cpuMax: '500u' }), (e: unknown) => e instanceof UserError && /at least 1m/.test((e as Error).message));
  });

  it('mora recommend --cpu-max 12500u writes no CPU request above 12.5m', async () => {
    const csv = await recommendCommand({ ...RECOMMEND_DEFAULTS, cpuMax: '12500u', cpuMin: '0', format: 'csv' });
    const rows = csv.trim().split('\n').map((l) => l.split(','));
    const at = rows[0].indexOf('request');
    const cpuRows = rows.filter((r) => r[5] === 'cpu');
    assert.ok(cpuRows.length >= 11);
    for (const r of cpuRows) assert.ok(/^\d+m$/.test(r[at]) && Number(r[at].slice(0, -1)) <= 12, r.join(','));
    assert.ok(cpuRows.some((r) => r[at] === '12m'));
    assert.equal(formatCpu(0.012), '12m');
  });
});
