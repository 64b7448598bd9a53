import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backtestCommand } from '../../src/cli/commands/backtest';

// The summary's last column is the share of days with no sample above the value. For memory (value = limit) those are
// OOM-free days; for CPU (value = request) a sample above it is throttling at most, so "OOM-free" misread it (MOrA's
// 0.0% read as "every day an OOM").
describe('mora backtest: the days column is named for the kind', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'mora-bt-days-'));
    const t0 = 1_700_000_000 - (1_700_000_000 % 86400);
    const lines = ['timestamp,value'];
    for (let i = 0; i < 10 * 288; i++) lines.push(`${t0 + i * 300},${(1 + 0.5 * Math.sin(i / 45)).toFixed(4)}`);
    writeFileSync(join(dir, 's.csv'), lines.join('\n'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  const run = (kind: string) => backtestCommand({ input: join(dir, 's.csv'), kind, strategies: 'mora,vpa', format: 'table', warmupDays: '7', scale: kind === 'memory' ? '1073741824' : '1', quiet: true });
  const header = (text: string) => text.split('\n').find((l) => /^strategy\s/.test(l)) ?? '';

  it('cpu: "days never above", no OOM wording', () => {
    const text = run('cpu');
    assert.match(header(text), /days never above\s*$/);
    assert.doesNotMatch(text, /oom/i);
  });

  it('memory: "OOM-free days"', () => {
    const text = run('memory');
    assert.match(header(text), /OOM-free days\s*$/);
    assert.doesNotMatch(text, /never above/);
  });
});
