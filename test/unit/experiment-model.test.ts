import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../harness/temp-dir';
import { expandPlan, parsePlan, withPrometheusCredentials } from '../../src/data/experiments/plan-file';
import { capacityFromPlan } from '../../src/pipeline/experiment-capacity';
import { parseHostMessage, parseWebviewState, PROTOCOL_VERSION } from '../../src/protocol/forecast';
import {
  buildExperimentView, confirmationText, parseNumberList, parsePlanRecord, planLoadSummary, planProblems, planYaml, progressMessage, wizardWorkloadKind,
} from '../../src/views/experiment-model';
import { FIXTURE_CAPACITY, FIXTURE_FAILED, FIXTURE_NOT_RUN, FIXTURE_PLAN_YAML, fixturePlanDocument } from '../harness/experiment-fixture';

describe('experiment views (editor-free)', () => {
  describe('before anything is sent', () => {
    it('sums the cells, requests, highest rate and hosts of a plan for the confirmation', () => {
      const plan = parsePlan(FIXTURE_PLAN_YAML, 'shop.mora-plan.yaml');
      const e = expandPlan(plan);
      const s = planLoadSummary(e);
      assert.equal(s.cells, 8);
      // checkout: 2 counts × (20+40+80) req/s × 25 s; cart (step, 10 s): levels 10 and 30 average 5/8 of the peak.
      assert.equal(s.totalRequests, 2 * 140 * 25 + Math.round(10 * 10 * 0.625) + Math.round(30 * 10 * 0.625));
      assert.equal(s.totalRequests, e.totalRequests);
      assert.equal(s.maxRate, 80);
      assert.deepEqual(s.hosts, ['127.0.0.1:8080', 'localhost:8081']);
      assert.deepEqual(s.scaled, ['shop/Deployment/checkout']);
      const { message, detail } = confirmationText(plan, e, new Set(['checkout/r1/l20']));
      assert.equal(message, `Send load for experiment plan "shop"? 8 cell(s), ${s.totalRequests.toLocaleString('en-US')} requests in total, at most 80 req/s, to 127.0.0.1:8080, localhost:8081. Scales shop/Deployment/checkout.`);
      assert.match(detail, /^Cells: 8 \(2 service\(s\) × replica counts × load levels\); 1 already done and skipped$/m);
      assert.match(detail, /^Highest rate: 80 req\/s \(rate cap 200 req\/s\)$/m);
      assert.match(detail, /^Scaled between cells \(put back at the end\): shop\/Deployment\/checkout$/m);
      assert.match(detail, /^✓ checkout × 1 replica @ 20 req\/s — constant, 25 s, 500 requests$/m);
      assert.match(detail, /^cart × 1 replica @ 30 req\/s — step, 10 s, 188 requests$/m);
    });

    it('says which cell of how many runs', () => {
      const cells = expandPlan(parsePlan(FIXTURE_PLAN_YAML, 'shop.mora-plan.yaml')).cells;
      assert.equal(progressMessage(cells[4], cells.length), 'cell 5/8: checkout × 2 replicas @ 40 req/s');
    });
  });

  describe('the plan wizard', () => {
    it('writes a plan parsePlan accepts, loopback without allowedHosts, a workload when it scales', () => {
      const one = parsePlan(planYaml({ service: 'api', target: 'http://127.0.0.1:8080/health', replicas: [1], levels: [10, 50], durationSeconds: 30, prometheusUrl: 'http://127.0.0.1:9090' }), '/w/api.mora-plan.yaml');
      assert.equal(one.name, 'api');
      assert.equal(one.rateCap, 50);
      assert.deepEqual(one.allowedHosts, []);
      assert.equal(one.outDir, '/w/.mora/experiments', 'results land where replica advice reads them');
      assert.deepEqual([one.services[0].levels, one.services[0].durationSeconds, one.services[0].warmupSeconds, one.services[0].slo], [[10, 50], 30, 5, { latencyP95Ms: 250 }]);
      const scaled = parsePlan(planYaml({
        service: 'checkout', target: 'http://checkout.shop.svc:8080/', replicas: [1, 2, 3], levels: [20], durationSeconds: 20,
        prometheusUrl: 'http://127.0.0.1:9090', workload: { namespace: 'shop', name: 'checkout' }, sloP95Ms: 120,
      }), '/w/checkout.mora-plan.yaml');
      assert.deepEqual(scaled.allowedHosts, ['checkout.shop.svc'], 'a non-loopback target is listed, visibly, in the file');
      assert.deepEqual(scaled.services[0].workload, { namespace: 'shop', kind: 'Deployment', name: 'checkout' });
      assert.equal(expandPlan(scaled).cells.length, 3);
      // Started from a tree node: the node's kube context is pinned in the plan.
      const pinned = parsePlan(planYaml({
        service: 'checkout', target: 'http://127.0.0.1:8080/', replicas: [1, 2], levels: [20], durationSeconds: 20,
        prometheusUrl: 'http://127.0.0.1:9090', workload: { namespace: 'shop', name: 'checkout', context: 'prod-eu' },
      }), '/w/checkout.mora-plan.yaml');
      assert.deepEqual(pinned.services[0].workload, { namespace: 'shop', kind: 'Deployment', name: 'checkout', context: 'prod-eu' });
    });

    it('started from a StatefulSet in the tree, the plan scales that StatefulSet (not a Deployment of its name); a kind without replicas is refused', () => {
      const kind = wizardWorkloadKind({ kind: 'StatefulSet', name: 'db' });
      assert.deepEqual(kind, { kind: 'StatefulSet' });
      const p = parsePlan(planYaml({
        service: 'db', target: 'http://127.0.0.1:5432/', replicas: [1, 3], levels: [20], durationSeconds: 20,
        prometheusUrl: 'http://127.0.0.1:9090', workload: { namespace: 'shop', name: 'db', context: 'prod-eu', ...('kind' in kind ? kind : {}) },
      }), '/w/db.mora-plan.yaml');
      assert.deepEqual(p.services[0].workload, { namespace: 'shop', kind: 'StatefulSet', name: 'db', context: 'prod-eu' });
      assert.deepEqual(expandPlan(p).cells.map((c) => c.workload?.kind), ['StatefulSet', 'StatefulSet']);
      assert.deepEqual([wizardWorkloadKind(undefined), wizardWorkloadKind({ kind: 'Deployment', name: 'web' })], [{ kind: 'Deployment' }, { kind: 'Deployment' }]);
      assert.deepEqual(wizardWorkloadKind({ kind: 'DaemonSet', name: 'agent' }), {
        error: 'DaemonSet/agent has no replica count MOrA can set (only a Deployment or a StatefulSet): give one replica count, or start the wizard without it to name a Deployment',
      });
    });

    it('the confirmation names the kube context each scaled workload is scaled in: the plan\'s, else the one the run will use', () => {
      const yaml = FIXTURE_PLAN_YAML.replace('workload: { namespace: shop, name: checkout }', 'workload: { namespace: shop, name: checkout, context: prod-eu }')
        + '  - name: search\n    target: http://127.0.0.1:8082/\n    replicas: [3]\n    levels: [5]\n    duration: 5s\n    slo: { latencyP95Ms: 80 }\n    workload: { namespace: shop, name: search }\n';
      const plan = parsePlan(yaml, 'shop.mora-plan.yaml');
      const e = expandPlan(plan);
      const { message, detail } = confirmationText(plan, e, new Set(), { currentContext: 'staging' });
      // A single replica count is still set (scaled to it and put back): listed too.
      assert.match(detail, /^Scaled between cells \(put back at the end\): shop\/Deployment\/checkout in context "prod-eu", shop\/Deployment\/search in context "staging" \(the current kubeconfig context; the plan names none\)$/m);
      assert.match(message, / Scales shop\/Deployment\/checkout in context "prod-eu", shop\/Deployment\/search in context "staging"\.$/);
      assert.deepEqual(planLoadSummary(e).scaled, ['shop/Deployment/checkout', 'shop/Deployment/search']);
    });

    it('writes the setting\'s Prometheus URL without its credential (?token=); the run takes the full URL from the setting again', () => {
      const real = 'http://prom.example:9090/?token=t0k3n-s3cret-value&extra_label=env%3Dprod';
      const yaml = planYaml({ service: 'api', target: 'http://127.0.0.1:8080/', replicas: [1], levels: [10], durationSeconds: 30, prometheusUrl: real });
      assert.ok(!yaml.includes('t0k3n-s3cret-value'), yaml);
      const p = parsePlan(yaml, '/w/api.mora-plan.yaml');
      assert.equal(p.prometheusUrl, 'http://prom.example:9090/?token=***&extra_label=env%3Dprod');
      assert.equal(withPrometheusCredentials(p, [undefined, 'http://other:9090/?token=x', real]).prometheusUrl, real);
      assert.throws(() => withPrometheusCredentials(p, ['http://prom.example:9090/?token=another']), /left out of the plan file.*mora\.prometheus\.url.*MORA_PROMETHEUS_URL/);
      const plain = parsePlan(planYaml({ service: 'api', target: 'http://127.0.0.1:8080/', replicas: [1], levels: [10], durationSeconds: 30, prometheusUrl: 'http://127.0.0.1:9090' }), '/w/api.mora-plan.yaml');
      assert.equal(withPrometheusCredentials(plain, [real]), plain, 'a plan with nothing left out is run as written');
    });

    it('reads comma-separated numbers or says what is wrong', () => {
      assert.deepEqual(parseNumberList(' 10, 50,100 ', 'load level'), [10, 50, 100]);
      assert.equal(parseNumberList('1, 2.5', 'replica count', true), '"2.5" is not a whole number ≥ 1');
      assert.equal(parseNumberList('10,x', 'load level'), '"x" is not a positive number');
      assert.equal(parseNumberList('10,10', 'load level'), 'a load level is listed twice');
      assert.equal(parseNumberList(' ', 'load level'), 'give at least one load level');
    });
  });

  it('reports a plan\'s problem with its line and field, without the file name the editor already shows', () => {
    assert.deepEqual(planProblems(FIXTURE_PLAN_YAML, 'shop.mora-plan.yaml'), []);
    const bad = FIXTURE_PLAN_YAML.replace('levels: [20, 40, 80]', 'levels: [20, 400]');
    assert.deepEqual(planProblems(bad, 'shop.mora-plan.yaml'), [{
      line: 7, field: 'services[0].levels[1]', message: 'services[0].levels[1]: 400 req/s exceeds rateCap 200 req/s (raise rateCap if this load is intended)',
    }]);
    const [p] = planProblems('prometheus: http://127.0.0.1:9090\nrateCap: 10\nservices:\n  - name: x\n    target: http://10.0.0.5/\n    replicas: [1]\n    levels: [5]\n    duration: 5s\n    slo: { latencyP95Ms: 50 }\n', 'x.mora-plan.yaml');
    assert.equal(p.line, 5);
    assert.match(p.message, /host "10\.0\.0\.5" may not receive load/);
    assert.equal(planProblems('services: [', 'y.mora-plan.yaml')[0].message.startsWith('not valid YAML/JSON'), true);
  });

  describe('results', () => {
    it('reads a stored record back and draws asked vs achieved, p95/p99 and CPU per cell, failed cells marked', () => {
      const dir = tempDir('mora-exp-view-');
      const { doc } = fixturePlanDocument(join(dir, 'shop.mora-plan.yaml'));
      const file = join(dir, 'shop.json');
      writeFileSync(file, JSON.stringify(doc, null, 2));
      const view = buildExperimentView(parsePlanRecord(readFileSync(file, 'utf8'), file));
      assert.equal(view.kind, 'experiment');
      assert.equal(view.headline, '8 cell(s): 6 passed, 1 failed (left out of capacity), 1 not run — partial');
      assert.deepEqual(view.services.map((s) => s.service), ['checkout', 'cart']);

      const checkout = view.services[0];
      assert.deepEqual(checkout.charts.map((c) => c.id), ['load', 'latency', 'cpu']);
      const load = checkout.charts[0];
      assert.deepEqual(load.series.find((s) => s.role === 'asked')!.points.map((p) => [p.x, p.y]), [[20, 20], [40, 40], [80, 80]]);
      const r2 = load.series.find((s) => s.role === 'achieved' && s.replicas === 2)!;
      assert.deepEqual(r2.points.map((p) => [p.cell, p.failed]), [[FIXTURE_FAILED, true], ['checkout/r2/l40', false], ['checkout/r2/l80', false]]);
      // One replica serves 30 req/s within the SLO: at 80 req/s asked, about 31.5 served.
      assert.ok(Math.abs(load.series.find((s) => s.replicas === 1)!.points[2].y - 31.5) < 1e-9);
      const latency = checkout.charts[1];
      assert.deepEqual(latency.series.map((s) => s.label), ['p95, 1 replica', 'p95, 2 replicas', 'p99, 1 replica', 'p99, 2 replicas', 'SLO p95 ≤ 100 ms']);
      assert.ok(latency.series[2].points.every((p, i) => p.y === latency.series[0].points[i].y * 1.5));
      const cpu = checkout.charts[2];
      assert.equal(cpu.unit, 'cores');
      assert.equal(cpu.series.flatMap((s) => s.points).length, 6);

      // Capacity is the engine's (capacityFromPlan, the failed cell left out), bracketed by cells within and beyond the SLO.
      const engine = capacityFromPlan(doc).find((c) => c.service === 'checkout')!;
      assert.deepEqual(engine.excludedCells.map((c) => c.cell), [FIXTURE_FAILED]);
      const { estimate, lower, upper, bound, slo } = engine.perReplica!;
      assert.deepEqual(checkout.capacity, { estimate, lower, upper, bound, slo });
      assert.equal(bound, 'bracketed');
      assert.ok(lower < FIXTURE_CAPACITY.checkout * 1.05 && upper > FIXTURE_CAPACITY.checkout * 0.66, `${lower}–${upper}`);
      assert.match(checkout.capacityText, /^\d+\.\d req\/s per replica \(95% \d+\.\d–\d+\.\d\) within p95 ≤ 100 ms; CPU \d\.\d\d ms per request; memory 64 MiB per replica; 5 cell\(s\) used, 1 left out$/);
      assert.ok(load.series.some((s) => s.role === 'capacity'), 'the capacity is drawn on the load chart');

      const rows = checkout.cells.rows;
      assert.equal(rows.length, 6);
      assert.match(rows.find((r) => r[0] === FIXTURE_FAILED)![7], /^FAILED: 20% of the requests failed/);
      assert.equal(view.services[1].cells.rows.find((r) => r[0] === FIXTURE_NOT_RUN)![7], 'pending');
      assert.ok(view.notes.some((n) => n.startsWith(`${FIXTURE_FAILED} failed its quality gate`)));

      // It travels over the protocol and survives the webview's saved state.
      assert.deepEqual(parseHostMessage(JSON.parse(JSON.stringify({ type: 'experiment', data: view }))), { type: 'experiment', data: view });
      const target = { context: '', namespace: '', kind: 'ExperimentPlan', name: 'shop', container: '' };
      const state = parseWebviewState({ version: PROTOCOL_VERSION, target, experiment: view, service: 'cart' });
      assert.equal(state?.experiment?.name, 'shop');
      assert.equal(state?.service, 'cart');
      assert.equal(parseHostMessage({ type: 'experiment', data: { ...view, kind: 'forecast' } }), undefined);
    });

    it('says when no capacity was measured, and refuses a file that is not a plan record', () => {
      const { doc } = fixturePlanDocument();
      for (const c of doc.cells) if (c.quality) c.quality = { ...c.quality, sloMet: false };
      const view = buildExperimentView(doc);
      assert.equal(view.services[0].capacity, undefined);
      assert.equal(view.services[0].capacityText, 'capacity not measured: no cell that passed its quality gate met the SLO');
      assert.throws(() => parsePlanRecord('{"schema":"mora.experiment/1"}', 'x.json'), /x\.json is not an experiment plan's record/);
      assert.throws(() => parsePlanRecord('{', 'y.json'), /y\.json: not valid JSON/);
    });
  });
});
