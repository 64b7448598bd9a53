// The JMeter driver against a real JMeter (Debian's `jmeter` + `jmeter-http`, installed by scripts/install-test-deps.sh)
// and the real sample service: the achieved rate follows the asked one, a changing rate follows the template's
// stretches, the latencies are there, and cancelling leaves no java behind. JMeter's JVM takes seconds to start, so
// the deadlines are generous; the test is skipped, saying why, only when no JMeter is installed.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runJmeterCell } from '../../src/data/experiments/jmeter';
import { whichBinary } from '../../src/data/experiments/jmeter-install';
import { JMX_WARMUP_LABEL, jmxTemplate } from '../../src/data/experiments/jmx-template';
import { DEFAULT_QUALITY, type PlanCell } from '../../src/data/experiments/plan-file';
import { judgeCell } from '../../src/data/experiments/quality';
import { startSampleService, type RunningSampleService } from '../harness/sample-service';
import { until } from '../harness/wait';

function cell(jmx: string, target: string, over: Partial<PlanCell>): PlanCell {
  return {
    id: 'sample/r1/l20', index: 0, service: 'sample', replicas: 1, level: 20, scenario: 'constant', durationSeconds: 5, warmupSeconds: 0,
    cooldownSeconds: 0, target, jmx, slo: { latencyP95Ms: 200 }, resources: 'process',
    schedule: [{ rate: 20, seconds: 5, warmup: false }], requests: 100, ...over,
  };
}

/** Processes whose command line mentions `needle` (JMeter's java carries the cell's folder in its arguments). */
function processesMentioning(needle: string): number[] {
  const pids: number[] = [];
  for (const p of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(p) || Number(p) === process.pid) continue;
    try {
      if (fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(needle)) pids.push(Number(p));
    } catch { /* gone */ }
  }
  return pids;
}

