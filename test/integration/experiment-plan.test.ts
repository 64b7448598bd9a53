// An experiment plan end to end (issue 14, Must show 1): 3 services × 2 replica counts × 3 load levels against the
// sample service with a KNOWN capacity (a serial queue, 20 ms per request → 50 req/s per replica, whatever the load on
// the machine), each service a Deployment on a REAL kube-apiserver (control-plane.ts) that the real `mora` CLI scales.
// No kubelet runs: KubeletDouble (a test double for the kubelet) runs spec.replicas sample-service processes behind a
// round-robin proxy and reports them ready, and a real Prometheus scrapes each process (file_sd, 1 s).
// The CLI is killed with SIGKILL in the middle of a cell, then run again: it resumes — the written cells are kept as
// they were, the interrupted one restarts, the workload left scaled is restored from the note of the killed run — and
// the dataset it produces passes the quality gate and estimates the capacity within 20% of the known 50 req/s.
// Smaller cases: Ctrl-C; a rerun after the plan moved a service to another Deployment (the killed run's Deployment is
// put back from its note) and after the operator changed the count (the live count is put back); a JMeter cell.
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { capacityTable, experimentRunCommand, qualityTable } from '../../src/cli/commands/experiment-run';
import { parseExperimentCsv } from '../../src/data/experiments/csv';
import type { PlanDocument } from '../../src/data/experiments/plan-run';
import { capacityFromPlan } from '../../src/pipeline/experiment-capacity';
import { whichBinary } from '../../src/data/experiments/jmeter-install';
import { jmxTemplate } from '../../src/data/experiments/jmx-template';
import { ControlPlane } from '../harness/control-plane';
import { KubeletDouble } from '../harness/kubelet-double';
import { startPrometheus, type RunningPrometheus } from '../harness/prometheus';

const ROOT = path.join(__dirname, '..', '..');
const SERVICES = ['svc-a', 'svc-b', 'svc-c'];
const SERVICE_MS = 20;
const KNOWN_CAPACITY = 1000 / SERVICE_MS; // req/s per replica
const ORIGINAL_REPLICAS = 3;

