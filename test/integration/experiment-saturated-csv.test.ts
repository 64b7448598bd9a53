// The unified CSV says which levels were saturated, not only the JSON: a real Prometheus scrapes the real sample
// service (its own process) with a KNOWN capacity — a serial queue, 50 ms per request, so at most 20 req/s — and
// autocannon drives it at 4 req/s (served in full) and at 60 req/s (saturated: the service is the limit). The rows of
// each level carry its asked and achieved rate and the saturated flag, for `mora experiment` levels and for a plan's
// cells alike, and parseExperimentCsv reads them back.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PLAN_CSV_COLUMNS, parseExperimentCsv, type ExperimentRows } from '../../src/data/experiments/csv';
import { parsePlan } from '../../src/data/experiments/plan-file';
import { runPlan } from '../../src/data/experiments/plan-run';
import { EXPERIMENT_CSV_COLUMNS, runExperiment } from '../../src/data/experiments';
import { startPrometheus, type RunningPrometheus } from '../harness/prometheus';
import { startSampleService, type RunningSampleService } from '../harness/sample-service';

const SERVICE_MS = 50;
const CAPACITY = 1000 / SERVICE_MS; // req/s
const LOW = 4;
const HIGH = 60;

/** The distinct (asked, achieved, saturated) of the rows whose load_level is `level`. */
function rowsOf(rows: ExperimentRows, level: number): { n: number; asked: Set<number>; achieved: Set<number>; saturated: Set<number> } {
  const idx = [...rows.loadLevel.keys()].filter((i) => rows.loadLevel[i] === level);
  return {
    n: idx.length,
    asked: new Set(idx.map((i) => rows.askedRate![i])),
    achieved: new Set(idx.map((i) => rows.achievedRate![i])),
    saturated: new Set(idx.map((i) => rows.saturated![i])),
  };
}

/**
 * The LOW level's rows say not saturated at the asked rate, the HIGH level's saturated at the asked rate with one
 * achieved rate for all its rows; returns the LOW and HIGH rows' sets for the checks particular to each run.
 */
function assertSaturationColumns(rows: ExperimentRows): { lo: ReturnType<typeof rowsOf>; hi: ReturnType<typeof rowsOf> } {
  const lo = rowsOf(rows, LOW);
  const hi = rowsOf(rows, HIGH);
  assert.ok(lo.n > 0 && hi.n > 0, `${lo.n} and ${hi.n} rows`);
  assert.deepEqual([...lo.saturated], [0]);
  assert.deepEqual([...lo.asked], [LOW]);
  assert.deepEqual([...hi.saturated], [1]);
  assert.deepEqual([...hi.asked], [HIGH]);
  assert.equal(hi.achieved.size, 1);
  return { lo, hi };
}

describe('the unified experiment CSV carries each level\'s asked and achieved rate and whether it was saturated (real Prometheus, sample service)', function () {
  this.timeout(120_000);
  let prom: RunningPrometheus | undefined;
  let svc: RunningSampleService | undefined;
  let out: string;

  before(async function () {
    this.timeout(60_000);
    // The out folder one level down: a run's workload lock goes beside it (plan-lock.ts), so inside this test's own folder.
    out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mora-exp-sat-')), 'out');
    fs.mkdirSync(out);
    svc = await startSampleService({ serviceTimeMs: SERVICE_MS, concurrency: 1 });
    prom = await startPrometheus({
      scrapeConfigsYaml: `  - job_name: sample\n    scrape_interval: 1s\n    static_configs:\n      - targets: ['127.0.0.1:${svc.port}']\n`,
    });
  });
  after(async () => {
    await prom?.stop();
    await svc?.stop();
    if (out) fs.rmSync(path.dirname(out), { recursive: true, force: true });
  });

  it('mora experiment levels: the saturated level\'s rows say saturated with achieved < asked; the level served in full says not saturated', async () => {
    const r = await runExperiment({
      service: 'slow', targetUrl: `${svc!.url}/`, prometheusUrl: prom!.url, levels: [LOW, HIGH], durationSeconds: 6,
      replicas: 1, outDir: out, scrapeIntervalSeconds: 1, connections: 1,
    });
    const d = r.document;
    assert.equal(d.status, 'complete', JSON.stringify(d.error ?? d.validation?.messages));
    const [low, high] = d.timings.levels;
    assert.equal(low.saturated, undefined, `level ${LOW} served ${low.stats.achievedRate} req/s`);
    assert.ok(high.saturated, `level ${HIGH} served ${high.stats.achievedRate} req/s`);

    const text = fs.readFileSync(r.csvPath!, 'utf8');
    const header = text.split('\n')[0].split(',');
    // The old columns keep their places; the rate columns come after them.
    assert.deepEqual(header, [...EXPERIMENT_CSV_COLUMNS]);
    assert.deepEqual(header.slice(-3), ['asked_rate', 'achieved_rate', 'saturated']);
    assert.equal(header.indexOf('replicas'), header.length - 4);
    const rows = parseExperimentCsv(text);
    const { lo, hi } = assertSaturationColumns(rows);
    assert.deepEqual([...lo.achieved], [Number(low.stats.achievedRate.toPrecision(10))]);
    const achieved = [...hi.achieved][0];
    assert.ok(achieved < 0.9 * HIGH, `level ${HIGH}: achieved ${achieved}`);
    assert.ok(achieved <= CAPACITY * 1.2, `the serial queue serves at most ~${CAPACITY} req/s: achieved ${achieved}`);
  });

  it('an experiment plan: each cell\'s rows carry its asked and achieved rate and the quality gate\'s saturated, after the unchanged plan columns', async () => {
    const dir = path.join(out, 'plan');
    fs.mkdirSync(dir);
    const file = path.join(dir, 'slow.mora-plan.yaml');
    // Four connections queue at the serial service: at HIGH p95 is several service times (the SLO is missed), at LOW
    // about one.
    fs.writeFileSync(file, [
      `prometheus: ${prom!.url}`,
      'scrapeInterval: 1s',
      'rateCap: 100',
      'out: results',
      'services:',
      '  - name: slow',
      `    target: ${svc!.url}/`,
      '    replicas: [1]',
      `    levels: [${LOW}, ${HIGH}]`,
      '    duration: 5s',
      '    warmup: 2s',
      '    cooldown: 0s',
      `    slo: { latencyP95Ms: ${3 * SERVICE_MS} }`,
      '    resources: process',
      '    connections: 4',
      '',
    ].join('\n'));
    const plan = parsePlan(fs.readFileSync(file, 'utf8'), file);
    const r = await runPlan(plan);
    assert.equal(r.document.status, 'complete', r.document.error);
    const [low, high] = r.document.cells;
    assert.equal(low.quality?.saturated, false, JSON.stringify(low.stats));
    assert.equal(high.quality?.saturated, true, JSON.stringify(high.stats));

    const text = fs.readFileSync(r.csvPath, 'utf8');
    const header = text.split('\n')[0].split(',');
    assert.deepEqual(header, [...PLAN_CSV_COLUMNS]);
    assert.deepEqual(header.slice(-6), ['cell_id', 'service', 'phase', 'asked_rate', 'achieved_rate', 'saturated']);
    const rows = parseExperimentCsv(text);
    const { hi } = assertSaturationColumns(rows);
    const achieved = [...hi.achieved][0];
    assert.ok(achieved < 0.9 * HIGH, `cell ${high.id}: achieved ${achieved}`);
  });
});
