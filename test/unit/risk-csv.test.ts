/**
 * The CSV says the risk in words as the table and JSON do (`risk_statement`), keeps every column where it was (readers
 * index them), and the replica rows carry the CPU risk target the count was sized to.
 */
import { strict as assert } from 'node:assert';
import { recommendCommand } from '../../src/cli/commands/recommend';
import { Rng } from '../../src/core/random';
import type { Recommendation } from '../../src/core/recommendation';
import { recommendReplicas } from '../../src/rightsizing/engine/replicas';
import { parseCsv } from './helpers/csv-cells';
import { RECOMMEND_DEFAULTS } from './helpers/recommend-options';

/** The columns before this change, in their places. */
const COLUMNS = ['context', 'namespace', 'kind', 'workload', 'container', 'resource', 'current_request', 'current_limit',
  'request', 'request_lower', 'request_upper', 'limit', 'method', 'confidence', 'verdict', 'vpa', 'krr', 'risk_target', 'risk_expected'];

type JsonRec = Recommendation & { containers: Array<Recommendation['containers'][number] & Record<'cpu' | 'memory', { evidence: { risk?: { statement?: string } } } | undefined>> };

describe('CSV: the risk in words, and on the replica rows', function () {
  this.timeout(60000);

  async function both(extra: Partial<typeof RECOMMEND_DEFAULTS> = {}): Promise<{ header: string[]; rows: string[][]; json: JsonRec[] }> {
    const [header, ...rows] = parseCsv(await recommendCommand({ ...RECOMMEND_DEFAULTS, ...extra, format: 'csv' }));
    const json = JSON.parse(await recommendCommand({ ...RECOMMEND_DEFAULTS, ...extra, format: 'json' })) as JsonRec[];
    return { header, rows, json };
  }

  it('every column keeps its place; risk_statement follows, with the words JSON and the table use', async () => {
    const { header, rows, json } = await both();
    assert.deepEqual(header.slice(0, COLUMNS.length), COLUMNS);
    assert.deepEqual(header.slice(COLUMNS.length), ['risk_statement']);
    const at = (row: string[], name: string): string => row[header.indexOf(name)];
    let n = 0;
    for (const r of json) {
      for (const c of r.containers) {
        for (const kind of ['cpu', 'memory'] as const) {
          const row = rows.find((x) => at(x, 'workload') === r.workload.name && at(x, 'container') === c.container && at(x, 'resource') === kind)!;
          assert.equal(row.length, header.length);
          const statement = c[kind]!.evidence.risk!.statement!;
          assert.equal(at(row, 'risk_statement'), statement, `${r.workload.name} ${kind}`);
          n++;
        }
      }
    }
    assert.equal(n, 22);
    const memory = rows.find((x) => at(x, 'workload') === 'frontend' && at(x, 'resource') === 'memory')!;
    assert.match(at(memory, 'risk_statement'), /^≈1 OOM day in \d+ at this limit$/);
    const cpu = rows.find((x) => at(x, 'workload') === 'frontend' && at(x, 'resource') === 'cpu')!;
    assert.match(at(cpu, 'risk_statement'), /^request exceeded (≈[\d.]+|<0\.1)% of the time \(.+ a day\)$/);
  });

  it('the replica rows carry the CPU risk target (--cpu-risk), a fixed count also its expected share in numbers and words', async () => {
    for (const [risk, target] of [[undefined, '0.05'], ['0.01', '0.01']] as const) {
      const { header, rows, json } = await both({ cpuRisk: risk });
      const at = (row: string[], name: string): string => row[header.indexOf(name)];
      const replicas = rows.filter((x) => at(x, 'resource') === 'replicas');
      const hpa = rows.filter((x) => at(x, 'resource') === 'hpa');
      assert.equal(replicas.length, 10);
      assert.equal(hpa.length, 1);
      for (const row of [...replicas, ...hpa]) {
        assert.equal(row.length, header.length);
        assert.equal(at(row, 'risk_target'), target, row.join(','));
      }
      for (const row of replicas) {
        const rec = json.find((r) => r.workload.name === at(row, 'workload'))!;
        const expected = Number(at(row, 'risk_expected'));
        assert.ok(expected >= 0 && expected <= Number(target), row.join(','));
        assert.equal(expected.toFixed(4), rec.replicas!.risk!.expected.toFixed(4));
        // The share in the reason, the same words; a share of 0 is what the history showed, not an estimate (never ≈0%),
        // in the reason as in the statement.
        const said = /per-replica load above capacity (?:(\S+) of the time|at no time in the history)/.exec(rec.replicas!.reason)!;
        const share = said[1];
        assert.equal(share === undefined, rec.replicas!.risk!.expected === 0, rec.replicas!.reason);
        assert.equal(at(row, 'risk_statement'), share === undefined ? 'per-replica load above capacity at no time in the history'
          : `per-replica load above capacity ${share.startsWith('<') ? share : `≈${share}`} of the time`);
      }
      assert.equal(at(hpa[0], 'risk_expected'), '');
    }
  });

  it('recommendReplicas returns the target and the share of time the load per replica exceeds capacity at the advised count', () => {
    const rng = new Rng(5);
    const rps = Float64Array.from({ length: 7 * 1440 }, (_, i) => Math.max(0, (150 - 100 * Math.cos((2 * Math.PI * (i % 1440)) / 1440)) * (1 + 0.1 * rng.normal())));
    for (const cpuRisk of [0.2, 0.05, 0.01]) {
      const r = recommendReplicas({ current: 4, requestRate: rps, readyReplicas: new Float64Array(rps.length).fill(4), measuredCapacity: 20, targetCpuUtilization: 1, cpuRisk })!;
      const above = rps.filter((x) => x > r.recommended.value * 20).length / rps.length;
      assert.deepEqual(r.risk, { target: cpuRisk, expected: above });
      assert.ok(above <= cpuRisk);
    }
  });
});
