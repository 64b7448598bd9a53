import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cellSchedule, expandPlan, parsePlan, PlanError } from '../../src/data/experiments/plan-file';

const PLAN = `# a plan
prometheus: http://127.0.0.1:9090
rateCap: 200
scrapeInterval: 1s
services:
  - name: cart
    target: http://127.0.0.1:8080/
    replicas: [1, 2]
    levels: [10, 50]
    duration: 20s
    warmup: 5s
    cooldown: 2s
    slo: { latencyP95Ms: 100 }
    workload: { namespace: shop, name: cart }
  - name: search
    target: http://localhost:8081/q
    replicas: [1]
    levels: [20]
    scenario: ramp
    duration: 10s
    slo: { latencyP99Ms: 300 }
`;

function error(text: string, file = '/plans/x.mora-plan.yaml'): PlanError {
  try {
    parsePlan(text, file);
  } catch (e) {
    assert.ok(e instanceof PlanError, String(e));
    return e;
  }
  assert.fail('expected a PlanError');
}

describe('experiment plan files', () => {
  it('parses a YAML plan, with defaults, and expands it to cells in run order with the total load', () => {
    const plan = parsePlan(PLAN, '/plans/shop.mora-plan.yaml');
    assert.equal(plan.name, 'shop');
    assert.equal(plan.outDir, '/plans/experiments/shop');
    assert.equal(plan.scrapeIntervalSeconds, 1);
    assert.deepEqual(plan.allowedHosts, []);
    const cart = plan.services[0];
    assert.deepEqual([cart.durationSeconds, cart.warmupSeconds, cart.cooldownSeconds, cart.scenario, cart.resources], [20, 5, 2, 'constant', 'cadvisor']);
    assert.deepEqual(cart.workload, { namespace: 'shop', kind: 'Deployment', name: 'cart' });
    assert.equal(plan.services[1].resources, 'process');
    const { cells, totalRequests, totalSeconds } = expandPlan(plan);
    assert.deepEqual(cells.map((c) => c.id), ['cart/r1/l10', 'cart/r1/l50', 'cart/r2/l10', 'cart/r2/l50', 'search/r1/l20']);
    // cart: (5 + 20) s at each level, twice; search: a ramp 4, 8, 12, 16, 20 req/s for 2 s each.
    assert.equal(totalRequests, 2 * 25 * (10 + 50) + 2 * (4 + 8 + 12 + 16 + 20));
    assert.equal(totalSeconds, 4 * 27 + 10);
  });

  it('reads JSON plans too', () => {
    const plan = parsePlan(JSON.stringify({ prometheus: 'http://127.0.0.1:9090', rateCap: 10, name: 'j', services: [{ name: 'a', target: 'http://[::1]:1/', replicas: [1], levels: [5], duration: 3, slo: { latencyP95Ms: 10 } }] }), 'p.json');
    assert.equal(expandPlan(plan).totalRequests, 15);
  });

  it('scenarios shape the rate; the level is the peak and warm-up runs at the first rate', () => {
    assert.deepEqual(cellSchedule('constant', 40, 10, 2), [{ rate: 40, seconds: 2, warmup: true }, { rate: 40, seconds: 10, warmup: false }]);
    assert.deepEqual(cellSchedule('step', 40, 8, 0).map((s) => s.rate), [10, 20, 30, 40]);
    assert.deepEqual(cellSchedule('spike', 40, 10, 1).map((s) => [s.rate, s.seconds]), [[10, 1], [10, 4], [40, 2], [10, 4]]);
    for (const sc of ['constant', 'step', 'ramp', 'spike'] as const) {
      const s = cellSchedule(sc, 30, 10, 3);
      assert.ok(Math.abs(s.filter((g) => !g.warmup).reduce((n, g) => n + g.seconds, 0) - 10) < 1e-9);
      assert.equal(Math.max(...s.map((g) => g.rate)), 30);
    }
  });

  it('says which line and field is wrong', () => {
    const e1 = error(PLAN.replace('levels: [10, 50]', 'levels: [10, 500]'));
    assert.equal(e1.message, '/plans/x.mora-plan.yaml:9: services[0].levels[1]: 500 req/s exceeds rateCap 200 req/s (raise rateCap if this load is intended)');
    assert.deepEqual([e1.line, e1.field], [9, 'services[0].levels[1]']);
    assert.match(error(PLAN.replace('scenario: ramp', 'scenario: wave')).message, /:19: services\[1\].scenario: expected one of constant, step, ramp, spike, got "wave"$/);
    assert.match(error(PLAN.replace('duration: 20s', 'duration: soon')).message, /:10: services\[0\]\.duration: expected a duration of at least 1 s/);
    assert.match(error(PLAN.replace('cooldown: 2s', 'coolDown: 2s')).message, /:12: services\[0\]\.coolDown: unknown field; expected one of name, target, jmx/);
    assert.match(error(PLAN.replace('    workload: { namespace: shop, name: cart }\n', '')).message, /:8: services\[0\]\.replicas: several replica counts need "workload"/);
    assert.match(error('prometheus: [unclosed\n').message, /^\/plans\/x\.mora-plan\.yaml:2: not valid YAML\/JSON: /);
    assert.match(error('rateCap: 1\nservices: []\n').message, /^\/plans\/x\.mora-plan\.yaml:1: missing required field "prometheus"$/);
  });

  it('refuses a target host that is not loopback unless allowedHosts lists it', () => {
    const remote = PLAN.replace('http://localhost:8081/q', 'http://shop.example.com/q');
    assert.match(error(remote).message, /:16: services\[1\].target: host "shop\.example\.com" may not receive load: only loopback does unless it is listed under allowedHosts/);
    const allowed = parsePlan(`allowedHosts: [Shop.Example.com]\n${remote}`, 'a.yaml');
    assert.equal(allowed.services[1].target, 'http://shop.example.com/q');
  });

  it('the shipped JSON Schema knows the same fields as the parser', () => {
    const schema = JSON.parse(readFileSync(join(__dirname, '..', '..', 'schemas', 'experiment-plan.schema.json'), 'utf8'));
    assert.deepEqual(Object.keys(schema.properties).sort(), ['allowedHosts', 'name', 'out', 'prometheus', 'quality', 'rateCap', 'scrapeInterval', 'services']);
    assert.deepEqual(Object.keys(schema.$defs.service.properties).sort(), ['connections', 'cooldown', 'duration', 'jmx', 'levels', 'name', 'replicas', 'resources', 'scenario', 'selector', 'slo', 'target', 'warmup', 'workload']);
    assert.deepEqual(schema.$defs.service.properties.scenario.enum, ['constant', 'step', 'ramp', 'spike']);
    assert.deepEqual(Object.keys(schema.$defs.service.properties.workload.properties).sort(), ['container', 'context', 'kind', 'name', 'namespace']);
  });

  it('a workload may pin its kube context; a plan without one keeps working (the run\'s context decides)', () => {
    const pinned = parsePlan(PLAN.replace('workload: { namespace: shop, name: cart }', 'workload: { namespace: shop, name: cart, context: prod-eu }'), '/plans/x.mora-plan.yaml');
    assert.deepEqual(pinned.services[0].workload, { namespace: 'shop', kind: 'Deployment', name: 'cart', context: 'prod-eu' });
    assert.deepEqual(parsePlan(PLAN, '/plans/x.mora-plan.yaml').services[0].workload, { namespace: 'shop', kind: 'Deployment', name: 'cart' });
    assert.match(error(PLAN.replace('workload: { namespace: shop, name: cart }', 'workload: { namespace: shop, name: cart, context: "" }')).message, /services\[0\]\.workload\.context: expected a non-empty string/);
  });
});

describe('the plan example in docs/EXPERIMENTS.md', () => {
  it('is a valid plan', () => {
    const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'EXPERIMENTS.md'), 'utf8');
    const yaml = /```yaml\n([\s\S]*?)```/.exec(doc)![1];
    const plan = parsePlan(yaml, '/plans/checkout.mora-plan.yaml');
    assert.deepEqual([plan.name, plan.services[0].name, plan.quality], ['checkout', 'checkout', { minCompleteness: 0.8, maxCv: 0.5, minAchievedShare: 0.9, maxErrorShare: 0.05 }]);
    assert.equal(expandPlan(plan).cells.length, 12);
  });
});
