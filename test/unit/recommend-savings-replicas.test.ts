/**
 * Savings count MOrA's requests at the replicas it advises (what --apply-to --replicas writes): the demo's currencyservice
 * goes 50m→100m (held at its kept 100m limit, below the 195m a pod needs at 2 replicas) at 2→5 replicas, 400m more
 * CPU, not the 100m the current 2 replicas gave.
 */
import { strict as assert } from 'node:assert';
import { comparisonTable, savingsSummary } from '../../src/cli/format/recommendations';
import type { EngineResult } from '../../src/rightsizing/engine';
import { demoEngineRuns } from './helpers/demo-runs';

describe('savings at the advised replicas', function () {
  this.timeout(60000);
  let runs: EngineResult[];
  before(async () => {
    runs = await demoEngineRuns();
  });

  it('a workload advised another count: current × current replicas minus MOrA\'s × the advised ones', () => {
    const r = runs.find((x) => x.recommendation.workload.name === 'currencyservice')!;
    const rep = r.recommendation.replicas!;
    assert.ok(rep && !rep.hpa && Math.round(rep.recommended.value) !== rep.current, 'the demo advises currencyservice another count');
    const c = r.recommendation.containers[0];
    const advised = Math.round(rep.recommended.value);
    const want = c.current.requests.cpu! * rep.current - c.cpu!.request.value * advised;
    assert.ok(Math.abs(r.savings.cpuRequest - want) < 1e-9, `${r.savings.cpuRequest} vs ${want}`);
    assert.ok(Math.abs(r.details[0].saved!.cpuRequest - want) < 1e-9);
    const wantMem = c.current.requests.memory! * rep.current - c.memory!.request.value * advised;
    assert.ok(Math.abs(r.savings.memoryRequest - wantMem) < 1);
    assert.deepEqual(r.savings.replicas, { current: rep.current, advised });
  });

  it('no count advice, or an HPA: the current replicas, and no mention', () => {
    for (const name of ['cartservice', 'frontend']) {
      const r = runs.find((x) => x.recommendation.workload.name === name)!;
      const rep = r.recommendation.replicas;
      assert.ok(!rep || rep.hpa || Math.round(rep.recommended.value) === rep.current, name);
      const c = r.recommendation.containers[0];
      const n = rep?.current ?? 1;
      const want = (c.current.requests.cpu! - c.cpu!.request.value) * n;
      assert.ok(Math.abs(r.savings.cpuRequest - want) < 1e-9, `${name}: ${r.savings.cpuRequest} vs ${want}`);
      assert.equal(r.savings.replicas, undefined);
    }
  });

  it('the total and the comparison table say which workloads count at the advised replicas', () => {
    const summary = savingsSummary(runs);
    assert.match(summary, /^MOrA's requests, × advised replicas: CPU frees \S+, .*\n\(advised: currencyservice 2→5; the others at their current replicas\)\n/);
    assert.match(comparisonTable(runs, Infinity), /MOrA's at the advised replicas for currencyservice 2→5, the others at their current replicas/);
    // Unlimited width: at 100 columns the risk column leaves the names wrapped ("currency" / "service").
    assert.match(comparisonTable(runs, Infinity).split('\n').find((l) => l.startsWith('currencyservice'))!, /\+400m/);
    const plain = runs.filter((r) => !r.savings.replicas);
    assert.doesNotMatch(savingsSummary(plain), /advise/);
    assert.doesNotMatch(comparisonTable(plain), /advised/);
  });
});
