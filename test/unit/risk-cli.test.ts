/**
 * The risk knob on the command line (`mora recommend --cpu-risk / --memory-risk`) and the risk in every output: the flags
 * parse into the policy and refuse bad values with one clear line (exit 2); the table, JSON/YAML, CSV and the HTML report
 * carry each value's risk target and expected risk (hand-made results, so this does not depend on the engine's calibration).
 */
import { strict as assert } from 'node:assert';
import { parse } from 'yaml';
import { recommendPolicy, riskOption } from '../../src/cli/commands/recommend';
import { UserError } from '../../src/cli/errors';
import { renderHtmlReport } from '../../src/cli/format/html';
import { recommendationsCsv, recommendationsJson, recommendationsTable, recommendationsYaml } from '../../src/cli/format/recommendations';
import type { ContainerRecommendation, Evidence, RiskStatement } from '../../src/core/recommendation';
import type { EngineResult } from '../../src/rightsizing/engine';
import { DEFAULT_RISK } from '../../src/rightsizing/engine/policy';
import { RECOMMEND_DEFAULTS } from './helpers/recommend-options';
import { mora } from './helpers/run-cli';

const Mi = 2 ** 20;

function result(name: string, risk?: { cpu: RiskStatement; memory: RiskStatement }): EngineResult {
  const evidence = (r?: RiskStatement): Evidence => ({ observed: { p50: 0.1, p95: 0.15, p99: 0.17, max: 0.2, samples: 20160, days: 14 }, margin: 0.1, method: 'moving-window', reason: 'p95 of the window', completeness: 1, notes: [], ...(r ? { risk: r } : {}) });
  const c: ContainerRecommendation = {
    container: 'server', current: { requests: { cpu: 0.5, memory: 1024 * Mi }, limits: { memory: 1024 * Mi } }, verdict: 'over-provisioned', confidence: 0.87,
    cpu: { request: { value: 0.18, lower: 0.15, upper: 0.2 }, confidence: 0.87, evidence: evidence(risk?.cpu) },
    memory: { request: { value: 420 * Mi, lower: 400 * Mi, upper: 440 * Mi }, limit: { value: 420 * Mi, lower: 400 * Mi, upper: 440 * Mi }, confidence: 0.87, evidence: evidence(risk?.memory) },
  };
  return {
    recommendation: { workload: { context: 'demo', namespace: 'shop', kind: 'Deployment', name }, qos: 'Burstable', confidence: 0.87, generatedAt: 0, containers: [c] },
    details: [{ container: 'server', baselines: { cpu: { vpa: 0.2, krr: 0.19 }, memory: { vpa: 500 * Mi, krr: 480 * Mi } } }],
    savings: { cpuRequest: 0.32, memoryRequest: 604 * Mi, oomDayShare: 0, cpuExceedance: 0.05 },
  };
}

const RISK = {
  cpu: { measure: 'exceedance', target: 0.02, expected: 0.018, calibrationDays: 14 },
  memory: { measure: 'oom-days', target: 0.01, expected: 0.0125, calibrationDays: 14 },
} as const satisfies { cpu: RiskStatement; memory: RiskStatement };