async function until(what: string, ms: number, check: () => boolean | Promise<boolean>, detail: () => string = () => ''): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}\n${detail()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function runCli(args: string[]): { child: ChildProcess; stderr: () => string; stdout: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'mora.js'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '', stdout = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  return { child, stderr: () => stderr, stdout: () => stdout, exited };
}

describe('experiment plan: 3 services × 2 replica counts × 3 levels, SIGKILL mid-way, resume (real CLI, kube-apiserver, Prometheus)', function () {
  this.timeout(420_000);
  let cp: ControlPlane | undefined;
  const doubles = new Map<string, KubeletDouble>();
  let prom: RunningPrometheus | undefined;
  let dir: string;
  let kubeconfig: string;
  let planFile: string;
  const children: ChildProcess[] = [];

  before(async function () {
    this.timeout(180_000);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mora-plan-it-'));
    cp = await ControlPlane.start();
    await cp.createNamespace('shop');
    kubeconfig = cp.writeKubeconfig([{ name: 'mora-real', credentials: cp.admin, namespace: 'shop' }], 'shop');
    for (const name of SERVICES) {
      await cp.createDeployment('shop', { name, replicas: ORIGINAL_REPLICAS, containers: [{ name: 'server', image: 'sample:1' }] });
      doubles.set(name, await KubeletDouble.start({
        cp, namespace: 'shop', name, service: { serviceTimeMs: SERVICE_MS, concurrency: 1 }, fileSd: path.join(dir, `${name}.sd.json`), labels: { service: name }, pollMs: 100,
      }));
    }
    prom = await startPrometheus({
      scrapeConfigsYaml: SERVICES.map((name) => `  - job_name: ${name}\n    scrape_interval: 1s\n    file_sd_configs:\n      - files: ['${path.join(dir, `${name}.sd.json`)}']\n        refresh_interval: 1s\n`).join(''),
    });
    planFile = path.join(dir, 'shop.mora-plan.yaml');
    fs.writeFileSync(planFile, [
      '# 20 ms per request, one at a time: 50 req/s per replica. At 40 req/s per replica p95 stays well under 250 ms; beyond 50 the 40 connections queue (≥ 400 ms).',
      `prometheus: ${prom.url}`,
      'scrapeInterval: 1s',
      'rateCap: 150',
      'out: results',
      'services:',
      ...SERVICES.flatMap((name) => [
        `  - name: ${name}`,
        `    target: ${doubles.get(name)!.url}`,
        '    replicas: [1, 2]',
        '    levels: [40, 80, 120]',
        '    duration: 3s',
        '    warmup: 2s',
        '    slo: { latencyP95Ms: 250 }',
        `    workload: { namespace: shop, kind: Deployment, name: ${name} }`,
        '    resources: process',
        `    selector: job="${name}"`,
        '    connections: 40',
      ]),
      '',
    ].join('\n'));
  });

  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await prom?.stop();
    for (const d of doubles.values()) await d.stop();
    await cp?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const spec = async (name: string) => ((await cp!.get('apps/v1', 'Deployment', 'shop', name)).spec as { replicas: number }).replicas;
  const jsonPath = () => path.join(dir, 'results', 'shop.json');
  const csvPath = () => path.join(dir, 'results', 'shop.csv');
  const readDoc = () => JSON.parse(fs.readFileSync(jsonPath(), 'utf8')) as PlanDocument;

  it('--dry-run lists the 18 cells and the total load and sends nothing', async () => {
    let out = '';
    const code = await experimentRunCommand(planFile, { format: 'json', dryRun: true }, (s) => (out += s), () => undefined);
    assert.equal(code, 0);
    const r = JSON.parse(out) as { cells: Array<{ id: string }>; totalRequests: number };
    assert.equal(r.cells.length, 18);
    assert.deepEqual(r.cells.slice(0, 4).map((c) => c.id), ['svc-a/r1/l40', 'svc-a/r1/l80', 'svc-a/r1/l120', 'svc-a/r2/l40']);
    assert.equal(r.totalRequests, 3 * 2 * (40 + 80 + 120) * 5);
    assert.equal(fs.existsSync(jsonPath()), false);
  });

  it('killed with SIGKILL in the middle of a cell, then resumed: nothing written is lost, the cell restarts, replicas are restored, capacity within 20%', async () => {
    const args = ['experiment', 'run', planFile, '--yes', '--kubeconfig', kubeconfig, '--context', 'mora-real'];
    // 1. The first run, killed inside svc-b's first cell at 2 replicas (cell 10 of 18): svc-b is left scaled to 2.
    const first = runCli(args);
    children.push(first.child);
    await until('the first run to reach cell svc-b/r2/l40', 200_000, () => /cell 10\/18 svc-b\/r2\/l40/.test(first.stderr()) || first.child.exitCode !== null, first.stderr);
    assert.equal(first.child.exitCode, null, first.stderr());
    // Inside the cell's load: 40 requests through svc-b's proxy since the cell began (about 1 s of its 5 s at 40 req/s).
    const svcB = doubles.get('svc-b')!;
    const atStart = svcB.forwarded;
    await until('40 requests of cell svc-b/r2/l40 to reach svc-b', 60_000, () => svcB.forwarded - atStart >= 40 || first.child.exitCode !== null, first.stderr);
    first.child.kill('SIGKILL');
    await first.exited;
    const killed = readDoc();
    const doneAtKill = killed.cells.filter((c) => c.status === 'done');
    assert.deepEqual(doneAtKill.map((c) => c.id), [
      'svc-a/r1/l40', 'svc-a/r1/l80', 'svc-a/r1/l120', 'svc-a/r2/l40', 'svc-a/r2/l80', 'svc-a/r2/l120', 'svc-b/r1/l40', 'svc-b/r1/l80', 'svc-b/r1/l120',
    ], first.stderr());
    assert.equal(killed.cells.find((c) => c.id === 'svc-b/r2/l40')!.status, 'running');
    assert.equal(await spec('svc-b'), 2, 'a SIGKILL cannot restore: svc-b is still at 2 replicas');
    assert.deepEqual([killed.scaling['svc-b'].originalReplicas, killed.scaling['svc-b'].restored], [ORIGINAL_REPLICAS, false]);
    assert.deepEqual([killed.scaling['svc-a'].originalReplicas, killed.scaling['svc-a'].restored], [ORIGINAL_REPLICAS, true]);
    assert.equal(await spec('svc-a'), ORIGINAL_REPLICAS);
    const csvAtKill = fs.readFileSync(csvPath(), 'utf8').split('\n').filter((l) => l && !l.startsWith('timestamp'));
    assert.ok(csvAtKill.length >= 9 * 3, `${csvAtKill.length} rows for 9 written cells`);

    // 2. The same plan again: resumes.
    const second = runCli([...args, '--format', 'json']);
    children.push(second.child);
    const killer = setTimeout(() => second.child.kill('SIGKILL'), 200_000);
    const code = await second.exited;
    clearTimeout(killer);
    assert.match(second.stderr(), /resuming shop: 9 of 18 cell\(s\) already done; cell svc-b\/r2\/l40 was interrupted and restarts; Deployment\/svc-b \(service svc-b\) still scaled; its original 3 replica\(s\) come from the earlier run's note/);
    const doc = readDoc();
    assert.equal(doc.status, 'complete', second.stderr());
    // Exit 4 (partial) when some cells failed the quality gate and others passed.
    assert.equal(code, doc.quality.failed > 0 ? 4 : 0, second.stderr());
    assert.equal(doc.runs, 2);
    assert.ok(doc.cells.every((c) => c.status === 'done'));
    // Nothing written before the kill changed; the interrupted cell ran again (its second attempt).
    for (const c of doneAtKill) assert.deepEqual(doc.cells.find((d) => d.id === c.id), c);
    assert.equal(doc.cells.find((c) => c.id === 'svc-b/r2/l40')!.attempts, 2);
    const csv = fs.readFileSync(csvPath(), 'utf8');
    const lines = csv.split('\n').filter((l) => l && !l.startsWith('timestamp'));
    assert.deepEqual(lines.slice(0, csvAtKill.length), csvAtKill, 'the rows of the cells written before the kill are kept as they were');
    const header = csv.split('\n')[0].split(',');
    const cellCol = header.indexOf('cell_id');
    for (const c of doc.cells) assert.ok(lines.filter((l) => l.split(',')[cellCol] === c.id).length >= 3, `rows of ${c.id}`);
    assert.equal(parseExperimentCsv(csv).t.length, lines.length);

    // Replica counts: back to the original everywhere, the notes say so, and the kubelet double runs that many.
    for (const name of SERVICES) {
      assert.equal(await spec(name), ORIGINAL_REPLICAS, name);
      assert.deepEqual([doc.scaling[name].originalReplicas, doc.scaling[name].restored], [ORIGINAL_REPLICAS, true], name);
      await until(`${name} to run ${ORIGINAL_REPLICAS} processes again`, 30_000, () => doubles.get(name)!.replicas === ORIGINAL_REPLICAS);
    }

    // A validated dataset: most cells pass the gate (a loaded machine may fail one; it is then left out, not used).
    const report = doc.quality;
    assert.ok(report.passed >= 14, `quality: ${JSON.stringify(report.failures)}`);
    const out = JSON.parse(second.stdout()) as { status: string; capacity: Array<{ service: string; perReplica?: { estimate: number } }> };
    assert.equal(out.status, 'complete');

    // Capacity within 20% of the known 50 req/s per replica, for every service.
    const caps = capacityFromPlan(doc);
    if (process.env.MORA_TEST_VERBOSE) process.stderr.write(`${qualityTable(doc)}${capacityTable(caps)}`);
    assert.deepEqual(caps.map((c) => c.service), SERVICES);
    for (const c of caps) {
      const k = c.perReplica;
      assert.ok(k, `${c.service}: no capacity (${JSON.stringify(c.groups)}; ${JSON.stringify(c.excludedCells)})`);
      assert.ok(Math.abs(k.estimate - KNOWN_CAPACITY) / KNOWN_CAPACITY <= 0.2, `${c.service}: ${k.estimate.toFixed(1)} req/s per replica (${k.lower.toFixed(1)}–${k.upper.toFixed(1)}), known ${KNOWN_CAPACITY}; groups ${JSON.stringify(c.groups)}`);
      assert.ok(k.lower <= k.estimate && k.estimate <= k.upper);
      assert.equal(k.slo, 'p95 ≤ 250 ms');
    }
  });

  it('Ctrl-C (SIGINT) in the middle of a cell: the cell is dropped, the replica count restored, exit 130', async () => {
    const cplan = path.join(dir, 'cancel.mora-plan.yaml');
    fs.writeFileSync(cplan, [
      `prometheus: ${prom!.url}`, 'scrapeInterval: 1s', 'rateCap: 150', 'out: results-cancel', 'services:',
      '  - name: svc-c', `    target: ${doubles.get('svc-c')!.url}`, '    replicas: [2]', '    levels: [20]', '    duration: 30s',
      '    slo: { latencyP95Ms: 250 }', '    workload: { namespace: shop, kind: Deployment, name: svc-c }', '    resources: process', '    selector: job="svc-c"', '',
    ].join('\n'));
    const run = runCli(['experiment', 'run', cplan, '--yes', '--kubeconfig', kubeconfig, '--context', 'mora-real']);
    children.push(run.child);
    const killer = setTimeout(() => run.child.kill('SIGKILL'), 120_000);
    try {
      await until('the cell to start', 60_000, () => /cell 1\/1 svc-c\/r2\/l20/.test(run.stderr()) || run.child.exitCode !== null, run.stderr);
      assert.equal(await spec('svc-c'), 2, run.stderr());
      run.child.kill('SIGINT');
      assert.equal(await run.exited, 130, run.stderr());
    } finally {
      clearTimeout(killer);
    }
    assert.match(run.stderr(), /interrupted — the running cell is dropped \(the written ones stay\); scaling Deployment\/svc-c back to 3/);
    assert.equal(await spec('svc-c'), ORIGINAL_REPLICAS);
    const doc = JSON.parse(fs.readFileSync(path.join(dir, 'results-cancel', 'cancel.json'), 'utf8')) as PlanDocument;
    assert.deepEqual([doc.status, doc.cells[0].status, doc.scaling['svc-c'].restored], ['partial', 'pending', true]);
  });

  it('rerun after SIGKILL with the plan moved to another Deployment: the killed run\'s Deployment is put back from its note; then a count the operator changed is the one put back', async () => {
    const mplan = path.join(dir, 'move.mora-plan.yaml');
    const write = (name: string, duration: string) => fs.writeFileSync(mplan, [
      `prometheus: ${prom!.url}`, 'scrapeInterval: 1s', 'rateCap: 150', 'out: results-move', 'services:',
      '  - name: svc', `    target: ${doubles.get(name)!.url}`, '    replicas: [2]', '    levels: [20]', `    duration: ${duration}`,
      '    slo: { latencyP95Ms: 250 }', `    workload: { namespace: shop, kind: Deployment, name: ${name} }`, '    resources: process', `    selector: job="${name}"`, '',
    ].join('\n'));
    const args = ['experiment', 'run', mplan, '--yes', '--kubeconfig', kubeconfig, '--context', 'mora-real'];
    const run = async (what: string) => {
      const r = runCli(args);
      children.push(r.child);
      const killer = setTimeout(() => r.child.kill('SIGKILL'), 120_000);
      const code = await r.exited;
      clearTimeout(killer);
      // These runs are about what is put back, not about the rate: on a busy machine the 4 s cell can miss the quality
      // gate's 90% of the asked rate, which is exit 4 (partial) since 278cdc7 — still a completed, restored run.
      const gateOnly = code === 4 && /failed the quality gate/.test(r.stderr());
      assert.ok(code === 0 || gateOnly, `${what}: exit ${code}: ${r.stderr()}`);
      return r;
    };
    const readMove = () => JSON.parse(fs.readFileSync(path.join(dir, 'results-move', 'move.json'), 'utf8')) as PlanDocument;
    const setReplicas = (name: string, n: number) => cp!.api('PATCH', `/apis/apps/v1/namespaces/shop/deployments/${name}/scale`, { spec: { replicas: n } }, { contentType: 'application/merge-patch+json' });

    // 1. Killed inside its cell: svc-c is left at 2, its note pending.
    write('svc-c', '30s');
    const first = runCli(args);
    children.push(first.child);
    await until('the cell to start', 60_000, () => /cell 1\/1 svc\/r2\/l20/.test(first.stderr()) || first.child.exitCode !== null, first.stderr);
    first.child.kill('SIGKILL');
    await first.exited;
    assert.equal(await spec('svc-c'), 2, first.stderr());

    // 2. The plan now names svc-a: svc-c goes back to the note's 3 before any load, svc-a is scaled and put back to its own 3.
    write('svc-a', '3s');
    const second = await run('the rerun on svc-a');
    assert.match(second.stderr(), /restored Deployment\/svc-c to 3 replica\(s\)[\s\S]*scaling Deployment\/svc-a \(service svc\) to 2/);
    assert.equal(await spec('svc-c'), ORIGINAL_REPLICAS);
    assert.equal(await spec('svc-a'), ORIGINAL_REPLICAS);
    const note = readMove().scaling.svc;
    assert.deepEqual([note.workload, note.context, note.originalReplicas, note.restored], ['Deployment/svc-a', 'mora-real', ORIGINAL_REPLICAS, true]);

    // 3. The operator scales svc-a to 4; the plan changes, the cell runs again: 4 is put back, not the old note's 3.
    await setReplicas('svc-a', 4);
    write('svc-a', '4s');
    await run('the rerun after the operator scaled svc-a');
    assert.equal(await spec('svc-a'), 4);
    assert.deepEqual([readMove().scaling.svc.originalReplicas, readMove().scaling.svc.restored], [4, true]);
    await setReplicas('svc-a', ORIGINAL_REPLICAS);
    await until('svc-a to run 3 processes again', 30_000, () => doubles.get('svc-a')!.replicas === ORIGINAL_REPLICAS);
  });

  it('a JMeter cell in a plan: run by JMeter, stored like the built-in generator\'s, quality-gated, the replica count restored', async function () {
    const jmeter = process.env.MORA_JMETER || whichBinary('jmeter');
    if (!jmeter) {
      process.stdout.write('      (skipped: no jmeter on PATH and no MORA_JMETER — run scripts/install-test-deps.sh or apt-get install jmeter jmeter-http)\n');
      this.skip();
    }
    fs.writeFileSync(path.join(dir, 'cell.jmx'), jmxTemplate());
    const jplan = path.join(dir, 'jmeter.mora-plan.yaml');
    fs.writeFileSync(jplan, [
      `prometheus: ${prom!.url}`, 'scrapeInterval: 1s', 'rateCap: 150', 'out: results-jmeter', 'services:',
      '  - name: svc-a', `    target: ${doubles.get('svc-a')!.url}`, '    jmx: cell.jmx', '    replicas: [1]', '    levels: [30]',
      '    duration: 4s', '    warmup: 2s', '    slo: { latencyP95Ms: 250 }', '    workload: { namespace: shop, kind: Deployment, name: svc-a }',
      '    resources: process', '    selector: job="svc-a"', '',
    ].join('\n'));
    const run = runCli(['experiment', 'run', jplan, '--yes', '--kubeconfig', kubeconfig, '--context', 'mora-real', '--jmeter', jmeter!]);
    children.push(run.child);
    const killer = setTimeout(() => run.child.kill('SIGKILL'), 150_000);
    const code = await run.exited;
    clearTimeout(killer);
    // The run itself: complete, the cell written by JMeter and gated, whatever the gate says.
    const doc = JSON.parse(fs.readFileSync(path.join(dir, 'results-jmeter', 'jmeter.json'), 'utf8')) as PlanDocument;
    const [c] = doc.cells;
    assert.equal(doc.status, 'complete', run.stderr());
    assert.equal(c.status, 'done', run.stderr());
    assert.match(c.stats!.driver, /^jmeter \d/);
    assert.ok(doc.versions.drivers.some((d) => /^jmeter /.test(d)));
    const q = c.quality!;
    const measured = `JMeter achieved ${c.stats!.achievedRate} req/s of 30 over ${c.stats!.durationSeconds} s of 4; gate: ${JSON.stringify(q)}\n${run.stderr()}`;
    // The gate's verdict follows what was measured. Only the two checks a starved load generator can fail (achieved
    // rate under 90% of the asked with the SLO met; measured under half the asked time) may fail here: JMeter's timer
    // on a CPU-starved 2-core CI machine, not MOrA. Any other reason (completeness, errors, stability) fails the test.
    assert.ok(Math.abs(q.achievedShare - c.stats!.achievedRate / 30) < 1e-9, measured);
    const shortRate = q.sloMet && q.achievedShare < 0.9;
    const shortTime = c.stats!.durationSeconds < 0.5 * 4;
    assert.equal(q.reasons.some((r) => /^achieved .* the load generator, not the service, was the limit$/.test(r)), shortRate, measured);
    assert.equal(q.reasons.some((r) => /^the load was measured over .* stopped sending early$/.test(r)), shortTime, measured);
    assert.equal(q.reasons.length, Number(shortRate) + Number(shortTime), measured);
    assert.equal(q.passed, q.reasons.length === 0, measured);
    // Short or not, JMeter paced the load: never more than 20% over the asked rate.
    assert.ok(c.stats!.requests > 0 && c.stats!.achievedRate < 30 * 1.2, measured);
    // The exit code is the documented contract for that verdict (README § Exit codes, docs/EXPERIMENTS.md § Quality
    // gate): 0 when the cell passed; 4 (partial) when it failed, stderr naming the cell, its last line the count.
    if (q.passed) {
      assert.equal(code, 0, measured);
      assert.deepEqual([doc.quality.passed, doc.quality.failed], [1, 0]);
      // Passed: Prometheus saw the service serve what JMeter sent (at least 90% of the asked rate, by the gate).
      assert.ok(Math.abs(c.summary!.means.request_rate! - c.stats!.achievedRate) / c.stats!.achievedRate < 0.25, `Prometheus saw ${c.summary!.means.request_rate} req/s; ${measured}`);
    } else {
      process.stdout.write(`      (the gate failed the JMeter cell on a busy machine: ${q.reasons.join('; ')})\n`);
      assert.equal(code, 4, measured);
      assert.deepEqual([doc.quality.passed, doc.quality.failed], [0, 1]);
      assert.match(run.stderr(), /mora: failed the quality gate \(left out of capacity\): svc-a\/r1\/l30\n/, measured);
      assert.match(run.stderr(), /mora: partial: 0 of 1 cell\(s\) passed the quality gate: no capacity measured\n$/, measured);
    }
    const lines = fs.readFileSync(path.join(dir, 'results-jmeter', 'jmeter.csv'), 'utf8').trim().split('\n');
    assert.ok(lines.length >= 4 && lines.slice(1).every((l) => l.includes(',svc-a/r1/l30,svc-a,')), lines.join('\n'));
    assert.equal(await spec('svc-a'), ORIGINAL_REPLICAS);
    assert.equal(doc.scaling['svc-a'].restored, true);
  });
});
