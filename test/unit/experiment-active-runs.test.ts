// Closing or reloading VS Code mid-experiment: the extension's deactivate stops every registered plan run and waits,
// bounded, for the runner to put the replica counts back; a run that never finishes is reported, not waited for.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { tempDir } from '../harness/temp-dir';
import { parsePlan, type CellLoadDriver } from '../../src/data/experiments/plan-file';
import type { Scaler } from '../../src/data/experiments/plan';
import { readPlanDocument, runPlan, planPaths } from '../../src/data/experiments/plan-run';
import type { PrometheusClient } from '../../src/data/prometheus/client';
import { ActiveRuns, pendingRestoreText, pendingRestores } from '../../src/data/experiments/active-runs';
import { serviceYaml, SHOP_PLAN_HEAD } from './helpers/plan-fixtures';

function scaledRun() {
  const dir = tempDir('mora-active-runs-');
  const plan = parsePlan(SHOP_PLAN_HEAD + serviceYaml({ name: 'cart', target: 'http://127.0.0.1:8080/', replicas: [2], levels: [10], workload: 'cart' }),
    join(dir, 'shop.mora-plan.yaml'));
  const prometheus = {
    maxPoints: 11000, displayUrl: 'http://prometheus.test',
    async query() { return []; }, async buildInfo() { return { version: 'test' }; },
    async queryRange() { return { series: [], step: 1, start: 0, end: 0, warnings: [] }; },
  } as unknown as PrometheusClient;
  let loading!: () => void;
  const loadStarted = new Promise<void>((r) => { loading = r; });
  // The load runs until the signal aborts it (a real driver stops at abort too).
  const driver: CellLoadDriver = ({ signal }) => new Promise((resolve) => {
    loading();
    signal?.addEventListener('abort', () => resolve({ requests: 1, non2xx: 0, errors: 0, timeouts: 0, achievedRate: 1, latencyP50Ms: 1, latencyP95Ms: 1, latencyP99Ms: 1, durationSeconds: 1, aborted: true, driver: 'fake' }));
  });
  let replicas = 5;
  const scaler: Scaler = {
    async current() { return replicas; },
    async scale(n) { replicas = n; },
    async restore(n) { replicas = n; },
    describe: (n) => ({ workload: 'Deployment/cart', namespace: 'shop', restoreCommand: `kubectl -n shop scale deployment/cart --replicas=${n}` }),
  };
  return { plan, prometheus, driver, scaler, loadStarted, replicas: () => replicas };
}

describe('experiment runs stopped when the editor host deactivates', () => {
  it('stopAll aborts a run mid-cell and resolves only once its replica count is back', async () => {
    const w = scaledRun();
    const runs = new ActiveRuns();
    const abort = new AbortController();
    const run = runs.track('shop', abort, runPlan(w.plan, { prometheus: w.prometheus, httpDriver: w.driver, scalerFor: () => w.scaler, signal: abort.signal, sleep: async () => {}, targetCheck: async () => undefined }));
    await w.loadStarted;
    assert.equal(w.replicas(), 2, 'scaled for the cell');
    assert.deepEqual(runs.running, ['shop']);
    const left = await runs.stopAll(5000);
    assert.deepEqual(left, []);
    assert.equal(w.replicas(), 5, 'restored before stopAll resolved');
    assert.equal((await run).document.status, 'partial');
    assert.deepEqual(pendingRestores(readPlanDocument(planPaths(w.plan).json)), []);
    assert.deepEqual(runs.running, []);
  });

  it('stopAll gives up after its bound and names the run still going', async () => {
    const runs = new ActiveRuns();
    const abort = new AbortController();
    void runs.track('stuck', abort, new Promise(() => {}));
    const t0 = Date.now();
    assert.deepEqual(await runs.stopAll(50), ['stuck']);
    assert.ok(abort.signal.aborted);
    assert.ok(Date.now() - t0 < 2000);
  });

  it('a record with a pending note (the host was killed while scaled) is reported with the count and the command', () => {
    const note = { workload: 'Deployment/cart', namespace: 'shop', restoreCommand: 'kubectl -n shop scale deployment/cart --replicas=5', originalReplicas: 5, restored: false };
    const notes = pendingRestores({ scaling: { cart: note, search: { ...note, workload: 'Deployment/search', restored: true } } });
    assert.deepEqual(notes, [note]);
    assert.match(pendingRestoreText('shop', notes)!, /Deployment\/cart in namespace shop was left scaled; its original count is 5 \(by hand: kubectl -n shop scale deployment\/cart --replicas=5\)/);
    assert.equal(pendingRestoreText('shop', []), undefined);
  });
});
