// A stored experiment plan's record (the JSON `mora experiment run` writes), generated for tests of the results views:
// services whose one replica sustains a known rate within the SLO, one cell failed by its quality gate, one not run.
import { expandPlan, parsePlan, type ExperimentPlan, type PlanCell } from '../../src/data/experiments/plan-file';
import type { CellRecord, PlanDocument } from '../../src/data/experiments/plan-run';

export const FIXTURE_PLAN_YAML = `prometheus: http://127.0.0.1:9090
rateCap: 200
services:
  - name: checkout
    target: http://127.0.0.1:8080/
    replicas: [1, 2]
    levels: [20, 40, 80]
    duration: 20s
    warmup: 5s
    slo: { latencyP95Ms: 100 }
    workload: { namespace: shop, name: checkout }
  - name: cart
    target: http://localhost:8081/cart
    replicas: [1]
    levels: [10, 30]
    scenario: step
    duration: 10s
    slo: { latencyP95Ms: 80, latencyP99Ms: 200 }
`;

/** Per-replica rate each fixture service sustains within its SLO. */
export const FIXTURE_CAPACITY: Readonly<Record<string, number>> = { checkout: 30, cart: 50 };
/** checkout/r2/l20 failed its quality gate (errors); cart/r1/l30 never ran. */
export const FIXTURE_FAILED = 'checkout/r2/l20';
export const FIXTURE_NOT_RUN = 'cart/r1/l30';

function record(c: PlanCell, started: number): CellRecord {
  const capacity = FIXTURE_CAPACITY[c.service] * c.replicas;
  const asked = c.schedule.filter((s) => !s.warmup).reduce((n, s) => n + s.rate * s.seconds, 0) / c.durationSeconds;
  const within = asked <= capacity;
  const achieved = within ? asked * 0.99 : capacity * 1.05;
  const failed = c.id === FIXTURE_FAILED;
  const p95 = within ? 20 + 40 * (asked / capacity) : 400;
  const base = { id: c.id, service: c.service, replicas: c.replicas, level: c.level, scenario: c.scenario, fingerprint: `fp-${c.index}`, slo: c.slo, ...(c.workload ? { workload: c.workload } : {}) };
  if (c.id === FIXTURE_NOT_RUN) return { ...base, status: 'pending', attempts: 0 };
  const requests = Math.round(achieved * c.durationSeconds);
  const errors = failed ? Math.round(requests * 0.2) : 0;
  return {
    ...base, status: 'done', attempts: 1,
    timings: { started, loadStart: started + 1, loadEnd: started + 1 + c.warmupSeconds + c.durationSeconds, finished: started + 40 },
    stats: {
      requests, non2xx: 0, errors, timeouts: 0, achievedRate: achieved, latencyP50Ms: p95 / 2, latencyP95Ms: p95, latencyP99Ms: p95 * 1.5,
      durationSeconds: c.durationSeconds, aborted: false, driver: 'autocannon 8.0.0',
    },
    quality: {
      passed: !failed, reasons: failed ? ['20% of the requests failed (0 non-2xx, ' + errors + ' errors; at most 5%)'] : [], notes: within ? [] : ['saturated'],
      completeness: { request_rate: 1, cpu_usage: 1, memory_working_set: 1 }, cv: {}, askedRate: asked, achievedShare: achieved / asked,
      errorShare: failed ? 0.2 : 0, sloMet: within, saturated: !within,
    },
    summary: {
      rows: 4,
      means: { request_rate: achieved, cpu_usage: 0.002 * (achieved / c.replicas) + 0.01, memory_working_set: 64 * 2 ** 20 },
      maxima: { request_rate: achieved * 1.1 },
    },
  };
}

/** The plan (parsed as `file` in `dir`) and its record as the runner would have written it. */
export function fixturePlanDocument(file = 'shop.mora-plan.yaml'): { plan: ExperimentPlan; doc: PlanDocument } {
  const plan = parsePlan(FIXTURE_PLAN_YAML, file);
  const { cells } = expandPlan(plan);
  const t0 = 1_790_000_000;
  const records = cells.map((c) => record(c, t0 + c.index * 40));
  const done = records.filter((r) => r.status === 'done');
  const failed = done.filter((r) => r.quality && !r.quality.passed);
  const doc: PlanDocument = {
    schema: 'mora.experiment-plan/1', name: plan.name, status: 'partial', plan, versions: { mora: '0.0.0-test', node: process.version, drivers: ['autocannon 8.0.0'] },
    started: t0, updated: t0 + cells.length * 40, runs: 2, resumes: ['2026-11-29T07:00:00.000Z: resuming shop: 4 of 8 cell(s) already done'],
    cells: records, scaling: { checkout: { workload: 'Deployment/checkout', namespace: 'shop', restoreCommand: 'kubectl -n shop scale deployment/checkout --replicas=3', originalReplicas: 3, restored: true } },
    quality: {
      passed: done.length - failed.length, failed: failed.length, pending: records.length - done.length,
      failures: failed.map((r) => ({ cell: r.id, reasons: r.quality!.reasons })),
    },
    files: { csv: `${plan.name}.csv`, json: `${plan.name}.json` }, stepSeconds: 5, rateWindowSeconds: 15,
  };
  return { plan, doc };
}
