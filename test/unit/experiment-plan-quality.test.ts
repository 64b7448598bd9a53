import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../harness/temp-dir';
import { recommendCommand } from '../../src/cli/commands/recommend';
import { PLAN_CSV_COLUMNS } from '../../src/data/experiments/csv';
import { cellSchedule, DEFAULT_QUALITY, type CellLoadResult, type PlanCell } from '../../src/data/experiments/plan-file';
import type { CellRecord, PlanDocument } from '../../src/data/experiments/plan-run';
import { judgeCell } from '../../src/data/experiments/quality';
import { loadExperiments } from '../../src/data/experiments/store';
import { capacityFromPlan, capacityInterval, experimentsFor, loadModelFromExperiments } from '../../src/pipeline/experiment-capacity';
import { recommendReplicas } from '../../src/rightsizing/engine/replicas';
import { RECOMMEND_DEFAULTS } from './helpers/recommend-options';

function cell(level: number, scenario: PlanCell['scenario'] = 'constant', replicas = 1): PlanCell {
  return {
    id: `s/r${replicas}/l${level}`, index: 0, service: 's', replicas, level, scenario, durationSeconds: 10, warmupSeconds: 2, cooldownSeconds: 0,
    target: 'http://127.0.0.1:1/', slo: { latencyP95Ms: 100 }, resources: 'process', schedule: cellSchedule(scenario, level, 10, 2), requests: level * 12,
  };
}

function stats(achievedRate: number, p95: number, extra: Partial<CellLoadResult> = {}): CellLoadResult {
  return {
    requests: Math.round(achievedRate * 10), non2xx: 0, errors: 0, timeouts: 0, achievedRate, latencyP50Ms: p95 / 2, latencyP95Ms: p95, latencyP99Ms: p95 * 1.2,
    durationSeconds: 10, aborted: false, driver: 'test', ...extra,
  };
}

const steady = (m: number) => [m, m * 1.02, m * 0.98, m * 1.01];
const judged = (rps: number) => ({ request_rate: steady(rps), cpu_usage: steady(0.2), memory_working_set: steady(80e6), latency_p95: steady(0.03) });

