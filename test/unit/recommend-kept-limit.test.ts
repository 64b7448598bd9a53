import assert from 'node:assert/strict';
import { mora } from './helpers/run-cli';

// The demo's frontend has a 300m CPU limit; without --cpu-limits MOrA sets none, and apply (--apply-to, --apply-cluster:
// apply-plan.ts) leaves it as it is. Every output says so, not "300m→-", which read as removing it (--compare and the
// HTML report show CPU requests and memory limits only, which MOrA always sets).
describe('mora recommend: a limit MOrA does not set reads as kept, as apply keeps it', () => {
  const run = (...args: string[]) => mora(['recommend', '--source', 'demo', '-w', 'frontend', '-q', ...args]);

  it('table: "300m" alone (the table\'s "stays"), with a footnote saying so, and "300m→<new>" with --cpu-limits', async () => {
    const r = await run();
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /frontend\s+100m→\S+\s+300m\s+64Mi→/);
    assert.doesNotMatch(r.out, /→-/);
    assert.match(r.out, /^a value without → is kept as it is \(CPU limits are set only with --cpu-limits\)$/m);
    const set = await run('--cpu-limits');
    assert.match(set.out, /frontend\s+100m→\S+\s+300m→\d+m\s/);
    assert.doesNotMatch(set.out, /is kept as it is/);
  });

  it('csv: the limit cell holds the kept limit, not an empty cell', async () => {
    const r = await run('-f', 'csv');
    assert.equal(r.code, 0, r.err);
    const [header, ...rows] = r.out.trim().split('\n').map((l) => l.split(','));
    const row = rows.find((x) => x[header.indexOf('resource')] === 'cpu')!;
    assert.equal(row[header.indexOf('current_limit')], '300m');
    assert.equal(row[header.indexOf('limit')], '300m');
  });

  it('json: the resource carries limitKept (cores) and no limit', async () => {
    const r = await run('-f', 'json');
    assert.equal(r.code, 0, r.err);
    const cpu = JSON.parse(r.out)[0].containers[0].cpu;
    assert.equal(cpu.limit, undefined);
    assert.equal(cpu.limitKept, 0.3);
    const set = JSON.parse((await run('-f', 'json', '--cpu-limits')).out)[0].containers[0].cpu;
    assert.ok(set.limit.value > 0);
    assert.equal(set.limitKept, undefined);
  });
});
