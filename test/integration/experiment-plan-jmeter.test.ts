// A JMeter cell through the whole plan runner (issue 14, Must show 2): `mora experiment run` on a plan whose service
// names a .jmx (MOrA's template) runs each cell with the real JMeter (Debian's, installed by
// scripts/install-test-deps.sh) against the real sample service while a real Prometheus scrapes it; the cells are
// written like built-in ones, with the driver recorded. Skipped, saying why, only when no JMeter is installed.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { experimentRunCommand } from '../../src/cli/commands/experiment-run';
import { whichBinary } from '../../src/data/experiments/jmeter-install';
import { jmxTemplate } from '../../src/data/experiments/jmx-template';
import type { PlanDocument } from '../../src/data/experiments/plan-run';
import { startPrometheus, type RunningPrometheus } from '../harness/prometheus';
import { startSampleService, type RunningSampleService } from '../harness/sample-service';

describe('experiment plan with a JMeter service (real JMeter, sample service, Prometheus)', function () {
  this.timeout(180_000);
  let svc: RunningSampleService | undefined;
  let prom: RunningPrometheus | undefined;
  let dir: string;

  before(async function () {
    if (!process.env.MORA_JMETER && !whichBinary('jmeter')) {
      process.stdout.write('      (skipped: no jmeter on PATH and no MORA_JMETER — run scripts/install-test-deps.sh or apt-get install jmeter jmeter-http)\n');
      this.skip();
    }
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mora-plan-jmeter-'));
    svc = await startSampleService({ cpuMsPerRequest: 2, failEvery: 0 });
    prom = await startPrometheus({ scrapeConfigsYaml: `  - job_name: sample\n    scrape_interval: 1s\n    static_configs:\n      - targets: ['127.0.0.1:${svc.port}']\n` });
  });
  after(async () => {
    await prom?.stop();
    await svc?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('runs the .jmx cells, stores them like built-in ones and records the driver', async () => {
    fs.writeFileSync(path.join(dir, 'cell.jmx'), jmxTemplate());
    const planFile = path.join(dir, 'jm.mora-plan.yaml');
    fs.writeFileSync(planFile, [
      `prometheus: ${prom!.url}`,
      'scrapeInterval: 1s',
      'rateCap: 50',
      'out: results',
      'services:',
      '  - name: sample-jmeter',
      `    target: ${svc!.url}/`,
      '    jmx: cell.jmx',
      '    replicas: [1]',
      '    levels: [10, 30]',
      '    duration: 5s',
      '    warmup: 2s',
      '    slo: { latencyP95Ms: 500 }',
      '    resources: process',
      '',
    ].join('\n'));
    let out = '', err = '';
    const code = await experimentRunCommand(planFile, { format: 'json', yes: true }, (s) => (out += s), (s) => (err += s));
    // The cells' rates are checked within ±25% below; the quality gate wants 90% of the asked rate, which a busy machine's
    // JMeter can miss: that is exit 4 (partial), still a complete run, so it is accepted here only for the gate.
    assert.ok(code === 0 || (code === 4 && /failed the quality gate/.test(err)), `exit ${code}: ${err}`);
    const doc = JSON.parse(fs.readFileSync(path.join(dir, 'results', 'jm.json'), 'utf8')) as PlanDocument;
    assert.equal(doc.status, 'complete', err);
    assert.ok(doc.versions.drivers.some((d) => /^jmeter \d/.test(d)), `drivers: ${doc.versions.drivers.join(', ')}`);
    assert.deepEqual(doc.cells.map((c) => c.id), ['sample-jmeter/r1/l10', 'sample-jmeter/r1/l30']);
    for (const c of doc.cells) {
      assert.equal(c.status, 'done', `${c.id}: ${c.error ?? ''}`);
      const s = c.stats!;
      assert.match(s.driver, /^jmeter/);
      assert.ok(s.achievedRate > c.level * 0.75 && s.achievedRate < c.level * 1.25, `${c.id}: ${s.achievedRate} req/s`);
      assert.ok(Number.isFinite(s.latencyP95Ms), `${c.id}: p95 ${s.latencyP95Ms}`);
      assert.ok(c.quality, `${c.id} went through the quality gate`);
      // What Prometheus saw the service serve follows what JMeter sent.
      const served = c.summary?.means.request_rate;
      assert.ok(served !== undefined && Math.abs(served - s.achievedRate) / s.achievedRate < 0.35, `${c.id}: served ${served} vs sent ${s.achievedRate}`);
    }
    const csv = fs.readFileSync(path.join(dir, 'results', 'jm.csv'), 'utf8');
    for (const c of doc.cells) assert.ok(csv.includes(c.id), `CSV rows of ${c.id}`);
    assert.equal((JSON.parse(out) as { status: string }).status, 'complete');
    // JMeter's scratch files stay with the cell's work folder, not in the repository or the plan's folder.
    assert.ok(fs.existsSync(path.join(dir, 'results', '.work')), 'cell work folders under the results');
  });
});