describe('mora recommend --cpu-risk / --memory-risk', () => {
  it('defaults to the policy\'s targets and takes shares in range', () => {
    const p = recommendPolicy(RECOMMEND_DEFAULTS);
    assert.equal(p.cpuRisk, DEFAULT_RISK.cpu);
    assert.equal(p.memoryRisk, DEFAULT_RISK.memory);
    const set = recommendPolicy({ ...RECOMMEND_DEFAULTS, cpuRisk: '0.02', memoryRisk: '0.001' });
    assert.equal(set.cpuRisk, 0.02);
    assert.equal(set.memoryRisk, 0.001);
    assert.equal(riskOption('--cpu-risk', ' 0.5 ', 0.05), 0.5);
  });

  it('refuses values outside 0.001–0.5, percentages and words, naming the flag and the range', () => {
    const bad: Array<[string, RegExp]> = [
      ['0', /--cpu-risk must be a share between 0\.001 and 0\.5 \(a share: 0\.05 = 5%\), got "0"/],
      // a share above the range is said as the share it is, not read as a percentage (it was "0.6% is 0.006")
      ['0.6', /between 0\.001 and 0\.5 \(0\.6 = 60%\), got "0\.6"/],
      ['0.9', /between 0\.001 and 0\.5 \(0\.9 = 90%\), got "0\.9"/],
      ['1', /between 0\.001 and 0\.5 \(1 = 100%\), got "1"/],
      ['1.5', /\(a share, not a percentage: 1\.5% is 0\.015\), got "1\.5"/],
      ['5', /\(a share, not a percentage: 5% is 0\.05\), got "5"/],
      ['5%', /\(a share, not a percentage: 5% is 0\.05\), got "5%"/],
      // the share written as a decimal, not as a floating-point artefact (0.7 / 100 is 0.006999999999999999)
      ['0.7%', /\(a share, not a percentage: 0\.7% is 0\.007\), got "0\.7%"/],
      ['0.58', /\(0\.58 = 58%\), got "0\.58"/],
      ['0.9%', /\(a share, not a percentage: 0\.9% is 0\.009\), got "0\.9%"/],
      ['-0.1', /got "-0\.1"/],
      ['abc', /got "abc"/],
      ['', /got ""/],
    ];
    for (const [raw, message] of bad) {
      assert.throws(() => riskOption('--cpu-risk', raw, 0.05), (e: unknown) => e instanceof UserError && e.exitCode === 2 && message.test(e.message), raw);
    }
    assert.throws(() => recommendPolicy({ ...RECOMMEND_DEFAULTS, memoryRisk: '1' }), /--memory-risk must be a share/);
  });

  it('exits 2 with that one line before reading any data', async () => {
    for (const args of [['--cpu-risk', '5'], ['--memory-risk', '0.9'], ['--memory-risk', 'often']]) {
      const r = await mora(['recommend', '--source', 'demo', '-q', ...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
      assert.equal(r.out, '');
      assert.match(r.err.trim(), new RegExp(`^mora: ${args[0]} must be a share between 0\\.001 and 0\\.5`));
      assert.equal(r.err.trim().split('\n').length, 1, r.err);
    }
  });
});

describe('the risk in every output of mora recommend', () => {
  const withRisk = [result('cartservice', RISK)];
  const without = [result('cartservice')];

  it('table: a risk column (share of time above the request · OOM days) and the targets under it; conf without', () => {
    const t = recommendationsTable(withRisk);
    const [head, , row] = t.split('\n');
    assert.match(head, /\brisk$/);
    assert.match(row, /1\.8%·1\/80$/);
    assert.match(t.replace(/\n/g, ' '), /risk targets: CPU request exceeded ≤2% of the time, memory limit ≤1 OOM day in 100 \(--cpu-risk, --memory-risk\)/);
    assert.ok(t.split('\n').every((l) => l.length <= 100), t);
    const plain = recommendationsTable(without);
    assert.match(plain.split('\n')[0], /\bconf$/);
    assert.match(plain.split('\n')[2], /87%$/);
    assert.doesNotMatch(plain, /risk/);
  });

  it('JSON and YAML: evidence.risk with target, expected and the statement in words', () => {
    const j = JSON.parse(recommendationsJson(withRisk));
    assert.deepEqual(j[0].containers[0].cpu.evidence.risk, { ...RISK.cpu, statement: 'request exceeded ≈1.8% of the time (≈26 min a day)' });
    assert.deepEqual(j[0].containers[0].memory.evidence.risk, { ...RISK.memory, statement: '≈1 OOM day in 80 at this limit' });
    const y = parse(recommendationsYaml(withRisk));
    assert.deepEqual(y[0].containers[0].memory.evidence.risk, j[0].containers[0].memory.evidence.risk);
    assert.equal(JSON.parse(recommendationsJson(without))[0].containers[0].cpu.evidence.risk, undefined);
  });

  it('CSV: risk_target and risk_expected per resource row', () => {
    const rows = recommendationsCsv(withRisk).trim().split('\n').map((l) => l.split(','));
    const header = rows[0];
    // In their places (17, 18), risk_statement after them (risk-csv.test.ts).
    const at = header.indexOf('risk_target');
    assert.deepEqual(header.slice(at, at + 3), ['risk_target', 'risk_expected', 'risk_statement']);
    const cpu = rows.find((r) => r[5] === 'cpu')!, memory = rows.find((r) => r[5] === 'memory')!;
    assert.deepEqual(cpu.slice(at, at + 2), ['0.02', '0.0180']);
    assert.deepEqual(memory.slice(at, at + 3), ['0.01', '0.0125', '≈1 OOM day in 80 at this limit']);
    assert.ok(rows.every((r) => r.length === header.length));
    const plain = recommendationsCsv(without).trim().split('\n').map((l) => l.split(','));
    assert.deepEqual(plain[1].slice(at, at + 3), ['', '', '']);
  });

  it('HTML report: the targets in the header, the expected risk per workload and in its evidence', () => {
    const html = renderHtmlReport(withRisk.map((r) => ({ ...r, history: {} })), { title: 'r', generatedAt: new Date(0) });
    assert.match(html, /MOrA sizes to your risk targets: CPU request exceeded ≤2% of the time, memory limit ≤1 OOM day in 100/);
    assert.match(html, /<th>risk<\/th><\/tr>/);
    // Each cell's targets under it (the header says them too).
    assert.match(html, /<td>1\.8%·1\/80<br><small>≤2%·≤1\/100<\/small><\/td><\/tr>/);
    const plain = renderHtmlReport(without.map((r) => ({ ...r, history: {} })), { title: 'r', generatedAt: new Date(0) });
    // Baselines state no risk: `—` and why, never a bare confidence (a `conf` column, `confidence 87%`).
    assert.match(plain, /<th>risk<\/th><\/tr>/);
    assert.match(plain, /<td>—<br><small>no risk stated for a [\w-]+ value<\/small><\/td><\/tr>/);
    assert.doesNotMatch(plain, /<th>conf<\/th>|confidence \d+%|87%/);
    assert.doesNotMatch(plain, /risk target/);
  });
});
