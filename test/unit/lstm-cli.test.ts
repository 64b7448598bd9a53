import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../src/core/random';
import { forecastCommand, type ForecastCliOptions } from '../../src/cli/commands/forecast';
import { UserError } from '../../src/cli/errors';

describe('mora forecast --model lstm|fused|all', function () {
  this.timeout(60000);
  const dir = mkdtempSync(join(tmpdir(), 'mora-lstm-cli-'));
  const csv = join(dir, 'series.csv');
  before(() => {
    const rng = new Rng(2);
    const rows = ['timestamp,value'];
    for (let i = 0; i < 20 * 24; i++) rows.push(`${1_700_006_400 + i * 3600},${(50 + 20 * Math.sin((2 * Math.PI * i) / 24) + 3 * rng.normal()).toFixed(3)}`);
    writeFileSync(csv, rows.join('\n') + '\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  const small = ['lstm.units1=8', 'lstm.units2=4', 'lstm.dense=4', 'lstm.epochs=3', 'lstm.chunk=6'];
  const run = (model: string, set: string[] = small): Promise<string> =>
    forecastCommand({ input: csv, horizon: '8', model, format: 'csv', set } as ForecastCliOptions);
  const parse = (out: string): { header: string[]; rows: number[][] } => {
    const [h, ...rest] = out.trim().split('\n');
    return { header: h.split(','), rows: rest.map((l) => l.split(',').map(Number)) };
  };

  it('--model all prints the contract columns, fused between the components, confidence in [0, 1]', async () => {
    // Without the seasonal-naive anchor the fused forecast is a weighted mean of the two printed components.
    const { header, rows } = parse(await run('all', [...small, 'fused.anchor_weight=0']));
    assert.deepEqual(header, ['timestamp', 'prophet', 'prophet_lower', 'prophet_upper', 'lstm', 'fused', 'fused_lower', 'fused_upper', 'confidence']);
    assert.equal(rows.length, 8);
    for (const r of rows) {
      assert.ok(r.every((x) => Number.isFinite(x)));
      const [, p, , , l, f, fl, fu, c] = r;
      assert.ok(f >= Math.min(p, l) - 1e-9 && f <= Math.max(p, l) + 1e-9, 'fused is a weighted mean');
      assert.ok(fl < f && f < fu);
      assert.ok(c >= 0 && c <= 1);
    }
  });

  it('--model lstm and --model fused print their own columns', async () => {
    assert.deepEqual(parse(await run('lstm')).header, ['timestamp', 'lstm']);
    assert.deepEqual(parse(await run('fused')).header, ['timestamp', 'fused', 'fused_lower', 'fused_upper', 'confidence']);
  });

  it('rejects a bad lstm option with a one-line usage error', async () => {
    await assert.rejects(run('lstm', ['lstm.epochs=many']), (e: Error) => e instanceof UserError && /lstm.epochs must be a whole number/.test(e.message));
    await assert.rejects(run('lstm', ['lstm.colour=3']), (e: Error) => e instanceof UserError && /unknown lstm option "colour"/.test(e.message));
  });
});