describe('experiment cell quality gate', () => {
  it('passes a complete, steady cell that got its rate', () => {
    const q = judgeCell({ cell: cell(40), stats: stats(39.5, 30), judged: judged(40), expectedRows: 4, thresholds: DEFAULT_QUALITY });
    assert.deepEqual([q.passed, q.reasons, q.sloMet, q.saturated], [true, [], true, false]);
    assert.ok(q.cv.request_rate! < 0.05);
  });

  it('fails missing samples, an unstable metric, errors, and a generator that fell short while latency was fine', () => {
    const thin = judgeCell({ cell: cell(40), stats: stats(39.5, 30), judged: { ...judged(40), cpu_usage: [0.2] }, expectedRows: 4, thresholds: DEFAULT_QUALITY });
    assert.deepEqual(thin.reasons, ['cpu_usage: 1 of 4 samples after warm-up (need 80%)']);
    const absent = judgeCell({ cell: cell(40), stats: stats(39.5, 30), judged: { ...judged(40), memory_working_set: [] }, expectedRows: 4, thresholds: DEFAULT_QUALITY, missing: ['memory_working_set'] });
    assert.deepEqual(absent.reasons, ['memory_working_set: no series in Prometheus for this cell']);
    const shaky = judgeCell({ cell: cell(40), stats: stats(39.5, 30), judged: { ...judged(40), request_rate: [10, 70, 5, 80] }, expectedRows: 4, thresholds: DEFAULT_QUALITY });
    assert.match(shaky.reasons.join(), /^request_rate unstable after warm-up: coefficient of variation 0\.\d\d \(at most 0\.50\)$/);
    const errors = judgeCell({ cell: cell(40), stats: stats(39.5, 30, { non2xx: 30 }), judged: judged(40), expectedRows: 4, thresholds: DEFAULT_QUALITY });
    assert.deepEqual(errors.reasons, ['8% of the requests failed (30 non-2xx, 0 errors; at most 5%)']);
    const short = judgeCell({ cell: cell(40), stats: stats(20, 30), judged: judged(20), expectedRows: 4, thresholds: DEFAULT_QUALITY });
    assert.match(short.reasons.join(), /achieved 20\.0 of the asked 40\.0 req\/s \(50%, need 90%\) while latency met the SLO: the load generator, not the service, was the limit/);
  });

  // Until 2026-12-01 a JMeter whose groups ran out 0.3 s into a 4 s measured time (its first request seconds after their
  // start) failed only on completeness, "0 of 1 samples after warm-up", as if Prometheus had missed the scrapes.
  it('a load measured over less than half the asked time fails, naming the driver that stopped early; half or more passes', () => {
    const early = judgeCell({ cell: cell(40), stats: stats(39.5, 30, { durationSeconds: 0.3, driver: 'jmeter 2.13' }), judged: judged(40), expectedRows: 4, thresholds: DEFAULT_QUALITY });
    assert.deepEqual(early.reasons, ['the load was measured over 0.3 of the asked 10 s (3%, need 50%): jmeter 2.13 stopped sending early']);
    const half = judgeCell({ cell: cell(40), stats: stats(39.5, 30, { durationSeconds: 5 }), judged: judged(40), expectedRows: 4, thresholds: DEFAULT_QUALITY });
    assert.deepEqual([half.passed, half.reasons], [true, []]);
  });

  it('p95 latency that jumps about below the SLO is noted, not failed; latency crossing the SLO within the cell fails', () => {
    // A fast service on a busy node: p95 between 1 and 5 ms against an SLO of 100 ms (CV ≈ 0.8).
    const jitter = judgeCell({ cell: cell(40), stats: stats(39.5, 4), judged: { ...judged(40), latency_p95: [0.001, 0.005, 0.0012, 0.0048] }, expectedRows: 4, thresholds: DEFAULT_QUALITY });
    assert.deepEqual([jitter.passed, jitter.reasons], [true, []]);
    assert.ok(jitter.cv.latency_p95! > DEFAULT_QUALITY.maxCv);
    assert.match(jitter.notes.join(), /latency_p95 varied after warm-up \(coefficient of variation 0\.\d\d\) but every sample stayed within the SLO \(at most 5 ms of 100 ms\)/);
    // The same spread around the SLO: the cell's verdict depends on the moment.
    const crossing = judgeCell({ cell: cell(40), stats: stats(39.5, 90), judged: { ...judged(40), latency_p95: [0.02, 0.16, 0.025, 0.15] }, expectedRows: 4, thresholds: DEFAULT_QUALITY });
    assert.equal(crossing.passed, false);
    assert.match(crossing.reasons.join(), /^latency_p95 unstable after warm-up: coefficient of variation 0\.\d\d \(at most 0\.50\)$/);
  });

  it('a cell short of its rate while missing the SLO is saturated: noted, not failed', () => {
    const q = judgeCell({ cell: cell(80), stats: stats(50, 400), judged: judged(50), expectedRows: 4, thresholds: DEFAULT_QUALITY });
    assert.deepEqual([q.passed, q.sloMet, q.saturated], [true, false, true]);
    assert.match(q.notes.join(), /saturated: served 50\.0 of the asked 80\.0 req\/s/);
  });

  it('a step scenario may vary as much as its asked rate does', () => {
    const rising = [10, 20, 30, 40];
    const q = judgeCell({ cell: cell(40, 'step'), stats: stats(24.5, 30), judged: { ...judged(25), request_rate: rising }, expectedRows: 4, thresholds: DEFAULT_QUALITY });
    assert.equal(q.askedRate, 25);
    assert.deepEqual(q.reasons, []);
  });
});

function record(replicas: number, level: number, served: number, p95: number, passed = true): CellRecord {
  const c = cell(level, 'constant', replicas);
  const st = stats(served, p95);
  const q = judgeCell({ cell: c, stats: st, judged: judged(served), expectedRows: 4, thresholds: DEFAULT_QUALITY });
  return {
    id: c.id, service: 'cartservice', replicas, level, scenario: 'constant', fingerprint: 'x', status: 'done', attempts: 1, slo: c.slo,
    timings: { started: 0, loadStart: 0, loadEnd: 12, finished: 14 }, stats: st,
    quality: passed ? q : { ...q, passed: false, reasons: ['cpu_usage: 1 of 4 samples after warm-up (need 80%)'] },
    summary: { rows: 4, means: { request_rate: served, cpu_usage: 0.002 * served / replicas + 0.01, memory_working_set: 64 * 2 ** 20 }, maxima: {} },
  };
}

/** Capacity 50 req/s per replica: 40 per replica within the SLO, saturated at 50 beyond it. */
function planDoc(): PlanDocument {
  const cells = [record(1, 40, 40, 30), record(1, 80, 50, 400), record(1, 120, 50, 420), record(2, 40, 40, 25), record(2, 80, 80, 35), record(2, 120, 100, 380), record(2, 60, 5, 30, false)];
  return {
    schema: 'mora.experiment-plan/1', name: 'shop', status: 'complete',
    plan: { name: 'shop', prometheusUrl: 'http://127.0.0.1:9', scrapeIntervalSeconds: 1, rateCap: 200, allowedHosts: [], outDir: '/x', quality: DEFAULT_QUALITY, services: [] },
    versions: { mora: '0', node: 'v20', drivers: ['test'] }, started: 0, updated: 1, runs: 1, resumes: [], cells, scaling: {},
    quality: { passed: 6, failed: 1, pending: 0, failures: [] }, files: { csv: 'shop.csv', json: 'shop.json' }, stepSeconds: 1, rateWindowSeconds: 3,
  };
}

