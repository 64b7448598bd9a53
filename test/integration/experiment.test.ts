// A load experiment end to end on loopback: a real Prometheus (test/harness/prometheus.ts) scrapes the real sample
// service (its own process, prom-client metrics) every second while autocannon drives it through load levels; the
// experiment then reads the 12 metrics back and writes the unified CSV and the JSON.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { experimentCommand } from '../../src/cli/commands/experiment';
import { UserError } from '../../src/cli/errors';
import { parseExperimentCsv, runExperiment } from '../../src/data/experiments';
import { freeLoopbackPort } from '../harness/ports';
import { startPrometheus, type RunningPrometheus } from '../harness/prometheus';
import { startSampleService, type RunningSampleService } from '../harness/sample-service';

const CPU_MS = 3;
const ROOT = path.join(__dirname, '..', '..');

describe('load experiment against a real Prometheus and the sample service', function () {
  this.timeout(90_000);
  let prom: RunningPrometheus | undefined;
  let svc: RunningSampleService | undefined;
  let out: string;

  before(async () => {
    // The out folder one level down: a run's workload lock goes beside it (plan-lock.ts), so inside this test's own folder.
    out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mora-exp-it-')), 'out');
    fs.mkdirSync(out);
    svc = await startSampleService({ cpuMsPerRequest: CPU_MS, failEvery: 25 });
    prom = await startPrometheus({
      scrapeConfigsYaml: `  - job_name: sample\n    scrape_interval: 1s\n    static_configs:\n      - targets: ['127.0.0.1:${svc.port}']\n`,
    });
  });
  after(async () => {
    await prom?.stop();
    await svc?.stop();
    fs.rmSync(path.dirname(out), { recursive: true, force: true });
  });

  it('writes a CSV and a JSON whose request rate and CPU follow the load levels', async () => {
    const levels = [15, 60];
    const r = await runExperiment({
      service: 'sample', targetUrl: `${svc!.url}/`, prometheusUrl: prom!.url, levels, durationSeconds: 6,
      replicas: 1, outDir: out, scrapeIntervalSeconds: 1,
    });
    const d = r.document;
    assert.equal(d.status, 'complete', JSON.stringify(d));
    const rows = parseExperimentCsv(fs.readFileSync(r.csvPath!, 'utf8'));
    assert.ok(rows.t.length >= 8, `${rows.t.length} rows`);
    const filled = (m: 'request_rate' | 'cpu_usage' | 'memory_working_set' | 'latency_p95') => [...rows.values[m]!].filter(Number.isFinite).length;
    for (const m of ['request_rate', 'cpu_usage', 'memory_working_set', 'latency_p95'] as const) assert.ok(filled(m) >= 5, `${m}: ${filled(m)} values`);
    assert.deepEqual([...new Set(rows.loadLevel)], levels);

    const [low, high] = d.summary!.levels;
    // The service served what autocannon sent (measured independently, client side), within scrape/rate-window blur.
    // Compared with what was sent, not with the levels asked: on a loaded machine the client may send less than asked
    // (its connections wait on a CPU-starved service), and that is what Prometheus must then see.
    const sent = d.timings.levels.map((l) => l.stats.achievedRate);
    assert.ok(Math.abs(high.means.request_rate! - sent[1]) / sent[1] < 0.35, `served ${high.means.request_rate} vs sent ${sent[1]}`);
    assert.ok(sent[1] > 1.5 * sent[0], `sent ${sent[0]} → ${sent[1]} req/s for levels ${levels.join(' → ')}`);
    assert.ok(high.means.request_rate! / low.means.request_rate! > 0.6 * (sent[1] / sent[0]), `served ${low.means.request_rate} → ${high.means.request_rate}, sent ${sent[0]} → ${sent[1]}`);
    assert.ok(high.means.cpu_usage! > low.means.cpu_usage!, `CPU ${low.means.cpu_usage} → ${high.means.cpu_usage}`);
    // Every request burns CPU_MS of CPU time, so the process uses at least that per request served (minus rate-window noise).
    assert.ok(high.cpuPerRequest > (0.9 * CPU_MS) / 1000, `CPU per request ${high.cpuPerRequest}`);
    assert.ok(high.means.error_rate! > 0, 'every 25th request fails');
    assert.equal(d.validation!.ok, true, d.validation!.messages.join('; '));
    const json = JSON.parse(fs.readFileSync(r.jsonPath, 'utf8'));
    assert.equal(json.files.csv, path.basename(r.csvPath!));
  });

  it('mora experiment (the real CLI process): Ctrl-C during the second level writes the first level as a partial result, exit 130', async () => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'mora.js'), 'experiment', '--target', `${svc!.url}/`, '--prometheus', prom!.url,
      '--levels', '20,40', '--duration', '4s', '--scrape-interval', '1s', '--out', out, '--service', 'cancelled', '--format', 'json'],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '', stdout = '', sent = false;
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (!sent && /level 2\/2/.test(stderr)) { sent = true; setTimeout(() => child.kill('SIGINT'), 1500); }
    });
    const killer = setTimeout(() => child.kill('SIGKILL'), 60_000); // bounded, whatever happens
    const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    clearTimeout(killer);
    assert.equal(code, 130, stderr);
    assert.match(stderr, /interrupted — the running level is dropped/);
    const res = JSON.parse(stdout);
    assert.equal(res.status, 'partial');
    const doc = JSON.parse(fs.readFileSync(res.json, 'utf8'));
    assert.equal(doc.status, 'partial');
    assert.deepEqual(doc.timings.levels.map((l: { level: number }) => l.level), [20]);
    const rows = parseExperimentCsv(fs.readFileSync(res.csv, 'utf8'));
    assert.ok([...rows.values.request_rate!].some((x) => x > 0), 'the completed level has data');
  });

  // `timeout` and process managers send SIGTERM twice (the child, then its group). Before: the second signal quit at
  // once, during the wait for the last scrape: the record stayed "status": "running", with no CSV.
  it('mora experiment: SIGTERM twice in quick succession during the second level: the second is absorbed, the first level written as partial, exit 130', async () => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'mora.js'), 'experiment', '--target', `${svc!.url}/`, '--prometheus', prom!.url,
      '--levels', '20,40', '--duration', '4s', '--scrape-interval', '1s', '--out', out, '--service', 'twice', '--format', 'json'],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '', stdout = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), 60_000); // bounded, whatever happens
    const exited = new Promise<number | string | null>((r) => child.once('exit', (c, sig) => r(c ?? sig)));
    await new Promise<void>((resolve) => {
      let sent = 0;
      child.stderr!.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (sent === 0 && /level 2\/2/.test(stderr)) { sent = 1; child.kill('SIGTERM'); }
        // The second as soon as the first is taken: the restore (the last scrape, reading, writing) has only begun.
        if (sent === 1 && /mora: interrupted/.test(stderr)) { sent = 2; child.kill('SIGTERM'); resolve(); }
      });
      void exited.then(() => resolve());
    });
    const code = await exited;
    clearTimeout(killer);
    assert.equal(code, 130, stderr);
    const records = fs.readdirSync(out).filter((f) => f.startsWith('twice-') && f.endsWith('.json')).map((f) => (JSON.parse(fs.readFileSync(path.join(out, f), 'utf8')) as { status: string }).status);
    assert.deepEqual(records, ['partial'], `the record (before: "running", no CSV):\n${stderr}`);
    // The second SIGTERM comes as soon as the first was taken: under COALESCE_MS after it (RestoreSignals) it is the same
    // press, absorbed silently; later (a loaded machine), a second press, said once. Either way it cut nothing short.
    const again = stderr.split('mora: SIGTERM again: still writing the completed levels').length - 1;
    assert.ok(again <= 1, stderr);
    if (again) assert.match(stderr, new RegExp(`^mora: SIGTERM again: still writing the completed levels into the record in ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} — please wait; one more press, at least 0.2 s and at most 3 s after this one, quits at once, leaving it undone$`, 'm'));
    const res = JSON.parse(stdout) as { status: string; json: string; csv: string };
    assert.equal(res.status, 'partial');
    const doc = JSON.parse(fs.readFileSync(res.json, 'utf8')) as { status: string; interrupted: string; timings: { levels: Array<{ level: number }> } };
    assert.deepEqual([doc.status, doc.interrupted, doc.timings.levels.map((l) => l.level)], ['partial', 'cancelled after 1 of 2 level(s)', [20]]);
    const rows = parseExperimentCsv(fs.readFileSync(res.csv, 'utf8'));
    assert.ok([...rows.values.request_rate!].some((x) => x > 0), 'the completed level has data');
  });

  it('an unreachable Prometheus fails at once with the clear message, before any load (exit 3)', async () => {
    const port = await freeLoopbackPort();
    const t0 = Date.now();
    const err = await experimentCommand({
      target: `${svc!.url}/`, prometheus: `http://127.0.0.1:${port}`, levels: '10', duration: '5s', out, replicas: '1', scrapeInterval: '1s', format: 'text',
    }, () => undefined, () => undefined).then(() => assert.fail('expected an error'), (e: Error) => e);
    assert.ok(err instanceof UserError);
    assert.equal(err.exitCode, 3);
    assert.equal(err.message, `Prometheus at http://127.0.0.1:${port} refused the connection — is it running? check --prometheus; nothing was sent or written`);
    assert.ok(Date.now() - t0 < 5_000, 'no load was sent first');
  });
});