describe('JMeter cells against the sample service', function () {
  this.timeout(120_000);
  let svc: RunningSampleService | undefined;
  let dir: string;
  let jmx: string;

  before(async function () {
    const jmeter = process.env.MORA_JMETER || whichBinary('jmeter');
    if (!jmeter) {
      process.stdout.write('      (skipped: no jmeter on PATH and no MORA_JMETER — run scripts/install-test-deps.sh or apt-get install jmeter jmeter-http)\n');
      this.skip();
    }
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mora-jmeter-it-'));
    jmx = path.join(dir, 'cell.jmx');
    fs.writeFileSync(jmx, jmxTemplate());
    svc = await startSampleService({ cpuMsPerRequest: 2, failEvery: 10 });
  });
  after(async () => {
    await svc?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('holds a constant rate after the warm-up and reports latency like the built-in generator', async () => {
    const workDir = fs.mkdtempSync(path.join(dir, 'constant-'));
    const called = Date.now() / 1000;
    const r = await runJmeterCell({
      cell: cell(jmx, `${svc!.url}/`, { warmupSeconds: 2, schedule: [{ rate: 20, seconds: 2, warmup: true }, { rate: 20, seconds: 5, warmup: false }] }),
      workDir,
    });
    assert.equal(r.aborted, false);
    assert.match(r.driver, /^jmeter \d/);
    assert.ok(r.loadStartedAt! > called && r.loadStartedAt! < Date.now() / 1000, 'the load starts after the call (JVM start), and is said');
    assert.ok(r.achievedRate > 20 * 0.8 && r.achievedRate < 20 * 1.2, `achieved ${r.achievedRate} req/s, asked 20`);
    assert.ok(r.durationSeconds > 3 && r.durationSeconds <= 5.01, `measured window ${r.durationSeconds} s of 5`);
    assert.equal(r.errors, 0);
    // Every 10th request of the sample service answers 500.
    assert.ok(r.non2xx > 0 && r.non2xx < r.requests * 0.2, `${r.non2xx} non-2xx of ${r.requests}`);
    for (const k of ['latencyP50Ms', 'latencyP95Ms', 'latencyP99Ms'] as const) assert.ok(Number.isFinite(r[k]) && r[k] >= 0, `${k} = ${r[k]}`);
    assert.ok(r.latencyP50Ms <= r.latencyP95Ms && r.latencyP95Ms <= r.latencyP99Ms);
    assert.ok(fs.statSync(path.join(workDir, 'results.jtl')).size > 0, 'the JTL stays in the cell\'s folder');
  });

  // A hand-written .jmx: one thread group reading the unindexed properties and no warm-up request (MOrA's template
  // without its setUp group). JMeter's first request comes after its group's clock started; until 2026-12-01 that
  // time came off the measured window (3.5 of 4 s beside 4 busy loops on 2 cores): now MOrA asks it for a start
  // allowance more of warm-up and measures the asked 4 s after the asked 2 s of load.
  it('a hand-written .jmx without a warm-up request is measured over the asked time, after the asked warm-up of load', async () => {
    const hand = path.join(dir, 'hand.jmx');
    const text = jmxTemplate({ segments: 1 })
      .replace(/\s*<SetupThreadGroup[^]*?<\/SetupThreadGroup>\s*<hashTree>[^]*?<\/HTTPSamplerProxy>\s*<hashTree\/>\s*<\/hashTree>/, '')
      .replace(/__P\((threads|duration|ratePerMinute|loops)\.0,/g, '__P($1,');
    assert.ok(!text.includes('SetupThreadGroup') && !text.includes('.0,') && text.includes('${__P(duration,'), text);
    fs.writeFileSync(hand, text);
    const workDir = fs.mkdtempSync(path.join(dir, 'hand-'));
    const r = await runJmeterCell({
      cell: cell(hand, `${svc!.url}/`, { level: 30, durationSeconds: 4, warmupSeconds: 2, schedule: [{ rate: 30, seconds: 2, warmup: true }, { rate: 30, seconds: 4, warmup: false }] }),
      workDir,
    });
    const first = Math.min(...fs.readFileSync(path.join(workDir, 'results.jtl'), 'utf8').trim().split('\n').slice(1).map((l) => Number(l.split(',')[0])));
    const said = `measured ${r.durationSeconds} s of 4, ${r.requests} requests (${r.achievedRate} req/s); cell clock ${r.loadStartedAt! * 1000 - first} ms after the first request`;
    assert.ok(r.durationSeconds > 3.95 && r.durationSeconds <= 4.01, said);
    assert.ok(r.loadStartedAt! * 1000 >= first, said);
    assert.ok(r.achievedRate > 30 * 0.8 && r.achievedRate < 30 * 1.2, said);
  });

  // A CPU-starved machine's JMeter can send fewer requests than asked (once, beside 4 busy loops and other load:
  // 101 of 150), which the quality gate reports; what must hold whatever the load is that the cell measures what
  // JMeter sent (the JTL), stretch by stretch, and that its verdict matches those numbers.
  it('follows a rate that changes over the cell (one thread group per stretch), measuring what JMeter sent', async () => {
    const schedule = [{ rate: 10, seconds: 3, warmup: false }, { rate: 40, seconds: 3, warmup: false }];
    const workDir = fs.mkdtempSync(path.join(dir, 'step-'));
    const stepCell = cell(jmx, `${svc!.url}/`, { scenario: 'step', level: 40, durationSeconds: 6, schedule, requests: 150 });
    const r = await runJmeterCell({ cell: stepCell, workDir });
    assert.equal(r.aborted, false);
    // The JTL, independently of the driver's parser: start time and label of every timed request (not the warm-up).
    const sent = fs.readFileSync(path.join(workDir, 'results.jtl'), 'utf8').trim().split('\n').slice(1)
      .map((line) => { const [ts, , label] = line.split(','); return { at: Number(ts), label }; })
      .filter((x) => x.label !== JMX_WARMUP_LABEL);
    const stretch = (i: number) => sent.filter((x) => x.label === `GET ${i}`).map((x) => x.at);
    const [s0, s1] = [stretch(0), stretch(1)];
    const from = r.loadStartedAt! * 1000; // no warm-up: the window starts at the cell's clock
    const to = from + r.durationSeconds * 1000;
    const first = Math.min(...sent.map((x) => x.at));
    const last = Math.max(...sent.map((x) => x.at));
    const rel = (t: number) => ((t - from) / 1000).toFixed(2);
    const said = `${r.requests} answered + ${r.errors} errors in ${r.durationSeconds.toFixed(2)} s (${r.achievedRate.toFixed(1)} req/s), asked 150 in 6 s; ` +
      `GET 0: ${s0.length} sent ${rel(Math.min(...s0))}-${rel(Math.max(...s0))} s; GET 1: ${s1.length} sent ${rel(Math.min(...s1))}-${rel(Math.max(...s1))} s; ` +
      `JTL: ${sent.length} timed (${sent.length - s0.length - s1.length} other labels)`;
    // Only the .jmx's own stretches, each of which sent, one after the other (JMeter runs its thread groups in turn).
    assert.equal(s0.length + s1.length, sent.length, said);
    assert.ok(s0.length > 0 && s1.length > 0, said);
    assert.ok(Math.max(...s0) < Math.min(...s1), `stretch 0 ended before stretch 1 started; ${said}`);
    // The window starts at the first request and reaches the last one (up to the cap of 1 s per stretch past the
    // asked 6 s): a window that drops or cuts a stretch fails here (until 8ee5fc7 it ended at 6.00 s, cutting the
    // last stretch's 0.2-0.4 s overrun).
    assert.ok(Math.abs(from - first) < 1, `the cell's clock starts at the first request; ${said}`);
    assert.ok(to > last || r.durationSeconds >= 6 + 2 - 0.001, `the window reaches the last request (${rel(last)} s) or its cap; ${said}`);
    // Its counts are the JTL's requests in that window, and its rate is that count over that window.
    const inWindow = sent.filter((x) => x.at >= from && x.at < to).length;
    assert.equal(r.requests + r.errors, inWindow, `counted = JTL requests in the window (${inWindow}); ${said}`);
    assert.ok(Math.abs(r.achievedRate - r.requests / r.durationSeconds) < 1e-9, said);
    // Nothing over-sent, per stretch (a stretch at the other's rate, or stretches swapped, fails here).
    assert.ok(s0.length <= 10 * 3 * 1.15 + 2 && s1.length <= 40 * 3 * 1.15 + 2, `at most 15% over each stretch's asked count (30, 120); ${said}`);
    // The quality gate's verdict follows the numbers: short of 90% of the asked 25 req/s mean with the SLO met -> failed
    // saying the load generator was the limit; measured under half the 6 s -> failed saying so. (Prometheus rows and
    // errors are not what this checks: complete, steady rows, and the sample service's every-10th 500 allowed.)
    const rows = Array.from({ length: 6 }, () => 1);
    const q = judgeCell({ cell: stepCell, stats: r, judged: { request_rate: rows, cpu_usage: rows, memory_working_set: rows }, expectedRows: 6, thresholds: { ...DEFAULT_QUALITY, maxErrorShare: 0.2 } });
    const short = q.sloMet && r.achievedRate / 25 < 0.9;
    const early = r.durationSeconds < 3;
    assert.ok(Math.abs(q.achievedShare - r.achievedRate / 25) < 1e-9, said);
    assert.equal(q.reasons.some((x) => /the load generator, not the service, was the limit/.test(x)), short, `${q.reasons.join('; ')}; ${said}`);
    assert.equal(q.reasons.some((x) => /stopped sending early/.test(x)), early, `${q.reasons.join('; ')}; ${said}`);
    assert.equal(q.passed, !short && !early, `${q.reasons.join('; ')}; ${said}`);
  });

  it('cancels: the JMeter process group is gone and the result says aborted', async () => {
    const workDir = fs.mkdtempSync(path.join(dir, 'cancel-'));
    const ac = new AbortController();
    const t0 = Date.now();
    const run = runJmeterCell({ cell: cell(jmx, `${svc!.url}/`, { durationSeconds: 60, schedule: [{ rate: 10, seconds: 60, warmup: false }] }), workDir, signal: ac.signal });
    const jtl = path.join(workDir, 'results.jtl');
    // Wait until JMeter is sending (its JVM takes seconds), then cancel.
    const sent = await until(async () => (fs.existsSync(jtl) ? fs.readFileSync(jtl, 'utf8').trim().split('\n').length - 1 : 0), (n) => n >= 3, 60_000, 200);
    assert.ok(sent >= 3, `JMeter is sending (${sent} samples in its results)`);
    assert.ok(processesMentioning(workDir).length > 0);
    ac.abort();
    const r = await run;
    assert.equal(r.aborted, true);
    assert.ok(Date.now() - t0 < 50_000, 'cancel did not wait for the 60 s cell');
    const left = await until(async () => processesMentioning(workDir), (p) => p.length === 0, 10_000, 100);
    assert.deepEqual(left, [], 'no JMeter process (java or its wrapper) is left');
  });
});