describe('capacity from an experiment plan', () => {
  it('brackets the sustainable rate per replica per replica count, with a bootstrap interval, and the cost per request', () => {
    const [c] = capacityFromPlan(planDoc());
    assert.deepEqual(c.groups, [{ replicas: 1, within: 40, beyond: 50 }, { replicas: 2, within: 40, beyond: 50 }]);
    assert.equal(c.perReplica!.estimate, 45);
    assert.equal(c.perReplica!.bound, 'bracketed');
    assert.ok(c.perReplica!.lower >= 40 && c.perReplica!.lower < 45 && c.perReplica!.upper > 45 && c.perReplica!.upper <= 50, JSON.stringify(c.perReplica));
    assert.equal(c.slo, 'p95 ≤ 100 ms');
    assert.deepEqual(c.excludedCells, [{ cell: 's/r2/l60', reasons: ['cpu_usage: 1 of 4 samples after warm-up (need 80%)'] }]);
    // per-pod CPU 0.002·rps/pod + 0.01 → × replicas ÷ rps = 2 ms plus the idle share
    assert.ok(c.cpuSecondsPerRequest! > 0.002 && c.cpuSecondsPerRequest! < 0.0025, String(c.cpuSecondsPerRequest));
    assert.equal(c.memoryPerReplicaBytes, 64 * 2 ** 20);
  });

  it('is a lower bound when no cell went beyond the SLO, and absent when none stayed within it', () => {
    assert.deepEqual(capacityInterval([{ replicas: 1, within: 30, beyond: NaN }], 'p95 ≤ 1 ms'), { estimate: 30, lower: 30, upper: 30, bound: 'at-least', slo: 'p95 ≤ 1 ms' });
    assert.equal(capacityInterval([{ replicas: 1, within: NaN, beyond: 20 }], ''), undefined);
    // wider spread across replica counts → wider interval
    const tight = capacityInterval([{ replicas: 1, within: 44, beyond: 46 }, { replicas: 2, within: 44, beyond: 46 }], '')!;
    const wide = capacityInterval([{ replicas: 1, within: 30, beyond: 40 }, { replicas: 2, within: 50, beyond: 60 }], '')!;
    assert.ok(wide.upper - wide.lower > 5 * (tight.upper - tight.lower));
  });

  it('the engine\'s replica advice uses it and shows the interval in its evidence', () => {
    const rps = Float64Array.from({ length: 200 }, (_, i) => 100 + 50 * Math.sin(i / 10));
    const r = recommendReplicas({
      current: 4, requestRate: rps, readyReplicas: new Float64Array(rps.length).fill(4), targetCpuUtilization: 0.8, cpuRequest: 1,
      measuredLoadModel: { a: NaN, b: NaN, source: 'experiment plan shop', capacity: { estimate: 45, lower: 41.2, upper: 48.8, bound: 'bracketed', slo: 'p95 ≤ 100 ms' } },
    })!;
    assert.match(r.reason, /÷ 45\.0 req\/s per replica .*capacity 45\.0 req\/s per replica \(95% interval 41\.2–48\.8\) sustained within the SLO p95 ≤ 100 ms, measured by experiment plan shop$/);
    assert.equal(r.recommended.value, Math.ceil(150 * 0.995 / 45));
  });

  it('mora recommend --experiments reads a plan\'s record and carries the interval into the replica evidence', async function () {
    this.timeout(60000);
    const dir = tempDir('mora-plan-cap-');
    writeFileSync(join(dir, 'shop.json'), JSON.stringify(planDoc()));
    writeFileSync(join(dir, 'shop.csv'), `${PLAN_CSV_COLUMNS.join(',')}\n`);
    const stored = loadExperiments(dir);
    assert.deepEqual(stored.map((e) => [e.document.id, e.workload, e.namespace]), [['shop/cartservice/r1', 'cartservice', 'local'], ['shop/cartservice/r2', 'cartservice', 'local']]);
    const w = { context: 'demo', namespace: 'shop', kind: 'Deployment' as const, name: 'cartservice', replicas: 1, containers: [], labels: {} };
    const model = loadModelFromExperiments(experimentsFor(w, stored))!;
    assert.equal(model.capacity!.estimate, 45);
    assert.equal(model.source, 'experiment plan shop');
    const recs = JSON.parse(await recommendCommand({ ...RECOMMEND_DEFAULTS, format: 'json', workload: 'cartservice', experiments: dir }));
    assert.match(recs[0].replicas.reason, /95% interval \d+\.\d–\d+\.\d\) sustained within the SLO p95 ≤ 100 ms|below the 45\.0 req\/s per replica \(95% interval/);
  });
});
